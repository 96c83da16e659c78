"""What `nuesync activate` does once its options are parsed: decide, show, confirm, activate, report.

Kept apart from the Typer command (`activate_cmd`) so that building the CLI never imports the
adapters; this module is loaded when `activate` runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nuesync.activate import carry_out, decide_selection, select_orders, sync_plans
from nuesync.activate_rules import REFUSALS, ActivationDecision, Verdict
from nuesync.cli.context import AppContext
from nuesync.cli.options import dry_run_code
from nuesync.errors import ExitCode
from nuesync.journal import RunStatus
from nuesync.render import (
    activation_plan_view,
    activation_report_view,
    activation_results_json,
    decisions_json,
    plan_json,
    report_json,
)
from nuesync.sync import RunOptions, SyncRun


def _question(writes: Sequence[ActivationDecision]) -> str:
    syncing = sum(1 for d in writes if d.verdict is Verdict.SYNC_FIRST)
    first = f" (syncing {syncing} first)" if syncing else ""
    return f"Activate {len(writes)} order(s){first}?"


def activate_orders(state: AppContext, orders: Sequence[str], customers: Sequence[str], *, sync_first: bool,
                    dry_run: bool, yes: bool) -> int:
    settings = state.load_config().settings
    if not dry_run:
        state.require_confirmation_possible(yes, "activate")
    options = {"orders": list(orders), "customers": list(customers), "sync_first": sync_first,
               "dry_run": dry_run, "yes": yes}
    with state.progress() as progress, SyncRun(settings, state.environ, RunOptions("activate", options),
                                               progress) as run:
        decisions = decide_selection(select_orders(run, orders, customers), sync_first=sync_first)
        plans = sync_plans(run, decisions)
        payload: dict[str, Any] = {"activation": decisions_json(decisions), "sync": [plan_json(p) for p in plans]}
        if not state.json:
            state.print(activation_plan_view(decisions, plans))
        writes = [d for d in decisions if d.writes]
        if dry_run:
            code = dry_run_code(bool(writes), any(d.verdict in REFUSALS for d in decisions))
            if state.json:
                state.emit_json(payload, code)
            run.finish(code, {}, RunStatus.DRY_RUN)
            return code
        if writes and not yes and not state.confirm(_question(writes)):
            state.err_console().print("Nothing activated.")
            run.finish(ExitCode.OK, {}, RunStatus.DECLINED)
            if state.json:
                state.emit_json({**payload, "declined": True}, ExitCode.OK)
            return ExitCode.OK
        report = carry_out(run, decisions, plans)
        if state.json:
            state.emit_json({**payload, "sync_results": [report_json(r) for r in report.synced],
                             "result": activation_results_json(report)}, report.exit_code)
        else:
            state.print(activation_report_view(report))
        return report.exit_code
