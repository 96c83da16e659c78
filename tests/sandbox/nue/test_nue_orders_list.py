"""`GET /orders?customerIds=…&status=…&includes=…` (documented): a customer's orders."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from nuesync.sandbox.nue import NueSandbox

from .conftest import Tenant
from .scenarios import created_order, draft, error_of, platform_line, seats_line


@pytest.fixture
def book(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> dict[str, str]:
    """Acme has a draft and an activated order; Globex one draft."""
    orders = {
        "acme draft": created_order(client.post("/orders", json=draft(tenant.acme, platform_line(nue))))["id"],
        "acme activated": created_order(client.post("/orders", json=draft(tenant.acme, seats_line(nue))))["id"],
        "globex draft": created_order(client.post("/orders", json=draft(tenant.globex, seats_line(nue))))["id"],
    }
    nue.activate_order(orders["acme activated"])
    return orders


def listed(client: httpx.Client, customer_ids: list[str], **params: str) -> list[dict[str, Any]]:
    response = client.get("/orders", params={"customerIds": json.dumps(customer_ids), **params})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "success"
    orders: list[dict[str, Any]] = response.json()["data"]
    return orders


def test_orders_of_the_given_customers(client: httpx.Client, tenant: Tenant, book: dict[str, str]) -> None:
    assert {o["id"] for o in listed(client, [tenant.acme])} == {book["acme draft"], book["acme activated"]}
    assert {o["id"] for o in listed(client, [tenant.acme, tenant.globex])} == set(book.values())
    assert listed(client, ["no-such-customer"]) == []


def test_a_customer_may_be_named_by_its_salesforce_id(client: httpx.Client, book: dict[str, str]) -> None:
    assert {o["id"] for o in listed(client, ["001ACME"])} == {book["acme draft"], book["acme activated"]}


@pytest.mark.parametrize(("status", "expected"), [
    ("draft", "acme draft"), ("Draft", "acme draft"), ("DRAFT", "acme draft"),
    ("active", "acme activated"), ("activated", "acme activated"), ("Activated", "acme activated"),
])
def test_the_status_filter_ignores_case(client: httpx.Client, tenant: Tenant, book: dict[str, str], status: str,
                                        expected: str) -> None:
    [order] = listed(client, [tenant.acme], status=status)
    assert order["id"] == book[expected]
    assert order["status"] in {"Draft", "Activated"}, "records keep Nue's casing whatever the filter's"


def test_order_products_come_only_when_included(client: httpx.Client, tenant: Tenant, book: dict[str, str]) -> None:
    plain = listed(client, [tenant.globex])[0]
    assert "orderProducts" not in plain
    assert plain["customer"]["name"] == "Globex"
    [with_products] = listed(client, [tenant.globex], includes="orderProducts")
    assert [p["productSku"] for p in with_products["orderProducts"]] == ["NUE-SEAT"]
    [activated] = listed(client, [tenant.acme], status="active", includes="assets,subscriptions,invoices")
    assert [s["productSku"] for s in activated["subscriptions"]] == ["NUE-SEAT"]
    assert (activated["assets"], activated["invoices"]) == ([], [])


@pytest.mark.parametrize(("params", "code", "field"), [
    ({}, "REQUIRED_FIELD_MISSING", "customerIds"),
    ({"customerIds": "acme"}, "INVALID_VALUE", "customerIds"),
    ({"customerIds": '{"id": 1}'}, "INVALID_VALUE", "customerIds"),
    ({"customerIds": "[]", "status": "pending"}, "INVALID_VALUE", "status"),
    ({"customerIds": "[]", "includes": "orderProducts,payments"}, "INVALID_VALUE", "includes"),
])
def test_bad_query_parameters_are_named(client: httpx.Client, params: dict[str, str], code: str, field: str) -> None:
    error = error_of(client.get("/orders", params=params), 400)
    assert (error["errorCode"], error["field"]) == (code, field)
