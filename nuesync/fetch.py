"""Read both systems' orders for one run, in as few calls as the scope allows.

Both systems are read at once (two threads: the work is waiting on two APIs). A second, small
round follows the links out of the first: the counterpart of a changed order, or of an order
the customer activated in the portal, is read by id even when it is no longer a draft, so the
diff sees both halves of every pair it reports. A third, only when some order's customer lacks
the other system's link, asks the other system for a customer that carries this one's id: a Nue
customer's link to its Account is Nue's own sync's to set, so a customer nuesync created may be
linked from one side only, and the link found there is the customer's link.

The cycle collector is paused while both systems are read (`CollectorPause`): the read builds
millions of objects that all stay alive and hold no reference cycles, and the collector would
otherwise walk every one of them again on each full collection — at 100,000 pairs, more CPU than
decoding and translating them (tests/benchmarks/bench_reconcile.py, `streamed` vs `paused`).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from nuesync.adapters.base import FetchResult, OrderSystem, RecordProblem
from nuesync.errors import UsageError
from nuesync.model import DraftOrder, Links, System
from nuesync.progress import Progress, no_progress


@dataclass(frozen=True)
class Scope:
    """Which orders a run looks at; empty means every draft."""

    order_ids: tuple[str, ...] = ()
    customer_ids: tuple[str, ...] = ()
    since: datetime | None = None
    since_last_run: bool = False  # `--since last`: resolved from the journal by the writing run


@dataclass(frozen=True)
class Snapshot:
    """Both systems' orders as read for one run."""

    nue: list[DraftOrder]
    salesforce: list[DraftOrder]
    problems: list[RecordProblem] = field(default_factory=list)

    def side(self, system: System) -> list[DraftOrder]:
        return self.nue if system is System.NUE else self.salesforce

    def unmatched(self, order_ids: Sequence[str]) -> list[str]:
        """The ids among `order_ids` that name no order read (nor an unreadable record) in either system.

        A 15-character Salesforce id names the order whose 18-character id starts with it.
        """
        known = {i for o in (*self.nue, *self.salesforce) for i in (o.links.nue_id, o.links.salesforce_id) if i}
        known |= {i[:15] for i in known if len(i) == 18}
        known |= {p.record_id for p in self.problems}
        return [i for i in dict.fromkeys(order_ids) if i not in known]




class CollectorPause:
    """A context that turns the cycle collector off while any thread is inside it.

    The collector's switch is process-wide and the listener reads on a worker thread while its
    HTTP side runs, so entries are counted: the first records whether the collector was on and
    turns it off, the last puts back what the first found (a collector someone else turned off
    stays off). Nothing leaks: cycles made meanwhile are freed once the collector is back on. When the
    pause leaves more than `SWEEP_AFTER` objects in the youngest generation, the last one out runs
    one full collection before turning the collector back on: left to age, they would each be
    walked three times (youngest, middle, then oldest generation) — seconds at 100,000 pairs. A
    `gc.freeze` would skip even that walk, but it keeps every object frozen then out of all
    collections until unfrozen, which a service that keeps running cannot afford.
    """

    SWEEP_AFTER = 100_000  # about 2,000 pairs read; fewer cost less to age than a full collection of a service's heap

    def __init__(self) -> None:
        self._lock = threading.RLock()  # a finalizer run by the sweep may enter again on this thread
        self._holders = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if not self._holders:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holders += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders or not self._was_enabled:
                return
            if gc.get_count()[0] > self.SWEEP_AFTER:
                gc.collect()
            gc.enable()


collector_paused = CollectorPause()


def _first_round(adapter: OrderSystem, scope: Scope, progress: Progress | None = None) -> FetchResult:
    ids = [i for i in scope.order_ids if adapter.recognises(i)] if scope.order_ids else None
    customers = [i for i in scope.customer_ids if adapter.recognises_customer(i)] if scope.customer_ids else None
    if (ids is not None and not ids) or (customers is not None and not customers):
        return FetchResult(orders=[])
    return adapter.fetch_orders(ids=ids, customer_ids=customers, since=scope.since,
                                include_activated=bool(scope.order_ids), progress=progress)


def _counterparts(adapter: OrderSystem, first: FetchResult, other: list[DraftOrder]) -> FetchResult:
    """The orders `other` links to on this side that the first round did not return (nor found unreadable)."""
    own = adapter.system
    known = {o.links.id_in(own) for o in first.orders} | {p.record_id for p in first.problems if p.system is own}
    wanted = sorted({i for o in other if (i := o.links.id_in(own)) and i not in known and adapter.recognises(i)})
    if not wanted:
        return FetchResult(orders=[])
    return adapter.fetch_orders(ids=wanted, include_activated=True)


def fetch_snapshot(nue: OrderSystem, salesforce: OrderSystem, scope: Scope,
                   progress: Progress | None = None) -> Snapshot:
    """Read the scoped orders from both systems, then their linked counterparts, the cycle
    collector paused throughout (see the module docstring)."""
    say = progress or no_progress
    with collector_paused, ThreadPoolExecutor(max_workers=2, thread_name_prefix="fetch") as pool:
        say("reading drafts from Nue and Salesforce")
        nue_future = pool.submit(_first_round, nue, scope, progress)
        sf_future = pool.submit(_first_round, salesforce, scope, progress)
        nue_first, sf_first = nue_future.result(), sf_future.result()
        say("reading linked counterparts")
        nue_more = pool.submit(_counterparts, nue, nue_first, sf_first.orders)
        sf_more = pool.submit(_counterparts, salesforce, sf_first, nue_first.orders)
        nue_second, sf_second = nue_more.result(), sf_more.result()
        nue_orders = _unique([*nue_first.orders, *nue_second.orders], System.NUE)
        sf_orders = _unique([*sf_first.orders, *sf_second.orders], System.SALESFORCE)
        nue_links = pool.submit(_linked_from_the_other_side, salesforce, nue_orders)
        sf_links = pool.submit(_linked_from_the_other_side, nue, sf_orders)
        nue_orders, sf_orders = nue_links.result(), sf_links.result()
    problems = [*nue_first.problems, *sf_first.problems, *nue_second.problems, *sf_second.problems]
    return Snapshot(nue=nue_orders, salesforce=sf_orders, problems=problems)


def _linked_from_the_other_side(other: OrderSystem, orders: list[DraftOrder]) -> list[DraftOrder]:
    """`orders` with the customer link they lack taken from `other`, where a customer there carries
    their customer's id (one query per batch, none when every customer is linked)."""
    own = other.system.other
    unlinked = sorted({i for o in orders if (i := o.customer.links.id_in(own)) and not o.customer.links.id_in(
        other.system)})
    found = other.customers_linked_to(unlinked) if unlinked else {}
    return [with_customer_link(order, other.system, found) for order in orders] if found else orders


def with_customer_link(order: DraftOrder, other: System, found: dict[str, str]) -> DraftOrder:
    """The order with its customer's id in `other` filled in from `found` (own id → id in `other`), when
    it lacks one; any link it has is kept as read."""
    customer = order.customer
    own_id = customer.links.id_in(other.other)
    if customer.links.id_in(other) is not None or own_id not in found:
        return order
    links = Links(**{f"{other.other.value}_id": own_id, f"{other.value}_id": found[own_id]})
    return order.model_copy(update={"customer": customer.model_copy(update={"links": links})})


def check_scope_matched(scope: Scope, snapshot: Snapshot) -> None:
    """`--order X` that names no order in either system is a mistake, not "in sync" (exit 2, not 0)."""
    unmatched = snapshot.unmatched(scope.order_ids)
    if unmatched:
        raise UsageError(f"no order {', '.join(unmatched)} in Nue or Salesforce (expected a Nue order id or a "
                         "Salesforce Order id); nothing was done")


def _unique(orders: Sequence[DraftOrder], system: System) -> list[DraftOrder]:
    seen: dict[str | None, DraftOrder] = {}
    for order in orders:
        seen.setdefault(order.links.id_in(system), order)
    return list(seen.values())
