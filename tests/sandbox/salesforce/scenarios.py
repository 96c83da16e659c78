"""Named scenarios: the records a test needs, created straight in the org (no request counted)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from nuesync.sandbox.salesforce import SalesforceSandbox

_sequence = itertools.count(1)


@dataclass(frozen=True)
class DraftOrder:
    order_id: str
    account_id: str
    entry_id: str  # a standard price book entry (USD) for the order's price book
    pricebook_id: str


def standard_book(sf: SalesforceSandbox) -> str:
    return next(r["Id"] for r in sf.records("Pricebook2") if r["IsStandard"])


def entry_for(sf: SalesforceSandbox, sku: str) -> str:
    product = next(p for p in sf.records("Product2") if p["ProductCode"] == sku)
    book = standard_book(sf)
    return next(e["Id"] for e in sf.records("PricebookEntry")
                if e["Product2Id"] == product["Id"] and e["Pricebook2Id"] == book)


def customer(sf: SalesforceSandbox, name: str = "Acme Corp") -> str:
    number = next(_sequence)
    return sf.insert("Account", {"Name": f"{name} {number}", "Nue_Customer_Id__c": f"SCN-CUS-{number}"})


def draft_order(sf: SalesforceSandbox, lines: int = 0, sku: str = "NUE-PLAT-PRO", **fields: object) -> DraftOrder:
    """A Draft order on the standard price book, with `lines` order products of `sku`."""
    account = customer(sf)
    book = standard_book(sf)
    order = sf.insert("Order", {"AccountId": account, "EffectiveDate": "2026-03-01", "Status": "Draft",
                                "Pricebook2Id": book, **fields})
    entry = entry_for(sf, sku)
    for _ in range(lines):
        sf.insert("OrderItem", {"OrderId": order, "PricebookEntryId": entry, "Quantity": 2, "UnitPrice": 99})
    return DraftOrder(order, account, entry, book)


def activated_order(sf: SalesforceSandbox) -> DraftOrder:
    order = draft_order(sf, lines=1)
    sf.update("Order", order.order_id, {"Status": "Activated"})
    return order
