"""Salesforce's error shapes: one exception type that knows how to render itself.

REST errors are a JSON array of `{"message", "errorCode", "fields"?}` with an HTTP status; the
same failure inside an sObject Collections result is `{"statusCode", "message", "fields"}`.
Raising one `ApiError` and rendering it in either shape keeps the two consistent.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A failure Salesforce reports with an error code (never a Python traceback)."""

    def __init__(self, status: int, error_code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields

    def rest_body(self) -> list[dict[str, Any]]:
        """The REST error array: `fields` appears only when the failure is about fields."""
        error: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            error["fields"] = list(self.fields)
        return [error]

    def record_error(self) -> dict[str, Any]:
        """The per-record error of sObject Collections and composite results."""
        return {"statusCode": self.error_code, "message": self.message, "fields": list(self.fields or [])}


def record_error(error_code: str, message: str, fields: list[str] | None = None) -> ApiError:
    """A rule violation on one record: HTTP 400 when it is the whole request."""
    return ApiError(400, error_code, message, fields if fields is not None else [])


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def entity_is_deleted() -> ApiError:
    return ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])


def malformed_query(message: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", message)


def invalid_session() -> ApiError:
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def json_parser_error(message: str) -> ApiError:
    return ApiError(400, "JSON_PARSER_ERROR", message)
