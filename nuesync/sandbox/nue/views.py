"""How records are shown over REST: an order with its customer, contact and (on request) products.

Shown under the store lock and serialised right away, so an answer is one consistent state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nuesync.sandbox.nue.errors import invalid_value
from nuesync.sandbox.nue.store import Record, Store

# `includes=` values of GET /orders (Nue documents assets and invoices; products and
# subscriptions follow the same pattern).
INCLUDES = frozenset({"orderProducts", "assets", "subscriptions", "invoices"})
_PROVISIONED = {"assets": "assets", "subscriptions": "subscriptions", "invoices": "invoices"}


def parse_includes(text: str | None) -> frozenset[str]:
    names = frozenset(part.strip() for part in (text or "").split(",") if part.strip())
    unknown = names - INCLUDES
    if unknown:
        allowed = ", ".join(sorted(INCLUDES))
        raise invalid_value("includes", f"unknown {', '.join(sorted(unknown))} (allowed: {allowed})")
    return names


def line_view(line: Record) -> dict[str, Any]:
    return {**line, "priceTags": [dict(tag) for tag in line["priceTags"]], "customFields": dict(line["customFields"])}


def order_view(store: Store, order: Record, include: Iterable[str] = ("orderProducts",)) -> dict[str, Any]:
    contact = store.contacts.get(order["billToContactId"] or "")
    view: dict[str, Any] = {
        **order,
        "customFields": dict(order["customFields"]),
        "customer": dict(store.customers[order["customerId"]]),
        "billToContact": dict(contact) if contact else None,
    }
    for name in include:
        if name == "orderProducts":
            view["orderProducts"] = [line_view(line) for line in store.lines_of(order["id"])]
        else:
            records = getattr(store, _PROVISIONED[name]).values()
            view[name] = [dict(record) for record in records if record["orderId"] == order["id"]]
    return view


def product_view(store: Store, product: Record) -> dict[str, Any]:
    entries = [dict(entry) for entry in store.price_book_entries.values() if entry["productId"] == product["id"]]
    return {**product, "priceBookEntries": entries}
