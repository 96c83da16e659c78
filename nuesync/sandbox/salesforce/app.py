"""The WSGI application: routing, authentication, API limits, instrumentation and faults.

Every request is counted under a key made of its method and its path after
`/services/data/vNN.N/`, with record ids, external id values and query locators replaced by
`{id}`, `{value}` and `{locator}` (e.g. ``"PATCH sobjects/Order/{id}"``); requests outside the
data API keep their path (``"POST services/oauth2/token"``). Each data request runs in one store
transaction under the store lock: a failed request leaves nothing behind.
"""

from __future__ import annotations

import re
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from nuesync.sandbox.salesforce import auth, bulk_api, composite, identity, query_columns, rest, sobject_collections
from nuesync.sandbox.salesforce.bulk_jobs import BulkJobs
from nuesync.sandbox.salesforce.errors import ApiError, invalid_session, malformed_query, not_found
from nuesync.sandbox.salesforce.faults import Faults
from nuesync.sandbox.salesforce.http import Request, Response
from nuesync.sandbox.salesforce.query import QueryEngine
from nuesync.sandbox.salesforce.rest import Context
from nuesync.sandbox.salesforce.store import Store

_DATA_PATH = re.compile(r"^/services/data/v(\d+\.\d)(?:/(.*))?$")
_SOAP_PATH = re.compile(r"^/services/Soap/u/(\d+\.\d)/?$")
_QUERY_OPTIONS = re.compile(r"batchSize=(\d+)")
_MIN_BATCH, _MAX_BATCH = 200, 2000
_SEASONS = ("Winter", "Spring", "Summer")
OLDEST_VERSION = 31

Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    methods: frozenset[str]
    pattern: re.Pattern[str]
    template: str  # counter key; {obj}/{field} are filled in, {id}/{value}/{locator} stay
    handler: Handler


def _route(methods: str, pattern: str, template: str, handler: Handler) -> Route:
    return Route(frozenset(methods.split(",")), re.compile(f"^{pattern}/?$"), template, handler)


_NAME = r"(?P<obj>[A-Za-z0-9_]+)"
_JOB = r"(?P<job_id>750[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?)"


def _query(ctx: Context, endpoint: str = "query") -> Response:
    soql = ctx.request.query.get("q")
    if not soql:
        raise malformed_query("A query string has to be specified")
    if ctx.request.query.get("columns", "").lower() == "true":
        return Response(200, query_columns.column_metadata(ctx.engine, soql, include_deleted=endpoint == "queryAll"))
    return Response(200, ctx.engine.query(soql, include_deleted=endpoint == "queryAll", version=ctx.version,
                                          endpoint=endpoint, batch_size=_batch_size(ctx.request)))


def _batch_size(request: Request) -> int | None:
    """The `Sforce-Query-Options: batchSize=N` a query asked for, brought into 200–2,000.

    Salesforce documents the range (default and maximum 2,000, minimum 200) and that the
    requested size is not guaranteed, so a size outside it is served at the nearest bound rather
    than refused; a header without a number leaves the default.
    """
    options = _QUERY_OPTIONS.search(request.headers.get("sforce-query-options", ""))
    return min(max(int(options.group(1)), _MIN_BATCH), _MAX_BATCH) if options else None


def _query_more(ctx: Context, locator: str) -> Response:
    return Response(200, ctx.engine.more(locator, version=ctx.version))


def _limits(ctx: Context) -> Response:
    used, limit = ctx.api_usage

    def pair(maximum: int, remaining: int) -> dict[str, int]:
        return {"Max": maximum, "Remaining": remaining}

    jobs = ctx.jobs
    assert jobs is not None
    return Response(200, {
        "DailyApiRequests": pair(limit, max(limit - used, 0)),
        "DailyAsyncApexExecutions": pair(250000, 250000),
        "DailyBulkApiBatches": pair(15000, max(15000 - jobs.batches_used, 0)),
        "DailyBulkV2QueryJobs": pair(10000, max(10000 - jobs.query_jobs_created, 0)),
        "DataStorageMB": pair(1024, 1024 - len(ctx.store.rows("Order")) // 500),
        "FileStorageMB": pair(1024, 1024),
        "SingleEmail": pair(5000, 5000),
    })


def _composite(ctx: Context) -> Response:
    assert ctx.subrequest is not None
    return composite.composite(ctx, ctx.subrequest)


def _resources(ctx: Context) -> Response:
    base = f"/services/data/v{ctx.version}"
    names = ("sobjects", "query", "queryAll", "limits", "composite", "jobs")
    return Response(200, {name: f"{base}/{name}" for name in names})


ROUTES: tuple[Route, ...] = (
    _route("GET", "", "", _resources),
    _route("GET", "sobjects", "sobjects", rest.global_describe),
    _route("GET", f"sobjects/{_NAME}/describe", "sobjects/{obj}/describe", rest.describe),
    _route("GET", f"sobjects/{_NAME}", "sobjects/{obj}", rest.object_info),
    _route("POST", f"sobjects/{_NAME}", "sobjects/{obj}", rest.create),
    _route("GET", f"sobjects/{_NAME}/(?P<segment>[^/]+)", "sobjects/{obj}/{id}", rest.get_record),
    _route("PATCH", f"sobjects/{_NAME}/(?P<segment>[^/]+)", "sobjects/{obj}/{id}", rest.update_record),
    _route("DELETE", f"sobjects/{_NAME}/(?P<segment>[^/]+)", "sobjects/{obj}/{id}", rest.delete_record),
    _route("GET", f"sobjects/{_NAME}/(?P<field_name>[A-Za-z0-9_]+)/(?P<value>.+)",
           "sobjects/{obj}/{field_name}/{value}", rest.get_by_external_id),
    _route("PATCH", f"sobjects/{_NAME}/(?P<field_name>[A-Za-z0-9_]+)/(?P<value>.+)",
           "sobjects/{obj}/{field_name}/{value}", rest.upsert),
    _route("DELETE", f"sobjects/{_NAME}/(?P<field_name>[A-Za-z0-9_]+)/(?P<value>.+)",
           "sobjects/{obj}/{field_name}/{value}", rest.delete_by_external_id),
    _route("GET", "limits", "limits", _limits),
    _route("POST", "composite", "composite", _composite),
    _route("GET", "query", "query", _query),
    _route("GET", "query/(?P<locator>[^/]+)", "query/{locator}", _query_more),
    _route("GET", "queryAll", "queryAll", lambda ctx: _query(ctx, "queryAll")),
    _route("GET", "queryAll/(?P<locator>[^/]+)", "queryAll/{locator}", _query_more),
    _route("POST", "composite/sobjects", "composite/sobjects", sobject_collections.create),
    _route("PATCH", "composite/sobjects", "composite/sobjects", sobject_collections.update),
    _route("DELETE", "composite/sobjects", "composite/sobjects", sobject_collections.delete),
    _route("GET", f"composite/sobjects/{_NAME}", "composite/sobjects/{obj}", sobject_collections.retrieve),
    _route("PATCH", f"composite/sobjects/{_NAME}/(?P<field_name>[A-Za-z0-9_]+)",
           "composite/sobjects/{obj}/{field_name}", sobject_collections.upsert),
    _route("POST", "jobs/ingest", "jobs/ingest", bulk_api.create_ingest),
    _route("GET", "jobs/ingest", "jobs/ingest", bulk_api.all_ingest_jobs),
    _route("GET", f"jobs/ingest/{_JOB}", "jobs/ingest/{id}", bulk_api.ingest_info),
    _route("PATCH", f"jobs/ingest/{_JOB}", "jobs/ingest/{id}", bulk_api.set_ingest_state),
    _route("DELETE", f"jobs/ingest/{_JOB}", "jobs/ingest/{id}", bulk_api.delete_ingest),
    _route("PUT", f"jobs/ingest/{_JOB}/batches", "jobs/ingest/{id}/batches", bulk_api.upload),
    *(_route("GET", f"jobs/ingest/{_JOB}/(?i:{kind})", f"jobs/ingest/{{id}}/{kind}",
             lambda ctx, job_id, kind=kind: bulk_api.results(ctx, job_id, kind))
      for kind in ("successfulResults", "failedResults", "unprocessedrecords")),
    _route("POST", "jobs/query", "jobs/query", bulk_api.create_query),
    _route("GET", "jobs/query", "jobs/query", bulk_api.all_query_jobs),
    _route("GET", f"jobs/query/{_JOB}", "jobs/query/{id}", bulk_api.query_info),
    _route("PATCH", f"jobs/query/{_JOB}", "jobs/query/{id}", bulk_api.abort_query),
    _route("DELETE", f"jobs/query/{_JOB}", "jobs/query/{id}", bulk_api.delete_query),
    _route("GET", f"jobs/query/{_JOB}/results", "jobs/query/{id}/results", bulk_api.query_results),
)


@dataclass
class Matched:
    key: str
    route: Route | None
    params: dict[str, str]
    allowed: frozenset[str]


def match_route(method: str, rest_path: str) -> Matched:
    allowed: set[str] = set()
    for route in ROUTES:
        found = route.pattern.match(rest_path)
        if found is None:
            continue
        allowed |= route.methods
        if method in route.methods:
            params = found.groupdict()
            key = route.template.replace("{obj}", params.get("obj", "")).replace(
                "{field_name}", params.get("field_name", ""))
            return Matched(f"{method} {key}".rstrip(), route, params, frozenset(allowed))
    return Matched(f"{method} {rest_path.rstrip('/')}".rstrip(), None, {}, frozenset(allowed))


def version_label(version: str) -> str:
    major = int(float(version))
    return f"{_SEASONS[(major - 62) % 3]} '{25 + (major - 62) // 3:02d}"


class SalesforceApp:
    """The emulator's WSGI callable; state lives in the store, sessions, faults and counters."""

    def __init__(self, store: Store, engine: QueryEngine, sessions: auth.Sessions, faults: Faults,
                 api_version: str, daily_api_limit: int, latency_ms: int, bulk_upload_limit: int) -> None:
        self.store = store
        self.engine = engine
        self.sessions = sessions
        self.faults = faults
        self.api_version = api_version
        self.daily_api_limit = daily_api_limit
        self.latency_ms = latency_ms
        self.api_usage = 0
        self.counters: Counter[str] = Counter()
        self.subrequest_counters: Counter[str] = Counter()
        self.write_requests = 0
        self.internal_errors: list[str] = []
        self.jobs = BulkJobs(store, engine, faults, sessions.credentials.user_id, self.internal_errors,
                             bulk_upload_limit)
        self._meta_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = self.handle(Request.from_environ(environ))
        payload = response.payload()
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(payload)))]
        headers += list(response.headers.items())
        start_response(response.status_line(), headers)
        return [payload]

    # --- request pipeline ----------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        data = _DATA_PATH.match(request.path)
        if data:
            matched = match_route(request.method, data.group(2) or "")
        else:
            soap = _SOAP_PATH.match(request.path)
            path = "services/Soap/u/{version}" if soap else request.path.strip("/")
            matched = Matched(f"{request.method} {path}", None, {}, frozenset())
        is_write = bool(data) and request.method not in ("GET", "HEAD")
        with self._meta_lock:
            self.counters[matched.key] += 1
            self.write_requests += is_write
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        failure = self.faults.http_failure(matched.key)
        if failure is not None:
            response = Response.from_error(failure)
        elif data:
            response = self._data_request(request, data.group(1), matched, is_write)
        else:
            response = self._other_request(request)
        response.headers["Sforce-Limit-Info"] = f"api-usage={self.api_usage}/{self.daily_api_limit}"
        return response

    def _other_request(self, request: Request) -> Response:
        soap = _SOAP_PATH.match(request.path)
        if request.path.rstrip("/") == "/services/oauth2/token" and request.method == "POST":
            return auth.oauth_token(request, self.sessions)
        if soap and request.method == "POST":
            return auth.soap_login(request, self.sessions, soap.group(1))
        if request.path.rstrip("/") == identity.USERINFO_PATH and request.method in ("GET", "POST"):
            return identity.userinfo(request, self.sessions, self.store)
        if request.path.rstrip("/") == "/services/data" and request.method == "GET":
            return Response(200, [
                {"label": version_label(f"{v}.0"), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
                for v in range(OLDEST_VERSION, int(float(self.api_version)) + 1)
            ])
        return Response.from_error(not_found())

    def _data_request(self, request: Request, version: str, matched: Matched, is_write: bool) -> Response:
        token = auth.bearer_token(request)
        if token is None or not self.sessions.is_valid(token):
            return Response.from_error(invalid_session())
        if self.faults.session_expires_after_this_call():
            self.sessions.expire_all()
        with self._meta_lock:
            if self.faults.api_limit_exhausted or self.api_usage >= self.daily_api_limit:
                return Response(403, [{"message": "TotalRequests Limit exceeded.",
                                       "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
            self.api_usage += 1
        if not OLDEST_VERSION <= float(version) <= float(self.api_version):
            return Response.from_error(not_found())
        if is_write and self.faults.write_aborted():
            return Response.from_error(ApiError(503, "SERVER_UNAVAILABLE", "Service temporarily unavailable. "
                                                "Please retry your request."))
        with self.store.lock:
            self.store.row_lock_fault = is_write and self.faults.take_row_lock()
            self.store.begin()
            try:
                ctx = Context(self.store, self.engine, self.faults, version, request,
                              (self.api_usage, self.daily_api_limit), jobs=self.jobs)
                ctx.subrequest = lambda sub: self._subrequest(ctx, sub)
                response = self._route(ctx, matched)
            except Exception:
                self.store.rollback()
                raise
            finally:
                self.store.row_lock_fault = False
            if response.status >= 400:
                self.store.rollback()
            else:
                self.store.commit()
        return response

    def _route(self, ctx: Context, matched: Matched) -> Response:
        try:
            if matched.route is None:
                if not matched.allowed:
                    raise not_found()
                allowed = ",".join(sorted(matched.allowed))
                return Response(405, [{"errorCode": "METHOD_NOT_ALLOWED", "message": f"HTTP Method "
                                       f"'{ctx.request.method}' not allowed. Allowed are {allowed}"}])
            return matched.route.handler(ctx, **matched.params)
        except ApiError as error:
            return Response.from_error(error)
        except Exception:
            self.internal_errors.append(traceback.format_exc())
            return Response(500, [{"errorCode": "UNKNOWN_EXCEPTION",
                                   "message": "An unexpected error occurred. Please include this ErrorId if you "
                                              "contact support: emulator-internal-error"}])

    def _subrequest(self, ctx: Context, sub: Request) -> tuple[Response, str]:
        data = _DATA_PATH.match(sub.path)
        if data is None:
            return Response.from_error(not_found()), ""
        matched = match_route(sub.method, data.group(2) or "")
        with self._meta_lock:
            self.subrequest_counters[matched.key] += 1
        if matched.key == "POST composite":
            return Response(400, [{"errorCode": "INVALID_BATCH_REQUEST",
                                   "message": "A composite subrequest can't be another composite request"}]), ""
        sub_ctx = Context(ctx.store, ctx.engine, ctx.faults, data.group(1), sub, ctx.api_usage, jobs=ctx.jobs)
        return self._route(sub_ctx, matched), matched.key
