"""`POST /orders/{id}` with options (documented): a draft becomes Activated with what it provisions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from nuesync.sandbox.nue import NueSandbox

from .conftest import Tenant
from .scenarios import created_order, draft, error_of, onboarding_line, platform_line


@pytest.fixture
def cart(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> dict[str, Any]:
    """Acme's draft: a year of Platform Standard (2940) and the one-off onboarding (1500), billed monthly."""
    body = draft(tenant.acme, platform_line(nue), onboarding_line(nue), billingPeriod="Month", paymentTerm="Net 30")
    return created_order(client.post("/orders", json=body))


def activate(client: httpx.Client, order_id: str, options: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/orders/{order_id}", json={"options": options})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "success"
    data: dict[str, Any] = response.json()["data"]
    return data


def test_activation_provisions_subscriptions_and_assets(nue: NueSandbox, client: httpx.Client,
                                                        cart: dict[str, Any]) -> None:
    data = activate(client, cart["id"], {})
    order = data["order"]
    assert order["status"] == "Activated"
    assert order["activatedDate"] >= order["createdDate"]
    assert order["orderPlacedDate"] == order["activatedDate"][:10]
    [subscription] = data["subscriptions"]
    assert subscription["productSku"] == "NUE-PLAT-STD"
    assert subscription["name"].startswith("SUB-")
    assert (subscription["subscriptionStartDate"], subscription["subscriptionEndDate"]) == ("2026-01-01", "2027-01-01")
    assert subscription["orderProductId"] == cart["orderProducts"][0]["id"]
    [asset] = data["assets"]
    assert (asset["productSku"], asset["assetNumber"][:4]) == ("NUE-ONBOARD", "AST-")
    assert data["invoices"] == []
    assert nue.get_order(cart["id"])["status"] == "Activated"


@pytest.mark.parametrize(("activate_invoice", "status"), [(False, "Draft"), (True, "Active")])
def test_generate_invoice_creates_the_first_invoice(client: httpx.Client, cart: dict[str, Any],
                                                    activate_invoice: bool, status: str) -> None:
    data = activate(client, cart["id"], {"generateInvoice": True, "activateInvoice": activate_invoice})
    [invoice] = data["invoices"]
    assert invoice["status"] == status
    assert invoice["invoiceNumber"].startswith("INV-")
    assert invoice["amount"] == 245 + 1500
    assert invoice["dueDate"] == "2026-01-31"
    listed = client.get(f"/orders/{cart['id']}", params={"includes": "invoices,subscriptions"}).json()["data"]["order"]
    assert [i["id"] for i in listed["invoices"]] == [invoice["id"]]
    assert len(listed["subscriptions"]) == 1


def test_an_activated_order_cannot_be_activated_again(client: httpx.Client, cart: dict[str, Any]) -> None:
    activate(client, cart["id"], {})
    error = error_of(client.post(f"/orders/{cart['id']}", json={"options": {}}), 400)
    assert error["errorCode"] == "ORDER_NOT_DRAFT"


@pytest.mark.parametrize(("body", "field"), [
    ({"options": {"sendEmail": True}}, "options.sendEmail"),
    ({"options": {"generateInvoice": "yes"}}, "options.generateInvoice"),
    ({"options": {"activateInvoice": True}}, "options.activateInvoice"),
    ({"name": "an update sent to the activation endpoint"}, "name"),
])
def test_a_malformed_activation_leaves_the_draft_alone(nue: NueSandbox, client: httpx.Client, cart: dict[str, Any],
                                                       body: dict[str, Any], field: str) -> None:
    error = error_of(client.post(f"/orders/{cart['id']}", json=body), 400)
    assert error["field"] == field
    assert nue.get_order(cart["id"])["status"] == "Draft"


def test_activating_an_unknown_order_is_404(client: httpx.Client) -> None:
    assert error_of(client.post("/orders/nope", json={"options": {}}), 404)["errorCode"] == "NOT_FOUND"
