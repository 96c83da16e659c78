"""Request bodies named by what they are, built from the shared catalogue (prices in catalog.py).

Hand-computed prices used by the tests: NUE-PLAT-STD 49.00/month, NUE-SEAT 12.50/month,
NUE-ONBOARD 1500.00 one-off.
"""

from __future__ import annotations

from typing import Any

from nuesync.sandbox.nue import NueSandbox


def entry_id(nue: NueSandbox, sku: str) -> str:
    """The price-book entry of a catalogue product, as a client finds it via GET /catalog/products."""
    return next(entry["id"] for entry in nue.store.price_book_entries.values() if entry["productSku"] == sku)


def tag_id(nue: NueSandbox, code: str) -> str:
    return next(tag["id"] for tag in nue.store.price_tags.values() if tag["code"] == code)


def line(nue: NueSandbox, sku: str, **fields: Any) -> dict[str, Any]:
    return {"priceBookEntryId": entry_id(nue, sku), **fields}


def platform_line(nue: NueSandbox, **fields: Any) -> dict[str, Any]:
    """5 × Platform Standard for 12 months from 2026-01-01: 49 × 5 × 12 = 2940."""
    return line(nue, "NUE-PLAT-STD", **{"quantity": 5, **_YEAR_FROM_JANUARY, **fields})


def seats_line(nue: NueSandbox, **fields: Any) -> dict[str, Any]:
    """10 × Additional Seat for 12 months from 2026-01-01: 12.50 × 10 × 12 = 1500."""
    return line(nue, "NUE-SEAT", **{"quantity": 10, **_YEAR_FROM_JANUARY, **fields})


def onboarding_line(nue: NueSandbox, **fields: Any) -> dict[str, Any]:
    """One Onboarding Package, a one-off: 1500."""
    return line(nue, "NUE-ONBOARD", **{"quantity": 1, **fields})


_YEAR_FROM_JANUARY = {"subscriptionStartDate": "2026-01-01", "subscriptionTerm": 12}


def draft(customer_id: str, *lines: dict[str, Any], **header: Any) -> dict[str, Any]:
    """A documented `POST /orders` body for `customer_id`."""
    return {
        "customer": {"id": customer_id},
        "effectiveDate": "2026-01-01",
        "name": "Annual platform licence",
        "description": "Customer's annual subscription order",
        "orderProducts": list(lines),
        **header,
    }


def created_order(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()["data"]["order"]
    return order


def error_of(response: Any, status: int) -> dict[str, Any]:
    """Nue's error envelope, after checking the HTTP status."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "error"
    return body
