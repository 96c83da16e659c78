"""Files nuesync writes: owner-only, whole, never through a symlink, and every bad path one usage error."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from nuesync.errors import UsageError
from nuesync.files import write_private


def test_written_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        write_private(tmp_path / "plan.json", "{}", "--plan-out")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "plan.json").stat().st_mode) == 0o600


def test_a_symlink_is_replaced_never_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    link = tmp_path / "nuesync.toml"
    link.symlink_to(victim)
    write_private(link, "[nue]\n", "init")
    assert victim.read_text() == "precious"
    assert not link.is_symlink()
    assert link.read_text() == "[nue]\n"


@pytest.mark.parametrize(("where", "expected"), [
    (lambda tmp: tmp / "missing" / "plan.json", "does not exist"),
    (lambda tmp: Path("/"), "directory"),
    (lambda tmp: tmp, "directory"),
    (lambda tmp: Path("/proc/version"), "cannot write in /proc"),
])
def test_bad_targets_are_usage_errors(tmp_path: Path, where, expected: str) -> None:
    with pytest.raises(UsageError, match=expected):
        write_private(where(tmp_path), "{}", "--plan-out")


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root may write anywhere")
def test_an_unwritable_directory_is_a_usage_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(UsageError, match="Permission denied"):
        write_private(locked / "plan.json", "{}", "--plan-out")
