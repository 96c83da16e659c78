"""Logging: configured in one place per run, read by people on stderr and by machines in a file.

Everything nuesync logs goes through Python logging under the `nuesync` logger, with its facts in
`extra=` (`logger.info("delivery", extra={"event": "received", "order_id": …})`), so the same
record is a readable line on stderr and a JSON object in `--log-file` / `[log] file`:

- stderr: warnings always (a damaged journal moved aside); each API call with `-v`; bodies with
  `-vv`. A rich handler at a terminal, plain lines elsewhere (cron mail, CI logs).
- the log file: one JSON object per line (`time`, `level`, `logger`, `event`, `message`, then
  every `extra` field), appended, created owner-only, for cron and the `nuesync listen` service.

`trace_exchange` is the hook both HTTP doors (`SalesforceConnection.send`, `NueHttp.send`) call
once per attempt: method, path, status, duration and attempt number — never a header, never a
body unless `-vv` asked for it, and then with every secret the connection holds masked. Every
line also passes the run's `Redactor` before it is written, so a secret cannot reach a log.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TextIO

from nuesync.errors import UsageError
from nuesync.files import PRIVATE_FILE, describe_kind
from nuesync.redact import Redactor
from nuesync.terminal import printable

ROOT = "nuesync"
HTTP_LOGGER = logging.getLogger("nuesync.http")
BODY_LIMIT = 4000  # characters of a body shown at -vv; a 2,000-record query page is megabytes
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """What the caller passed in `extra=` (the record's own attributes left out)."""
    return {key: value for key, value in vars(record).items() if key not in _STANDARD and not key.startswith("_")}


# --- the HTTP hook --------------------------------------------------------------------------------


def trace_exchange(system: str, method: str, path: str, *, status: int | None, seconds: float, attempt: int,
                   redactor: Redactor, failure: str | None = None, request_body: Any = None,
                   response_body: Callable[[], Any] | None = None) -> None:
    """Log one request attempt to `nuesync.http`: INFO the call, DEBUG (`-vv`) its bodies as well.

    Cheap when nobody listens: nothing is formatted unless a handler wants INFO. `response_body`
    is a callable so a body is read and masked only at `-vv`. `path` carries no query string.
    """
    if not HTTP_LOGGER.isEnabledFor(logging.INFO):
        return
    outcome = f"{status}" if status is not None else (failure or "no answer")
    retry = f" (attempt {attempt})" if attempt > 1 else ""
    fields: dict[str, Any] = {"event": "http", "system": system, "method": method, "path": path, "status": status,
                              "duration_ms": round(seconds * 1000, 1), "attempt": attempt, "failure": failure}
    message = f"{system} {method} {path} → {outcome} in {seconds * 1000:.0f} ms{retry}"
    if not HTTP_LOGGER.isEnabledFor(logging.DEBUG):
        HTTP_LOGGER.info(message, extra=fields)
        return
    fields["request_body"] = _body(request_body, redactor)
    fields["response_body"] = _body(response_body() if response_body is not None else None, redactor)
    shown = "".join(f"\n  {name}: {fields[name]}" for name in ("request_body", "response_body") if fields[name])
    HTTP_LOGGER.debug(message + shown, extra=fields)


def _body(body: Any, redactor: Redactor) -> str | None:
    if body is None or body == b"" or body == "":
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    elif not isinstance(body, str):
        body = json.dumps(body, default=str)
    masked = redactor.text(body)
    if len(masked) > BODY_LIMIT:
        return f"{masked[:BODY_LIMIT]}… ({len(masked) - BODY_LIMIT:,} more characters)"
    return masked


# --- formatting ---------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (ISO 8601 UTC), level, logger, event, message, then the extras."""

    def format(self, record: logging.LogRecord) -> str:
        extras = extra_fields(record)
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": extras.pop("event", None) or record.name.removeprefix(f"{ROOT}.") or ROOT,
            "message": record.getMessage(),
            **extras,
        }
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str, ensure_ascii=True)


class LineFormatter(logging.Formatter):
    """A plain line for stderr without a terminal: `warning: …` for problems, the message alone otherwise."""

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"{record.levelname.lower()}: " if record.levelno >= logging.WARNING else ""
        return "\n".join(printable(line) for line in f"{prefix}{record.getMessage()}".splitlines())


class Redacting(logging.Filter):
    """Masks the run's secrets in a record's message and text extras before any handler sees it.

    The redactor is looked up per record: it grows when the config is loaded, after logging starts.
    """

    def __init__(self, redactor: Callable[[], Redactor]) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        redactor = self.redactor()
        record.msg, record.args = redactor.text(record.getMessage()), None
        for key, value in extra_fields(record).items():
            if isinstance(value, str):
                setattr(record, key, redactor.text(value))
        return True


class NotOnStderr(logging.Filter):
    """Records that only belong in the log file: a command's start and end (the terminal shows those),
    and lines a service already writes on stderr in its own format (`own_line`: the listener's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(getattr(record, "event", "")).startswith("command.") and not getattr(record, "own_line", False)


# --- configuration --------------------------------------------------------------------------------


def stderr_level(verbosity: int) -> int:
    """Warnings by default; each API call with -v; bodies with -vv."""
    return {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)


def open_log_file(path: Path, what: str) -> IO[str]:
    """The log file, appended to, created owner-only; never written through a symlink."""
    kind = describe_kind(path)
    if kind is not None:
        raise UsageError(f"{what}: {path} is {kind}, not a log file")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), PRIVATE_FILE)
    except OSError as exc:
        raise UsageError(f"{what}: cannot write {path}: {exc.strerror or exc}") from None
    return os.fdopen(fd, "a", encoding="utf-8", buffering=1)


class RunLogging:
    """The `nuesync` logger's handlers for one run: installed by `start`, removed by `close`.

    One run at a time owns the logger (a nested run — the demo's steps — saves and restores the
    outer run's handlers), so records are never written twice and nothing leaks between runs.
    """

    def __init__(self, redactor: Callable[[], Redactor]) -> None:
        self.redacting = Redacting(redactor)
        self.logger = logging.getLogger(ROOT)
        self._saved: tuple[list[logging.Handler], int, bool] | None = (
            self.logger.handlers[:], self.logger.level, self.logger.propagate)
        self._files: list[IO[str]] = []
        self._handlers: list[logging.Handler] = []
        self.logger.handlers = []
        self.logger.propagate = False
        self.logger.setLevel(logging.WARNING)

    def to_stderr(self, stream: TextIO, verbosity: int, handler: logging.Handler | None = None) -> None:
        """Human lines on `stream`; `handler` (a rich one, at a terminal) replaces the plain line writer."""
        chosen = handler or logging.StreamHandler(stream)
        if handler is None:
            chosen.setFormatter(LineFormatter())
        chosen.setLevel(stderr_level(verbosity))
        chosen.addFilter(NotOnStderr())
        self._add(chosen)

    def to_file(self, path: Path, verbosity: int, what: str) -> None:
        """JSON lines appended to `path`: INFO and up (each API call, each command's start and end), DEBUG at -vv."""
        stream = open_log_file(path, what)
        self._files.append(stream)
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        handler.setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
        self._add(handler)

    @property
    def writes_file(self) -> bool:
        return bool(self._files)

    def _add(self, handler: logging.Handler) -> None:
        handler.addFilter(self.redacting)
        self._handlers.append(handler)
        self.logger.addHandler(handler)
        self.logger.setLevel(min(h.level for h in self._handlers))

    def close(self) -> None:
        """Flush this run's handlers and put back what was there before (once; again is a no-op)."""
        for handler in self._handlers:
            handler.flush()
        for stream in self._files:
            stream.close()
        self._handlers, self._files = [], []
        if self._saved is not None:
            (self.logger.handlers, level, self.logger.propagate), self._saved = self._saved, None
            self.logger.setLevel(level)
