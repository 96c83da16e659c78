"""`nuesync demo`: run the whole story against the in-process sandbox (no credentials)."""

from __future__ import annotations

import typer

from nuesync.cli.context import app_context
from nuesync.demo import run_demo


def demo(ctx: typer.Context) -> None:
    """Run the whole story against the built-in sandbox: diff, pull, push, portal checkout, activate."""
    from nuesync.cli import run

    state = app_context(ctx)
    environ = dict(state.environ)
    flags = ["--no-color"] if not state.color else []

    def runner(args: list[str], extra: dict[str, str]) -> int:
        return run([*flags, *args], stdout=state.stdout, stderr=state.stderr, environ={**environ, **extra},
                   clock=state.clock)

    run_demo(state.stdout, runner, color=state.color and state.stdout.isatty())
