"""Backfills through Bulk API 2.0: order headers, then order products, each one upsert job keyed by Nue ids.

`SalesforceAdapter.upsert_orders` writes 200 records a request (sObject Collections); a backfill of
tens of thousands of drafts is better served by Bulk API 2.0, where one job takes up to 100 MB of
CSV and costs a handful of requests however many rows it holds. `BulkOrderWriter.upsert_orders`
gives the same per-order `WriteResult`s as the Collections path, from the same planning:

1. The adapter's own preparation (`_prepare`): every order is looked up by its Nue id (one query
   per batch of ids), then the same checks run before any write (keys, customer and contact links,
   still a draft, products) and the price book entries are resolved. Unlike the Collections path,
   even orders the caller links to nothing are looked up: an upsert job cannot tell "insert, and
   refuse if the id exists" from "update", so an Order already carrying the id must be known to be
   a draft before the job may write to it, and its lines known so create-only fields stay empty.
2. One upsert job on Order keyed by the mapped Nue order id field. A new order carries the draft
   status and its price book; an existing one leaves those cells empty, which Bulk API 2.0 reads as
   "leave the field alone" (`#N/A` is what clears a field, and what a None becomes).
3. One upsert job on OrderItem keyed by the Nue line id, for the lines of the orders written. A
   new line names its order by the order's Nue id (`Order.<order key>` column, a relationship
   field in the header row) and its PricebookEntryId; an existing line leaves both empty.

Per-record failures come from `failedResults/` (`sf__Error` is `CODE:message:fields --`), rows a
job never reached from `unprocessedrecords/` (a job aborted or failed). Crash safety is the
upserts' keys: a run killed between (or inside) the jobs is rerun, finds what the first run wrote
by Nue id, and updates it; nothing is created twice.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nuesync.adapters.base import WriteCount, WriteResult
from nuesync.adapters.salesforce import HEADERS_STEP, LINES_STEP, SalesforceAdapter, _OrderWrite, outcomes_of
from nuesync.adapters.salesforce_http import SalesforceRequestError, response_error
from nuesync.adapters.salesforce_wire import dumps, line_to_wire
from nuesync.errors import ApiUnavailableError
from nuesync.mapping import MappedObject
from nuesync.model import DraftOrder
from nuesync.progress import Progress, no_progress

NULL = "#N/A"  # Bulk API 2.0's null: an empty cell leaves a field as it is
ORDER_RELATIONSHIP = "Order"  # OrderItem.OrderId's relationship name, standard in every org
DONE_STATES = frozenset({"JobComplete", "Failed", "Aborted"})


@dataclass(frozen=True)
class RowResult:
    """One row of a job's outcome, keyed by the row's external id."""

    success: bool
    record_id: str
    created: bool = False
    code: str = ""
    message: str = ""
    fields: tuple[str, ...] = ()

    def as_collection_result(self) -> dict[str, Any]:
        """The same outcome in the sObject Collections shape the adapter's bookkeeping reads."""
        if self.success:
            return {"id": self.record_id, "success": True, "created": self.created, "errors": []}
        error = {"statusCode": self.code, "message": self.message, "fields": list(self.fields)}
        return {"success": False, "errors": [error]}


def parse_error(text: str) -> tuple[str, str, tuple[str, ...]]:
    """`sf__Error` → (status code, message, fields): `CODE:message:Field1,Field2 --`."""
    body = text.removesuffix(" --").strip()
    code, _, rest = body.partition(":")
    message, sep, fields = rest.rpartition(":")
    if sep and fields and all(part.isidentifier() or "." in part for part in fields.split(",")):
        return code, message, tuple(fields.split(","))
    return code, rest, ()


class BulkJob:
    """One Bulk API 2.0 ingest job through the adapter's connection: create, upload, close, wait, read."""

    def __init__(self, adapter: SalesforceAdapter, sobject: str, external_id: str, *,
                 poll_seconds: float, timeout_seconds: float, sleep: Callable[[float], None]) -> None:
        self.connection = adapter.connection
        self.sobject = sobject
        self.external_id = external_id
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self.sleep = sleep
        self.id = ""
        self.state = "Open"
        self.error_message = ""

    def run(self, rows: Sequence[Mapping[str, Any]], count: WriteCount) -> dict[str, RowResult]:
        """Upsert `rows`; the outcome of every row that was processed, by its external id. `count` grows
        by the rows the job says it has processed at each poll, and by the rest once it is done."""
        spec = {"object": self.sobject, "operation": "upsert", "externalIdFieldName": self.external_id,
                "contentType": "CSV", "lineEnding": "LF", "columnDelimiter": "COMMA"}
        self.id = self.connection.request("POST", "jobs/ingest", body=dumps(spec))["id"]
        self._upload(to_csv(rows))
        self.connection.request("PATCH", f"jobs/ingest/{self.id}", body=dumps({"state": "UploadComplete"}))
        self._wait(count, len(rows))
        outcome = {row[self.external_id]: _success(row) for row in self._results("successfulResults")}
        outcome |= {row[self.external_id]: _failure(row) for row in self._results("failedResults")}
        return outcome

    def _upload(self, payload: str) -> None:
        """`PUT …/batches` as `text/csv` (the connection's own calls send JSON); a session that expired
        since the job was created is renewed by one ordinary call and the upload sent again."""
        for attempt in (1, 2):
            connection = self.connection
            response = connection.http.put(
                connection.url(f"jobs/ingest/{self.id}/batches"), data=payload.encode("utf-8"),
                headers={"Authorization": f"Bearer {connection.client.session_id}", "Content-Type": "text/csv"},
                timeout=connection.settings.timeout_seconds,
            )
            connection.requests_sent += 1
            if response.status_code == 401 and attempt == 1:
                connection.request("GET", f"jobs/ingest/{self.id}")
                continue
            if response.status_code >= 400:
                raise SalesforceRequestError(f"Salesforce refused the Bulk API upload to job {self.id}: "
                                             f"HTTP {response.status_code} {response.text[:200]}",
                                             status=response.status_code, error_code=None)
            return

    def _wait(self, count: WriteCount, rows: int) -> None:
        """Poll until the job is done, moving `count` by the rows processed since the last poll."""
        deadline = time.monotonic() + self.timeout_seconds
        counted = 0
        while True:
            info = self.connection.request("GET", f"jobs/ingest/{self.id}")
            self.state, self.error_message = info["state"], info.get("errorMessage") or ""
            processed = rows if self.state in DONE_STATES else _processed(info, rows)
            if processed > counted:
                count.add(processed - counted)
                counted = processed
            if self.state in DONE_STATES:
                return
            if time.monotonic() >= deadline:
                raise ApiUnavailableError(f"Bulk API job {self.id} on {self.sobject} is still {self.state} after "
                                          f"{self.timeout_seconds:g} s")
            self.sleep(self.poll_seconds)

    def _results(self, kind: str) -> list[dict[str, str]]:
        response = self.connection.send("GET", f"jobs/ingest/{self.id}/{kind}")
        if response.status_code >= 400:
            error = response_error(response)
            raise SalesforceRequestError(f"Salesforce refused {kind} of Bulk API job {self.id}: "
                                         f"{error['statusCode']}: {error['message']}",
                                         status=response.status_code, error_code=error["statusCode"])
        return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))

    def stopped_reason(self) -> str:
        detail = f": {self.error_message}" if self.error_message else ""
        return f"Bulk API job {self.id} on {self.sobject} ended {self.state}{detail} before reaching it"


def _processed(info: Mapping[str, Any], rows: int) -> int:
    """The rows a job in progress says it has processed; 0 where it does not say (it then moves when done)."""
    value = info.get("numberRecordsProcessed")
    return min(value, rows) if isinstance(value, int) and not isinstance(value, bool) else 0


def _success(row: Mapping[str, str]) -> RowResult:
    return RowResult(True, row["sf__Id"], created=row.get("sf__Created") == "true")


def _failure(row: Mapping[str, str]) -> RowResult:
    code, message, fields = parse_error(row.get("sf__Error", ""))
    return RowResult(False, row.get("sf__Id", ""), code=code, message=message, fields=fields)


def to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as Bulk API 2.0 CSV: the union of their fields as the header (first seen first), a field a
    row lacks left empty (not written), None as `#N/A` (cleared), booleans as `true`/`false`."""
    header = list(dict.fromkeys(name for row in rows for name in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(row, name) for name in header] for row in rows)
    return out.getvalue()


def _cell(row: Mapping[str, Any], name: str) -> str:
    if name not in row:
        return ""
    value = row[name]
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class BulkOrderWriter:
    """`upsert_orders` for backfills, through Bulk API 2.0 (see the module docstring)."""

    def __init__(self, adapter: SalesforceAdapter, *, poll_seconds: float = 2.0, timeout_seconds: float = 3600.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.adapter = adapter
        self._job_options = {"poll_seconds": poll_seconds, "timeout_seconds": timeout_seconds, "sleep": sleep}
        self.jobs: list[BulkJob] = []

    def _key(self, obj: MappedObject) -> str:
        return self.adapter._table(obj)["links.nue_id"]

    def upsert_orders(self, orders: Sequence[DraftOrder], *, progress: Progress = no_progress) -> list[WriteResult]:
        """Create or update orders, then their lines, keyed by Nue ids; one result per order, in order.

        When the run has to stop (API budget spent, Salesforce gone, a job that never ends), the
        raised error carries every order's outcome so far (`partial_results`), as on the
        Collections path. `progress` hears the Collections path's two steps, each job's rows moving
        as its polls report them processed.
        """
        writes = [_OrderWrite(order, order.links.nue_id or "") for order in orders]

        def steps() -> None:
            self.adapter._prepare(writes)
            self._write_headers([write for write in writes if write.active], progress)
            self._write_lines([write for write in writes if write.active], progress)

        return outcomes_of(writes, steps)

    def _job(self, sobject: str, key: str) -> BulkJob:
        job = BulkJob(self.adapter, sobject, key, **self._job_options)  # type: ignore[arg-type]
        self.jobs.append(job)
        return job

    def _write_headers(self, writes: Sequence[_OrderWrite], progress: Progress) -> None:
        if not writes:
            return
        key = self._key(MappedObject.ORDER)
        rows = [{k: v for k, v in self.adapter._header(write).items() if k != "attributes"} for write in writes]
        job = self._job("Order", key)
        outcome = job.run(rows, WriteCount(progress, HEADERS_STEP, len(rows)))
        for write in writes:
            result = outcome.get(write.key)
            if result is None:
                write.fail("RUN_STOPPED", f"not written: {job.stopped_reason()}")
            elif result.success:
                write.header_written(result.record_id, result.created)
            else:
                write.fail(result.code, f"order not written: {_describe(result)}")

    def _write_lines(self, writes: Sequence[_OrderWrite], progress: Progress) -> None:
        rows, owners = self._line_rows(writes)
        if not rows:
            return
        job = self._job("OrderItem", self._key(MappedObject.LINE))
        outcome = job.run(rows, WriteCount(progress, LINES_STEP, len(rows)))
        for write, key in owners:
            result = outcome.get(key)
            if result is not None:
                write.line_written(key, result.as_collection_result())
        for write in writes:
            write.stop(job.stopped_reason())  # only lines the job never reached are still unanswered

    def _line_rows(self, writes: Iterable[_OrderWrite]) -> tuple[list[dict[str, Any]], list[tuple[_OrderWrite, str]]]:
        """Every line of the written orders; a new line names its order by Nue id and its price entry."""
        order_column = f"{ORDER_RELATIONSHIP}.{self._key(MappedObject.ORDER)}"
        rows: list[dict[str, Any]] = []
        owners: list[tuple[_OrderWrite, str]] = []
        mapping = self.adapter._mapping
        for write in writes:
            new = {line.links.nue_id for line in write.new_lines()}
            for line in write.order.lines:
                row = line_to_wire(line, mapping)
                if line.links.nue_id in new:
                    row |= {order_column: write.key, "PricebookEntryId": self.adapter._new_line_entry(write, line)}
                rows.append(row)
                owners.append((write, str(line.links.nue_id)))
        return rows, owners


def _describe(result: RowResult) -> str:
    where = f" (fields: {', '.join(result.fields)})" if result.fields else ""
    return f"{result.code}: {result.message}{where}"
