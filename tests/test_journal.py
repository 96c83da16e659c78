"""The journal: transactional history and cache that never has to be trusted."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nuesync.errors import ConfigError
from nuesync.journal import Journal, RunStatus
from nuesync.model import System
from nuesync.outcome import OrderOutcome, Result
from nuesync.target import Target

ORG_A = Target.of("https://api.nue.io", "00D000000000001AAA")
ORG_B = Target.of("https://api.nue.io", "00D000000000002AAA")


def journal_for(path: Path, target: Target = ORG_A) -> Journal:
    journal = Journal(path)
    journal.bind(target)
    return journal


def test_runs_actions_and_outcomes_round_trip(tmp_path: Path) -> None:
    journal = journal_for(tmp_path / "journal.sqlite3")
    run_id = journal.start_run("pull", {"order": ["ord-1"], "yes": True})
    journal.record_actions(run_id, [
        OrderOutcome("ord-1", "create", Result.CREATED, nue_id="ord-1", salesforce_id="801A", fields=("name",)),
        OrderOutcome("ord-2", "update", Result.FAILED, nue_id="ord-2", error_code="FIELD_INTEGRITY_EXCEPTION",
                     message="bad price book"),
    ])
    journal.finish_run(run_id, 4, {"created": 1, "failed": 1}, api_usage={"salesforce": "12/15000"})
    (run,) = journal.runs()
    assert (run.command, run.exit_code, run.counts) == ("pull", 4, {"created": 1, "failed": 1})
    assert (run.status, run.target) == (RunStatus.PARTIAL, ORG_A.key)
    assert run.options == {"order": ["ord-1"], "yes": True}
    assert [a.key for a in journal.actions(run_id, failed_only=True)] == ["ord-2"]
    assert journal.actions(run_id)[0].fields == ("name",)


def test_hashes_are_kept_per_system(tmp_path: Path) -> None:
    journal = journal_for(tmp_path / "journal.sqlite3")
    journal.save_hashes(System.NUE, {"ord-1": "aaa", "ord-2": "bbb"})
    journal.save_hashes(System.SALESFORCE, {"ord-1": "zzz"})
    journal.save_hashes(System.NUE, {"ord-1": "ccc"})
    assert journal.synced_hashes(System.NUE, ["ord-1", "ord-2", "ord-3"]) == {"ord-1": "ccc", "ord-2": "bbb"}
    assert journal.synced_hashes(System.SALESFORCE, ["ord-1"]) == {"ord-1": "zzz"}


def test_state_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    first = journal_for(path)
    first.set_watermark("pull.last_success", MARK)
    first.close()
    assert journal_for(path).watermark("pull.last_success") == MARK


def test_a_damaged_journal_is_moved_aside_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    damaged = b"SQLite format 3\x00" + b"\xff" * 4000
    path.write_bytes(damaged)
    journal = journal_for(path)
    assert journal.recovered_from is not None
    assert journal.recovered_from.read_bytes() == damaged
    assert journal.synced_hashes(System.NUE, ["ord-1"]) == {}
    assert journal.runs() == []


def test_a_failed_transaction_leaves_nothing_half_written(tmp_path: Path) -> None:
    journal = journal_for(tmp_path / "journal.sqlite3")
    run_id = journal.start_run("push", {})
    bad = OrderOutcome(None, "update", Result.FAILED)  # type: ignore[arg-type]  # the order key is NOT NULL
    with pytest.raises(sqlite3.IntegrityError):  # fails on the second row, after the first was inserted
        journal.record_actions(run_id, [OrderOutcome("ord-1", "create", Result.CREATED), bad])
    assert journal.actions(run_id) == []


MARK = datetime(2026, 11, 27, tzinfo=UTC)


def test_state_learnt_against_one_org_is_never_used_against_another(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    a = journal_for(path, ORG_A)
    a.set_watermark("push.last_success", MARK)
    a.save_hashes(System.NUE, {"ord-1": "aaa"})
    a.close()
    b = journal_for(path, ORG_B)
    assert b.watermark("push.last_success") is None
    assert b.synced_hashes(System.NUE, ["ord-1"]) == {}
    assert journal_for(path, ORG_A).watermark("push.last_success") == MARK


def test_customers_created_are_remembered_per_target_and_receiver_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    a = journal_for(path, ORG_A)
    a.remember_created_customers(System.NUE, {"001ACME": "cust-1", "001GLOBEX": "cust-2"})
    a.remember_created_customers(System.NUE, {"001ACME": "cust-3"})  # the later creation wins
    a.close()
    assert journal_for(path, ORG_A).created_customers(System.NUE, ["001ACME", "001GLOBEX", "001NONE"]) == {
        "001ACME": "cust-3", "001GLOBEX": "cust-2"}
    assert journal_for(path, ORG_A).created_customers(System.SALESFORCE, ["001ACME"]) == {}
    assert journal_for(path, ORG_B).created_customers(System.NUE, ["001ACME"]) == {}


@pytest.mark.parametrize("make", [
    lambda p: p.mkdir(),
    lambda p: p.write_text("my shopping list\n"),
    lambda p: sqlite3.connect(p).executescript("CREATE TABLE invoices (id INTEGER); INSERT INTO invoices VALUES (1);"),
], ids=["directory", "text file", "another program's database"])
def test_anything_but_a_damaged_journal_is_a_config_error_that_touches_nothing(tmp_path: Path, make) -> None:
    path = tmp_path / "journal.sqlite3"
    make(path)
    before = sorted(p.name for p in tmp_path.iterdir())
    content = path.read_bytes() if path.is_file() else None
    with pytest.raises(ConfigError) as caught:
        Journal(path)
    assert str(path) in caught.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (path.read_bytes() if path.is_file() else None) == content


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs a device node")
def test_a_device_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="a device"):
        Journal(Path("/dev/null"))


def test_a_journal_from_a_newer_nuesync_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal_for(path).close()
    sqlite3.connect(path, isolation_level=None).execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(ConfigError, match="newer nuesync"):
        Journal(path)


def test_a_version_1_journal_keeps_its_runs_and_drops_unattributable_state(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(V1_SCHEMA)
    db.execute("INSERT INTO runs (command, options, started_at, exit_code, counts) VALUES "
               "('pull', '{}', '2026-11-01T00:00:00+00:00', 0, '{\"created\": 2}')")
    db.execute("INSERT INTO watermarks VALUES ('pull.last_success', '2026-11-01T00:00:00+00:00')")
    db.close()
    journal = journal_for(path)
    (run,) = journal.runs()
    assert (run.command, run.counts, run.status) == ("pull", {"created": 2}, RunStatus.DONE)
    assert "unknown" in run.target
    assert journal.watermark("pull.last_success") is None


def test_garbage_rows_and_marks_are_read_without_crashing(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal_for(path).close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("INSERT INTO runs (target, command, options, started_at, exit_code, counts, planned, api_usage) "
               "VALUES (?, 'pull', '{{{', 'yesterday', 'four', '[1,2]', x'00ff', 7)", (ORG_A.key,))
    db.execute("INSERT INTO actions (run_id, order_key, action, outcome, fields, at) VALUES (1, 'k', 'x', 'y', "
               "'not json', 'now')")
    db.execute("INSERT INTO watermarks VALUES (?, 'pull.last_success', 'banana')", (ORG_A.key,))
    db.close()
    journal = journal_for(path)
    (run,) = journal.runs()
    assert (run.options, run.counts, run.exit_code) == ({}, {}, None)
    assert journal.actions(run.id)[0].fields == ()
    assert journal.watermark("pull.last_success") is None


def test_the_journal_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "state" / "journal.sqlite3"
    journal_for(path).start_run("pull", {})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_failed_runs_and_only_failed_orders(tmp_path: Path) -> None:
    journal = journal_for(tmp_path / "journal.sqlite3")
    ok = journal.start_run("pull", {})
    journal.finish_run(ok, 0, {"created": 1})
    declined = journal.start_run("push", {})
    journal.finish_run(declined, 0, {}, status=RunStatus.DECLINED, planned={"create": 2})
    broken = journal.start_run("push", {})
    journal.record_actions(broken, [OrderOutcome("a", "create", Result.FAILED, error_code="X"),
                                    OrderOutcome("b", "create", Result.BLOCKED),
                                    OrderOutcome("c", "create", Result.CREATED)])
    journal.finish_run(broken, 4, {"failed": 1}, error=None)
    crashed = journal.start_run("pull", {})
    journal.finish_run(crashed, 7, {}, error="Salesforce at https://x is unavailable")
    assert [r.id for r in journal.runs(failed_only=True)] == [crashed, broken]
    assert [a.key for a in journal.actions(broken, failed_only=True)] == ["a"]
    assert journal.run(crashed).error == "Salesforce at https://x is unavailable"
    assert journal.run(declined).status == RunStatus.DECLINED
    assert journal.run(declined).planned == {"create": 2}


V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, command TEXT NOT NULL, options TEXT NOT NULL,
    started_at TEXT NOT NULL, finished_at TEXT, exit_code INTEGER, counts TEXT, api_usage TEXT);
CREATE TABLE actions (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL REFERENCES runs(id),
    order_key TEXT NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL, nue_id TEXT, salesforce_id TEXT,
    error_code TEXT, message TEXT, fields TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE synced (system TEXT NOT NULL, record_id TEXT NOT NULL, content_hash TEXT NOT NULL,
    synced_at TEXT NOT NULL, PRIMARY KEY (system, record_id));
CREATE TABLE watermarks (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def test_several_connections_in_one_process_survive_a_reader_in_another(tmp_path: Path) -> None:
    """Opening the journal again must not read the file by another handle: closing it would drop the
    POSIX locks of this process's open connections, and another process closing its reader would then
    delete the WAL index under them (a `disk I/O error` in the listener)."""
    import subprocess
    import sys
    path = tmp_path / "journal.sqlite3"
    first = journal_for(path)
    first.start_run("pull", {})
    journal_for(path).close()  # a second open in this process (the listener opens one per batch)
    reader = f"import sqlite3; db = sqlite3.connect({str(path)!r}); db.execute('SELECT count(*) FROM runs'); db.close()"
    subprocess.run([sys.executable, "-c", reader], check=True)
    first.start_run("push", {})  # still works
    assert [r.command for r in first.runs()] == ["push", "pull"]
