"""One structured line per delivery and per batch: what the listener tells operators and log shippers.

Lines go through Python logging (logger `nuesync.listen`) with their fields in `extra`, so the
run's log file (`--log-file`, `[log] file`) gets them as JSON like every other event, and
`configure` adds the service's own stderr lines: `key=value` text, or one JSON object per line
with `--json`. Bodies and secrets are never logged (the run's redaction applies to every line).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

from nuesync.logs import extra_fields

log = logging.getLogger("nuesync.listen")


def log_event(name: str, *, started: float | None = None, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event (`received`, `duplicate`, `rejected`, `synced`, `failed`, `batch` …) with its fields;
    `started` (a `time.perf_counter()` value) adds the elapsed milliseconds."""
    if started is not None:
        fields["ms"] = round((time.perf_counter() - started) * 1000, 1)
    kept = {k: v for k, v in fields.items() if v is not None}
    log.log(level, name, extra={"event": name, "own_line": True, **kept})


class _Format(logging.Formatter):
    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in extra_fields(record).items() if k != "own_line"}
        fields.setdefault("event", record.getMessage())
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        if record.exc_info:  # a bug in a batch: the traceback, so it can be reported (never locals)
            fields = {**fields, "traceback": self.formatException(record.exc_info)}
        if self.as_json:
            return json.dumps({"ts": stamp, "level": record.levelname.lower(), **fields}, default=str)
        rest = " ".join(f"{k}={v}" for k, v in fields.items() if k not in {"event", "traceback"})
        line = f"{stamp} {fields['event']:<10} {rest}".rstrip()
        return f"{line}\n{fields['traceback']}" if "traceback" in fields else line


def configure(stream: TextIO | None = None, *, as_json: bool = False) -> logging.Handler:
    """Write the listener's lines on `stream` (stderr by default) as well as to the run's log handlers;
    returns the handler, for `log.removeHandler` when the service stops."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_Format(as_json))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return handler
