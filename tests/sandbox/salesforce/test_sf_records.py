"""sObject REST resources through simple-salesforce: CRUD, upsert, field errors, describe, limits."""

from __future__ import annotations

import pytest
from simple_salesforce import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from nuesync.sandbox.salesforce.ids import normalize_id

from . import scenarios
from .conftest import VERSION


def _error(failure: pytest.ExceptionInfo) -> dict:
    [error] = failure.value.content
    return error


def test_create_get_update_delete_round_trip(client, sandbox):
    created = client.Account.create({"Name": "Round Trip Ltd", "Nue_Customer_Id__c": "RT-1"})

    assert set(created) == {"id", "success", "errors"}
    assert created["success"] is True and created["errors"] == []
    record = client.Account.get(created["id"])
    url = f"/services/data/v{VERSION}/sobjects/Account/{created['id']}"
    assert record["attributes"] == {"type": "Account", "url": url}
    assert record["Name"] == "Round Trip Ltd"
    assert record["CreatedDate"].endswith(".000+0000") and len(record["CreatedDate"]) == 28
    assert record["CurrencyIsoCode"] == "USD"
    assert client.Account.update(created["id"], {"Name": "Renamed Ltd"}) == 204
    assert sandbox.get("Account", created["id"])["Name"] == "Renamed Ltd"
    assert client.Account.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound) as gone:
        client.Account.get(created["id"])
    assert _error(gone)["errorCode"] == "ENTITY_IS_DELETED"


def test_ids_are_18_characters_with_valid_suffix_and_key_prefix(client):
    account = client.Account.create({"Name": "Prefix Co"})["id"]
    contact = client.Contact.create({"LastName": "Lovelace", "AccountId": account})["id"]

    assert len(account) == 18 and normalize_id(account[:15]) == account and account.startswith("001")
    assert contact.startswith("003")
    assert client.Account.get(account[:15])["Id"] == account


def test_get_with_fields_parameter_returns_only_those_fields(client, raw):
    account = client.Account.create({"Name": "Fields Co"})["id"]

    body = raw("GET", f"sobjects/Account/{account}", params={"fields": "Name,Nue_Customer_Id__c"}).json()

    assert list(body) == ["attributes", "Name", "Nue_Customer_Id__c"]


def test_upsert_by_external_id_creates_then_updates(client, raw):
    first = raw("PATCH", "sobjects/Account/Nue_Customer_Id__c/UPS-1", json={"Name": "Upsert Inc"})
    second = raw("PATCH", "sobjects/Account/Nue_Customer_Id__c/UPS-1", json={"Name": "Upsert Incorporated"})

    assert first.status_code == 201
    assert first.json() == {"id": first.json()["id"], "success": True, "errors": [], "created": True}
    assert second.status_code == 200
    assert second.json() == {"id": first.json()["id"], "success": True, "errors": [], "created": False}
    assert client.Account.get_by_custom_id("Nue_Customer_Id__c", "UPS-1")["Name"] == "Upsert Incorporated"


def test_upsert_matching_several_records_is_300_with_their_urls(client, sandbox):
    ids = [sandbox.insert("Product2", {"Name": f"Twin {n}", "ExternalId": "TWIN"}) for n in range(2)]

    with pytest.raises(SalesforceMoreThanOneRecord) as several:
        client.Product2.upsert("ExternalId/TWIN", {"Name": "Which one?"})

    assert several.value.status == 300
    assert sorted(several.value.content) == sorted(f"/services/data/v{VERSION}/sobjects/Product2/{i}" for i in ids)


def test_upsert_on_a_field_that_is_not_an_external_id_is_refused(raw):
    response = raw("PATCH", "sobjects/Account/Name/Acme", json={"Phone": "1"})

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"


@pytest.mark.parametrize(
    ("body", "code", "message", "fields"),
    [
        ({"Name": "x", "Bogus__c": 1}, "INVALID_FIELD", "No such column 'Bogus__c' on sobject of type Account", None),
        ({"Name": "x", "Id": "001Hn0000000001AAA"}, "INVALID_FIELD_FOR_INSERT_UPDATE",
         "cannot specify Id in an insert call", ["Id"]),
        ({"Name": "x", "CreatedDate": "2026-01-01T00:00:00.000+0000"}, "INVALID_FIELD_FOR_INSERT_UPDATE",
         "Unable to create/update fields: CreatedDate. Please check the security settings of this field and verify "
         "that it is read/write for your profile or permission set.", ["CreatedDate"]),
        ({"Phone": "1"}, "REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ["Name"]),
        ({"Name": "x" * 256}, "STRING_TOO_LONG", "Account Name: data value too large: " + "x" * 256 +
         " (max length=255)", ["Name"]),
        ({"Name": "x", "CurrencyIsoCode": "XYZ"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
         "Account Currency: bad value for restricted picklist field: XYZ", ["CurrencyIsoCode"]),
    ],
)
def test_account_field_errors(client, body, code, message, fields):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        client.Account.create(body)

    expected = {"message": message, "errorCode": code} | ({"fields": fields} if fields is not None else {})
    assert _error(refused) == expected


@pytest.mark.parametrize(
    ("field", "value", "code", "message"),
    [
        ("Quantity", "lots", "JSON_PARSER_ERROR",
         "Cannot deserialize instance of double from VALUE_STRING value lots or request may be missing a required "
         "field"),
        ("ServiceDate", "2026-13-45", "JSON_PARSER_ERROR",
         "Cannot deserialize instance of date from VALUE_STRING value 2026-13-45 or request may be missing a "
         "required field"),
        ("Quantity", True, "INVALID_TYPE_ON_FIELD_IN_RECORD", "Quantity: value not of required type: true"),
        ("UnitPrice", 10**17, "NUMBER_OUTSIDE_VALID_RANGE",
         f"Unit Price: value outside of valid range on numeric field: {10**17}"),
    ],
)
def test_value_type_errors(client, sandbox, field, value, code, message):
    order = scenarios.draft_order(sandbox)
    body = {"OrderId": order.order_id, "PricebookEntryId": order.entry_id, "Quantity": 1, "UnitPrice": 5}

    with pytest.raises(SalesforceMalformedRequest) as refused:
        client.OrderItem.create(body | {field: value})

    assert _error(refused)["errorCode"] == code
    assert _error(refused)["message"] == message


def test_reference_errors(client, sandbox):
    existing_contact = sandbox.insert("Contact", {"LastName": "Hopper"})
    missing_account = normalize_id("001Hn0000ZZZZZZ")
    cases = [
        ("not-an-id", "MALFORMED_ID", "Account ID: id value of incorrect type: not-an-id"),
        (existing_contact, "FIELD_INTEGRITY_EXCEPTION", f"Account ID: id value of incorrect type: {existing_contact}"),
        (missing_account, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"),
    ]
    for value, code, message in cases:
        with pytest.raises(SalesforceMalformedRequest) as refused:
            client.Contact.create({"LastName": "Ref", "AccountId": value})
        assert _error(refused) == {"message": message, "errorCode": code, "fields": ["AccountId"]}


def test_parent_reference_by_external_id_in_the_body(client, sandbox):
    account = sandbox.insert("Account", {"Name": "By Ext", "Nue_Customer_Id__c": "EXT-REF-1"})

    contact = client.Contact.create({"LastName": "Turing", "Account": {"Nue_Customer_Id__c": "EXT-REF-1"}})["id"]

    assert sandbox.get("Contact", contact)["AccountId"] == account


def test_duplicate_external_id_is_duplicate_value(client, sandbox):
    owner = sandbox.insert("Account", {"Name": "First", "Nue_Customer_Id__c": "DUP-1"})

    with pytest.raises(SalesforceMalformedRequest) as refused:
        client.Account.create({"Name": "Second", "Nue_Customer_Id__c": "DUP-1"})

    assert _error(refused) == {"message": f"duplicate value found: Nue_Customer_Id__c duplicates value on record with "
                                          f"id: {owner}", "errorCode": "DUPLICATE_VALUE", "fields": []}


def test_url_ids_that_are_not_ids(raw):
    not_an_id = raw("GET", "sobjects/Account/hello")
    bad_suffix = raw("GET", "sobjects/Account/001Hn0000000001ZZZ")
    wrong_type = raw("PATCH", f"sobjects/Account/{normalize_id('003Hn0000000001')}", json={"Name": "x"})
    missing = raw("GET", f"sobjects/Account/{normalize_id('001Hn0000ZZZZZZ')}")

    assert (not_an_id.status_code, not_an_id.json()[0]["errorCode"]) == (404, "NOT_FOUND")
    assert (bad_suffix.status_code, bad_suffix.json()[0]["errorCode"]) == (400, "MALFORMED_ID")
    assert (wrong_type.status_code, wrong_type.json()[0]["errorCode"]) == (400, "MALFORMED_ID")
    assert missing.status_code == 404
    assert missing.json() == [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]


def test_malformed_json_body_is_json_parser_error(raw):
    response = raw("POST", "sobjects/Account", data="{not json", headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_id_in_update_body_is_refused(client):
    account = client.Account.create({"Name": "Body Id"})["id"]

    with pytest.raises(SalesforceMalformedRequest) as refused:
        client.Account.update(account, {"Id": account, "Name": "x"})

    assert _error(refused)["errorCode"] == "INVALID_FIELD"


def test_delete_account_with_orders_fails_and_cascades_contacts(client, sandbox):
    order = scenarios.draft_order(sandbox)
    lonely = sandbox.insert("Account", {"Name": "No Orders"})
    contact = sandbox.insert("Contact", {"LastName": "Cascade", "AccountId": lonely})

    with pytest.raises(SalesforceMalformedRequest) as refused:
        client.Account.delete(order.account_id)
    client.Account.delete(lonely)

    assert _error(refused)["errorCode"] == "DELETE_FAILED"
    assert sandbox.get("Contact", contact)["IsDeleted"] is True


def test_describe_reports_fields_and_child_relationships(client):
    order = client.Order.describe()
    fields = {f["name"]: f for f in order["fields"]}

    assert order["name"] == "Order" and order["keyPrefix"] == "801"
    assert {"externalId": True, "unique": True, "type": "string", "custom": True}.items() <= fields[
        "Nue_Order_Id__c"].items()
    assert fields["StatusCode"]["createable"] is False and fields["StatusCode"]["updateable"] is False
    assert fields["TotalAmount"]["type"] == "currency" and fields["TotalAmount"]["updateable"] is False
    assert fields["AccountId"]["referenceTo"] == ["Account"] and fields["AccountId"]["relationshipName"] == "Account"
    assert fields["EffectiveDate"]["nillable"] is False and fields["EffectiveDate"]["type"] == "date"
    assert [v["value"] for v in fields["Status"]["picklistValues"]] == ["Draft", "Activated"]
    assert {"childSObject": "OrderItem", "field": "OrderId", "relationshipName": "OrderItems"}.items() <= next(
        r for r in order["childRelationships"] if r["relationshipName"] == "OrderItems").items()
    item_fields = {f["name"]: f for f in client.OrderItem.describe()["fields"]}
    entry_field = item_fields["PricebookEntryId"]
    assert entry_field["createable"] is True and entry_field["updateable"] is False
    assert item_fields["OrderId"]["updateable"] is False
    account = client.Account.describe()
    assert any(r["relationshipName"] == "Orders" for r in account["childRelationships"])


def test_global_describe_lists_the_org_objects(client):
    names = {o["name"]: o["keyPrefix"] for o in client.describe()["sobjects"]}

    assert {"Account": "001", "Contact": "003", "Product2": "01t", "Pricebook2": "01s", "PricebookEntry": "01u",
            "Order": "801", "OrderItem": "802", "Task": "00T"}.items() <= names.items()
    assert "OrderStatus" in names


def test_unknown_object_is_not_found(raw):
    assert raw("GET", "sobjects/Invoice__c/describe").status_code == 404
    assert raw("POST", "sobjects/Invoice__c", json={"Name": "x"}).json()[0]["errorCode"] == "NOT_FOUND"


def test_limits_and_versions(client, http, running, sandbox):
    limits = client.limits()
    versions = http.get(f"{running.url}/services/data/").json()

    assert limits["DailyApiRequests"]["Max"] == 100_000
    assert limits["DailyApiRequests"]["Remaining"] == 100_000 - sandbox.api_usage
    assert {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"} in versions


def test_task_on_an_order(client, sandbox):
    order = scenarios.draft_order(sandbox)

    task = client.Task.create({"Subject": "Synced from Nue", "WhatId": order.order_id})["id"]
    result = client.query(f"SELECT Subject, Status, What.Type FROM Task WHERE Id = '{task}'")["records"][0]

    assert task.startswith("00T")
    assert (result["Status"], result["What"]["Type"]) == ("Not Started", "Order")


@pytest.mark.parametrize("sobject", ["Account", "Task"])
def test_owner_is_the_running_user_unless_given_and_never_null(client, sandbox, sobject):
    (user,) = [u for u in sandbox.records("User") if u["LastName"] == "User"]  # the integration user
    rep = sandbox.insert_user("Samir", "Nagheenanajar")
    body = {"Name": "Owned Co"} if sobject == "Account" else {"Subject": "Call back"}
    endpoint = getattr(client, sobject)

    defaulted = endpoint.create(body)["id"]
    given = endpoint.create(body | {"OwnerId": rep})["id"]

    assert sandbox.get(sobject, defaulted)["OwnerId"] == user["Id"]
    assert sandbox.get(sobject, given)["OwnerId"] == rep
    with pytest.raises(SalesforceMalformedRequest) as refused:
        endpoint.update(given, {"OwnerId": None})
    assert _error(refused)["errorCode"] == "REQUIRED_FIELD_MISSING"
    owner = next(f for f in endpoint.describe()["fields"] if f["name"] == "OwnerId")
    assert (owner["nillable"], owner["defaultedOnCreate"], owner["createable"]) == (False, True, True)
