"""Bulk API 2.0 ingest jobs, through simple-salesforce's `bulk2` client and plain HTTP."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from simple_salesforce import Salesforce

from nuesync.sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.scenarios import customer, draft_order, entry_for, standard_book


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(autouse=True)
def released(sandbox: SalesforceSandbox) -> Iterator[None]:
    yield
    sandbox.bulk.release()
    sandbox.faults.clear()


def new_job(raw: Callable[..., Any], **spec: Any) -> dict[str, Any]:
    response = raw("POST", "jobs/ingest", json={"contentType": "CSV", **spec})
    assert response.status_code == 200, response.text
    return response.json()


def upload(raw: Callable[..., Any], job_id: str, data: str) -> Any:
    return raw("PUT", f"jobs/ingest/{job_id}/batches", data=data.encode(), headers={"Content-Type": "text/csv"})


def close(raw: Callable[..., Any], job_id: str, state: str = "UploadComplete") -> Any:
    return raw("PATCH", f"jobs/ingest/{job_id}", json={"state": state})


def finished(raw: Callable[..., Any], sandbox: SalesforceSandbox, job_id: str) -> dict[str, Any]:
    assert sandbox.bulk.wait_idle()
    return raw("GET", f"jobs/ingest/{job_id}").json()


def test_an_upsert_job_creates_and_updates_by_external_id_and_reports_each_row(
    client: Salesforce, sandbox: SalesforceSandbox
) -> None:
    account = customer(sandbox)
    existing = sandbox.insert("Account", {"Name": "Old name", "Nue_Customer_Id__c": "BULK-KEEP"})
    records = [{"Name": "New name", "Nue_Customer_Id__c": "BULK-KEEP"},
               {"Name": "Fresh", "Nue_Customer_Id__c": "BULK-NEW"},
               {"Name": "", "Nue_Customer_Id__c": "BULK-NONAME"}]

    (summary,) = client.bulk2.Account.upsert(records=records, external_id_field="Nue_Customer_Id__c", wait=0.05)

    assert (summary["numberRecordsProcessed"], summary["numberRecordsFailed"]) == (3, 1)
    job_id = summary["job_id"]
    done = {r["Nue_Customer_Id__c"]: r for r in rows(client.bulk2.Account.get_successful_records(job_id))}
    assert done["BULK-KEEP"]["sf__Id"] == existing and done["BULK-KEEP"]["sf__Created"] == "false"
    assert done["BULK-NEW"]["sf__Created"] == "true" and done["BULK-NEW"]["Name"] == "Fresh"
    assert sandbox.get("Account", existing)["Name"] == "New name"
    (failed,) = rows(client.bulk2.Account.get_failed_records(job_id))
    assert failed["sf__Error"] == "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
    assert (failed["sf__Id"], failed["Nue_Customer_Id__c"]) == ("", "BULK-NONAME")
    assert rows(client.bulk2.Account.get_unprocessed_records(job_id)) == []
    assert account  # the scenario's own account is untouched by the job


def test_order_products_name_their_order_by_its_external_id_and_the_order_rules_hold(
    client: Salesforce, sandbox: SalesforceSandbox
) -> None:
    order = draft_order(sandbox, Nue_Order_Id__c="BULK-ORD-1")
    activated = draft_order(sandbox, lines=1, Nue_Order_Id__c="BULK-ORD-2")
    sandbox.update("Order", activated.order_id, {"Status": "Activated"})
    line = {"PricebookEntryId": order.entry_id, "Quantity": "2", "UnitPrice": "99"}
    records = [{**line, "Order.Nue_Order_Id__c": "BULK-ORD-1", "Nue_Order_Product_Id__c": "BULK-OP-1"},
               {**line, "Order.Nue_Order_Id__c": "BULK-ORD-2", "Nue_Order_Product_Id__c": "BULK-OP-2"},
               {**line, "Order.Nue_Order_Id__c": "NO-SUCH-ORDER", "Nue_Order_Product_Id__c": "BULK-OP-3"}]

    (summary,) = client.bulk2.OrderItem.upsert(records=records, external_id_field="Nue_Order_Product_Id__c",
                                               wait=0.05)

    (written,) = rows(client.bulk2.OrderItem.get_successful_records(summary["job_id"]))
    assert sandbox.get("OrderItem", written["sf__Id"])["OrderId"] == order.order_id
    errors = {r["Nue_Order_Product_Id__c"]: r["sf__Error"]
              for r in rows(client.bulk2.OrderItem.get_failed_records(summary["job_id"]))}
    assert errors["BULK-OP-3"].startswith("INVALID_FIELD:Foreign key external ID: NO-SUCH-ORDER not found")
    assert set(errors) == {"BULK-OP-2", "BULK-OP-3"}  # an activated order takes no new product
    assert sandbox.get("Order", order.order_id)["TotalAmount"] == 198


def test_empty_cells_leave_fields_alone_and_na_clears_them(raw: Callable[..., Any], sandbox: SalesforceSandbox) -> None:
    account = sandbox.insert("Account", {"Name": "Keep", "BillingCity": "Oslo", "Phone": "123",
                                         "Nue_Customer_Id__c": "BULK-NA"})
    job = new_job(raw, object="Account", operation="update")

    assert upload(raw, job["id"], f"Id,Name,BillingCity,Phone\n{account},,Bergen,#N/A\n").status_code == 201
    close(raw, job["id"])

    assert finished(raw, sandbox, job["id"])["numberRecordsProcessed"] == 1
    row = sandbox.get("Account", account)
    assert (row["Name"], row["BillingCity"], row["Phone"]) == ("Keep", "Bergen", None)


def test_a_job_moves_open_upload_complete_in_progress_job_complete(
    raw: Callable[..., Any], sandbox: SalesforceSandbox
) -> None:
    job = new_job(raw, object="Account", operation="insert", lineEnding="CRLF", columnDelimiter="SEMICOLON")
    assert job["state"] == "Open" and job["contentUrl"].endswith(f"/jobs/ingest/{job['id']}/batches")
    upload(raw, job["id"], "Name;BillingCity\r\nSemi One;Oslo\r\n")
    sandbox.bulk.hold()

    assert close(raw, job["id"]).json()["state"] == "UploadComplete"
    assert raw("GET", f"jobs/ingest/{job['id']}").json()["state"] in ("UploadComplete", "InProgress")
    assert upload(raw, job["id"], "Name\r\nLate\r\n").status_code == 409  # closed: no more data
    sandbox.bulk.release()

    info = finished(raw, sandbox, job["id"])
    assert (info["state"], info["jobType"], info["numberRecordsProcessed"]) == ("JobComplete", "V2Ingest", 1)
    result = raw("GET", f"jobs/ingest/{job['id']}/successfulResults/")
    assert result.headers["Content-Type"].startswith("text/csv")
    assert result.text.startswith('"sf__Id";"sf__Created";Name;BillingCity\r\n')


def test_a_job_held_in_progress_can_be_aborted_and_its_rows_stay_unprocessed(
    raw: Callable[..., Any], sandbox: SalesforceSandbox
) -> None:
    job = new_job(raw, object="Account", operation="insert")
    upload(raw, job["id"], "Name\nNever One\nNever Two\n")
    sandbox.bulk.hold()
    close(raw, job["id"])
    for _ in range(200):
        if raw("GET", f"jobs/ingest/{job['id']}").json()["state"] == "InProgress":
            break
    else:
        pytest.fail("the job never showed InProgress")

    assert close(raw, job["id"], "Aborted").json()["state"] == "Aborted"
    sandbox.bulk.release()

    info = finished(raw, sandbox, job["id"])
    assert (info["state"], info["numberRecordsProcessed"]) == ("Aborted", 0)
    unprocessed = raw("GET", f"jobs/ingest/{job['id']}/unprocessedrecords/").text
    assert [r["Name"] for r in rows(unprocessed)] == ["Never One", "Never Two"]
    assert not [a for a in sandbox.records("Account") if a["Name"].startswith("Never")]
    assert close(raw, job["id"], "Aborted").status_code == 409


def test_a_header_naming_no_field_fails_the_whole_job(raw: Callable[..., Any], sandbox: SalesforceSandbox) -> None:
    job = new_job(raw, object="Account", operation="insert")
    upload(raw, job["id"], "Name,Colour__c\nX,blue\n")
    close(raw, job["id"])

    info = finished(raw, sandbox, job["id"])

    assert (info["state"], info["errorMessage"]) == ("Failed", "InvalidBatch : Field name not found : Colour__c")
    assert rows(raw("GET", f"jobs/ingest/{job['id']}/unprocessedrecords/").text) == [{"Name": "X", "Colour__c": "blue"}]


def test_data_with_the_wrong_line_ending_fails_the_job(raw: Callable[..., Any], sandbox: SalesforceSandbox) -> None:
    job = new_job(raw, object="Account", operation="insert")
    upload(raw, job["id"], "Name\r\nWindows\r\n")
    close(raw, job["id"])

    assert finished(raw, sandbox, job["id"])["errorMessage"].startswith("ClientInputError : LineEnding is invalid")


def test_update_and_delete_jobs_fail_rows_naming_no_record(
    client: Salesforce, sandbox: SalesforceSandbox
) -> None:
    doomed = customer(sandbox)

    (summary,) = client.bulk2.Account.delete(records=[{"Id": doomed}, {"Id": "001Hn00000NOSUCH"}], wait=0.05)

    assert (summary["numberRecordsProcessed"], summary["numberRecordsFailed"]) == (2, 1)
    (failed,) = rows(client.bulk2.Account.get_failed_records(summary["job_id"]))
    assert failed["sf__Error"].startswith("INVALID_CROSS_REFERENCE_KEY") or failed["sf__Error"].startswith("MALFORMED")
    assert sandbox.get("Account", doomed)["IsDeleted"] is True


def test_an_injected_record_fault_fails_that_row_only(client: Salesforce, sandbox: SalesforceSandbox) -> None:
    sandbox.faults.fail_record(2, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Blocked by a validation rule")

    (summary,) = client.bulk2.Account.insert(records=[{"Name": "F1"}, {"Name": "F2"}, {"Name": "F3"}], wait=0.05)

    (failed,) = rows(client.bulk2.Account.get_failed_records(summary["job_id"]))
    assert (failed["Name"], failed["sf__Error"]) == (
        "F2", "FIELD_CUSTOM_VALIDATION_EXCEPTION:Blocked by a validation rule --")


@pytest.mark.parametrize(("spec", "message"), [
    ({"object": "Nope", "operation": "insert"}, "Unable to find object: Nope"),
    ({"object": "Account", "operation": "upsert"}, "External ID was blank for Account"),
    ({"object": "Account", "operation": "upsert", "externalIdFieldName": "Name"}, "not an External ID"),
    ({"object": "Account", "operation": "merge"}, "Invalid operation: merge"),
    ({"object": "Account", "operation": "insert", "lineEnding": "CR"}, "Invalid lineEnding"),
])
def test_a_job_that_cannot_run_is_refused_when_created(raw: Callable[..., Any], spec: dict[str, Any],
                                                      message: str) -> None:
    response = raw("POST", "jobs/ingest", json=spec)

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALIDJOB" and message in response.json()[0]["message"]


def test_uploads_beyond_the_size_limit_are_refused(running: Any, http: Any) -> None:
    small = SalesforceSandbox(bulk_upload_limit=400)
    with small.serve() as served:
        http.verify = str(served.ca_file)
        headers = {"Authorization": f"Bearer {small.session_id}"}
        base = f"{served.url}/services/data/v62.0/jobs/ingest"
        job = http.post(base, json={"object": "Account", "operation": "insert"}, headers=headers).json()
        put = f"{base}/{job['id']}/batches"

        assert http.put(put, data=b"Name\n" + b"x" * 290 + b"\n", headers=headers).status_code == 201
        refused = http.put(put, data=b"y" * 10, headers=headers)  # 300 + 10 bytes is 416 once base64-encoded

    assert refused.status_code == 400 and refused.json()[0]["errorCode"] == "EXCEEDED_MAX_SIZE"


def test_jobs_are_listed_and_deleted_only_once_closed(raw: Callable[..., Any], sandbox: SalesforceSandbox) -> None:
    job = new_job(raw, object="Account", operation="insert")
    assert job["id"] in {j["id"] for j in raw("GET", "jobs/ingest").json()["records"]}

    assert raw("DELETE", f"jobs/ingest/{job['id']}").status_code == 409  # still Open
    close(raw, job["id"], "Aborted")
    assert raw("DELETE", f"jobs/ingest/{job['id']}").status_code == 204
    assert raw("GET", f"jobs/ingest/{job['id']}").status_code == 404


def test_bulk_batches_count_against_the_daily_allocation(client: Salesforce, raw: Callable[..., Any]) -> None:
    before = raw("GET", "limits").json()["DailyBulkApiBatches"]["Remaining"]

    client.bulk2.Account.insert(records=[{"Name": "Counted"}], wait=0.05)

    assert raw("GET", "limits").json()["DailyBulkApiBatches"]["Remaining"] == before - 1


def test_every_bulk_request_is_counted_under_its_endpoint(client: Salesforce, sandbox: SalesforceSandbox) -> None:
    sandbox.reset_counters()

    client.bulk2.Account.insert(records=[{"Name": "Counted"}], wait=0.05)

    assert {"POST jobs/ingest", "PUT jobs/ingest/{id}/batches", "PATCH jobs/ingest/{id}",
            "GET jobs/ingest/{id}"} <= set(sandbox.counters)


def test_a_streamed_chunked_upload_is_read_whole(raw: Callable[..., Any], sandbox: SalesforceSandbox) -> None:
    job = new_job(raw, object="Account", operation="insert")

    def chunks() -> Iterator[bytes]:
        yield b"Name\n"
        yield b"Chunked One\nChunked Two\n"

    assert raw("PUT", f"jobs/ingest/{job['id']}/batches", data=chunks()).status_code == 201
    close(raw, job["id"])

    assert finished(raw, sandbox, job["id"])["numberRecordsProcessed"] == 2


def test_order_rules_apply_to_bulk_orders(client: Salesforce, sandbox: SalesforceSandbox) -> None:
    account = customer(sandbox)
    book = standard_book(sandbox)
    entry_for(sandbox, "NUE-PLAT-PRO")
    records = [{"AccountId": account, "EffectiveDate": "2026-05-01", "Status": "Draft", "Pricebook2Id": book,
                "Nue_Order_Id__c": "BULK-RULE-1"},
               {"AccountId": account, "EffectiveDate": "2026-05-01", "Status": "Activated",
                "Nue_Order_Id__c": "BULK-RULE-2"}]

    (summary,) = client.bulk2.Order.upsert(records=records, external_id_field="Nue_Order_Id__c", wait=0.05)

    (failed,) = rows(client.bulk2.Order.get_failed_records(summary["job_id"]))
    assert failed["Nue_Order_Id__c"] == "BULK-RULE-2"  # an order is created as a draft, never activated
