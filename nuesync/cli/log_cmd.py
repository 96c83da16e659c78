"""`nuesync log`: recent runs from the journal, or one run's per-order outcomes."""

from __future__ import annotations

from typing import Annotated

import typer

from nuesync.cli.context import app_context
from nuesync.cli.options import whole_number
from nuesync.errors import ExitCode, UsageError


def log(
    ctx: typer.Context,
    run: Annotated[int | None, typer.Option("--run", help="Show this run's per-order outcomes.", metavar="ID",
                                            parser=whole_number(1, "a run id"), show_default=False)] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only runs that failed, with their failed orders.")] = False,
    limit: Annotated[int, typer.Option("--limit", help="How many recent runs (default 20).", metavar="N",
                                       parser=whole_number(1), show_default=False)] = 20,
) -> int:
    """Show recent runs (with their target and status), and per-order outcomes with --run or --failed;
    --failed also lists the listener's deliveries that failed, wait for a person, or were refused.

    Times are UTC (ISO 8601); --json adds each run's options and API usage.

    \b
    Examples:
      nuesync log
      nuesync log --failed                    # what needs a person: failed runs and their orders
      nuesync log --run 42
      nuesync --json log --limit 100
    """
    from nuesync.journal import Journal
    from nuesync.listen.queue import deliveries_needing_a_look
    from nuesync.render_reports import log_json, log_view

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
        outcomes = {r.id: journal.actions(r.id, failed_only=failed) for r in detailed}
        deliveries = deliveries_needing_a_look(journal, limit) if failed else []
    finally:
        journal.close()
    if state.json:
        state.emit_json(log_json(runs, outcomes, deliveries), ExitCode.OK)
    else:
        with state.paged():
            state.print(log_view(f"{'Failed runs' if failed else 'Runs'} in {journal.path}", runs, outcomes,
                                 deliveries))
    return ExitCode.OK
