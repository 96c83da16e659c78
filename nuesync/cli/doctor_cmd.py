"""`nuesync doctor`: is this deployment ready to sync? One line per check; reads only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import typer
from rich.console import Group
from rich.table import Table
from rich.text import Text

from nuesync.cli.context import app_context
from nuesync.doctor import Check, Status, diagnose, exit_code
from nuesync.render import text

STATUS_LOOK: dict[Status, tuple[str, str]] = {
    Status.OK: ("ok", "green"),
    Status.WARN: ("warn", "yellow"),
    Status.FAIL: ("FAIL", "bold red"),
    Status.SKIP: ("skip", "dim"),
}


def checks_table(checks: Sequence[Check]) -> Table:
    """One row per check: status, name, what was found and, when it is not ok, how to fix it."""
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column("status", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("result", overflow="fold")
    for check in checks:
        label, style = STATUS_LOOK[check.status]
        result = text(check.detail)
        if check.fix:
            result.append(f"\nfix: {check.fix}", style="cyan")
        table.add_row(text(label, style), text(check.name, "bold"), result)
    return table


def verdict(checks: Sequence[Check]) -> Text:
    counts = Counter(check.status for check in checks)
    parts = [f"{counts[status]} {STATUS_LOOK[status][0].lower()}" for status in Status if counts[status]]
    code = exit_code(checks)
    return text(f"doctor: {', '.join(parts)} (exit {int(code)})", "bold red" if code else "bold green")


def doctor(ctx: typer.Context) -> int:
    """Check that a deployment is ready to sync: config, both APIs, the Salesforce API budget, every
    mapped Salesforce field (exists, type, writable, link fields External IDs), the Sync Draft Orders
    setting, the activated Order status, and that open drafts' customers are linked both ways.
    Reads only.

    \b
    Exit codes (warnings never fail):
      0  nothing failed
      7  an API could not be reached or refused the credentials
      6  the Salesforce API budget is spent
      2  any other failed check: config, missing secret, mapping, an org or Nue setting
    """
    state = app_context(ctx)
    with state.progress() as progress:
        checks = diagnose(state.load_config, state.environ, progress)
    code = exit_code(checks)
    if state.json:
        counts = Counter(check.status.value for check in checks)
        state.emit_json({"ok": code == 0, "exit_code": int(code), "counts": {s.value: counts[s.value] for s in Status},
                         "checks": [check.as_dict() for check in checks]})
    else:
        state.console().print(Group(checks_table(checks), verdict(checks)))
    return int(code)
