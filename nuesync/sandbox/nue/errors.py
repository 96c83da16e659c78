"""Nue's response envelopes, in one place: every REST answer is built here.

Nue wraps successful answers as `{"status": "success", "data": …}`. Its error body is not
documented, so the emulator uses the same envelope with `"status": "error"`, an `errorCode`, a
human `message` and, for validation errors, the `field` at fault (a JSON path such as
`orderProducts[1].priceBookEntryId`), so that a client can report which field was rejected.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class NueApiError(Exception):
    """A request the emulator refuses; rendered as Nue's error envelope with `status`."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.error_code, self.message, field=self.field)


def error_body(error_code: str, message: str, *, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "error", "errorCode": error_code, "message": message}
    if field is not None:
        body["field"] = field
    return body


def success_body(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data}


def bad_request(error_code: str, message: str, field: str | None = None) -> NueApiError:
    return NueApiError(HTTPStatus.BAD_REQUEST, error_code, message, field=field)


def required(field: str) -> NueApiError:
    return bad_request("REQUIRED_FIELD_MISSING", f"Required field is missing: {field}", field)


def invalid_value(field: str, message: str) -> NueApiError:
    return bad_request("INVALID_VALUE", f"{field}: {message}", field)


def unknown_field(field: str) -> NueApiError:
    return bad_request("INVALID_FIELD", f"Unknown or read-only field: {field}", field)


def not_found(what: str, record_id: str) -> NueApiError:
    return NueApiError(HTTPStatus.NOT_FOUND, "NOT_FOUND", f"{what} not found: {record_id}")


def reference_missing(error_code: str, field: str, what: str, value: object) -> NueApiError:
    """A write that names a customer / contact / price-book entry / price tag that does not exist."""
    return bad_request(error_code, f"{what} not found: {value!r} ({field})", field)


def duplicate(field: str, value: str, record_id: str) -> NueApiError:
    return NueApiError(
        HTTPStatus.CONFLICT,
        "DUPLICATE_VALUE",
        f"duplicate value for {field}: {value!r} is already used by record {record_id}",
        field=field,
    )
