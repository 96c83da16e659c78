"""`nuesync activate ORDER…`: activate in the origin system, then mirror; show both systems' results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from nuesync.activate import carry_out, decide_selection, select_orders, sync_plans
from nuesync.activate_rules import REFUSALS, ActivationDecision, ActivationOutcome, ActivationReport, Verdict
from nuesync.cli.context import AppContext, app_context
from nuesync.cli.options import CustomerOpt, DryRunOpt, YesOpt, dry_run_code
from nuesync.errors import ExitCode, UsageError
from nuesync.journal import RunStatus
from nuesync.model import System
from nuesync.plan import Plan
from nuesync.render import RESULT_STYLE, outcomes_table, plan_json, plan_renderables, report_json, text
from nuesync.sync import RunOptions, SyncRun

OrdersArg = Annotated[
    list[str] | None,
    typer.Argument(help="Nue order id, Nue order number (O-…) or Salesforce Order id.", metavar="ORDER",
                   show_default=False),
]
SyncFirstOpt = Annotated[bool, typer.Option(
    "--sync-first", help="Sync a differing order from its origin first (sender wins), then activate it.")]

VERDICT_LABEL: dict[Verdict, tuple[str, str]] = {
    Verdict.ACTIVATE: ("activate", "magenta"),
    Verdict.COMPLETE: ("complete activation", "magenta"),
    Verdict.NOTHING: ("nothing to do", "green"),
    Verdict.SYNC_FIRST: ("sync, then activate", "yellow"),
    Verdict.REFUSED: ("refused", "red"),
    Verdict.CONFLICT: ("conflict", "bold red"),
    Verdict.SKIPPED: ("skipped", "dim"),
}
STATE_STYLE = {"activated": "green", "already activated": "green", "draft": "", "canceled": "dim",
               "failed": "bold red", "absent": "dim"}


# --- rendering ---------------------------------------------------------------------------------


def _status(decision: ActivationDecision, system: System) -> str | None:
    order = decision.side(system)
    return order.status.value if order is not None else None


def decisions_table(decisions: Sequence[ActivationDecision]) -> Table:
    table = Table(title="Activation plan", title_justify="left")
    for column in ("order", "name", "origin", "Nue", "Salesforce", "action", "detail"):
        table.add_column(column, overflow="fold")
    for d in decisions:
        label, style = VERDICT_LABEL[d.verdict]
        detail = "; ".join(p for p in (d.reason, d.fix) if p)
        table.add_row(text(d.key), text(d.name), text(d.origin.label if d.origin else None),
                      text(_status(d, System.NUE)), text(_status(d, System.SALESFORCE)), text(label, style),
                      text(detail or None))
    return table


def plan_view(decisions: Sequence[ActivationDecision], plans: Sequence[Plan]) -> RenderableType:
    parts: list[RenderableType] = []
    if plans:
        parts.append(Text("Sync first (--sync-first): from each order's origin, sender wins", style="bold"))
        parts.extend(plan_renderables(plan) for plan in plans)
    parts.append(decisions_table(decisions))
    return Group(*parts)


def results_table(outcomes: Sequence[ActivationOutcome]) -> Table:
    table = Table(title="Activation results", title_justify="left")
    for column in ("order", "name", "origin", "Nue", "Salesforce", "result", "detail"):
        table.add_column(column, overflow="fold")
    for o in outcomes:
        detail = ": ".join(p for p in (o.error_code, o.message) if p)
        table.add_row(text(o.key), text(o.name), text(o.origin.label if o.origin else None),
                      text(o.nue.value, STATE_STYLE[o.nue.value]),
                      text(o.salesforce.value, STATE_STYLE[o.salesforce.value]),
                      text(o.result.value, RESULT_STYLE.get(o.result.value, "")), text(detail or None))
    return table


def decisions_json(decisions: Sequence[ActivationDecision]) -> dict[str, Any]:
    return {
        "counts": dict(Counter(d.verdict.value for d in decisions)),
        "orders": [
            {"key": d.key, "name": d.name, "order_number": d.order_number,
             "origin": d.origin.value if d.origin else None, "selected": d.selected.value,
             "action": d.verdict.value,
             "steps": [s.value for s in d.steps], "nue_id": d.id_in(System.NUE),
             "salesforce_id": d.id_in(System.SALESFORCE),
             "status": {s.value: _status(d, s) for s in System}, "code": d.code, "reason": d.reason,
             "fix": d.fix, "fields": list(d.fields)}
            for d in decisions
        ],
    }


def activation_json(o: ActivationOutcome) -> dict[str, Any]:
    return {"key": o.key, "name": o.name, "origin": o.origin.value if o.origin else None, "result": o.result.value,
            "nue": {"id": o.nue_id, "state": o.nue.value},
            "salesforce": {"id": o.salesforce_id, "state": o.salesforce.value},
            "error_code": o.error_code, "message": o.message, "fields": list(o.fields)}


def results_json(report: ActivationReport) -> dict[str, Any]:
    return {"counts": report.counts(), "orders": [activation_json(o) for o in report.outcomes]}


# --- the command ---------------------------------------------------------------------------------


def _question(writes: Sequence[ActivationDecision]) -> str:
    syncing = sum(1 for d in writes if d.verdict is Verdict.SYNC_FIRST)
    first = f" (syncing {syncing} first)" if syncing else ""
    return f"Activate {len(writes)} order(s){first}?"


def _show_report(state: AppContext, payload: dict[str, Any], report: ActivationReport) -> None:
    if state.json:
        state.emit_json({**payload, "sync_results": [report_json(r) for r in report.synced],
                         "result": results_json(report)})
        return
    out = state.console()
    for synced in report.synced:
        out.print(outcomes_table(synced))
    out.print(results_table(report.outcomes))


def activate(ctx: typer.Context, orders: OrdersArg = None, customer: CustomerOpt = None,
             sync_first: SyncFirstOpt = False, dry_run: DryRunOpt = False, yes: YesOpt = False) -> int:
    """Activate orders in the system where they were created, then in the other one.

    An order must be the same on both sides (or use --sync-first). An order activated on one side
    only (a portal checkout, or a run that stopped half way) is completed; one activated on both
    is left alone. --customer takes the customer's ready drafts: linked and in sync.
    Exits 5 when an order is refused (the sides differ) or its records contradict each other,
    4 when an activation failed (run again to complete it).
    """
    state = app_context(ctx)
    if not orders and not customer:
        raise UsageError("name the orders to activate (Nue order id or number, Salesforce Order id) or use --customer")
    settings = state.load_config().settings
    if not dry_run:
        state.require_confirmation_possible(yes, "activate")
    options = {"orders": list(orders or ()), "customers": list(customer or ()), "sync_first": sync_first,
               "dry_run": dry_run, "yes": yes}
    with state.progress() as progress, SyncRun(settings, state.environ, RunOptions("activate", options),
                                               progress) as run:
        decisions = decide_selection(select_orders(run, orders or (), customer or ()), sync_first=sync_first)
        plans = sync_plans(run, decisions)
        payload: dict[str, Any] = {"activation": decisions_json(decisions), "sync": [plan_json(p) for p in plans]}
        if not state.json:
            state.console().print(plan_view(decisions, plans))
        writes = [d for d in decisions if d.writes]
        if dry_run:
            code = dry_run_code(bool(writes), any(d.verdict in REFUSALS for d in decisions))
            if state.json:
                state.emit_json(payload)
            run.finish(code, {}, RunStatus.DRY_RUN)
            return code
        if writes and not yes and not state.confirm(_question(writes)):
            state.err_console().print("Nothing activated.")
            run.finish(ExitCode.OK, {}, RunStatus.DECLINED)
            return ExitCode.OK
        report = carry_out(run, decisions, plans)
        _show_report(state, payload, report)
        return report.exit_code

