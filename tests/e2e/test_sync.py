"""`pull` and `push` against both emulators: every rule of docs/design.md, in both directions."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest

from nuesync.errors import ExitCode
from nuesync.sandbox import story
from tests.e2e.conftest import World


def nue_order(world: World, name: str) -> dict:
    return next(o for o in world.sandbox.nue.orders() if o["name"] == name)


def sf_orders(world: World, name: str) -> list[dict]:
    return [o for o in world.sandbox.salesforce.records("Order") if o["Name"] == name]


def sf_items(world: World, order_id: str) -> list[dict]:
    return [i for i in world.sandbox.salesforce.records("OrderItem") if i["OrderId"] == order_id]


def results(result) -> dict[str, dict]:
    return {o["key"]: o for o in result.json()["result"]["orders"]}


# --- rule 4: no duplicates, ever; rule 5: links both ways -------------------------------------------
# (A pull of the whole demo exits 5: Globex's cart stays blocked until its customer is linked.)


def test_pull_creates_the_cart_in_salesforce_linked_both_ways(demo: World) -> None:
    result = demo.run("--json", "pull", "--yes")
    assert result.code == ExitCode.CONFLICTS, result.stderr
    cart = nue_order(demo, story.ABANDONED_CART)
    (sf,) = sf_orders(demo, story.ABANDONED_CART)
    assert sf["Nue_Order_Id__c"] == cart["id"]
    assert cart["salesforceId"] == sf["Id"]
    assert sf["Nue_Origin__c"] == "Nue"
    assert cart["origin"] == "Nue"
    items = sf_items(demo, sf["Id"])
    assert sorted(i["Nue_Order_Product_Id__c"] for i in items) == sorted(p["id"] for p in cart["orderProducts"])
    assert sorted(p["salesforceId"] for p in cart["orderProducts"]) == sorted(i["Id"] for i in items)


def test_rerunning_pull_writes_nothing_and_duplicates_nothing(demo: World) -> None:
    assert demo.run("pull", "--yes").code == ExitCode.CONFLICTS
    orders_before = len(demo.sandbox.salesforce.records("Order"))
    demo.sandbox.salesforce.reset_counters()
    demo.sandbox.nue.reset_counters()
    again = demo.run("--json", "pull", "--yes")
    assert again.code == ExitCode.CONFLICTS
    assert demo.writes() == 0
    assert len(demo.sandbox.salesforce.records("Order")) == orders_before
    names = Counter(o["Name"] for o in demo.sandbox.salesforce.records("Order"))
    assert max(names.values()) == 1


def test_push_creates_the_rep_draft_in_nue_with_salesforce_origin(demo: World) -> None:
    result = demo.run("--json", "push", "--yes")
    assert result.code == ExitCode.OK, result.stderr
    (sf,) = sf_orders(demo, story.REP_DRAFT)
    nue = nue_order(demo, story.REP_DRAFT)
    assert nue["salesforceId"] == sf["Id"]
    assert sf["Nue_Order_Id__c"] == nue["id"]
    assert nue["origin"] == "Salesforce"
    assert sf["Nue_Origin__c"] == "Salesforce"
    assert [p["productSku"] for p in nue["orderProducts"]] == ["NUE-PLAT-ENT", "NUE-SEAT"]
    demo.sandbox.nue.reset_counters()
    demo.sandbox.salesforce.reset_counters()
    assert demo.run("push", "--yes").code == ExitCode.OK
    assert demo.writes() == 0
    assert sum(1 for o in demo.sandbox.nue.orders() if o["name"] == story.REP_DRAFT) == 1


# --- rule 1: sender wins ----------------------------------------------------------------------------


def test_pull_overwrites_salesforce_with_nue_values(demo: World) -> None:
    assert demo.run("pull", "--yes", "--order", nue_order(demo, story.DIVERGED)["id"]).code == ExitCode.OK
    (sf,) = sf_orders(demo, story.DIVERGED)
    assert sf["Nue_Discount_Percent__c"] == 10
    assert [i["Quantity"] for i in sf_items(demo, sf["Id"])] == [15]


def test_push_overwrites_nue_with_salesforce_values(demo: World) -> None:
    (sf,) = sf_orders(demo, story.DIVERGED)
    assert demo.run("push", "--yes", "--order", sf["Id"]).code == ExitCode.OK
    nue = nue_order(demo, story.DIVERGED)
    assert nue.get("discount") in (None, 0)
    assert [p["quantity"] for p in nue["orderProducts"]] == [10]


def test_plan_flags_receiver_values_changed_since_the_last_sync(demo: World) -> None:
    cart_id = nue_order(demo, story.ABANDONED_CART)["id"]
    assert demo.run("pull", "--yes", "--order", cart_id).code == ExitCode.OK
    (sf,) = sf_orders(demo, story.ABANDONED_CART)
    demo.sandbox.salesforce.update("Order", sf["Id"], {"Name": "Renamed by a rep"})
    demo.sandbox.nue.update_order(cart_id, {"description": "Nue edit"})
    plan = demo.run("--json", "pull", "--dry-run", "--order", cart_id)
    assert plan.code == ExitCode.DIFFERENCES
    (action,) = [a for a in plan.json()["plan"]["actions"] if a["action"] == "update"]
    flagged = {c["field"] for c in action["changes"] if c["receiver_changed_since_sync"]}
    assert "name" in flagged


# --- echo suppression ---------------------------------------------------------------------------------


def test_after_a_pull_a_push_plans_nothing_for_those_orders(demo: World) -> None:
    assert demo.run("pull", "--yes").code == ExitCode.CONFLICTS
    plan = demo.run("--json", "push", "--dry-run").json()["plan"]
    writing = {a["key"] for a in plan["actions"] if a["action"] in {"create", "update", "link"}}
    pulled = {nue_order(demo, name)["id"] for name in (story.ABANDONED_CART, story.DIVERGED, story.IN_SYNC)}
    assert writing.isdisjoint(pulled)


# --- rule 3: no deletes -----------------------------------------------------------------------------


def test_a_line_only_in_salesforce_is_reported_never_deleted(demo: World) -> None:
    (sf,) = sf_orders(demo, story.DIVERGED)
    entries = {r["Product2Id"]: r["Id"] for r in demo.sandbox.salesforce.records("PricebookEntry")}
    products = {r["ProductCode"]: r["Id"] for r in demo.sandbox.salesforce.records("Product2")}
    extra = demo.sandbox.salesforce.insert("OrderItem", {
        "OrderId": sf["Id"], "PricebookEntryId": entries[products["NUE-ONBOARD"]], "Quantity": 1, "UnitPrice": 1500,
    })
    result = demo.run("--json", "pull", "--yes", "--order", nue_order(demo, story.DIVERGED)["id"])
    assert any("never deletes" in note for a in result.json()["plan"]["actions"] for note in a["not_deleted"])
    assert extra in {i["Id"] for i in sf_items(demo, sf["Id"])}


# --- rule 7: customers first ------------------------------------------------------------------------


def test_an_unlinked_customer_blocks_the_order_until_creation_is_asked_for(demo: World) -> None:
    order_id = nue_order(demo, story.UNLINKED_CUSTOMER)["id"]
    blocked = demo.run("--json", "pull", "--yes", "--order", order_id)
    assert blocked.code == ExitCode.CONFLICTS
    assert results(blocked)[order_id]["result"] == "blocked"
    assert sf_orders(demo, story.UNLINKED_CUSTOMER) == []
    created = demo.run("--json", "pull", "--yes", "--create-customers", "--order", order_id)
    assert created.code == ExitCode.OK, created.stdout
    (sf,) = sf_orders(demo, story.UNLINKED_CUSTOMER)
    account = demo.sandbox.salesforce.get("Account", sf["AccountId"])
    globex = next(c for c in demo.sandbox.nue.customers() if c["name"] == "Globex")
    assert account["Nue_Customer_Id__c"] == globex["id"]
    assert globex["externalId"] is None  # Nue's own Salesforce sync sets it; the Account's Nue id pairs them
    demo.sandbox.salesforce.reset_counters()
    demo.sandbox.nue.reset_counters()
    again = demo.run("--json", "pull", "--yes", "--create-customers", "--order", order_id)
    assert again.code == ExitCode.OK, again.stdout
    assert results(again)[order_id]["result"] == "skipped" and demo.writes() == 0


# --- rule 8: activated orders are not edited by draft sync ------------------------------------------


def test_a_portal_checkout_is_completed_in_its_origin_and_nothing_else_is_edited(demo: World) -> None:
    """Rules 2 and 8: the activated order is activated in Salesforce (its origin), never draft-synced."""
    (sf,) = sf_orders(demo, story.PORTAL_CHECKOUT)
    before = demo.sandbox.salesforce.get("Order", sf["Id"])
    result = demo.run("--json", "push", "--yes")
    assert result.code == ExitCode.OK, result.stderr
    document = result.json()
    nue_id = nue_order(demo, story.PORTAL_CHECKOUT)["id"]
    (action,) = [a for a in document["plan"]["actions"] if a["nue_id"] == nue_id]
    assert action["action"] == "skip"
    assert [a["result"] for a in document["activations"]] == ["activated"]
    after = demo.sandbox.salesforce.get("Order", sf["Id"])
    assert after["StatusCode"] == "Activated"
    unchanged = {k: v for k, v in before.items() if k not in {"Status", "StatusCode", "ActivatedDate",
                                                                "LastModifiedDate", "SystemModstamp"}}
    assert {k: after[k] for k in unchanged} == unchanged
    assert nue_order(demo, story.PORTAL_CHECKOUT)["status"] == "Activated"


def test_dry_run_counts_a_pending_activation_as_a_difference(demo: World) -> None:
    demo.sandbox.salesforce.reset_counters()
    assert demo.run("pull", "--dry-run", "--order", nue_order(demo, story.PORTAL_CHECKOUT)["id"]).code == 3
    assert demo.sandbox.salesforce.write_count() == 0


# --- rule 6: the Sync Draft Orders setting ----------------------------------------------------------


def test_draft_sync_off_writes_nothing_and_says_where_to_turn_it_on(demo: World) -> None:
    demo.sandbox.nue.draft_sync_enabled = False
    demo.sandbox.salesforce.reset_counters()
    demo.sandbox.nue.reset_counters()
    result = demo.run("pull", "--yes")
    assert result.code == ExitCode.USAGE
    assert "Sync Draft Orders" in result.stderr
    assert demo.writes() == 0


# --- rule 9: preview before write -------------------------------------------------------------------


def test_without_a_terminal_writing_needs_yes(demo: World) -> None:
    demo.sandbox.salesforce.reset_counters()
    demo.sandbox.nue.reset_counters()
    result = demo.run("pull")
    assert result.code == ExitCode.USAGE
    assert "--yes" in result.stderr
    assert result.stdout == ""  # refused before reading: nothing planned, nothing journaled
    assert demo.sandbox.salesforce.request_count() == demo.sandbox.nue.request_count() == 0


def test_dry_run_prints_the_plan_and_exits_with_the_real_runs_code(demo: World) -> None:
    demo.sandbox.salesforce.reset_counters()
    demo.sandbox.nue.reset_counters()
    result = demo.run("--json", "pull", "--dry-run")
    assert result.code == ExitCode.CONFLICTS  # Globex's cart is blocked: the real run exits 5 too
    assert result.json()["plan"]["counts"]["create"] >= 1
    assert demo.writes() == 0
    assert demo.run("pull", "--yes").code == ExitCode.CONFLICTS
    cart = nue_order(demo, story.DIVERGED)["id"]
    assert demo.run("pull", "--dry-run", "--order", cart).code == ExitCode.OK  # written above: in sync now


# --- partial failure and the journal ---------------------------------------------------------------


def test_one_failed_record_fails_alone(demo: World) -> None:
    demo.sandbox.salesforce.faults.fail_record(1, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Region is required")
    result = demo.run("--json", "pull", "--yes")
    assert result.code == ExitCode.PARTIAL_FAILURE
    outcomes = Counter(o["result"] for o in result.json()["result"]["orders"])
    assert outcomes["failed"] == 1
    assert outcomes["created"] + outcomes["updated"] >= 1
    log = demo.run("--json", "log", "--failed").json()
    assert log["runs"][0]["exit_code"] == ExitCode.PARTIAL_FAILURE
    assert [o["result"] for o in log["runs"][0]["orders"]] == ["failed"]  # only what failed, not what waits


def test_a_second_run_while_one_holds_the_lock_is_not_run(demo: World) -> None:
    from nuesync.lock import RunLock, lock_path
    from nuesync.target import Target
    target = Target.of(demo.sandbox.nue_server.url, demo.sandbox.salesforce.org_id)
    with RunLock(lock_path(target), "pull --yes"):
        result = demo.run("pull", "--yes")
    assert result.code == ExitCode.NOT_RUN_NOW
    assert "pull --yes" in result.stderr


# --- saved plans ------------------------------------------------------------------------------------


def test_a_saved_plan_is_applied_later_unless_its_source_changed(demo: World, tmp_path) -> None:
    plan_file = tmp_path / "plan.json"
    assert demo.run("pull", "--plan-out", str(plan_file)).code == ExitCode.CONFLICTS  # Globex's cart waits
    cart_id = nue_order(demo, story.ABANDONED_CART)["id"]
    demo.sandbox.nue.update_order(cart_id, {"name": "Changed after planning"})
    result = demo.run("--json", "apply", str(plan_file), "--yes")
    outcomes = results(result)
    assert outcomes[cart_id]["result"] == "blocked"
    assert "changed since the plan" in outcomes[cart_id]["message"]
    assert outcomes[nue_order(demo, story.DIVERGED)["id"]]["result"] == "updated"


@pytest.mark.parametrize("command", ["pull", "push"])
def test_the_journal_records_every_run(demo: World, command: str) -> None:
    demo.run(command, "--yes")
    runs = demo.run("--json", "log").json()["runs"]
    assert runs[0]["command"] == command
    assert runs[0]["exit_code"] == {"pull": ExitCode.CONFLICTS, "push": ExitCode.OK}[command]


def test_the_api_budget_floor_stops_a_run_before_any_write(demo: World) -> None:
    salesforce = demo.sandbox.salesforce
    salesforce.api_usage = 100_000 - 300  # 300 calls left today, below the default floor of 500
    salesforce.reset_counters()
    demo.sandbox.nue.reset_counters()
    result = demo.run("pull", "--yes")
    assert result.code == ExitCode.NOT_RUN_NOW
    assert "min_api_remaining" in result.stderr
    assert demo.writes() == 0


def test_since_last_looks_only_at_what_changed_since_the_last_successful_run(demo: World,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("nuesync.adapters.base.SINCE_OVERLAP", timedelta(0))  # the mark alone decides here
    time.sleep(1.1)  # the emulators keep whole seconds: start the run in a later second than the seed
    first = demo.run("--json", "pull", "--yes", "--create-customers", "--since", "last")
    assert first.code == ExitCode.OK, first.stdout  # no watermark yet: everything is in scope
    cart_id = nue_order(demo, story.ABANDONED_CART)["id"]
    demo.sandbox.nue.update_order(cart_id, {"description": "changed after the last pull"})
    plan = demo.run("--json", "pull", "--dry-run", "--since", "last").json()["plan"]
    # Orders the last pull itself wrote were modified during it, so they are looked at again (in sync).
    assert [(a["key"], a["action"]) for a in plan["actions"] if a["action"] != "skip"] == [(cart_id, "update")]
    assert all(a["reason"] for a in plan["actions"] if a["action"] == "skip")
    (rep_draft,) = sf_orders(demo, story.REP_DRAFT)  # untouched since the pull: out of scope
    assert rep_draft["Id"] not in {a["key"] for a in plan["actions"]}
    assert demo.run("diff", "--since", "last").code == ExitCode.USAGE


def test_quiet_prints_nothing_on_success_and_everything_otherwise(demo: World) -> None:
    assert demo.run("--quiet", "pull", "--yes", "--create-customers").code == ExitCode.OK
    quiet = demo.run("-q", "pull", "--yes")
    assert quiet.code == ExitCode.OK
    assert quiet.stdout == quiet.stderr == ""
    demo.sandbox.nue.update_order(nue_order(demo, story.ABANDONED_CART)["id"], {"name": "Renamed"})
    loud = demo.run("-q", "pull", "--dry-run")
    assert loud.code == ExitCode.DIFFERENCES
    assert "Plan: Nue → Salesforce" in loud.stdout
    assert demo.run("-q", "--json", "pull", "--dry-run").json()["plan"]["counts"]["update"] == 1
