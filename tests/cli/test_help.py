"""Help reads like documentation: examples, plain metavars, sentences; completion works; startup is light."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nuesync.cli.init_cmd import DEFAULT_PATH, SALESFORCE_AUTHS
from nuesync.cli.options import ORDER_CLASSES
from nuesync.config import CONFIG_FILENAME, SalesforceAuth
from nuesync.errors import ExitCode
from nuesync.reconcile import OrderClass
from tests.cli.test_docs import command_paths
from tests.helpers import invoke

PATHS = command_paths()
LEAKS = re.compile(r"<[a-z][a-z \[\],|]*>|\{[a-z_]+\}|\[default: 0\]|\[x[<>]|<=x|\bint range\b")


@pytest.mark.parametrize("path", [[], *PATHS], ids=lambda p: " ".join(p) or "nuesync")
def test_help_has_examples_and_no_internal_names(path: list[str]) -> None:
    result = invoke([*path, "--help"], env={"COLUMNS": "100"})
    assert result.code == ExitCode.OK
    examples = result.stdout.split("Examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert examples and all(line.strip().startswith("nuesync ") for line in examples)
    assert not LEAKS.search(result.stdout), LEAKS.search(result.stdout)


def test_diff_since_does_not_offer_last_which_only_pull_and_push_know() -> None:
    assert "'last'" not in invoke(["diff", "--help"]).stdout
    assert "'last'" in invoke(["pull", "--help"]).stdout
    result = invoke(["diff", "--since", "last"])
    assert result.code == ExitCode.USAGE and "only pull and push" in result.stderr


@pytest.mark.parametrize("args", [
    ["log", "--limit", "0"], ["log", "--limit", "lots"], ["log", "--run", "x"], ["diff", "--only", "bogus"],
    ["init", "--sf-auth", "kerberos"], ["sandbox", "serve", "--seed", "lots"], ["sandbox", "serve", "--port", "-1"],
    ["pull", "--limit", "0"],
])
def test_a_bad_value_is_refused_in_a_sentence(args: list[str]) -> None:
    result = invoke(args)
    assert result.code == ExitCode.USAGE
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: Invalid value for '--")
    assert "Value error" not in first and "Input should be" not in first and "unable to parse" not in first


def test_the_choices_spelled_out_for_help_are_the_real_ones() -> None:
    assert tuple(OrderClass) == ORDER_CLASSES
    assert tuple(SalesforceAuth) == SALESFORCE_AUTHS
    assert DEFAULT_PATH == CONFIG_FILENAME


def complete(words: str) -> list[str]:
    env = {**os.environ, "_NUESYNC_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
    done = subprocess.run([sys.executable, "-m", "nuesync"], env=env, capture_output=True, text=True, check=False,
                          timeout=60)
    return done.stdout.split()


def test_shell_completion_completes_commands_and_values() -> None:
    assert complete("nuesync di") == ["diff"]
    assert complete("nuesync diff --only only_in") == ["only_in_nue", "only_in_salesforce"]
    assert "--install-completion" in invoke(["--help"]).stdout


STARTUP = """
import sys
from pathlib import Path
from nuesync.cli import run
code = run(sys.argv[1:])
heavy = sorted({m.split(".")[0] if not m.startswith("nuesync.") else ".".join(m.split(".")[:2])
                for m in sys.modules if m.startswith(("graphql", "cryptography", "nuesync.sandbox"))})
print(" ".join(heavy) or "-", file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["diff", "--help"]])
def test_version_and_help_load_no_emulator_graphql_or_cryptography(args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", STARTUP, *args], capture_output=True, text=True, check=True,
                          timeout=60)
    assert done.stderr.split()[-1] == "-", done.stderr


def test_install_completion_sets_up_the_shell(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "nuesync", "--install-completion", "bash"], env=env,
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "_NUESYNC_COMPLETE" in (tmp_path / ".bash_completions" / "nuesync.sh").read_text()
    assert "nuesync.sh" in (tmp_path / ".bashrc").read_text()
