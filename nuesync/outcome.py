"""What happened to one order in a run: the record `apply`, `activate` and the journal share.

One vocabulary for every writing command, so `nuesync log --failed` finds a failed activation
and a failed upsert alike, and a reader of the journal never translates between three shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Result(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    LINKED = "linked"
    ACTIVATED = "activated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    BLOCKED = "blocked"
    FAILED = "failed"
    UNKNOWN = "unknown"  # a journal row nuesync cannot read (written by hand, or damaged)

    @classmethod
    def read(cls, value: object) -> Result:
        """A result as stored in the journal; anything unrecognised reads as UNKNOWN, never a crash."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.UNKNOWN


WRITTEN = frozenset({Result.CREATED, Result.UPDATED, Result.LINKED, Result.ACTIVATED})


@dataclass(frozen=True)
class OrderOutcome:
    """One order's outcome: what was attempted (`action`), how it ended, both ids, and why it failed."""

    key: str
    action: str
    result: Result
    nue_id: str | None = None
    salesforce_id: str | None = None
    error_code: str | None = None
    message: str | None = None
    fields: tuple[str, ...] = ()
