"""Turn a reconciliation into a plan for one direction: what to write, skip or refuse, and why.

Pure: the same reconciliation, settings and last-synced hashes always give the same plan, so
`--dry-run`, `--plan-out` and the real run agree, and every rule is tested without HTTP. The
sender's values win; nothing is ever deleted; activated orders are left to `activate`; an order
whose customer is not linked on the receiver is refused unless customer creation was asked for;
values the receiver must not be sent (a negative quantity, a discount above 100 %) and links to
receiver records that do not exist block the order with the reason and the fix. Customer creation
creates the order's missing bill-to contact too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from nuesync.adapters.base import RecordProblem
from nuesync.model import ContactRef, Customer, DraftOrder, LineItem, Links, Status, System, decimal_text
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
    create_contact: ContactRef | None = None  # the bill-to contact to create on the receiver
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
    """What the plan knows beyond the reconciliation; a `None` set means "not checked"."""

    draft_sync: bool = True
    create_missing_customers: bool = False
    receiver_products: frozenset[str] | None = None  # SKUs the receiver can sell; None = unknown
    receiver_price_tags: frozenset[str] | None = None  # price-tag codes the receiver knows; None = any
    last_synced: Mapping[str, str] = field(default_factory=dict)  # receiver record id → hash at last sync
    receiver_customers: frozenset[str] | None = None  # receiver customer ids known to exist (of those asked)
    receiver_contacts: frozenset[str] | None = None  # receiver contact ids known to exist (of those asked)


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
    created = {"create_customer": customer, "create_contact": _contact_to_create(sender, direction, settings)}
    if receiver is None:
        if customer is None and not _customer_linked(sender, direction):
            return OrderAction(
                ActionKind.BLOCK, **base,
                reason=f"customer {_customer_name(sender)} is not linked in {direction.receiver.label}",
                fix=_UNLINKED_CUSTOMER_FIX[direction.sender].format(creation=_CREATION),
            )
        return _write(ActionKind.CREATE, base, direction, settings, **created)
    not_deleted = tuple(
        f"line {line.key} exists only in {direction.receiver.label}: nuesync never deletes; "
        f"remove it in {direction.receiver.label} by hand if it should go"
        for line in c.lines if line.presence is _receiver_only(direction)
    )
    changes = _changes(c, direction, settings)
    if c.cls is OrderClass.CUSTOMER_UNLINKED and customer is None:
        return OrderAction(ActionKind.BLOCK, **base, changes=changes,
                           reason=f"customer {_customer_name(sender)} is not linked on either side",
                           fix=_LINK_CUSTOMER)
    if changes:
        return _write(ActionKind.UPDATE, base, direction, settings, changes=changes, not_deleted=not_deleted,
                      **created)
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


def _write(kind: ActionKind, base: Mapping[str, Any], direction: Direction, settings: PlanSettings,
           **fields: Any) -> OrderAction:
    """A create or update, unless it would point the receiver at a customer or contact it lacks:
    every such write would fail on the receiver (`CUSTOMER_NOT_FOUND`), one API call each."""
    missing = _missing_reference(base["sender"], direction, settings, fields.get("create_customer") is not None)
    if missing is not None:
        return OrderAction(ActionKind.BLOCK, **base, changes=fields.get("changes", ()),
                           reason=missing[0], fix=missing[1])
    return OrderAction(kind, **base, **fields)


def _customer_linked(order: DraftOrder, direction: Direction) -> bool:
    return order.customer.links.id_in(direction.receiver) is not None


def _customer_name(order: DraftOrder) -> str:
    links = order.customer.links
    return order.customer.name or links.nue_id or links.salesforce_id or "(unknown)"


def _missing(record_id: str | None, existing: frozenset[str] | None) -> bool:
    """Whether a receiver id is known not to exist (ids are only known when they were checked)."""
    return record_id is not None and existing is not None and record_id not in existing


_CREATION = "`sync.create_missing_customers = true` (or --create-customers)"
_LINK_CUSTOMER = "link the customer: the Salesforce Account's Nue customer id is enough"
# What to do about a sender customer the receiver has no link to, by sender. A Nue customer's link is
# Nue's own Salesforce sync's to set, and an Account may already carry its Nue id without the order
# showing it: creation keyed by that id then finds the Account instead of making a second.
_UNLINKED_CUSTOMER_FIX: Mapping[System, str] = {
    System.SALESFORCE: "link the customer: set the Salesforce Account's Nue customer id, or allow creating it with "
                       "{creation}",
    System.NUE: "let Nue's own Salesforce sync link the customer, or set the Account's Nue customer id, or allow "
                "creating it with {creation}",
}

# Whether a client may write a customer's link in each system. Nue documents its customer's link
# (`externalId`) as set by its own Salesforce sync only, so after a pull a customer is linked from
# the Salesforce side alone (which pairs it), and a Nue link to a missing Account cannot be replaced.
CUSTOMER_LINK_WRITABLE: Mapping[System, bool] = {System.SALESFORCE: True, System.NUE: False}


def _customer_to_create(order: DraftOrder, direction: Direction, settings: PlanSettings) -> Customer | None:
    """With customer creation allowed: the order's customer when it is not linked on the receiver,
    or when its link there points at a customer that does not exist and the sender's link can be
    rewritten (then the dead link is dropped, so the receiver creates the customer afresh and the
    link is written back to the sender)."""
    if not settings.create_missing_customers:
        return None
    links = order.customer.links
    if not _customer_linked(order, direction):
        return order.customer
    if CUSTOMER_LINK_WRITABLE[direction.sender] and _missing(links.id_in(direction.receiver),
                                                             settings.receiver_customers):
        sender_only = Links(**{f"{direction.sender.value}_id": links.id_in(direction.sender)})
        return order.customer.model_copy(update={"links": sender_only})
    return None


def _contact_to_create(order: DraftOrder, direction: Direction, settings: PlanSettings) -> ContactRef | None:
    """With customer creation allowed: the order's bill-to contact when it is not linked on the receiver
    (`_blocked` refuses the order for it otherwise)."""
    contact = order.bill_to_contact
    if not settings.create_missing_customers or contact is None or contact.links.id_in(direction.receiver):
        return None
    return contact


def _missing_reference(order: DraftOrder, direction: Direction, settings: PlanSettings,
                       creating_customer: bool) -> tuple[str, str] | None:
    """Why the order's customer or bill-to contact link leads nowhere on the receiver, with the fix."""
    receiver, sender = direction.receiver.label, direction.sender.label
    customer_id = order.customer.links.id_in(direction.receiver)
    if not creating_customer and _missing(customer_id, settings.receiver_customers):
        return (f"customer {_customer_name(order)} is linked to {receiver} customer {customer_id}, "
                f"which does not exist in {receiver}", _DEAD_CUSTOMER_FIX[direction.sender].format(
                    sender=sender, receiver=receiver, customer=customer_id))
    contact = order.bill_to_contact
    contact_id = contact.links.id_in(direction.receiver) if contact else None
    if contact is not None and _missing(contact_id, settings.receiver_contacts):
        who = contact.name or contact.links.id_in(direction.sender) or "(unnamed)"
        return (f"bill-to contact {who} is linked to {receiver} contact {contact_id}, which does not exist "
                f"in {receiver}",
                f"correct the contact's link field in {sender} to an existing {receiver} contact, or create that "
                f"contact in {receiver}")
    return None


# What to do about a sender customer linked to a receiver customer that does not exist, by sender: a
# Salesforce Account's Nue id can be corrected or rewritten by --create-customers; a Nue customer's
# link is Nue's own Salesforce sync's to set.
_DEAD_CUSTOMER_FIX: Mapping[System, str] = {
    System.SALESFORCE: "correct the customer's link field in {sender} to an existing {receiver} customer, create "
                       "that customer in {receiver}, or run with --create-customers to create it and relink",
    System.NUE: "restore {receiver} customer {customer}, or have Nue's own Salesforce sync link the customer to an "
                "existing Account (a Nue customer's link is that sync's to set: nuesync cannot relink it)",
}

_VALUE_WRITES = frozenset({ActionKind.CREATE, ActionKind.UPDATE})


def receiver_references(plan: Plan) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The receiver customer ids and contact ids that the plan's creates and updates point at.

    Only these need checking: plan once, ask the receiver which of these exist, and plan again
    with `receiver_customers` / `receiver_contacts` set (a second plan only blocks more).
    """
    receiver = plan.direction.receiver
    writes = [a.sender for a in plan.writes if a.kind in _VALUE_WRITES and a.sender is not None]
    customers = {order.customer.links.id_in(receiver) for order in writes}
    contacts = {order.bill_to_contact.links.id_in(receiver) for order in writes if order.bill_to_contact}
    return tuple(sorted(i for i in customers if i)), tuple(sorted(i for i in contacts if i))


@dataclass(frozen=True)
class _Limit:
    """The values of one amount field the receiver may be sent; `rule` says it in words."""

    rule: str
    allows: Callable[[Decimal], bool]


_POSITIVE = _Limit("above 0", lambda value: value > 0)
_NOT_NEGATIVE = _Limit("0 or more", lambda value: value >= 0)
_PERCENT = _Limit("between 0 and 100", lambda value: 0 <= value <= 100)

# Values that are well-formed but must never be written through: a negative quantity or price
# would credit the customer, a discount above 100 % or a negative one would pay them or raise the
# price, and Salesforce refuses an order product with quantity 0 (a half-written order).
LINE_LIMITS: Mapping[str, _Limit] = {
    "quantity": _POSITIVE,
    "unit_price": _NOT_NEGATIVE,
    "discount.percent": _PERCENT,
    "discount.amount": _NOT_NEGATIVE,
}
ORDER_LIMITS: Mapping[str, _Limit] = {
    "discount.percent": _PERCENT,
    "discount.amount": _NOT_NEGATIVE,
}


def _value(record: DraftOrder | LineItem, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _out_of_limits(record: DraftOrder | LineItem, limits: Mapping[str, _Limit]) -> tuple[str, Decimal, str] | None:
    """The first field of `record` outside its limit: (field, value, rule)."""
    for path, limit in limits.items():
        value = _value(record, path)
        if value is not None and not limit.allows(value):
            return path, value, limit.rule
    return None


def _value_refused(where: str, found: tuple[str, Decimal, str], sender: str) -> tuple[str, str]:
    path, value, rule = found
    return (f"{where}: {path} is {decimal_text(value)}; it must be {rule}",
            f"correct {path} on {where} in {sender}, then run again")


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
        refused = _out_of_limits(line, LINE_LIMITS)
        if refused:
            return _value_refused(where, refused, direction.sender.label)
    refused = _out_of_limits(order, ORDER_LIMITS)
    if refused:
        return _value_refused("the order", refused, direction.sender.label)
    if order.effective_date is None:
        return "the order has no effective date", f"set the effective date in {direction.sender.label}"
    contact = order.bill_to_contact
    if (contact is not None and contact.links.id_in(direction.receiver) is None
            and not settings.create_missing_customers):
        who = contact.name or contact.links.id_in(direction.sender) or "(unnamed)"
        return (f"bill-to contact {who} is not linked in {receiver}",
                f"link the contact: its {receiver} record must carry the {direction.sender.label} contact id; "
                f"or allow creating it with {_CREATION}")
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
