"""Bulk API 2.0 jobs of the emulated org: their states, their data, and the thread that processes them.

An ingest job is `Open` for uploads until the client sets `UploadComplete`; a query job starts at
`UploadComplete`. A worker thread then moves the job to `InProgress`, processes it and ends it in
`JobComplete` (or `Failed` when the data cannot be read at all); a client may set `Aborted` at
any point before the end, and an ingest job aborted while in progress keeps what it already wrote
("if changes to data have been committed, they aren't rolled back"), its remaining rows becoming
unprocessed records. Ingest rows are written 200 at a time, each batch in one store transaction
under the store lock, so REST calls interleave with a long job as they would on an org. Each row
succeeds or fails on its own.

`hold()` keeps every job that reaches `InProgress` there until `release()`, so a test can watch
(or abort) a job in progress; without it a small job finishes within milliseconds.

Every job mutation happens under the store lock, which also guards every data request.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nuesync.sandbox.salesforce import bulk_csv
from nuesync.sandbox.salesforce.bulk_csv import CsvError
from nuesync.sandbox.salesforce.bulk_ingest import IngestPlan, record_failure
from nuesync.sandbox.salesforce.bulk_query import export
from nuesync.sandbox.salesforce.errors import ApiError
from nuesync.sandbox.salesforce.faults import Faults, RecordFault
from nuesync.sandbox.salesforce.ids import random_id
from nuesync.sandbox.salesforce.query import QueryEngine
from nuesync.sandbox.salesforce.store import Store
from nuesync.sandbox.salesforce.values import format_datetime

JOB_KEY_PREFIX = "750"
ROWS_PER_TRANSACTION = 200  # the chunk Salesforce hands to triggers, and what one store transaction writes
RECORDS_PER_BATCH = 10_000  # each such share of an ingest job counts as one batch of the daily allocation
MAX_UPLOAD_BYTES = 150 * 1024 * 1024  # of base64-encoded CSV per job: about 100 MB of CSV as uploaded
TERMINAL = frozenset({"JobComplete", "Failed", "Aborted"})
DELETABLE = frozenset({"UploadComplete", "JobComplete", "Aborted", "Failed"})


def base64_size(size: int) -> int:
    """What `size` bytes of CSV become once Salesforce stores them base64-encoded."""
    return 4 * math.ceil(size / 3)


@dataclass
class Job:
    id: str
    kind: str  # "ingest" or "query"
    operation: str
    object: str
    api_version: str
    created: dt.datetime
    line_ending: str
    column_delimiter: str
    created_by: str
    external_id: str | None = None
    query: str | None = None
    state: str = "Open"
    modstamp: dt.datetime | None = None
    uploads: list[bytes] = field(default_factory=list)
    header: list[str] | None = None
    successes: list[list[str]] = field(default_factory=list)
    failures: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    processed: int = 0
    failed: int = 0
    error_message: str | None = None
    started: float | None = None
    finished: float | None = None
    result_header: list[str] = field(default_factory=list)
    result_rows: list[list[str | None]] = field(default_factory=list)

    @property
    def upload_size(self) -> int:
        return sum(len(chunk) for chunk in self.uploads)

    @property
    def content_url(self) -> str:
        return f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"

    def info(self, detailed: bool = True) -> dict[str, Any]:
        """The job as Create a Job (`detailed=False`) or Get Job Info answers it."""
        out: dict[str, Any] = {
            "id": self.id, "operation": self.operation, "object": self.object, "createdById": self.created_by,
            "createdDate": format_datetime(self.created), "systemModstamp": format_datetime(self.modstamp or
                                                                                           self.created),
            "state": self.state,
        }
        if self.external_id:
            out["externalIdFieldName"] = self.external_id
        out |= {"concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": float(self.api_version)}
        if self.kind == "ingest":
            out["contentUrl"] = self.content_url
        out |= {"lineEnding": self.line_ending, "columnDelimiter": self.column_delimiter}
        if detailed:
            out |= self._progress()
        return out

    def _progress(self) -> dict[str, Any]:
        elapsed = 0 if self.started is None else int(((self.finished or time.monotonic()) - self.started) * 1000)
        out: dict[str, Any] = {"jobType": "V2Ingest" if self.kind == "ingest" else "V2Query",
                               "numberRecordsProcessed": self.processed}
        if self.kind == "ingest":
            out["numberRecordsFailed"] = self.failed
        out |= {"retries": 0, "totalProcessingTime": elapsed}
        if self.kind == "ingest":
            out |= {"apiActiveProcessingTime": elapsed, "apexProcessingTime": 0}
        if self.error_message:
            out["errorMessage"] = self.error_message
        return out

    def touch(self, state: str, now: dt.datetime) -> None:
        self.state, self.modstamp = state, now


class BulkJobs:
    """The org's Bulk API 2.0 jobs and their processing (see the module docstring)."""

    def __init__(self, store: Store, engine: QueryEngine, faults: Faults, user_id: str,
                 internal_errors: list[str], max_upload_bytes: int = MAX_UPLOAD_BYTES) -> None:
        self.store = store
        self.engine = engine
        self.faults = faults
        self.user_id = user_id
        self.internal_errors = internal_errors
        self.max_upload_bytes = max_upload_bytes
        self.jobs: dict[str, Job] = {}
        self.batches_used = 0
        self.query_jobs_created = 0
        self._gate = threading.Event()
        self._gate.set()
        self._workers: list[threading.Thread] = []

    # --- test controls -------------------------------------------------------------------------

    def hold(self) -> None:
        """Keep every job that reaches InProgress there until `release()`."""
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait for every job being processed to end; False when some are still running at `timeout`."""
        deadline = time.monotonic() + timeout
        for worker in list(self._workers):
            worker.join(max(deadline - time.monotonic(), 0))
        return not any(worker.is_alive() for worker in self._workers)

    # --- jobs ------------------------------------------------------------------------------------

    def create(self, kind: str, operation: str, obj: str, version: str, line_ending: str, column_delimiter: str,
               external_id: str | None = None, query: str | None = None) -> Job:
        now = self.store.clock()
        job = Job(random_id(JOB_KEY_PREFIX), kind, operation, obj, version, now, line_ending, column_delimiter,
                  self.user_id, external_id, query, modstamp=now)
        self.jobs[job.id] = job
        if kind == "query":
            self.query_jobs_created += 1
            self._start(job, "UploadComplete")
        return job

    def find(self, job_id: str, kind: str) -> Job | None:
        job = self.jobs.get(job_id)
        return job if job is not None and job.kind == kind else None

    def upload_complete(self, job: Job) -> None:
        self._start(job, "UploadComplete")

    def abort(self, job: Job) -> None:
        job.touch("Aborted", self.store.clock())
        if job.finished is None and job.started is not None:
            job.finished = time.monotonic()

    def delete(self, job: Job) -> None:
        del self.jobs[job.id]

    def _start(self, job: Job, state: str) -> None:
        job.touch(state, self.store.clock())
        run = self._run_ingest if job.kind == "ingest" else self._run_query
        worker = threading.Thread(target=self._guarded, args=(job, run), name=f"bulk-{job.id}", daemon=True)
        self._workers = [w for w in self._workers if w.is_alive()] + [worker]
        worker.start()

    # --- processing ----------------------------------------------------------------------------

    def _guarded(self, job: Job, run: Callable[[Job], None]) -> None:
        """Run a job; an emulator bug fails the job (and is recorded) instead of leaving it in progress."""
        with self.store.lock:
            if job.state == "Aborted":
                return
            job.touch("InProgress", self.store.clock())
            job.started = time.monotonic()
        self._gate.wait()
        try:
            run(job)
        except Exception:
            self.internal_errors.append(traceback.format_exc())
            with self.store.lock:
                self._end(job, "Failed", "UNKNOWN_EXCEPTION : An unexpected error occurred")

    def _end(self, job: Job, state: str, error_message: str | None = None) -> None:
        if job.state == "Aborted":
            return
        job.error_message = error_message
        job.finished = time.monotonic()
        job.touch(state, self.store.clock())

    def _run_ingest(self, job: Job) -> None:
        with self.store.lock:
            if job.state == "Aborted":
                return
            try:
                header, rows = bulk_csv.read(b"".join(job.uploads), job.column_delimiter, job.line_ending)
                job.header, job.unprocessed = header, rows
                plan = IngestPlan(self.store, self.store.schema.objects[job.object], job.operation, job.external_id,
                                  header, rows)
            except CsvError as error:
                self._end(job, "Failed", str(error))
                return
        fault = self.faults.take_record_fault()
        for start in range(0, len(rows), ROWS_PER_TRANSACTION):
            with self.store.lock:
                if job.state == "Aborted":
                    return
                self._write_rows(job, plan, rows[start:start + ROWS_PER_TRANSACTION], start, fault)
        with self.store.lock:
            self.batches_used += math.ceil(len(rows) / RECORDS_PER_BATCH)
            self._end(job, "JobComplete")

    def _write_rows(self, job: Job, plan: IngestPlan, rows: list[list[str]], first: int,
                    fault: RecordFault | None) -> None:
        """Write rows `first + 1 …` in one transaction; the armed `fail_record` fault fails its `nth` row."""
        store = self.store
        store.begin()
        try:
            for position, row in enumerate(rows, start=first + 1):
                savepoint = store.savepoint()
                try:
                    if fault is not None and position == fault.nth:
                        raise self.faults.record_error_for(fault)
                    outcome = plan.write(row)
                    job.successes.append([outcome.record_id, str(outcome.created).lower(), *row])
                except ApiError as error:
                    store.rollback_to(savepoint)
                    job.failures.append([plan.known_id(row), record_failure(error), *row])
                    job.failed += 1
                job.processed += 1
        except BaseException:
            store.rollback()
            raise
        store.commit()
        job.unprocessed = job.unprocessed[len(rows):]

    def _run_query(self, job: Job) -> None:
        with self.store.lock:
            if job.state == "Aborted":
                return
            include_deleted = job.operation == "queryAll"
            plan = self.engine.plan(str(job.query), include_deleted=include_deleted)
            job.result_header, job.result_rows = export(self.store, plan,
                                                        self.engine.matched(plan, include_deleted=include_deleted))
            job.processed = len(job.result_rows)
            self._end(job, "JobComplete")


def encode_locator(offset: int) -> str:
    """An opaque `Sforce-Locator` for the result set starting at `offset` (it never changes while the job lives)."""
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def decode_locator(locator: str) -> int | None:
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
