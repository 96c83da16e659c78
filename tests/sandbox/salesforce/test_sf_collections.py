"""sObject Collections and Composite through simple-salesforce's `restful` call."""

from __future__ import annotations

import pytest
from simple_salesforce import SalesforceMalformedRequest

from . import scenarios


def _orders(sandbox, n: int, prefix: str) -> list[dict]:
    account = scenarios.customer(sandbox)
    book = scenarios.standard_book(sandbox)
    return [{"attributes": {"type": "Order"}, "Nue_Order_Id__c": f"{prefix}-{i}", "AccountId": account,
             "EffectiveDate": "2026-04-01", "Pricebook2Id": book, "Status": "Draft"} for i in range(n)]


def test_upsert_collection_creates_then_updates_with_per_record_results(rest, sandbox):
    records = _orders(sandbox, 3, "COL")

    first = rest("PATCH", "composite/sobjects/Order/Nue_Order_Id__c", json={"allOrNone": False, "records": records})
    second = rest("PATCH", "composite/sobjects/Order/Nue_Order_Id__c",
                  json={"allOrNone": False, "records": [{**r, "Name": "again"} for r in records]})

    assert [set(r) for r in first] == [{"id", "success", "errors", "created"}] * 3
    assert [(r["success"], r["created"], r["errors"]) for r in first] == [(True, True, [])] * 3
    assert [(r["id"], r["created"]) for r in second] == [(r["id"], False) for r in first]
    assert {sandbox.get("Order", r["id"])["Name"] for r in second} == {"again"}


def test_per_record_failure_is_reported_in_a_200_body_and_others_succeed(rest, sandbox):
    records = _orders(sandbox, 3, "PART")
    del records[1]["EffectiveDate"]

    results = rest("PATCH", "composite/sobjects/Order/Nue_Order_Id__c", json={"allOrNone": False, "records": records})

    assert [r["success"] for r in results] == [True, False, True]
    assert results[1] == {"success": False, "created": False, "errors": [
        {"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [EffectiveDate]",
         "fields": ["EffectiveDate"]}]}


def test_all_or_none_rolls_every_record_back(rest, sandbox):
    records = _orders(sandbox, 3, "AON")
    records[2]["Status"] = "Activated"

    results = rest("PATCH", "composite/sobjects/Order/Nue_Order_Id__c", json={"allOrNone": True, "records": records})

    assert [r["success"] for r in results] == [False, False, False]
    assert [r["errors"][0]["statusCode"] for r in results] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK", "ALL_OR_NONE_OPERATION_ROLLED_BACK", "FAILED_ACTIVATION"]
    assert not [o for o in sandbox.records("Order") if (o["Nue_Order_Id__c"] or "").startswith("AON-")]


def test_more_than_200_records_is_exceeded_id_limit(rest, sandbox):
    records = _orders(sandbox, 201, "BIG")

    with pytest.raises(SalesforceMalformedRequest) as refused:
        rest("PATCH", "composite/sobjects/Order/Nue_Order_Id__c", json={"records": records})

    assert refused.value.content == [{"message": "record limit reached. cannot submit more than 200 records into "
                                                 "this call", "errorCode": "EXCEEDED_ID_LIMIT"}]


def test_same_external_id_twice_in_one_call_fails_both(rest, sandbox):
    records = _orders(sandbox, 2, "TWICE")
    records[1]["Nue_Order_Id__c"] = records[0]["Nue_Order_Id__c"]

    results = rest("PATCH", "composite/sobjects/Order/Nue_Order_Id__c", json={"records": records})

    assert [r["errors"][0]["statusCode"] for r in results] == ["DUPLICATE_EXTERNAL_ID"] * 2


def test_create_update_retrieve_and_delete_collections(rest, sandbox):
    created = rest("POST", "composite/sobjects", json={"records": [
        {"attributes": {"type": "Account"}, "Name": "Col A"}, {"attributes": {"type": "Account"}}]})
    good = created[0]["id"]
    updated = rest("PATCH", "composite/sobjects", json={"records": [
        {"attributes": {"type": "Account"}, "Id": good, "Name": "Col A2"},
        {"attributes": {"type": "Account"}, "Id": "001nope", "Name": "x"}]})
    fetched = rest("GET", "composite/sobjects/Account", params={"ids": good, "fields": "Id,Name"})
    deleted = rest("DELETE", "composite/sobjects", params={"ids": good})

    assert created[0]["success"] is True
    assert created[1] == {"success": False, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING",
                                                        "message": "Required fields are missing: [Name]",
                                                        "fields": ["Name"]}]}
    assert updated[0] == {"id": good, "success": True, "errors": []}
    assert updated[1]["errors"][0]["statusCode"] == "MALFORMED_ID"
    assert fetched[0]["Name"] == "Col A2"
    assert deleted == [{"id": good, "success": True, "errors": []}]


def test_injected_per_record_failure_hits_the_nth_record(rest, sandbox):
    sandbox.faults.fail_record(2, status_code="FIELD_CUSTOM_VALIDATION_EXCEPTION", message="Blocked by rule")

    results = rest("PATCH", "composite/sobjects/Order/Nue_Order_Id__c",
                   json={"records": _orders(sandbox, 3, "NTH")})

    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"] == [{"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "Blocked by rule",
                                     "fields": []}]


def test_composite_references_earlier_results_and_counts_as_one_call(rest, sandbox):
    order = scenarios.draft_order(sandbox)
    before = sandbox.api_usage
    body = {"allOrNone": True, "compositeRequest": [
        {"method": "PATCH", "url": "/services/data/v62.0/sobjects/Order/Nue_Order_Id__c/CMP-1", "referenceId": "order",
         "body": {"AccountId": order.account_id, "EffectiveDate": "2026-05-01", "Pricebook2Id": order.pricebook_id}},
        {"method": "POST", "url": "/services/data/v62.0/sobjects/OrderItem", "referenceId": "line",
         "body": {"OrderId": "@{order.id}", "PricebookEntryId": order.entry_id, "Quantity": 1, "UnitPrice": 5}},
        {"method": "GET", "url": "/services/data/v62.0/query?q=SELECT+Id+FROM+OrderItem+WHERE+OrderId+%3D+"
                                 "'@{order.id}'", "referenceId": "lines"},
        {"method": "PATCH", "url": "/services/data/v62.0/sobjects/OrderItem/@{lines.records[0].Id}",
         "referenceId": "touch", "body": {"Quantity": 4}},
    ]}

    result = rest("POST", "composite", json=body)["compositeResponse"]

    assert [r["httpStatusCode"] for r in result] == [201, 201, 200, 204]
    assert [r["referenceId"] for r in result] == ["order", "line", "lines", "touch"]
    assert set(result[0]) == {"body", "httpHeaders", "httpStatusCode", "referenceId"}
    assert result[1]["httpHeaders"]["Location"].endswith(result[1]["body"]["id"])
    assert sandbox.get("OrderItem", result[1]["body"]["id"])["Quantity"] == 4
    assert sandbox.api_usage == before + 1
    assert sandbox.counters["POST composite"] >= 1


def test_composite_all_or_none_halts_and_rolls_back(rest, sandbox):
    order = scenarios.draft_order(sandbox)
    body = {"allOrNone": True, "compositeRequest": [
        {"method": "POST", "url": "/services/data/v62.0/sobjects/OrderItem", "referenceId": "ok",
         "body": {"OrderId": order.order_id, "PricebookEntryId": order.entry_id, "Quantity": 1, "UnitPrice": 5}},
        {"method": "POST", "url": "/services/data/v62.0/sobjects/OrderItem", "referenceId": "bad",
         "body": {"OrderId": order.order_id, "PricebookEntryId": order.entry_id, "Quantity": 1}},
        {"method": "PATCH", "url": f"/services/data/v62.0/sobjects/Order/{order.order_id}", "referenceId": "after",
         "body": {"Name": "never"}},
    ]}

    result = rest("POST", "composite", json=body)["compositeResponse"]

    assert [r["httpStatusCode"] for r in result] == [400, 400, 400]
    assert result[0]["body"] == [{"errorCode": "PROCESSING_HALTED", "message": "The transaction was rolled back "
                                  "since another operation in the same transaction failed."}]
    assert result[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert result[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert not [i for i in sandbox.records("OrderItem") if i["OrderId"] == order.order_id]


def test_composite_without_all_or_none_keeps_what_succeeded(rest, sandbox):
    body = {"compositeRequest": [
        {"method": "POST", "url": "/services/data/v62.0/sobjects/Account", "referenceId": "a", "body": {}},
        {"method": "POST", "url": "/services/data/v62.0/sobjects/Contact", "referenceId": "c",
         "body": {"LastName": "Solo", "AccountId": "@{a.id}"}},
        {"method": "POST", "url": "/services/data/v62.0/sobjects/Account", "referenceId": "b",
         "body": {"Name": "Kept"}},
    ]}

    result = rest("POST", "composite", json=body)["compositeResponse"]

    assert [r["httpStatusCode"] for r in result] == [400, 400, 201]
    assert result[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert sandbox.get("Account", result[2]["body"]["id"])["Name"] == "Kept"


def test_composite_accepts_at_most_25_subrequests(rest):
    subrequests = [{"method": "GET", "url": "/services/data/v62.0/limits", "referenceId": f"r{i}"} for i in range(26)]

    with pytest.raises(SalesforceMalformedRequest) as refused:
        rest("POST", "composite", json={"compositeRequest": subrequests})

    assert refused.value.content[0]["errorCode"] == "LIMIT_EXCEEDED"
