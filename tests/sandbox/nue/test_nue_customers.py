"""Customers (`POST /customers`, the read-only `externalId` documented; updates assumed) and their contacts
(`POST /customers/{customerId}/contacts` documented)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from nuesync.sandbox.nue import NueApiError, NueSandbox

from .conftest import Tenant
from .scenarios import error_of


def data_of(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    assert response.json()["status"] == "success"
    records: list[dict[str, Any]] = response.json()["data"]
    return records


def test_customers_are_created_in_a_batch(nue: NueSandbox, client: httpx.Client) -> None:
    created = data_of(client.post("/customers", json=[
        {"name": "Initech", "recordType": "Business"},
        {"name": "Jane Doe", "recordType": "Consumer", "email": "jane@example.com"},
    ]), 201)
    assert [c["name"] for c in created] == ["Initech", "Jane Doe"]
    assert [c["recordType"] for c in created] == ["Business", "Consumer"]
    assert created[0]["accountNumber"] != created[1]["accountNumber"]
    assert [c["externalId"] for c in created] == [None, None]  # not synced to Salesforce yet
    assert [c["createdDate"] == c["modifiedDate"] for c in created] == [True, True]
    assert "lastModifiedDate" not in created[0] and "salesforceId" not in created[0]
    assert {c["id"] for c in nue.customers()} == {c["id"] for c in created}


def test_a_single_customer_object_is_a_batch_of_one(client: httpx.Client) -> None:
    [customer] = data_of(client.post("/customers", json={"name": "Solo"}), 201)
    assert (customer["name"], customer["recordType"]) == ("Solo", "Business")


@pytest.mark.parametrize(("body", "code", "field"), [
    ([{"recordType": "Business"}], "REQUIRED_FIELD_MISSING", "[0].name"),
    ([{"name": "X", "recordType": "Partner"}], "INVALID_VALUE", "[0].recordType"),
    ([{"name": "X", "accountNumber": "ACC-1"}], "INVALID_FIELD", "[0].accountNumber"),
    ([{"name": "A"}, {"name": "B", "externalId": "001D"}], "INVALID_FIELD", "[1].externalId"),
    ([{"name": "A", "salesforceId": "001D"}], "INVALID_FIELD", "[0].salesforceId"),
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


@pytest.mark.parametrize("path", ["/customers/{id}", "/orders/customers/{id}"])
def test_a_customer_external_id_is_read_only_through_the_api(nue: NueSandbox, client: httpx.Client,
                                                              tenant: Tenant, path: str) -> None:
    error = error_of(client.patch(path.format(id=tenant.globex), json={"externalId": "001GLOBEX"}), 400)

    assert (error["errorCode"], error["field"]) == ("INVALID_FIELD", "externalId")
    assert "externalId" in error["message"]
    assert next(c for c in nue.customers() if c["id"] == tenant.globex)["externalId"] is None


def test_only_nues_salesforce_sync_links_a_customer_and_one_account_is_one_customer(
        nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    nue.link_customer_to_account(tenant.globex, "001GLOBEX")
    with pytest.raises(NueApiError) as taken:
        nue.link_customer_to_account(tenant.globex, "001ACME")

    [customer] = data_of(client.patch("/orders/customers/001GLOBEX", json={"phone": "+1 555 0199"}), 200)
    assert (customer["id"], customer["externalId"], customer["phone"]) == (tenant.globex, "001GLOBEX", "+1 555 0199")
    assert (taken.value.error_code, taken.value.field) == ("DUPLICATE_VALUE", "externalId")
    assert tenant.acme in taken.value.message


@pytest.mark.parametrize("path", ["/customers/{id}", "/orders/customers/{id}"])
def test_a_customer_is_updated_and_custom_fields_merged(nue: NueSandbox, client: httpx.Client, tenant: Tenant,
                                                        path: str) -> None:
    client.patch(path.format(id=tenant.globex), json={"customFields": {"Tier__c": "gold"}})
    [customer] = data_of(client.patch(path.format(id=tenant.globex), json={
        "name": "Globex Corporation", "customFields": {"Segment__c": "SMB"}}), 200)
    assert (customer["name"], customer["externalId"]) == ("Globex Corporation", None)
    assert customer["customFields"] == {"Tier__c": "gold", "Segment__c": "SMB"}
    assert customer["modifiedDate"] > customer["createdDate"]


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
    for cleared in ("name", "email"):
        error = error_of(client.patch(f"/contacts/{tenant.acme_contact}", json={cleared: None}), 400)
        assert (error["errorCode"], error["field"]) == ("REQUIRED_FIELD_MISSING", cleared)


def test_contacts_are_created_as_an_array_only(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    solo = {"name": "Solo", "email": "solo@acme.example"}
    error = error_of(client.post(f"/customers/{tenant.acme}/contacts", json=solo), 400)

    assert error["errorCode"] == "INVALID_REQUEST"
    assert "JSON array" in error["message"]
    assert len(nue.contacts()) == 2


@pytest.mark.parametrize(("body", "field"), [
    ([{"name": "Wile again", "email": "WILE@acme.example"}], "[0].email"),  # another contact's, in any case
    ([{"name": "A", "email": "same@acme.example"}, {"name": "B", "email": "same@acme.example"}], "[1].email"),
])
def test_a_contact_email_is_unique_within_the_tenant(nue: NueSandbox, client: httpx.Client, tenant: Tenant,
                                                     body: list[dict[str, Any]], field: str) -> None:
    error = error_of(client.post(f"/customers/{tenant.globex}/contacts", json=body), 409)

    assert (error["errorCode"], error["field"]) == ("DUPLICATE_VALUE", field)
    assert len(nue.contacts()) == 2


def test_a_contact_email_changes_only_to_one_no_other_contact_has(client: httpx.Client, tenant: Tenant) -> None:
    taken = error_of(client.patch(f"/contacts/{tenant.globex_contact}", json={"email": "wile@acme.example"}), 409)
    [moved] = data_of(client.patch(f"/contacts/{tenant.acme_contact}", json={"email": "road@acme.example"}), 200)
    [freed] = data_of(client.patch(f"/contacts/{tenant.globex_contact}", json={"email": "wile@acme.example"}), 200)

    assert (taken["errorCode"], taken["field"]) == ("DUPLICATE_VALUE", "email")
    assert tenant.acme_contact in taken["message"]
    assert (moved["email"], freed["email"]) == ("road@acme.example", "wile@acme.example")


def test_a_contact_link_is_set_and_unique(client: httpx.Client, tenant: Tenant) -> None:
    [contact] = data_of(client.patch(f"/contacts/{tenant.acme_contact}", json={"salesforceId": "003W"}), 200)
    assert contact["salesforceId"] == "003W"
    error = error_of(client.patch(f"/contacts/{tenant.globex_contact}", json={"salesforceId": "003W"}), 409)
    assert error["errorCode"] == "DUPLICATE_VALUE"
