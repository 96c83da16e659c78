"""The tables of `log`, `doctor`, `config check` and `show-plan` at 80, 100 and 200 columns.

Built from fixed data (a journal's runs, a doctor's checks, a config's settings, a saved plan)
so the snapshots hold on any machine; at every width from 60 to 200 columns no id and no
timestamp is split across lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import RenderableType

from nuesync.doctor.checks import Check, Status
from nuesync.errors import ExitCode
from nuesync.journal import RunRecord
from nuesync.model import System
from nuesync.outcome import OrderOutcome, Result
from nuesync.render_reports import doctor_view, log_view, saved_plan_json, saved_plan_view, settings_table
from nuesync.settings_report import SecretRow, SettingRow, SettingsReport
from tests import scenarios
from tests.rendering import WIDTHS, assert_nothing_split, assert_snapshot, render

TARGET = "https://acme.api.nue.io | 00D5g000004ABCDEA2"
RUNS = [
    RunRecord(id=42, target=TARGET, command="push", options={}, started_at="2026-11-30T09:15:02+00:00",
              finished_at="2026-11-30T09:15:49+00:00", exit_code=4, status="partial",
              error=None, counts={"created": 12, "updated": 3, "failed": 2}, planned={"create": 14, "update": 3},
              api_usage={"salesforce": "1210/100000"}),
    RunRecord(id=41, target=TARGET, command="pull", options={}, started_at="2026-11-30T09:00:01+00:00",
              finished_at="2026-11-30T09:02:31+00:00", exit_code=7, status="failed",
              error="Nue at https://acme.api.nue.io is unavailable: HTTP 503 for POST /async/graphql (after 6 "
                    "attempts)", counts={}, planned={"create": 1200}, api_usage={}),
    RunRecord(id=40, target=TARGET, command="pull", options={}, started_at="2026-11-30T08:45:00+00:00",
              finished_at=None, exit_code=None, status="running", error=None, counts={}, planned={}, api_usage={}),
]
OUTCOMES = {
    42: [
        OrderOutcome("801Hn00000ABCDEFGH", "create", Result.FAILED, None, "801Hn00000ABCDEFGH", "NO_ORDER_PRODUCTS",
                     "Nue refuses an order without order products: add a product in Salesforce, then push again"),
        OrderOutcome("801Hn00000ABCDEFGJ", "update", Result.FAILED, "0c6b3d1e-8a2f-4f4e-9d1c-2b7a5e3f9a10",
                     "801Hn00000ABCDEFGJ", "INVALID_FIELD", "billingPeriod: 'Fortnight' is not a billing period"),
    ],
    41: [],
}
CHECKS = [
    Check("config", Status.OK, "deploy/nuesync.toml is valid"),
    Check("nue.api", Status.FAIL, "cannot reach Nue at https://acme.api.nue.io: connection refused",
          "check nue.base_url and that this host may reach it", ExitCode.API_UNAVAILABLE),
    Check("salesforce.api", Status.OK, "reached https://acme.my.salesforce.com; jwt credentials accepted"),
    Check("salesforce.api_budget", Status.WARN, "380 of 100,000 API calls left today (runs stop at 500)",
          "wait until the daily limit resets, or lower sync.min_api_remaining"),
    Check("customers.linked", Status.SKIP, "not checked: nue.api did not pass"),
]
SETTINGS = SettingsReport(
    path=Path("deploy/nuesync.toml"),
    settings=[SettingRow("nue.base_url", "https://acme.api.nue.io", "file"),
              SettingRow("nue.ca_bundle", None, "default"),
              SettingRow("sync.state_path", "deploy/state/journal.sqlite3", "file"),
              SettingRow("mapping.salesforce.order.billing.payment_term", "Payment_Terms__c", "file")],
    secrets=[SecretRow("nue.api_key", "NUE_API_KEY", True), SecretRow("salesforce.private_key", "SF_PRIVATE_KEY",
                                                                      False)],
)


def saved_plan() -> dict:
    rep_draft = scenarios.rep_draft()[1][0]
    diverged = scenarios.diverged_order()[1][0]
    document = {
        "format": 1, "direction": "push",
        "scope": {"order_ids": [], "customer_ids": ["001000000000001AAA"], "since": "2026-11-29T00:00:00+00:00"},
        "orders": [{"key": o.links.nue_id or o.links.salesforce_id, "kind": kind,
                    "sender_id": o.links.id_in(System.SALESFORCE), "sender_hash": o.content_hash(),
                    "sender": o.model_dump(mode="json")} for o, kind in ((rep_draft, "create"), (diverged, "update"))],
    }
    return saved_plan_json(Path("plans/push-2026-11-30.json"), document)


VIEWS: dict[str, RenderableType] = {
    "log_runs": log_view("Runs in deploy/state/journal.sqlite3", RUNS, {}),
    "log_failed": log_view("Failed runs in deploy/state/journal.sqlite3", RUNS[:2], OUTCOMES),
    "doctor": doctor_view(CHECKS),
    "config_check": settings_table(SETTINGS),
    "show_plan": saved_plan_view(saved_plan()),
}
IDS = ["801Hn00000ABCDEFGH", "801Hn00000ABCDEFGJ", "0c6b3d1e-8a2f-4f4e-9d1c-2b7a5e3f9a10", "00D5g000004ABCDEA2",
       "801000000000003AAA", "801000000000004AAA", "001000000000001AAA"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", VIEWS)
def test_report_tables_match_their_snapshots(name: str, width: int) -> None:
    assert_snapshot(f"{name}_{width}", render(VIEWS[name], width))


@pytest.mark.parametrize("name", VIEWS)
def test_no_id_or_timestamp_is_split_at_any_width(name: str) -> None:
    for width in range(60, 201):
        assert_nothing_split(render(VIEWS[name], width), IDS, width)


def test_log_shows_times_in_utc_and_how_long_each_run_took() -> None:
    output = render(VIEWS["log_runs"], 200)
    assert "2026-11-30T09:15:02Z" in output and "47s" in output and "2m" in output
    assert "+00:00" not in output


def test_a_saved_plan_says_direction_scope_and_each_order() -> None:
    plan = saved_plan()["plan"]
    assert (plan["direction"], plan["sender"], plan["receiver"]) == ("push", "salesforce", "nue")
    assert plan["scope"]["since"] == "2026-11-29T00:00:00Z"
    assert plan["counts"] == {"create": 1, "update": 1, "link": 0}
    assert [o["sender_id"] for o in plan["orders"]] == ["801000000000003AAA", "801000000000004AAA"]
    assert all(o["readable"] and o["total"] for o in plan["orders"])


def test_a_saved_order_that_does_not_read_is_shown_as_such() -> None:
    document = {"format": 1, "direction": "pull", "orders": [
        {"key": "x", "kind": "create", "sender_id": "ord-1", "sender_hash": "h", "sender": {"lines": "nonsense"}}]}
    (order,) = saved_plan_json(Path("plan.json"), document)["plan"]["orders"]
    assert (order["readable"], order["total"], order["name"]) == (False, None, None)
    assert "(unreadable order)" in render(saved_plan_view(saved_plan_json(Path("plan.json"), document)), 120)
