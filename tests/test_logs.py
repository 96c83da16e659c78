"""Logging: JSON lines that carry `extra=` fields, secrets masked everywhere, one run's handlers at a time."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from nuesync.errors import UsageError
from nuesync.logs import JsonFormatter, RunLogging, trace_exchange
from nuesync.redact import Redactor

SECRET = "sk-live-d0n0tl3ak-4242"


@pytest.fixture
def run_logging() -> RunLogging:
    logs = RunLogging(lambda: Redactor([SECRET]))
    yield logs
    logs.close()


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_json_formatter_carries_every_extra_field() -> None:
    record = logging.LogRecord("nuesync.listen", logging.INFO, __file__, 1, "delivery", (), None)
    record.__dict__.update(event="received", order_id="ord-1", ms=12.5)
    document = json.loads(JsonFormatter().format(record))
    assert document["event"] == "received" and document["order_id"] == "ord-1" and document["ms"] == 12.5
    assert document["time"].endswith("Z") and document["level"] == "info" and document["logger"] == "nuesync.listen"
    assert document["message"] == "delivery"


def test_a_file_gets_json_lines_and_stderr_only_what_its_level_allows(tmp_path: Path, run_logging: RunLogging) -> None:
    stderr = io.StringIO()
    run_logging.to_stderr(stderr, verbosity=0)
    run_logging.to_file(tmp_path / "nuesync.log", verbosity=0, what="--log-file")
    log = logging.getLogger("nuesync.listen")
    log.info("delivery", extra={"event": "received", "order_id": "ord-1"})
    log.warning("journal moved aside")
    run_logging.close()
    assert stderr.getvalue() == "warning: journal moved aside\n"
    assert [(r["event"], r["level"]) for r in records(tmp_path / "nuesync.log")] == [
        ("received", "info"), ("listen", "warning")]


def test_secrets_are_masked_in_messages_and_extras(tmp_path: Path, run_logging: RunLogging) -> None:
    stderr = io.StringIO()
    run_logging.to_stderr(stderr, verbosity=1)
    run_logging.to_file(tmp_path / "nuesync.log", verbosity=1, what="--log-file")
    logging.getLogger("nuesync.x").info("key %s refused", SECRET, extra={"detail": f"echo {SECRET}"})
    run_logging.close()
    written = stderr.getvalue() + (tmp_path / "nuesync.log").read_text()
    assert SECRET not in written and "***" in written


def test_an_api_call_is_one_line_at_v_and_bodies_come_only_at_vv(run_logging: RunLogging) -> None:
    stderr = io.StringIO()
    run_logging.to_stderr(stderr, verbosity=1)
    trace_exchange("nue", "POST", "/orders", status=201, seconds=0.0421, attempt=2, redactor=Redactor([SECRET]),
                   request_body=b'{"name": "x"}', response_body=lambda: pytest.fail("read at -v"))
    assert stderr.getvalue() == "nue POST /orders → 201 in 42 ms (attempt 2)\n"
    run_logging.close()

    deeper = RunLogging(lambda: Redactor())
    stderr = io.StringIO()
    deeper.to_stderr(stderr, verbosity=2)
    trace_exchange("nue", "POST", "/orders", status=400, seconds=0.01, attempt=1, redactor=Redactor([SECRET]),
                   request_body=b'{"name": "x"}', response_body=lambda: f'{{"message": "bad key {SECRET}"}}')
    deeper.close()
    assert '{"name": "x"}' in stderr.getvalue() and "bad key ***" in stderr.getvalue()
    assert SECRET not in stderr.getvalue()


def test_nothing_is_formatted_when_nobody_listens() -> None:
    trace_exchange("nue", "GET", "/x", status=200, seconds=0.1, attempt=1, redactor=Redactor(),
                   response_body=lambda: pytest.fail("a body read with logging off"))


def test_a_nested_run_puts_the_outer_runs_handlers_back(run_logging: RunLogging) -> None:
    outer = io.StringIO()
    run_logging.to_stderr(outer, verbosity=0)
    inner = RunLogging(lambda: Redactor())
    inner.to_stderr(io.StringIO(), verbosity=0)
    inner.close()
    logging.getLogger("nuesync.journal").warning("moved aside")
    assert outer.getvalue() == "warning: moved aside\n"


def test_a_log_file_that_cannot_be_written_is_a_usage_error(tmp_path: Path, run_logging: RunLogging) -> None:
    with pytest.raises(UsageError, match="--log-file"):
        run_logging.to_file(tmp_path, verbosity=0, what="--log-file")
    with pytest.raises(UsageError, match="--log-file"):
        run_logging.to_file(tmp_path / "missing" / "nuesync.log", verbosity=0, what="--log-file")


def test_the_log_file_is_appended_to_and_private(tmp_path: Path) -> None:
    path = tmp_path / "nuesync.log"
    for _ in range(2):
        logs = RunLogging(lambda: Redactor())
        logs.to_file(path, verbosity=0, what="--log-file")
        logging.getLogger("nuesync.x").info("hello", extra={"event": "hello"})
        logs.close()
    assert [r["event"] for r in records(path)] == ["hello", "hello"]
    assert path.stat().st_mode & 0o777 == 0o600
