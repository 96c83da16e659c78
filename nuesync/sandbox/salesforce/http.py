"""The small HTTP layer under the emulator: a parsed request, a response, and JSON encoding."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from nuesync.sandbox.salesforce.errors import ApiError, json_parser_error

JSON_TYPE = "application/json;charset=UTF-8"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    host: str
    parsed: Any = None  # a composite subrequest's body, already JSON (kept exact: Decimal stays Decimal)

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any]) -> Request:
        # wsgiref decodes PATH_INFO as latin-1; undo that to get the UTF-8 the client sent.
        raw_path = environ.get("PATH_INFO", "/")
        try:
            path = raw_path.encode("latin-1").decode("utf-8")
        except UnicodeError:
            path = raw_path
        body = _read_body(environ)
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        host = headers.get("host") or f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '')}"
        return cls(environ.get("REQUEST_METHOD", "GET").upper(), path, query, headers, body, host)

    def json(self) -> Any:
        """The body as JSON, numbers as Decimal (money never passes through a float)."""
        if self.parsed is not None:
            return self.parsed
        text = self.body.decode("utf-8") if self.body else ""
        if not text.strip():
            raise json_parser_error("The request body is empty or missing a required field")
        try:
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise json_parser_error(
                f"Unexpected character ('{text[error.pos:error.pos + 1] or 'EOF'}'): expected a valid value "
                f"at [line:{error.lineno}, column:{error.colno}]"
            ) from None


def _read_body(environ: Mapping[str, Any]) -> bytes:
    """The request body: `Content-Length` bytes, or a chunked body decoded (wsgiref passes it on as sent,
    and clients that stream an upload, such as the `sf` CLI's Bulk API 2.0 CSV, send it chunked)."""
    stream = environ["wsgi.input"]
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() != "chunked":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return stream.read(length) if length else b""
    chunks = []
    while True:
        size = int(stream.readline().split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline().strip():  # trailer fields, up to the blank line
                pass
            return b"".join(chunks)
        chunks.append(stream.read(size))
        stream.readline()  # the CRLF after each chunk


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_TYPE
    raw: bytes | None = None

    @classmethod
    def from_error(cls, error: ApiError) -> Response:
        return cls(error.status, error.rest_body())

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":"), default=_encode).encode("utf-8")

    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")
