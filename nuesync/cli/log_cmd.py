"""`nuesync log`: recent runs from the journal, or one run's per-order outcomes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from nuesync.cli.context import app_context
from nuesync.errors import UsageError
from nuesync.journal import Journal, RunRecord
from nuesync.outcome import OrderOutcome
from nuesync.render import RESULT_STYLE, text

STATUS_STYLE = {"done": "green", "dry run": "cyan", "declined": "dim", "refused": "yellow", "blocked": "red",
                "partial": "bold red", "failed": "bold red", "interrupted": "bold red", "running": "bold red"}


def _runs_table(title: str, runs: list[RunRecord]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("run", "command", "target", "started", "finished", "status", "exit", "counts"):
        table.add_column(column, overflow="fold")
    for r in runs:
        counts = ", ".join(f"{k} {v}" for k, v in r.counts.items() if v)
        planned = ", ".join(f"{k} {v}" for k, v in r.planned.items() if v)
        summary = counts or (f"planned: {planned}" if planned else None)
        table.add_row(text(r.id), text(r.command), text(r.target), text(r.started_at), text(r.finished_at),
                      text(r.status, STATUS_STYLE.get(r.status, "")), text(r.exit_code), text(summary))
    return table


def _actions_table(run: RunRecord, rows: list[OrderOutcome]) -> Table:
    title = f"Run {run.id}: orders" + (f" — {run.error}" if run.error else "")
    detail = Table(title=title, title_justify="left")
    for column in ("order", "action", "outcome", "Nue id", "Salesforce id", "error"):
        detail.add_column(column, overflow="fold")
    for a in rows:
        detail.add_row(text(a.key), text(a.action), text(a.result.value, RESULT_STYLE.get(a.result.value, "")),
                       text(a.nue_id), text(a.salesforce_id),
                       text(": ".join(p for p in (a.error_code, a.message) if p) or None))
    return detail


def log(
    ctx: typer.Context,
    run: Annotated[int | None, typer.Option("--run", help="Show this run's per-order outcomes.",
                                            show_default=False)] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only runs that failed, with their failed orders.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many recent runs.")] = 20,
) -> None:
    """Show recent runs (with their target and status), and per-order outcomes with --run or --failed."""
    state = app_context(ctx)
    journal = Journal(state.load_config().settings.sync.journal_path())
    try:
        if run is not None:
            found = journal.run(run)
            if found is None:
                raise UsageError(f"no run {run} in the journal {journal.path}")
            runs = [found]
        else:
            runs = journal.runs(limit, failed_only=failed)
        detailed = runs if (run is not None or failed) else []
        actions = {r.id: journal.actions(r.id, failed_only=failed) for r in detailed}
    finally:
        journal.close()
    if state.json:
        state.emit_json({"runs": [{**asdict(r), "orders": [asdict(a) for a in actions.get(r.id, [])]}
                                  for r in runs]})
        return
    out = state.console()
    out.print(_runs_table(f"{'Failed runs' if failed else 'Runs'} in {journal.path}", runs))
    for r in detailed:
        if actions[r.id] or r.error:
            out.print(_actions_table(r, actions[r.id]))
