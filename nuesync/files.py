"""Files nuesync creates for the user: private to the owner, written whole, never through a symlink.

A config, a saved plan and the journal hold customer data (names, amounts) or name where the
secrets live, so they are created readable by the owner only (0600, directories 0700) whatever
the umask. Writes go to a temporary file beside the target and are renamed over it: a crash
never leaves half a file, and a symlink planted at the target is replaced, never written through.
Every way the path can be wrong becomes one usage error naming the path, before anything is
touched.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from nuesync.errors import UsageError

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def ensure_private_dir(directory: Path, what: str) -> None:
    """Create `directory` (0700) if missing; a usage error when it cannot be, or is not a directory."""
    try:
        directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"{what}: {directory} exists and is not a directory") from None
    except OSError as exc:
        raise UsageError(f"{what}: cannot create the directory {directory}: {exc.strerror or exc}") from None


def check_writable_target(path: Path, what: str) -> None:
    """Fail early, touching nothing, when `path` could not be written as a regular file."""
    if path.name in {"", ".", ".."} or str(path) in {"/", ""}:
        raise UsageError(f"{what}: {path} is a directory, not a file name")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"{what}: the directory {parent} does not exist")
    if path.is_symlink():
        return  # replaced by the rename, never written through
    if path.exists() and not path.is_file():
        kind = "a directory" if path.is_dir() else "not a regular file"
        raise UsageError(f"{what}: {path} is {kind}")
    try:  # a real probe: permission bits do not tell root, read-only mounts or /proc apart
        handle, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=parent)
    except OSError as exc:
        raise UsageError(f"{what}: cannot write in {parent}: {exc.strerror or exc}") from None
    os.close(handle)
    os.unlink(probe)


def write_private(path: Path, text: str, what: str) -> None:
    """Write `text` to `path` as a new owner-only file, atomically (see the module docstring)."""
    check_writable_target(path, what)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"{what}: cannot write in {path.parent}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:  # mkstemp creates it 0600
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise UsageError(f"{what}: cannot write {path}: {exc.strerror or exc}") from None


def create_private_file(path: Path) -> None:
    """Create an empty owner-only file unless something is there already (the journal's first open)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def describe_kind(path: Path) -> str | None:
    """What `path` is when it is not a regular file ("a directory", "a device" …); None for a file or nothing."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    return "not a regular file"
