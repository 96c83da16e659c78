"""The GraphQL tables: which records each exposes, their columns (by Hasura scalar) and relations.

This is data: `graphql_schema` generates every type, filter and sort input from it, so a column
added here is queryable, filterable and sortable at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from nuesync.sandbox.nue.store import Record, Store


@dataclass
class QueryContext:
    """One GraphQL request: the store, the tables, the page cap, and per-request indexes."""

    store: Store
    tables: dict[str, Table]
    max_limit: int
    memo: dict[Any, Any] = field(default_factory=dict)

    def grouped(self, name: str, rows: Callable[[], Iterable[Record]], key: str) -> dict[str, list[Record]]:
        """Rows grouped by a foreign key, built once per request (no N×M scans for nested lists)."""
        if name not in self.memo:
            groups: dict[str, list[Record]] = {}
            for row in rows():
                groups.setdefault(row[key], []).append(row)
            self.memo[name] = groups
        groups_by_key: dict[str, list[Record]] = self.memo[name]
        return groups_by_key


Fetch = Callable[[QueryContext, Record], Any]


@dataclass(frozen=True)
class Relation:
    target: str
    many: bool
    fetch: Fetch


@dataclass(frozen=True)
class Table:
    name: str
    rows: Callable[[Store], Iterable[Record]]
    columns: dict[str, str]
    relations: dict[str, Relation]


def _one(attribute: str, key: str) -> Relation:
    """An object relation: the row's `key` looked up in the store's `attribute` table."""
    def fetch(ctx: QueryContext, row: Record) -> Record | None:
        value = row.get(key)
        return getattr(ctx.store, attribute).get(value) if value is not None else None

    return Relation(target=_TARGETS[attribute], many=False, fetch=fetch)


def _many(attribute: str, key: str) -> Relation:
    """An array relation: rows of `attribute` whose `key` is this row's id."""
    def fetch(ctx: QueryContext, row: Record) -> list[Record]:
        groups = ctx.grouped(f"{attribute}.{key}", lambda: getattr(ctx.store, attribute).values(), key)
        return groups.get(row["id"], [])

    return Relation(target=_TARGETS[attribute], many=True, fetch=fetch)


_TARGETS = {
    "orders": "Order",
    "lines": "OrderProduct",
    "customers": "Customer",
    "contacts": "Contact",
    "products": "Product",
    "price_book_entries": "PriceBookEntry",
    "price_tags": "PriceTag",
}

_TIMESTAMPS = {"createdDate": "timestamptz", "lastModifiedDate": "timestamptz"}
_S, _N, _D = "String", "numeric", "date"

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table(
            name="Order",
            rows=lambda store: store.orders.values(),
            columns={
                "id": _S, "orderNumber": _S, "name": _S, "description": _S, "status": _S,
                "customerId": _S, "billToContactId": _S, "effectiveDate": _D, "currencyIsoCode": _S,
                "priceBookId": _S, "billingPeriod": _S, "billCycleDay": _S, "billingTiming": _S,
                "paymentTerm": _S, "discount": _N, "discountAmount": _N, "listTotal": _N, "subtotal": _N,
                "totalAmount": _N, "totalPrice": _N, "taxAmount": _N, "grandTotal": _N,
                "orderStartDate": _D, "orderEndDate": _D, "salesforceId": _S, "origin": _S,
                "customFields": "jsonb", "activatedDate": "timestamptz", "orderPlacedDate": _D,
                "poNumber": _S, "poDate": _D, **_TIMESTAMPS,
            },
            relations={
                "orderProducts": Relation(
                    target="OrderProduct", many=True, fetch=lambda ctx, row: ctx.store.lines_of(row["id"])
                ),
                "customer": _one("customers", "customerId"),
                "billToContact": _one("contacts", "billToContactId"),
            },
        ),
        Table(
            name="OrderProduct",
            rows=lambda store: store.lines.values(),
            columns={
                "id": _S, "orderId": _S, "priceBookEntryId": _S, "productId": _S, "productSku": _S,
                "productName": _S, "chargeType": _S, "uom": _S, "quantity": _N, "listPrice": _N,
                "salesPrice": _N, "discount": _N, "discountAmount": _N, "listTotal": _N, "totalAmount": _N,
                "totalPrice": _N, "subscriptionStartDate": _D, "subscriptionEndDate": _D,
                "subscriptionTerm": _N, "customFields": "jsonb", "salesforceId": _S, **_TIMESTAMPS,
            },
            relations={
                "order": _one("orders", "orderId"),
                "product": _one("products", "productId"),
                "priceBookEntry": _one("price_book_entries", "priceBookEntryId"),
                "priceTags": Relation(
                    target="PriceTag",
                    many=True,
                    fetch=lambda ctx, row: [ctx.store.price_tags[tag["id"]] for tag in row["priceTags"]],
                ),
            },
        ),
        Table(
            name="Customer",
            rows=lambda store: store.customers.values(),
            columns={
                "id": _S, "accountNumber": _S, "name": _S, "recordType": _S, "email": _S, "phone": _S,
                "description": _S, "currencyIsoCode": _S, "externalId": _S, "customFields": "jsonb",
                "createdDate": "timestamptz", "modifiedDate": "timestamptz",
            },
            relations={"orders": _many("orders", "customerId"), "contacts": _many("contacts", "customerId")},
        ),
        Table(
            name="Contact",
            rows=lambda store: store.contacts.values(),
            columns={
                "id": _S, "customerId": _S, "name": _S, "firstName": _S, "lastName": _S, "email": _S,
                "phone": _S, "title": _S, "salesforceId": _S, **_TIMESTAMPS,
            },
            relations={"customer": _one("customers", "customerId")},
        ),
        Table(
            name="Product",
            rows=lambda store: store.products.values(),
            columns={
                "id": _S, "name": _S, "sku": _S, "recordType": _S, "status": _S, "description": _S,
                "priceModel": _S, "defaultSubscriptionTerm": _N, "uom": _S, **_TIMESTAMPS,
            },
            relations={"priceBookEntries": _many("price_book_entries", "productId")},
        ),
        Table(
            name="PriceBookEntry",
            rows=lambda store: store.price_book_entries.values(),
            columns={
                "id": _S, "productId": _S, "productSku": _S, "productName": _S, "priceBookId": _S,
                "listPrice": _N, "currencyIsoCode": _S, "uom": _S, "active": "Boolean",
            },
            relations={"product": _one("products", "productId")},
        ),
        Table(
            name="PriceTag",
            rows=lambda store: store.price_tags.values(),
            columns={"id": _S, "code": _S, "name": _S, "type": _S, "active": "Boolean"},
            relations={},
        ),
    )
}
