"""`nuesync show-plan FILE`: a plan saved with --plan-out, as a table or a JSON document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from nuesync.cli.context import app_context
from nuesync.errors import ExitCode


def show_plan(ctx: typer.Context,
              plan_file: Annotated[Path, typer.Argument(metavar="FILE", hidden=True, show_default=False)]) -> int:
    """Show a plan saved with --plan-out (FILE) without reading either system, like `terraform show`.

    The direction, the scope it was made for, and each order it would write: action, name,
    customer, lines and total. --json adds each order as saved (what `apply` re-checks).

    \b
    Examples:
      nuesync push --plan-out plan.json && nuesync show-plan plan.json
      nuesync --json show-plan plan.json | jq '.plan.counts'
    """
    from nuesync.render_reports import saved_plan_json, saved_plan_view
    from nuesync.sync import load_plan

    state = app_context(ctx)
    load_plan(plan_file)  # every way the file can be wrong is one usage error, checked here
    document = saved_plan_json(plan_file, json.loads(plan_file.read_bytes()))
    if state.json:
        state.emit_json(document, ExitCode.OK)
    else:
        with state.paged():
            state.print(saved_plan_view(document))
    return ExitCode.OK
