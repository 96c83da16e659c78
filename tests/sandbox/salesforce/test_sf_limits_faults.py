"""API limits, counters, latency and injected faults, as an adapter would meet them."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from simple_salesforce import Salesforce, SalesforceGeneralError, SalesforceMalformedRequest, SalesforceRefusedRequest

from nuesync.sandbox.salesforce import SalesforceSandbox

from . import scenarios
from .conftest import VERSION


@pytest.fixture
def org() -> SalesforceSandbox:
    fresh = SalesforceSandbox(daily_api_limit=50)
    fresh.seed_catalog()
    return fresh


@pytest.fixture
def org_client(org, http):
    with org.serve() as running:
        http.verify = str(running.ca_file)
        yield Salesforce(instance_url=running.url, session_id=org.session_id, version=VERSION, session=http)


def test_every_response_carries_api_usage_which_simple_salesforce_reads(org, org_client):
    org_client.query("SELECT Id FROM Account")
    org_client.query("SELECT Id FROM Account")

    assert org_client.api_usage["api-usage"].used == 2
    assert org_client.api_usage["api-usage"].total == 50


def test_spent_daily_limit_is_403_request_limit_exceeded(org, org_client):
    org.api_usage = 50

    with pytest.raises(SalesforceRefusedRequest) as refused:
        org_client.query("SELECT Id FROM Account")

    assert refused.value.status == 403
    assert refused.value.content == [{"message": "TotalRequests Limit exceeded.",
                                      "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


def test_counters_name_endpoints_without_ids(org, org_client):
    account = org_client.Account.create({"Name": "Counted"})["id"]
    org_client.Account.update(account, {"Name": "Counted again"})
    org_client.Account.get(account)
    org_client.query("SELECT Id FROM Account")
    org_client.Account.upsert("Nue_Customer_Id__c/CNT-1", {"Name": "By ext"})

    assert org.counters == {"POST sobjects/Account": 1, "PATCH sobjects/Account/{id}": 1,
                            "GET sobjects/Account/{id}": 1, "GET query": 1,
                            "PATCH sobjects/Account/Nue_Customer_Id__c/{value}": 1}
    assert (org.request_count(), org.write_count()) == (5, 3)
    org.reset_counters()
    assert org.request_count() == 0 and org.write_count() == 0


def test_fail_next_answers_503_only_on_the_matching_endpoint(org, org_client):
    org.faults.fail_next(1, status=503, endpoint="GET query")

    org_client.Account.create({"Name": "Unaffected"})
    with pytest.raises(SalesforceGeneralError) as failed:
        org_client.query("SELECT Id FROM Account")
    org_client.query("SELECT Id FROM Account")

    assert failed.value.status == 503
    assert failed.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"


def test_locked_rows_fail_writes_with_unable_to_lock_row(org, org_client):
    org.faults.lock_rows(1)

    with pytest.raises(SalesforceMalformedRequest) as locked:
        org_client.Account.create({"Name": "Locked"})
    org_client.Account.create({"Name": "Free again"})

    assert locked.value.content[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"


def test_abort_after_writes_fails_every_later_write_but_not_reads(org, org_client):
    org.faults.abort_after_writes(2)
    org_client.Account.create({"Name": "one"})
    org_client.Account.create({"Name": "two"})

    with pytest.raises(SalesforceGeneralError) as aborted:
        org_client.Account.create({"Name": "three"})
    with pytest.raises(SalesforceGeneralError):
        org_client.Account.create({"Name": "four"})

    assert aborted.value.status == 503
    assert org_client.query("SELECT COUNT() FROM Account")["totalSize"] == 2


def test_failed_request_leaves_nothing_half_written(org, org_client):
    order = scenarios.draft_order(org)
    before = len(org.records("OrderItem"))
    org.faults.fail_record(1)

    org_client.restful("composite/sobjects", method="POST", json={"allOrNone": True, "records": [
        {"attributes": {"type": "OrderItem"}, "OrderId": order.order_id, "PricebookEntryId": order.entry_id,
         "Quantity": 1, "UnitPrice": 1}] * 2})

    assert len(org.records("OrderItem")) == before


def test_latency_is_added_per_request(org, org_client):
    org.latency_ms = 50
    started = time.perf_counter()
    org_client.query("SELECT Id FROM Account")

    assert time.perf_counter() - started >= 0.05


def test_concurrent_upserts_never_duplicate_external_ids(org, org_client):
    def upsert(n: int) -> int:
        return org_client.Account.upsert(f"Nue_Customer_Id__c/RACE-{n % 5}", {"Name": f"Racer {n}"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(upsert, range(40)))

    racers = [a for a in org.records("Account") if (a["Nue_Customer_Id__c"] or "").startswith("RACE-")]
    assert len(racers) == 5
    assert org.internal_errors == []
