"""The journal: a SQLite file of runs, per-order outcomes, last-synced hashes and watermarks.

The journal is history and cache, never the source of truth: the links stored in both systems
decide what is paired and what gets written. So a missing journal starts empty, and a damaged
one is moved aside (and said so) rather than trusted; the worst a lost journal can cost is a
"changed since last sync" flag that cannot be shown, or one full read instead of an incremental
one.

Every row belongs to one target (Nue tenant + Salesforce org, see `nuesync.target`): one journal
file may serve several orgs, and a watermark or hash learnt against one must never steer a run
against another. Only a file that *is* a damaged SQLite database is ever moved aside; anything
else at `sync.state_path` (a directory, a device, somebody's text file, another program's
database) is a configuration error that leaves the path untouched.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from nuesync.errors import ConfigError, ExitCode
from nuesync.files import create_private_file, describe_kind, ensure_private_dir
from nuesync.model import System
from nuesync.outcome import OrderOutcome, Result
from nuesync.target import Target

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
APPLICATION = "nuesync"
SQLITE_HEADER = b"SQLite format 3\x00"
UNKNOWN_TARGET = "(unknown: recorded before journals were kept per target)"
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
    api_usage TEXT,
    target TEXT NOT NULL DEFAULT '',
    status TEXT,
    error TEXT,
    planned TEXT
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
    target TEXT NOT NULL,
    system TEXT NOT NULL,
    record_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (target, system, record_id)
);
CREATE TABLE IF NOT EXISTS watermarks (
    target TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (target, name)
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target TEXT NOT NULL,
    source TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    event TEXT NOT NULL,
    order_id TEXT,
    detail TEXT,
    received_at TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error TEXT,
    duplicates INTEGER NOT NULL DEFAULT 0,
    run_id INTEGER,
    finished_at TEXT,
    UNIQUE (target, source, dedup_key)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(target, state, next_attempt_at);
CREATE TABLE IF NOT EXISTS created_customers (
    target TEXT NOT NULL,
    receiver TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    receiver_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (target, receiver, sender_id)
);
"""
# Version 1 kept one set of hashes and watermarks for every target: they cannot be attributed,
# so they are dropped (the next run reads in full, which is always safe); runs are kept.
_FROM_V1 = """
ALTER TABLE runs ADD COLUMN target TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN status TEXT;
ALTER TABLE runs ADD COLUMN error TEXT;
ALTER TABLE runs ADD COLUMN planned TEXT;
DROP TABLE IF EXISTS synced;
DROP TABLE IF EXISTS watermarks;
"""
PUSH_COMMANDS = "('push', 'listen push')"  # runs that write Salesforce drafts into Nue
_OWN_TABLES = frozenset({"meta", "runs", "actions", "synced", "watermarks", "deliveries", "created_customers",
                         "sqlite_sequence"})


class RunStatus(StrEnum):
    """How a run ended, in words: what `nuesync log` shows next to the exit code."""

    RUNNING = "running"  # never finished: the process was killed
    DONE = "done"
    DRY_RUN = "dry run"
    DECLINED = "declined"  # the person at the prompt said no: nothing was written
    REFUSED = "refused"  # nuesync would not write (draft sync off, budget floor, bad input)
    BLOCKED = "blocked"  # written where it could be; some orders wait for a person
    PARTIAL = "partial"  # some writes failed, others were done
    FAILED = "failed"
    INTERRUPTED = "interrupted"


_STATUS_BY_CODE = {
    ExitCode.OK: RunStatus.DONE,
    ExitCode.USAGE: RunStatus.REFUSED,
    ExitCode.DIFFERENCES: RunStatus.DRY_RUN,
    ExitCode.PARTIAL_FAILURE: RunStatus.PARTIAL,
    ExitCode.CONFLICTS: RunStatus.BLOCKED,
    ExitCode.NOT_RUN_NOW: RunStatus.REFUSED,
    ExitCode.INTERRUPTED: RunStatus.INTERRUPTED,
    ExitCode.TERMINATED: RunStatus.INTERRUPTED,
}
FAILED_STATUSES = frozenset({RunStatus.PARTIAL, RunStatus.FAILED, RunStatus.INTERRUPTED, RunStatus.RUNNING})


def status_for(exit_code: int) -> RunStatus:
    """The status an exit code means when the run did not say more (a dry run or a declined prompt does)."""
    return _STATUS_BY_CODE.get(exit_code, RunStatus.FAILED)  # type: ignore[call-overload]


@dataclass(frozen=True)
class RunRecord:
    id: int
    target: str
    command: str
    options: dict[str, Any]
    started_at: str
    finished_at: str | None
    exit_code: int | None
    status: str
    error: str | None
    counts: dict[str, int]
    planned: dict[str, int]
    api_usage: dict[str, Any]

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Journal:
    """One journal file; every write is its own transaction.

    `bind(target)` says which target this run's rows belong to; reading history (`runs`,
    `actions`) needs no target.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.recovered_from: Path | None = None
        self._target: str | None = None
        self._db = self._open()

    # --- opening -----------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        """Open through SQLite only: reading the file by another handle would drop the POSIX locks the
        process's other connections hold on it (a listener keeps several), so the header is only
        looked at once SQLite has refused the file."""
        kind = describe_kind(self.path)
        if kind is not None:
            raise ConfigError(f"sync.state_path {self.path} is {kind}; it must name the journal file "
                              "(e.g. journal.sqlite3); nothing was changed")
        ensure_private_dir(self.path.parent, "sync.state_path")
        create_private_file(self.path)
        try:
            return self._connect()
        except sqlite3.OperationalError as exc:  # busy or unreadable, not damaged: never moved aside
            raise ConfigError(f"the journal {self.path} cannot be used right now: {exc}") from None
        except sqlite3.DatabaseError as exc:
            if not _starts_like_sqlite(self.path):
                raise ConfigError(f"sync.state_path {self.path} is not a nuesync journal (not an SQLite "
                                  "database); point sync.state_path at a new file; nothing was changed") from None
            return self._move_aside(exc)

    def _move_aside(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        """A damaged SQLite database (ours: the header says SQLite) is kept for a person to look at."""
        aside = self.path.with_name(f"{self.path.name}.corrupt-{datetime.now(UTC):%Y%m%dT%H%M%S}")
        self.path.rename(aside)
        for suffix in ("-wal", "-shm"):
            companion = self.path.with_name(self.path.name + suffix)
            if companion.is_file():
                companion.rename(aside.with_name(aside.name + suffix))
        self.recovered_from = aside
        log.warning("journal %s was damaged (%s); moved aside to %s and started a new one", self.path, exc, aside)
        create_private_file(self.path)
        return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            self._prepare(db)
        except BaseException:
            db.close()
            raise
        return db

    def _prepare(self, db: sqlite3.Connection) -> None:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = _schema_version(db, tables, self.path)
        db.execute("PRAGMA journal_mode=WAL")  # only once the file is known to be ours: it rewrites the header
        if version == 1:
            db.executescript(f"BEGIN IMMEDIATE; {_FROM_V1} COMMIT;")
            log.warning("journal %s upgraded: runs are kept; last-synced hashes and --since last marks from "
                        "before journals were kept per target were dropped (the next run reads in full)", self.path)
        db.executescript(_SCHEMA)
        db.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = "
                   "excluded.value", (str(SCHEMA_VERSION),))
        db.execute("INSERT OR IGNORE INTO meta VALUES ('application', ?)", (APPLICATION,))
        db.execute("SELECT count(*) FROM runs").fetchone()

    def close(self) -> None:
        self._db.close()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read, for the stores that share this file (the listener's delivery queue)."""
        return self._db.execute(sql, params).fetchall()

    def durable(self) -> None:
        """Make every commit survive a power cut too (fsync per transaction), not only a crash: for
        the listener, whose 2xx answer promises a delivery is kept."""
        self._db.execute("PRAGMA synchronous=FULL")

    def bind(self, target: Target) -> None:
        """The target this run's rows (runs, hashes, watermarks) belong to."""
        self._target = target.key

    @property
    def target(self) -> str:
        if self._target is None:
            raise RuntimeError("the journal is not bound to a target yet")
        return self._target

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (taken at once, so concurrent writers wait rather than deadlock)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- runs and actions ------------------------------------------------------------------

    def start_run(self, command: str, options: Mapping[str, Any]) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (target, command, options, started_at, status) VALUES (?, ?, ?, ?, ?)",
                (self.target, command, json.dumps(options, default=str, sort_keys=True), _now(), RunStatus.RUNNING),
            )
        return int(cursor.lastrowid or 0)

    def record_actions(self, run_id: int, outcomes: Iterable[OrderOutcome]) -> None:
        rows = [
            (run_id, o.key, str(o.action), o.result.value, o.nue_id, o.salesforce_id, o.error_code, o.message,
             json.dumps(list(o.fields)), _now())
            for o in outcomes
        ]
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO actions (run_id, order_key, action, outcome, nue_id, salesforce_id, error_code, "
                "message, fields, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def finish_run(self, run_id: int, exit_code: int, counts: Mapping[str, int], *,
                   status: RunStatus | None = None, error: str | None = None,
                   planned: Mapping[str, int] | None = None, api_usage: Mapping[str, Any] | None = None) -> None:
        """Close a run: its exit code, what happened (`counts`), what was planned, and why it failed."""
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, exit_code = ?, status = ?, error = ?, counts = ?, planned = ?, "
                "api_usage = ? WHERE id = ?",
                (_now(), int(exit_code), status or status_for(exit_code), error, json.dumps(dict(counts)),
                 json.dumps(dict(planned or {})), json.dumps(dict(api_usage or {})), run_id),
            )

    _RUN_COLUMNS = ("id, target, command, options, started_at, finished_at, exit_code, status, error, counts, "
                    "planned, api_usage")

    def runs(self, limit: int = 20, *, failed_only: bool = False) -> list[RunRecord]:
        """The most recent runs, newest first (with `failed_only`, those that failed or have failed orders)."""
        where = ""
        if failed_only:
            marks = ",".join("?" * len(FAILED_STATUSES))
            where = (f" WHERE status IN ({marks}) OR id IN (SELECT run_id FROM actions WHERE outcome = 'failed')")
        rows = self._db.execute(f"SELECT {self._RUN_COLUMNS} FROM runs{where} ORDER BY id DESC LIMIT ?",
                                (*(sorted(FAILED_STATUSES) if failed_only else ()), limit)).fetchall()
        return [_run(row) for row in rows]

    def run(self, run_id: int) -> RunRecord | None:
        row = self._db.execute(f"SELECT {self._RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _run(row) if row else None

    def actions(self, run_id: int, *, failed_only: bool = False) -> list[OrderOutcome]:
        query = ("SELECT order_key, action, outcome, nue_id, salesforce_id, error_code, message, fields "
                 "FROM actions WHERE run_id = ?")
        if failed_only:
            query += " AND outcome = 'failed'"
        rows = self._db.execute(query + " ORDER BY id", (run_id,)).fetchall()
        return [OrderOutcome(str(row[0]), str(row[1]), Result.read(row[2]), *(_text(v) for v in row[3:7]),
                             fields=_fields(row[7])) for row in rows]

    def created_in_nue_by_push(self, nue_ids: Iterable[str]) -> set[str]:
        """Which of these Nue orders a push of this target created: their `order.created` is an echo."""
        ids = [i for i in dict.fromkeys(nue_ids) if i]
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found.update(row[0] for row in self._db.execute(
                "SELECT DISTINCT a.nue_id FROM actions a JOIN runs r ON r.id = a.run_id WHERE r.target = ? "
                f"AND r.command IN {PUSH_COMMANDS} AND a.outcome = 'created' AND a.nue_id IN "
                f"({','.join('?' * len(chunk))})", (self.target, *chunk)).fetchall())
        return found

    # --- customers created where the sender's id cannot be kept (per target) ---------------------

    def remember_created_customers(self, receiver: System, created: Mapping[str, str]) -> None:
        """Sender customer id → the customer a run just created for it on `receiver`, committed at once.

        A Nue customer cannot hold its Account's id (its `externalId` is Nue's own sync's), so between
        its creation and the Account's Nue id being written back, only this row knows the pair: a run
        killed in that window finds it here and links the customer instead of creating it again.
        """
        rows = [(self.target, receiver.value, sender_id, receiver_id, _now())
                for sender_id, receiver_id in created.items()]
        if rows:
            with self.transaction() as db:
                db.executemany("INSERT OR REPLACE INTO created_customers VALUES (?, ?, ?, ?, ?)", rows)

    def created_customers(self, receiver: System, sender_ids: Iterable[str]) -> dict[str, str]:
        """Of these sender customer ids, those a run of this target created a customer for on `receiver`."""
        ids = [i for i in dict.fromkeys(sender_ids) if i]
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found.update((str(row[0]), str(row[1])) for row in self._db.execute(
                "SELECT sender_id, receiver_id FROM created_customers WHERE target = ? AND receiver = ? AND "
                f"sender_id IN ({','.join('?' * len(chunk))})", (self.target, receiver.value, *chunk)).fetchall())
        return found

    # --- last-synced hashes and watermarks (per target) ---------------------------------------

    def synced_hashes(self, system: System, record_ids: Iterable[str]) -> dict[str, str]:
        """The content hash each record had when nuesync last wrote or confirmed it, for this target."""
        ids = [i for i in record_ids if i]
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update((str(k), str(v)) for k, v in self._db.execute(
                f"SELECT record_id, content_hash FROM synced WHERE target = ? AND system = ? "
                f"AND record_id IN ({marks})",
                (self.target, system.value, *chunk),
            ).fetchall())
        return found

    def save_hashes(self, system: System, hashes: Mapping[str, str]) -> None:
        now = _now()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO synced VALUES (?, ?, ?, ?, ?) ON CONFLICT (target, system, record_id) DO UPDATE SET "
                "content_hash = excluded.content_hash, synced_at = excluded.synced_at",
                [(self.target, system.value, record_id, digest, now) for record_id, digest in hashes.items()],
            )

    def watermark(self, name: str) -> datetime | None:
        """This target's mark (an aware datetime); an unreadable one counts as none, which reads everything."""
        row = self._db.execute("SELECT value FROM watermarks WHERE target = ? AND name = ?",
                               (self.target, name)).fetchone()
        if row is None:
            return None
        try:
            mark = datetime.fromisoformat(str(row[0]))
        except ValueError:
            log.warning("journal %s: the %s mark %r is unreadable; reading everything instead", self.path, name,
                        row[0])
            return None
        return mark if mark.tzinfo else mark.replace(tzinfo=UTC)

    def set_watermark(self, name: str, value: datetime) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO watermarks VALUES (?, ?, ?) ON CONFLICT (target, name) DO UPDATE SET "
                       "value = excluded.value", (self.target, name, value.isoformat()))


def _starts_like_sqlite(path: Path) -> bool:
    """Whether `path` begins with SQLite's header (so a refused file is a damaged journal, not a stranger's)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError as exc:
        raise ConfigError(f"sync.state_path {path} cannot be read: {exc.strerror or exc}") from None


def _schema_version(db: sqlite3.Connection, tables: set[str], path: Path) -> int | None:
    """The journal schema version of an existing file; None for a new one; a config error for a foreign one."""
    if not tables:
        return None
    rows = dict(db.execute("SELECT key, value FROM meta").fetchall()) if "meta" in tables else {}
    version = str(rows.get("schema_version", ""))
    if not {"runs", "actions"} <= tables or not tables <= _OWN_TABLES or not version.isdigit() \
            or rows.get("application", APPLICATION) != APPLICATION:
        raise ConfigError(f"sync.state_path {path} is an SQLite database of another program (tables: "
                          f"{', '.join(sorted(tables))}); point sync.state_path at a new file; nothing was changed")
    if int(version) > SCHEMA_VERSION:
        raise ConfigError(f"the journal {path} was written by a newer nuesync (journal schema {version}, this "
                          f"version reads {SCHEMA_VERSION}); upgrade nuesync or use another sync.state_path")
    return int(version)


def _json_object(text: Any) -> dict[str, Any]:
    """A JSON object column; anything else (a garbage row) reads as empty rather than crashing `log`."""
    try:
        value = json.loads(text) if isinstance(text, str | bytes) else None
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _fields(text: Any) -> tuple[str, ...]:
    try:
        value = json.loads(text) if isinstance(text, str | bytes) else None
    except (ValueError, RecursionError):
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _run(row: tuple[Any, ...]) -> RunRecord:
    exit_code = row[6] if isinstance(row[6], int) else None
    target = str(row[1]) if row[1] else UNKNOWN_TARGET
    return RunRecord(
        id=int(row[0]), target=target, command=str(row[2]), options=_json_object(row[3]),
        started_at=str(row[4]), finished_at=_text(row[5]), exit_code=exit_code,
        status=str(row[7] or (status_for(exit_code) if exit_code is not None else RunStatus.RUNNING)),
        error=_text(row[8]), counts=_json_object(row[9]), planned=_json_object(row[10]),
        api_usage=_json_object(row[11]),
    )
