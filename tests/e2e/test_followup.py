"""`nuesync followup` against both emulators: one task per abandoned cart, for the right person, never twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import tomli_w

from nuesync.cli.context import AppContext
from nuesync.errors import ExitCode
from nuesync.lock import RunLock, lock_path
from nuesync.sandbox.linked import PairBuilder
from nuesync.target import Target
from tests.e2e.conftest import World
from tests.helpers import CliResult, invoke

LATER = datetime.now(UTC) + timedelta(days=2)  # every cart seeded by a test has waited a day and more by then
CREATE = "POST composite/sobjects"


def configure(world: World, **followup: Any) -> None:
    document = world.sandbox.config(state_path=world.config.parent / "journal.sqlite3")
    document["followup"] = followup
    world.config.write_text(tomli_w.dumps(document))


def run(world: World, *args: str, at: datetime = LATER) -> CliResult:
    return invoke(["--config", str(world.config), *args], env=world.sandbox.environ(), clock=lambda: at)


def user(world: World, last_name: str) -> str | None:
    return next((str(u["Id"]) for u in world.sandbox.salesforce.records("User") if u["LastName"] == last_name), None)


def integration_user(world: World) -> str:
    return str(user(world, "User"))


def rep(world: World) -> str:
    """An active rep of the org, created once."""
    return user(world, "Smith") or world.sandbox.salesforce.insert_user("Joanna", "Smith")


def pulled_cart(world: World, customer: str, name: str, *, owner: str = "rep") -> tuple[str, str]:
    """A self-service cart pulled into Salesforce earlier (linked both ways): (Nue id, Salesforce Order id).
    Its Account is owned by a rep (`rep`), by the integration user that created it (`integration`), or by a
    rep who left (`left`)."""
    salesforce = world.sandbox.salesforce
    pair = PairBuilder(salesforce, world.sandbox.nue)
    nue_customer, account = pair.linked_customer(customer, f"billing@{customer.lower()}.example")
    owners = {"rep": lambda: rep(world), "left": lambda: salesforce.insert_user("Former", "Rep", active=False)}
    if owner in owners:
        salesforce.update("Account", account, {"OwnerId": owners[owner]()})
    cart = pair.nue_order(nue_customer, name, [{"sku": "NUE-SEAT", "quantity": 4, "subscriptionTerm": 12}])
    return cart["id"], pair.mirror(cart, account)


def tasks(world: World) -> list[dict[str, Any]]:
    return world.sandbox.salesforce.records("Task", include_deleted=True)


def test_each_abandoned_cart_gets_one_task_for_its_owner_in_one_collections_call(empty: World) -> None:
    configure(empty, owner_fallback=integration_user(empty), due_in_days=3, priority="High")
    owned = pulled_cart(empty, "Acme", "Acme cart")
    unowned = pulled_cart(empty, "Initech", "Initech cart", owner="left")
    created = pulled_cart(empty, "Initrode", "Initrode cart", owner="integration")
    empty.sandbox.salesforce.reset_counters()

    result = run(empty, "--json", "followup", "--yes")

    assert result.code == ExitCode.OK, result.stderr
    assert empty.sandbox.salesforce.counters[CREATE] == 1
    by_cart = {t["Nue_Cart_Id__c"]: t for t in tasks(empty)}
    assert set(by_cart) == {owned[0], unowned[0], created[0]}
    task = by_cart[owned[0]]
    assert (task["WhatId"], task["OwnerId"], task["Priority"], task["Status"]) == (
        owned[1], rep(empty), "High", "Not Started")
    assert task["ActivityDate"] == (LATER + timedelta(days=3)).date()
    assert task["Subject"] == "Follow up abandoned cart Acme cart (50 USD)"
    assert "Total: 50 USD" in task["Description"] and "- NUE-SEAT × 4 at 12.5" in task["Description"]
    sources = {c["key"]: c["owner_source"] for c in result.json()["plan"]["carts"]}
    assert sources == {owned[0]: "account", unowned[0]: "fallback", created[0]: "fallback"}


def test_a_cart_never_gets_a_second_task_even_with_the_journal_lost(empty: World) -> None:
    configure(empty)
    cart, _order = pulled_cart(empty, "Acme", "Acme cart")
    assert run(empty, "followup", "--yes").code == ExitCode.OK
    (empty.config.parent / "journal.sqlite3").unlink()
    empty.sandbox.salesforce.reset_counters()

    again = run(empty, "--json", "followup", "--yes")

    assert again.code == ExitCode.OK
    assert [t["Nue_Cart_Id__c"] for t in tasks(empty)] == [cart]
    assert CREATE not in empty.sandbox.salesforce.counters
    (outcome,) = again.json()["result"]["carts"]
    assert outcome["result"] == "skipped" and "has its follow-up task already" in outcome["message"]


def test_a_cart_changed_within_the_age_or_never_pulled_gets_no_task(empty: World) -> None:
    configure(empty)
    pulled_cart(empty, "Acme", "Acme cart")
    pair = PairBuilder(empty.sandbox.salesforce, empty.sandbox.nue)
    customer, _account = pair.linked_customer("Initech", "ap@initech.example")
    pair.nue_order(customer, "Only in Nue", [{"sku": "NUE-SEAT", "quantity": 1, "subscriptionTerm": 12}])

    recent = run(empty, "--json", "followup", "--yes", at=datetime.now(UTC))
    later = run(empty, "--json", "followup", "--yes", "--older-than", "3d")

    assert (recent.code, recent.json()["plan"]["carts"]) == (ExitCode.OK, [])
    assert (later.code, later.json()["plan"]["carts"]) == (ExitCode.OK, [])
    assert tasks(empty) == []


def test_a_dry_run_shows_the_tasks_and_exits_3_writing_nothing(empty: World) -> None:
    configure(empty)
    pulled_cart(empty, "Acme", "Acme cart")
    empty.sandbox.salesforce.reset_counters()

    result = run(empty, "followup", "--dry-run", "--older-than", "1d")

    assert result.code == ExitCode.DIFFERENCES
    assert "Acme cart" in result.stdout and "create" in result.stdout
    assert empty.writes() == 0 and tasks(empty) == []


@pytest.mark.parametrize(("owner", "why"), [
    ("left", "has no active owner"),
    ("integration", "has no owner but the integration user nuesync logs in as"),
])
def test_an_account_no_rep_owns_and_no_fallback_blocks_its_cart_with_5(empty: World, owner: str, why: str) -> None:
    configure(empty)
    pulled_cart(empty, "Acme", "Acme cart", owner=owner)

    result = run(empty, "--json", "followup", "--yes")

    assert result.code == ExitCode.CONFLICTS
    (cart,) = result.json()["plan"]["carts"]
    assert why in cart["reason"] and "followup.owner_fallback" in cart["fix"]
    assert tasks(empty) == []


def test_a_cart_checked_out_after_it_was_read_gets_no_task(empty: World, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(empty)
    checked_out, _ = pulled_cart(empty, "Acme", "Checked out while asked")
    waiting, _ = pulled_cart(empty, "Initech", "Still waiting")

    def customer_checks_out_meanwhile(self: AppContext, question: str) -> bool:
        empty.sandbox.nue.activate_order(checked_out)
        return True

    monkeypatch.setattr(AppContext, "is_interactive", lambda self: True)
    monkeypatch.setattr(AppContext, "confirm", customer_checks_out_meanwhile)

    result = run(empty, "--json", "followup")

    assert result.code == ExitCode.OK, result.stderr
    outcomes = {c["key"]: c for c in result.json()["result"]["carts"]}
    assert outcomes[checked_out]["result"] == "skipped"
    assert "activated in Nue since it was read" in outcomes[checked_out]["message"]
    assert [t["Nue_Cart_Id__c"] for t in tasks(empty)] == [waiting]


def test_the_run_is_journaled_with_each_carts_outcome(empty: World) -> None:
    configure(empty)
    cart, order = pulled_cart(empty, "Acme", "Acme cart")
    run(empty, "followup", "--yes")

    (last, *_) = run(empty, "--json", "log").json()["runs"]
    detailed = run(empty, "--json", "log", "--run", str(last["id"])).json()["runs"][0]

    assert (last["command"], last["status"], last["counts"]["created"]) == ("followup", "done", 1)
    (outcome,) = detailed["orders"]
    assert (outcome["nue_id"], outcome["salesforce_id"], outcome["result"]) == (cart, order, "created")
    assert outcome["message"].startswith("Task 00T")


def test_without_a_terminal_it_needs_yes_and_reads_nothing(empty: World) -> None:
    configure(empty)
    empty.sandbox.salesforce.reset_counters()
    result = run(empty, "followup")
    assert result.code == ExitCode.USAGE and "--yes" in result.stderr
    assert empty.sandbox.salesforce.request_count() == 0


def test_a_second_run_while_one_holds_the_lock_is_not_run(empty: World) -> None:
    configure(empty)
    target = Target.of(empty.sandbox.nue_server.url, empty.sandbox.salesforce.org_id)
    with RunLock(lock_path(target), "push --yes"):
        result = run(empty, "followup", "--yes")
    assert result.code == ExitCode.NOT_RUN_NOW and "push --yes" in result.stderr


def test_a_task_salesforce_refuses_fails_with_8_and_the_next_run_creates_it(empty: World) -> None:
    configure(empty, priority="Whenever")  # not a value of the org's Priority picklist
    cart, _order = pulled_cart(empty, "Acme", "Acme cart")

    refused = run(empty, "--json", "followup", "--yes")

    assert refused.code == ExitCode.NOTHING_WRITTEN
    (outcome,) = refused.json()["result"]["carts"]
    assert (outcome["result"], outcome["error_code"]) == ("failed", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
    configure(empty)
    assert run(empty, "followup", "--yes").code == ExitCode.OK
    assert [t["Nue_Cart_Id__c"] for t in tasks(empty)] == [cart]
