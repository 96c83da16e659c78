"""The journal: a SQLite file of runs, per-order outcomes, last-synced hashes and watermarks.

The journal is history and cache, never the source of truth: the links stored in both systems
decide what is paired and what gets written. So a missing journal starts empty, and a corrupt
one is moved aside (and said so) rather than trusted; the worst a lost journal can cost is a
"changed since last sync" flag that cannot be shown.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nuesync.model import System

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    options TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    exit_code INTEGER,
    counts TEXT,
    api_usage TEXT
);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    order_key TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    nue_id TEXT,
    salesforce_id TEXT,
    error_code TEXT,
    message TEXT,
    fields TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_run ON actions(run_id);
CREATE TABLE IF NOT EXISTS synced (
    system TEXT NOT NULL,
    record_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (system, record_id)
);
CREATE TABLE IF NOT EXISTS watermarks (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class ActionRecord:
    order_key: str
    action: str
    outcome: str
    nue_id: str | None = None
    salesforce_id: str | None = None
    error_code: str | None = None
    message: str | None = None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunRecord:
    id: int
    command: str
    options: dict[str, Any]
    started_at: str
    finished_at: str | None
    exit_code: int | None
    counts: dict[str, int]
    api_usage: dict[str, Any]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Journal:
    """One journal file; every write is its own transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.recovered_from: Path | None = None
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            aside = self.path.with_name(f"{self.path.name}.corrupt-{datetime.now(UTC):%Y%m%dT%H%M%S}")
            self.path.rename(aside)
            self.recovered_from = aside
            log.warning("journal %s was unreadable (%s); moved aside to %s and started a new one",
                        self.path, exc, aside)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            db.execute("SELECT count(*) FROM runs").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- runs and actions ------------------------------------------------------------------

    def start_run(self, command: str, options: Mapping[str, Any]) -> int:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (command, options, started_at) VALUES (?, ?, ?)",
                (command, json.dumps(options, default=str, sort_keys=True), _now()),
            )
        return int(cursor.lastrowid or 0)

    def record_actions(self, run_id: int, actions: Iterable[ActionRecord]) -> None:
        rows = [
            (run_id, a.order_key, a.action, a.outcome, a.nue_id, a.salesforce_id, a.error_code, a.message,
             json.dumps(list(a.fields)), _now())
            for a in actions
        ]
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO actions (run_id, order_key, action, outcome, nue_id, salesforce_id, error_code, "
                "message, fields, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def finish_run(self, run_id: int, exit_code: int, counts: Mapping[str, int],
                   api_usage: Mapping[str, Any] | None = None) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, exit_code = ?, counts = ?, api_usage = ? WHERE id = ?",
                (_now(), int(exit_code), json.dumps(dict(counts)), json.dumps(dict(api_usage or {})), run_id),
            )

    def runs(self, limit: int = 20) -> list[RunRecord]:
        rows = self._db.execute(
            "SELECT id, command, options, started_at, finished_at, exit_code, counts, api_usage "
            "FROM runs ORDER BY id DESC LIMIT ?", (limit,),
        ).fetchall()
        return [_run(row) for row in rows]

    def run(self, run_id: int) -> RunRecord | None:
        row = self._db.execute(
            "SELECT id, command, options, started_at, finished_at, exit_code, counts, api_usage FROM runs WHERE id = ?",
            (run_id,),
        ).fetchone()
        return _run(row) if row else None

    def actions(self, run_id: int, *, failed_only: bool = False) -> list[ActionRecord]:
        query = ("SELECT order_key, action, outcome, nue_id, salesforce_id, error_code, message, fields "
                 "FROM actions WHERE run_id = ?")
        if failed_only:
            query += " AND outcome IN ('failed', 'blocked')"
        rows = self._db.execute(query + " ORDER BY id", (run_id,)).fetchall()
        return [ActionRecord(*row[:7], fields=tuple(json.loads(row[7]))) for row in rows]

    # --- last-synced hashes and watermarks -------------------------------------------------

    def synced_hashes(self, system: System, record_ids: Iterable[str]) -> dict[str, str]:
        """The content hash each record had when nuesync last wrote or confirmed it."""
        ids = [i for i in record_ids if i]
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self._db.execute(
                f"SELECT record_id, content_hash FROM synced WHERE system = ? AND record_id IN ({marks})",
                (system.value, *chunk),
            ).fetchall())
        return found

    def save_hashes(self, system: System, hashes: Mapping[str, str]) -> None:
        now = _now()
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO synced VALUES (?, ?, ?, ?) ON CONFLICT (system, record_id) DO UPDATE SET "
                "content_hash = excluded.content_hash, synced_at = excluded.synced_at",
                [(system.value, record_id, digest, now) for record_id, digest in hashes.items()],
            )

    def watermark(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM watermarks WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_watermark(self, name: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO watermarks VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                       (name, value))


def _run(row: tuple[Any, ...]) -> RunRecord:
    return RunRecord(
        id=row[0], command=row[1], options=json.loads(row[2]), started_at=row[3], finished_at=row[4],
        exit_code=row[5], counts=json.loads(row[6] or "{}"), api_usage=json.loads(row[7] or "{}"),
    )
