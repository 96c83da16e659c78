"""Named canonical scenarios: orders as each system would report them.

Tests build situations by name (`abandoned_cart`, `rep_draft`, `diverged_order` …) instead of
copying dicts around; each function returns (nue_side, salesforce_side) lists.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from nuesync.model import DraftOrder, Status, System

Sides = tuple[list[DraftOrder], list[DraftOrder]]

ACME = {"links": {"nue_id": "cust-acme", "salesforce_id": "001000000000001AAA"}, "name": "Acme Corp"}
GLOBEX_NUE_ONLY = {"links": {"nue_id": "cust-globex"}, "name": "Globex"}


def line(n: int, sku: str = "NUE-SEAT", *, linked: bool = True, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "links": {"nue_id": f"op-{n}", "salesforce_id": f"802000000000{n:03d}AAA" if linked else None},
        "product_sku": sku,
        "quantity": Decimal(10),
        "unit_price": Decimal("12.50"),
        "discount": {"percent": Decimal(5)},
        "subscription_start": date(2026, 12, 1),
        "subscription_end": date(2027, 11, 30),
        "subscription_term": Decimal(12),
        "price_tags": [{"code": "VOLUME-TIER-1"}],
    }
    data.update(changes)
    return data


def order(n: int, *, origin: System = System.NUE, linked: bool = True, lines: list[dict[str, Any]] | None = None,
          **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "links": {"nue_id": f"ord-{n}", "salesforce_id": f"801000000000{n:03d}AAA" if linked else None},
        "name": f"Order {n}",
        "customer": ACME,
        "effective_date": date(2026, 12, 1),
        "currency": "USD",
        "status": Status.DRAFT,
        "origin": origin,
        "billing": {"billing_period": "Month", "bill_cycle_day": "1st Day of Month", "billing_timing": "In Advance",
                    "payment_term": "Net 30"},
        "discount": {"percent": Decimal(0)},
        "lines": lines if lines is not None else [line(n * 10 + 1), line(n * 10 + 2, "NUE-PLAT-PRO")],
    }
    data.update(changes)
    return data


def build(data: dict[str, Any], **changes: Any) -> DraftOrder:
    return DraftOrder.model_validate({**data, **changes})


def in_sync_order(n: int = 1) -> Sides:
    data = order(n)
    return [build(data)], [build(data)]


def abandoned_cart(n: int = 2) -> Sides:
    """A self-service cart left as a draft in Nue, never seen by Salesforce."""
    data = order(n, linked=False, lines=[line(n * 10 + 1, linked=False)])
    return [build(data)], []


def rep_draft(n: int = 3) -> Sides:
    """A sales rep's draft built in Salesforce, not yet sent to Nue."""
    data = order(n, origin=System.SALESFORCE)
    data["links"] = {"nue_id": None, "salesforce_id": data["links"]["salesforce_id"]}
    data["lines"] = [{**line_data, "links": {"salesforce_id": line_data["links"]["salesforce_id"]}}
                     for line_data in data["lines"]]
    return [], [build(data)]


def diverged_order(n: int = 4) -> Sides:
    """Linked on both sides; Nue changed a quantity and the order discount since the last sync."""
    data = order(n)
    nue = build(data, discount={"percent": Decimal(10)},
                lines=[line(n * 10 + 1, quantity=Decimal(15)), line(n * 10 + 2, "NUE-PLAT-PRO")])
    return [nue], [build(data)]


def portal_checkout(n: int = 5) -> Sides:
    """A Salesforce-origin order the customer activated in Nue's portal; still draft in Salesforce."""
    data = order(n, origin=System.SALESFORCE)
    return [build(data, status=Status.ACTIVATED)], [build(data)]


def unlinked_customer(n: int = 6) -> Sides:
    """A Nue draft whose customer has no counterpart in Salesforce."""
    data = order(n, linked=False, customer=GLOBEX_NUE_ONLY, lines=[line(n * 10 + 1, linked=False)])
    return [build(data)], []


def link_conflict(n: int = 7) -> Sides:
    """Nue's order points at a Salesforce order whose own link points at another Nue order."""
    data = order(n)
    sf = build(data, links={"nue_id": "ord-somewhere-else", "salesforce_id": data["links"]["salesforce_id"]})
    return [build(data)], [sf]


def custom_field_order(n: int = 8) -> Sides:
    """Custom fields and pricing dimensions that differ in one place only."""
    data = order(n, custom_fields={"region": "EU"},
                 lines=[line(n * 10 + 1, price_tags=[{"code": "REGION-EU"}, {"code": "PROMO-LAUNCH"}])])
    sf = build(data, custom_fields={"region": "US"})
    return [build(data)], [sf]


def combine(*scenarios: Sides) -> Sides:
    nue: list[DraftOrder] = []
    sf: list[DraftOrder] = []
    for nue_side, sf_side in scenarios:
        nue.extend(nue_side)
        sf.extend(sf_side)
    return nue, sf
