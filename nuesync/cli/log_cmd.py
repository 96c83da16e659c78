"""`nuesync log`: recent runs from the journal, or one run's per-order outcomes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from nuesync.cli.context import app_context
from nuesync.errors import UsageError
from nuesync.journal import Journal
from nuesync.render import RESULT_STYLE, text


def log(
    ctx: typer.Context,
    run: Annotated[int | None, typer.Option("--run", help="Show this run's per-order outcomes.",
                                            show_default=False)] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed or blocked orders.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many recent runs.")] = 20,
) -> None:
    """Show recent writing runs, and per-order outcomes with --run (or --failed)."""
    state = app_context(ctx)
    journal = Journal(state.load_config().settings.sync.journal_path())
    try:
        runs = [journal.run(run)] if run is not None else journal.runs(limit)
        if run is not None and runs[0] is None:
            raise UsageError(f"no run {run} in the journal {journal.path}")
        detailed = [r for r in runs if r is not None and (run is not None or failed)]
        actions = {r.id: journal.actions(r.id, failed_only=failed) for r in detailed}
    finally:
        journal.close()
    if state.json:
        state.emit_json({
            "runs": [{**r.__dict__, "orders": [a.__dict__ for a in actions.get(r.id, [])]} for r in runs if r],
        })
        return
    table = Table(title=f"Runs in {journal.path}", title_justify="left")
    for column in ("run", "command", "started", "finished", "exit", "counts"):
        table.add_column(column, overflow="fold")
    for r in runs:
        if r is not None:
            counts = ", ".join(f"{k} {v}" for k, v in r.counts.items() if v)
            table.add_row(text(r.id), text(r.command), text(r.started_at), text(r.finished_at),
                          text(r.exit_code), text(counts or None))
    out = state.console()
    out.print(table)
    for run_id, rows in actions.items():
        detail = Table(title=f"Run {run_id}: orders", title_justify="left")
        for column in ("order", "action", "outcome", "Nue id", "Salesforce id", "error"):
            detail.add_column(column, overflow="fold")
        for a in rows:
            detail.add_row(text(a.order_key), text(a.action), text(a.outcome, RESULT_STYLE.get(a.outcome, "")),
                           text(a.nue_id), text(a.salesforce_id),
                           text(": ".join(p for p in (a.error_code, a.message) if p) or None))
        out.print(detail)
