"""One writing run at a time per Nue tenant + Salesforce org, on every platform.

An OS file lock (through `filelock`: `flock` on Unix, `msvcrt` locking on Windows) rather than a
row in the journal: the OS drops it the moment the holding process dies, however it dies, so a
lock left by a crashed cron job is taken over without guessing about pids.

The lock lives in the user's state directory, keyed by the target (see `nuesync.target`), never
beside `sync.state_path`: two configs for the same tenant and org with different journals still
share one lock. Who holds it is written to a small file beside the lock, for the message the
second run prints.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import filelock
import platformdirs

from nuesync.errors import NotRunNowError
from nuesync.files import ensure_private_dir, write_private
from nuesync.target import Target


def default_lock_dir() -> Path:
    return Path(platformdirs.user_state_dir("nuesync")) / "locks"


def lock_path(target: Target, lock_dir: Path | None = None) -> Path:
    """The lock file for this tenant + org pair, whatever config or journal names it."""
    return (lock_dir or default_lock_dir()) / f"run-{target.digest}.lock"


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    started_at: str
    command: str

    def describe(self) -> str:
        return f"{self.command} (pid {self.pid} on {self.host}, started {self.started_at})"


def _holder_file(path: Path) -> Path:
    return path.with_suffix(".holder.json")


class RunLock:
    """`with RunLock(path, command):` — raises NotRunNowError naming the holder when taken.

    `wait` seconds > 0 waits for a holder to finish instead of refusing at once (the listener
    waits for a cron run; a cron run refuses).
    """

    def __init__(self, path: Path, command: str, *, wait: float = 0) -> None:
        self.path = path
        self.command = command
        self._lock = filelock.FileLock(path, timeout=wait, mode=0o600)

    def __enter__(self) -> RunLock:
        ensure_private_dir(self.path.parent, "the run lock")
        try:
            self._lock.acquire()
        except filelock.Timeout:
            holder = read_holder(self.path)
            who = holder.describe() if holder else "another nuesync run"
            raise NotRunNowError(f"not run now: {who} holds the lock {self.path}; try again when it ends") from None
        holder = Holder(os.getpid(), socket.gethostname(), datetime.now(UTC).isoformat(timespec="seconds"),
                        self.command)
        write_private(_holder_file(self.path), json.dumps(asdict(holder)), "the run lock")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        with contextlib.suppress(OSError):
            _holder_file(self.path).unlink()
        self._lock.release()


def read_holder(path: Path) -> Holder | None:
    try:
        data = json.loads(_holder_file(path).read_text(encoding="utf-8") or "null")
        return Holder(**data) if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError):
        return None
