"""A follow-up for people (tables that fit any width) and for machines (`--json`): the same facts.

Pure like `nuesync.render`: data in, renderables or plain dicts out, untrusted text (order and
customer names) always as `Text` made printable.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from nuesync.followup.rules import (
    CartDecision,
    FollowupAction,
    FollowupPlan,
    FollowupReport,
    OwnerSource,
    idle,
    last_change,
)
from nuesync.render import (
    OUTCOME_HEADING,
    iso_utc,
    outcome_cells,
    outcome_columns,
    outcome_json,
    text,
    total_text,
)
from nuesync.tables import Column, FittedTable

ACTION_STYLE = {FollowupAction.CREATE: "cyan", FollowupAction.SKIP: "dim", FollowupAction.BLOCK: "red"}
CART_COLUMNS = (
    Column("Nue id"), Column("Salesforce id", drop=4), Column("name", wrap=True, min_width=16, drop=3),
    Column("customer", wrap=True, drop=2), Column("age", justify="right"), Column("total", justify="right", drop=1),
    Column("action"), Column("detail", wrap=True, min_width=24),
)


def _detail(d: CartDecision) -> str | None:
    if d.task is not None:
        whose = "the fallback owner" if d.owner_source is OwnerSource.FALLBACK else "the Account's owner"
        return f"task for {whose} {d.task.owner_id}, due {d.task.due}: {d.task.subject}"
    return "; ".join(p for p in (d.reason, d.fix) if p) or None


def plan_view(plan: FollowupPlan, older_than: str) -> Group:
    """The carts found and what happens to each, after a line saying what counts as abandoned."""
    parts: list[RenderableType] = [Text(
        f"Follow-up tasks: self-service carts in Salesforce unchanged for {older_than} (since "
        f"{iso_utc(plan.cutoff)})", style="bold")]
    counts = [[text(action, ACTION_STYLE[FollowupAction(action)]), text(f"{n:,}")]
              for action, n in plan.counts().items() if n]
    parts.append(FittedTable((Column("action"), Column("carts", justify="right")), counts))
    if not plan.decisions:
        parts.append(text("no abandoned carts", "dim"))
        return Group(*parts)
    rows = []
    for d in plan.decisions:
        order = d.nue
        rows.append([text(d.key), text(d.salesforce.links.salesforce_id), text(order.name), text(order.customer.name),
                     text(idle(d.cart, plan.now)),
                     text(f"{total_text(order)} {order.currency or ''}".strip()),
                     text(d.action.value, ACTION_STYLE[d.action]), text(_detail(d))])
    parts.append(FittedTable(CART_COLUMNS, rows, title="Carts", heading=(0, 1)))
    return Group(*parts)


def report_view(report: FollowupReport) -> RenderableType:
    """Each cart's outcome (skipped carts too: a follow-up's skips say why nothing was done)."""
    columns = outcome_columns(report.outcomes)
    return FittedTable(columns, [outcome_cells(o, columns) for o in report.outcomes], title="Results (followup)",
                       heading=OUTCOME_HEADING)


def _task_json(d: CartDecision) -> dict[str, Any] | None:
    task = d.task
    if task is None:
        return None
    return {"subject": task.subject, "description": task.description, "due_date": task.due.isoformat(),
            "status": task.status, "priority": task.priority, "owner_id": task.owner_id,
            "what_id": task.order_id, "who_id": task.contact_id}


def _cart_json(d: CartDecision, plan: FollowupPlan) -> dict[str, Any]:
    order = d.nue
    return {
        "key": d.key, "nue_id": order.links.nue_id, "salesforce_id": d.salesforce.links.salesforce_id,
        "name": order.name, "order_number": order.order_number, "customer": order.customer.name,
        "account_id": d.salesforce.customer.links.salesforce_id, "total": total_text(order),
        "currency": order.currency, "last_modified": iso_utc(last_change(d.cart)),
        "age": idle(d.cart, plan.now), "action": d.action.value,
        "owner_source": d.owner_source.value if d.owner_source else None, "existing_task_id": d.existing_task,
        "reason": d.reason, "fix": d.fix, "task": _task_json(d),
    }


def followup_json(report: FollowupReport, older_than: str) -> dict[str, Any]:
    """The plan, then (unless a dry run or a declined prompt) each cart's outcome with the Task created."""
    plan = report.plan
    document: dict[str, Any] = {
        "older_than": older_than, "cutoff": iso_utc(plan.cutoff),
        "plan": {"counts": plan.counts(), "carts": [_cart_json(d, plan) for d in plan.decisions]},
    }
    if report.declined:
        document["declined"] = True
    elif not report.dry_run:
        stopped = report.stopped
        document["result"] = {
            "stopped": {"reason": stopped.reason, "exit_code": int(stopped.exit_code)} if stopped else None,
            "counts": report.counts(),
            "carts": [{**outcome_json(o), "task_id": report.task_ids.get(o.key)} for o in report.outcomes],
        }
    return document
