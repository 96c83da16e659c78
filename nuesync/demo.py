"""`nuesync demo`: the whole story, against the in-process sandbox, with the real commands.

Each step is a sentence and a real `nuesync` command line, run in this process against both
emulators; the step's exit code is checked, so the demo doubles as an end-to-end smoke test.
The live part then starts `nuesync listen` as its own process, points the tenant's webhooks and
the org's Sync Order Outbound Messages at it, and waits for each event to reach the other system.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import tomli_w

from nuesync.errors import ExitCode, NuesyncError
from nuesync.sandbox import story
from nuesync.sandbox.linked import PairBuilder
from nuesync.sandbox.pair import RunningSandbox, running_sandbox
from nuesync.sandbox.salesforce.outbound import TRIGGER_FIELD

Runner = Callable[[list[str], dict[str, str]], int]


class DemoFailedError(NuesyncError):
    """A demo step did not end the way the story says: the tool (or the sandbox) misbehaved."""

    exit_code = ExitCode.INTERNAL_ERROR


@dataclass(frozen=True)
class Step:
    sentence: str
    args: Callable[[RunningSandbox], list[str]]
    expect: ExitCode = ExitCode.OK
    before: Callable[[RunningSandbox], None] = field(default=lambda _sandbox: None)


def _nue_id(sandbox: RunningSandbox, name: str) -> str:
    return next(o["id"] for o in sandbox.nue.orders() if o["name"] == name)


def _sf_id(sandbox: RunningSandbox, name: str) -> str:
    return next(o["Id"] for o in sandbox.salesforce.records("Order") if o["Name"] == name)


def _portal_checkout(sandbox: RunningSandbox) -> None:
    """What Nue's billing portal does when the customer checks out the rep's draft."""
    sandbox.nue.activate_order(_nue_id(sandbox, story.REP_DRAFT))


STEPS: tuple[Step, ...] = (
    Step("Both systems hold drafts. diff compares them: an abandoned self-service cart only in Nue, a rep's "
         "draft only in Salesforce, an order whose quantity and discount diverged, and more.",
         lambda _: ["diff"], ExitCode.DIFFERENCES),
    Step("pull brings Nue's drafts into Salesforce (Nue wins): the cart lands there for the rep's follow-up, "
         "the diverged order takes Nue's values, and Globex's customer record is created first.",
         lambda _: ["pull", "--yes", "--create-customers"]),
    Step("push sends the rep's draft to Nue (Salesforce wins), so the customer can check out in the portal.",
         lambda _: ["push", "--yes"]),
    Step("The customer checks out in Nue's billing portal, which activates the order in Nue. The order was "
         "created in Salesforce, so activate completes the activation there, in its origin.",
         lambda s: ["activate", "--yes", _sf_id(s, story.REP_DRAFT), _sf_id(s, story.PORTAL_CHECKOUT)],
         before=_portal_checkout),
    Step("An order created in Nue is activated with activate: in Nue first, its origin, then in Salesforce.",
         lambda s: ["activate", "--yes", _nue_id(s, story.IN_SYNC)]),
    Step("A final diff: everything is in sync.", lambda _: ["diff"]),
    Step("The journal remembers every writing run.", lambda _: ["log"]),
)


LIVE_WAIT_SECONDS = 30


@dataclass(frozen=True)
class LiveStep:
    """Something happens in one system; `done` says (or is None until) it reached the other one."""

    sentence: str
    act: Callable[[RunningSandbox], str]
    done: Callable[[RunningSandbox, str], str | None]


def _new_cart(sandbox: RunningSandbox) -> str:
    initech = next(c for c in sandbox.nue.customers() if c["name"] == "Initech")
    entry = next(e["id"] for e in sandbox.nue.store.price_book_entries.values() if e["productSku"] == "NUE-SEAT")
    return sandbox.nue.insert_order({"customer": {"id": initech["id"]}, "name": "Self-service cart (live)",
                                     "effectiveDate": "2026-12-01",
                                     "orderProducts": [{"priceBookEntryId": entry, "quantity": 3,
                                                        "subscriptionTerm": 12}]})


def _in_salesforce(sandbox: RunningSandbox, nue_id: str) -> str | None:
    found = [o["Id"] for o in sandbox.salesforce.records("Order") if o.get("Nue_Order_Id__c") == nue_id]
    return f"Salesforce Order {found[0]}" if found else None


def _press_sync_order(sandbox: RunningSandbox) -> str:
    builder = PairBuilder(sandbox.salesforce, sandbox.nue)
    account = next(a["Id"] for a in sandbox.salesforce.records("Account") if a["Name"] == "Initech")
    draft = builder.salesforce_order(account, "Rep draft: Initech add-on (live)", [("NUE-SEAT", 5)])
    sandbox.salesforce.update("Order", draft, {TRIGGER_FIELD: True})
    return draft


def _in_nue(sandbox: RunningSandbox, salesforce_id: str) -> str | None:
    found = [o["id"] for o in sandbox.nue.orders() if o.get("salesforceId") == salesforce_id]
    return f"Nue order {found[0]}" if found else None


def _checkout(sandbox: RunningSandbox) -> str:
    draft = _sf_id(sandbox, "Rep draft: Initech add-on (live)")
    nue_id = next(o["id"] for o in sandbox.nue.orders() if o.get("salesforceId") == draft)
    sandbox.nue.activate_order(nue_id)
    return draft


def _activated(sandbox: RunningSandbox, salesforce_id: str) -> str | None:
    order = sandbox.salesforce.get("Order", salesforce_id)
    return f"Salesforce Order {salesforce_id} is {order['Status']}" if order["StatusCode"] == "Activated" else None


LIVE_STEPS: tuple[LiveStep, ...] = (
    LiveStep("Live: a shopper leaves a new cart in the portal. Nue's order.created webhook reaches the listener "
             "and the cart appears in Salesforce — nobody runs pull.", _new_cart, _in_salesforce),
    LiveStep("Live: a rep presses Sync Order on a new Salesforce draft. The Flow's Outbound Message reaches the "
             "listener and the draft appears in Nue for the customer to check out.", _press_sync_order, _in_nue),
    LiveStep("Live: the customer checks out in the portal. order.activated reaches the listener, which activates "
             "the order in Salesforce, where it was created.", _checkout, _activated),
)


@contextmanager
def _listener(config: Path, environ: dict[str, str], folder: Path) -> Iterator[str]:
    """`nuesync listen` as its own process on a free port, stopped with SIGTERM (it drains, exits 0)."""
    info = folder / "listen.json"
    log = (folder / "listen.log").open("w", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "nuesync", "--config", str(config), "listen", "--port", "0",
                                "--info-file", str(info), "--reconcile-every", "0"],
                               env={**os.environ, **environ}, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + LIVE_WAIT_SECONDS
        while not info.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise DemoFailedError(f"nuesync listen did not start (see {folder / 'listen.log'})")
            time.sleep(0.05)
        yield str(json.loads(info.read_text(encoding="utf-8"))["url"])
    finally:
        process.terminate()
        code = process.wait(timeout=60)
        log.close()
        if code != 0:
            raise DemoFailedError(f"nuesync listen exited {code} on SIGTERM, expected 0")


def _play_live(sandbox: RunningSandbox, config: Path, folder: Path, say: Callable[[str, str], None]) -> None:
    say("nuesync listen serves Nue's webhooks and Salesforce's Sync Order button; the sandbox points both at it.",
        "$ nuesync listen --port 0")
    with _listener(config, sandbox.environ(), folder) as url:
        sandbox.send_webhooks_to(f"{url}/webhooks/nue")
        sandbox.send_outbound_to(f"{url}/webhooks/salesforce")
        for step in LIVE_STEPS:
            say(step.sentence, "")
            subject, started = step.act(sandbox), time.monotonic()
            while (result := step.done(sandbox, subject)) is None:
                if time.monotonic() - started > LIVE_WAIT_SECONDS:
                    raise DemoFailedError(f"live step did not complete within {LIVE_WAIT_SECONDS} s: {step.sentence}")
                time.sleep(0.1)
            say("", f"→ {result}, {time.monotonic() - started:.1f} s later")
        sandbox.close_senders()


def run_demo(out: TextIO, runner: Runner, *, color: bool = True) -> None:
    """Play every step; raise DemoFailedError at the first step that ends unexpectedly."""
    bold, dim, reset = ("\x1b[1m", "\x1b[2m", "\x1b[0m") if color else ("", "", "")
    with tempfile.TemporaryDirectory(prefix="nuesync-demo-") as tmp, running_sandbox("demo") as sandbox:
        config = Path(tmp) / "nuesync.toml"
        config.write_text(tomli_w.dumps(sandbox.config(state_path=Path(tmp) / "journal.sqlite3")), encoding="utf-8")
        for number, step in enumerate(STEPS, start=1):
            step.before(sandbox)
            args = step.args(sandbox)
            out.write(f"\n{bold}{number}. {step.sentence}{reset}\n{dim}$ nuesync {' '.join(args)}{reset}\n")
            out.flush()
            code = runner(["--config", str(config), *args], sandbox.environ())
            if code != step.expect:
                raise DemoFailedError(f"demo step {number} (nuesync {' '.join(args)}) exited {code}, "
                                      f"expected {int(step.expect)}")

        def say(sentence: str, detail: str) -> None:
            if sentence:
                out.write(f"\n{bold}{sentence}{reset}\n")
            if detail:
                out.write(f"{dim}{detail}{reset}\n")
            out.flush()

        _play_live(sandbox, config, Path(tmp), say)
        out.write(f"\n{bold}Done: every step behaved as the story says.{reset}\n")
