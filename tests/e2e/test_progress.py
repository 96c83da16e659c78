"""Reads report how far along they are: rows read of the total each API announces."""

from __future__ import annotations

from nuesync.adapters import open_systems
from nuesync.config import load_config
from nuesync.fetch import Scope, fetch_snapshot
from tests.e2e.conftest import World


def test_reads_report_rows_read_of_the_totals_the_apis_announce(demo: World) -> None:
    seen: list[tuple[str, int | None, int | None]] = []

    def progress(message: str, done: int | None = None, total: int | None = None) -> None:
        seen.append((message, done, total))

    settings = load_config(demo.config).settings
    with open_systems(settings, demo.sandbox.environ()) as (nue, salesforce):
        snapshot = fetch_snapshot(nue, salesforce, Scope(), progress)
    counted = {message: (done, total) for message, done, total in seen if total is not None}
    salesforce_drafts = [o for o in demo.sandbox.salesforce.records("Order") if o["StatusCode"] == "Draft"]
    nue_drafts = [o for o in demo.sandbox.nue.orders() if str(o["status"]).lower() == "draft"]
    assert counted["reading Salesforce drafts"] == (len(salesforce_drafts), len(salesforce_drafts))
    assert counted["reading Nue drafts"] == (len(nue_drafts), len(nue_drafts))
    assert len(snapshot.salesforce) >= len(salesforce_drafts)
