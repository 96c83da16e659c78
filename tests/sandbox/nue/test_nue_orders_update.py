"""`PATCH /orders/{id}` and `GET /orders/{id}` (assumed): draft updates, never on activated orders."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from nuesync.sandbox.nue import NueSandbox

from .conftest import Tenant
from .scenarios import created_order, draft, error_of, onboarding_line, platform_line, seats_line


@pytest.fixture
def cart(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> dict[str, Any]:
    """Acme's draft: 5 × Platform Standard (linked as 802P) and 10 seats, with a custom field."""
    body = draft(tenant.acme, platform_line(nue, salesforceId="802P"), seats_line(nue),
                 customFields={"Region__c": "EMEA", "Channel__c": "web"})
    return created_order(client.post("/orders", json=body))


def patch(client: httpx.Client, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.patch(f"/orders/{order_id}", json=body)
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()["data"]["order"]
    return order


def test_header_fields_billing_and_discounts_are_updated(client: httpx.Client, cart: dict[str, Any]) -> None:
    order = patch(client, cart["id"], {
        "name": "Renamed", "description": None, "effectiveDate": "2026-02-01", "billingPeriod": "Annual",
        "billCycleDay": "1st Day of Month", "billingTiming": "In Advance", "paymentTerm": "Net 30", "discount": 10,
    })
    assert (order["name"], order["description"], order["effectiveDate"]) == ("Renamed", None, "2026-02-01")
    assert (order["billingPeriod"], order["paymentTerm"]) == ("Annual", "Net 30")
    assert order["subtotal"] == 4440
    assert order["totalAmount"] == 3996  # 10 % off the order
    assert order["lastModifiedDate"] > cart["lastModifiedDate"]
    assert order["createdDate"] == cart["createdDate"]


def test_custom_fields_are_merged_key_by_key(client: httpx.Client, cart: dict[str, Any]) -> None:
    order = patch(client, cart["id"], {"customFields": {"Channel__c": "partner", "Tier__c": "gold"}})
    assert order["customFields"] == {"Region__c": "EMEA", "Channel__c": "partner", "Tier__c": "gold"}


def test_products_are_updated_by_id_and_added_without_one(nue: NueSandbox, client: httpx.Client,
                                                          cart: dict[str, Any]) -> None:
    platform, seats = cart["orderProducts"]
    order = patch(client, cart["id"], {"orderProducts": [
        {"id": platform["id"], "quantity": 6, "discount": 50, "priceTags": ["PROMO-LAUNCH"]},
        onboarding_line(nue, salesforceId="802NEW"),
    ]})
    products = {p["productSku"]: p for p in order["orderProducts"]}
    assert list(products) == ["NUE-PLAT-STD", "NUE-SEAT", "NUE-ONBOARD"], "nothing deleted, the new one appended"
    assert products["NUE-PLAT-STD"]["id"] == platform["id"]
    assert products["NUE-PLAT-STD"]["listTotal"] == 3528
    assert products["NUE-PLAT-STD"]["totalAmount"] == 1764
    assert [t["code"] for t in products["NUE-PLAT-STD"]["priceTags"]] == ["PROMO-LAUNCH"]
    assert products["NUE-SEAT"] == seats
    assert products["NUE-ONBOARD"]["salesforceId"] == "802NEW"
    assert products["NUE-ONBOARD"]["createdDate"] == products["NUE-PLAT-STD"]["lastModifiedDate"] == order[
        "lastModifiedDate"] > seats["lastModifiedDate"], "what the update touched carries its time"
    assert order["totalAmount"] == 1764 + 1500 + 1500


def test_moving_the_start_or_term_rederives_the_end(client: httpx.Client, cart: dict[str, Any]) -> None:
    platform = cart["orderProducts"][0]
    product = patch(client, cart["id"], {"orderProducts": [{"id": platform["id"], "subscriptionTerm": 24}]})[
        "orderProducts"][0]
    assert (product["subscriptionEndDate"], product["listTotal"]) == ("2028-01-01", 5880)
    body = {"orderProducts": [{"id": platform["id"], "subscriptionEndDate": "2026-07-01"}]}
    product = patch(client, cart["id"], body)["orderProducts"][0]
    assert (product["subscriptionTerm"], product["subscriptionEndDate"]) == (6, "2026-07-01")


def test_the_currency_cannot_leave_the_products_price_book(client: httpx.Client, cart: dict[str, Any]) -> None:
    error = error_of(client.patch(f"/orders/{cart['id']}", json={"currencyIsoCode": "EUR"}), 400)
    assert (error["errorCode"], error["field"]) == ("INVALID_VALUE", "currencyIsoCode")
    assert patch(client, cart["id"], {"currencyIsoCode": "USD"})["currencyIsoCode"] == "USD"


def test_a_product_cannot_change_product(nue: NueSandbox, client: httpx.Client, cart: dict[str, Any]) -> None:
    platform = cart["orderProducts"][0]
    same = patch(client, cart["id"], {"orderProducts": [{"id": platform["id"],
                                                         "priceBookEntryId": platform["priceBookEntryId"]}]})
    assert same["orderProducts"][0]["productSku"] == "NUE-PLAT-STD"
    other = cart["orderProducts"][1]["priceBookEntryId"]
    response = client.patch(f"/orders/{cart['id']}", json={"orderProducts": [{"id": platform["id"],
                                                                               "priceBookEntryId": other}]})
    assert error_of(response, 400)["field"] == "orderProducts[0].priceBookEntryId"


def test_a_product_of_another_order_is_refused(nue: NueSandbox, client: httpx.Client, tenant: Tenant,
                                               cart: dict[str, Any]) -> None:
    other = created_order(client.post("/orders", json=draft(tenant.globex, seats_line(nue))))
    response = client.patch(f"/orders/{cart['id']}", json={"orderProducts": [{"id": other["orderProducts"][0]["id"],
                                                                               "quantity": 1}]})
    error = error_of(response, 400)
    assert (error["errorCode"], error["field"]) == ("ORDER_PRODUCT_NOT_FOUND", "orderProducts[0].id")


def test_a_refused_update_changes_nothing(nue: NueSandbox, client: httpx.Client, cart: dict[str, Any]) -> None:
    before = nue.get_order(cart["id"])
    platform = cart["orderProducts"][0]
    response = client.patch(f"/orders/{cart['id']}", json={
        "name": "Should not stick", "orderProducts": [{"id": platform["id"], "quantity": 99},
                                                       {"priceBookEntryId": "01uNOPE", "quantity": 1}],
    })
    assert error_of(response, 400)["errorCode"] == "PRICE_BOOK_ENTRY_NOT_FOUND"
    assert nue.get_order(cart["id"]) == before


def test_links_must_stay_unique_but_may_move_within_one_update(nue: NueSandbox, client: httpx.Client,
                                                              tenant: Tenant, cart: dict[str, Any]) -> None:
    platform, seats = cart["orderProducts"]
    swapped = patch(client, cart["id"], {"orderProducts": [{"id": platform["id"], "salesforceId": "802S"},
                                                           {"id": seats["id"], "salesforceId": "802P"}]})
    assert [p["salesforceId"] for p in swapped["orderProducts"]] == ["802S", "802P"]
    other = created_order(client.post("/orders", json=draft(tenant.globex, seats_line(nue), salesforceId="801G")))
    response = client.patch(f"/orders/{cart['id']}", json={"salesforceId": "801G"})
    assert error_of(response, 409)["errorCode"] == "DUPLICATE_VALUE"
    response = client.patch(f"/orders/{other['id']}", json={"orderProducts": [
        {"id": other["orderProducts"][0]["id"], "salesforceId": "802P"}]})
    assert error_of(response, 409)["field"] == "orderProducts[0].salesforceId"
    assert patch(client, cart["id"], {"salesforceId": "801A"})["salesforceId"] == "801A"
    assert patch(client, other["id"], {"salesforceId": None})["salesforceId"] is None


def test_the_customer_and_contact_can_be_changed_consistently(client: httpx.Client, tenant: Tenant,
                                                              cart: dict[str, Any]) -> None:
    response = client.patch(f"/orders/{cart['id']}", json={"billToContact": {"id": tenant.globex_contact}})
    assert error_of(response, 400)["field"] == "billToContact.id"
    order = patch(client, cart["id"], {"customer": {"id": tenant.globex}, "billToContactId": tenant.globex_contact})
    assert (order["customerId"], order["billToContactId"]) == (tenant.globex, tenant.globex_contact)
    assert order["customer"]["name"] == "Globex"


def test_an_activated_order_refuses_draft_updates(nue: NueSandbox, client: httpx.Client,
                                                  cart: dict[str, Any]) -> None:
    nue.activate_order(cart["id"])
    for body in ({"name": "late"}, {"orderProducts": [{"id": cart["orderProducts"][0]["id"], "quantity": 1}]}):
        error = error_of(client.patch(f"/orders/{cart['id']}", json=body), 400)
        assert error["errorCode"] == "ORDER_NOT_DRAFT"
    assert nue.get_order(cart["id"])["name"] == cart["name"]


def test_an_activated_order_still_takes_its_links(nue: NueSandbox, client: httpx.Client,
                                                  cart: dict[str, Any]) -> None:
    nue.activate_order(cart["id"])
    seats = cart["orderProducts"][1]
    order = patch(client, cart["id"], {"salesforceId": "801LATE", "origin": "Nue",
                                       "orderProducts": [{"id": seats["id"], "salesforceId": "802LATE"}]})
    assert (order["status"], order["salesforceId"], order["origin"]) == ("Activated", "801LATE", "Nue")
    assert order["orderProducts"][1]["salesforceId"] == "802LATE"


def test_an_unknown_order_is_404(client: httpx.Client) -> None:
    assert error_of(client.patch("/orders/no-such-order", json={"name": "x"}), 404)["errorCode"] == "NOT_FOUND"
    assert error_of(client.get("/orders/no-such-order"), 404)["errorCode"] == "NOT_FOUND"


def test_one_order_is_read_with_its_products(client: httpx.Client, cart: dict[str, Any]) -> None:
    response = client.get(f"/orders/{cart['id']}")
    assert response.status_code == 200
    order = response.json()["data"]["order"]
    assert order == cart
    with_assets = client.get(f"/orders/{cart['id']}", params={"includes": "assets,invoices"}).json()["data"]["order"]
    assert (with_assets["assets"], with_assets["invoices"]) == ([], [])
