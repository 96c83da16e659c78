"""The Bulk API 2.0 backfill path: same per-order results as Collections, failures read back, rerun-safe."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest

from nuesync.adapters.base import Outcome
from nuesync.adapters.salesforce import SalesforceAdapter, partial_results
from nuesync.adapters.salesforce_bulk import BulkOrderWriter, parse_error, to_csv
from nuesync.errors import NuesyncError
from nuesync.model import Customer, Links
from tests.adapters.salesforce.sf_support import Org, nue_cart
from tests.helpers import HeardProgress


@pytest.fixture
def writer(org: Org, adapter_for: Callable[..., SalesforceAdapter]) -> BulkOrderWriter:
    return BulkOrderWriter(adapter_for(org), poll_seconds=0.005)


def stored(org: Org, obj: str, key: str) -> Counter[str]:
    return Counter(row[key] for row in org.sandbox.records(obj))


def test_new_carts_are_created_with_their_lines_in_two_jobs(org: Org, writer: BulkOrderWriter, acme: Customer) -> None:
    carts = [nue_cart(n, acme) for n in range(4)]
    org.sandbox.reset_counters()

    results = writer.upsert_orders(carts)

    assert [(r.key, r.outcome) for r in results] == [(c.links.nue_id, Outcome.CREATED) for c in carts]
    for cart, result in zip(carts, results, strict=True):
        row = org.sandbox.get("Order", str(result.record_id))
        assert (row["Status"], row["Nue_Order_Id__c"], row["AccountId"]) == ("Draft", cart.links.nue_id,
                                                                             acme.links.salesforce_id)
        lines = {org.sandbox.get("OrderItem", i)["OrderId"] for i in result.line_ids.values()}
        assert set(result.line_ids) == {line.links.nue_id for line in cart.lines} and lines == {result.record_id}
    assert org.sandbox.counters["POST jobs/ingest"] == 2 and org.sandbox.counters["PUT jobs/ingest/{id}/batches"] == 2
    assert [job.sobject for job in writer.jobs] == ["Order", "OrderItem"]


def test_each_job_counts_its_rows_up_to_all_it_was_sent(org: Org, writer: BulkOrderWriter, acme: Customer) -> None:
    carts = [nue_cart(n, acme) for n in range(450)]  # written 200 rows a transaction: polls may see some done
    heard = HeardProgress()
    org.sandbox.reset_counters()

    writer.upsert_orders(carts, progress=heard)

    headers, lines = "writing order headers to Salesforce", "writing order lines to Salesforce"
    assert heard.counts(headers)[0] == (0, 450) and heard.finished(headers) == (450, 450)
    assert heard.counts(lines)[0] == (0, 1350) and heard.finished(lines) == (1350, 1350)
    steps = [message for message, _, _ in heard.heard]
    assert steps == [headers] * steps.count(headers) + [lines] * steps.count(lines)  # one job, then the other
    assert org.sandbox.counters["POST jobs/ingest"] == 2 and org.sandbox.counters["PUT jobs/ingest/{id}/batches"] == 2


def test_a_second_run_updates_in_place_and_adds_new_lines(org: Org, writer: BulkOrderWriter, acme: Customer) -> None:
    (first,) = writer.upsert_orders([nue_cart(1, acme, skus=("NUE-SEAT",))])
    grown = nue_cart(1, acme, skus=("NUE-SEAT", "NUE-PLAT-PRO"), name="Renamed")

    (second,) = writer.upsert_orders([grown])

    assert (second.outcome, second.record_id) == (Outcome.UPDATED, first.record_id)
    assert org.sandbox.get("Order", str(first.record_id))["Name"] == "Renamed"
    assert stored(org, "OrderItem", "Nue_Order_Product_Id__c") == {"OP-00001-0": 1, "OP-00001-1": 1}


def test_a_header_refused_by_salesforce_fails_that_order_only(org: Org, writer: BulkOrderWriter,
                                                             acme: Customer) -> None:
    org.sandbox.faults.fail_record(2, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Region is required")

    results = writer.upsert_orders([nue_cart(n, acme) for n in range(3)])

    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.FAILED, Outcome.CREATED]
    assert results[1].error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert results[1].message == "order not written: FIELD_CUSTOM_VALIDATION_EXCEPTION: Region is required"
    assert "ORD-00001" not in stored(org, "Order", "Nue_Order_Id__c")
    assert not [i for i in org.sandbox.records("OrderItem") if i["Nue_Order_Product_Id__c"].startswith("OP-00001")]


def test_a_refused_line_fails_its_order_saying_the_header_was_written(org: Org, writer: BulkOrderWriter,
                                                                     acme: Customer) -> None:
    org.sandbox.faults.fail_record(2, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "No discount here", times=2)

    results = writer.upsert_orders([nue_cart(0, acme, skus=("NUE-SEAT",)), nue_cart(1, acme, skus=("NUE-SEAT",)),
                                    nue_cart(2, acme, skus=("NUE-SEAT",))])

    # the orders job refuses the 2nd header, the lines job the 2nd line it holds (order 3's)
    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.FAILED, Outcome.FAILED]
    third = results[2]
    assert third.record_id is not None and third.error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert third.message == (f"order header written (Salesforce Order {third.record_id}) but line OP-00002-0 was "
                             "not: FIELD_CUSTOM_VALIDATION_EXCEPTION: No discount here")


def test_an_activated_order_is_refused_before_any_write_even_unlinked(org: Org, writer: BulkOrderWriter,
                                                                    acme: Customer) -> None:
    (created,) = writer.upsert_orders([nue_cart(5, acme)])
    org.sandbox.update("Order", str(created.record_id), {"Status": "Activated"})
    org.sandbox.reset_counters()

    (result,) = writer.upsert_orders([nue_cart(5, acme, name="Changed after activation")])

    assert (result.outcome, result.error_code) == (Outcome.FAILED, "ORDER_NOT_DRAFT")
    assert "POST jobs/ingest" not in org.sandbox.counters
    assert org.sandbox.get("Order", str(created.record_id))["Name"] == "Portal cart 5"


def test_a_run_killed_between_the_jobs_is_rerun_without_duplicates(org: Org, writer: BulkOrderWriter,
                                                                   acme: Customer) -> None:
    carts = [nue_cart(n, acme) for n in range(5)]
    org.sandbox.faults.abort_after_writes(3)  # the orders job's create, upload and close; then Salesforce is gone

    with pytest.raises(NuesyncError) as stopped:
        writer.upsert_orders(carts)

    assert {r.error_code for r in partial_results(stopped.value)} == {"RUN_STOPPED"}
    assert len(org.sandbox.records("Order")) == 5 and org.sandbox.records("OrderItem") == []
    org.sandbox.faults.clear()

    rerun = writer.upsert_orders(carts)

    assert Counter(r.outcome for r in rerun) == {Outcome.UPDATED: 5}
    assert set(stored(org, "Order", "Nue_Order_Id__c").values()) == {1}
    assert sum(stored(org, "OrderItem", "Nue_Order_Product_Id__c").values()) == 15
    assert set(stored(org, "OrderItem", "Nue_Order_Product_Id__c").values()) == {1}


def test_a_lines_job_aborted_midway_leaves_unprocessed_lines_that_a_rerun_writes_once(
    org: Org, writer: BulkOrderWriter, acme: Customer
) -> None:
    carts = [nue_cart(n, acme) for n in range(3)]
    bulk = org.sandbox.bulk
    bulk.hold()
    outcome: list = []
    heard = HeardProgress()
    run = threading.Thread(target=lambda: outcome.extend(writer.upsert_orders(carts, progress=heard)))
    run.start()
    lines_job = _wait_for_job(org, "OrderItem", release_others=True)
    with org.sandbox.store.lock:
        bulk.abort(lines_job)
    bulk.release()
    run.join(30)

    assert [r.error_code for r in outcome] == ["RUN_STOPPED"] * 3
    assert outcome[0].message.startswith(f"order header written (Salesforce Order {outcome[0].record_id}) but lines")
    assert f"Bulk API job {lines_job.id} on OrderItem ended Aborted" in str(outcome[0].message)
    assert org.sandbox.records("OrderItem") == []
    # the job processed none of its lines: their count is complete once it ended, as nothing more will come
    assert heard.counts("writing order lines to Salesforce") == [(0, 9), (9, 9)]

    rerun = writer.upsert_orders(carts)

    assert [r.outcome for r in rerun] == [Outcome.UPDATED] * 3
    assert len(org.sandbox.records("Order")) == 3 and len(org.sandbox.records("OrderItem")) == 9


def _wait_for_job(org: Org, sobject: str, *, release_others: bool) -> object:
    """The first job on `sobject` to reach InProgress; jobs on other objects are let through meanwhile."""
    bulk = org.sandbox.bulk
    for _ in range(2000):
        with org.sandbox.store.lock:
            jobs = list(bulk.jobs.values())
        found = [job for job in jobs if job.object == sobject and job.state == "InProgress"]
        if found:
            return found[0]
        if release_others and any(job.state == "InProgress" for job in jobs):
            bulk.release()
            time.sleep(0.01)
            bulk.hold()
        time.sleep(0.005)
    raise AssertionError(f"no {sobject} job reached InProgress")


def test_orders_that_fail_the_checks_are_not_sent(org: Org, writer: BulkOrderWriter) -> None:
    unlinked = Customer(links=Links(nue_id="CUS-NOWHERE"), name="Nowhere Ltd")

    (result,) = writer.upsert_orders([nue_cart(9, unlinked)])

    assert (result.outcome, result.error_code) == (Outcome.FAILED, "CUSTOMER_NOT_LINKED")
    assert org.sandbox.records("Order") == []


def test_sf_error_text_is_split_into_code_message_and_fields() -> None:
    assert parse_error("REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --") == (
        "REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ("Name",))
    assert parse_error("DUPLICATE_VALUE:duplicate value found: a:b c --") == (
        "DUPLICATE_VALUE", "duplicate value found: a:b c", ())


def test_rows_become_csv_with_empty_cells_for_missing_fields_and_na_for_nulls() -> None:
    text = to_csv([{"Name": "A, B", "Flag": True}, {"Name": None, "Other": 2}])

    assert text == 'Name,Flag,Other\n"A, B",true,\n#N/A,,2\n'
