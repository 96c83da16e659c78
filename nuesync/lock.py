"""One writing run at a time per Nue tenant + Salesforce org.

An OS file lock (`flock`) rather than a row in the journal: the kernel drops it the moment the
holding process dies, however it dies, so a lock left by a crashed cron job is taken over
without guessing about pids. The lock file also says who holds it, for the message the second
run prints.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from nuesync.errors import NotRunNowError


def lock_path(state_dir: Path, nue_url: str, salesforce_target: str) -> Path:
    """The lock file for this tenant + org pair (two configs for the same pair share it)."""
    key = hashlib.sha256(f"{nue_url.rstrip('/')}|{salesforce_target.rstrip('/')}".encode()).hexdigest()[:16]
    return state_dir / f"run-{key}.lock"


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    started_at: str
    command: str

    def describe(self) -> str:
        return f"{self.command} (pid {self.pid} on {self.host}, started {self.started_at})"


class RunLock:
    """`with RunLock(path, command):` — raises NotRunNowError naming the holder when taken."""

    def __init__(self, path: Path, command: str) -> None:
        self.path = path
        self.command = command
        self._file: IO[str] | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = read_holder(self.path)
            handle.close()
            who = holder.describe() if holder else "another nuesync run"
            raise NotRunNowError(f"not run now: {who} holds the lock {self.path}; try again when it ends") from None
        holder = Holder(os.getpid(), socket.gethostname(), datetime.now(UTC).isoformat(timespec="seconds"),
                        self.command)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(holder.__dict__))
        handle.flush()
        self._file = handle
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def read_holder(path: Path) -> Holder | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
        return Holder(**data) if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError):
        return None
