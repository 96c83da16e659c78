"""Tables and JSON for the commands that report rather than sync: `log`, `doctor`, `config check`,
`show-plan` and `demo`. Pure like `nuesync.render`: data in, renderables or dicts out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from nuesync.doctor.checks import Check, Status, exit_code
from nuesync.journal import RunRecord
from nuesync.listen.queue import Delivery
from nuesync.model import DraftOrder
from nuesync.outcome import OrderOutcome
from nuesync.reconcile import Direction
from nuesync.render import (
    ACTION_STYLE,
    OUTCOME_HEADING,
    outcome_cells,
    outcome_columns,
    outcome_json,
    parse_moment,
    span,
    stored_time,
    text,
    total_text,
)
from nuesync.settings_report import SettingsReport
from nuesync.tables import Column, FittedTable

# --- log ----------------------------------------------------------------------------------------

STATUS_STYLE = {"done": "green", "dry run": "cyan", "declined": "dim", "refused": "yellow", "blocked": "red",
                "partial": "bold red", "failed": "bold red", "interrupted": "bold red", "running": "bold red"}
RUN_COLUMNS = (
    Column("run", justify="right"), Column("command"), Column("target", wrap=True, min_width=18), Column("started"),
    Column("took", justify="right", drop=1), Column("status"), Column("exit", justify="right"),
    Column("counts", wrap=True, min_width=14),
)


def duration_seconds(run: RunRecord) -> float | None:
    """How long a finished run took; None while it runs, or when a time is unreadable."""
    started, finished = parse_moment(run.started_at), parse_moment(run.finished_at)
    if started is None or finished is None:
        return None
    return max(0.0, (finished - started).total_seconds())


def _summary(run: RunRecord) -> str | None:
    counts = ", ".join(f"{k} {v}" for k, v in run.counts.items() if v)
    planned = ", ".join(f"{k} {v}" for k, v in run.planned.items() if v)
    return counts or (f"planned: {planned}" if planned else None)


def runs_table(title: str, runs: Sequence[RunRecord]) -> FittedTable:
    rows = []
    for r in runs:
        took = duration_seconds(r)
        rows.append([text(r.id), text(r.command), text(r.target), text(stored_time(r.started_at)),
                     text(span(took, to_the_second=True) if took is not None else None),
                     text(r.status, STATUS_STYLE.get(r.status, "")), text(r.exit_code), text(_summary(r))])
    return FittedTable(RUN_COLUMNS, rows, title=title, heading=(0, 1))


def run_outcomes_table(run: RunRecord, outcomes: Sequence[OrderOutcome]) -> FittedTable:
    columns = outcome_columns(outcomes)
    title = f"Run {run.id}: orders" + (f" — {run.error}" if run.error else "")
    return FittedTable(columns, [outcome_cells(o, columns) for o in outcomes], title=text(title).plain,
                       heading=OUTCOME_HEADING)


DELIVERY_COLUMNS = (
    Column("delivery", justify="right"), Column("received"), Column("source"), Column("event"), Column("order"),
    Column("state"), Column("attempts", justify="right", drop=2), Column("target", wrap=True, min_width=18, drop=1),
    Column("error", wrap=True, min_width=20),
)
DELIVERY_STYLE = {"failed": "bold red", "blocked": "red", "rejected": "yellow"}


def deliveries_table(deliveries: Sequence[Delivery]) -> FittedTable:
    """The listener's deliveries that need a look: failed, blocked (waiting for a person), rejected."""
    rows = [[text(d.id), text(stored_time(d.received_at)), text(d.source.value), text(d.event), text(d.order_id),
             text(d.state.value, DELIVERY_STYLE.get(d.state.value, "")), text(d.attempts), text(d.target),
             text(d.last_error)] for d in deliveries]
    return FittedTable(DELIVERY_COLUMNS, rows, title="Deliveries that failed, wait for a person, or were refused "
                                                     "(replay with: nuesync retry ID…)", heading=(0, 5))


def log_view(title: str, runs: Sequence[RunRecord], outcomes: Mapping[int, Sequence[OrderOutcome]],
             deliveries: Sequence[Delivery] = ()) -> Group:
    """The runs, then each detailed run's per-order outcomes (those with something to show), then the
    listener's deliveries that need a look."""
    parts: list[RenderableType] = [runs_table(title, runs)]
    parts.extend(run_outcomes_table(r, outcomes[r.id]) for r in runs
                 if r.id in outcomes and (outcomes[r.id] or r.error))
    if deliveries:
        parts.append(deliveries_table(deliveries))
    return Group(*parts)


def delivery_json(d: Delivery) -> dict[str, Any]:
    return {"id": d.id, "target": d.target, "source": d.source.value, "event": d.event, "order_id": d.order_id,
            "received_at": stored_time(d.received_at), "state": d.state.value, "attempts": d.attempts,
            "duplicates": d.duplicates, "error": d.last_error, "finished_at": stored_time(d.finished_at)}


def log_json(runs: Sequence[RunRecord], outcomes: Mapping[int, Sequence[OrderOutcome]],
             deliveries: Sequence[Delivery] = ()) -> dict[str, Any]:
    return {"runs": [
        {**asdict(r), "started_at": stored_time(r.started_at), "finished_at": stored_time(r.finished_at),
         "duration_seconds": duration_seconds(r), "orders": [outcome_json(o) for o in outcomes.get(r.id, [])]}
        for r in runs
    ], "deliveries": [delivery_json(d) for d in deliveries]}


# --- doctor -------------------------------------------------------------------------------------

STATUS_LOOK: dict[Status, tuple[str, str]] = {
    Status.OK: ("ok", "green"),
    Status.WARN: ("warn", "yellow"),
    Status.FAIL: ("FAIL", "bold red"),
    Status.SKIP: ("skip", "dim"),
}
CHECK_COLUMNS = (Column("status"), Column("check"), Column("result", wrap=True, min_width=30))


def checks_table(checks: Sequence[Check]) -> FittedTable:
    """One row per check: status, name, what was found and, when it is not ok, how to fix it."""
    rows = []
    for check in checks:
        label, style = STATUS_LOOK[check.status]
        result = text(check.detail)
        if check.fix:
            result.append(f"\nfix: {text(check.fix).plain}", style="cyan")
        rows.append([text(label, style), text(check.name, "bold"), result])
    return FittedTable(CHECK_COLUMNS, rows, show_header=False, heading=(0, 1))


def doctor_view(checks: Sequence[Check]) -> Group:
    counts = Counter(check.status for check in checks)
    parts = [f"{counts[status]} {STATUS_LOOK[status][0].lower()}" for status in Status if counts[status]]
    code = exit_code(checks)
    verdict = text(f"doctor: {', '.join(parts)} (exit {int(code)})", "bold red" if code else "bold green")
    return Group(checks_table(checks), verdict)


def doctor_json(checks: Sequence[Check]) -> dict[str, Any]:
    counts = Counter(check.status.value for check in checks)
    return {"counts": {s.value: counts[s.value] for s in Status}, "checks": [check.as_dict() for check in checks]}


# --- config check -------------------------------------------------------------------------------

# A value may be a long path or URL: it folds rather than turn 50 settings into 150 stacked lines.
SETTING_COLUMNS = (Column("setting"), Column("value", wrap=True, min_width=20, whole_words=False), Column("source"))


def settings_table(report: SettingsReport) -> FittedTable:
    rows = [[text(row.key), text(row.value), text(row.source)] for row in report.settings]
    rows += [[text(secret.key), text(secret.shown), text("env")] for secret in report.secrets]
    return FittedTable(SETTING_COLUMNS, rows, title=text(f"nuesync config: {report.path}").plain)


def settings_json(report: SettingsReport) -> dict[str, Any]:
    return {"config_path": str(report.path), "valid": not report.missing,
            "settings": [row.as_dict() for row in report.settings],
            "secrets": [row.as_dict() for row in report.secrets]}


# --- saved plans (`show-plan`) ------------------------------------------------------------------

WRITE_KINDS = ("create", "update", "link")  # what a saved plan holds: the actions that write
SAVED_ORDER_COLUMNS = (
    Column("order"), Column("action"), Column("name", wrap=True, min_width=16, drop=1),
    Column("customer", wrap=True, drop=2), Column("lines", justify="right"), Column("total", justify="right"),
)


def _sender(dump: Any) -> DraftOrder | None:
    """The sender order as saved; None when the dump does not read as an order."""
    try:
        return DraftOrder.model_validate(dump)
    except ValueError:
        return None


def saved_plan_json(path: Path, document: Mapping[str, Any]) -> dict[str, Any]:
    """A plan file (already checked by `nuesync.sync.load_plan`) as a document to read or script."""
    direction = Direction(document["direction"])
    scope = document.get("scope") if isinstance(document.get("scope"), dict) else {}
    orders = []
    for entry in document["orders"]:
        order = _sender(entry.get("sender"))
        orders.append({
            "key": entry.get("key"), "action": entry.get("kind"), "sender_id": entry["sender_id"],
            "sender_hash": entry["sender_hash"],
            "name": order.name if order else None,
            "customer": order.customer.name if order else None,
            "lines": len(order.lines) if order else None,
            "total": total_text(order) if order else None,
            "currency": order.currency if order else None,
            "readable": order is not None,
            "sender": entry.get("sender"),
        })
    counts = dict.fromkeys(WRITE_KINDS, 0) | Counter(str(o["action"]) for o in orders)
    return {"plan": {
        "file": str(path), "format": document["format"], "direction": direction.value,
        "sender": direction.sender.value, "receiver": direction.receiver.value,
        "scope": {"order_ids": list(scope.get("order_ids") or []),
                  "customer_ids": list(scope.get("customer_ids") or []), "since": stored_time(scope.get("since"))},
        "counts": counts, "orders": orders,
    }}


def saved_plan_view(document: Mapping[str, Any]) -> Group:
    """What `saved_plan_json` says, for a person: direction, scope, counts, one row per order."""
    plan = document["plan"]
    direction = Direction(plan["direction"])
    scope = plan["scope"]
    described = [f"orders {', '.join(scope['order_ids'])}" if scope["order_ids"] else "",
                 f"customers {', '.join(scope['customer_ids'])}" if scope["customer_ids"] else "",
                 f"changed since {scope['since']}" if scope["since"] else ""]
    rows = [[text(o["key"]), text(o["action"], ACTION_STYLE.get(str(o["action"]), "")),
             text(o["name"] if o["readable"] else "(unreadable order)"), text(o["customer"]), text(o["lines"]),
             text(f"{o['total']} {o['currency'] or ''}".strip() if o["total"] is not None else None)]
            for o in plan["orders"]]
    counts = FittedTable((Column("action"), Column("orders", justify="right")),
                         [[text(k, ACTION_STYLE.get(k, "")), text(f"{v:,}")] for k, v in plan["counts"].items()])
    return Group(
        Text(f"Saved plan: {direction.sender.label} → {direction.receiver.label} ({direction.value})", style="bold"),
        text(f"file: {plan['file']}"),
        text(f"scope: {'; '.join(p for p in described if p) or 'every draft'}"),
        counts,
        FittedTable(SAVED_ORDER_COLUMNS, rows, title="Orders to write"),
        Text(f"apply it with: nuesync apply {text(plan['file']).plain}", style="dim"),
    )


# --- demo ---------------------------------------------------------------------------------------


def demo_json(steps: Sequence[tuple[str, str, int, int]]) -> dict[str, Any]:
    """Each step played: its sentence, the command line, and the exit code it ended with and expected."""
    return {"steps": [{"step": number, "sentence": sentence, "command": command, "exit_code": code,
                       "expected": expected}
                      for number, (sentence, command, code, expected) in enumerate(steps, start=1)]}

