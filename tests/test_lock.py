"""The run lock: one writing run per tenant + org, a dead holder's lock taken over."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from nuesync.errors import ExitCode, NotRunNowError
from nuesync.lock import RunLock, lock_path, read_holder

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


def test_one_lock_per_tenant_and_org(tmp_path: Path) -> None:
    a = lock_path(tmp_path, "https://api.nue.io", "https://acme.my.salesforce.com")
    assert a == lock_path(tmp_path, "https://api.nue.io/", "https://acme.my.salesforce.com")
    assert a != lock_path(tmp_path, "https://api.nue.io", "https://globex.my.salesforce.com")
