"""The `nuesync` command line: global options, the command registry, and the one error handler.

Commands live one per module; each parses its options, calls one core function, renders the
result and returns. Every exception ends up in `run`, which is the only place that turns it into
a message (stderr, and with --json an error document on stdout) and an exit code.

Command modules import the core (adapters, model, renderers) inside the command: building the
CLI for `--help`, `--version` or shell completion then loads Typer and little else.
"""

from __future__ import annotations

import functools
import logging
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from nuesync import __version__
from nuesync.cli import (
    activate_cmd,
    config_cmd,
    demo_cmd,
    diff_cmd,
    doctor_cmd,
    followup_cmd,
    init_cmd,
    listen_cmd,
    log_cmd,
    sandbox_cmd,
    setup_cmd,
    show_plan_cmd,
    sync_cmd,
)
from nuesync.cli.context import AppContext, PipeSafeStream, error_kind
from nuesync.errors import ExitCode, Interrupted, NuesyncError, Terminated, interruption
from nuesync.terminal import printable

EXIT_CODES_HELP = "\n".join(f"  {code.value:>3}  {code.meaning}" for code in ExitCode)
HELP = f"""Keep draft orders in step between Nue and Salesforce.

\b
Exit codes:
{EXIT_CODES_HELP}

\b
Examples:
  nuesync demo                           # the whole story against the built-in sandbox
  nuesync init && nuesync doctor         # set up a real deployment and check it
  nuesync diff                           # what differs, read only
  nuesync pull --dry-run                 # what a pull would write
  nuesync --json diff > diff.json        # for CI: exit 0 in sync, 3 out of sync
  nuesync --install-completion           # tab completion for bash, zsh, fish or PowerShell
"""

app = typer.Typer(
    name="nuesync",
    help=HELP,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
log = logging.getLogger(__name__)


def _reported_interruptions(command: Callable[..., Any]) -> Callable[..., Any]:
    """Ctrl-C and SIGTERM inside a command become an `Interrupted` error for `_run` to report.

    Typer turns a KeyboardInterrupt into a silent exit 130 before `_run` could say anything, and
    cannot tell SIGTERM (143) from Ctrl-C; by the time this wrapper sees the interruption, the run
    itself has already closed its journal and reported what it wrote.
    """

    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt as exc:
            reason, code = interruption(exc)
            raise Interrupted(reason, code) from None

    return guarded


app.add_typer(config_cmd.app, name="config")
for _name, _command in (
    ("init", init_cmd.init), ("diff", diff_cmd.diff), ("pull", sync_cmd.pull), ("push", sync_cmd.push),
    ("apply", sync_cmd.apply), ("show-plan", show_plan_cmd.show_plan), ("activate", activate_cmd.activate),
    ("log", log_cmd.log), ("doctor", doctor_cmd.doctor), ("demo", demo_cmd.demo), ("listen", listen_cmd.listen),
    ("retry", listen_cmd.retry), ("followup", followup_cmd.followup),
):
    app.command(_name)(_reported_interruptions(_command))
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(setup_cmd.app, name="setup")


def _print_version(ctx: typer.Context, value: bool) -> None:
    if value:
        state = ctx.find_root().obj
        if isinstance(state, AppContext) and state.json:
            state.emit_json({"version": __version__}, ExitCode.OK)
        else:
            typer.echo(f"nuesync {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    config: Annotated[Path | None, typer.Option(
        "--config", help="Config file (default: $NUESYNC_CONFIG, ./nuesync.toml, user dir).", metavar="PATH",
        show_default=False)] = None,
    json_output: Annotated[bool, typer.Option("--json",
                                              help="Machine-readable JSON on stdout, errors included.")] = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, show_default=False,
                                         help="-v: each API call on stderr, and tracebacks on internal errors; "
                                              "-vv: request and response bodies too, secrets masked.")] = 0,
    log_file: Annotated[Path | None, typer.Option(
        "--log-file", help="Append structured logs (one JSON object per line) to PATH.", metavar="PATH",
        show_default=False)] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (also: NO_COLOR=1).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing unless the command does not succeed "
                                                              "(for cron).")] = False,
    version: Annotated[  # noqa: ARG001 - handled eagerly by its callback
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    state = ctx.ensure_object(AppContext)
    state.config_path = config
    state.json = json_output
    state.verbose = verbose
    state.no_color = no_color
    state.quiet = quiet
    state.log_file = log_file
    state.start_logging()
    log.info("nuesync %s", " ".join(state.argv), extra={"event": "command.start", "argv": list(state.argv),
                                                         "version": __version__})


def run(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """Run the CLI and return its exit code; every error becomes a message here and nowhere else."""
    state = AppContext()
    state.stdout = PipeSafeStream(stdout if stdout is not None else sys.stdout)
    state.stderr = PipeSafeStream(stderr if stderr is not None else sys.stderr)
    if environ is not None:
        state.environ = environ
    if clock is not None:
        state.clock = clock
    args = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    state.argv = tuple(args)
    state.json = "--json" in args[: args.index("--") if "--" in args else len(args)]  # known before parsing fails
    started = time.perf_counter()
    try:
        with _sigterm_as_interrupt():
            code = _run(state, args)
        if code != ExitCode.OK:
            state.release_held()
        log.info("nuesync ended with exit code %d", code, extra={
            "event": "command.end", "argv": list(args), "exit_code": code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    finally:
        state.stop_logging()
    return code


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (cron killed, container stopped) ends a run the way Ctrl-C does: journal closed, outcome
    reported, its own exit code. Signal handlers belong to the main thread; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(_signum: int, _frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_GLOBAL_FLAGS = frozenset({"--json", "--no-color", "-q", "--quiet", "--verbose"})
_GLOBAL_WITH_VALUE = frozenset({"--config", "--log-file"})


def hoist_global_options(args: list[str]) -> list[str]:
    """Let global options follow the command too (`nuesync diff --json` as well as `nuesync --json diff`).

    People and CI scripts write both; no command has an option of the same name, so moving them
    in front is unambiguous. Everything after `--` is left alone.
    """
    hoisted: list[str] = []
    rest: list[str] = []
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            rest.extend([token, *tokens])
            break
        if token in _GLOBAL_FLAGS or (token.startswith("-v") and set(token[1:]) == {"v"}):
            hoisted.append(token)
        elif token in _GLOBAL_WITH_VALUE:
            hoisted.extend([token, next(tokens, "")])
        elif token.partition("=")[0] in _GLOBAL_WITH_VALUE:
            hoisted.append(token)
        else:
            rest.append(token)
    return [*hoisted, *rest]


def _run(state: AppContext, args: list[str]) -> int:
    try:
        with redirect_stdout(state.stdout), redirect_stderr(state.stderr):
            returned = app(args=args, prog_name="nuesync", standalone_mode=False, obj=state)
    except Interrupted as exc:
        return _fail(state, exc.exit_code, exc.message, error_kind(exc))
    except NuesyncError as exc:
        return _fail(state, exc.exit_code, exc.message, error_kind(exc), prefix="error: ")
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.TyperException as exc:
        ctx = getattr(exc, "ctx", None)
        if ctx is not None and exc.format_message() == ctx.get_help():
            state.stdout.write(exc.format_message() + "\n")
            return int(ExitCode.USAGE)
        path = ctx.command_path if ctx is not None else "nuesync"
        return _fail(state, ExitCode.USAGE, exc.format_message(), "usage", prefix="error: ",
                     hint=f"Try '{path} --help' for help.", fix=f"see `{path} --help`")
    except KeyboardInterrupt as exc:
        reason, code = interruption(exc)
        return _fail(state, code, reason, error_kind(Interrupted(reason, code)))
    except typer.Abort:
        return _fail(state, ExitCode.INTERRUPTED, "interrupted", "interrupted")
    except Exception as exc:  # the one place a crash becomes a message
        if state.verbose:
            state.stderr.write("".join(traceback.format_exception(exc)))
        first_line = next(iter(str(exc).splitlines()), "")[:200]
        detail = f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__
        hint = "" if state.verbose else " (run with -v for the traceback)"
        return _fail(state, ExitCode.INTERNAL_ERROR, detail + hint, "internal", prefix="internal error: ")
    return returned if isinstance(returned, int) else ExitCode.OK


def _fail(state: AppContext, code: ExitCode, message: str, kind: str, *, prefix: str = "", hint: str = "",
          fix: str | None = None) -> int:
    """The one place an error reaches the user: secrets masked, terminal control characters shown as escapes.

    On stderr as a line (`error: …`); with --json also as a document on stdout, unless the command
    already wrote its own (which then says `"ok": false` and carries the error itself).
    """
    state.release_held()
    text = prefix + message + (f"\n{hint}" if hint else "")
    safe = "\n".join(printable(state.redactor.text(line)) for line in text.rstrip().splitlines())
    state.stderr.write(safe + "\n")
    state.stderr.flush()
    error = state.error_json(kind, message, code, fix)
    if state.logs is not None:  # only into this run's log file: the line above is what stderr shows
        log.error("%s", error["message"], extra={"event": "command.error", "kind": kind, "exit_code": int(code)})
    if state.json and not state.json_emitted:
        state.emit_json({"error": error}, code)
    return int(code)


def main() -> None:
    sys.exit(run())
