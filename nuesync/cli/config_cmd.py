"""`nuesync config check [PATH]`: validate a config and show what a run would use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from nuesync.cli.context import app_context
from nuesync.errors import MissingSecretError
from nuesync.settings_report import settings_report

app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True, rich_markup_mode=None)


@app.command("check")
def check(
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Argument(help="Config file to check (default: the one a run uses).")] = None,
) -> None:
    """Validate a config file and print the resolved settings, secrets masked, with their sources."""
    state = app_context(ctx)
    loaded = state.load_config(path)
    report = settings_report(loaded, state.environ)
    if state.json:
        state.emit_json(
            {
                "config_path": str(report.path),
                "valid": not report.missing,
                "settings": [row.as_dict() for row in report.settings],
                "secrets": [row.as_dict() for row in report.secrets],
            }
        )
    else:
        table = Table(title=f"nuesync config: {report.path}", title_justify="left")
        for column in ("setting", "value", "source"):
            table.add_column(column, overflow="fold")
        for row in report.settings:
            table.add_row(row.key, row.value, row.source)
        for secret in report.secrets:
            table.add_row(secret.key, secret.shown, "env")
        state.console().print(table)
    if report.missing:
        names = ", ".join(f"${row.env_var} (for {row.key})" for row in report.missing)
        raise MissingSecretError(f"{report.path}: secrets not set in the environment: {names}")
    if not state.json:
        state.err_console().print("config ok")
