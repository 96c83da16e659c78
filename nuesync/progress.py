"""What long-running work reports while it runs: the step, and when known how far along it is.

The core (fetch, apply, doctor) calls `progress("reading Salesforce drafts", done=2000, total=5000)`
or just `progress("connecting")`; the CLI draws it (`nuesync.cli.progress.Reporter`) at a terminal
and drops it elsewhere. Every callback takes the counts, even one that ignores them.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None: ...


def no_progress(message: str, done: int | None = None, total: int | None = None) -> None:
    """Progress where nobody watches (cron, CI, --json): nothing is drawn."""
