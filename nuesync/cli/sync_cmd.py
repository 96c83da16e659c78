"""`nuesync pull`, `nuesync push` and `nuesync apply FILE`: plan, show, confirm, write, verify."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from nuesync.activate import complete_activations
from nuesync.activate_rules import OUTSIDE_ACTIVATION, exit_code_for
from nuesync.cli.activate_cmd import activation_json, results_table
from nuesync.cli.context import AppContext, app_context
from nuesync.cli.options import (
    CreateCustomersOpt,
    CustomerOpt,
    DryRunOpt,
    LimitOpt,
    OrderOpt,
    PlanOutOpt,
    SinceOpt,
    YesOpt,
    dry_run_code,
    scope_from,
)
from nuesync.errors import ExitCode
from nuesync.fetch import Scope
from nuesync.files import check_writable_target
from nuesync.journal import RunStatus
from nuesync.plan import ActionKind, Plan, limit_plan
from nuesync.reconcile import Direction
from nuesync.render import outcomes_table, plan_json, plan_renderables, printable, report_json
from nuesync.sync import DraftSyncOffError, RunOptions, SyncRun, load_plan, recheck_plan, save_plan


def _execute(state: AppContext, run: SyncRun, plan: Plan, *, dry_run: bool, yes: bool) -> int:
    """Show the plan; then stop (dry run, nothing to do, declined) or write and show the results.

    Activations that happened on one side only (a customer checked out in the portal) are
    completed after the writes, in the order's origin (rule 2 in docs/design.md).
    """
    payload: dict[str, Any] = {"plan": plan_json(plan)}
    pending = [c for c in run.reconciliation.orders if c.cls in OUTSIDE_ACTIVATION]
    if not state.json:
        state.console().print(plan_renderables(plan))
        if pending:
            state.console().print(f"Activations to complete in the origin system: {len(pending)}")
    if plan.refused and not dry_run:
        if state.json:
            state.emit_json(payload)
        raise DraftSyncOffError(plan.refused)
    if dry_run:
        blocked = any(a.kind is ActionKind.BLOCK for a in plan.actions)
        code = dry_run_code(bool(plan.writes or pending) and not plan.refused, blocked)
        if state.json:
            state.emit_json(payload)
        run.finish(code, {}, RunStatus.DRY_RUN)
        return code
    question = f"Write {len(plan.writes)} order(s) to {plan.direction.receiver.label}?"
    if (plan.writes or pending) and not yes and not state.confirm(question):
        state.err_console().print("Nothing written.")
        run.finish(ExitCode.OK, {}, RunStatus.DECLINED)
        return ExitCode.OK
    report = run.apply(plan)
    activations = complete_activations(run, pending) if pending and report.stopped is None else ()
    code = max(report.exit_code, exit_code_for(activations)) if activations else report.exit_code
    run.finish(code, report.counts())
    if state.json:
        state.emit_json({**payload, "result": report_json(report),
                         "activations": [activation_json(o) for o in activations]})
    else:
        if plan.writes or report.counts()["blocked"]:
            state.console().print(outcomes_table(report))
        if activations:
            state.console().print(results_table(activations))
        if not plan.writes and not activations:
            state.err_console().print("Nothing to write.")
    if report.stopped is not None:
        state.err_console().print(printable(f"stopped: {report.stopped.reason}; run the same command again to finish"))
    if report.stopped_early:
        state.err_console().print(printable(f"stopped early: {report.stopped_early}"))
    if code == ExitCode.NOTHING_WRITTEN:
        state.err_console().print("nothing was written: every planned write failed (see the results above)")
    return code


def _sync(ctx: typer.Context, direction: Direction, scope_args: tuple[Any, ...], *, dry_run: bool, yes: bool,
          limit: int | None, plan_out: Path | None, create_customers: bool) -> int:
    state = app_context(ctx)
    settings = state.load_config().settings
    scope: Scope = scope_from(*scope_args, state.now())
    if plan_out is not None:
        check_writable_target(plan_out, "--plan-out")
    elif not dry_run:
        state.require_confirmation_possible(yes, "write")
    options = {"scope": [list(scope.order_ids), list(scope.customer_ids), str(scope.since or "")],
               "dry_run": dry_run, "yes": yes, "limit": limit, "create_customers": create_customers}
    with state.progress() as progress, SyncRun(settings, state.environ, RunOptions(direction.value, options),
                                               progress) as run:
        plan = limit_plan(run.plan(direction, scope, create_customers=create_customers), limit)
        if plan_out is not None:
            save_plan(plan, scope, plan_out)
            state.err_console().print(f"plan saved to {plan_out}; apply it with: nuesync apply {plan_out}")
            dry_run = True
        return _execute(state, run, plan, dry_run=dry_run, yes=yes)


def pull(ctx: typer.Context, order: OrderOpt = None, customer: CustomerOpt = None, since: SinceOpt = None,
         dry_run: DryRunOpt = False, yes: YesOpt = False, limit: LimitOpt = None, plan_out: PlanOutOpt = None,
         create_customers: CreateCustomersOpt = False) -> int:
    """Bring Nue drafts into Salesforce; Nue's values win."""
    return _sync(ctx, Direction.PULL, (order, customer, since), dry_run=dry_run, yes=yes, limit=limit,
                 plan_out=plan_out, create_customers=create_customers)


def push(ctx: typer.Context, order: OrderOpt = None, customer: CustomerOpt = None, since: SinceOpt = None,
         dry_run: DryRunOpt = False, yes: YesOpt = False, limit: LimitOpt = None, plan_out: PlanOutOpt = None,
         create_customers: CreateCustomersOpt = False) -> int:
    """Send Salesforce drafts to Nue; Salesforce's values win."""
    return _sync(ctx, Direction.PUSH, (order, customer, since), dry_run=dry_run, yes=yes, limit=limit,
                 plan_out=plan_out, create_customers=create_customers)


def apply(ctx: typer.Context, plan_file: Annotated[Path, typer.Argument(help="A plan saved with --plan-out.")],
          dry_run: DryRunOpt = False, yes: YesOpt = False) -> int:
    """Apply a saved plan; an order whose source changed since the plan is refused."""
    state = app_context(ctx)
    settings = state.load_config().settings
    saved = load_plan(plan_file)
    if not dry_run:
        state.require_confirmation_possible(yes, "write")
    if not saved.orders:
        state.err_console().print(f"{plan_file}: the plan has no orders to write; nothing to do.")
        return ExitCode.OK
    scope = Scope(order_ids=saved.sender_ids)
    options = {"plan_file": str(plan_file), "dry_run": dry_run, "yes": yes}
    with state.progress() as progress, SyncRun(settings, state.environ, RunOptions("apply", options),
                                               progress) as run:
        plan = recheck_plan(saved, run.plan(saved.direction, scope, every_order_named=False))
        return _execute(state, run, plan, dry_run=dry_run, yes=yes)
