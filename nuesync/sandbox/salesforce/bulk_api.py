"""Bulk API 2.0 resources under `/services/data/vXX.X/jobs/`: ingest jobs and query jobs.

Ingest (API 41.0+): `POST jobs/ingest` creates a job (`object`, `operation` insert / upsert /
update / delete, `externalIdFieldName` for an upsert, `contentType` CSV, `lineEnding`,
`columnDelimiter`) in state Open; `PUT jobs/ingest/{id}/batches` uploads CSV (201, no body; at most
150 MB once base64-encoded, in total); `PATCH jobs/ingest/{id}` with `state` UploadComplete
starts processing, Aborted stops the job; `GET jobs/ingest/{id}` is the job's info;
`successfulResults/` (sf__Id, sf__Created, then the row), `failedResults/` (sf__Id, sf__Error,
then the row) and `unprocessedrecords/` (the rows as uploaded) are CSV; `DELETE` removes a job in
state UploadComplete, JobComplete, Aborted or Failed (204). `GET jobs/ingest` lists the jobs.

Query (API 47.0+): `POST jobs/query` (`operation` query or queryAll, `query`) creates a job in
UploadComplete; `GET jobs/query/{id}` is its info; `GET jobs/query/{id}/results` returns CSV once
the job is JobComplete, `maxRecords` rows at a time, with `Sforce-NumberOfRecords` and an
`Sforce-Locator` for the next set (the string `null` after the last); results must be read with the
API version the job was created in (409 otherwise). `PATCH` with state Aborted aborts, `DELETE`
deletes. A request in the wrong state for the job is refused with 409 and nothing changes.
"""

from __future__ import annotations

from typing import Any

from nuesync.sandbox.salesforce import bulk_csv
from nuesync.sandbox.salesforce.bulk_jobs import (
    DELETABLE,
    TERMINAL,
    BulkJobs,
    Job,
    base64_size,
    decode_locator,
    encode_locator,
)
from nuesync.sandbox.salesforce.bulk_query import check_bulk_query
from nuesync.sandbox.salesforce.errors import ApiError, not_found
from nuesync.sandbox.salesforce.http import Response
from nuesync.sandbox.salesforce.rest import Context, external_field

INGEST_OPERATIONS = ("insert", "upsert", "update", "delete")
QUERY_OPERATIONS = ("query", "queryAll")
_CSV_TYPE = "text/csv"
_RESULT_FILES = {"successfulResults": ("sf__Id", "sf__Created"), "failedResults": ("sf__Id", "sf__Error")}


def _jobs(ctx: Context) -> BulkJobs:
    assert ctx.jobs is not None
    return ctx.jobs


def _invalid_job(message: str) -> ApiError:
    return ApiError(400, "INVALIDJOB", message)


def _wrong_state(job: Job, action: str) -> ApiError:
    return ApiError(409, "INVALIDJOBSTATE", f"Can't {action} a job in state {job.state}")


def _job(ctx: Context, job_id: str, kind: str) -> Job:
    job = _jobs(ctx).find(job_id, kind)
    if job is None:
        raise not_found()
    return job


def _options(body: dict[str, Any]) -> tuple[str, str]:
    content_type = body.get("contentType", "CSV")
    line_ending = body.get("lineEnding", "LF")
    delimiter = body.get("columnDelimiter", "COMMA")
    if content_type != "CSV":
        raise _invalid_job(f"Invalid contentType: {content_type}. The only valid value is CSV")
    if line_ending not in bulk_csv.LINE_ENDINGS:
        raise _invalid_job(f"Invalid lineEnding: {line_ending}")
    if delimiter not in bulk_csv.DELIMITERS:
        raise _invalid_job(f"Invalid columnDelimiter: {delimiter}")
    return line_ending, delimiter


def _body(ctx: Context) -> dict[str, Any]:
    body = ctx.body()
    if not isinstance(body, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    return body


# --- ingest jobs ---------------------------------------------------------------------------------


def create_ingest(ctx: Context) -> Response:
    body = _body(ctx)
    line_ending, delimiter = _options(body)
    operation = body.get("operation")
    if operation not in INGEST_OPERATIONS:
        raise _invalid_job(f"Invalid operation: {operation}. Valid operations are {', '.join(INGEST_OPERATIONS)}")
    otype = ctx.store.schema.get(str(body.get("object") or ""))
    if otype is None:
        raise _invalid_job(f"Unable to find object: {body.get('object')}")
    external_id = body.get("externalIdFieldName")
    if operation == "upsert":
        if not external_id:
            raise _invalid_job(f"External ID was blank for {otype.name}. An External ID must be specified for upsert.")
        try:
            external_id = external_field(otype, str(external_id)).name
        except ApiError as error:
            raise _invalid_job(error.message) from None
    job = _jobs(ctx).create("ingest", operation, otype.name, ctx.version, line_ending, delimiter,
                            external_id if operation == "upsert" else None)
    return Response(200, job.info(detailed=False))


def upload(ctx: Context, job_id: str) -> Response:
    job = _job(ctx, job_id, "ingest")
    if job.state != "Open":
        raise _wrong_state(job, "upload data to")
    data = ctx.request.body
    if not data:
        raise ApiError(400, "INVALIDBATCH", "The request body is empty: upload CSV job data")
    limit = _jobs(ctx).max_upload_bytes
    if base64_size(job.upload_size + len(data)) > limit:
        raise ApiError(400, "EXCEEDED_MAX_SIZE", f"Job data can't exceed {limit // (1024 * 1024)} MB once "
                       "base64-encoded (about two thirds of that as CSV); split the data into several jobs")
    job.uploads.append(data)
    return Response(201)


def set_ingest_state(ctx: Context, job_id: str) -> Response:
    job = _job(ctx, job_id, "ingest")
    state = _body(ctx).get("state")
    jobs = _jobs(ctx)
    if state == "UploadComplete":
        if job.state != "Open":
            raise _wrong_state(job, "close")
        if not job.uploads:
            raise ApiError(400, "INVALIDJOBSTATE", "No data was uploaded to the job; upload data before closing it")
        jobs.upload_complete(job)
    elif state == "Aborted":
        if job.state in TERMINAL:
            raise _wrong_state(job, "abort")
        jobs.abort(job)
    else:
        raise ApiError(400, "INVALIDJOBSTATE", f"Invalid state: {state}. Use UploadComplete or Aborted")
    return Response(200, job.info(detailed=False))


def ingest_info(ctx: Context, job_id: str) -> Response:
    return Response(200, _job(ctx, job_id, "ingest").info())


def all_ingest_jobs(ctx: Context) -> Response:
    return _all_jobs(ctx, "ingest")


def delete_ingest(ctx: Context, job_id: str) -> Response:
    return _delete(ctx, _job(ctx, job_id, "ingest"))


def results(ctx: Context, job_id: str, kind: str) -> Response:
    """`successfulResults`, `failedResults` or `unprocessedrecords` of an ingest job, as CSV."""
    job = _job(ctx, job_id, "ingest")
    if job.state == "Open":
        raise _wrong_state(job, "read the results of")
    if kind == "unprocessedrecords":
        return _csv(_unprocessed(job))
    if job.header is None:  # never read: nothing was processed
        return _csv(bulk_csv.write(_RESULT_FILES[kind], [], job.column_delimiter, job.line_ending))
    rows = job.successes if kind == "successfulResults" else job.failures
    header = [*_RESULT_FILES[kind], *job.header]
    quoted = [True, True] + [False] * len(job.header)
    return _csv(bulk_csv.write(header, rows, job.column_delimiter, job.line_ending, quoted))


def _unprocessed(job: Job) -> bytes:
    if job.header is None:  # not read yet (aborted before processing, or unreadable): the data as uploaded
        return b"".join(job.uploads)
    return bulk_csv.write(job.header, job.unprocessed, job.column_delimiter, job.line_ending,
                          [False] * len(job.header))


# --- query jobs ----------------------------------------------------------------------------------


def create_query(ctx: Context) -> Response:
    body = _body(ctx)
    line_ending, delimiter = _options(body)
    operation = body.get("operation")
    if operation not in QUERY_OPERATIONS:
        raise _invalid_job(f"Invalid operation: {operation}. Valid operations are query and queryAll")
    soql = body.get("query")
    if not isinstance(soql, str) or not soql.strip():
        raise _invalid_job("A query must be specified")
    plan = ctx.engine.plan(soql, include_deleted=operation == "queryAll")
    check_bulk_query(plan)
    job = _jobs(ctx).create("query", operation, plan.otype.name, ctx.version, line_ending, delimiter, query=soql)
    return Response(200, job.info(detailed=False))


def query_info(ctx: Context, job_id: str) -> Response:
    return Response(200, _job(ctx, job_id, "query").info())


def all_query_jobs(ctx: Context) -> Response:
    return _all_jobs(ctx, "query")


def abort_query(ctx: Context, job_id: str) -> Response:
    job = _job(ctx, job_id, "query")
    if _body(ctx).get("state") != "Aborted":
        raise ApiError(400, "INVALIDJOBSTATE", "A query job can only be set to Aborted")
    if job.state in TERMINAL:
        raise _wrong_state(job, "abort")
    _jobs(ctx).abort(job)
    return Response(200, job.info(detailed=False))


def delete_query(ctx: Context, job_id: str) -> Response:
    return _delete(ctx, _job(ctx, job_id, "query"))


def query_results(ctx: Context, job_id: str) -> Response:
    job = _job(ctx, job_id, "query")
    if job.state != "JobComplete":
        raise _wrong_state(job, "read the results of")
    if ctx.version != job.api_version:
        raise ApiError(409, "INVALIDJOBSTATE", f"Read the results with the API version the job was created in "
                       f"({job.api_version})")
    start, count = _page(ctx, len(job.result_rows))
    end = start + count
    payload = bulk_csv.write(job.result_header, job.result_rows[start:end], job.column_delimiter, job.line_ending)
    response = _csv(payload)
    response.headers["Sforce-NumberOfRecords"] = str(len(job.result_rows[start:end]))
    response.headers["Sforce-Locator"] = encode_locator(end) if end < len(job.result_rows) else "null"
    return response


def _page(ctx: Context, total: int) -> tuple[int, int]:
    """Where a result set starts (its `locator`) and how many rows it holds (`maxRecords`, else the rest)."""
    locator = ctx.request.query.get("locator")
    start = 0 if not locator else decode_locator(locator)
    if start is None or start > total:
        raise ApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}")
    raw = ctx.request.query.get("maxRecords")
    if raw is None:
        return start, total - start
    if not raw.isdigit() or int(raw) < 1:
        raise ApiError(400, "INVALIDPARAMETER", f"maxRecords must be a positive integer: {raw}")
    return start, int(raw)


# --- shared --------------------------------------------------------------------------------------


def _all_jobs(ctx: Context, kind: str) -> Response:
    jobs = [job.info() for job in _jobs(ctx).jobs.values() if job.kind == kind]
    return Response(200, {"done": True, "records": jobs, "nextRecordsUrl": None})


def _delete(ctx: Context, job: Job) -> Response:
    if job.state not in DELETABLE:
        raise _wrong_state(job, "delete")
    _jobs(ctx).delete(job)
    return Response(204)


def _csv(payload: bytes) -> Response:
    return Response(200, content_type=_CSV_TYPE, raw=payload)
