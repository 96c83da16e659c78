"""The run lock: one writing run per tenant + org, a dead holder's lock taken over."""

from __future__ import annotations

import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nuesync.errors import ExitCode, NotRunNowError
from nuesync.lock import RunLock, default_lock_dir, lock_path, read_holder
from nuesync.target import Target

HOLD = """
import sys, time
from pathlib import Path
from nuesync.lock import RunLock
with RunLock(Path(sys.argv[1]), "pull --yes"):
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def holder(tmp_path: Path):
    path = tmp_path / "run.lock"
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    yield path, process
    process.kill()
    process.wait()


def test_second_run_is_refused_naming_the_holder(holder) -> None:
    path, process = holder
    with pytest.raises(NotRunNowError) as caught, RunLock(path, "push --yes"):
        pass
    assert caught.value.exit_code == ExitCode.NOT_RUN_NOW
    assert f"pid {process.pid}" in caught.value.message
    assert "pull --yes" in caught.value.message


def test_lock_of_a_dead_process_is_taken_over(holder) -> None:
    path, process = holder
    process.kill()
    process.wait()
    time.sleep(0.05)
    with RunLock(path, "push --yes"):
        held = read_holder(path)
        assert held is not None
        assert held.command == "push --yes"


def test_lock_is_released_after_the_run(tmp_path: Path) -> None:
    path = tmp_path / "run.lock"
    with RunLock(path, "pull"):
        pass
    with RunLock(path, "pull"):
        pass


ACME, GLOBEX = "00D000000000001AAA", "00D000000000002AAA"


def test_one_lock_per_tenant_and_org_whatever_the_spelling(tmp_path: Path) -> None:
    a = lock_path(Target.of("https://api.nue.io", ACME), tmp_path)
    assert a == lock_path(Target.of("HTTPS://API.nue.io:443/", ACME), tmp_path)
    assert a != lock_path(Target.of("https://api.nue.io", GLOBEX), tmp_path)
    local = lock_path(Target.of("http://localhost:8080", ACME), tmp_path)
    assert local == lock_path(Target.of("http://127.0.0.1:8080/", ACME), tmp_path)
    assert local != lock_path(Target.of("http://127.0.0.1:8081", ACME), tmp_path)


def test_the_lock_does_not_depend_on_the_journal_location(tmp_path: Path) -> None:
    """Two configs for one org with different `sync.state_path`s share one lock (the user state dir)."""
    target = Target.of("https://api.nue.io", ACME)
    assert lock_path(target) == default_lock_dir() / lock_path(target).name
    with RunLock(lock_path(target), "pull --yes"), pytest.raises(NotRunNowError), \
            RunLock(lock_path(Target.of("https://api.nue.io/", ACME)), "push --yes"):
        pass


def test_the_lock_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "run.lock"
    with RunLock(path, "pull"):
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.with_suffix(".holder.json").stat().st_mode) == 0o600


def test_a_waiting_lock_takes_over_when_the_holder_ends(holder) -> None:
    path, process = holder
    threading.Timer(0.3, process.kill).start()
    with RunLock(path, "listen", wait=10):
        assert read_holder(path).command == "listen"


def test_the_cli_imports_no_unix_only_module() -> None:
    """Windows has no fcntl: nothing nuesync imports at start may need it."""
    code = ("import builtins, sys\n"
            "real = builtins.__import__\n"
            "def guarded(name, *args, **kwargs):\n"
            "    if name == 'fcntl':\n"
            "        raise ImportError('no fcntl here')\n"
            "    return real(name, *args, **kwargs)\n"
            "builtins.__import__ = guarded\n"
            "import nuesync.cli, nuesync.lock\n")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
