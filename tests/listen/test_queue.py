"""The delivery queue: stored once, claimed once, retried with backoff, failed and replayable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nuesync.journal import Journal
from nuesync.listen.queue import BACKOFF_CAP, DeliveryQueue, Source, State, backoff
from nuesync.target import Target

TARGET = Target.of("https://api.nue.io", "00D000000000001AAA")
OTHER = Target.of("https://api.nue.io", "00D000000000002AAA")


def queue_for(path: Path, target: Target = TARGET) -> DeliveryQueue:
    journal = Journal(path)
    journal.bind(target)
    return DeliveryQueue(journal)


@pytest.fixture
def queue(tmp_path: Path) -> DeliveryQueue:
    return queue_for(tmp_path / "journal.sqlite3")


def test_a_redelivery_is_stored_once_and_counted(queue: DeliveryQueue) -> None:
    first = queue.record(Source.NUE, "evt_1", "order.created", "o-1")
    again = queue.record(Source.NUE, "evt_1", "order.created", "o-1")
    assert first == (first[0], True)
    assert again == (first[0], False)
    (only,) = queue.claim_due()
    assert (only.id, only.duplicates, only.attempts) == (first[0], 1, 1)


def test_the_same_key_from_the_other_system_or_target_is_another_delivery(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    queue = queue_for(path)
    assert queue.record(Source.NUE, "k", "order.created", "o-1")[1]
    assert queue.record(Source.SALESFORCE, "k", "outbound", "801")[1]
    assert queue_for(path, OTHER).record(Source.NUE, "k", "order.created", "o-1")[1]
    assert len(queue.claim_due()) == 2  # the other target's delivery is not this target's to process


def test_a_claim_is_taken_once(queue: DeliveryQueue) -> None:
    queue.record(Source.NUE, "evt_1", "order.created", "o-1")
    assert len(queue.claim_due()) == 1
    assert queue.claim_due() == []


def test_claims_of_a_dead_worker_go_back_to_pending(queue: DeliveryQueue) -> None:
    queue.record(Source.NUE, "evt_1", "order.created", "o-1")
    queue.claim_due()
    assert queue.release_claims() == 1
    assert [d.event for d in queue.claim_due()] == ["order.created"]


def test_failures_back_off_then_fail_after_max_attempts(queue: DeliveryQueue) -> None:
    queue.record(Source.NUE, "evt_1", "order.created", "o-1")
    now = datetime.now(UTC)
    for attempt in (1, 2):
        (claimed,) = queue.claim_due(now)
        assert claimed.attempts == attempt
        assert queue.retry_later([claimed], "HTTP 503", max_attempts=3, now=now) == []
        assert queue.claim_due(now) == []  # not due yet
        now += backoff(attempt)
    (last,) = queue.claim_due(now)
    (spent,) = queue.retry_later([last], "HTTP 503", max_attempts=3, now=now)
    assert spent.id == last.id
    (failed,) = queue.in_states([State.FAILED])
    assert failed.last_error == "HTTP 503"


def test_backoff_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]
    assert backoff(30) == BACKOFF_CAP == timedelta(minutes=5)


def test_retry_requeues_failed_and_blocked_and_only_those(queue: DeliveryQueue) -> None:
    ids = [queue.record(Source.NUE, f"evt_{n}", "order.created", f"o-{n}")[0] for n in range(3)]
    queue.claim_due()
    queue.finish([ids[0]], State.FAILED, error="x")
    queue.finish([ids[1]], State.BLOCKED, error="customer not linked")
    queue.finish([ids[2]], State.DONE)
    assert queue.requeue() == [ids[0], ids[1]]
    assert sorted(d.id for d in queue.claim_due()) == [ids[0], ids[1]]
    assert queue.requeue([ids[2]]) == []


def test_a_rejected_delivery_is_kept_without_order_or_body(queue: DeliveryQueue) -> None:
    queue.reject(Source.NUE, "unauthenticated", "missing or wrong X-Nue-Signature")
    (rejected,) = queue.in_states([State.REJECTED])
    assert (rejected.order_id, rejected.detail, rejected.last_error) == (None, {},
                                                                          "missing or wrong X-Nue-Signature")
    assert queue.claim_due() == []
