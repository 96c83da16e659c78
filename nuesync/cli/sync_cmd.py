"""`nuesync pull`, `nuesync push` and `nuesync apply FILE`: the options; the run is in `sync_flow`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nuesync.cli.context import app_context
from nuesync.cli.options import (
    CreateCustomersOpt,
    CustomerOpt,
    DryRunOpt,
    LimitOpt,
    OrderOpt,
    PlanOutOpt,
    SinceOpt,
    YesOpt,
    scope_from,
)

PlanFileArg = Annotated[Path, typer.Argument(metavar="FILE", hidden=True, show_default=False)]


def pull(ctx: typer.Context, order: OrderOpt = None, customer: CustomerOpt = None, since: SinceOpt = None,
         dry_run: DryRunOpt = False, yes: YesOpt = False, limit: LimitOpt = None, plan_out: PlanOutOpt = None,
         create_customers: CreateCustomersOpt = False) -> int:
    """Bring Nue drafts into Salesforce; Nue's values win.

    Shows the plan (every Salesforce value it replaces), asks at a terminal (--yes elsewhere),
    writes in batches, then reads back what it wrote from both systems.

    \b
    Examples:
      nuesync pull --dry-run                  # the plan, and the exit code the real run would have
      nuesync pull --order 1b152352-a8ef-4c4d-a053-5f3f8b6cca9d --yes
      nuesync --quiet pull --since last --yes # from cron
      nuesync pull --plan-out plan.json       # review with show-plan, then: nuesync apply plan.json
    """
    from nuesync.cli.sync_flow import sync
    from nuesync.reconcile import Direction

    state = app_context(ctx)
    return sync(state, Direction.PULL, scope_from(order, customer, since, state.now()), dry_run=dry_run, yes=yes,
                limit=limit, plan_out=plan_out, create_customers=create_customers)


def push(ctx: typer.Context, order: OrderOpt = None, customer: CustomerOpt = None, since: SinceOpt = None,
         dry_run: DryRunOpt = False, yes: YesOpt = False, limit: LimitOpt = None, plan_out: PlanOutOpt = None,
         create_customers: CreateCustomersOpt = False) -> int:
    """Send Salesforce drafts to Nue; Salesforce's values win.

    Shows the plan (every Nue value it replaces), asks at a terminal (--yes elsewhere), writes,
    then reads back what it wrote from both systems.

    \b
    Examples:
      nuesync push --dry-run
      nuesync push --customer 001Hn00000AbCdE --yes
      nuesync --quiet push --since last --yes # from cron: what changed since the last good run
      nuesync --json push --yes > push.json
    """
    from nuesync.cli.sync_flow import sync
    from nuesync.reconcile import Direction

    state = app_context(ctx)
    return sync(state, Direction.PUSH, scope_from(order, customer, since, state.now()), dry_run=dry_run, yes=yes,
                limit=limit, plan_out=plan_out, create_customers=create_customers)


def apply(ctx: typer.Context, plan_file: PlanFileArg, dry_run: DryRunOpt = False, yes: YesOpt = False) -> int:
    """Apply a plan saved with --plan-out (FILE); an order whose source changed since is refused.

    \b
    Examples:
      nuesync push --plan-out plan.json && nuesync show-plan plan.json
      nuesync apply plan.json --yes
      nuesync apply plan.json --dry-run       # what is still to write, and what changed since
    """
    from nuesync.cli.sync_flow import apply_saved

    return apply_saved(app_context(ctx), plan_file, dry_run=dry_run, yes=yes)
