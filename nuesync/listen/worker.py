"""The listener's worker: drains the delivery queue in batches through the commands' own plan/apply path.

Deliveries that arrive within the batch window are coalesced per kind into one scoped run —
`order.created` → a pull of those Nue orders, Outbound Messages → a push of those Salesforce
Orders, `order.activated` → `activate`'s completion in the order's origin — so a burst of a
thousand carts costs about what one `pull` of a thousand costs. Each run is a `SyncRun` (the same
lock, journal, plan, apply and verification as the commands; the lock is waited for while cron
holds it), keeps the service's adapters open across batches, and every delivery ends in a state
the journal keeps: done, blocked (with the reason a person needs), or back in the queue with
capped exponential backoff until `max_attempts`, then failed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from nuesync.activate import carry_out, decide_selection, select_orders, sync_and_complete
from nuesync.config import Settings
from nuesync.errors import NuesyncError
from nuesync.fetch import Scope
from nuesync.followup.run import follow_up_unattended
from nuesync.listen.events import log_event
from nuesync.listen.inbound import ORDER_ACTIVATED, ORDER_CREATED
from nuesync.listen.queue import Delivery, DeliveryQueue, Source, State
from nuesync.model import System
from nuesync.outcome import OrderOutcome, Result
from nuesync.plan import Plan
from nuesync.reconcile import Direction
from nuesync.sync import RunOptions, SyncRun
from nuesync.target import Target

if TYPE_CHECKING:
    from nuesync.adapters.nue import NueAdapter
    from nuesync.adapters.salesforce import SalesforceAdapter

LOCK_WAIT_SECONDS = 600.0  # a cron run holding the lock is waited for, not failed
SETTLED = frozenset({Result.CREATED, Result.UPDATED, Result.LINKED, Result.UNCHANGED, Result.SKIPPED,
                     Result.ACTIVATED})
Systems = tuple["NueAdapter", "SalesforceAdapter"]


@dataclass
class Verdicts:
    """Where each delivery of a batch ends: done, blocked with why, or to be retried with why."""

    done: dict[int, str | None] = field(default_factory=dict)
    blocked: dict[int, str] = field(default_factory=dict)
    retry: dict[int, str] = field(default_factory=dict)


@dataclass
class Contact:
    """When each API last answered the worker: what `/readyz` reports."""

    last_ok: dict[str, datetime] = field(default_factory=dict)

    def ok(self, *systems: str) -> None:
        now = datetime.now(UTC)
        for system in systems:
            self.last_ok[system] = now


class Worker:
    """Processes the queue of one target; `run` loops until `stop` is set, `drain` does one pass."""

    def __init__(self, settings: Settings, environ: Mapping[str, str], queue: DeliveryQueue, target: Target,
                 open_systems: Callable[[], Systems], *, systems: Systems | None = None,
                 batch_window: float | None = None, reconcile_every: timedelta | None = None,
                 followup_every: timedelta | None = None) -> None:
        self.settings = settings
        self.environ = environ
        self.queue = queue
        self.target = target
        self._open_systems = open_systems
        self._systems: Systems | None = systems  # kept across batches; reopened after a failure
        self.batch_window = settings.listen.batch_window_seconds if batch_window is None else batch_window
        self.reconcile_every = settings.listen.reconcile_interval if reconcile_every is None else reconcile_every
        self.followup_every = settings.followup.interval if followup_every is None else followup_every
        self.contact = Contact()
        self.busy = threading.Event()

    # --- the loop --------------------------------------------------------------------------------

    def run(self, stop: threading.Event, wake: threading.Event) -> None:
        """Wait for deliveries (woken by the HTTP side, or polling for `nuesync retry`), batch, process."""
        next_reconcile = time.monotonic() + self.reconcile_every.total_seconds()
        next_followup = time.monotonic() + self.followup_every.total_seconds()
        while not stop.is_set():
            due = self.queue.next_due()
            now = datetime.now(UTC)
            if due is not None and due <= now:
                stop.wait(self.batch_window)  # let the rest of a burst arrive: one plan for all of it
                self.drain()
            elif self.reconcile_every and time.monotonic() >= next_reconcile:
                self.reconcile()
                next_reconcile = time.monotonic() + self.reconcile_every.total_seconds()
            elif self.followup_every and time.monotonic() >= next_followup:
                self.followup()
                next_followup = time.monotonic() + self.followup_every.total_seconds()
            else:
                wait = 1.0 if due is None else min(1.0, max(0.05, (due - now).total_seconds()))
                wake.wait(wait)
                wake.clear()
        self.close()

    def drain(self) -> int:
        """Process every delivery that is due now; returns how many were claimed."""
        claimed = self.queue.claim_due()
        if claimed:
            self.busy.set()
            try:
                self._process(claimed)
            finally:
                self.busy.clear()
        return len(claimed)

    def close(self) -> None:
        if self._systems is not None:
            for system in self._systems:
                system.close()
            self._systems = None

    # --- one batch -------------------------------------------------------------------------------

    def _process(self, claimed: Sequence[Delivery]) -> None:
        started = time.perf_counter()
        groups: dict[str, list[Delivery]] = {"pull": [], "push": [], "activate": []}
        ignored = []
        for delivery in claimed:
            kind = _kind(delivery)
            (groups[kind] if kind else ignored).append(delivery)
        self.queue.finish([d.id for d in ignored], State.IGNORED)
        groups["pull"] = self._without_echoes(groups["pull"])
        handlers = {"pull": self._pull, "push": self._push, "activate": self._activate}
        for kind, deliveries in groups.items():
            if deliveries:
                self._settle(kind, deliveries, handlers[kind])
        log_event("batch", deliveries=len(claimed), **{k: len(v) for k, v in groups.items() if v}, started=started)

    def _settle(self, kind: str, deliveries: list[Delivery], handler: Callable[[list[Delivery]], Verdicts]) -> None:
        started = time.perf_counter()
        try:
            verdicts = handler(deliveries)
        except Exception as exc:  # one bad batch must never stop the service: it is retried, then failed
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, NuesyncError):
                logging.getLogger(__name__).exception("listen batch crashed")
            self._reopen_systems()
            verdicts = Verdicts(retry={d.id: str(message) for d in deliveries})
        for delivery in deliveries:
            if delivery.id in verdicts.done:
                self.queue.finish([delivery.id], State.DONE, error=verdicts.done[delivery.id])
                log_event("synced", kind=kind, delivery=delivery.id, order=delivery.order_id,
                          note=verdicts.done[delivery.id], started=started)
            elif delivery.id in verdicts.blocked:
                self.queue.finish([delivery.id], State.BLOCKED, error=verdicts.blocked[delivery.id])
                log_event("blocked", kind=kind, delivery=delivery.id, order=delivery.order_id,
                          reason=verdicts.blocked[delivery.id], level=logging.WARNING, started=started)
        retry = [d for d in deliveries if d.id in verdicts.retry]
        for delivery in retry:
            spent = self.queue.retry_later([delivery], verdicts.retry[delivery.id], self.settings.listen.max_attempts)
            log_event("failed" if spent else "retrying", kind=kind, delivery=delivery.id, order=delivery.order_id,
                      attempt=delivery.attempts, error=verdicts.retry[delivery.id], level=logging.WARNING,
                      started=started)

    def _systems_for_run(self) -> Systems:
        if self._systems is None:
            self._systems = self._open_systems()
        return self._systems

    def _reopen_systems(self) -> None:
        """After a failure, start the next batch on fresh connections (and fresh catalogue caches)."""
        self.close()

    def _run(self, command: str, options: dict[str, object]) -> SyncRun:
        return SyncRun(self.settings, self.environ, RunOptions(command, options), lock_wait=LOCK_WAIT_SECONDS,
                       systems=self._systems_for_run(), target=self.target)

    def _without_echoes(self, deliveries: list[Delivery]) -> list[Delivery]:
        """`order.created` for an order nuesync's own push created: nothing to do, no API call."""
        echoes = self.queue.journal.created_in_nue_by_push(d.order_id or "" for d in deliveries)
        done = [d for d in deliveries if d.order_id in echoes]
        self.queue.finish([d.id for d in done], State.DONE, error="echo of nuesync's own push: nothing to do")
        for delivery in done:
            log_event("echo", delivery=delivery.id, order=delivery.order_id)
        return [d for d in deliveries if d.order_id not in echoes]

    # --- the three kinds -------------------------------------------------------------------------

    def _pull(self, deliveries: list[Delivery]) -> Verdicts:
        ids = tuple(dict.fromkeys(d.order_id for d in deliveries if d.order_id))
        outcomes = self._sync(Direction.PULL, ids, deliveries)
        self.contact.ok("nue", "salesforce")
        return _verdicts(deliveries, outcomes, System.NUE)

    def _push(self, deliveries: list[Delivery]) -> Verdicts:
        """Outbound Messages: push the Orders whose Sync Order checkbox is (still) set, then clear it."""
        trigger = self.settings.listen.trigger_field
        _nue, salesforce = self._systems_for_run()
        unknown = [d.order_id for d in deliveries if d.order_id and trigger not in d.detail.get("fields", {})]
        flags = salesforce.order_flags(unknown, trigger) if unknown else {}
        pressed = [d for d in deliveries if _pressed(d, trigger, flags)]
        verdicts = Verdicts(done={d.id: "the Sync Order checkbox is not set: nothing to do"
                                  for d in deliveries if d not in pressed})
        if pressed:
            ids = tuple(dict.fromkeys(d.order_id for d in pressed if d.order_id))
            outcomes = self._sync(Direction.PUSH, ids, pressed)
            pushed = _verdicts(pressed, outcomes, System.SALESFORCE)
            verdicts.done.update(pushed.done)
            verdicts.blocked.update(pushed.blocked)
            verdicts.retry.update(pushed.retry)
            settled = [d.order_id for d in pressed if d.order_id and d.id not in pushed.retry]
            if settled:
                salesforce.set_order_flag(settled, trigger, False)
        self.contact.ok("nue", "salesforce")
        return verdicts

    def _activate(self, deliveries: list[Delivery]) -> Verdicts:
        """`order.activated`: complete the activation in the order's origin, exactly as `activate` does."""
        ids = tuple(dict.fromkeys(d.order_id for d in deliveries if d.order_id))
        with self._run("listen activate", {"deliveries": [d.id for d in deliveries]}) as run:
            decisions = decide_selection(select_orders(run, ids))
            report = carry_out(run, decisions)
        self.contact.ok("nue", "salesforce")
        return _verdicts(deliveries, report.outcomes, System.NUE)

    def _sync(self, direction: Direction, ids: tuple[str, ...], deliveries: list[Delivery]) -> list[OrderOutcome]:
        with self._run(f"listen {direction.value}", {"deliveries": [d.id for d in deliveries]}) as run:
            plan = run.plan(direction, Scope(order_ids=ids), every_order_named=False)
            return list(run_plan(run, plan))

    # --- the safety net --------------------------------------------------------------------------

    def reconcile(self) -> None:
        """`pull --since last` and `push --since last` inside the service: edits (Nue sends no
        order-updated event) and lost deliveries are caught within the interval."""
        for direction in (Direction.PULL, Direction.PUSH):
            started = time.perf_counter()
            try:
                with self._run(direction.value, {"via": "listen", "since": "last", "yes": True}) as run:
                    plan = run.plan(direction, Scope(since_last_run=True))
                    outcomes = run_plan(run, plan)
                written = sum(1 for o in outcomes if o.result in {Result.CREATED, Result.UPDATED, Result.LINKED})
                self.contact.ok("nue", "salesforce")
                log_event("reconciled", direction=direction.value, written=written, started=started)
            except Exception as exc:  # the safety net must not take the service down; the next round retries
                log_event("reconcile failed", direction=direction.value, level=logging.WARNING,
                          error=getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}", started=started)
                self._reopen_systems()
        self._reopen_systems()  # fresh catalogue caches at least once per interval

    def followup(self) -> None:
        """`nuesync followup --yes` every `[followup] every`: reps hear of abandoned carts without a cron job."""
        started = time.perf_counter()
        try:
            options = {"via": "listen", "older_than": self.settings.followup.older_than, "yes": True}
            with self._run("followup", options) as run:
                report = follow_up_unattended(run, datetime.now(UTC))
            self.contact.ok("nue", "salesforce")
            log_event("followed up", created=report.counts()["created"], started=started)
        except Exception as exc:  # like the safety net: the next round tries again
            log_event("followup failed", level=logging.WARNING,
                      error=getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}", started=started)
            self._reopen_systems()


def run_plan(run: SyncRun, plan: Plan) -> tuple[OrderOutcome, ...]:
    """Every order's outcome of a sync as `pull`/`push --yes` carry it out (writes, then activations)."""
    done = sync_and_complete(run, plan)
    return (*done.report.outcomes, *done.activations)


def _kind(delivery: Delivery) -> str | None:
    if delivery.source is Source.SALESFORCE:
        return "push"
    return {ORDER_CREATED: "pull", ORDER_ACTIVATED: "activate"}.get(delivery.event)


def _pressed(delivery: Delivery, trigger: str, flags: Mapping[str, bool]) -> bool:
    sent = delivery.detail.get("fields", {}).get(trigger)
    if sent is not None:
        return str(sent).strip().lower() == "true"
    return bool(flags.get(delivery.order_id or ""))


def _verdicts(deliveries: Sequence[Delivery], outcomes: Sequence[OrderOutcome], system: System) -> Verdicts:
    """Each delivery's verdict from its order's outcome (found by the id the delivery named)."""
    by_id: dict[str, OrderOutcome] = {}
    for outcome in outcomes:
        own = outcome.nue_id if system is System.NUE else outcome.salesforce_id
        for key in (own, own[:15] if own and len(own) == 18 else None):
            if key:
                by_id.setdefault(key, outcome)
    verdicts = Verdicts()
    for delivery in deliveries:
        outcome = by_id.get(delivery.order_id or "") or by_id.get((delivery.order_id or "")[:15])
        if outcome is None:
            verdicts.done[delivery.id] = "no draft to sync (not a draft in either system, or already handled)"
        elif outcome.result in SETTLED:
            verdicts.done[delivery.id] = outcome.message if outcome.result is Result.SKIPPED else None
        elif outcome.result is Result.BLOCKED:
            verdicts.blocked[delivery.id] = outcome.message or "blocked"
        else:
            detail = ": ".join(p for p in (outcome.error_code, outcome.message) if p)
            verdicts.retry[delivery.id] = detail or "failed"
    return verdicts
