"""The one path every Salesforce request takes, and the logins that open it.

simple-salesforce logs in with whatever the config names (session id, SOAP username/password/
token, OAuth client credentials, JWT) on a `requests.Session` that trusts exactly the configured
CA bundle. After that every call goes through `SalesforceConnection.send`, the one place that
retries (503/429, any 5xx on a read, `UNABLE_TO_LOCK_ROW`, dropped connections, honouring
`Retry-After`), logs in again once on an expired session, stops on a spent API budget, reads
`Sforce-Limit-Info` and masks the secrets it holds in any error body — so no read or write can
forget one of them. Login is not retried: a refused or unreachable login is reported at once,
naming where it went and which variables hold the credentials. A batch of writes stops early
when the same per-record failure keeps repeating (`early_stop`).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.login import SalesforceLogin
from urllib3.exceptions import NameResolutionError

from nuesync.adapters.base import ApiUsage, PageCount
from nuesync.adapters.early_stop import STOPPED_EARLY, IdenticalFailures
from nuesync.adapters.json_stream import stream_array
from nuesync.adapters.retry import RetryPolicy
from nuesync.adapters.salesforce_wire import dumps, loads
from nuesync.adapters.tls import configured_bundle
from nuesync.config import SalesforceAuth, SalesforceSettings, unreadable_file
from nuesync.errors import (
    ApiBudgetExhaustedError,
    ApiUnavailableError,
    AuthenticationError,
    ConfigError,
    ExitCode,
    NuesyncError,
)
from nuesync.logs import trace_exchange
from nuesync.redact import Redactor

COLLECTION_LIMIT = 200  # records per sObject Collections call
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
RETRYABLE_ERRORS = frozenset({"UNABLE_TO_LOCK_ROW"})
SCHEMA_ERRORS = frozenset({"INVALID_FIELD", "INVALID_TYPE", "NOT_FOUND"})
ACCESS_ERRORS = frozenset({"INSUFFICIENT_ACCESS", "INSUFFICIENT_ACCESS_OR_READONLY", "API_DISABLED_FOR_ORG"})
_LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")


class SalesforceRequestError(NuesyncError):
    """Salesforce refused a request that has no per-record outcome to report it in."""

    exit_code = ExitCode.INTERNAL_ERROR

    def __init__(self, message: str, *, status: int, error_code: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code


class SalesforceSchemaError(ConfigError, SalesforceRequestError):
    """The org has no such field or object: a mapping in the config names something it lacks."""


# --- login -----------------------------------------------------------------------------------


def login_origin(settings: SalesforceSettings) -> str:
    """Where logins go: the org's own URL (My Domain) when configured, else `{domain}.salesforce.com`.

    The JWT flow always goes to `{domain}`: simple-salesforce addresses the assertion to it.
    """
    if settings.instance_url and settings.auth is not SalesforceAuth.JWT:
        return settings.instance_url.rstrip("/")
    return f"https://{settings.domain}.salesforce.com"


def _session_login(settings: SalesforceSettings, secrets: Mapping[str, str], http: requests.Session) -> Salesforce:
    if not settings.instance_url:
        raise ConfigError("salesforce.instance_url is required when salesforce.auth = 'session'")
    return Salesforce(
        session_id=secrets["session_id_env"],
        instance_url=settings.instance_url,
        version=settings.api_version,
        session=http,
    )


def _password_login(settings: SalesforceSettings, secrets: Mapping[str, str], http: requests.Session) -> Salesforce:
    """SOAP login; at the configured instance URL when there is one (simple-salesforce's `scratch_url`)."""
    session_id, instance = SalesforceLogin(
        username=secrets["username_env"],
        password=secrets["password_env"],
        security_token=secrets["security_token_env"],
        sf_version=settings.api_version,
        session=http,
        domain=settings.domain,
        scratch_url=settings.instance_url.rstrip("/") if settings.instance_url else None,
    )
    return Salesforce(session_id=session_id, instance=instance, version=settings.api_version, session=http)


def _client_credentials_login(
    settings: SalesforceSettings, secrets: Mapping[str, str], http: requests.Session
) -> Salesforce:
    form = {
        "grant_type": "client_credentials",
        "client_id": secrets["client_id_env"],
        "client_secret": secrets["client_secret_env"],
    }
    response = http.post(f"{login_origin(settings)}/services/oauth2/token", data=form, timeout=settings.timeout_seconds)
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):  # a gateway's error list, not an OAuth answer
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        raise SalesforceAuthenticationFailed(
            body.get("error", f"HTTP_{response.status_code}"), body.get("error_description") or "no access token"
        )
    return Salesforce(
        session_id=body["access_token"], instance_url=body["instance_url"], version=settings.api_version, session=http
    )


def _jwt_login(settings: SalesforceSettings, secrets: Mapping[str, str], http: requests.Session) -> Salesforce:
    """JWT bearer flow by simple-salesforce; the key variable holds the PEM text or a path to it."""
    key = secrets["private_key_env"]
    is_pem = key.lstrip().startswith("-----BEGIN")
    if not is_pem and unreadable_file(Path(key)):  # never echo the value: it may be key material
        raise ConfigError(
            f"the environment variable {settings.private_key_env} (named by salesforce.private_key_env) holds "
            "neither PEM text nor the path of a readable file; set it to the JWT signing key or a path to it"
        )
    pem = {"privatekey": key} if is_pem else {"privatekey_file": key}
    return Salesforce(
        username=secrets["username_env"],
        consumer_key=secrets["client_id_env"],
        domain=settings.domain,
        version=settings.api_version,
        session=http,
        **pem,
    )


Login = Callable[[SalesforceSettings, Mapping[str, str], requests.Session], Salesforce]
LOGINS: dict[SalesforceAuth, Login] = {
    SalesforceAuth.SESSION: _session_login,
    SalesforceAuth.PASSWORD: _password_login,
    SalesforceAuth.CLIENT_CREDENTIALS: _client_credentials_login,
    SalesforceAuth.JWT: _jwt_login,
}


def http_session(settings: SalesforceSettings, session: requests.Session | None = None) -> requests.Session:
    """A session that trusts exactly the configured CA bundle: `REQUESTS_CA_BUNDLE` cannot override it.

    The bundle is loaded once here, so a missing or malformed file is a ConfigError naming
    `salesforce.ca_bundle` now rather than an `OSError` from requests at the first call.
    """
    if settings.ca_bundle:
        configured_bundle(settings.ca_bundle, "salesforce.ca_bundle")
    session = session or requests.Session()
    session.trust_env = False
    session.verify = str(settings.ca_bundle) if settings.ca_bundle else True
    return session


# --- the one request path --------------------------------------------------------------------


def _is_retryable(method: str, status: int) -> bool:
    """Load shedding is retried on any request; another 5xx only on a read, which is safe to repeat."""
    return status in RETRYABLE_STATUSES or (method == "GET" and status >= 500)


def _stopped_answer(reason: str) -> dict[str, Any]:
    """A Collections result for a record the batch did not send (see `early_stop`)."""
    return {"success": False, "errors": [{"statusCode": STOPPED_EARLY, "message": reason, "fields": []}]}


def _error_list(response: requests.Response) -> list[dict[str, Any]]:
    """Salesforce's error body `[{"message", "errorCode", "fields"}]`, or one synthesised from the status."""
    try:
        body = loads(response.content) if response.content else None
    except ValueError:
        body = None
    if isinstance(body, list) and body and all(isinstance(item, dict) for item in body):
        return body
    if isinstance(body, dict) and "error" in body:
        return [{"errorCode": body["error"], "message": body.get("error_description", "")}]
    return [{"errorCode": f"HTTP_{response.status_code}", "message": response.reason or ""}]


def record_error(result: Mapping[str, Any]) -> dict[str, Any]:
    """A per-record result's first error, `{"statusCode", "message", "fields"}`; empty on success."""
    errors = result.get("errors") or []
    return dict(errors[0]) if errors else {}


def response_error(response: requests.Response) -> dict[str, Any]:
    """A refused call's first error, in the per-record shape (REST says `errorCode`, Collections `statusCode`)."""
    error = _error_list(response)[0]
    return {"statusCode": error.get("errorCode"), "message": error.get("message"), "fields": error.get("fields") or []}


def describe_error(error: Mapping[str, Any]) -> str:
    """`CODE: message (fields: A, B)`, as a per-record failure message."""
    fields = error.get("fields") or []
    where = f" (fields: {', '.join(fields)})" if fields else ""
    return f"{error.get('statusCode')}: {error.get('message')}{where}"


def _unavailable(response: requests.Response, method: str, path: str) -> str:
    """`HTTP 500 for GET query (UNKNOWN_EXCEPTION: …)`: the request and what Salesforce said."""
    error = _error_list(response)[0]
    return f"HTTP {response.status_code} for {method} {path} ({error.get('errorCode')}: {error.get('message')})"


def _failure_reason(exc: requests.RequestException, timeout: float) -> str:
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout:g} s"
    if _is_name_resolution_failure(exc):
        return "host name not found"
    text = str(exc).lower()
    return "connection refused" if "refused" in text else f"connection failed ({type(exc).__name__})"


def _query(params: Mapping[str, str] | None) -> str | None:
    """A GET's parameters as sent (the SOQL of a query), for the `-vv` trace."""
    return urlencode(params) if params else None


def _is_name_resolution_failure(exc: requests.RequestException) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NameResolutionError)


class SalesforceConnection:
    """A logged-in simple-salesforce client and the single path its requests take."""

    def __init__(
        self, settings: SalesforceSettings, secrets: Mapping[str, str], http: requests.Session, retry: RetryPolicy
    ) -> None:
        self.settings = settings
        self.retry = retry
        self.http = http
        self.requests_sent = 0
        self.usage: ApiUsage | None = None
        self._secrets = dict(secrets)
        self.redactor = Redactor(self._secrets.values())
        self.client = self._login()

    @property
    def origin(self) -> str:
        return f"https://{self.client.sf_instance}"

    def url(self, path: str) -> str:
        if path.startswith("/"):
            return self.origin + path
        return f"{self.origin}/services/data/v{self.settings.api_version}/{path}"

    def _login(self) -> Salesforce:
        """Log in; the session it yields joins the secrets masked in every error text."""
        auth = self.settings.auth
        try:
            client = LOGINS[auth](self.settings, self._secrets, self.http)
        except SalesforceAuthenticationFailed as exc:
            variables = ", ".join(getattr(self.settings, key) for key in self.settings.secret_keys())
            raise AuthenticationError(
                f"Salesforce refused the {auth.value} login at {login_origin(self.settings)} "
                f"({self.redactor.text(f'{exc.code}: {exc.auth_message}')}); check {variables}"
            ) from None
        except requests.exceptions.SSLError:
            raise ApiUnavailableError(self._tls_message(login_origin(self.settings))) from None
        except requests.RequestException as exc:
            reason = _failure_reason(exc, self.settings.timeout_seconds)
            raise ApiUnavailableError(
                f"cannot reach the Salesforce login at {login_origin(self.settings)}: {reason}"
            ) from None
        self.redactor = self.redactor.with_secrets(client.session_id)
        return client

    def _renew_session(self) -> None:
        if self.settings.auth is SalesforceAuth.SESSION:
            raise AuthenticationError(
                f"Salesforce rejected the session id in {self.settings.session_id_env} (expired or invalid); "
                f"set a fresh one in {self.settings.session_id_env}, or use an auth method that can log in again"
            )
        self.client = self._login()

    def _tls_message(self, where: str) -> str:
        bundle = self.settings.ca_bundle or "the system CA store"
        return (
            f"cannot reach Salesforce at {where}: its TLS certificate is not trusted by {bundle} (salesforce.ca_bundle)"
        )

    def _track_usage(self, response: requests.Response) -> None:
        match = _LIMIT_INFO.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.usage = ApiUsage(used=int(match.group(1)), limit=int(match.group(2)))

    def _wait_or_give_up(self, attempt: int, reason: str, retry_after: str | None = None) -> int:
        if attempt >= self.retry.max_retries:
            raise ApiUnavailableError(
                f"Salesforce at {self.origin} is unavailable: {reason} (after {attempt + 1} attempts)"
            )
        self.retry.wait(attempt + 1, retry_after)
        return attempt + 1

    def send(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None, body: str | None = None
    ) -> requests.Response:
        """One API request with retries, one re-login and limit tracking; returns the final response.

        A 4xx the caller can attribute to records (a failed upsert, a query error), or a 500 to a
        write (not repeated: it may have landed), is returned, not raised: only "stop the run"
        conditions raise. Secrets in an error body are already masked.
        """
        attempt, renewed = 0, False
        while True:
            try:
                response = self._exchange(method, path, params, body, attempt + 1)
            except requests.exceptions.SSLError:
                raise ApiUnavailableError(self._tls_message(self.origin)) from None
            except requests.RequestException as exc:
                reason = _failure_reason(exc, self.settings.timeout_seconds)
                if _is_name_resolution_failure(exc):
                    raise ApiUnavailableError(f"cannot reach Salesforce at {self.origin}: {reason}") from None
                attempt = self._wait_or_give_up(attempt, reason)
                continue
            self.requests_sent += 1
            self._track_usage(response)
            self._mask_error_body(response)
            if response.status_code == 401:
                if renewed:
                    raise AuthenticationError(f"Salesforce at {self.origin} rejected a freshly issued session")
                self._renew_session()
                renewed = True
                continue
            codes = (
                {error.get("errorCode") for error in _error_list(response)} if response.status_code >= 400 else set()
            )
            if _is_retryable(method, response.status_code):
                attempt = self._wait_or_give_up(
                    attempt, _unavailable(response, method, path), response.headers.get("Retry-After")
                )
                continue
            if "REQUEST_LIMIT_EXCEEDED" in codes:
                used = f" ({self.usage.used}/{self.usage.limit} calls used)" if self.usage else ""
                raise ApiBudgetExhaustedError(
                    f"the Salesforce org's daily API request limit is spent{used}; try again later"
                )
            if codes & RETRYABLE_ERRORS and attempt < self.retry.max_retries:
                attempt += 1
                self.retry.wait(attempt, response.headers.get("Retry-After"))
                continue
            return response

    def _exchange(
        self, method: str, path: str, params: Mapping[str, str] | None, body: str | None, attempt: int
    ) -> requests.Response:
        """One HTTP request, traced on the `nuesync.http` logger (`-v`: the call; `-vv`: bodies, masked)."""
        url = self.url(path)
        started = time.perf_counter()
        trace = functools.partial(trace_exchange, "salesforce", method, urlsplit(url).path, attempt=attempt,
                                  redactor=self.redactor, request_body=body if body is not None else _query(params))
        try:
            response = self.http.request(
                method,
                url,
                params=params,
                data=body.encode() if body is not None else None,
                headers={"Authorization": f"Bearer {self.client.session_id}", "Content-Type": "application/json"},
                timeout=self.settings.timeout_seconds,
            )
        except requests.RequestException as exc:
            trace(status=None, seconds=time.perf_counter() - started,
                  failure=_failure_reason(exc, self.settings.timeout_seconds))
            raise
        trace(status=response.status_code, seconds=time.perf_counter() - started,
              response_body=lambda: response.content)
        return response

    def _mask_error_body(self, response: requests.Response) -> None:
        """Mask secrets in an error body before anyone reads it: its codes and messages end up in
        exception texts and per-record results, built here and by the adapter (`response_error`).
        requests keeps a read body in `_content`; replacing it is how the masked text is what they read."""
        if response.status_code >= 400 and response.content:
            masked = self.redactor.text(response.content.decode("utf-8", errors="replace"))
            response._content = masked.encode("utf-8")

    def request(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None, body: str | None = None
    ) -> Any:
        """`send`, then the parsed JSON body; an error answer raises (see `_answer`)."""
        response = self._answer(method, path, params, body)
        return loads(response.content) if response.content else None

    def _answer(
        self, method: str, path: str, params: Mapping[str, str] | None, body: str | None
    ) -> requests.Response:
        """`send`'s final answer when it is a success; an error answer raises `SalesforceRequestError`.

        A server-side failure (5xx) left after the retries is Salesforce being unavailable, not
        a refused request: it stops the run with `ApiUnavailableError`.
        """
        response = self.send(method, path, params=params, body=body)
        if response.status_code >= 500:
            raise ApiUnavailableError(
                f"Salesforce at {self.origin} is unavailable: {_unavailable(response, method, path)}"
            )
        if response.status_code >= 400:
            error = _error_list(response)[0]
            code = error.get("errorCode")
            if code in ACCESS_ERRORS:
                raise AuthenticationError(
                    f"Salesforce refused {method} {path} to this user ({code}: {error.get('message')}); "
                    "check the integration user's profile and permission sets"
                )
            kind = SalesforceSchemaError if code in SCHEMA_ERRORS else SalesforceRequestError
            raise kind(
                f"Salesforce refused {method} {path}: {code}: {error.get('message')}",
                status=response.status_code,
                error_code=code,
            )
        return response

    def query(self, soql: str, on_page: PageCount | None = None) -> Iterator[dict[str, Any]]:
        """Every row of a SOQL query, following the parent's and each child subquery's next pages.

        A page (up to 2,000 rows with their subquery rows) is decoded one row at a time, each row
        handed on as soon as its children are complete: the caller translates it while its objects
        are young, rather than every object of the page living until its last row is translated
        (see `json_stream`). A malformed page raises `json.JSONDecodeError`, as `json.loads` would.
        `on_page(rows so far, totalSize)` is told after each page, for progress that means something.
        """
        path, params, done = "query", {"q": soql}, 0
        while True:
            rows = self._page_rows(path, params)
            while True:
                try:
                    record = next(rows)
                except StopIteration as end:
                    page = end.value
                    break
                done += 1
                yield record
            if on_page is not None:
                on_page(done, int(page.get("totalSize") or done))
            if page.get("done", True):
                return
            path, params = page["nextRecordsUrl"], None

    def _page_rows(self, path: str, params: Mapping[str, str] | None) -> Generator[dict[str, Any], None, Any]:
        """One query page's rows as they are decoded, each with its children complete; returns the
        page's paging fields (`done`, `nextRecordsUrl`), its `records` left empty."""
        rows = stream_array(self._answer("GET", path, params, None).content, ("records",))
        while True:
            try:
                record = next(rows)
            except StopIteration as end:
                return end.value
            self._complete_children(record)
            yield record

    def _complete_children(self, record: dict[str, Any]) -> None:
        for value in record.values():
            if not (isinstance(value, dict) and "records" in value):
                continue
            while not value.get("done", True):
                more = self.request("GET", value["nextRecordsUrl"])
                value["records"].extend(more["records"])
                value["done"] = more.get("done", True)
                value["nextRecordsUrl"] = more.get("nextRecordsUrl")

    def write_collection(self, method: str, path: str, records: Sequence[dict[str, Any]],
                         on_answered: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
        """sObject Collections results in record order, one per record, in calls of ≤ 200 records.

        Results are yielded as each call answers, so a run that has to stop still knows what it
        wrote. A record locked by another transaction is sent again on its own. Once the last
        `IDENTICAL_FAILURES_LIMIT` results all failed with one error code, no further call is
        sent: each remaining record fails with `STOPPED_EARLY`. `on_answered(records)` is told
        the size of each chunk as its answers arrive (a chunk not sent too), for progress.
        """
        failures = IdenticalFailures()
        for start in range(0, len(records), COLLECTION_LIMIT):
            chunk = records[start : start + COLLECTION_LIMIT]
            if failures.tripped:
                reason = failures.reason()
                answers = [_stopped_answer(reason) for _ in chunk]
            else:
                answers = self._send_chunk(method, path, chunk)
                for answer in answers:
                    error = record_error(answer)
                    failures.record(None if answer.get("success") else str(error.get("statusCode")),
                                    error.get("message"))
            if on_answered is not None:
                on_answered(len(chunk))
            yield from answers

    def _send_chunk(self, method: str, path: str, chunk: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """One Collections call, then the locked records again on their own; secrets masked in every error."""
        answers = self._send_collection(method, path, chunk)
        for attempt in range(1, self.retry.max_retries + 1):
            locked = [
                i for i, answer in enumerate(answers) if record_error(answer).get("statusCode") in RETRYABLE_ERRORS
            ]
            if not locked:
                break
            self.retry.wait(attempt)
            retried = self._send_collection(method, path, [chunk[i] for i in locked])
            for i, answer in zip(locked, retried, strict=True):
                answers[i] = answer
        return [self._masked_answer(answer) for answer in answers]

    def _masked_answer(self, answer: dict[str, Any]) -> dict[str, Any]:
        """A per-record result with secrets masked in its errors' codes and messages."""
        errors = answer.get("errors")
        if not isinstance(errors, list) or not errors:
            return answer
        return {**answer, "errors": [self._masked_error(error) for error in errors]}

    def _masked_error(self, error: Any) -> Any:
        if not isinstance(error, dict):
            return error
        texts = {
            key: self.redactor.text(error[key]) for key in ("statusCode", "message") if isinstance(error.get(key), str)
        }
        return {**error, **texts}

    def _send_collection(self, method: str, path: str, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """One Collections call; an error for the whole call becomes each of its records' error."""
        response = self.send(method, path, body=dumps({"allOrNone": False, "records": list(records)}))
        if response.status_code >= 400:
            failure = response_error(response)
            return [{"success": False, "errors": [failure]} for _ in records]
        answers = loads(response.content)
        if not isinstance(answers, list) or len(answers) != len(records):
            count = len(answers) if isinstance(answers, list) else "no"
            raise SalesforceRequestError(
                f"Salesforce answered {method} {path} with {count} results for {len(records)} records",
                status=response.status_code,
                error_code=None,
            )
        return answers
