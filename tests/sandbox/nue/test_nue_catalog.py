"""The catalogue (`GET /catalog/products`, `GET /catalog/price-tags`) and the Sync Draft Orders setting."""

from __future__ import annotations

import httpx
import pytest

from nuesync.sandbox.catalog import PRICE_TAGS, PRODUCTS
from nuesync.sandbox.nue import NueSandbox


def test_products_carry_their_price_book_entries(client: httpx.Client) -> None:
    response = client.get("/catalog/products")
    assert response.status_code == 200
    products = response.json()
    assert isinstance(products, list), "Nue's catalogue examples iterate the answer directly"
    assert {p["sku"]: p["priceBookEntries"][0]["listPrice"] for p in products} == {
        p.sku: float(p.list_price) for p in PRODUCTS
    }
    onboarding = next(p for p in products if p["sku"] == "NUE-ONBOARD")
    assert (onboarding["priceModel"], onboarding["defaultSubscriptionTerm"]) == ("One-Time", None)
    entry = onboarding["priceBookEntries"][0]
    assert (entry["productId"], entry["currencyIsoCode"], entry["active"]) == (onboarding["id"], "USD", True)


def test_price_tags_are_listed_with_code_and_type(client: httpx.Client) -> None:
    tags = client.get("/catalog/price-tags").json()
    assert {(t["code"], t["type"]) for t in tags} == {
        (t.code, "Price" if t.kind == "price" else "Discount") for t in PRICE_TAGS
    }


def test_seeding_the_catalogue_twice_adds_nothing(nue: NueSandbox) -> None:
    before = (dict(nue.store.products), dict(nue.store.price_book_entries), dict(nue.store.price_tags))
    nue.seed_catalog()
    assert (nue.store.products, nue.store.price_book_entries, nue.store.price_tags) == before


@pytest.mark.parametrize("enabled", [True, False])
def test_the_sync_draft_orders_setting_is_served(nue: NueSandbox, client: httpx.Client, enabled: bool) -> None:
    nue.draft_sync_enabled = enabled
    response = client.get("/settings/sync")
    assert response.json() == {"status": "success", "data": {"syncDraftOrders": enabled}}


def test_draft_sync_is_on_by_default() -> None:
    assert NueSandbox().draft_sync_enabled is True
