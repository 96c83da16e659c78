"""The `nuesync` command line: global options, the command registry, and the one error handler.

Commands live one per module; each parses its options, calls one core function, renders the
result and returns. Every exception ends up in `run`, which is the only place that turns it into
a message and an exit code.
"""

from __future__ import annotations

import functools
import signal
import sys
import threading
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
    init_cmd,
    log_cmd,
    sandbox_cmd,
    sync_cmd,
)
from nuesync.cli.context import AppContext, PipeSafeStream
from nuesync.errors import ExitCode, Interrupted, NuesyncError, Terminated, interruption
from nuesync.render import printable

EXIT_CODES_HELP = "\n".join(f"  {code.value:>3}  {code.meaning}" for code in ExitCode)

app = typer.Typer(
    name="nuesync",
    help="Keep draft orders in step between Nue and Salesforce.\n\n\b\nExit codes:\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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
    ("apply", sync_cmd.apply), ("activate", activate_cmd.activate), ("log", log_cmd.log),
    ("doctor", doctor_cmd.doctor), ("demo", demo_cmd.demo),
):
    app.command(_name)(_reported_interruptions(_command))
app.add_typer(sandbox_cmd.app, name="sandbox")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"nuesync {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", help="Config file (default: $NUESYNC_CONFIG, ./nuesync.toml, user dir).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")] = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More detail; tracebacks on errors.")] = 0,
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
    with _sigterm_as_interrupt():
        code = _run(state, args)
    if code != ExitCode.OK:
        state.release_held()
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
        elif token == "--config":
            hoisted.extend([token, next(tokens, "")])
        elif token.startswith("--config="):
            hoisted.append(token)
        else:
            rest.append(token)
    return [*hoisted, *rest]


def _run(state: AppContext, args: list[str]) -> int:
    try:
        with redirect_stdout(state.stdout), redirect_stderr(state.stderr):
            returned = app(args=args, prog_name="nuesync", standalone_mode=False, obj=state)
    except Interrupted as exc:
        return _fail(state, exc.exit_code, exc.message)
    except NuesyncError as exc:
        return _fail(state, exc.exit_code, f"error: {exc.message}")
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.TyperException as exc:
        ctx = getattr(exc, "ctx", None)
        if ctx is not None and exc.format_message() == ctx.get_help():
            state.stdout.write(exc.format_message() + "\n")
            return int(ExitCode.USAGE)
        hint = f"\nTry '{ctx.command_path} --help' for help." if ctx is not None else ""
        return _fail(state, ExitCode.USAGE, f"error: {exc.format_message()}{hint}")
    except KeyboardInterrupt as exc:
        reason, code = interruption(exc)
        return _fail(state, code, reason)
    except typer.Abort:
        return _fail(state, ExitCode.INTERRUPTED, "interrupted")
    except Exception as exc:  # the one place a crash becomes a message
        if state.verbose:
            state.stderr.write("".join(traceback.format_exception(exc)))
        first_line = next(iter(str(exc).splitlines()), "")[:200]
        detail = f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__
        hint = "" if state.verbose else " (run with -v for the traceback)"
        return _fail(state, ExitCode.INTERNAL_ERROR, f"internal error: {detail}{hint}")
    return returned if isinstance(returned, int) else ExitCode.OK


def _fail(state: AppContext, code: ExitCode, message: str) -> int:
    """The one place an error reaches the user: secrets masked, terminal control characters shown as escapes."""
    state.release_held()
    safe = "\n".join(printable(state.redactor.text(line)) for line in message.rstrip().splitlines())
    state.stderr.write(safe + "\n")
    state.stderr.flush()
    return int(code)


def main() -> None:
    sys.exit(run())
