"""The journal: transactional history and cache that never has to be trusted."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nuesync.journal import ActionRecord, Journal
from nuesync.model import System


def test_runs_actions_and_outcomes_round_trip(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    run_id = journal.start_run("pull", {"order": ["ord-1"], "yes": True})
    journal.record_actions(run_id, [
        ActionRecord("ord-1", "create", "created", nue_id="ord-1", salesforce_id="801A", fields=("name",)),
        ActionRecord("ord-2", "update", "failed", nue_id="ord-2", error_code="FIELD_INTEGRITY_EXCEPTION",
                     message="bad price book"),
    ])
    journal.finish_run(run_id, 4, {"created": 1, "failed": 1}, {"salesforce": "12/15000"})
    (run,) = journal.runs()
    assert (run.command, run.exit_code, run.counts) == ("pull", 4, {"created": 1, "failed": 1})
    assert run.options == {"order": ["ord-1"], "yes": True}
    assert [a.order_key for a in journal.actions(run_id, failed_only=True)] == ["ord-2"]
    assert journal.actions(run_id)[0].fields == ("name",)


def test_hashes_are_kept_per_system(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.save_hashes(System.NUE, {"ord-1": "aaa", "ord-2": "bbb"})
    journal.save_hashes(System.SALESFORCE, {"ord-1": "zzz"})
    journal.save_hashes(System.NUE, {"ord-1": "ccc"})
    assert journal.synced_hashes(System.NUE, ["ord-1", "ord-2", "ord-3"]) == {"ord-1": "ccc", "ord-2": "bbb"}
    assert journal.synced_hashes(System.SALESFORCE, ["ord-1"]) == {"ord-1": "zzz"}


def test_state_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    first = Journal(path)
    first.set_watermark("nue.pull", "2026-11-27T00:00:00Z")
    first.close()
    assert Journal(path).watermark("nue.pull") == "2026-11-27T00:00:00Z"


def test_a_corrupt_journal_is_moved_aside_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    journal = Journal(path)
    assert journal.recovered_from is not None
    assert journal.recovered_from.read_bytes().startswith(b"this is not a database")
    assert journal.synced_hashes(System.NUE, ["ord-1"]) == {}
    assert journal.runs() == []


def test_a_failed_transaction_leaves_nothing_half_written(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    run_id = journal.start_run("push", {})
    bad = ActionRecord(None, "update", "failed")  # type: ignore[arg-type]  # order_key is NOT NULL
    with pytest.raises(sqlite3.IntegrityError):  # fails on the second row, after the first was inserted
        journal.record_actions(run_id, [ActionRecord("ord-1", "create", "created"), bad])
    assert journal.actions(run_id) == []
