"""`nuesync activate` against both emulators: origin first, then the mirror; both systems checked each time."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from nuesync.activate import complete_activations
from nuesync.errors import ExitCode
from nuesync.fetch import Scope, fetch_snapshot
from nuesync.model import System
from nuesync.reconcile import reconcile
from nuesync.sandbox import story
from nuesync.sync import RunOptions, SyncRun
from tests.e2e.conftest import World
from tests.e2e.test_volume import linked_world, seed_nue_carts

SF_ACTIVATE = "PATCH composite/sobjects"  # Collections updates of Status alone


def nue_order(world: World, name: str) -> dict:
    return next(o for o in world.sandbox.nue.orders() if o["name"] == name)


def sf_order(world: World, name: str) -> dict:
    (only,) = [o for o in world.sandbox.salesforce.records("Order") if o["Name"] == name]
    return only


def states(world: World, name: str) -> tuple[str, str]:
    """(Nue status, Salesforce StatusCode) of one order of the story, read straight from the emulators."""
    return nue_order(world, name)["status"], sf_order(world, name)["StatusCode"]


def result(cli_result) -> dict:
    (only,) = cli_result.json()["result"]["orders"]
    return only


def quiet(world: World) -> None:
    world.sandbox.nue.reset_counters()
    world.sandbox.salesforce.reset_counters()


def pushed_rep_draft(world: World) -> str:
    """The rep's Salesforce draft, sent to Nue by an earlier push: a linked, Salesforce-origin pair."""
    sf_id = sf_order(world, story.REP_DRAFT)["Id"]
    assert world.run("push", "--yes", "--order", sf_id).code == ExitCode.OK
    return sf_id


# --- activation in each origin ----------------------------------------------------------------------


def test_a_nue_origin_order_is_activated_in_nue_then_in_salesforce(demo: World) -> None:
    activated = demo.run("--json", "activate", "--yes", nue_order(demo, story.IN_SYNC)["id"])
    assert activated.code == ExitCode.OK, activated.stderr
    assert states(demo, story.IN_SYNC) == ("Activated", "Activated")
    outcome = result(activated)
    assert outcome["result"] == "activated"
    assert outcome["origin"] == "nue"
    assert (outcome["nue"]["state"], outcome["salesforce"]["state"]) == ("activated", "activated")
    assert activated.json()["schema_version"] == 1


def test_a_salesforce_origin_order_is_activated_in_salesforce_then_in_nue(demo: World) -> None:
    sf_id = pushed_rep_draft(demo)
    activated = demo.run("--json", "activate", "--yes", sf_id)
    assert activated.code == ExitCode.OK, activated.stderr
    assert states(demo, story.REP_DRAFT) == ("Activated", "Activated")
    assert result(activated)["origin"] == "salesforce"


@pytest.mark.parametrize("origin", [System.NUE, System.SALESFORCE])
def test_asked_from_the_other_side_the_origin_is_still_activated_first(demo: World, origin: System) -> None:
    """The mirror's activation fails: the origin is already activated, so it went first."""
    name = story.IN_SYNC if origin is System.NUE else story.REP_DRAFT
    if origin is System.SALESFORCE:
        pushed_rep_draft(demo)
    order = nue_order(demo, name)
    other_side_id = order["salesforceId"][:15] if origin is System.NUE else order["orderNumber"]
    if origin is System.NUE:
        demo.sandbox.salesforce.faults.fail_next(1, status=400, endpoint=SF_ACTIVATE)
    else:
        demo.sandbox.nue.faults.fail_order(order["id"], status=400, error_code="INVALID_STATE", message="nope",
                                          times=1)
    failed = demo.run("--json", "activate", "--yes", other_side_id)
    assert failed.code == ExitCode.PARTIAL_FAILURE
    expected = ("Activated", "Draft") if origin is System.NUE else ("Draft", "Activated")
    assert states(demo, name) == expected
    assert "run `nuesync activate" in result(failed)["message"]
    completed = demo.run("--json", "activate", "--yes", other_side_id)
    assert completed.code == ExitCode.OK, completed.stdout
    assert states(demo, name) == ("Activated", "Activated")


# --- activation that happened outside nuesync, or half way -----------------------------------------


def test_the_portal_checkout_is_completed_in_salesforce_its_origin(demo: World) -> None:
    assert states(demo, story.PORTAL_CHECKOUT) == ("Activated", "Draft")
    quiet(demo)
    completed = demo.run("--json", "activate", "--yes", nue_order(demo, story.PORTAL_CHECKOUT)["id"])
    assert completed.code == ExitCode.OK, completed.stderr
    assert states(demo, story.PORTAL_CHECKOUT) == ("Activated", "Activated")
    outcome = result(completed)
    assert (outcome["nue"]["state"], outcome["salesforce"]["state"]) == ("already activated", "activated")
    assert demo.sandbox.nue.write_count() == 0
    assert demo.sandbox.salesforce.counters[SF_ACTIVATE] == 1


@pytest.mark.parametrize("origin", [System.NUE, System.SALESFORCE])
def test_a_half_done_activation_is_completed_after_a_crash(demo: World, origin: System) -> None:
    if origin is System.NUE:
        order = nue_order(demo, story.IN_SYNC)
        demo.sandbox.nue.activate_order(order["id"])  # the run died after the origin's activation
        name, argument = story.IN_SYNC, order["salesforceId"]
    else:
        argument = pushed_rep_draft(demo)
        demo.sandbox.salesforce.update("Order", argument, {"Status": "Activated"})
        name = story.REP_DRAFT
    completed = demo.run("--json", "activate", "--yes", argument)
    assert completed.code == ExitCode.OK, completed.stdout
    assert states(demo, name) == ("Activated", "Activated")
    assert result(completed)[origin.value]["state"] == "already activated"
    assert result(completed)[origin.other.value]["state"] == "activated"


def test_complete_activations_is_callable_from_a_sync_run(demo: World) -> None:
    settings = demo.sandbox.settings(demo.config.parent / "journal.sqlite3")
    with SyncRun(settings, demo.sandbox.environ(), RunOptions("pull", {})) as run:
        snapshot = fetch_snapshot(run.nue, run.salesforce, Scope())
        outcomes = complete_activations(run, reconcile(snapshot.nue, snapshot.salesforce).orders)
    assert [(o.name, o.result.value) for o in outcomes] == [(story.PORTAL_CHECKOUT, "activated")]
    assert states(demo, story.PORTAL_CHECKOUT) == ("Activated", "Activated")
    assert states(demo, story.IN_SYNC) == ("Draft", "Draft")


# --- refusals -----------------------------------------------------------------------------------------


def test_differing_sides_are_refused_and_nothing_is_written(demo: World) -> None:
    quiet(demo)
    order_id = nue_order(demo, story.DIVERGED)["id"]
    refused = demo.run("--json", "activate", "--yes", order_id)
    assert refused.code == ExitCode.CONFLICTS
    outcome = result(refused)
    assert outcome["message"].startswith("Use the sync feature before order activation")
    assert "discount.percent" in outcome["fields"]
    assert "refused" in demo.run("activate", "--yes", order_id).stdout
    assert states(demo, story.DIVERGED) == ("Draft", "Draft")
    assert demo.writes() == 0


def test_sync_first_syncs_from_the_origin_then_activates(demo: World) -> None:
    synced = demo.run("--json", "activate", "--yes", "--sync-first", nue_order(demo, story.DIVERGED)["orderNumber"])
    assert synced.code == ExitCode.OK, synced.stdout
    assert [p["direction"] for p in synced.json()["sync"]] == ["pull"]
    sf = sf_order(demo, story.DIVERGED)
    assert sf["Nue_Discount_Percent__c"] == 10  # Nue, the origin, won
    assert states(demo, story.DIVERGED) == ("Activated", "Activated")


def test_sync_first_creates_the_rep_draft_in_nue_then_activates_it(demo: World) -> None:
    sf_id = sf_order(demo, story.REP_DRAFT)["Id"]
    done = demo.run("--json", "activate", "--yes", "--sync-first", sf_id)
    assert done.code == ExitCode.OK, done.stdout
    assert nue_order(demo, story.REP_DRAFT)["origin"] == "Salesforce"
    assert states(demo, story.REP_DRAFT) == ("Activated", "Activated")


def test_origins_that_disagree_are_refused_as_a_conflict(demo: World) -> None:
    sf_id = sf_order(demo, story.IN_SYNC)["Id"]
    demo.sandbox.salesforce.update("Order", sf_id, {"Nue_Origin__c": "Salesforce"})
    quiet(demo)
    refused = demo.run("--json", "activate", "--yes", "--sync-first", sf_id)
    assert refused.code == ExitCode.CONFLICTS
    assert result(refused)["error_code"] == "ORIGIN_DISAGREES"
    assert states(demo, story.IN_SYNC) == ("Draft", "Draft")
    assert demo.writes() == 0


def test_an_unknown_order_is_a_usage_error_before_anything_is_written(demo: World) -> None:
    quiet(demo)
    unknown = demo.run("activate", "--yes", nue_order(demo, story.IN_SYNC)["id"], "O-99999999")
    assert unknown.code == ExitCode.USAGE
    assert "O-99999999" in unknown.stderr
    assert demo.writes() == 0
    assert demo.run("activate", "--yes").code == ExitCode.USAGE


# --- idempotence, preview, confirmation -----------------------------------------------------------------


def test_an_order_activated_on_both_sides_is_a_no_op(demo: World) -> None:
    order_id = nue_order(demo, story.IN_SYNC)["id"]
    assert demo.run("activate", "--yes", order_id).code == ExitCode.OK
    quiet(demo)
    again = demo.run("--json", "activate", "--yes", order_id)
    assert again.code == ExitCode.OK
    assert result(again)["result"] == "unchanged"
    assert demo.writes() == 0
    assert states(demo, story.IN_SYNC) == ("Activated", "Activated")


def test_dry_run_prints_what_it_would_do_and_writes_nothing(demo: World) -> None:
    order_id = nue_order(demo, story.IN_SYNC)["id"]
    quiet(demo)
    dry = demo.run("--json", "activate", "--dry-run", order_id, nue_order(demo, story.DIVERGED)["id"])
    assert dry.code == ExitCode.CONFLICTS  # the diverged order is refused: the real run exits 5 too
    actions = {o["name"]: (o["action"], o["steps"]) for o in dry.json()["activation"]["orders"]}
    assert actions[story.IN_SYNC] == ("activate", ["nue", "salesforce"])
    assert actions[story.DIVERGED][0] == "refused"
    assert demo.writes() == 0
    assert states(demo, story.IN_SYNC) == ("Draft", "Draft")
    assert demo.run("activate", "--dry-run", order_id).code == ExitCode.DIFFERENCES
    refused = demo.run("activate", "--dry-run", nue_order(demo, story.DIVERGED)["id"])
    assert refused.code == ExitCode.CONFLICTS


def test_without_a_terminal_activation_needs_yes(demo: World) -> None:
    quiet(demo)
    asked = demo.run("activate", nue_order(demo, story.IN_SYNC)["id"])
    assert asked.code == ExitCode.USAGE
    assert "--yes" in asked.stderr
    assert asked.stdout == ""  # refused before reading either system
    assert demo.sandbox.salesforce.request_count() == demo.sandbox.nue.request_count() == 0
    assert states(demo, story.IN_SYNC) == ("Draft", "Draft")


def test_a_customers_ready_drafts_are_activated_and_the_rest_skipped(demo: World) -> None:
    acme = sf_order(demo, story.IN_SYNC)["AccountId"]
    done = demo.run("--json", "activate", "--yes", "--customer", acme)
    assert done.code == ExitCode.OK, done.stdout
    results = {o["name"]: o["result"] for o in done.json()["result"]["orders"]}
    assert results == {story.IN_SYNC: "activated", story.DIVERGED: "skipped", story.CUSTOM_FIELDS: "skipped"}
    assert states(demo, story.IN_SYNC) == ("Activated", "Activated")
    assert states(demo, story.DIVERGED) == ("Draft", "Draft")


def test_the_journal_records_each_order_of_an_activation(demo: World) -> None:
    demo.run("activate", "--yes", nue_order(demo, story.IN_SYNC)["id"], nue_order(demo, story.DIVERGED)["id"])
    (run,) = demo.run("--json", "log", "--run", "1").json()["runs"]
    assert (run["command"], run["exit_code"], run["status"]) == ("activate", ExitCode.CONFLICTS, "blocked")
    assert sorted((o["action"], o["result"], o["error_code"]) for o in run["orders"]) == [
        ("activate", "activated", None), ("activate", "blocked", "SIDES_DIFFER")]
    assert demo.run("--json", "log", "--failed").json()["runs"] == []  # blocked is waiting, not failed


def test_a_failed_sync_first_activates_nothing(demo: World) -> None:
    demo.sandbox.salesforce.faults.fail_record(1, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Region is required")
    failed = demo.run("--json", "activate", "--yes", "--sync-first", nue_order(demo, story.DIVERGED)["id"])
    assert failed.code == ExitCode.NOTHING_WRITTEN
    assert "the sync before activation failed" in result(failed)["message"]
    assert "Region is required" in result(failed)["message"]
    assert states(demo, story.DIVERGED) == ("Draft", "Draft")


# --- at volume: one batch per system and step ----------------------------------------------------------


def pulled_carts(world: World, count: int) -> list[str]:
    """`count` Nue carts pulled into Salesforce: linked pairs, in sync, created in Nue."""
    order_ids = seed_nue_carts(world.sandbox, count)
    assert world.run("pull", "--yes").code == ExitCode.OK
    quiet(world)
    return order_ids


def test_many_orders_are_activated_in_one_batch_per_system(tmp_path: Path) -> None:
    with linked_world(tmp_path) as world:
        order_ids = pulled_carts(world, 250)

        done = world.run("--json", "activate", "--yes", *order_ids)

        assert done.code == ExitCode.OK, done.stderr
        assert {o["result"] for o in done.json()["result"]["orders"]} == {"activated"}
        # Nue first (the origin), one request per order through the pool; then Salesforce, 200 a call.
        # Reads: the named orders, their counterparts, and the verification of both.
        assert world.sandbox.nue.counters == {"POST /orders/{id}": 250, "POST /async/graphql": 2}
        assert world.sandbox.salesforce.counters == {"GET query": 3, SF_ACTIVATE: 2}
        assert {row["StatusCode"] for row in world.sandbox.salesforce.records("Order")} == {"Activated"}


def test_a_nue_order_number_is_looked_up_by_itself_not_by_reading_every_order(tmp_path: Path) -> None:
    with linked_world(tmp_path) as world:
        document = tomllib.loads(world.config.read_text())
        document["nue"]["page_size"] = 5  # reading every draft would take many pages
        world.config.write_text(tomli_w.dumps(document))
        order_id = pulled_carts(world, 30)[7]
        number = world.sandbox.nue.get_order(order_id)["orderNumber"]

        done = world.run("--json", "activate", "--yes", number)

        assert done.code == ExitCode.OK, done.stderr
        assert result(done)["nue"]["id"] == order_id
        # the argument as an id, then as a number, then the order with its counterpart, then the verification
        assert world.sandbox.nue.counters["POST /async/graphql"] == 4
