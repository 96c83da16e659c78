"""The docs tell the truth: every command has help and a README entry; CI runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nuesync.cli import app
from nuesync.errors import ExitCode
from tests.helpers import invoke

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def command_paths() -> list[list[str]]:
    paths = [[c.name] for c in app.registered_commands if c.name and not c.hidden]
    for group in app.registered_groups:
        paths.extend([group.name, c.name] for c in group.typer_instance.registered_commands if c.name)
    return paths


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_has_help_and_is_in_the_readme(path: list[str]) -> None:
    result = invoke([*path, "--help"])
    assert result.code == ExitCode.OK
    assert len(result.stdout.split("\n\n")[1].strip()) > 20  # a real sentence, not just usage
    assert f"nuesync {' '.join(path)}" in README


def test_ci_runs_the_readme_test_command() -> None:
    (test_command,) = [line for line in README.splitlines() if "pip install -e '.[dev]'" in line]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.strip() in ci
    assert "ruff check" in ci


def test_readme_lists_every_exit_code() -> None:
    for code in ExitCode:
        assert re.search(rf"^\| {code.value} \|", README, re.MULTILINE)
