"""The emulator's records and the bookkeeping every rule needs: ids, clock, links, lookups.

Records are kept as dicts already in Nue's wire shape (camelCase names, `Decimal` amounts, ISO
dates), so the REST handlers and the GraphQL resolvers serve them without a translation layer.
One re-entrant lock guards everything: the server is threaded, and a GraphQL page must see one
consistent state while writers wait.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from nuesync.sandbox.nue.errors import duplicate, not_found
from nuesync.sandbox.nue.values import timestamp

Record = dict[str, Any]

# Each link kind's field holding the Salesforce id, unique per kind (one Nue record per Salesforce record).
# A customer's is `externalId`, documented as the Salesforce Account Id that Nue's own Salesforce sync
# sets (read-only through the API); the others are the assumed, writable `salesforceId`.
LINK_FIELDS: dict[str, str] = {
    "order": "salesforceId",
    "orderProduct": "salesforceId",
    "customer": "externalId",
    "contact": "salesforceId",
}


class Clock:
    """UTC timestamps that strictly increase, so `lastModifiedDate >= watermark` never misses a write."""

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self._last: datetime | None = None

    def tick(self) -> str:
        now = self._now().astimezone(UTC)
        moment = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if self._last is not None and moment <= self._last:
            moment = self._last + timedelta(milliseconds=1)
        self._last = moment
        return timestamp(moment)


class IdFactory:
    """Deterministic ids: the same sequence of writes gives the same ids (recordable cassettes).

    Nue's own records use UUIDs; catalog records come from its Salesforce-side price builder and
    carry Salesforce-style 18-character ids (`01t…` products, `01u…` price-book entries).
    """

    _SF_PREFIXES: ClassVar[dict[str, str]] = {"product": "01t", "priceBookEntry": "01u", "priceBook": "01s"}

    def __init__(self, seed: str) -> None:
        self._seed = seed
        self._counts: dict[str, int] = {}

    def new(self, kind: str) -> str:
        count = self._counts[kind] = self._counts.get(kind, 0) + 1
        prefix = self._SF_PREFIXES.get(kind)
        if prefix is not None:
            return f"{prefix}NU{count:010d}AAA"
        digest = hashlib.blake2b(f"{self._seed}:{kind}:{count}".encode(), digest_size=16).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:]}"


class Store:
    """All records of one sandbox tenant."""

    def __init__(self, *, seed: str = "nue-sandbox", now: Callable[[], datetime] | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = Clock(now)
        self.ids = IdFactory(seed)
        self.customers: dict[str, Record] = {}
        self.contacts: dict[str, Record] = {}
        self.orders: dict[str, Record] = {}
        self.lines: dict[str, Record] = {}
        self.order_lines: dict[str, list[str]] = {}
        self.products: dict[str, Record] = {}
        self.price_book_entries: dict[str, Record] = {}
        self.price_books: dict[str, Record] = {}
        self.price_tags: dict[str, Record] = {}
        self.subscriptions: dict[str, Record] = {}
        self.assets: dict[str, Record] = {}
        self.invoices: dict[str, Record] = {}
        self.taxed_orders: set[str] = set()
        self.draft_sync_enabled = True
        self._numbers: dict[str, int] = {}
        self._links: dict[str, dict[str, str]] = {kind: {} for kind in LINK_FIELDS}
        self._tag_codes: dict[str, str] = {}
        self._contact_emails: dict[str, str] = {}  # email, case-folded → contact id

    # -- identity -------------------------------------------------------------------------
    def now(self) -> str:
        return self.clock.tick()

    def new_id(self, kind: str) -> str:
        return self.ids.new(kind)

    def next_number(self, prefix: str, width: int = 8) -> str:
        """Human-readable numbers: `O-00000001`, `INV-00000001`, `SUB-000001` …"""
        count = self._numbers[prefix] = self._numbers.get(prefix, 0) + 1
        return f"{prefix}-{count:0{width}d}"

    # -- lookups --------------------------------------------------------------------------
    def order(self, order_id: str) -> Record:
        if order_id not in self.orders:
            raise not_found("Order", order_id)
        return self.orders[order_id]

    def lines_of(self, order_id: str) -> list[Record]:
        return [self.lines[line_id] for line_id in self.order_lines.get(order_id, ())]

    def customer_by_ref(self, ref: str) -> Record | None:
        """A customer by its Nue id or, as Nue's customer endpoints allow, its Salesforce id (`externalId`)."""
        customer_id = ref if ref in self.customers else self._links["customer"].get(ref)
        return self.customers.get(customer_id) if customer_id else None

    def price_tag_by_ref(self, ref: str) -> Record | None:
        """Price tags are written by id or by code."""
        return self.price_tags.get(ref) or self.price_tags.get(self._tag_codes.get(ref, ""))

    def add_price_tag(self, tag: Record) -> None:
        self.price_tags[tag["id"]] = tag
        self._tag_codes[tag["code"]] = tag["id"]

    # -- links ----------------------------------------------------------------------------
    def check_links(self, kind: str, changes: dict[str, str | None], paths: dict[str, str]) -> None:
        """Refuse link values another record keeps, counting moves made by the same request.

        `changes` maps a record id (or a placeholder for a record being created) to its new
        link value (`LINK_FIELDS[kind]`); `paths` names the request field of each, for the error.
        """
        index = self._links[kind]
        wanted: dict[str, str] = {}
        for record_id, value in changes.items():
            if value is None:
                continue
            owner = index.get(value)
            if owner is not None and owner != record_id and changes.get(owner, value) == value:
                raise duplicate(paths[record_id], value, owner)
            if value in wanted:
                raise duplicate(paths[record_id], value, wanted[value])
            wanted[value] = record_id

    def assign_links(self, kind: str, records: Iterable[tuple[Record, str | None]]) -> None:
        """Apply checked link changes: release every old value first, then claim the new ones."""
        pairs = list(records)
        index, field = self._links[kind], LINK_FIELDS[kind]
        for record, _ in pairs:
            old = record.get(field)
            if old is not None and index.get(old) == record["id"]:
                del index[old]
        for record, value in pairs:
            record[field] = value
            if value is not None:
                index[value] = record["id"]

    # -- contact emails -------------------------------------------------------------------
    def check_emails(self, changes: dict[str, str | None], paths: dict[str, str]) -> None:
        """Refuse contact emails another contact of the tenant has (documented: unique within the
        tenant), compared without case, counting the contacts of the same request; like `check_links`."""
        wanted: dict[str, str] = {}
        for record_id, email in changes.items():
            if email is None:
                continue
            key = email.casefold()
            owner = self._contact_emails.get(key)
            if owner is not None and owner != record_id:
                raise duplicate(paths[record_id], email, owner)
            if key in wanted:
                raise duplicate(paths[record_id], email, wanted[key])
            wanted[key] = record_id

    def assign_email(self, contact: Record, email: str) -> None:
        """Apply a checked email: the contact's old one is free again."""
        old = contact.get("email")
        if old is not None and self._contact_emails.get(old.casefold()) == contact["id"]:
            del self._contact_emails[old.casefold()]
        contact["email"] = email
        self._contact_emails[email.casefold()] = contact["id"]
