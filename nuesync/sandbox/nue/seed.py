"""Seed data: the shared catalogue, and synthetic self-service customers and draft carts.

The catalogue comes from `nuesync.sandbox.catalog` so a SKU means the same product on both
sandboxes. Synthetic data is deterministic (a fixed random seed): the same call gives the same
customers and orders, so benchmark numbers and demo output are comparable run to run.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from nuesync.sandbox.catalog import CURRENCY, PRICE_BOOK_NAME, PRICE_TAGS, PRODUCTS
from nuesync.sandbox.nue.customers import create_contacts, create_customers
from nuesync.sandbox.nue.orders import create_order
from nuesync.sandbox.nue.store import Store

DEFAULT_TERM = Decimal(12)
_UOM = {True: "User/Month", False: "Each"}
_TAG_TYPES = {"price": "Price", "discount": "Discount"}


def seed_catalog(store: Store) -> None:
    """The price book, one active entry per catalogue product, and the price tags (idempotent)."""
    with store.lock:
        if not store.price_books:
            book_id = store.new_id("priceBook")
            store.price_books[book_id] = {"id": book_id, "name": PRICE_BOOK_NAME, "isStandard": True, "active": True}
        book_id = next(iter(store.price_books))
        known = {product["sku"] for product in store.products.values()}
        for item in PRODUCTS:
            if item.sku not in known:
                _add_product(store, book_id, item.sku, item.name, item.list_price, recurring=item.recurring)
        codes = {tag["code"] for tag in store.price_tags.values()}
        for tag in PRICE_TAGS:
            if tag.code not in codes:
                store.add_price_tag({"id": store.new_id("priceTag"), "code": tag.code, "name": tag.name,
                                     "type": _TAG_TYPES[tag.kind], "active": True})


def _add_product(store: Store, book_id: str, sku: str, name: str, price: Decimal, *, recurring: bool) -> None:
    now = store.now()
    product = {
        "id": store.new_id("product"), "name": name, "sku": sku, "recordType": "Product", "status": "Active",
        "description": name, "priceModel": "Recurring" if recurring else "One-Time",
        "defaultSubscriptionTerm": DEFAULT_TERM if recurring else None, "uom": _UOM[recurring],
        "createdDate": now, "lastModifiedDate": now,
    }
    entry = {
        "id": store.new_id("priceBookEntry"), "productId": product["id"], "productSku": sku, "productName": name,
        "priceBookId": book_id, "listPrice": price, "currencyIsoCode": CURRENCY, "uom": _UOM[recurring],
        "active": True,
    }
    store.products[product["id"]] = product
    store.price_book_entries[entry["id"]] = entry


COMPANY_WORDS = (
    ("Blue", "Northwind", "Granite", "Silver", "Bright", "Cedar", "Harbor", "Summit", "Nimbus", "Atlas"),
    ("Analytics", "Robotics", "Logistics", "Health", "Foods", "Labs", "Systems", "Media", "Energy", "Retail"),
)
FIRST_NAMES = ("Ada", "Grace", "Alan", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Radia", "Edsger")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie", "Perlman",
         "Dijkstra")
BILLING_CHOICES = (  # values both systems accept
    {"billingPeriod": "Month", "billCycleDay": "1st Day of Month", "billingTiming": "In Advance",
     "paymentTerm": "Net 30"},
    {"billingPeriod": "Annual", "billCycleDay": "1st Day of Month", "billingTiming": "In Advance",
     "paymentTerm": "Net 30"},
    {"billingPeriod": "Quarter", "billCycleDay": "15th Day of Month", "billingTiming": "In Arrears",
     "paymentTerm": "Net 45"},
    {"billingPeriod": "Month", "billCycleDay": "1st Day of Month", "billingTiming": "In Advance",
     "paymentTerm": "Due Upon Receipt"},
)


def seed_synthetic(store: Store, n_orders: int, lines_per_order: int = 3, *, seed: int = 7) -> list[str]:
    """Catalogue, one customer (with a bill-to contact) per four carts, and `n_orders` drafts."""
    seed_catalog(store)
    rng = random.Random(seed)
    customers = _seed_customers(store, rng, max(1, (n_orders + 3) // 4))
    entries = list(store.price_book_entries.values())
    tags = [tag["code"] for tag in store.price_tags.values()]
    order_ids = []
    for index in range(n_orders):
        customer_id, contact_id = customers[index % len(customers)]
        payload = _draft(rng, index, customer_id, contact_id, entries, tags, lines_per_order)
        order, _ = create_order(store, payload)
        order_ids.append(order["id"])
    return order_ids


def _seed_customers(store: Store, rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Customers numbered on from those the tenant has, so a second seeding's contact emails (unique
    within a tenant, as Nue documents) never repeat the first's."""
    pairs = []
    number = len(store.customers) + 1
    for index in range(count):
        name = f"{rng.choice(COMPANY_WORDS[0])} {rng.choice(COMPANY_WORDS[1])} {number + index:05d}"
        domain = name.lower().replace(" ", "-")
        [customer] = create_customers(store, [{"name": name, "recordType": "Business",
                                               "email": f"billing@{domain}.example"}])
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        [contact] = create_contacts(store, customer["id"], [{"firstName": first, "lastName": last,
                                                             "email": f"{first.lower()}@{domain}.example"}])
        pairs.append((customer["id"], contact["id"]))
    return pairs


def _draft(rng: random.Random, index: int, customer_id: str, contact_id: str, entries: list[dict[str, Any]],
           tags: list[str], lines_per_order: int) -> dict[str, Any]:
    effective = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 180))
    picks = rng.sample(entries, lines_per_order) if lines_per_order <= len(entries) else [
        rng.choice(entries) for _ in range(lines_per_order)
    ]
    lines = []
    for entry in picks:
        line: dict[str, Any] = {"priceBookEntryId": entry["id"], "quantity": rng.randint(1, 25),
                                "subscriptionStartDate": effective.isoformat()}
        if entry["uom"] == _UOM[True]:
            line["subscriptionTerm"] = rng.choice((12, 12, 24, 36))
        if rng.random() < 0.15:
            line["discount"] = rng.choice((5, 10, 15))
        if rng.random() < 0.3:
            line["priceTags"] = [rng.choice(tags)]
        lines.append(line)
    order: dict[str, Any] = {
        "customer": {"id": customer_id}, "billToContact": {"id": contact_id},
        "effectiveDate": effective.isoformat(), "name": f"Self-service cart {index + 1:05d}",
        "description": "Created in the billing portal", "origin": "Nue", "orderProducts": lines,
        **rng.choice(BILLING_CHOICES),
    }
    if rng.random() < 0.1:
        order["discount"] = 10
    return order
