"""Turn a reconciliation into a plan for one direction: what to write, skip or refuse, and why.

Pure: the same reconciliation, settings and last-synced hashes always give the same plan, so
`--dry-run`, `--plan-out` and the real run agree, and every rule of DESIGN.md §2 is tested
without HTTP. The sender's values win (rule 1); nothing is ever deleted (rule 3); activated
orders are left to `activate` (rule 8); an order whose customer is not linked on the receiver
is refused unless customer creation was asked for (rule 7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from nuesync.adapters.base import RecordProblem
from nuesync.model import Customer, DraftOrder, Status
from nuesync.reconcile import Direction, OrderClass, OrderComparison, Presence, Reconciliation


class ActionKind(StrEnum):
    CREATE = "create"  # the order exists on the sender only: create it on the receiver
    UPDATE = "update"  # both exist and differ: the receiver takes the sender's values
    LINK = "link"  # same content, but a link is missing on one side: write the link only
    SKIP = "skip"  # nothing to do in this direction
    BLOCK = "block"  # cannot be written; `reason` and `fix` say why and what to do


@dataclass(frozen=True)
class FieldChange:
    """A receiver value that the sender's value will replace."""

    field: str
    receiver: Any
    sender: Any
    receiver_changed_since_sync: bool = False


@dataclass(frozen=True)
class OrderAction:
    kind: ActionKind
    key: str
    order_class: OrderClass
    sender: DraftOrder | None = None
    receiver: DraftOrder | None = None
    changes: tuple[FieldChange, ...] = ()
    create_customer: Customer | None = None
    reason: str | None = None
    fix: str | None = None
    not_deleted: tuple[str, ...] = ()

    @property
    def writes(self) -> bool:
        return self.kind in {ActionKind.CREATE, ActionKind.UPDATE, ActionKind.LINK}

    @property
    def overwrites_receiver_changes(self) -> bool:
        return any(change.receiver_changed_since_sync for change in self.changes)


@dataclass(frozen=True)
class Plan:
    direction: Direction
    actions: tuple[OrderAction, ...]
    refused: str | None = None  # the whole run is refused (e.g. draft sync is off)

    @property
    def writes(self) -> list[OrderAction]:
        return [] if self.refused else [a for a in self.actions if a.writes]

    def counts(self) -> dict[str, int]:
        counted = {kind.value: 0 for kind in ActionKind}
        for action in self.actions:
            counted[action.kind.value] += 1
        return counted


@dataclass(frozen=True)
class PlanSettings:
    draft_sync: bool = True
    create_missing_customers: bool = False
    receiver_products: frozenset[str] | None = None  # SKUs the receiver can sell; None = unknown
    receiver_price_tags: frozenset[str] | None = None  # price-tag codes the receiver knows; None = any
    last_synced: Mapping[str, str] = field(default_factory=dict)  # receiver record id → hash at last sync


_DRAFT_SYNC_OFF = (
    "draft sync is off, so nuesync writes no drafts: turn on Nue's Sync Draft Orders setting "
    "(Nue Settings → Salesforce integration) and `sync.draft_sync = true` in nuesync.toml"
)


def plan_sync(result: Reconciliation, direction: Direction, settings: PlanSettings) -> Plan:
    """The actions `pull` (Nue → Salesforce) or `push` (Salesforce → Nue) would take."""
    unreadable = {p.record_id: p for p in result.problems if p.system is direction.receiver}
    actions = tuple(_action(c, direction, settings, unreadable) for c in result.orders)
    actions += tuple(
        OrderAction(ActionKind.BLOCK, p.record_id, OrderClass.MALFORMED,
                    reason=f"{p.system.label} record {p.record_id}: {p.field}: {p.message}",
                    fix=f"correct {p.field} on {p.system.label} record {p.record_id}, then run again")
        for p in result.problems
    )
    refused = None if settings.draft_sync else _DRAFT_SYNC_OFF
    return Plan(direction, actions, refused)


def _action(c: OrderComparison, direction: Direction, settings: PlanSettings,
            unreadable: Mapping[str, RecordProblem]) -> OrderAction:
    sender, receiver = c.side(direction.sender), c.side(direction.receiver)
    base = {"key": c.key, "order_class": c.cls, "sender": sender, "receiver": receiver}
    if c.cls is OrderClass.LINK_CONFLICT:
        return OrderAction(ActionKind.BLOCK, **base, reason="; ".join(c.notes),
                           fix="correct the link fields by hand so each order points at its counterpart")
    if sender is None:
        return OrderAction(ActionKind.SKIP, **base,
                           reason=f"exists only in {direction.receiver.label}; "
                                  f"`nuesync {'push' if direction is Direction.PULL else 'pull'}` sends it")
    counterpart = unreadable.get(sender.links.id_in(direction.receiver) or "")
    if counterpart is not None:
        # Writing would overwrite a record nobody has seen: the plan could not show what it replaces.
        where, field_name = f"{counterpart.system.label} record {counterpart.record_id}", counterpart.field
        return OrderAction(ActionKind.BLOCK, **base,
                           reason=f"its counterpart, {where}, cannot be read: {field_name}: {counterpart.message}",
                           fix=f"correct {field_name} on {where}, then run again")
    if c.cls in {OrderClass.ACTIVATED_IN_NUE_ONLY, OrderClass.ACTIVATED_IN_SALESFORCE_ONLY}:
        return OrderAction(ActionKind.SKIP, **base, reason="activated on one side: the activation is completed "
                                                          "in the order's origin after the writes")
    if sender.status is not Status.DRAFT or (receiver is not None and receiver.status is not Status.DRAFT):
        return OrderAction(ActionKind.SKIP, **base,
                           reason="activated orders are not changed by draft sync; use `nuesync activate`")
    blocked = _blocked(sender, direction, settings)
    if blocked:
        return OrderAction(ActionKind.BLOCK, **base, reason=blocked[0], fix=blocked[1])
    customer = _customer_to_create(sender, direction, settings)
    if receiver is None:
        if customer is None and not _customer_linked(sender, direction):
            return OrderAction(
                ActionKind.BLOCK, **base,
                reason=f"customer {_customer_name(sender)} is not linked in {direction.receiver.label}",
                fix=f"link the customer in {direction.receiver.label}, or allow creating it with "
                    "`sync.create_missing_customers = true` (or --create-customers)",
            )
        return OrderAction(ActionKind.CREATE, **base, create_customer=customer)
    not_deleted = tuple(
        f"line {line.key} exists only in {direction.receiver.label}: nuesync never deletes; "
        f"remove it in {direction.receiver.label} by hand if it should go"
        for line in c.lines if line.presence is _receiver_only(direction)
    )
    changes = _changes(c, direction, settings)
    if c.cls is OrderClass.CUSTOMER_UNLINKED and customer is None:
        return OrderAction(ActionKind.BLOCK, **base, changes=changes,
                           reason=f"customer {_customer_name(sender)} is not linked on both sides",
                           fix="link the customer records (their link fields) in both systems")
    if changes:
        return OrderAction(ActionKind.UPDATE, **base, changes=changes, create_customer=customer,
                           not_deleted=not_deleted)
    if _links_missing(sender, receiver):
        return OrderAction(ActionKind.LINK, **base, not_deleted=not_deleted)
    return OrderAction(ActionKind.SKIP, **base, reason="in sync", not_deleted=not_deleted)


def _receiver_only(direction: Direction) -> Presence:
    return Presence.ONLY_IN_SALESFORCE if direction is Direction.PULL else Presence.ONLY_IN_NUE


def _changes(c: OrderComparison, direction: Direction, settings: PlanSettings) -> tuple[FieldChange, ...]:
    receiver = c.side(direction.receiver)
    receiver_id = receiver.links.id_in(direction.receiver) if receiver else None
    last = settings.last_synced.get(receiver_id or "")
    changed_since = bool(receiver and last and last != receiver.content_hash())
    changes = [FieldChange(d.field, d.value_in(direction.receiver), d.value_after(direction), changed_since)
               for d in c.header]
    for line in c.lines:
        if line.presence is Presence.BOTH:
            changes.extend(FieldChange(f"lines[{line.key}].{d.field}", d.value_in(direction.receiver),
                                       d.value_after(direction), changed_since) for d in line.fields)
        elif line.presence is not _receiver_only(direction):
            changes.append(FieldChange(f"lines[{line.key}]", None, "added", False))
    return tuple(changes)


def _customer_linked(order: DraftOrder, direction: Direction) -> bool:
    return order.customer.links.id_in(direction.receiver) is not None


def _customer_name(order: DraftOrder) -> str:
    links = order.customer.links
    return order.customer.name or links.nue_id or links.salesforce_id or "(unknown)"


def _customer_to_create(order: DraftOrder, direction: Direction, settings: PlanSettings) -> Customer | None:
    if _customer_linked(order, direction) or not settings.create_missing_customers:
        return None
    return order.customer


def _blocked(order: DraftOrder, direction: Direction, settings: PlanSettings) -> tuple[str, str] | None:
    """Why this sender order cannot be written to the receiver, with the fix; None when it can."""
    receiver = direction.receiver.label
    for index, line in enumerate(order.lines, start=1):
        where = f"line {index} ({line.links.id_in(direction.sender) or 'unsaved'})"
        if not line.product_sku:
            return f"{where} has no product", f"set the product on {where} in {direction.sender.label}"
        if settings.receiver_products is not None and line.product_sku not in settings.receiver_products:
            return (f"{where}: product {line.product_sku} is not sold in {receiver}",
                    f"add product {line.product_sku} with a price-book entry in {receiver}")
        unknown = [t.code for t in line.price_tags
                   if settings.receiver_price_tags is not None and t.code not in settings.receiver_price_tags]
        if unknown:
            return (f"{where}: price tag {', '.join(unknown)} is unknown in {receiver}",
                    f"create the price tag in {receiver} or remove it from the line")
    if order.effective_date is None:
        return "the order has no effective date", f"set the effective date in {direction.sender.label}"
    contact = order.bill_to_contact
    if contact is not None and contact.links.id_in(direction.receiver) is None:
        who = contact.name or contact.links.id_in(direction.sender) or "(unnamed)"
        return (f"bill-to contact {who} is not linked in {receiver}",
                f"link the contact: its {receiver} record must carry the {direction.sender.label} contact id")
    return None


def _links_missing(sender: DraftOrder, receiver: DraftOrder) -> bool:
    for order in (sender, receiver):
        if order.links.nue_id is None or order.links.salesforce_id is None:
            return True
        if any(line.links.nue_id is None or line.links.salesforce_id is None for line in order.lines):
            return True
    return sender.origin is None or receiver.origin is None



def limit_plan(plan: Plan, limit: int | None) -> Plan:
    """Keep the first `limit` writing actions (`--limit`); the rest wait for the next run."""
    if limit is None:
        return plan
    kept = 0
    actions = []
    for action in plan.actions:
        if action.writes:
            kept += 1
            if kept > limit:
                action = OrderAction(ActionKind.SKIP, action.key, action.order_class, action.sender, action.receiver,
                                     reason=f"over --limit {limit}; the next run takes it")
        actions.append(action)
    return Plan(plan.direction, tuple(actions), plan.refused)
