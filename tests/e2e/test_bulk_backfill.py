"""A backfill above `salesforce.bulk_threshold` goes through Bulk API 2.0, with the same outcomes."""

from __future__ import annotations

import tomli_w

from nuesync.errors import ExitCode
from tests.e2e.conftest import World


def test_a_pull_above_the_threshold_writes_through_bulk_jobs_and_a_rerun_creates_nothing(demo: World) -> None:
    document = demo.sandbox.config(state_path=demo.config.parent / "journal.sqlite3")
    document["salesforce"].update(bulk_threshold=2, bulk_poll_seconds=0.05)
    demo.config.write_text(tomli_w.dumps(document))
    result = demo.run("--json", "pull", "--yes", "--create-customers")
    assert result.code == ExitCode.OK, result.stderr
    counters = demo.sandbox.salesforce.counters
    assert any(key.startswith("POST jobs/ingest") for key in counters), dict(counters)
    created = [o for o in result.json()["result"]["orders"] if o["result"] == "created"]
    assert created
    nue_ids = [o["Nue_Order_Id__c"] for o in demo.sandbox.salesforce.records("Order") if o.get("Nue_Order_Id__c")]
    assert len(nue_ids) == len(set(nue_ids))
    again = demo.run("--json", "pull", "--yes")
    assert again.code == ExitCode.OK, again.stderr
    counts = demo.run("--json", "diff").json()["counts"]
    assert counts["only_in_nue"] == counts["differs"] == 0  # everything Nue had is in Salesforce, as written
