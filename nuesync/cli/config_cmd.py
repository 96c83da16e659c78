"""`nuesync config check [PATH]`: validate a config and show what a run would use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nuesync.cli.context import app_context
from nuesync.errors import ExitCode, MissingSecretError

app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True, rich_markup_mode=None)


@app.command("check")
def check(
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Argument(metavar="PATH", hidden=True, show_default=False)] = None,
) -> int:
    """Validate a config file (PATH, default: the one a run uses) and print the resolved settings,
    secrets masked, with their sources.

    \b
    Examples:
      nuesync config check
      nuesync config check prod.toml
      nuesync --json config check | jq '.settings[] | select(.source == "file")'
    """
    from nuesync.render_reports import settings_json, settings_table
    from nuesync.settings_report import settings_report

    state = app_context(ctx)
    loaded = state.load_config(path)
    report = settings_report(loaded, state.environ)
    missing = None
    if report.missing:
        names = ", ".join(f"${row.env_var} (for {row.key})" for row in report.missing)
        missing = MissingSecretError(f"{report.path}: secrets not set in the environment: {names}")
    if state.json:
        state.emit_json(settings_json(report), missing.exit_code if missing else ExitCode.OK, missing)
    else:
        state.print(settings_table(report))
    if missing is not None:
        raise missing
    if not state.json:
        state.err_console().print("config ok")
    return ExitCode.OK
