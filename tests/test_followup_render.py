"""`nuesync followup` for people and machines: tables that never split an id, JSON with every cart's facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nuesync.apply import Stop
from nuesync.config import FollowupSettings
from nuesync.errors import ExitCode
from nuesync.followup.render import followup_json, plan_view, report_view
from nuesync.followup.rules import Created, FollowupReport, abandoned_carts, decide, outcomes
from nuesync.followup.task import AccountOwner
from nuesync.reconcile import reconcile
from tests.rendering import assert_nothing_split, render
from tests.scenarios import build, order

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
OWNER = "005000000000001AAA"


def report(**created: object) -> FollowupReport:
    pairs = [build(order(n), last_modified=NOW - timedelta(days=n)) for n in (2, 3)]
    carts = abandoned_carts(reconcile(pairs, pairs), NOW - timedelta(days=1))
    plan = decide(carts, {"001000000000001AAA": AccountOwner(OWNER, True)}, {"ord-3": "00T000000000009AAA"},
                  FollowupSettings(), NOW - timedelta(days=1), NOW)
    done = Created(**created)  # type: ignore[arg-type]
    return FollowupReport(plan, outcomes(plan, {}, done), done.tasks, done.stopped)


@pytest.mark.parametrize("width", range(60, 201, 20))
def test_the_plan_and_the_results_fit_any_width_without_splitting_an_id(width: int) -> None:
    shown = report(tasks={"ord-2": "00T000000000001AAA"})
    ids = ["ord-2", "ord-3", "801000000000002AAA", "801000000000003AAA", "00T000000000001AAA", OWNER]
    for part in (plan_view(shown.plan, "24h"), report_view(shown)):
        assert_nothing_split(render(part, width), ids, width)


def test_the_json_holds_each_carts_facts_the_task_and_the_outcome() -> None:
    document = followup_json(report(tasks={"ord-2": "00T000000000001AAA"}), "1d")
    assert (document["older_than"], document["cutoff"]) == ("1d", "2026-12-09T12:00:00Z")
    skip, create = document["plan"]["carts"]  # the longest untouched first
    assert (create["action"], create["owner_source"], create["age"], create["total"]) == ("create", "account", "2d",
                                                                                         "237.5")
    assert create["task"]["due_date"] == "2026-12-11" and create["task"]["owner_id"] == OWNER
    assert (skip["action"], skip["existing_task_id"], skip["task"]) == ("skip", "00T000000000009AAA", None)
    results = {c["key"]: c for c in document["result"]["carts"]}
    assert results["ord-2"]["task_id"] == "00T000000000001AAA" and results["ord-3"]["task_id"] is None
    assert document["result"]["stopped"] is None


def test_a_dry_run_has_no_result_a_declined_one_says_so_and_a_stop_is_reported() -> None:
    plan = report().plan
    assert "result" not in followup_json(FollowupReport(plan, dry_run=True), "24h")
    assert followup_json(FollowupReport(plan, declined=True), "24h")["declined"] is True
    stopped = followup_json(report(stopped=Stop("Salesforce went away", ExitCode.API_UNAVAILABLE)), "24h")
    assert stopped["result"]["stopped"] == {"reason": "Salesforce went away", "exit_code": 7}
