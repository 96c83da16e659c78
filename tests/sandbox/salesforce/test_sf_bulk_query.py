"""Bulk API 2.0 query jobs: create, watch, read results in sets, and what SOQL they refuse."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from simple_salesforce import Salesforce

from nuesync.sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.scenarios import draft_order


@pytest.fixture(autouse=True)
def released(sandbox: SalesforceSandbox) -> Iterator[None]:
    yield
    sandbox.bulk.release()


def complete_job(raw: Callable[..., Any], sandbox: SalesforceSandbox, soql: str, **spec: Any) -> str:
    created = raw("POST", "jobs/query", json={"operation": "query", "query": soql, **spec})
    assert created.status_code == 200, created.text
    assert created.json()["state"] == "UploadComplete"
    assert sandbox.bulk.wait_idle()
    return created.json()["id"]


def test_simple_salesforce_reads_every_row_in_sets_of_max_records(
    client: Salesforce, sandbox: SalesforceSandbox
) -> None:
    for _ in range(3):
        draft_order(sandbox, Nue_Order_Id__c=f"BQ-{len(sandbox.records('Order'))}")

    sets = list(client.bulk2.Order.query("SELECT Id, Nue_Order_Id__c, Account.Name FROM Order", max_records=2,
                                         wait=0.05))

    records = [row for text in sets for row in csv.DictReader(io.StringIO(text))]
    assert len(sets) == (len(records) + 1) // 2 and len(records) == len(sandbox.records("Order"))
    assert set(records[0]) == {"Id", "Nue_Order_Id__c", "Account.Name"}
    order = sandbox.get("Order", records[0]["Id"])
    assert records[0]["Account.Name"] == sandbox.get("Account", order["AccountId"])["Name"]


def test_results_carry_the_record_count_and_a_locator_until_the_last_set(
    raw: Callable[..., Any], sandbox: SalesforceSandbox
) -> None:
    for _ in range(3):
        draft_order(sandbox)
    job = complete_job(raw, sandbox, "SELECT Id, TotalAmount, CreatedDate, Nue_Sync_Requested__c FROM Order")
    total = len(sandbox.records("Order"))

    first = raw("GET", f"jobs/query/{job}/results", params={"maxRecords": 2})
    rest = raw("GET", f"jobs/query/{job}/results", params={"locator": first.headers["Sforce-Locator"]})

    assert first.headers["Sforce-NumberOfRecords"] == "2" and first.headers["Content-Type"].startswith("text/csv")
    assert rest.headers["Sforce-Locator"] == "null" and rest.headers["Sforce-NumberOfRecords"] == str(total - 2)
    header, row = first.text.splitlines()[:2]
    assert header == '"Id","TotalAmount","CreatedDate","Nue_Sync_Requested__c"'
    assert row.endswith('.000Z","false"')
    again = raw("GET", f"jobs/query/{job}/results", params={"locator": first.headers["Sforce-Locator"]})
    assert again.text == rest.text  # a locator stays valid while the job lives


def test_job_info_reports_a_query_job(raw: Callable[..., Any], sandbox: SalesforceSandbox) -> None:
    job = complete_job(raw, sandbox, "SELECT Id FROM Account", columnDelimiter="PIPE", lineEnding="CRLF")

    info = raw("GET", f"jobs/query/{job}").json()

    assert (info["state"], info["jobType"], info["object"], info["operation"]) == (
        "JobComplete", "V2Query", "Account", "query")
    assert info["numberRecordsProcessed"] == len(sandbox.records("Account"))
    assert raw("GET", f"jobs/query/{job}/results").text.startswith('"Id"\r\n')


def test_a_query_job_in_progress_has_no_results_yet_and_can_be_aborted(
    raw: Callable[..., Any], sandbox: SalesforceSandbox
) -> None:
    sandbox.bulk.hold()
    job = raw("POST", "jobs/query", json={"operation": "query", "query": "SELECT Id FROM Account"}).json()["id"]

    assert raw("GET", f"jobs/query/{job}/results").status_code == 409
    assert raw("PATCH", f"jobs/query/{job}", json={"state": "Aborted"}).json()["state"] == "Aborted"
    sandbox.bulk.release()
    assert sandbox.bulk.wait_idle()
    assert raw("GET", f"jobs/query/{job}").json()["state"] == "Aborted"
    assert raw("DELETE", f"jobs/query/{job}").status_code == 204


def test_results_are_read_with_the_version_the_job_was_made_with(
    raw: Callable[..., Any], sandbox: SalesforceSandbox, running: Any, http: Any
) -> None:
    job = complete_job(raw, sandbox, "SELECT Id FROM Account")

    other = http.get(f"{running.url}/services/data/v61.0/jobs/query/{job}/results",
                     headers={"Authorization": f"Bearer {sandbox.session_id}"})

    assert other.status_code == 409


def test_query_all_includes_deleted_rows(raw: Callable[..., Any], sandbox: SalesforceSandbox) -> None:
    gone = sandbox.insert("Account", {"Name": "Deleted for queryAll"})
    sandbox.delete("Account", gone)

    live = complete_job(raw, sandbox, "SELECT Id FROM Account")
    every = complete_job(raw, sandbox, "SELECT Id FROM Account", operation="queryAll")

    assert gone not in raw("GET", f"jobs/query/{live}/results").text
    assert gone in raw("GET", f"jobs/query/{every}/results").text


@pytest.mark.parametrize("soql", [
    "SELECT Id, (SELECT Id FROM OrderItems) FROM Order",
    "SELECT COUNT() FROM Order",
    "SELECT Id FROM Order LIMIT 5 OFFSET 2",
])
def test_what_bulk_queries_do_not_support_is_refused(raw: Callable[..., Any], soql: str) -> None:
    response = raw("POST", "jobs/query", json={"operation": "query", "query": soql})

    assert response.status_code == 400 and response.json()[0]["errorCode"] == "API_ERROR"


def test_a_malformed_query_is_refused_like_rest(raw: Callable[..., Any]) -> None:
    response = raw("POST", "jobs/query", json={"operation": "query", "query": "SELECT Nope__c FROM Account"})

    assert response.status_code == 400 and response.json()[0]["errorCode"] == "INVALID_FIELD"


def test_query_jobs_count_against_the_daily_allocation(raw: Callable[..., Any], sandbox: SalesforceSandbox) -> None:
    before = raw("GET", "limits").json()["DailyBulkV2QueryJobs"]["Remaining"]

    complete_job(raw, sandbox, "SELECT Id FROM Account")

    assert raw("GET", "limits").json()["DailyBulkV2QueryJobs"]["Remaining"] == before - 1
