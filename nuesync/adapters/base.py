"""What every adapter gives the rest of nuesync: canonical records in, per-record outcomes out.

The two adapters (`salesforce`, `nue`) are the only modules that know a wire format. They share
this small vocabulary so that `reconcile` and `apply` never care which system they talk to.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from nuesync.model import ContactRef, Customer, DraftOrder, Links, System
from nuesync.progress import Progress, no_progress

# How far before `since` an incremental read really starts. The mark is nuesync's clock at the start
# of the last good run, while the stamps it is compared with come from each API's own clock; a
# skew between them, or a write in the same instant as the mark, must never drop a change. Orders
# read twice cost nothing (they are in sync, or are written once): missing one costs a divergence.
SINCE_OVERLAP = timedelta(minutes=2)


def read_from(since: datetime) -> datetime:
    """The moment an adapter's `since` filter starts at: `since` less `SINCE_OVERLAP`, or the first
    moment a datetime can hold (`--since 0001-01-01` asks for everything, not for an overflow)."""
    first = datetime.min.replace(tzinfo=since.tzinfo)
    return since - SINCE_OVERLAP if since - first > SINCE_OVERLAP else first


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True)
class RecordProblem:
    """A record the adapter could not translate: which one, which field, and why.

    A malformed record never crashes a fetch; it is set aside with this description and
    the rest of the records are returned.
    """

    system: System
    record_id: str
    field: str
    message: str


@dataclass(frozen=True)
class WriteResult:
    """The outcome of writing one record.

    `key` is the id the caller used to name the record (for an order, the sender's id);
    `record_id` is the receiver's id after the write, when there is one.
    """

    key: str
    outcome: Outcome
    record_id: str | None = None
    error_code: str | None = None
    message: str | None = None
    line_ids: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome is not Outcome.FAILED


@dataclass(frozen=True)
class ContactDetails:
    """A bill-to contact with what creating it in the other system takes (`--create-customers`).

    An order carries its contact by links and name only (`ContactRef`); a system that creates one
    needs more (Nue requires an email), so the sender's contacts are read again with
    `fetch_contacts`. `customer_id` is the id, in the system the contact is written to, of the
    customer it belongs to there: a read leaves it empty, and the run sets it before the write.
    """

    links: Links
    name: str | None = None
    email: str | None = None
    customer_id: str | None = None


@dataclass(frozen=True)
class FetchResult:
    orders: list[DraftOrder]
    problems: list[RecordProblem] = field(default_factory=list)


@dataclass(frozen=True)
class ApiUsage:
    """API calls used / allowed, as the system last reported them (Salesforce's Sforce-Limit-Info)."""

    used: int
    limit: int

    @property
    def remaining(self) -> int:
        return self.limit - self.used


PageCount = Callable[[int, int | None], None]  # rows read so far, and how many there are when the API says


def counted(progress: Progress | None, step: str) -> PageCount | None:
    """A page callback that reports a read as `step` with its counts, or None when nobody watches."""
    if progress is None:
        return None
    return lambda done, total: progress(step, done, total)


class WriteCount:
    """A write step's progress: records answered of those the step sends, told as each request answers.

    It counts what really happened (a Collections call or a Nue request answered, a Bulk job's rows
    processed), never what was merely queued, so the rate shown is the API's. Nue's writes answer
    on a thread pool, hence the lock: counts reach `progress` in order, never going back. `expect`
    grows the total when a step finds more to send (Salesforce inserts refused as already there,
    sent again as updates), so a finished step shows `done` equal to `total`.
    """

    def __init__(self, progress: Progress, step: str, total: int = 0) -> None:
        self.progress = progress
        self.step = step
        self.done = 0
        self.total = 0
        self._lock = threading.Lock()
        self.expect(total)

    def expect(self, records: int) -> None:
        """`records` more to send: the step shows at once with its total, before the first answer."""
        if records:
            with self._lock:
                self.total += records
                self.progress(self.step, self.done, self.total)

    def add(self, records: int = 1) -> None:
        """`records` more answered (a refusal made before sending counts too: it is the record's answer)."""
        with self._lock:
            self.done += records
            self.progress(self.step, self.done, self.total)


class OrderSystem(Protocol):
    """The interface both adapters implement."""

    system: System

    def fetch_orders(
        self,
        *,
        ids: Sequence[str] | None = None,
        customer_ids: Sequence[str] | None = None,
        since: datetime | None = None,
        include_activated: bool = False,
        numbers: Sequence[str] | None = None,
        progress: Progress | None = None,
    ) -> FetchResult:
        """Draft orders (plus activated ones when asked) with their lines, in as few calls as possible.

        `since` returns every order whose header *or any line* changed from `read_from(since)` on:
        an edit to one line alone must be seen by an incremental run. `numbers` selects by this
        system's own order numbers (`O-00000123` in Nue). `progress` hears the rows read of the total
        the API announces, page by page.
        """
        ...

    def fetch_customers(self, ids: Sequence[str] | None = None) -> list[Customer]: ...

    def existing_customer_ids(self, ids: Sequence[str]) -> frozenset[str]:
        """Which of these customer ids exist here, asked in batches; an id that is not even
        well-formed for this system does not exist. Lets a plan block the orders that point at a
        customer the receiver lacks, instead of sending each to fail on its own."""
        ...

    def customers_linked_to(self, other_ids: Sequence[str]) -> dict[str, str]:
        """The other system's customer id → the customer here that carries it as its link, for those of
        these ids some customer here carries: one query per batch. Lets an order whose customer is linked
        from this side only (a Nue customer's link is Nue's own sync's to set) pair its customer."""
        ...

    def existing_contact_ids(self, ids: Sequence[str]) -> frozenset[str]:
        """Which of these contact ids exist here, as `existing_customer_ids`."""
        ...

    def recognises(self, order_id: str) -> bool:
        """Whether `order_id` could be one of this system's order ids (so `--order X` asks only where it can be)."""
        ...

    def recognises_customer(self, customer_id: str) -> bool: ...

    def product_codes(self) -> frozenset[str]:
        """SKUs this system can put on an order (with a price-book entry)."""
        ...

    def price_tag_codes(self) -> frozenset[str] | None:
        """Price-tag codes this system knows; None when it accepts any (a free-text field)."""
        ...

    def link_customers(self, customers: Sequence[Customer]) -> list[WriteResult]:
        """Write the other system's id onto existing customers here (by this system's id), where this
        system lets a client write it; where it does not (Nue's `externalId`), nothing is sent and
        each customer is `unchanged`, saying why."""
        ...

    def upsert_orders(self, orders: Sequence[DraftOrder], *, progress: Progress = no_progress) -> list[WriteResult]:
        """Create or update draft orders and their lines, keyed by the other system's ids; `progress`
        hears the records written of those sent (`WriteCount`), as the requests answer."""
        ...

    def upsert_customers(self, customers: Sequence[Customer]) -> list[WriteResult]: ...

    def fetch_contacts(self, ids: Sequence[str]) -> list[ContactDetails]:
        """These contacts, by this system's ids, with their name and email: batched reads; an id that
        names no contact is left out."""
        ...

    def upsert_contacts(self, contacts: Sequence[ContactDetails]) -> list[WriteResult]:
        """Create the other system's contacts here, each under its `customer_id`, keyed by its id there
        (the result's `key`), so that a contact already carrying that id is reused: a rerun after a
        crash creates none twice. Batched as far as the API allows; one result per contact, in order."""
        ...

    def link_contacts(self, contacts: Sequence[ContactRef]) -> list[WriteResult]:
        """Write the other system's id onto existing contacts here (by this system's id, the result's `key`)."""
        ...

    def set_links(self, orders: Sequence[DraftOrder], *, progress: Progress = no_progress) -> list[WriteResult]:
        """Write the other system's ids (order and line links) and origin onto existing records; `progress`
        as `upsert_orders`."""
        ...

    def activate_many(self, order_ids: Sequence[str], *, progress: Progress = no_progress) -> list[WriteResult]:
        """Activate these orders, batched as far as the API allows; one result per id, in order, each
        order succeeding or failing on its own; `progress` as `upsert_orders`."""
        ...

    def api_usage(self) -> ApiUsage | None: ...

    def close(self) -> None: ...
