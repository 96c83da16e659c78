"""The CLI frame: version, help, exit codes and the one error handler."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer

from nuesync import __version__, cli
from nuesync.errors import ApiUnavailableError, ExitCode, NotRunNowError, Terminated
from tests.helpers import invoke


def test_version_prints_the_package_version() -> None:
    result = invoke(["--version"])
    assert result.code == ExitCode.OK
    assert result.stdout.strip() == f"nuesync {__version__}"


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "nuesync", "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "Exit codes:" in done.stdout


def test_help_documents_every_exit_code() -> None:
    result = invoke(["--help"])
    for code in ExitCode:
        assert f"{code.value:>3}  {code.meaning}" in result.stdout


def test_exit_codes_match_the_documented_table() -> None:
    assert {c.name: c.value for c in ExitCode} == {
        "OK": 0, "INTERNAL_ERROR": 1, "USAGE": 2, "DIFFERENCES": 3, "PARTIAL_FAILURE": 4,
        "CONFLICTS": 5, "NOT_RUN_NOW": 6, "API_UNAVAILABLE": 7, "NOTHING_WRITTEN": 8, "INTERRUPTED": 130,
        "TERMINATED": 143,
    }


def test_unknown_option_is_a_usage_error_on_stderr() -> None:
    result = invoke(["--no-such-option"])
    assert result.code == ExitCode.USAGE
    assert result.stdout == ""
    assert result.stderr.startswith("error: No such option: --no-such-option")


@pytest.fixture
def failing_command():
    """Register a throwaway command that raises what the test asks for."""
    raised: list[BaseException] = []

    @cli.app.command("explode", hidden=True)
    @cli._reported_interruptions
    def explode() -> None:
        raise raised[0]

    yield raised
    cli.app.registered_commands[:] = [c for c in cli.app.registered_commands if c.name != "explode"]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ApiUnavailableError("Nue at https://x could not be reached"), ExitCode.API_UNAVAILABLE),
        (NotRunNowError("another run holds the lock"), ExitCode.NOT_RUN_NOW),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (typer.Exit(3), ExitCode.DIFFERENCES),
    ],
)
def test_typed_errors_become_one_line_and_their_code(failing_command, error, code) -> None:
    failing_command.append(error)
    result = invoke(["explode"])
    assert result.code == code
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 1


@pytest.mark.parametrize(("interruption", "code", "said"), [
    (KeyboardInterrupt(), ExitCode.INTERRUPTED, "interrupted (Ctrl-C)"),
    (Terminated(), ExitCode.TERMINATED, "terminated (SIGTERM)"),
])
def test_an_interruption_is_reported_with_its_own_code(failing_command, interruption, code, said) -> None:
    failing_command.append(interruption)
    result = invoke(["explode"])
    assert (result.code, result.stderr.strip()) == (code, said)


def test_an_error_message_never_drives_the_terminal(failing_command) -> None:
    failing_command.append(ApiUnavailableError("Nue answered \x1b[2J\x1b]0;pwned\x07 for order \u202eevil"))
    result = invoke(["explode"])
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b[2J" in result.stderr


def test_a_crash_is_an_internal_error_without_traceback_or_locals(failing_command) -> None:
    secret = "s3cr3t-value-in-a-local"

    def crash() -> None:
        token = secret  # a local variable a pretty traceback would show
        raise ValueError("boom " + str(len(token)))

    try:
        crash()
    except ValueError as exc:
        failing_command.append(exc)
    result = invoke(["explode"])
    assert result.code == ExitCode.INTERNAL_ERROR
    assert result.stderr.startswith("internal error: ValueError: boom")
    assert len(result.stderr.strip().splitlines()) == 1
    assert secret not in result.stderr


def test_verbose_shows_the_traceback_but_never_locals(failing_command) -> None:
    secret = "s3cr3t-value-in-a-local"

    def crash() -> None:
        token = secret
        raise ValueError("boom " + str(len(token)))

    try:
        crash()
    except ValueError as exc:
        failing_command.append(exc)
    result = invoke(["-v", "explode"])
    assert result.code == ExitCode.INTERNAL_ERROR
    assert "Traceback" in result.stderr
    assert secret not in result.stderr


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["diff", "--json"], ["--json", "diff"]),
        (["pull", "--yes", "-vv", "--config", "a.toml"], ["-vv", "--config", "a.toml", "pull", "--yes"]),
        (["--json", "diff", "--only", "differs"], ["--json", "diff", "--only", "differs"]),
        (["log", "--config=x.toml", "-q", "--", "--json"], ["--config=x.toml", "-q", "log", "--", "--json"]),
        (["diff", "--log-file", "cron.log", "--all"], ["--log-file", "cron.log", "diff", "--all"]),
        (["push", "--log-file=cron.log"], ["--log-file=cron.log", "push"]),
    ],
)
def test_global_options_may_follow_the_command(given: list[str], expected: list[str]) -> None:
    assert cli.hoist_global_options(given) == expected


def test_json_after_the_command_gives_json(tmp_path) -> None:
    path = tmp_path / "nuesync.toml"
    path.write_text("")
    result = invoke(["config", "check", str(path), "--json"], env={"NUE_API_KEY": "k", "SF_SESSION_ID": "s"})
    assert result.code == ExitCode.OK
    assert result.json()["valid"] is True
