"""The Python side of the sandbox: direct inserts and updates (rules apply), wire-shaped reads, seeding."""

from __future__ import annotations

import httpx
import pytest

from nuesync.sandbox.nue import NueApiError, NueSandbox

from .conftest import Tenant
from .scenarios import draft, platform_line


def test_an_order_inserted_directly_is_served_like_any_other(nue: NueSandbox, client: httpx.Client,
                                                             tenant: Tenant) -> None:
    order_id = nue.insert_order(draft(tenant.acme, {"productSku": "NUE-SEAT", "quantity": 3}))
    served = client.get(f"/orders/{order_id}").json()["data"]["order"]
    [stored] = nue.orders()
    assert served == stored
    assert stored["orderProducts"][0]["productSku"] == "NUE-SEAT"
    assert isinstance(stored["totalAmount"], int | float), "wire shape: amounts are JSON numbers"


def test_direct_writes_follow_the_api_rules(nue: NueSandbox, tenant: Tenant) -> None:
    with pytest.raises(NueApiError) as refused:
        nue.insert_order(draft("no-such-customer", platform_line(nue)))
    assert (refused.value.status, refused.value.error_code) == (400, "CUSTOMER_NOT_FOUND")
    with pytest.raises(NueApiError) as unknown:
        nue.insert_order(draft(tenant.acme, {"productSku": "NO-SUCH-SKU", "quantity": 1}))
    assert unknown.value.error_code == "PRODUCT_NOT_FOUND"
    order_id = nue.insert_order(draft(tenant.acme, platform_line(nue)))
    nue.update_order(order_id, {"name": "Changed in the portal"})
    result = nue.activate_order(order_id, {"generateInvoice": True})
    assert (result["order"]["status"], len(result["invoices"])) == ("Activated", 1)
    with pytest.raises(NueApiError) as late:
        nue.update_order(order_id, {"name": "too late"})
    assert late.value.error_code == "ORDER_NOT_DRAFT"
    assert nue.get_order(order_id)["name"] == "Changed in the portal"


def test_reads_are_copies(nue: NueSandbox, tenant: Tenant) -> None:
    nue.insert_order(draft(tenant.acme, platform_line(nue)))
    nue.orders()[0]["orderProducts"][0]["quantity"] = 999
    nue.customers()[0]["name"] = "Mutated"
    assert nue.orders()[0]["orderProducts"][0]["quantity"] == 5
    assert nue.customers()[0]["name"] == "Acme Corp"


def test_synthetic_drafts_are_realistic_and_complete(nue: NueSandbox) -> None:
    ids = nue.seed_synthetic(40, lines_per_order=3)
    orders = nue.orders()
    assert [order["id"] for order in orders] == ids
    assert {order["status"] for order in orders} == {"Draft"}
    assert {order["origin"] for order in orders} == {"Nue"}
    assert all(len(order["orderProducts"]) == 3 for order in orders)
    assert all(order["billToContact"]["customerId"] == order["customerId"] for order in orders)
    assert all(order["billingPeriod"] and order["paymentTerm"] for order in orders)
    assert all(order["totalAmount"] > 0 for order in orders)
    assert len(nue.customers()) == 10
    skus = {line["productSku"] for order in orders for line in order["orderProducts"]}
    assert len(skus) >= 6
    assert any(line["priceTags"] for order in orders for line in order["orderProducts"])


def test_seeding_again_adds_customers_whose_contact_emails_are_new(nue: NueSandbox) -> None:
    nue.seed_synthetic(8)
    nue.seed_synthetic(8)  # contact emails are unique within a tenant: the second seeding must not repeat them

    emails = [contact["email"] for contact in nue.contacts()]
    assert len(emails) == len(set(emails)) == len(nue.customers()) == 4


def test_synthetic_data_is_deterministic() -> None:
    first, second = NueSandbox(), NueSandbox()
    first.seed_synthetic(5)
    second.seed_synthetic(5)
    strip = {"createdDate", "lastModifiedDate"}

    def content(nue: NueSandbox) -> list[object]:
        return [{k: v for k, v in order.items() if k not in strip and k != "customer"
                 and k != "billToContact" and k != "orderProducts"} for order in nue.orders()]

    assert content(first) == content(second)
