"""The listener runs `followup --yes` itself every `[followup] every`: reps hear of carts without a cron job."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from nuesync.adapters import connect
from nuesync.config import Settings
from nuesync.journal import Journal
from nuesync.listen.service import open_queue
from nuesync.listen.worker import Worker
from nuesync.sandbox.linked import PairBuilder
from nuesync.sandbox.pair import RunningSandbox, running_sandbox
from nuesync.sync import resolve_target


def wait_for(condition: Callable[[], Any], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with running_sandbox("empty") as running:
        pair = PairBuilder(running.salesforce, running.nue)
        customer, account = pair.linked_customer("Acme", "billing@acme.example")
        running.salesforce.update("Account", account, {"OwnerId": running.salesforce.insert_user("Joanna", "Smith")})
        pair.mirror(pair.nue_order(customer, "Acme cart", [{"sku": "NUE-SEAT", "quantity": 2, "subscriptionTerm": 12}]),
                    account)
        yield running


def start_worker(sandbox: RunningSandbox, tmp_path: Path, every: str) -> tuple[Worker, Callable[[], None]]:
    settings = Settings.model_validate({**sandbox.config(state_path=tmp_path / "journal.sqlite3"),
                                        "followup": {"older_than": "1s", "every": every}})
    environ = sandbox.environ()
    systems = connect(settings, environ)
    target = resolve_target(settings, systems[1])
    worker = Worker(settings, environ, open_queue(settings, target), target, lambda: connect(settings, environ),
                    systems=systems, reconcile_every=timedelta(0))
    stop, wake = threading.Event(), threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop, wake), daemon=True)
    thread.start()

    def stopped() -> None:
        stop.set()
        wake.set()
        thread.join(30)

    return worker, stopped


def followup_runs(tmp_path: Path) -> list[str]:
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        return [r.status for r in journal.runs(100) if r.command == "followup"]
    finally:
        journal.close()


def test_the_listener_follows_up_on_its_schedule_and_never_twice_per_cart(sandbox: RunningSandbox,
                                                                          tmp_path: Path) -> None:
    time.sleep(1.1)  # the cart must be older than followup.older_than = 1s (the emulators keep whole seconds)
    _worker, stop = start_worker(sandbox, tmp_path, every="0.2s")
    try:
        wait_for(lambda: len(followup_runs(tmp_path)) >= 2)
    finally:
        stop()
    (task,) = sandbox.salesforce.records("Task")
    assert task["Subject"] == "Follow up abandoned cart Acme cart (25 USD)"
    assert set(followup_runs(tmp_path)) == {"done"}


def test_the_listener_does_not_follow_up_when_every_is_0(sandbox: RunningSandbox, tmp_path: Path) -> None:
    worker, stop = start_worker(sandbox, tmp_path, every="0")
    time.sleep(0.5)  # a worker that ignored "0" would have run a follow-up (journaled) many times by now
    stop()
    assert worker.followup_every == timedelta(0)
    assert followup_runs(tmp_path) == [] and sandbox.salesforce.records("Task") == []
