"""Turn results into rich tables for people and JSON documents for machines: the same facts.

Every function here takes data and returns renderables or plain dicts; nothing prints, so the
tables can be snapshot-tested at any width and the JSON asserted field by field. Untrusted
text (customer names, field values) is always passed as `Text`, never parsed as markup, and made
`printable` first: a record is data, and must never be able to drive the admin's terminal.

Tables are `FittedTable`s: ids, timestamps and numbers are never split, whatever the width.
In JSON, amounts are canonical text (`60`, never `60.00`), times ISO 8601 in UTC (`…Z`), and a
value that is not there is `null` — never `""`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from itertools import groupby
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from nuesync.activate_rules import ActivationDecision, ActivationOutcome, ActivationReport, Verdict
from nuesync.adapters.base import RecordProblem
from nuesync.apply import ApplyReport
from nuesync.model import DraftOrder, System, decimal_text
from nuesync.outcome import OrderOutcome
from nuesync.plan import OrderAction, Plan
from nuesync.reconcile import FieldDiff, LineDiff, OrderClass, OrderComparison, Presence, Reconciliation
from nuesync.tables import Column, FittedTable
from nuesync.terminal import printable

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
# How many orders of each class `diff` details at a terminal; `--all` or `--only CLASS` show every one.
DETAIL_LIMIT = 25


def text(value: Any, style: str = "") -> Text:
    """Untrusted text as a literal (a `[` in a customer name stays a `[`), made `printable`."""
    if value is None:
        return Text(MISSING, style="dim")
    return Text(printable(str(value)), style=style)


# --- stable values: times, ages, amounts --------------------------------------------------------


def iso_utc(moment: datetime | None) -> str | None:
    """A moment as ISO 8601 in UTC to the second (`2026-11-30T09:05:00Z`); naive times are taken as UTC."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_moment(value: str | None) -> datetime | None:
    """A stored ISO time (the journal's) as an aware datetime; None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def stored_time(value: str | None) -> str | None:
    """A stored time in the one spelling `iso_utc` gives; text that is not a time is kept as it is."""
    moment = parse_moment(value)
    return iso_utc(moment) if moment is not None else value


_SPANS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def span(seconds: float, *, to_the_second: bool = False) -> str:
    """An age (`now`, `12m`, `3h`, `2d`) or, `to_the_second`, a duration (`<1s`, `45s`, `12m` …) for a person."""
    for unit, size in _SPANS if to_the_second else _SPANS[:-1]:
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return "<1s" if to_the_second else "now"


def age(order: DraftOrder, now: datetime) -> str | None:
    """How long ago the order last changed (`3d`), or None when the system did not say."""
    if order.last_modified is None:
        return None
    return span((now - order.last_modified).total_seconds())


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


def total_text(order: DraftOrder) -> str:
    """The order's total in the one spelling of an amount (`60`, `12.5`), as everywhere else."""
    return decimal_text(order_total(order))


# --- diff: tables ------------------------------------------------------------------------------

ORDER_COLUMNS = (
    Column("field"),
    Column("Nue", wrap=True),
    Column("Salesforce", wrap=True),
)


def summary_table(result: Reconciliation) -> FittedTable:
    rows = [[text(CLASS_LABEL[cls], CLASS_STYLE[cls]), text(f"{count:,}")]
            for cls, count in result.counts().items() if count]
    if not result.orders and not result.problems:
        rows.append([text("no draft orders in scope", "dim"), text(0)])
    return FittedTable((Column("class"), Column("orders", justify="right")), rows)


def _field_rows(diffs: Iterable[FieldDiff], indent: str = "") -> list[list[Text]]:
    return [[text(indent + diff.field), text(diff.nue, "blue"), text(diff.salesforce, "blue")] for diff in diffs]


def _line_rows(line: LineDiff) -> list[list[Text]]:
    label = {Presence.BOTH: "", Presence.ONLY_IN_NUE: " (only in Nue)",
             Presence.ONLY_IN_SALESFORCE: " (only in Salesforce)"}[line.presence]
    rows = [[text(f"line {line.key}{label}", "bold"), text(""), text("")]]
    if line.presence is Presence.BOTH:
        return rows + _field_rows(line.fields, indent="  ")
    present = line.nue or line.salesforce
    shown = f"qty {decimal_text(present.quantity)}" if present and present.quantity is not None else "present"
    nue, sf = (shown, None) if line.presence is Presence.ONLY_IN_NUE else (None, shown)
    return [*rows, [text("  quantity"), text(nue), text(sf)]]


def order_table(comparison: OrderComparison) -> Group:
    """One differing order: a heading line, then field, Nue value, Salesforce value, lines grouped under it."""
    order = comparison.nue or comparison.salesforce
    name = order.name if order else None
    origin = comparison.origin.label if comparison.origin else "unknown"
    heading = Text.assemble(
        ("Order ", "bold"), (printable(comparison.key), "bold"), (f"  {printable(name)}" if name else ""),
        "  ", (CLASS_LABEL[comparison.cls], CLASS_STYLE[comparison.cls]), f"  origin: {origin}",
    )
    rows: list[list[Text]] = []
    if comparison.nue and comparison.salesforce:
        rows.append([text("status"), text(comparison.nue.status.value), text(comparison.salesforce.status.value)])
    rows += _field_rows(d for d in comparison.header if d.field != "status")
    for line in comparison.lines:
        rows += _line_rows(line)
    rows += [[text("note", "bold red"), text(note), text("")] for note in comparison.notes]
    return Group(Text(""), heading, FittedTable(ORDER_COLUMNS, rows))


ORPHAN_COLUMNS = (
    Column("order"),
    Column("name", wrap=True, min_width=16),
    Column("origin", drop=2),
    Column("customer", wrap=True, drop=1),
    Column("age", justify="right"),
    Column("total", justify="right"),
)


def _customer(order: DraftOrder) -> str | None:
    return order.customer.name or order.customer.links.nue_id or order.customer.links.salesforce_id


def orphans_table(orphans: Sequence[OrderComparison], now: datetime, title: str | None = None,
                  footer: tuple[Text, ...] = ()) -> FittedTable:
    """Orders on one side only: which, what, whose, how old (abandoned carts are old) and how much."""
    rows = []
    for comparison in orphans:
        order = comparison.nue or comparison.salesforce
        assert order is not None
        rows.append([
            text(comparison.key), text(order.name), text(comparison.origin.label if comparison.origin else None),
            text(_customer(order)), text(age(order, now)),
            text(f"{total_text(order)} {order.currency or ''}".strip()),
        ])
    return FittedTable(ORPHAN_COLUMNS, rows, title=title, footer=footer)


PROBLEM_COLUMNS = (Column("system"), Column("record"), Column("field"), Column("problem", wrap=True, min_width=24))


def problems_table(problems: Iterable[RecordProblem], footer: tuple[Text, ...] = ()) -> FittedTable:
    rows = [[text(p.system.label), text(p.record_id), text(p.field), text(p.message, "red")] for p in problems]
    return FittedTable(PROBLEM_COLUMNS, rows, title="Records that could not be read", footer=footer)


def _is_orphan(comparison: OrderComparison) -> bool:
    return comparison.nue is None or comparison.salesforce is None


def _more(hidden: int, what: str, cls: OrderClass) -> tuple[Text, ...]:
    """The line under a capped section: how many were left out and how to see them."""
    if hidden <= 0:
        return ()
    return (Text(f"… and {hidden:,} more {what}: add --only {cls.value} to see them all, or --all for every "
                 "class (--json always lists everything)", style="dim"),)


def diff_renderables(result: Reconciliation, now: datetime, *, limit: int | None = None) -> Group:
    """Title and summary first, then each class's orders; with `limit`, at most that many per class.

    The parts are separate renderables so the command can print (and flush) the summary before it
    renders thousands of rows, and a capped section ends with the line that says how to see the rest.
    """
    parts: list[RenderableType] = [Text("Draft orders: Nue ⇄ Salesforce", style="bold"), summary_table(result)]
    shown = [c for c in result.orders if c.cls is not OrderClass.IN_SYNC]
    for cls, members in groupby(sorted(shown, key=lambda c: list(OrderClass).index(c.cls)), key=lambda c: c.cls):
        comparisons = list(members)
        pairs = [c for c in comparisons if not _is_orphan(c)]
        orphans = [c for c in comparisons if _is_orphan(c)]
        kept_pairs = pairs if limit is None else pairs[:limit]
        parts.extend(order_table(c) for c in kept_pairs)
        parts.extend(_more(len(pairs) - len(kept_pairs), f"orders {CLASS_LABEL[cls]}", cls))
        if orphans:
            kept = orphans if limit is None else orphans[:limit]
            title = f"Orders on one side only: {CLASS_LABEL[cls]} ({len(orphans):,})"
            parts.append(orphans_table(kept, now, title, _more(len(orphans) - len(kept), "orders", cls)))
    if result.problems:
        kept_problems = result.problems if limit is None else result.problems[:limit]
        hidden = len(result.problems) - len(kept_problems)
        parts.append(problems_table(kept_problems, _more(hidden, "unreadable records", OrderClass.MALFORMED)))
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
        "total": total_text(order),
        "currency": order.currency,
        "last_modified": {system.value: iso_utc(side.last_modified) if side else None
                          for system, side in ((System.NUE, comparison.nue),
                                               (System.SALESFORCE, comparison.salesforce))},
        "age": age(order, now) if _is_orphan(comparison) else None,
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
RESULT_STYLE = {"created": "green", "updated": "green", "linked": "green", "activated": "magenta",
                "unchanged": "dim", "skipped": "dim", "blocked": "red", "failed": "bold red", "unknown": "dim"}
CHANGED_MARK = "⚠ changed since last sync"
BLOCKED_COLUMNS = (Column("order"), Column("reason", wrap=True, min_width=20), Column("fix", wrap=True, min_width=20))


def _counts_table(first: str, counts: dict[str, int], styles: dict[str, str]) -> FittedTable:
    rows = [[text(kind, styles.get(kind, "")), text(f"{count:,}")] for kind, count in counts.items() if count]
    return FittedTable((Column(first), Column("orders", justify="right")), rows)


def plan_renderables(plan: Plan) -> Group:
    direction = f"{plan.direction.sender.label} → {plan.direction.receiver.label} ({plan.direction.value})"
    parts: list[RenderableType] = [Text(f"Plan: {direction}", style="bold"),
                                   _counts_table("action", plan.counts(), ACTION_STYLE)]
    parts.extend(_action_table(plan, action) for action in plan.writes)
    blocked = [a for a in plan.actions if a.kind.value == "block"]
    if blocked:
        rows = [[text(a.key), text(a.reason, "red"), text(a.fix)] for a in blocked]
        parts.append(FittedTable(BLOCKED_COLUMNS, rows, title="Blocked: not written"))
    if plan.refused:
        parts.append(text(f"Nothing will be written: {plan.refused}", "bold red"))
    return Group(*parts)


def _action_table(plan: Plan, action: OrderAction) -> Group:
    receiver = plan.direction.receiver.label
    name = action.sender.name if action.sender else None
    heading = Text.assemble((f"{action.kind.value} ", ACTION_STYLE[action.kind.value]),
                            (printable(action.key), "bold"), f"  {printable(name)}" if name else "", f"  in {receiver}")
    columns = (Column("field"), Column(f"{receiver} now", wrap=True), Column(f"{receiver} after", wrap=True),
               Column("", wrap=True, min_width=10))
    rows: list[list[Text]] = []
    if action.kind.value == "create":
        count = len(action.sender.lines) if action.sender else 0
        rows.append([text("order"), text(None), text(f"new, {count} line(s)"), text("")])
    if action.kind.value == "link":
        rows.append([text("links"), text("missing"), text("written"), text("")])
    if action.create_customer is not None:
        rows.append([text("customer"), text(None), text(f"create {action.create_customer.name}"), text("")])
    for change in action.changes:
        mark = text(CHANGED_MARK, "bold red") if change.receiver_changed_since_sync else text("")
        rows.append([text(change.field), text(change.receiver), text(change.sender, "bold"), mark])
    rows += [[text("note", "yellow"), text(note), text(""), text("")] for note in action.not_deleted]
    return Group(Text(""), heading, FittedTable(columns, rows))


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


def outcome_columns(rows: Sequence[OrderOutcome]) -> tuple[Column, ...]:
    """Both ids, the order's key (only when it is neither), action, result, detail."""
    return tuple(column for column in (
        Column("Nue id"), Column("Salesforce id"),
        Column("order") if any(o.key not in (o.nue_id, o.salesforce_id) for o in rows) else None,
        Column("action"), Column("result"), Column("detail", wrap=True, min_width=24),
    ) if column is not None)


OUTCOME_HEADING = (0, 1)  # a stacked outcome is headed by both ids


def outcome_cells(outcome: OrderOutcome, columns: Sequence[Column]) -> list[Text]:
    detail = ": ".join(p for p in (outcome.error_code, outcome.message) if p)
    cells = {"order": text(outcome.key), "action": text(outcome.action),
             "result": text(outcome.result.value, RESULT_STYLE.get(outcome.result.value, "")),
             "Nue id": text(outcome.nue_id), "Salesforce id": text(outcome.salesforce_id),
             "detail": text(detail or None)}
    return [cells[column.header] for column in columns]


CHECKOUT_COLUMN = Column("checkout link", wrap=True, min_width=24, whole_words=False, drop=1)


def outcomes_table(report: ApplyReport) -> FittedTable:
    """Each written order's outcome; after a push with `nue.checkout_url_template`, its checkout link too."""
    shown = [o for o in report.outcomes if o.result.value != "skipped"]
    columns = outcome_columns(shown)
    rows = [outcome_cells(o, columns) for o in shown]
    if report.checkout_urls:
        columns = (*columns, CHECKOUT_COLUMN)
        rows = [[*row, text(report.checkout_urls.get(o.key))] for row, o in zip(rows, shown, strict=True)]
    return FittedTable(columns, rows, title=f"Results ({report.plan.direction.value})", heading=OUTCOME_HEADING)


def created_on_receiver(report: ApplyReport) -> str | None:
    """The customers and bill-to contacts a run created before its orders, which no order row shows."""
    parts = [f"{n} {what}{'' if n == 1 else 's'}" for n, what in ((report.customers_created, "customer"),
                                                                    (report.contacts_created, "bill-to contact")) if n]
    return f"created {' and '.join(parts)} in {report.plan.direction.receiver.label}" if parts else None


def report_json(report: ApplyReport) -> dict[str, Any]:
    stopped = report.stopped
    return {
        "direction": report.plan.direction.value,
        "stopped": {"reason": stopped.reason, "exit_code": int(stopped.exit_code)} if stopped else None,
        "counts": report.counts(),
        "customers_created": report.customers_created,
        "contacts_created": report.contacts_created,
        "orders": [{**outcome_json(o), "checkout_url": report.checkout_urls.get(o.key)} for o in report.outcomes],
    }


def outcome_json(o: OrderOutcome) -> dict[str, Any]:
    return {"key": o.key, "action": str(o.action), "result": o.result.value, "nue_id": o.nue_id,
            "salesforce_id": o.salesforce_id, "error_code": o.error_code, "message": o.message,
            "fields": list(o.fields)}


# --- activation ---------------------------------------------------------------------------------

VERDICT_LABEL: dict[Verdict, tuple[str, str]] = {
    Verdict.ACTIVATE: ("activate", "magenta"),
    Verdict.COMPLETE: ("complete activation", "magenta"),
    Verdict.NOTHING: ("nothing to do", "green"),
    Verdict.SYNC_FIRST: ("sync, then activate", "yellow"),
    Verdict.REFUSED: ("refused", "red"),
    Verdict.CONFLICT: ("conflict", "bold red"),
    Verdict.SKIPPED: ("skipped", "dim"),
}
STATE_STYLE = {"activated": "green", "already activated": "green", "draft": "", "canceled": "dim",
               "failed": "bold red", "absent": "dim"}


def _activation_columns(last: str) -> tuple[Column, ...]:
    return (Column("order"), Column("name", wrap=True, drop=1), Column("origin", drop=2), Column("Nue"),
            Column("Salesforce"), Column(last), Column("detail", wrap=True, min_width=24))


def _status(decision: ActivationDecision, system: System) -> str | None:
    order = decision.side(system)
    return order.status.value if order is not None else None


def decisions_table(decisions: Sequence[ActivationDecision]) -> FittedTable:
    rows = []
    for d in decisions:
        label, style = VERDICT_LABEL[d.verdict]
        detail = "; ".join(p for p in (d.reason, d.fix) if p)
        rows.append([text(d.key), text(d.name), text(d.origin.label if d.origin else None),
                     text(_status(d, System.NUE)), text(_status(d, System.SALESFORCE)), text(label, style),
                     text(detail or None)])
    return FittedTable(_activation_columns("action"), rows, title="Activation plan")


def activation_plan_view(decisions: Sequence[ActivationDecision], plans: Sequence[Plan]) -> Group:
    parts: list[RenderableType] = []
    if plans:
        parts.append(Text("Sync first (--sync-first): from each order's origin, sender wins", style="bold"))
        parts.extend(plan_renderables(plan) for plan in plans)
    parts.append(decisions_table(decisions))
    return Group(*parts)


def activation_results_table(outcomes: Sequence[ActivationOutcome]) -> FittedTable:
    rows = []
    for o in outcomes:
        detail = ": ".join(p for p in (o.error_code, o.message) if p)
        rows.append([text(o.key), text(o.name), text(o.origin.label if o.origin else None),
                     text(o.nue.value, STATE_STYLE[o.nue.value]),
                     text(o.salesforce.value, STATE_STYLE[o.salesforce.value]),
                     text(o.result.value, RESULT_STYLE.get(o.result.value, "")), text(detail or None)])
    return FittedTable(_activation_columns("result"), rows, title="Activation results")


def activation_report_view(report: ActivationReport) -> Group:
    return Group(*(outcomes_table(synced) for synced in report.synced), activation_results_table(report.outcomes))


def decisions_json(decisions: Sequence[ActivationDecision]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.verdict.value] = counts.get(d.verdict.value, 0) + 1
    return {
        "counts": counts,
        "orders": [
            {"key": d.key, "name": d.name, "order_number": d.order_number,
             "origin": d.origin.value if d.origin else None, "selected": d.selected.value,
             "action": d.verdict.value,
             "steps": [s.value for s in d.steps], "nue_id": d.id_in(System.NUE),
             "salesforce_id": d.id_in(System.SALESFORCE),
             "status": {s.value: _status(d, s) for s in System}, "code": d.code, "reason": d.reason,
             "fix": d.fix, "fields": list(d.fields)}
            for d in decisions
        ],
    }


def activation_json(o: ActivationOutcome) -> dict[str, Any]:
    return {"key": o.key, "name": o.name, "origin": o.origin.value if o.origin else None, "result": o.result.value,
            "nue": {"id": o.nue_id, "state": o.nue.value},
            "salesforce": {"id": o.salesforce_id, "state": o.salesforce.value},
            "error_code": o.error_code, "message": o.message, "fields": list(o.fields)}


def activation_results_json(report: ActivationReport) -> dict[str, Any]:
    return {"counts": report.counts(), "orders": [activation_json(o) for o in report.outcomes]}
