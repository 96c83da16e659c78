"""The `nuesync` command line: global options, the command registry, and the one error handler.

Commands live one per module; each parses its options, calls one core function, renders the
result and returns. Every exception ends up in `run`, which is the only place that turns it into
a message and an exit code.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime
from pathlib import Path
from typing import Annotated, TextIO

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
from nuesync.cli.context import AppContext
from nuesync.errors import ExitCode, NuesyncError

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
app.add_typer(config_cmd.app, name="config")
app.command("init")(init_cmd.init)
app.command("diff")(diff_cmd.diff)
app.command("pull")(sync_cmd.pull)
app.command("push")(sync_cmd.push)
app.command("apply")(sync_cmd.apply)
app.command("activate")(activate_cmd.activate)
app.command("log")(log_cmd.log)
app.command("doctor")(doctor_cmd.doctor)
app.command("demo")(demo_cmd.demo)
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
    if stdout is not None:
        state.stdout = stdout
    if stderr is not None:
        state.stderr = stderr
    if environ is not None:
        state.environ = environ
    if clock is not None:
        state.clock = clock
    args = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    code = _run(state, args)
    if code != ExitCode.OK:
        state.release_held()
    return code


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
    except (KeyboardInterrupt, typer.Abort):
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
    state.release_held()
    state.stderr.write(message.rstrip() + "\n")
    state.stderr.flush()
    return int(code)


def main() -> None:
    sys.exit(run())
