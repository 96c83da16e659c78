"""The run of identical failures that stops a batch of writes early."""

from __future__ import annotations

from nuesync.adapters.early_stop import IDENTICAL_FAILURES_LIMIT, IdenticalFailures


def _fail(failures: IdenticalFailures, count: int, code: str = "CUSTOMER_NOT_FOUND", message: str = "gone") -> None:
    for n in range(count):
        failures.record(code, f"{message} {n}")


def test_the_limit_is_twenty_identical_failures_in_a_row() -> None:
    failures = IdenticalFailures()
    _fail(failures, IDENTICAL_FAILURES_LIMIT - 1)
    assert not failures.tripped

    _fail(failures, 1)

    assert IDENTICAL_FAILURES_LIMIT == 20
    assert failures.tripped
    assert failures.reason() == (
        "not sent: the previous 20 writes all failed with CUSTOMER_NOT_FOUND (gone 0); fix that and run again"
    )


def test_a_success_or_another_code_starts_the_count_again() -> None:
    failures = IdenticalFailures()
    _fail(failures, 19)
    failures.record(None)
    _fail(failures, 19)
    _fail(failures, 1, code="OTHER")
    _fail(failures, 19)

    assert not failures.tripped


def test_a_long_message_is_shortened_in_the_reason() -> None:
    failures = IdenticalFailures(limit=1)
    failures.record("UNKNOWN_EXCEPTION", "x" * 1000)

    assert len(failures.reason()) < 300
    assert "x…); fix that" in failures.reason()
