"""The delivery queue: every webhook and Outbound Message the listener accepted, in the journal file.

A row is written (and committed) before the sender gets its 2xx, keyed by the sender's own
identity of the event — Nue's event id (or event + order + timestamp when there is none), the
Outbound Message notification id — so a redelivery is stored once and synced once. Rejected
deliveries (bad secret, foreign org, malformed body) are kept too, without their body, so an
admin can see what was turned away.

States: `pending` → `processing` (claimed by the one worker that holds the listener lock) →
`done` | `blocked` (needs a person) | `failed` (out of attempts) | `ignored` (an event nuesync
does not act on); `rejected` never enters the queue. A `processing` row left by a killed worker
goes back to `pending` at the next start.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from nuesync.journal import Journal


class State(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    BLOCKED = "blocked"
    FAILED = "failed"
    IGNORED = "ignored"
    REJECTED = "rejected"


class Source(StrEnum):
    NUE = "nue"
    SALESFORCE = "salesforce"


RETRYABLE = (State.FAILED, State.BLOCKED)
NEEDS_A_LOOK = (State.FAILED, State.BLOCKED, State.REJECTED)  # what `nuesync log --failed` shows
BACKOFF_CAP = timedelta(minutes=5)


@dataclass(frozen=True)
class Delivery:
    id: int
    source: Source
    event: str
    order_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    received_at: str = ""
    state: State = State.PENDING
    attempts: int = 0
    last_error: str | None = None
    duplicates: int = 0
    finished_at: str | None = None
    target: str = ""


def _now() -> datetime:
    return datetime.now(UTC)


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def backoff(attempts: int) -> timedelta:
    """Capped exponential: 2 s, 4 s, 8 s … then every 5 minutes."""
    return min(BACKOFF_CAP, timedelta(seconds=2 ** max(1, attempts)))


_COLUMNS = ("id, source, event, order_id, detail, received_at, state, attempts, last_error, duplicates, "
            "finished_at, target")


def _delivery(row: tuple[Any, ...]) -> Delivery:
    try:
        detail = json.loads(row[4]) if row[4] else {}
    except ValueError:
        detail = {}
    return Delivery(int(row[0]), Source(row[1]), str(row[2]), row[3], detail if isinstance(detail, dict) else {},
                    str(row[5]), State(row[6]), int(row[7]), row[8], int(row[9]), row[10], str(row[11]))


class DeliveryQueue:
    """The queue for one target, over one journal connection (thread-safe: one lock per queue)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._lock = threading.Lock()

    # --- the HTTP side ---------------------------------------------------------------------------

    def record(self, source: Source, dedup_key: str, event: str, order_id: str | None,
               detail: dict[str, Any] | None = None, *, state: State = State.PENDING) -> tuple[int, bool]:
        """Store a delivery once; `(id, False)` for a redelivery of one already stored."""
        now = _text(_now())
        with self._lock, self.journal.transaction() as db:
            row = db.execute("SELECT id FROM deliveries WHERE target = ? AND source = ? AND dedup_key = ?",
                             (self.journal.target, source, dedup_key)).fetchone()
            if row is not None:
                db.execute("UPDATE deliveries SET duplicates = duplicates + 1 WHERE id = ?", (row[0],))
                return int(row[0]), False
            cursor = db.execute(
                "INSERT INTO deliveries (target, source, dedup_key, event, order_id, detail, received_at, state, "
                "next_attempt_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.journal.target, source, dedup_key, event, order_id, json.dumps(detail or {}), now, state,
                 now, None if state is State.PENDING else now),
            )
        return int(cursor.lastrowid or 0), True

    def reject(self, source: Source, event: str, reason: str) -> int:
        """Keep a turned-away delivery (never its body) so an admin can see it in `nuesync log --failed`."""
        delivery_id, _new = self.record(source, f"rejected:{uuid.uuid4()}", event, None, state=State.REJECTED)
        self.finish([delivery_id], State.REJECTED, error=reason)
        return delivery_id

    # --- the worker side -------------------------------------------------------------------------

    def release_claims(self) -> int:
        """Claims left by a worker that died (only the listener-lock holder processes): pending again."""
        with self._lock, self.journal.transaction() as db:
            return db.execute("UPDATE deliveries SET state = ? WHERE target = ? AND state = ?",
                              (State.PENDING, self.journal.target, State.PROCESSING)).rowcount

    def next_due(self) -> datetime | None:
        with self._lock:
            rows = self.journal.query("SELECT min(next_attempt_at) FROM deliveries WHERE target = ? AND state = ?",
                                      (self.journal.target, State.PENDING))
        value = rows[0][0] if rows else None
        return datetime.fromisoformat(value) if value else None

    def claim_due(self, now: datetime | None = None) -> list[Delivery]:
        """Every pending delivery that is due, marked `processing` with one more attempt."""
        moment = _text(now or _now())
        with self._lock, self.journal.transaction() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM deliveries WHERE target = ? AND state = ? AND "
                              "next_attempt_at <= ? ORDER BY id", (self.journal.target, State.PENDING, moment)
                              ).fetchall()
            ids = [row[0] for row in rows]
            db.executemany("UPDATE deliveries SET state = ?, attempts = attempts + 1 WHERE id = ?",
                           [(State.PROCESSING, i) for i in ids])
        return [_delivery((*row[:6], State.PROCESSING, row[7] + 1, *row[8:])) for row in rows]

    def finish(self, ids: Iterable[int], state: State, *, run_id: int | None = None, error: str | None = None) -> None:
        now = _text(_now())
        with self._lock, self.journal.transaction() as db:
            db.executemany("UPDATE deliveries SET state = ?, run_id = coalesce(?, run_id), last_error = ?, "
                           "finished_at = ? WHERE id = ?", [(state, run_id, error, now, i) for i in ids])

    def retry_later(self, deliveries: Sequence[Delivery], error: str, max_attempts: int,
                    now: datetime | None = None) -> list[Delivery]:
        """Back off the deliveries that may try again; fail (and return) those out of attempts."""
        moment = now or _now()
        spent = [d for d in deliveries if d.attempts >= max_attempts]
        again = [d for d in deliveries if d.attempts < max_attempts]
        with self._lock, self.journal.transaction() as db:
            db.executemany("UPDATE deliveries SET state = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
                           [(State.PENDING, error, _text(moment + backoff(d.attempts)), d.id) for d in again])
        self.finish([d.id for d in spent], State.FAILED, error=error)
        return spent

    # --- people ----------------------------------------------------------------------------------

    def requeue(self, ids: Sequence[int] = ()) -> list[int]:
        """`nuesync retry`: failed or blocked deliveries (these ids, or all) are due again, attempts reset;
        returns the ids requeued."""
        marks = ",".join("?" * len(RETRYABLE))
        where = f"target = ? AND state IN ({marks})"
        params: list[Any] = [self.journal.target, *RETRYABLE]
        if ids:
            where += f" AND id IN ({','.join('?' * len(ids))})"
            params += list(ids)
        with self._lock, self.journal.transaction() as db:
            chosen = [int(row[0]) for row in db.execute(f"SELECT id FROM deliveries WHERE {where} ORDER BY id", params)]
            db.executemany("UPDATE deliveries SET state = ?, attempts = 0, next_attempt_at = ?, finished_at = NULL "
                           "WHERE id = ?", [(State.PENDING, _text(_now()), i) for i in chosen])
        return chosen

    def by_ids(self, ids: Sequence[int]) -> list[Delivery]:
        if not ids:
            return []
        with self._lock:
            rows = self.journal.query(f"SELECT {_COLUMNS} FROM deliveries WHERE target = ? AND id IN "
                                      f"({','.join('?' * len(ids))}) ORDER BY id", (self.journal.target, *ids))
        return [_delivery(row) for row in rows]

    def in_states(self, states: Sequence[State], limit: int = 100) -> list[Delivery]:
        marks = ",".join("?" * len(states))
        with self._lock:
            rows = self.journal.query(f"SELECT {_COLUMNS} FROM deliveries WHERE target = ? AND state IN ({marks}) "
                                      "ORDER BY id DESC LIMIT ?", (self.journal.target, *states, limit))
        return [_delivery(row) for row in rows]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self.journal.query("SELECT state, count(*) FROM deliveries WHERE target = ? GROUP BY state",
                                      (self.journal.target,))
        return {str(state): int(count) for state, count in rows}


def deliveries_needing_a_look(journal: Journal, limit: int = 100) -> list[Delivery]:
    """Failed, blocked and rejected deliveries of every target in this journal, newest first: what
    `nuesync log --failed` lists next to the failed runs (no API is asked, so no target is known)."""
    marks = ",".join("?" * len(NEEDS_A_LOOK))
    rows = journal.query(f"SELECT {_COLUMNS} FROM deliveries WHERE state IN ({marks}) ORDER BY id DESC LIMIT ?",
                         (*NEEDS_A_LOOK, limit))
    return [_delivery(row) for row in rows]

