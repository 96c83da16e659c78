"""Fault injection for the Salesforce emulator, so tests can watch an adapter cope.

Every method arms a fault for the *next* requests and returns immediately; `clear()` disarms
all of them. Request numbers count HTTP requests as the counters do (a Composite call is one).

- `fail_next(n, status=503, endpoint=None)` — the next `n` requests (only those whose counter key
  equals `endpoint`, e.g. ``"PATCH composite/sobjects/Order/Nue_Order_Id__c"``, when given) answer
  `status` (503 `SERVER_UNAVAILABLE`, 500 `UNKNOWN_EXCEPTION`, or any other code) without running.
- `lock_rows(n)` — every record written by the next `n` write requests fails with
  `UNABLE_TO_LOCK_ROW` (a 400 for one record, a per-record error inside collections/composite).
- `expire_session_after(n)` — after `n` more authenticated calls every session is expired:
  later calls get 401 `INVALID_SESSION_ID` until the client logs in again (SOAP or OAuth).
- `fail_record(nth, status_code=…, message=…, times=1)` — in the next `times` sObject Collections
  writes, the `nth` record (1-based) fails with that per-record error.
- `abort_after_writes(n)` — the next `n` write requests run; every later write answers 503, as
  if the run had crashed mid-way. Reads keep working.
- `exhaust_api_limit()` — the daily API allowance is spent: 403 `REQUEST_LIMIT_EXCEEDED`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from nuesync.sandbox.salesforce.errors import ApiError, record_error

_HTTP_FAULTS = {
    503: ("SERVER_UNAVAILABLE", "Service temporarily unavailable. Please retry your request."),
    500: ("UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you contact support."),
    502: ("SERVER_UNAVAILABLE", "Bad gateway."),
    429: ("REQUEST_LIMIT_EXCEEDED", "Too many requests."),
}


@dataclass
class RecordFault:
    nth: int
    status_code: str
    message: str
    times: int


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._http_failures: list[tuple[int, str | None]] = []
            self._locked_writes = 0
            self._session_calls_left: int | None = None
            self._record_fault: RecordFault | None = None
            self._writes_before_abort: int | None = None
            self.api_limit_exhausted = False

    # --- arming --------------------------------------------------------------------------------

    def fail_next(self, n: int, status: int = 503, endpoint: str | None = None) -> None:
        with self._lock:
            self._http_failures.extend([(status, endpoint)] * n)

    def lock_rows(self, n: int) -> None:
        with self._lock:
            self._locked_writes += n

    def expire_session_after(self, n: int) -> None:
        with self._lock:
            self._session_calls_left = n

    def fail_record(self, nth: int, status_code: str = "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    message: str = "Injected failure for this record", times: int = 1) -> None:
        with self._lock:
            self._record_fault = RecordFault(nth, status_code, message, times)

    def abort_after_writes(self, n: int) -> None:
        with self._lock:
            self._writes_before_abort = n

    def exhaust_api_limit(self) -> None:
        self.api_limit_exhausted = True

    # --- consulted by the app ------------------------------------------------------------------

    def http_failure(self, endpoint: str) -> ApiError | None:
        with self._lock:
            for index, (status, only) in enumerate(self._http_failures):
                if only is None or only == endpoint:
                    del self._http_failures[index]
                    code, message = _HTTP_FAULTS.get(status, ("UNKNOWN_EXCEPTION", "Injected failure."))
                    return ApiError(status, code, message)
        return None

    def write_aborted(self) -> bool:
        with self._lock:
            if self._writes_before_abort is None:
                return False
            if self._writes_before_abort == 0:
                return True
            self._writes_before_abort -= 1
            return False

    def take_row_lock(self) -> bool:
        with self._lock:
            if self._locked_writes == 0:
                return False
            self._locked_writes -= 1
            return True

    def session_expires_after_this_call(self) -> bool:
        with self._lock:
            if self._session_calls_left is None:
                return False
            self._session_calls_left -= 1
            if self._session_calls_left > 0:
                return False
            self._session_calls_left = None
            return True

    def take_record_fault(self) -> RecordFault | None:
        """The per-record fault for this collections request, if armed (consumes one use)."""
        with self._lock:
            fault = self._record_fault
            if fault is None:
                return None
            fault.times -= 1
            if fault.times <= 0:
                self._record_fault = None
            return fault

    @staticmethod
    def record_error_for(fault: RecordFault) -> ApiError:
        return record_error(fault.status_code, fault.message)
