"""What `pull`, `push` and `apply` do once their options are parsed: plan, show, confirm, write, verify.

Kept apart from the Typer commands (`sync_cmd`) so that building the CLI — every `--help` — never
imports the adapters; this module is loaded when one of those commands runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nuesync.activate import sync_and_complete
from nuesync.activate_rules import OUTSIDE_ACTIVATION
from nuesync.cli.context import AppContext
from nuesync.cli.options import dry_run_code
from nuesync.errors import ExitCode
from nuesync.fetch import Scope
from nuesync.files import check_writable_target
from nuesync.journal import RunStatus
from nuesync.plan import ActionKind, Plan, limit_plan
from nuesync.reconcile import Direction
from nuesync.render import (
    activation_json,
    activation_results_table,
    created_on_receiver,
    outcomes_table,
    plan_json,
    plan_renderables,
    report_json,
)
from nuesync.sync import DraftSyncOffError, RunOptions, SyncRun, load_plan, recheck_plan, save_plan
from nuesync.terminal import printable


def execute(state: AppContext, run: SyncRun, plan: Plan, *, dry_run: bool, yes: bool) -> int:
    """Show the plan; then stop (dry run, nothing to do, declined) or write and show the results.

    Activations that happened on one side only (a customer checked out in the portal) are
    completed after the writes, in the order's origin (rule 2 in docs/design.md).
    """
    payload: dict[str, Any] = {"plan": plan_json(plan)}
    pending = [c for c in run.reconciliation.orders if c.cls in OUTSIDE_ACTIVATION]
    if not state.json:
        state.print(plan_renderables(plan))
        if pending:
            state.print(f"Activations to complete in the origin system: {len(pending)}")
    if plan.refused and not dry_run:
        refusal = DraftSyncOffError(plan.refused)
        if state.json:
            state.emit_json(payload, refusal.exit_code, refusal)
        raise refusal
    if dry_run:
        blocked = any(a.kind is ActionKind.BLOCK for a in plan.actions)
        code = dry_run_code(bool(plan.writes or pending) and not plan.refused, blocked)
        if state.json:
            state.emit_json(payload, code)
        run.finish(code, {}, RunStatus.DRY_RUN)
        return code
    question = f"Write {len(plan.writes)} order(s) to {plan.direction.receiver.label}?"
    if (plan.writes or pending) and not yes and not state.confirm(question):
        state.err_console().print("Nothing written.")
        run.finish(ExitCode.OK, {}, RunStatus.DECLINED)
        if state.json:
            state.emit_json({**payload, "declined": True}, ExitCode.OK)
        return ExitCode.OK
    done = sync_and_complete(run, plan)
    report, activations, code = done.report, done.activations, done.exit_code
    if state.json:
        state.emit_json({**payload, "result": report_json(report),
                         "activations": [activation_json(o) for o in activations]}, code)
    else:
        if plan.writes or report.counts()["blocked"]:
            state.print(outcomes_table(report))
        if activations:
            state.print(activation_results_table(activations))
        if not plan.writes and not activations:
            state.err_console().print("Nothing to write.")
        created = created_on_receiver(report)
        if created:
            state.err_console().print(created)
    if report.stopped is not None:
        state.err_console().print(printable(f"stopped: {report.stopped.reason}; run the same command again to finish"))
    if report.stopped_early:
        state.err_console().print(printable(f"stopped early: {report.stopped_early}"))
    if code == ExitCode.NOTHING_WRITTEN:
        state.err_console().print("nothing was written: every planned write failed (see the results above)")
    return code


def sync(state: AppContext, direction: Direction, scope: Scope, *, dry_run: bool, yes: bool, limit: int | None,
         plan_out: Path | None, create_customers: bool) -> int:
    """`pull` or `push`: refuse what cannot be done before reading anything, then plan and execute."""
    settings = state.load_config().settings
    if plan_out is not None:
        check_writable_target(plan_out, "--plan-out")
    elif not dry_run:
        state.require_confirmation_possible(yes, "write")
    options = {"scope": [list(scope.order_ids), list(scope.customer_ids),
                         scope.since.isoformat() if scope.since else ("last" if scope.since_last_run else None)],
               "dry_run": dry_run, "yes": yes, "limit": limit, "create_customers": create_customers}
    with state.progress() as progress, SyncRun(settings, state.environ, RunOptions(direction.value, options),
                                               progress) as run:
        plan = limit_plan(run.plan(direction, scope, create_customers=create_customers), limit)
        if plan_out is not None:
            save_plan(plan, scope, plan_out)
            state.err_console().print(f"plan saved to {plan_out}; look at it with: nuesync show-plan {plan_out}; "
                                      f"apply it with: nuesync apply {plan_out}")
            dry_run = True
        return execute(state, run, plan, dry_run=dry_run, yes=yes)


def apply_saved(state: AppContext, plan_file: Path, *, dry_run: bool, yes: bool) -> int:
    """`apply FILE`: the saved plan's orders, each refused if its source changed since."""
    settings = state.load_config().settings
    saved = load_plan(plan_file)
    if not dry_run:
        state.require_confirmation_possible(yes, "write")
    if not saved.orders:
        state.err_console().print(f"{plan_file}: the plan has no orders to write; nothing to do.")
        if state.json:
            state.emit_json({"plan": None}, ExitCode.OK)
        return ExitCode.OK
    scope = Scope(order_ids=saved.sender_ids)
    options = {"plan_file": str(plan_file), "dry_run": dry_run, "yes": yes}
    with state.progress() as progress, SyncRun(settings, state.environ, RunOptions("apply", options),
                                               progress) as run:
        plan = recheck_plan(saved, run.plan(saved.direction, scope, every_order_named=False))
        return execute(state, run, plan, dry_run=dry_run, yes=yes)
