"""Every request the Nue adapter makes, and how a batch of writes runs: one concern, one module.

`NueHttp.send` is the single door to Nue: it adds the `nue-api-key` header, encodes JSON with
exact Decimals, retries 429/5xx/timeouts/dropped connections with backoff and jitter (honouring
`Retry-After`), turns 401 into an `AuthenticationError` that names the environment variable (never
the key), reads rate-limit headers, and masks the secrets nuesync holds in every text it takes
from an answer. `select` pages a GraphQL read to its end. `run_writes` sends one-record writes
through a bounded thread pool, so one failure never stops the others, an outage fails the rest
fast, and the same failure repeated `IDENTICAL_FAILURES_LIMIT` times stops the rest (`early_stop`).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import ssl
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from http import HTTPStatus
from typing import Any

import httpx

from nuesync.adapters.base import ApiUsage, Outcome, PageCount, WriteResult
from nuesync.adapters.early_stop import STOPPED_EARLY, IdenticalFailures
from nuesync.adapters.json_stream import stream_array
from nuesync.adapters.nue_api import Endpoint, NueAssumptions
from nuesync.adapters.nue_wire import graphql_literal, json_number
from nuesync.adapters.retry import RetryPolicy
from nuesync.adapters.tls import nue_context
from nuesync.config import Settings
from nuesync.errors import ApiUnavailableError, AuthenticationError
from nuesync.logs import trace_exchange
from nuesync.redact import Redactor

log = logging.getLogger(__name__)

_FAIL_FAST_AFTER = 3  # consecutive writes that found Nue unavailable before the rest are not sent


class NueUnavailableError(ApiUnavailableError):
    """Nue kept answering a transient error (429/5xx) or no answer at all, through every retry."""

    def __init__(self, message: str, error_code: str = "API_UNAVAILABLE") -> None:
        super().__init__(message)
        self.error_code = error_code


class NueGraphQLError(ApiUnavailableError):
    """Nue refused a GraphQL query (its `errors` array): a field the mapping names may not exist."""


def _count(data: Mapping[str, Any], root: str) -> int | None:
    aggregate = data.get(f"{root}_aggregate")
    count = aggregate.get("aggregate", {}).get("count") if isinstance(aggregate, Mapping) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else None


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status and body bytes, decoded once, when first asked for, into `body`.

    Decoding waits so that a read can decode a page of rows one row at a time instead
    (`NueHttp.select`). It carries the connection's `Redactor` so that the error it describes,
    wherever the adapter puts it, never repeats a secret the server echoed.
    """

    status: int
    content: bytes = field(repr=False)
    redactor: Redactor = field(default_factory=Redactor, repr=False, compare=False)

    @functools.cached_property
    def body(self) -> Any:
        """The JSON body (Decimals kept exact), or None when it is not JSON."""
        try:
            return json.loads(self.content, parse_float=Decimal)
        except ValueError:
            return None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error(self, api: NueAssumptions) -> tuple[str, str]:
        """Nue's error code and a message that names the rejected field when Nue does (secrets masked)."""
        body = self.body if isinstance(self.body, Mapping) else {}
        code = str(body.get(api.error_code_key) or f"HTTP_{self.status}")
        message = str(body.get(api.error_message_key) or f"Nue answered HTTP {self.status}")
        bad_field = body.get(api.error_field_key)
        if bad_field and str(bad_field) not in message:
            message = f"{message} (field {bad_field})"
        return self.redactor.text(code), self.redactor.text(message)


class NueHttp:
    """Every request to Nue goes through `send`: auth header, JSON, retries, limits, errors."""

    def __init__(
        self,
        settings: Settings,
        environ: Mapping[str, str] | None,
        transport: httpx.BaseTransport | None,
        retry: RetryPolicy | None,
        api: NueAssumptions,
    ) -> None:
        nue = settings.nue
        self.api = api
        self.base_url = nue.base_url.rstrip("/")
        self._key_env = nue.api_key_env
        self._retry = retry or RetryPolicy(max_retries=nue.max_retries)
        self._timeout = nue.timeout_seconds
        self._usage: ApiUsage | None = None
        self._lock = threading.Lock()
        self._count_rows = True
        self._ca_bundle = nue.ca_bundle
        environ = os.environ if environ is None else environ
        key = nue.api_key(environ)
        self.redactor = Redactor(settings.secret_values(environ))
        self.client = httpx.Client(
            base_url=self.base_url,
            headers={"nue-api-key": key, "accept": "application/json"},
            timeout=httpx.Timeout(nue.timeout_seconds),
            limits=httpx.Limits(max_connections=nue.max_concurrency, max_keepalive_connections=nue.max_concurrency),
            transport=transport,
            verify=nue_context(nue, environ),
        )

    def send(self, endpoint: Endpoint, *, record_id: str | None = None, body: Any = None) -> Reply:
        """The first non-transient answer; raises `NueUnavailableError` once the retries are spent."""
        path = endpoint.path.format(id=record_id) if record_id is not None else endpoint.path
        content = None if body is None else json.dumps(body, default=_json_default).encode()
        headers = {"content-type": "application/json"} if content is not None else None
        attempts = self._retry.max_retries + 1
        for attempt in range(1, attempts + 1):
            retry_after = None
            try:
                response = self._exchange(endpoint.method, path, content, headers, attempt)
            except httpx.TimeoutException:
                failure: str | Reply = f"no answer within {self._timeout:g} s"
            except httpx.TransportError as exc:
                if _untrusted_certificate(exc):  # retrying cannot help
                    raise ApiUnavailableError(self._untrusted_message()) from None
                failure = f"cannot reach Nue at {self.base_url} ({type(exc).__name__})"
            else:
                self._note_usage(response.headers)
                if response.status_code == HTTPStatus.UNAUTHORIZED:
                    raise AuthenticationError(
                        f"Nue refused the API key (HTTP 401 from {self.base_url}): check the key in the "
                        f"environment variable {self._key_env} (named by nue.api_key_env)"
                    )
                failure = Reply(response.status_code, response.content, self.redactor)
                if response.status_code not in self.api.retryable_statuses:
                    return failure
                retry_after = response.headers.get("retry-after")
            if attempt < attempts:
                log.debug(
                    "Nue %s %s: %s; retry %d of %d",
                    endpoint.method,
                    path,
                    failure if isinstance(failure, str) else f"HTTP {failure.status}",
                    attempt,
                    attempts - 1,
                )
                self._retry.wait(attempt, retry_after)
        if isinstance(failure, Reply):
            code, message = failure.error(self.api)
            raise NueUnavailableError(
                f"Nue answered {code} to {endpoint.method} {path} {attempts} times: {message}", code
            )
        raise NueUnavailableError(f"{failure}: {endpoint.method} {path} failed {attempts} times")

    def _exchange(self, method: str, path: str, content: bytes | None, headers: Mapping[str, str] | None,
                  attempt: int) -> httpx.Response:
        """One HTTP request, traced on the `nuesync.http` logger (`-v`: the call; `-vv`: bodies, masked)."""
        started = time.perf_counter()
        trace = functools.partial(trace_exchange, "nue", method, path.partition("?")[0], attempt=attempt,
                                  redactor=self.redactor, request_body=content)
        try:
            response = self.client.request(method, path, content=content, headers=headers)
        except httpx.TransportError as exc:
            failure = f"no answer within {self._timeout:g} s" if isinstance(exc, httpx.TimeoutException) \
                else type(exc).__name__
            trace(status=None, seconds=time.perf_counter() - started, failure=failure)
            raise
        trace(status=response.status_code, seconds=time.perf_counter() - started,
              response_body=lambda: response.content)
        return _unbound(response)

    def _untrusted_message(self) -> str:
        trusted = f"nue.ca_bundle ({self._ca_bundle})" if self._ca_bundle else "the CA certificates in use"
        return (
            f"cannot reach Nue at {self.base_url}: its TLS certificate is not trusted by {trusted}; "
            "set nue.ca_bundle to the PEM file of the CA that issued it"
        )

    def select(self, root: str, selection: str, where: Mapping[str, Any], page_size: int,
               on_page: PageCount | None = None) -> Iterator[Any]:
        """Every `root` row matching `where`, `page_size` rows per request, in a stable order.

        The first request also asks `<root>_aggregate` for the count, so the read knows when it
        is complete even if the server silently clamps `limit` below `page_size` (as a Hasura
        role's row limit does) — and needs no trailing empty page. A server without aggregates
        is asked again without it, and then a page shorter than `page_size` is taken as the last.

        Rows are handed on as each page is decoded, one row at a time (`graphql_rows`), so the
        caller translates a row while its objects are young (see `json_stream`). `on_page(rows so
        far, the count when known)` is told after each page, for progress that means something.
        """
        where_text = graphql_literal(where)
        rows_field = (
            f"{root}(where: {where_text}, limit: $limit, offset: $offset, order_by: {self.api.stable_order_by}) "
            f"{selection}"
        )
        count_field = f"{root}_aggregate(where: {where_text}) {{ aggregate {{ count }} }}"
        received = 0
        total: int | None = None
        while True:
            counting = self._count_rows and not received
            fields = f"{rows_field} {count_field}" if counting else rows_field
            query = f"query Nuesync{root}($limit: Int!, $offset: Int!) {{ {fields} }}"
            page = _Counted(self.graphql_rows(query, {"limit": page_size, "offset": received}, root))
            try:
                data = yield from page
            except NueGraphQLError as exc:
                if not counting or f"{root}_aggregate" not in exc.message:
                    raise
                log.info("Nue has no %s_aggregate; paging until a short page", root)
                self._count_rows = False
                received += page.count  # rows that came with the refusal are not asked for again
                continue
            received += page.count
            total = _count(data, root) if counting else total
            if on_page is not None:
                on_page(received, total)
            if not page.count or (received >= total if total is not None else page.count < page_size):
                return

    def graphql_rows(self, query: str, variables: Mapping[str, Any], root: str) -> Generator[Any, None, Any]:
        """The rows at `data.<root>` of one GraphQL request as they are decoded; returns its `data`
        (that list left empty). GraphQL `errors` or a malformed answer raise.

        `errors` may follow the rows in the answer: it then raises after them, ending the read as
        it always did. An error status keeps the whole-body path: such answers are small.
        """
        reply = self.send(self.api.endpoints["graphql"], body={"query": query, "variables": variables})
        body = (yield from _streamed(reply.content, ("data", root))) if reply.ok else reply.body
        if isinstance(body, Mapping) and body.get("errors"):
            messages = "; ".join(
                str(error.get("message", error)) if isinstance(error, Mapping) else str(error)
                for error in body["errors"]
            )
            raise NueGraphQLError(f"Nue rejected the GraphQL query for {root}: {self.redactor.text(messages)}")
        if not reply.ok:
            code, message = reply.error(self.api)
            raise ApiUnavailableError(f"Nue answered {code} to the GraphQL query for {root}: {message}")
        if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
            raise ApiUnavailableError(f"Nue's GraphQL answer for {root} has no data object")
        if not isinstance(body["data"].get(root), list):
            raise ApiUnavailableError(f"Nue's GraphQL answer has no list at data.{root}")
        return body["data"]

    def _note_usage(self, headers: httpx.Headers) -> None:
        limit_name, remaining_name = self.api.rate_limit_headers
        limit, remaining = headers.get(limit_name), headers.get(remaining_name)
        if limit and remaining and limit.isdigit() and remaining.isdigit():
            with self._lock:
                self._usage = ApiUsage(used=int(limit) - int(remaining), limit=int(limit))

    @property
    def usage(self) -> ApiUsage | None:
        with self._lock:
            return self._usage

    def close(self) -> None:
        self.client.close()


def _untrusted_certificate(exc: BaseException) -> bool:
    """Whether a failed connection was the server's certificate failing verification (httpx wraps it)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _unbound(response: httpx.Response) -> httpx.Response:
    """`response`, read whole, without its spent stream: httpx binds a response's stream back to the
    response, a reference cycle that keeps the body alive until the cycle collector runs — and a
    read pauses the collector (`nuesync.fetch`), which would keep every page read until the read ends."""
    response.stream = httpx.ByteStream(b"")
    return response


def _streamed(content: bytes, path: tuple[str, ...]) -> Generator[Any, None, Any]:
    """`stream_array` of an answer; an answer that is not JSON is None, as `Reply.body` reads it."""
    try:
        return (yield from stream_array(content, path))
    except ValueError:
        return None


class _Counted(Iterator[Any]):
    """A stream's members, counted as they pass; `yield from` it still gets the stream's return value."""

    def __init__(self, stream: Iterator[Any]) -> None:
        self._stream = stream
        self.count = 0

    def __next__(self) -> Any:
        member = next(self._stream)
        self.count += 1
        return member


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} to Nue")


class FailFast:
    """After a few consecutive writes found Nue unavailable, stop sending the rest of the batch.

    Retrying every remaining record through a full backoff would turn an outage into an hour-long
    run; one unlucky record (a per-record 5xx) never trips it because any success resets it.
    It also holds the batch's run of identical per-record failures (`identical`), which stops
    the rest of the batch once it is `IDENTICAL_FAILURES_LIMIT` long.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures = 0
        self.reason = ""
        self.identical = IdenticalFailures()

    def tripped(self) -> bool:
        with self._lock:
            return self._failures >= _FAIL_FAST_AFTER

    def record(self, unavailable: str | None) -> None:
        with self._lock:
            self._failures = self._failures + 1 if unavailable else 0
            self.reason = unavailable or self.reason

    def trip(self, reason: str) -> None:
        with self._lock:
            self._failures = _FAIL_FAST_AFTER
            self.reason = reason


def failed(key: str, code: str, message: str, record_id: str | None = None) -> WriteResult:
    return WriteResult(key=key, outcome=Outcome.FAILED, record_id=record_id, error_code=code, message=message)


Write = Callable[[], WriteResult]


def run_writes(
    writes: Sequence[tuple[str, Write | WriteResult]], workers: int, fail_fast: FailFast,
    on_written: Callable[[], None] | None = None,
) -> list[WriteResult]:
    """Run each `(key, write)` on up to `workers` threads; a ready `WriteResult` (a refusal) is kept as is.

    Results come back in the order given. On Ctrl-C no further write starts; the few in flight
    finish (each carries its link, so a re-run finds them instead of creating them again).
    `on_written()` is told once per write when its result is ready (at once for a refusal), on the
    thread that ran it, so progress moves as Nue answers, not when the batch ends.
    """

    def one(item: tuple[str, Write | WriteResult]) -> WriteResult:
        key, write = item
        result = write if isinstance(write, WriteResult) else _guarded(fail_fast, key, write)
        if on_written is not None:
            on_written()
        return result

    if workers == 1 or len(writes) <= 1:
        return [one(item) for item in writes]
    pool = ThreadPoolExecutor(max_workers=min(workers, len(writes)), thread_name_prefix="nue-write")
    try:
        futures = [pool.submit(one, item) for item in writes]
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _guarded(fail_fast: FailFast, key: str, write: Write) -> WriteResult:
    """Run one write unless Nue proved unavailable or the batch keeps failing the same way;
    never let one record stop the others."""
    if fail_fast.tripped():
        return failed(key, "API_UNAVAILABLE", f"not sent: Nue is unavailable ({fail_fast.reason})")
    if fail_fast.identical.tripped:
        return failed(key, STOPPED_EARLY, fail_fast.identical.reason())
    result = _attempt(fail_fast, key, write)
    failure = (result.error_code or "FAILED") if result.outcome is Outcome.FAILED else None
    fail_fast.identical.record(failure, result.message)
    return result


def _attempt(fail_fast: FailFast, key: str, write: Write) -> WriteResult:
    """One write's result; an error that stops it becomes its failure (and may trip the fail-fast)."""
    try:
        result = write()
    except AuthenticationError as exc:
        fail_fast.trip(exc.message)
        return failed(key, "UNAUTHORIZED", exc.message)
    except NueUnavailableError as exc:
        fail_fast.record(exc.message)
        return failed(key, exc.error_code, exc.message)
    except ApiUnavailableError as exc:  # a malformed or refused read the write depended on
        return failed(key, "API_ERROR", exc.message)
    fail_fast.record(None)
    return result
