"""Customers (`POST /customers` documented, updates assumed) and their contacts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from nuesync.sandbox.nue import NueSandbox

from .conftest import Tenant
from .scenarios import error_of


def data_of(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    assert response.json()["status"] == "success"
    records: list[dict[str, Any]] = response.json()["data"]
    return records


def test_customers_are_created_in_a_batch(nue: NueSandbox, client: httpx.Client) -> None:
    created = data_of(client.post("/customers", json=[
        {"name": "Initech", "recordType": "Business", "salesforceId": "001INI"},
        {"name": "Jane Doe", "recordType": "Consumer", "email": "jane@example.com"},
    ]), 201)
    assert [c["name"] for c in created] == ["Initech", "Jane Doe"]
    assert [c["recordType"] for c in created] == ["Business", "Consumer"]
    assert created[0]["accountNumber"] != created[1]["accountNumber"]
    assert (created[0]["salesforceId"], created[0]["externalId"]) == ("001INI", "001INI")
    assert {c["id"] for c in nue.customers()} == {c["id"] for c in created}


def test_a_single_customer_object_is_a_batch_of_one(client: httpx.Client) -> None:
    [customer] = data_of(client.post("/customers", json={"name": "Solo"}), 201)
    assert (customer["name"], customer["recordType"]) == ("Solo", "Business")


@pytest.mark.parametrize(("body", "code", "field"), [
    ([{"recordType": "Business"}], "REQUIRED_FIELD_MISSING", "[0].name"),
    ([{"name": "X", "recordType": "Partner"}], "INVALID_VALUE", "[0].recordType"),
    ([{"name": "X", "accountNumber": "ACC-1"}], "INVALID_FIELD", "[0].accountNumber"),
    ([{"name": "A", "salesforceId": "001D"}, {"name": "B", "salesforceId": "001D"}], "DUPLICATE_VALUE",
     "[1].salesforceId"),
])
def test_a_bad_batch_stores_nothing(nue: NueSandbox, client: httpx.Client, body: list[dict[str, Any]], code: str,
                                    field: str) -> None:
    response = client.post("/customers", json=body)
    error = error_of(response, 409 if code == "DUPLICATE_VALUE" else 400)
    assert (error["errorCode"], error["field"]) == (code, field)
    assert nue.customers() == []


def test_a_batch_is_capped_at_200(client: httpx.Client) -> None:
    error = error_of(client.post("/customers", json=[{"name": f"C{i}"} for i in range(201)]), 400)
    assert error["errorCode"] == "TOO_MANY_RECORDS"


def test_a_customer_salesforce_id_is_unique(client: httpx.Client, tenant: Tenant) -> None:
    error = error_of(client.post("/customers", json=[{"name": "Acme again", "salesforceId": "001ACME"}]), 409)
    assert error["errorCode"] == "DUPLICATE_VALUE"
    error = error_of(client.patch(f"/customers/{tenant.globex}", json={"salesforceId": "001ACME"}), 409)
    assert tenant.acme in error["message"]


@pytest.mark.parametrize("path", ["/customers/{id}", "/orders/customers/{id}"])
def test_a_customer_is_updated_and_custom_fields_merged(nue: NueSandbox, client: httpx.Client, tenant: Tenant,
                                                        path: str) -> None:
    client.patch(path.format(id=tenant.globex), json={"customFields": {"Tier__c": "gold"}})
    [customer] = data_of(client.patch(path.format(id=tenant.globex), json={
        "name": "Globex Corporation", "salesforceId": "001GLOBEX", "customFields": {"Segment__c": "SMB"}}), 200)
    assert (customer["name"], customer["salesforceId"], customer["externalId"]) == (
        "Globex Corporation", "001GLOBEX", "001GLOBEX")
    assert customer["customFields"] == {"Tier__c": "gold", "Segment__c": "SMB"}
    assert customer["lastModifiedDate"] > customer["createdDate"]


def test_a_customer_is_found_by_its_salesforce_id_for_updates(client: httpx.Client, tenant: Tenant) -> None:
    [customer] = data_of(client.patch("/orders/customers/001ACME", json={"phone": "+1 555 0100"}), 200)
    assert (customer["id"], customer["phone"]) == (tenant.acme, "+1 555 0100")


def test_updating_an_unknown_customer_is_404(client: httpx.Client) -> None:
    assert error_of(client.patch("/customers/nope", json={"name": "x"}), 404)["errorCode"] == "NOT_FOUND"


def test_contacts_are_created_for_a_customer(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    [contact] = data_of(client.post(f"/customers/{tenant.globex}/contacts", json=[
        {"firstName": "Mindy", "lastName": "Simmons", "email": "mindy@globex.example", "salesforceId": "003M"}]), 201)
    assert (contact["name"], contact["customerId"], contact["salesforceId"]) == ("Mindy Simmons", tenant.globex, "003M")
    assert contact["id"] in {c["id"] for c in nue.contacts()}


def test_a_contact_needs_a_name_and_an_email(client: httpx.Client, tenant: Tenant) -> None:
    error = error_of(client.post(f"/customers/{tenant.acme}/contacts", json=[{"name": "No Mail"}]), 400)
    assert error["field"] == "[0].email"
    error = error_of(client.post(f"/customers/{tenant.acme}/contacts", json=[{"email": "x@y.z"}]), 400)
    assert error["field"] == "[0].name"
    assert error_of(client.post("/customers/nope/contacts", json=[{"name": "A", "email": "a@b.c"}]), 404)


def test_a_contact_link_is_set_and_unique(client: httpx.Client, tenant: Tenant) -> None:
    [contact] = data_of(client.patch(f"/contacts/{tenant.acme_contact}", json={"salesforceId": "003W"}), 200)
    assert contact["salesforceId"] == "003W"
    error = error_of(client.patch(f"/contacts/{tenant.globex_contact}", json={"salesforceId": "003W"}), 409)
    assert error["errorCode"] == "DUPLICATE_VALUE"
