"""Long output at a terminal goes through the pager, as `gh` does; never into a pipe, never with --json;
and the progress display counts once a step knows its total."""

from __future__ import annotations

import io
import shlex
import sys
from pathlib import Path

import pytest

from nuesync.cli import run
from nuesync.cli.context import AppContext
from nuesync.errors import ExitCode


class Terminal(io.StringIO):
    """A stdout or stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "nuesync.toml"
    path.write_text(f'[sync]\nstate_path = "{tmp_path / "journal.sqlite3"}"\n')
    return path


def pager_into(path: Path) -> str:
    """A pager command that keeps what it is given (and the LESS it was started with) in `path`."""
    script = f"import os,sys; open({str(path)!r}, 'w').write(os.environ.get('LESS', '') + '|' + sys.stdin.read())"
    return shlex.join([sys.executable, "-c", script])


def run_log(config: Path, environ: dict[str, str], *flags: str, stdout: io.StringIO | None = None) -> tuple[int, str]:
    out = stdout if stdout is not None else Terminal()
    code = run([*flags, "--config", str(config), "log"], stdout=out, stderr=io.StringIO(),
               environ={"COLUMNS": "100", **environ})
    return code, out.getvalue()


def test_at_a_terminal_the_output_goes_through_the_pager(config: Path, tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    code, shown = run_log(config, {"PAGER": pager_into(paged)})
    assert code == ExitCode.OK
    assert shown == ""
    less, _, text = paged.read_text().partition("|")
    assert less == "FRX" and "Runs in" in text


def test_nuesync_pager_wins_and_cat_or_nothing_turns_it_off(config: Path, tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    run_log(config, {"PAGER": "false", "NUESYNC_PAGER": pager_into(paged)})
    assert paged.exists()
    for off in ("cat", ""):
        assert "Runs in" in run_log(config, {"NUESYNC_PAGER": off})[1]


def test_never_into_a_pipe_nor_with_json_or_quiet(config: Path, tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    environ = {"PAGER": pager_into(paged)}
    assert "Runs in" in run_log(config, environ, stdout=io.StringIO())[1]
    assert '"runs"' in run_log(config, environ, "--json")[1]
    assert run_log(config, environ, "--quiet")[0] == ExitCode.OK
    assert not paged.exists()


def test_a_pager_that_cannot_start_is_no_reason_to_fail(config: Path, tmp_path: Path) -> None:
    code, shown = run_log(config, {"PAGER": str(tmp_path / "no-such-pager")})
    assert code == ExitCode.OK and "Runs in" in shown


def test_progress_counts_and_rates_once_a_step_knows_its_total() -> None:
    stderr = Terminal()
    state = AppContext(stderr=stderr, environ={"COLUMNS": "100"})
    with state.progress() as progress:
        progress("connecting to Nue and Salesforce")
        progress("reading Salesforce drafts", done=2000, total=5000)
        progress("reading Nue drafts", done=1000, total=4000)  # read at the same time: a line each
        progress("reading Salesforce drafts", done=4000, total=5000)
        state.live.refresh()
        last_frame = stderr.getvalue().rsplit("\x1b[?25l", 1)[-1]
    assert "4,000/5,000" in last_frame and "1,000/4,000" in last_frame and "/s" in last_frame


def test_no_progress_without_a_terminal_or_with_json() -> None:
    for state in (AppContext(stderr=io.StringIO()), AppContext(stderr=Terminal(), json=True)):
        with state.progress() as progress:
            progress("reading", done=1, total=2)
        assert state.stderr.getvalue() == ""
