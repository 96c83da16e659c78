"""Instrumentation: per-endpoint request counters and fault injection.

Counters are keyed `"METHOD /route/{id}"` with ids templated, e.g. `POST /orders`,
`PATCH /orders/{id}`, `POST /async/graphql`. Writes are every non-GET request except GraphQL
(which only reads). Every request is counted, including refused and faulted ones.

Faults (`sandbox.faults`), each for the next `times` requests (optionally only those on one
`route`, written like a counter key), checked in this order before the API key:
- `rate_limit(times=1, retry_after=1, route=None)`: 429 `RATE_LIMITED` with `Retry-After`;
- `unavailable(times=1, route=None)`: 503 `SERVICE_UNAVAILABLE`;
- `fail_next(times=1, status=503, route=None)`: any status, e.g. 500 `INTERNAL_ERROR`, 502
  `BAD_GATEWAY`, 504 `GATEWAY_TIMEOUT` (as the Salesforce sandbox's `fail_next`);
- `abort_after_writes(n)`: the next `n` writes succeed, every later write gets 503 (a crash
  mid-run, for resume tests) until `clear()`;
- `timeout(times=1, seconds=5.0, route=None)`: the request is carried out, then its answer is
  held back `seconds` (longer than the client's timeout: the client sees a timeout although
  the write happened, the case that tempts a client into duplicates);
- `fail_order(key, status=500, error_code="INTERNAL_ERROR", message=…, times=None)`: writes that
  touch the order whose id or `salesforceId` is `key` fail with that status (for `times` requests,
  or until `clear()`);
- `clear()`: remove every fault.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus

from nuesync.sandbox.nue.errors import NueApiError

GRAPHQL_ROUTE = "POST /async/graphql"


def is_write(route: str) -> bool:
    return not route.startswith("GET ") and route != GRAPHQL_ROUTE


class Instrumentation:
    """Thread-safe request counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def record(self, route: str) -> None:
        with self._lock:
            self._counts[route] += 1

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


@dataclass
class _Burst:
    """A fault for the next `remaining` matching requests."""

    remaining: int
    route: str | None
    retry_after: int = 0
    hold_seconds: float = 0.0
    status: int = HTTPStatus.SERVICE_UNAVAILABLE

    def takes(self, route: str) -> bool:
        if self.remaining <= 0 or (self.route is not None and self.route != route):
            return False
        self.remaining -= 1
        return True


@dataclass
class _OrderFailure:
    status: int
    error_code: str
    message: str
    remaining: int | None

    def takes(self) -> bool:
        if self.remaining is None:
            return True
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True


@dataclass
class Verdict:
    """What the faults decided for one request: refuse it now, and/or hold its answer back."""

    error: NueApiError | None = None
    hold_seconds: float = 0.0


@dataclass
class Faults:
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _rate_limits: list[_Burst] = field(default_factory=list)
    _outages: list[_Burst] = field(default_factory=list)
    _timeouts: list[_Burst] = field(default_factory=list)
    _order_failures: dict[str, _OrderFailure] = field(default_factory=dict)
    _abort_after: int | None = None
    _writes_seen: int = 0

    def rate_limit(self, times: int = 1, *, retry_after: int = 1, route: str | None = None) -> None:
        with self._lock:
            self._rate_limits.append(_Burst(times, route, retry_after=retry_after))

    def unavailable(self, times: int = 1, *, route: str | None = None) -> None:
        self.fail_next(times, status=HTTPStatus.SERVICE_UNAVAILABLE, route=route)

    def fail_next(
        self, times: int = 1, *, status: int = HTTPStatus.SERVICE_UNAVAILABLE, route: str | None = None
    ) -> None:
        with self._lock:
            self._outages.append(_Burst(times, route, status=status))

    def timeout(self, times: int = 1, *, seconds: float = 5.0, route: str | None = None) -> None:
        with self._lock:
            self._timeouts.append(_Burst(times, route, hold_seconds=seconds))

    def abort_after_writes(self, n: int) -> None:
        with self._lock:
            self._abort_after, self._writes_seen = n, 0

    def fail_order(
        self,
        key: str,
        *,
        status: int = 500,
        error_code: str = "INTERNAL_ERROR",
        message: str = "injected failure",
        times: int | None = None,
    ) -> None:
        with self._lock:
            self._order_failures[key] = _OrderFailure(status, error_code, message, times)

    def clear(self) -> None:
        with self._lock:
            self._rate_limits.clear()
            self._outages.clear()
            self._timeouts.clear()
            self._order_failures.clear()
            self._abort_after, self._writes_seen = None, 0

    # -- used by the app ------------------------------------------------------------------
    def check(self, route: str) -> Verdict:
        """Decide the request-level faults for one request (consumes the bursts it hits)."""
        with self._lock:
            hold = next((burst.hold_seconds for burst in self._timeouts if burst.takes(route)), 0.0)
            rate_limit = next((burst for burst in self._rate_limits if burst.takes(route)), None)
            if rate_limit is not None:
                return Verdict(_rate_limited(rate_limit.retry_after), hold)
            outage = next((burst for burst in self._outages if burst.takes(route)), None)
            if outage is not None:
                return Verdict(_failure(outage.status), hold)
            if is_write(route) and self._abort_after is not None:
                self._writes_seen += 1
                if self._writes_seen > self._abort_after:
                    return Verdict(_unavailable("Service unavailable (injected abort)"), hold)
            return Verdict(None, hold)

    def order_error(self, keys: set[str]) -> NueApiError | None:
        """The injected failure for a write touching an order known by any of `keys`."""
        with self._lock:
            for key in keys:
                failure = self._order_failures.get(key)
                if failure is not None and failure.takes():
                    return NueApiError(failure.status, failure.error_code, failure.message)
            return None


def _rate_limited(retry_after: int) -> NueApiError:
    return NueApiError(
        HTTPStatus.TOO_MANY_REQUESTS, "RATE_LIMITED", "Too many requests, retry later",
        headers={"Retry-After": str(retry_after)},
    )


def _unavailable(message: str) -> NueApiError:
    return NueApiError(HTTPStatus.SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE", message)


def _failure(status: int) -> NueApiError:
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return _rate_limited(1)
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        return _unavailable("Service temporarily unavailable")
    phrase = HTTPStatus(status).phrase
    return NueApiError(status, phrase.upper().replace(" ", "_").replace("-", "_"), f"{phrase} (injected)")
