"""The cycle collector is paused while `fetch_snapshot` reads, and its state always put back."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from nuesync.adapters.base import FetchResult
from nuesync.errors import ApiUnavailableError
from nuesync.fetch import CollectorPause, Scope, collector_paused, fetch_snapshot
from nuesync.model import System


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    """Each test starts with the collector on and leaves it as the rest of the suite expects."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


class Reading:
    """An order system whose read notes whether the collector was on, then answers or fails."""

    def __init__(self, system: System, failure: Exception | None = None) -> None:
        self.system = system
        self.failure = failure
        self.collector_on_during_read: list[bool] = []

    def recognises(self, order_id: str) -> bool:
        return True

    def fetch_orders(self, **_scope: Any) -> FetchResult:
        self.collector_on_during_read.append(gc.isenabled())
        if self.failure is not None:
            raise self.failure
        return FetchResult(orders=[])


def test_both_reads_run_with_the_collector_off_and_it_is_on_again_after() -> None:
    nue, salesforce = Reading(System.NUE), Reading(System.SALESFORCE)

    fetch_snapshot(nue, salesforce, Scope())  # type: ignore[arg-type]

    assert nue.collector_on_during_read == salesforce.collector_on_during_read == [False]
    assert gc.isenabled()


def test_a_read_that_raises_still_turns_the_collector_back_on() -> None:
    failing = Reading(System.SALESFORCE, ApiUnavailableError("Salesforce is down"))

    with pytest.raises(ApiUnavailableError, match="down"):
        fetch_snapshot(Reading(System.NUE), failing, Scope())  # type: ignore[arg-type]

    assert failing.collector_on_during_read == [False]
    assert gc.isenabled()


def test_a_collector_turned_off_before_the_read_stays_off() -> None:
    gc.disable()

    fetch_snapshot(Reading(System.NUE), Reading(System.SALESFORCE), Scope())  # type: ignore[arg-type]

    assert not gc.isenabled()


def test_nested_pauses_on_two_threads_end_when_the_last_one_leaves() -> None:
    pause = CollectorPause()
    entered, leave = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def reader() -> None:
        with pause:
            entered.set()
            leave.wait(timeout=10)
        seen["after the reader left"] = gc.isenabled()

    thread = threading.Thread(target=reader)
    with pause:
        thread.start()
        assert entered.wait(timeout=10)
    seen["after the caller left"] = gc.isenabled()
    leave.set()
    thread.join(timeout=10)

    assert seen == {"after the caller left": False, "after the reader left": True}


def test_a_pause_nested_on_one_thread_keeps_the_collector_off_until_the_outer_one_ends() -> None:
    with collector_paused:
        with collector_paused:
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_leaving_a_pause_that_made_many_objects_runs_one_full_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    pause = CollectorPause()
    monkeypatch.setattr(pause, "SWEEP_AFTER", 1000)
    gc.collect()  # no collection of its own falls due meanwhile
    full_collections = gc.get_stats()[2]["collections"]

    with pause:
        kept = [[index] for index in range(2000)]

    assert gc.get_stats()[2]["collections"] == full_collections + 1
    assert len(kept) == 2000


def test_leaving_a_pause_that_made_few_objects_runs_no_collection() -> None:
    pause = CollectorPause()
    gc.collect()  # the young generation's count starts at zero: 100 objects cannot start a collection
    collections = [generation["collections"] for generation in gc.get_stats()]

    with pause:
        kept = [[index] for index in range(100)]

    assert [generation["collections"] for generation in gc.get_stats()] == collections
    assert len(kept) == 100
