"""Stop a batch of writes once the same failure keeps repeating, shared by both adapters.

When twenty writes in a row fail with the same error code (every order naming a customer the
receiver lacks, a mapped field the org refuses), the rest of the batch would almost surely fail
the same way: sending it only spends API calls and buries the one fix in thousands of identical
lines. The records not sent fail with `STOPPED_EARLY` and a message naming the repeated error,
so a re-run after the fix picks them up.
"""

from __future__ import annotations

import threading

IDENTICAL_FAILURES_LIMIT = 20
STOPPED_EARLY = "STOPPED_EARLY"
_QUOTED_MESSAGE_CHARS = 200  # the repeated error is quoted in every unsent record's message


class IdenticalFailures:
    """The current run of consecutive write failures sharing one error code (thread-safe).

    Any success, or a failure with another code, starts the count again: a batch with mixed
    outcomes is never stopped.
    """

    def __init__(self, limit: int = IDENTICAL_FAILURES_LIMIT) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._code: str | None = None
        self._first_message = ""
        self._count = 0

    def record(self, error_code: str | None, message: str | None = None) -> None:
        """Count one write's outcome: its error code when it failed, None when it succeeded."""
        with self._lock:
            if error_code is None:
                self._code, self._count = None, 0
            elif error_code == self._code:
                self._count += 1
            else:
                self._code, self._count, self._first_message = error_code, 1, message or ""

    @property
    def tripped(self) -> bool:
        with self._lock:
            return self._count >= self._limit

    def reason(self) -> str:
        """The message every record not sent carries."""
        with self._lock:
            quoted = self._first_message
            if len(quoted) > _QUOTED_MESSAGE_CHARS:
                quoted = quoted[: _QUOTED_MESSAGE_CHARS - 1] + "…"
            detail = f" ({quoted})" if quoted else ""
            return (
                f"not sent: the previous {self._limit} writes all failed with {self._code}{detail}; "
                "fix that and run again"
            )
