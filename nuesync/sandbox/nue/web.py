"""The WSGI plumbing: reading a request, matching a route template, writing a JSON answer.

Kept apart from the endpoints so `app.py` reads as the API it emulates. Amounts are `Decimal`
inside the emulator and leave as JSON numbers (`values.json_number`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from nuesync.sandbox.nue.errors import NueApiError, bad_request
from nuesync.sandbox.nue.values import json_number


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw_body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        if not self.raw_body.strip():
            return None
        try:
            return json.loads(self.raw_body)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("INVALID_REQUEST", "The request body is not valid JSON") from None

    def json_or_none(self) -> Any:
        """The body for fault matching: never raises (the endpoint reports a bad body itself)."""
        try:
            return self.json()
        except NueApiError:
            return None


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler

    @property
    def key(self) -> str:
        """The counter key, e.g. `PATCH /orders/{id}`."""
        return f"{self.method} {self.template}"

    def params(self, path: str) -> dict[str, str] | None:
        pattern, actual = self.template.strip("/").split("/"), path.strip("/").split("/")
        if len(pattern) != len(actual):
            return None
        params: dict[str, str] = {}
        for expected, segment in zip(pattern, actual, strict=True):
            if expected.startswith("{"):
                if not segment:
                    return None
                params[expected[1:-1]] = segment
            elif expected != segment:
                return None
        return params


def match(routes: Iterable[Route], method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
    """The route for method + path and its parameters; else the methods the path allows."""
    allowed: list[str] = []
    for route in routes:
        params = route.params(path)
        if params is None:
            continue
        if route.method == method:
            return route, params, allowed
        allowed.append(route.method)
    return None, {}, allowed


def read_request(environ: dict[str, Any]) -> Request:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    query = {key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
    headers = {
        key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
    }
    path = environ.get("PATH_INFO") or "/"
    return Request(environ["REQUEST_METHOD"].upper(), path.rstrip("/") or "/", query, headers, body)


def _encode(value: object) -> Any:
    if isinstance(value, Decimal):
        return json_number(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(body: Any) -> bytes:
    return json.dumps(body, default=_encode, separators=(",", ":")).encode()


def write(response: Response, start_response: Callable[..., Any], payload: bytes) -> list[bytes]:
    status = HTTPStatus(response.status)
    headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Content-Length", str(len(payload))),
        *response.headers.items(),
    ]
    start_response(f"{status.value} {status.phrase}", headers)
    return [payload]
