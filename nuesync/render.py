"""Turn results into rich tables for people and JSON documents for machines: the same facts.

Every function here takes data and returns renderables or plain dicts; nothing prints, so the
tables can be snapshot-tested at a fixed width and the JSON asserted field by field. Untrusted
text (customer names, field values) is always passed as `Text`, never parsed as markup, and made
`printable` first: a record is data, and must never be able to drive the admin's terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from nuesync.adapters.base import RecordProblem
from nuesync.apply import ApplyReport
from nuesync.model import DraftOrder, decimal_text
from nuesync.plan import OrderAction, Plan
from nuesync.reconcile import FieldDiff, LineDiff, OrderClass, OrderComparison, Presence, Reconciliation

# One meaning per colour, everywhere: green agrees, yellow differs, cyan exists on one side,
# magenta is activation, red needs a person.
CLASS_STYLE: dict[OrderClass, str] = {
    OrderClass.IN_SYNC: "green",
    OrderClass.DIFFERS: "yellow",
    OrderClass.ONLY_IN_NUE: "cyan",
    OrderClass.ONLY_IN_SALESFORCE: "cyan",
    OrderClass.ACTIVATED_IN_NUE_ONLY: "magenta",
    OrderClass.ACTIVATED_IN_SALESFORCE_ONLY: "magenta",
    OrderClass.LINK_CONFLICT: "bold red",
    OrderClass.CUSTOMER_UNLINKED: "red",
    OrderClass.MALFORMED: "bold red",
}
CLASS_LABEL: dict[OrderClass, str] = {
    OrderClass.IN_SYNC: "in sync",
    OrderClass.DIFFERS: "differs",
    OrderClass.ONLY_IN_NUE: "only in Nue",
    OrderClass.ONLY_IN_SALESFORCE: "only in Salesforce",
    OrderClass.ACTIVATED_IN_NUE_ONLY: "activated in Nue only",
    OrderClass.ACTIVATED_IN_SALESFORCE_ONLY: "activated in Salesforce only",
    OrderClass.LINK_CONFLICT: "link conflict",
    OrderClass.CUSTOMER_UNLINKED: "customer not linked",
    OrderClass.MALFORMED: "malformed record",
}
MISSING = "—"


# What a terminal would act on rather than show: C0 controls (newline and tab included: they
# break a table's rows and columns), DEL, C1 controls (U+0085 and U+009B are a newline and a CSI to
# some terminals), Unicode bidi overrides and isolates (they reorder what follows on the line, so
# a name can show as something it is not), and the Unicode line and paragraph separators.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(value: str) -> str:
    """`value` with every character a terminal would act on shown as an escape (`\\x1b`, `\\u202e`).

    Order names, customer names, field values and error messages come from either API; an
    `ESC [2J` in an order name would otherwise clear the admin's screen, `--no-color` or not.
    """
    return _UNPRINTABLE.sub(_escape, value)


def text(value: Any, style: str = "") -> Text:
    """Untrusted text as a literal (a `[` in a customer name stays a `[`), made `printable`."""
    if value is None:
        return Text(MISSING, style="dim")
    return Text(printable(str(value)), style=style)


# Enough digits to keep a total exact: with the model's bounds on amounts (16 digits before the
# point, 2 after), a line's discounted gross has at most 55 digits and the order's at most 74
# plus one per tenfold of lines; the default 28 would make `quantize` fail on large amounts.
_TOTAL_PRECISION = 100


def order_total(order: DraftOrder) -> Decimal:
    """Sum of lines (quantity × price, less line discounts), less the order discount."""
    zero, hundred = Decimal(0), Decimal(100)
    with localcontext(prec=_TOTAL_PRECISION):
        total = zero
        for line in order.lines:
            gross = (line.quantity or zero) * (line.unit_price or zero)
            total += gross * (1 - (line.discount.percent or zero) / hundred) - (line.discount.amount or zero)
        total = total * (1 - (order.discount.percent or zero) / hundred) - (order.discount.amount or zero)
        total = total.quantize(Decimal("0.01"))
    return abs(total) if total.is_zero() else total


def _age(order: DraftOrder, now: datetime) -> str:
    if order.last_modified is None:
        return MISSING
    seconds = (now - order.last_modified).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return "now"


# --- diff: tables ------------------------------------------------------------------------------


def summary_table(result: Reconciliation) -> Table:
    table = Table()
    table.add_column("class")
    table.add_column("orders", justify="right")
    for cls, count in result.counts().items():
        if count:
            table.add_row(text(CLASS_LABEL[cls], CLASS_STYLE[cls]), text(count))
    if not result.orders and not result.problems:
        table.add_row(text("no draft orders in scope", "dim"), text(0))
    return table


def _field_rows(table: Table, diffs: Iterable[FieldDiff], indent: str = "") -> None:
    for diff in diffs:
        table.add_row(text(indent + diff.field), text(diff.nue, "blue"), text(diff.salesforce, "blue"))


def _line_rows(table: Table, line: LineDiff) -> None:
    label = {Presence.BOTH: "", Presence.ONLY_IN_NUE: " (only in Nue)",
             Presence.ONLY_IN_SALESFORCE: " (only in Salesforce)"}[line.presence]
    table.add_row(text(f"line {line.key}{label}", "bold"), text(""), text(""))
    if line.presence is Presence.BOTH:
        _field_rows(table, line.fields, indent="  ")
        return
    present = line.nue or line.salesforce
    shown = f"qty {decimal_text(present.quantity)}" if present and present.quantity is not None else "present"
    nue, sf = (shown, None) if line.presence is Presence.ONLY_IN_NUE else (None, shown)
    table.add_row(text("  quantity"), text(nue), text(sf))


def order_table(comparison: OrderComparison) -> Group:
    """One differing order: a heading line, then field, Nue value, Salesforce value, lines grouped under it."""
    order = comparison.nue or comparison.salesforce
    name = order.name if order else None
    origin = comparison.origin.label if comparison.origin else "unknown"
    heading = Text.assemble(
        ("Order ", "bold"), (printable(comparison.key), "bold"), (f"  {printable(name)}" if name else ""),
        "  ", (CLASS_LABEL[comparison.cls], CLASS_STYLE[comparison.cls]), f"  origin: {origin}",
    )
    table = Table()
    table.add_column("field", overflow="fold")
    table.add_column("Nue", overflow="fold")
    table.add_column("Salesforce", overflow="fold")
    if comparison.nue and comparison.salesforce:
        table.add_row(text("status"), text(comparison.nue.status.value), text(comparison.salesforce.status.value))
    _field_rows(table, (d for d in comparison.header if d.field != "status"))
    for line in comparison.lines:
        _line_rows(table, line)
    for note in comparison.notes:
        table.add_row(text("note", "bold red"), text(note), text(""))
    return Group(heading, table)


def orphans_table(orphans: list[OrderComparison], now: datetime) -> Table:
    table = Table(title="Orders on one side only", title_justify="left")
    for column in ("class", "order", "name", "origin", "customer", "age", "total"):
        table.add_column(column, justify="right" if column in {"age", "total"} else "left", overflow="fold",
                         no_wrap=column in {"order", "origin", "age", "total"})
    for comparison in orphans:
        order = comparison.nue or comparison.salesforce
        assert order is not None
        customer = order.customer.name or order.customer.links.nue_id or order.customer.links.salesforce_id
        table.add_row(
            text(CLASS_LABEL[comparison.cls], CLASS_STYLE[comparison.cls]), text(comparison.key), text(order.name),
            text(comparison.origin.label if comparison.origin else None), text(customer), text(_age(order, now)),
            text(f"{order_total(order)} {order.currency or ''}".strip()),
        )
    return table


def problems_table(problems: Iterable[RecordProblem]) -> Table:
    table = Table(title="Records that could not be read", title_justify="left")
    for column in ("system", "record", "field", "problem"):
        table.add_column(column, overflow="fold")
    for problem in problems:
        table.add_row(text(problem.system.label), text(problem.record_id), text(problem.field),
                      text(problem.message, "red"))
    return table


def _is_orphan(comparison: OrderComparison) -> bool:
    return comparison.nue is None or comparison.salesforce is None


def diff_renderables(result: Reconciliation, now: datetime) -> RenderableType:
    parts: list[RenderableType] = [Text("Draft orders: Nue ⇄ Salesforce", style="bold"), summary_table(result)]
    shown = [c for c in result.orders if c.cls is not OrderClass.IN_SYNC]
    parts.extend(order_table(c) for c in shown if not _is_orphan(c))
    orphans = [c for c in shown if _is_orphan(c)]
    if orphans:
        parts.append(orphans_table(orphans, now))
    if result.problems:
        parts.append(problems_table(result.problems))
    return Group(*parts)


# --- diff: JSON --------------------------------------------------------------------------------


def _field_json(diff: FieldDiff) -> dict[str, Any]:
    return {"field": diff.field, "nue": diff.nue, "salesforce": diff.salesforce,
            "after_pull": diff.nue, "after_push": diff.salesforce}


def _line_json(line: LineDiff) -> dict[str, Any]:
    return {
        "key": line.key,
        "sku": line.sku,
        "presence": line.presence.value,
        "nue_id": line.nue.links.nue_id if line.nue else None,
        "salesforce_id": line.salesforce.links.salesforce_id if line.salesforce else None,
        "fields": [_field_json(d) for d in line.fields],
    }


def comparison_json(comparison: OrderComparison, now: datetime) -> dict[str, Any]:
    order = comparison.nue or comparison.salesforce
    assert order is not None
    return {
        "key": comparison.key,
        "class": comparison.cls.value,
        "origin": comparison.origin.value if comparison.origin else None,
        "nue_id": comparison.nue.links.nue_id if comparison.nue else order.links.nue_id,
        "salesforce_id": comparison.salesforce.links.salesforce_id if comparison.salesforce
        else order.links.salesforce_id,
        "name": order.name,
        "customer": {"name": order.customer.name, "nue_id": order.customer.links.nue_id,
                     "salesforce_id": order.customer.links.salesforce_id},
        "status": {"nue": comparison.nue.status.value if comparison.nue else None,
                   "salesforce": comparison.salesforce.status.value if comparison.salesforce else None},
        "total": str(order_total(order)),
        "currency": order.currency,
        "age": _age(order, now) if _is_orphan(comparison) else None,
        "fields": [_field_json(d) for d in comparison.header],
        "lines": [_line_json(line) for line in comparison.lines],
        "notes": list(comparison.notes),
    }


def diff_json(result: Reconciliation, now: datetime) -> dict[str, Any]:
    return {
        "in_sync": result.in_sync,
        "counts": {cls.value: count for cls, count in result.counts().items()},
        "orders": [comparison_json(c, now) for c in result.orders if c.cls is not OrderClass.IN_SYNC],
        "problems": [
            {"system": p.system.value, "record_id": p.record_id, "field": p.field, "message": p.message}
            for p in result.problems
        ],
    }


# --- plans and outcomes (pull / push / apply) ---------------------------------------------------

ACTION_STYLE = {"create": "cyan", "update": "yellow", "link": "blue", "skip": "dim", "block": "red"}
RESULT_STYLE = {"created": "green", "updated": "green", "linked": "green", "unchanged": "dim", "skipped": "dim",
                "blocked": "red", "failed": "bold red"}
CHANGED_MARK = "⚠ changed since last sync"


def plan_renderables(plan: Plan) -> RenderableType:
    direction = f"{plan.direction.sender.label} → {plan.direction.receiver.label} ({plan.direction.value})"
    summary = Table()
    summary.add_column("action")
    summary.add_column("orders", justify="right")
    for kind, count in plan.counts().items():
        if count:
            summary.add_row(text(kind, ACTION_STYLE[kind]), text(count))
    parts: list[RenderableType] = [Text(f"Plan: {direction}", style="bold"), summary]
    for action in plan.writes:
        parts.append(_action_table(plan, action))
    blocked = [a for a in plan.actions if a.kind.value == "block"]
    if blocked:
        table = Table(title="Blocked: not written", title_justify="left")
        for column in ("order", "reason", "fix"):
            table.add_column(column, overflow="fold")
        for action in blocked:
            table.add_row(text(action.key), text(action.reason, "red"), text(action.fix))
        parts.append(table)
    if plan.refused:
        parts.append(text(f"Nothing will be written: {plan.refused}", "bold red"))
    return Group(*parts)


def _action_table(plan: Plan, action: OrderAction) -> Group:
    receiver = plan.direction.receiver.label
    name = action.sender.name if action.sender else None
    heading = Text.assemble((f"{action.kind.value} ", ACTION_STYLE[action.kind.value]),
                            (printable(action.key), "bold"), f"  {printable(name)}" if name else "", f"  in {receiver}")
    table = Table()
    table.add_column("field", overflow="fold")
    table.add_column(f"{receiver} now", overflow="fold")
    table.add_column(f"{receiver} after", overflow="fold")
    table.add_column("", overflow="fold")
    if action.kind.value == "create":
        count = len(action.sender.lines) if action.sender else 0
        table.add_row(text("order"), text(None), text(f"new, {count} line(s)"), text(""))
    if action.kind.value == "link":
        table.add_row(text("links"), text("missing"), text("written"), text(""))
    if action.create_customer is not None:
        table.add_row(text("customer"), text(None), text(f"create {action.create_customer.name}"), text(""))
    for change in action.changes:
        mark = text(CHANGED_MARK, "bold red") if change.receiver_changed_since_sync else text("")
        table.add_row(text(change.field), text(change.receiver), text(change.sender, "bold"), mark)
    for note in action.not_deleted:
        table.add_row(text("note", "yellow"), text(note), text(""), text(""))
    return Group(heading, table)


def _action_json(action: OrderAction) -> dict[str, Any]:
    return {
        "key": action.key,
        "action": action.kind.value,
        "class": action.order_class.value,
        "nue_id": next((o.links.nue_id for o in (action.sender, action.receiver) if o and o.links.nue_id), None),
        "salesforce_id": next((o.links.salesforce_id for o in (action.sender, action.receiver)
                               if o and o.links.salesforce_id), None),
        "changes": [{"field": c.field, "receiver": c.receiver, "sender": c.sender,
                     "receiver_changed_since_sync": c.receiver_changed_since_sync} for c in action.changes],
        "create_customer": action.create_customer.name if action.create_customer else None,
        "reason": action.reason,
        "fix": action.fix,
        "not_deleted": list(action.not_deleted),
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "direction": plan.direction.value,
        "refused": plan.refused,
        "counts": plan.counts(),
        "actions": [_action_json(a) for a in plan.actions],
    }


def outcomes_table(report: ApplyReport) -> Table:
    table = Table(title=f"Results ({report.plan.direction.value})", title_justify="left")
    for column in ("order", "action", "result", "Nue id", "Salesforce id", "detail"):
        table.add_column(column, overflow="fold")
    for outcome in report.outcomes:
        if outcome.result.value == "skipped":
            continue
        detail = ": ".join(p for p in (outcome.error_code, outcome.message) if p)
        table.add_row(text(outcome.key), text(str(outcome.action)), text(outcome.result.value,
                      RESULT_STYLE[outcome.result.value]), text(outcome.nue_id), text(outcome.salesforce_id),
                      text(detail or None))
    return table


def report_json(report: ApplyReport) -> dict[str, Any]:
    stopped = report.stopped
    return {
        "direction": report.plan.direction.value,
        "stopped": {"reason": stopped.reason, "exit_code": int(stopped.exit_code)} if stopped else None,
        "counts": report.counts(),
        "orders": [
            {"key": o.key, "action": str(o.action), "result": o.result.value, "nue_id": o.nue_id,
             "salesforce_id": o.salesforce_id, "error_code": o.error_code, "message": o.message,
             "fields": list(o.fields)}
            for o in report.outcomes
        ],
    }
