"""`nuesync listen` end to end: the emulators and the listener as real processes talking HTTP.

The Nue emulator delivers its webhooks and the Salesforce emulator its Sync Order Outbound
Messages to the listener, exactly as `nuesync sandbox serve --webhook-url/--outbound-url` does;
tests then watch both systems (and the journal) until the expected state arrives.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomli_w

from nuesync.errors import ExitCode
from nuesync.listen.inbound import signature
from nuesync.lock import RunLock, lock_path
from nuesync.sandbox import story
from nuesync.sandbox.pair import RunningSandbox, running_sandbox
from nuesync.sandbox.salesforce.outbound import OutboundMessenger
from nuesync.target import Target
from tests.helpers import invoke

WAIT_SECONDS = 20


def wait_for(condition: Callable[[], Any], seconds: float = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


@dataclass
class Live:
    sandbox: RunningSandbox
    root: Path
    config: Path
    env: dict[str, str]
    process: subprocess.Popen[str] | None = None
    url: str = ""

    def start(self, *flags: str, reconcile_every: str = "0", **listen: Any) -> None:
        document = self.sandbox.config(state_path=self.root / "journal.sqlite3")
        document["listen"].update({"batch_window_seconds": 0.3, **listen})
        self.config.write_text(tomli_w.dumps(document))
        info = self.root / "listen.json"
        info.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nuesync", "--config", str(self.config), *flags, "listen", "--port", "0",
             "--info-file", str(info), "--reconcile-every", reconcile_every],
            env=self.env, stdout=subprocess.DEVNULL, stderr=(self.root / "listen.log").open("a"), text=True)
        wait_for(info.exists)
        self.url = json.loads(info.read_text())["url"]

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        code = self.process.wait(timeout=60)
        self.process = None
        return code

    def post_nue(self, payload: dict[str, Any], *, secret: str | None = None, path: str = "") -> httpx.Response:
        body = json.dumps(payload).encode()
        headers = {"content-type": "application/json",
                   "X-Nue-Signature": "sha256=" + signature(secret or self.sandbox.listen_secret, body)}
        return httpx.post(f"{self.url}/webhooks/nue{path}", content=body, headers=headers, timeout=10)

    def deliveries(self) -> list[dict[str, Any]]:
        db = sqlite3.connect(self.root / "journal.sqlite3")
        db.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in db.execute("SELECT * FROM deliveries ORDER BY id")]
        finally:
            db.close()

    def log(self) -> str:
        return (self.root / "listen.log").read_text()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with running_sandbox("demo") as sandbox:
        world = Live(sandbox, tmp_path, tmp_path / "nuesync.toml", {**os.environ, **sandbox.environ()})
        world.start()
        sandbox.send_webhooks_to(f"{world.url}/webhooks/nue")
        sandbox.send_outbound_to(f"{world.url}/webhooks/salesforce")
        try:
            yield world
        finally:
            if world.process is not None:
                world.process.kill()
                world.process.wait()


def new_cart(sandbox: RunningSandbox, name: str = "Live cart") -> str:
    """A self-service cart created in the portal, for a customer linked to Salesforce."""
    customer = next(c for c in sandbox.nue.customers() if c.get("externalId"))
    entry = next(iter(sandbox.nue.store.price_book_entries.values()))
    return sandbox.nue.insert_order({"customer": {"id": customer["id"]}, "name": name, "effectiveDate": "2026-12-01",
                                     "orderProducts": [{"priceBookEntryId": entry["id"], "quantity": 2,
                                                        "subscriptionTerm": 12}]})


def salesforce_orders_for(sandbox: RunningSandbox, nue_id: str) -> list[dict[str, Any]]:
    return [o for o in sandbox.salesforce.records("Order") if o.get("Nue_Order_Id__c") == nue_id]


def rep_draft(sandbox: RunningSandbox) -> str:
    return next(o["Id"] for o in sandbox.salesforce.records("Order") if o["Name"] == story.REP_DRAFT)


# --- the three live steps ------------------------------------------------------------------------


def test_a_cart_created_in_nue_reaches_salesforce_without_a_pull(live: Live) -> None:
    cart = new_cart(live.sandbox)
    (order,) = wait_for(lambda: salesforce_orders_for(live.sandbox, cart))
    assert order["Nue_Origin__c"] == "Nue"
    wait_for(lambda: live.sandbox.nue.get_order(cart).get("salesforceId") == order["Id"])  # linked back
    (delivery,) = wait_for(lambda: [d for d in live.deliveries() if d["order_id"] == cart and d["state"] == "done"])
    assert (delivery["source"], delivery["event"]) == ("nue", "order.created")


def test_sync_order_pushes_the_draft_to_nue_clears_the_button_and_its_echo_is_suppressed(live: Live) -> None:
    draft = rep_draft(live.sandbox)
    live.sandbox.salesforce.update("Order", draft, {"Nue_Sync_Requested__c": True})
    (pushed,) = wait_for(lambda: [o for o in live.sandbox.nue.orders() if o.get("salesforceId") == draft])
    wait_for(lambda: live.sandbox.salesforce.get("Order", draft)["Nue_Sync_Requested__c"] is False)
    echo = wait_for(lambda: [d for d in live.deliveries() if d["order_id"] == pushed["id"] and d["state"] == "done"])
    assert "echo" in echo[0]["last_error"]
    assert len(salesforce_orders_for(live.sandbox, pushed["id"])) <= 1
    live.sandbox.salesforce.update("Order", draft, {"Nue_Sync_Requested__c": True})  # pressed again: works again
    wait_for(lambda: len([d for d in live.deliveries() if d["source"] == "salesforce" and d["state"] == "done"]) == 2)
    assert len([o for o in live.sandbox.nue.orders() if o.get("salesforceId") == draft]) == 1


def test_a_portal_checkout_activates_the_salesforce_order(live: Live) -> None:
    draft = rep_draft(live.sandbox)
    live.sandbox.salesforce.update("Order", draft, {"Nue_Sync_Requested__c": True})
    (pushed,) = wait_for(lambda: [o for o in live.sandbox.nue.orders() if o.get("salesforceId") == draft])
    wait_for(lambda: live.sandbox.salesforce.get("Order", draft)["Nue_Sync_Requested__c"] is False)
    live.sandbox.nue.activate_order(pushed["id"])  # the customer checks out in the billing portal
    wait_for(lambda: live.sandbox.salesforce.get("Order", draft)["StatusCode"] == "Activated")


# --- deliveries are verified, deduplicated and never crash the service -----------------------------


def test_a_redelivered_event_is_stored_once_and_synced_once(live: Live) -> None:
    live.sandbox.nue.webhooks = None  # this test sends the events itself
    cart = new_cart(live.sandbox)
    event = {"id": "evt_fixed", "event": "order.created", "createdAt": "2026-11-30T10:00:00Z",
             "data": {"order": {"id": cart}}}
    answers = [live.post_nue(event) for _ in range(3)]
    assert [a.json()["status"] for a in answers] == ["received", "duplicate", "duplicate"]
    (delivery,) = wait_for(lambda: [d for d in live.deliveries() if d["order_id"] == cart and d["state"] == "done"])
    assert delivery["duplicates"] == 2
    assert len(salesforce_orders_for(live.sandbox, cart)) == 1


def test_a_wrong_or_missing_secret_is_401_recorded_and_nothing_synced(live: Live) -> None:
    live.sandbox.nue.webhooks = None
    cart = new_cart(live.sandbox)
    event = {"id": "evt_forged", "event": "order.created", "data": {"order": {"id": cart}}}
    assert live.post_nue(event, secret="not-the-secret").status_code == 401
    unsigned = httpx.post(f"{live.url}/webhooks/nue", json=event, timeout=10)
    assert unsigned.status_code == 401
    assert live.post_nue(event, path="/wrong-secret").status_code == 401
    time.sleep(1.0)
    assert salesforce_orders_for(live.sandbox, cart) == []
    rejected = [d for d in live.deliveries() if d["state"] == "rejected"]
    assert len(rejected) == 3
    assert all(d["order_id"] is None for d in rejected)  # nothing from an unauthenticated body is kept
    in_path = httpx.post(f"{live.url}/webhooks/nue/{live.sandbox.listen_secret}", json=event, timeout=10)
    assert in_path.status_code == 200  # for tenants that cannot sign: the secret as the last path segment
    wait_for(lambda: salesforce_orders_for(live.sandbox, cart))


def test_an_outbound_message_from_another_org_is_403(live: Live) -> None:
    draft = rep_draft(live.sandbox)
    foreign = OutboundMessenger("http://127.0.0.1:9/unused", "00D000000000999EAA", "https://x.example", "62.0")
    try:
        body = foreign.message([{"Id": draft, "Nue_Sync_Requested__c": True}])
    finally:
        foreign.close(timeout=0.1)
    answer = httpx.post(f"{live.url}/webhooks/salesforce", content=body, headers={"content-type": "text/xml"})
    assert answer.status_code == 403
    time.sleep(1.0)
    assert [o for o in live.sandbox.nue.orders() if o.get("salesforceId") == draft] == []


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/webhooks/nue", b"{not json", 401),  # unsigned garbage: not even looked at
    ("/webhooks/salesforce", b"<not xml", 400),
    ("/webhooks/salesforce", b"x" * (2 * 1024 * 1024), 400),
])
def test_malformed_bodies_get_a_clear_answer_and_the_service_keeps_running(live: Live, path: str, body: bytes,
                                                                           status: int) -> None:
    answer = httpx.post(f"{live.url}{path}", content=body, timeout=10)
    assert answer.status_code == status
    assert httpx.get(f"{live.url}/healthz", timeout=10).json() == {"status": "ok"}


def test_a_signed_but_unreadable_nue_body_is_400_and_an_unknown_event_202(live: Live) -> None:
    body = b"{broken"
    headers = {"X-Nue-Signature": signature(live.sandbox.listen_secret, body)}
    assert httpx.post(f"{live.url}/webhooks/nue", content=body, headers=headers).status_code == 400
    assert live.post_nue({"id": "e1", "event": "invoice.paid", "data": {}}).status_code == 202
    customer_event = {"id": "e2", "event": "customer.updated", "data": {"customer": {"id": "c"}}}
    assert live.post_nue(customer_event).status_code == 200
    states = {d["event"]: d["state"] for d in live.deliveries()}
    assert states["invoice.paid"] == states["customer.updated"] == "ignored"


def test_health_and_readiness(live: Live) -> None:
    assert httpx.get(f"{live.url}/healthz").status_code == 200
    ready = httpx.get(f"{live.url}/readyz").json()
    assert ready["ready"] is True
    assert ready["journal"] is True


# --- the lock, retries and shutdown ----------------------------------------------------------------


def test_the_listener_waits_for_a_cron_run_holding_the_lock(live: Live) -> None:
    target = Target.of(live.sandbox.nue_server.url, live.sandbox.salesforce.org_id)
    with RunLock(lock_path(target), "pull --yes (cron)"):
        cart = new_cart(live.sandbox)
        time.sleep(2.0)
        assert salesforce_orders_for(live.sandbox, cart) == []  # waiting, not writing
    (delivery,) = wait_for(lambda: [d for d in live.deliveries() if d["order_id"] == cart and d["state"] == "done"])
    assert delivery["attempts"] == 1  # waited for, not failed


def test_a_failure_stays_in_the_journal_until_retry_heals_it(live: Live) -> None:
    live.stop()
    live.start(max_attempts=1)
    live.sandbox.send_webhooks_to(f"{live.url}/webhooks/nue")
    faults = live.sandbox.salesforce.faults
    faults.fail_record(1, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Region is required", times=50)
    cart = new_cart(live.sandbox)
    failed = wait_for(lambda: [d for d in live.deliveries() if d["order_id"] == cart and d["state"] == "failed"])
    assert failed[0]["last_error"]
    log = invoke(["--config", str(live.config), "--json", "log", "--failed"], env=live.env)
    assert cart in log.stdout
    faults.clear()
    retried = invoke(["--config", str(live.config), "retry", "--all"], env=live.env)
    assert retried.code == ExitCode.OK, retried.stderr
    assert "running listener" in retried.stderr
    wait_for(lambda: salesforce_orders_for(live.sandbox, cart))
    wait_for(lambda: [d for d in live.deliveries() if d["order_id"] == cart and d["state"] == "done"])


def test_retry_without_a_listener_processes_the_deliveries_itself(live: Live) -> None:
    live.stop()
    live.start(max_attempts=1)
    live.sandbox.send_webhooks_to(f"{live.url}/webhooks/nue")
    live.sandbox.salesforce.faults.fail_record(1, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Region is required", times=50)
    cart = new_cart(live.sandbox)
    wait_for(lambda: [d for d in live.deliveries() if d["order_id"] == cart and d["state"] == "failed"])
    assert live.stop() == 0
    live.sandbox.salesforce.faults.clear()
    retried = invoke(["--config", str(live.config), "--json", "retry", "--all"], env=live.env)
    assert retried.code == ExitCode.OK, retried.stderr
    assert retried.json()["processed_here"] is True
    assert [d["state"] for d in retried.json()["deliveries"]] == ["done"]
    assert len(salesforce_orders_for(live.sandbox, cart)) == 1


def test_sigterm_drains_and_exits_0(live: Live) -> None:
    assert live.stop(signal.SIGTERM) == 0
    assert "stopped" in live.log()


def test_kill_9_mid_burst_then_restart_syncs_every_acknowledged_delivery_once(live: Live) -> None:
    live.sandbox.salesforce.latency_ms = 20
    carts = [new_cart(live.sandbox, f"Burst cart {i}") for i in range(30)]
    wait_for(lambda: len([d for d in live.deliveries() if d["order_id"] in carts]) >= 10)
    live.stop(signal.SIGKILL)
    acknowledged = {d["order_id"] for d in live.deliveries() if d["order_id"] in carts}
    live.start()
    live.sandbox.send_webhooks_to(f"{live.url}/webhooks/nue")  # the tenant goes on delivering (and retrying)
    for cart in acknowledged:
        wait_for(lambda cart=cart: salesforce_orders_for(live.sandbox, cart))
    wait_for(lambda: all(d["state"] == "done" for d in live.deliveries() if d["order_id"] in acknowledged))
    for cart in carts:
        assert len(salesforce_orders_for(live.sandbox, cart)) <= 1
    nue_links = [o.get("salesforceId") for o in live.sandbox.nue.orders() if o.get("salesforceId")]
    assert len(nue_links) == len(set(nue_links))
    lines = [i.get("Nue_Order_Product_Id__c") for i in live.sandbox.salesforce.records("OrderItem")
             if i.get("Nue_Order_Product_Id__c")]
    assert len(lines) == len(set(lines))


def test_the_reconciliation_catches_an_edit_no_webhook_announces(live: Live) -> None:
    """Nue sends no order-updated event: the service's incremental pull finds the edit anyway."""
    cart = new_cart(live.sandbox)
    wait_for(lambda: salesforce_orders_for(live.sandbox, cart))
    live.stop()
    live.sandbox.nue.webhooks = None
    live.sandbox.nue.update_order(cart, {"name": "Renamed in the portal"})
    live.start(reconcile_every="1s")
    wait_for(lambda: salesforce_orders_for(live.sandbox, cart)[0]["Name"] == "Renamed in the portal")
    wait_for(lambda: "reconciled" in live.log())  # written once the reconciling run has finished


def test_with_json_every_log_line_is_a_json_object(live: Live) -> None:
    live.stop()
    live.start("--json")
    live.sandbox.send_webhooks_to(f"{live.url}/webhooks/nue")
    cart = new_cart(live.sandbox)
    wait_for(lambda: [d for d in live.deliveries() if d["order_id"] == cart and d["state"] == "done"])
    assert live.stop() == 0
    lines = [line for line in live.log().splitlines() if line.startswith("{")]
    events = [json.loads(line)["event"] for line in lines]
    assert {"listening", "received", "synced", "batch", "stopped"} <= set(events)
