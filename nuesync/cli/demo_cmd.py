"""`nuesync demo`: run the whole story against the in-process sandbox (no credentials)."""

from __future__ import annotations

import io

import typer

from nuesync.cli.context import app_context
from nuesync.errors import ExitCode


def demo(ctx: typer.Context) -> int:
    """Run the whole story against the built-in sandbox: diff, pull, push, portal checkout, activate.

    Each step is a real nuesync command against both emulators; the demo fails (exit 1) if a
    step ends with another exit code than the story says. With --json, the steps' own output is
    left out and the document lists each step with its exit code.

    \b
    Examples:
      nuesync demo
      nuesync --json demo | jq '.steps[] | {command, exit_code}'
    """
    from nuesync.cli import run
    from nuesync.demo import STEPS, run_demo
    from nuesync.render_reports import demo_json

    state = app_context(ctx)
    environ = dict(state.environ)
    flags = ["--no-color"] if not state.color else []
    played: list[tuple[str, str, int, int]] = []

    def runner(args: list[str], extra: dict[str, str]) -> int:
        out, err = (io.StringIO(), io.StringIO()) if state.json else (state.stdout, state.stderr)
        code = run([*flags, *args], stdout=out, stderr=err, environ={**environ, **extra}, clock=state.clock)
        step = STEPS[len(played)]
        played.append((step.sentence, " ".join(["nuesync", *args[2:]]), code, int(step.expect)))
        return code

    run_demo(io.StringIO() if state.json else state.stdout, runner, color=state.color and state.stdout.isatty())
    if state.json:
        state.emit_json(demo_json(played), ExitCode.OK)
    return ExitCode.OK
