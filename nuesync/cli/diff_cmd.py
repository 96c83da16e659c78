"""`nuesync diff`: what differs between Nue and Salesforce drafts, field by field; writes nothing."""

from __future__ import annotations

from typing import Annotated

import typer

from nuesync.cli.context import app_context
from nuesync.cli.options import CustomerOpt, OrderOpt, SinceOpt, scope_from
from nuesync.diff import run_diff
from nuesync.errors import ExitCode, UsageError
from nuesync.reconcile import OrderClass
from nuesync.render import diff_json, diff_renderables


def diff(
    ctx: typer.Context,
    order: OrderOpt = None,
    customer: CustomerOpt = None,
    since: SinceOpt = None,
    only: Annotated[
        list[OrderClass] | None,
        typer.Option("--only", help="Show only these classes (repeatable): " + ", ".join(OrderClass) + ".",
                     metavar="CLASS", show_default=False),
    ] = None,
) -> int:
    """Compare draft orders in both systems. Exit 0 when in sync, 3 when anything differs."""
    state = app_context(ctx)
    settings = state.load_config().settings
    now = state.now()
    with state.progress() as progress:
        scope = scope_from(order, customer, since, now)
        if scope.since_last_run:
            raise UsageError("--since last needs a writing command's journal (pull or push); give diff a time")
        result = run_diff(settings, state.environ, scope, progress)
    if only:
        result = result.only(only)
    if state.json:
        state.emit_json(diff_json(result, now))
    else:
        state.console().print(diff_renderables(result, now))
    return ExitCode.OK if result.in_sync else ExitCode.DIFFERENCES
