"""The org's business rules for orders, order products and price book entries.

These are the rules Salesforce documents for the Order object ("When a client application
creates an order, the Status Code must be Draft … the Status field is the only field you can
update when activating the order … delete orders when the Status is Draft but not when it is
Activated"), for OrderItem (create-only price book entry from the order's price book) and for
PricebookEntry (a standard price before any custom price). Each rule is a small function; the
table at the bottom says which run for which object and event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from nuesync.sandbox.salesforce.errors import record_error
from nuesync.sandbox.salesforce.store import Row, Store

LOCKED_ORDER = (
    "Unable to modify activated or superseded Order:  cannot delete Order, or add or remove Order Products"
)
EDIT_LOCKED = (
    "Unable to modify activated or superseded Order: an activated order can't be edited without the "
    "Edit Activated Orders permission"
)
WRONG_PRICE_BOOK = (
    "field integrity exception: PricebookEntryId (pricebook entry is in a different pricebook than the one "
    "assigned to the Order, or Order has no pricebook assigned)"
)
# The order product fields Order.TotalAmount sums (Quantity × UnitPrice per product).
ORDER_TOTAL_INPUTS = frozenset({"Quantity", "UnitPrice"})


@dataclass
class WriteContext:
    """One record being written: `new` may be adjusted by rules (derived fields)."""

    store: Store
    obj: str
    new: Row
    old: Row | None = None
    changed: set[str] = field(default_factory=set)

    def status_code(self, row: Row) -> Any:
        return self.store.value("Order", row, "StatusCode")


Rule = Callable[[WriteContext], None]
DeleteRule = Callable[[Store, Row], None]


def _order_created_as_draft(ctx: WriteContext) -> None:
    if ctx.status_code(ctx.new) != "Draft":
        raise record_error(
            "FAILED_ACTIVATION",
            "For a new or cloned order, choose Draft. An Activated order's status can't be edited.",
            ["Status"],
        )


def _order_dates(ctx: WriteContext) -> None:
    start, end = ctx.new.get("EffectiveDate"), ctx.new.get("EndDate")
    if start is not None and end is not None and end < start:
        raise record_error(
            "FIELD_INTEGRITY_EXCEPTION", "Order End Date can't be earlier than the Order Start Date.", ["EndDate"]
        )


def _order_status_change(ctx: WriteContext) -> None:
    """Activation changes Status alone, needs products; an activated order is locked."""
    assert ctx.old is not None
    before, after = ctx.status_code(ctx.old), ctx.status_code(ctx.new)
    others = ctx.changed - {"Status", "ActivatedDate"}
    if before == "Draft" and after == "Activated":
        if others:
            raise record_error(
                "FAILED_ACTIVATION",
                "When you activate an order, Status must be the only field you change. "
                f"Save the other changes ({', '.join(sorted(others))}) in a separate update.",
                ["Status"],
            )
        if not ctx.store.children("OrderItem", "OrderId", ctx.new["Id"]):
            raise record_error("FAILED_ACTIVATION", "You can't activate an order that has no order products.",
                               ["Status"])
        ctx.new["ActivatedDate"] = ctx.store.clock()
    elif before == "Activated" and after == "Activated" and others and not ctx.store.settings.edit_activated_orders:
        raise record_error("ENTITY_IS_LOCKED", EDIT_LOCKED, sorted(others))
    elif before == "Activated" and after == "Draft":
        ctx.new["ActivatedDate"] = None


def _order_price_book_fixed_once_products(ctx: WriteContext) -> None:
    fixed = ctx.changed & {"Pricebook2Id", "CurrencyIsoCode"}
    if fixed and ctx.store.children("OrderItem", "OrderId", ctx.new["Id"]):
        raise record_error(
            "FIELD_INTEGRITY_EXCEPTION",
            "You can't change the price book or currency of an order that has order products.", sorted(fixed),
        )


def _order_deletable(store: Store, row: Row) -> None:
    if store.value("Order", row, "StatusCode") == "Activated":
        raise record_error("ENTITY_IS_LOCKED", LOCKED_ORDER)


def _parent_order(ctx: WriteContext) -> Row:
    order = ctx.store.row("Order", ctx.new["OrderId"])
    assert order is not None  # the reference was checked before the rules run
    return order


def _item_order_is_draft(ctx: WriteContext) -> None:
    order = _parent_order(ctx)
    if ctx.status_code(order) != "Draft" and (ctx.old is None or not ctx.store.settings.edit_activated_orders):
        raise record_error("ENTITY_IS_LOCKED", LOCKED_ORDER)


def _item_entry_matches_order(ctx: WriteContext) -> None:
    order = _parent_order(ctx)
    entry = ctx.store.row("PricebookEntry", ctx.new["PricebookEntryId"])
    assert entry is not None
    if order.get("Pricebook2Id") is None or entry["Pricebook2Id"] != order["Pricebook2Id"]:
        raise record_error("FIELD_INTEGRITY_EXCEPTION", WRONG_PRICE_BOOK, ["PricebookEntryId"])
    if not entry.get("IsActive"):
        raise record_error("FIELD_INTEGRITY_EXCEPTION",
                           "field integrity exception: PricebookEntryId (pricebook entry is inactive)",
                           ["PricebookEntryId"])
    if entry.get("CurrencyIsoCode") != order.get("CurrencyIsoCode"):
        raise record_error(
            "FIELD_INTEGRITY_EXCEPTION",
            "field integrity exception: PricebookEntryId (pricebook entry currency code does not match order "
            "currency code)", ["PricebookEntryId"],
        )
    if ctx.new.get("Product2Id") not in (None, entry["Product2Id"]):
        raise record_error("FIELD_INTEGRITY_EXCEPTION",
                           "field integrity exception: Product2Id (product does not match the price book entry)",
                           ["Product2Id"])
    ctx.new["Product2Id"] = entry["Product2Id"]
    if ctx.new.get("ListPrice") is None:
        ctx.new["ListPrice"] = entry["UnitPrice"]
    ctx.new["CurrencyIsoCode"] = order.get("CurrencyIsoCode")


def _item_values(ctx: WriteContext) -> None:
    if ctx.new.get("Quantity") == Decimal(0):
        raise record_error("FIELD_INTEGRITY_EXCEPTION", "Can't save order products with quantities of zero.",
                           ["Quantity"])
    order = _parent_order(ctx)
    start, end = ctx.new.get("ServiceDate"), ctx.new.get("EndDate")
    if start is not None and start < order["EffectiveDate"]:
        raise record_error("FIELD_INTEGRITY_EXCEPTION",
                           "Order Product Start Date can't be earlier than the Order Start Date.", ["ServiceDate"])
    if end is not None and order.get("EndDate") is not None and end > order["EndDate"]:
        raise record_error("FIELD_INTEGRITY_EXCEPTION",
                           "Order Product End Date can't be later than the Order End Date.", ["EndDate"])


def _item_deletable(store: Store, row: Row) -> None:
    order = store.row("Order", row["OrderId"])
    if order is not None and store.value("Order", order, "StatusCode") != "Draft":
        raise record_error("ENTITY_IS_LOCKED", LOCKED_ORDER)


def _item_changes_order_total(ctx: WriteContext) -> None:
    """Bump the order's modstamps only when its `TotalAmount` roll-up is recalculated.

    Salesforce saves a parent again when a roll-up summary over its children is recalculated:
    when a child is inserted or deleted, or a field the roll-up sums (an order product's
    `Quantity` or `UnitPrice`) changes. Editing any other field of an order product (dates,
    description, custom fields) leaves the order's `LastModifiedDate` and `SystemModstamp` alone.
    """
    inserted = ctx.old is None
    deleted = bool(ctx.new.get("IsDeleted")) and not (ctx.old or {}).get("IsDeleted")
    if inserted or deleted or ctx.changed & ORDER_TOTAL_INPUTS:
        ctx.store.touch("Order", ctx.new["OrderId"])


def _standard_book_id(store: Store) -> str | None:
    return next((r["Id"] for r in store.rows("Pricebook2") if r.get("IsStandard")), None)


def _entry_has_standard_price(ctx: WriteContext) -> None:
    book = ctx.store.row("Pricebook2", ctx.new["Pricebook2Id"])
    assert book is not None
    same = [
        r for r in ctx.store.children("PricebookEntry", "Product2Id", ctx.new["Product2Id"])
        if r.get("CurrencyIsoCode") == ctx.new.get("CurrencyIsoCode")
    ]
    if any(r["Pricebook2Id"] == book["Id"] for r in same):
        raise record_error("DUPLICATE_VALUE", "This price definition already exists in this price book")
    if book.get("IsStandard"):
        return
    standard = next((r for r in same if r["Pricebook2Id"] == _standard_book_id(ctx.store)), None)
    if standard is None:
        raise record_error("STANDARD_PRICE_NOT_DEFINED", "No standard price defined for this product")
    if ctx.new.get("UseStandardPrice"):
        ctx.new["UnitPrice"] = standard["UnitPrice"]


@dataclass(frozen=True)
class ObjectRules:
    before_insert: tuple[Rule, ...] = ()
    before_update: tuple[Rule, ...] = ()
    after_write: tuple[Rule, ...] = ()
    before_delete: tuple[DeleteRule, ...] = ()


RULES: dict[str, ObjectRules] = {
    "Order": ObjectRules(
        before_insert=(_order_created_as_draft, _order_dates),
        before_update=(_order_status_change, _order_price_book_fixed_once_products, _order_dates),
        before_delete=(_order_deletable,),
    ),
    "OrderItem": ObjectRules(
        before_insert=(_item_order_is_draft, _item_entry_matches_order, _item_values),
        before_update=(_item_order_is_draft, _item_values),
        after_write=(_item_changes_order_total,),
        before_delete=(_item_deletable,),
    ),
    "PricebookEntry": ObjectRules(before_insert=(_entry_has_standard_price,)),
}

NO_RULES = ObjectRules()
