"""Seed data: the shared catalogue, and a realistic org of draft orders for tests and benchmarks.

Seeding goes through the same write path as API calls (rules, derived fields, indexes), so a
seeded org is indistinguishable from one filled over REST, just without the HTTP cost.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from nuesync.sandbox import catalog
from nuesync.sandbox.salesforce import writes
from nuesync.sandbox.salesforce.schema import Field
from nuesync.sandbox.salesforce.store import Row, Store

_COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Hooli",
              "Pied Piper", "Soylent", "Vandelay", "Gringotts", "Monarch")
_SUFFIXES = ("Inc.", "LLC", "Ltd", "GmbH", "Corp.")
_FIRST = ("Ada", "Grace", "Alan", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger")
_LAST = ("Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen", "Dijkstra")
_PERIODS = ("Month", "Quarter", "Annual")
_TERMS = ("Net 30", "Net 15", "Due Upon Receipt")


def standard_price_book(store: Store) -> Row:
    return next(r for r in store.rows("Pricebook2") if r.get("IsStandard"))


def seed_catalog(store: Store) -> dict[str, str]:
    """Product2 + standard PricebookEntry for each catalogue product; returns SKU → entry id."""
    objects = store.schema.objects
    book = standard_price_book(store)
    code_field: Field = objects["Product2"].fields["ProductCode"]
    entries: dict[str, str] = {}
    for product in catalog.PRODUCTS:
        existing = store.find_by("Product2", code_field, product.sku)
        product_id = existing[0]["Id"] if existing else writes.insert(store, objects["Product2"], {
            "Name": product.name, "ProductCode": product.sku, "IsActive": True,
            "Family": "Subscription" if product.recurring else "Services",
            "Description": f"{product.name} ({'recurring' if product.recurring else 'one-time'})",
        })
        entry = next((e for e in store.children("PricebookEntry", "Product2Id", product_id)
                      if e["Pricebook2Id"] == book["Id"] and e.get("CurrencyIsoCode") == catalog.CURRENCY), None)
        entries[product.sku] = entry["Id"] if entry else writes.insert(store, objects["PricebookEntry"], {
            "Pricebook2Id": book["Id"], "Product2Id": product_id, "UnitPrice": product.list_price,
            "IsActive": True, "CurrencyIsoCode": catalog.CURRENCY,
        })
    return entries


def seed_synthetic(store: Store, n_orders: int, lines_per_order: int = 3, seed: int = 0) -> list[str]:
    """Accounts (linked to Nue customers), contacts, and `n_orders` Draft orders with lines."""
    rng = random.Random(seed)
    entries = seed_catalog(store)
    objects = store.schema.objects
    book = standard_price_book(store)
    start = len(store.rows("Account"))
    customers: list[tuple[str, str]] = []
    for index in range(max(1, n_orders // 5)):
        number = start + index + 1
        account = writes.insert(store, objects["Account"], {
            "Name": f"{rng.choice(_COMPANIES)} {rng.choice(_SUFFIXES)} #{number}",
            "Nue_Customer_Id__c": f"CUS-{number:06d}", "CurrencyIsoCode": catalog.CURRENCY,
            "Type": "Customer - Direct", "BillingCountry": "United States",
        })
        contact = writes.insert(store, objects["Contact"], {
            "FirstName": rng.choice(_FIRST), "LastName": rng.choice(_LAST), "AccountId": account,
            "Email": f"billing{number}@example.com", "Nue_Contact_Id__c": f"CON-{number:06d}",
        })
        customers.append((account, contact))
    products = list(catalog.PRODUCTS)
    tags = [t.code for t in catalog.PRICE_TAGS]
    order_ids = []
    first_day = dt.date(2026, 1, 1)
    for index in range(n_orders):
        account, contact = customers[index % len(customers)]
        effective = first_day + dt.timedelta(days=rng.randrange(0, 330))
        order_id = writes.insert(store, objects["Order"], _order_body(rng, index, account, contact, book["Id"],
                                                                      effective))
        for line in range(lines_per_order):
            product = products[(index + line) % len(products)]
            writes.insert(store, objects["OrderItem"], _line_body(rng, order_id, entries[product.sku], product,
                                                                  effective, tags))
        order_ids.append(order_id)
    return order_ids


def _order_body(rng: random.Random, index: int, account: str, contact: str, book: str,
                effective: dt.date) -> dict[str, Any]:
    return {
        "AccountId": account, "BillToContactId": contact, "Pricebook2Id": book,
        "EffectiveDate": effective.isoformat(), "Status": "Draft", "Name": f"Draft order {index + 1}",
        "CurrencyIsoCode": catalog.CURRENCY, "Nue_Origin__c": "Salesforce",
        "Nue_Billing_Period__c": rng.choice(_PERIODS),
        "Nue_Bill_Cycle_Day__c": rng.choice(("1st Day of Month", "15th Day of Month")),
        "Nue_Billing_Timing__c": "In Advance", "Nue_Payment_Term__c": rng.choice(_TERMS),
    }


def _line_body(rng: random.Random, order_id: str, entry_id: str, product: catalog.Product, effective: dt.date,
               tags: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "OrderId": order_id, "PricebookEntryId": entry_id, "Quantity": rng.randint(1, 10),
        "UnitPrice": product.list_price, "ServiceDate": effective.isoformat(),
    }
    if product.recurring:
        body |= {"EndDate": (effective + dt.timedelta(days=364)).isoformat(), "Nue_Subscription_Term__c": 12}
    if rng.random() < 0.3:
        body["Nue_Price_Tags__c"] = rng.choice(tags)
        body["Nue_Discount_Percent__c"] = Decimal(rng.choice((5, 10, 15)))
    return body
