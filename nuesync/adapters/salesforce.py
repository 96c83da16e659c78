"""The Salesforce adapter: canonical orders in and out of an org, in as few API calls as possible.

Reads are one SOQL query with an `OrderItems` subquery, both levels paged, filtered on
`StatusCode` (never on the org's own `Status` labels). Writes are sObject Collections calls keyed
by the sender's ids — orders, then their lines — so a re-run after a crash never creates anything
twice (see `upsert_orders`). Every request goes through `SalesforceConnection` (retries,
re-login, limits: see `salesforce_http`).

A query is a GET, so its statement travels in the URL: Salesforce takes at most 16,384 bytes of
URI and headers per call (414 or 431 beyond). Lists of ids are cut so that each encoded statement
stays within `QUERY_BYTES` (2 KB left for the path, the host and the session header), and record
ids go as their 15-character form, which SOQL accepts: 500 Orders read back per query, not 450.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import product
from typing import Any
from urllib.parse import quote_plus

import requests

from nuesync.adapters.base import (
    ApiUsage,
    ContactDetails,
    FetchResult,
    Outcome,
    RecordProblem,
    WriteCount,
    WriteResult,
    counted,
    read_from,
)
from nuesync.adapters.early_stop import STOPPED_EARLY
from nuesync.adapters.retry import RetryPolicy
from nuesync.adapters.salesforce_http import (
    SalesforceConnection,
    SalesforceRequestError,
    SalesforceSchemaError,
    describe_error,
    http_session,
    record_error,
)
from nuesync.adapters.salesforce_wire import (
    LINES_RELATIONSHIP,
    ORIGIN,
    PRODUCT_CODE_PATH,
    WireError,
    case_safe_id,
    child_records,
    customer_fields,
    customer_from_wire,
    customer_to_wire,
    is_record_id,
    line_to_wire,
    order_fields,
    order_from_wire,
    order_to_wire,
    product_code,
    soql_datetime,
    soql_in,
    soql_quote,
)
from nuesync.config import Settings
from nuesync.errors import NuesyncError
from nuesync.followup.task import AccountOwner, FollowUpTask
from nuesync.mapping import CHECKOUT_URL, MappedObject
from nuesync.model import ContactRef, Customer, DraftOrder, LineItem, Links, System
from nuesync.progress import Progress, no_progress

__all__ = [
    "SalesforceAdapter",
    "SalesforceConnection",
    "SalesforceRequestError",
    "SalesforceSchemaError",
    "http_session",
    "partial_results",
]

log = logging.getLogger(__name__)

SF = System.SALESFORCE
ORDER_KEY_PREFIX, ACCOUNT_KEY_PREFIX, CONTACT_KEY_PREFIX = "801", "001", "003"  # fixed in every org
CONTACTS_RELATIONSHIP = "Contacts"  # Account → Contact, a standard relationship
CONTACT_EMAIL = "Email"  # a standard Contact field: what a contact created in Nue needs besides its name
SOQL_IN_LIMIT = 500  # values per `IN (…)` list …
QUERY_BYTES = 14_000  # … and URL-encoded bytes per statement (see the module docstring)
SHORT_STATEMENT_BYTES = 1_000  # what a statement without its list takes, unless the caller says
DUPLICATE_VALUE = "DUPLICATE_VALUE"  # Salesforce's code for a value a unique field already holds
USERINFO_PATH = "/services/oauth2/userinfo"  # OpenID Connect: who the session belongs to (`user_id`)
HEADERS_STEP, LINES_STEP = "writing order headers to Salesforce", "writing order lines to Salesforce"  # progress


def outcomes_of(writes: Sequence[_OrderWrite], steps: Callable[[], None]) -> list[WriteResult]:
    """Each order's outcome after `steps` wrote them; when a step has to stop the run (budget spent,
    Salesforce gone), every order still in flight says how far it got and the raised error carries
    all the outcomes (`partial_results`)."""
    try:
        steps()
    except NuesyncError as exc:
        for write in writes:
            write.stop(exc.message)
        exc.partial_results = [write.result() for write in writes]  # type: ignore[attr-defined]
        raise
    return [write.result() for write in writes]


def partial_results(error: BaseException) -> list[WriteResult]:
    """The outcome of every order of a write that had to stop (budget spent, Salesforce gone)."""
    return list(getattr(error, "partial_results", []))


# --- writes: per-order state -----------------------------------------------------------------


@dataclass(frozen=True)
class _Existing:
    """What the org already holds for one sender order: its ids, state and lines by sender line id."""

    record_id: str
    status_code: str
    price_book_id: str | None
    lines: dict[str, tuple[str, str | None]]  # sender line id → (OrderItem Id, product code)


@dataclass
class _OrderWrite:
    """One order's way through `upsert_orders`; a failure stops it, the others carry on.

    `new`: the caller links the order to no Salesforce Order, so it is inserted without a look-up;
    `clashed`: the insert met an Order already carrying its Nue id, so it is looked up and updated.
    """

    order: DraftOrder
    key: str
    new: bool = False
    clashed: bool = False
    existing: _Existing | None = None
    price_book_id: str | None = None
    record_id: str | None = None
    created: bool = False
    line_ids: dict[str, str] = field(default_factory=dict)
    unanswered: set[str] = field(default_factory=set)  # lines sent (or to send) without an answer yet
    failure: tuple[str, str] | None = None

    @property
    def active(self) -> bool:
        return self.failure is None

    @property
    def held_price_book(self) -> str | None:
        return self.existing.price_book_id if self.existing else None

    def new_lines(self) -> list[LineItem]:
        held = self.existing.lines if self.existing else {}
        return [line for line in self.order.lines if line.links.nue_id not in held]

    def fail(self, code: str, message: str) -> None:
        if self.failure is None:
            self.failure = (code, message)

    def clash(self) -> None:
        self.new, self.clashed = False, True

    def header_written(self, record_id: str, created: bool) -> None:
        self.record_id, self.created = record_id, created
        self.unanswered = {str(line.links.nue_id) for line in self.order.lines}

    def line_written(self, key: str, result: Mapping[str, Any]) -> None:
        self.unanswered.discard(key)
        if result.get("success"):
            self.line_ids[key] = result["id"]
            return
        error = record_error(result)
        self.fail(
            str(error.get("statusCode")),
            f"order header written (Salesforce Order {self.record_id}) but line {key} was not: {describe_error(error)}",
        )

    def stop(self, reason: str) -> None:
        """The run stopped: an order still in flight says exactly how far it got."""
        if not self.active or (self.record_id and not self.unanswered):
            return
        if self.record_id is None:
            self.fail("RUN_STOPPED", f"not written: {reason}")
            return
        pending = ", ".join(sorted(self.unanswered))
        self.fail(
            "RUN_STOPPED",
            f"order header written (Salesforce Order {self.record_id}) but lines {pending} were not: {reason}",
        )

    def result(self) -> WriteResult:
        if self.failure is not None:
            code, message = self.failure
            return WriteResult(self.key, Outcome.FAILED, self.record_id, code, message, dict(self.line_ids))
        outcome = Outcome.CREATED if self.created else Outcome.UPDATED
        return WriteResult(self.key, outcome, self.record_id, line_ids=dict(self.line_ids))


def _check_keys(write: _OrderWrite) -> tuple[str, str] | None:
    if not write.key:
        return "MISSING_EXTERNAL_ID", "the order has no Nue id to key the write by"
    keys = [line.links.nue_id for line in write.order.lines]
    if not all(keys):
        return "MISSING_EXTERNAL_ID", f"line {keys.index(None) + 1} has no Nue id to key the write by"
    if len(set(keys)) != len(keys):
        return "DUPLICATE_VALUE", "two lines of the order carry the same Nue id"
    return None


def _check_customer(write: _OrderWrite) -> tuple[str, str] | None:
    customer = write.order.customer
    if customer.links.salesforce_id:
        return None
    who = customer.name or customer.links.nue_id or "(unnamed)"
    return "CUSTOMER_NOT_LINKED", f"customer {who} is not linked to a Salesforce Account; link or create it first"


def _check_contact(write: _OrderWrite) -> tuple[str, str] | None:
    contact = write.order.bill_to_contact
    if contact is None or contact.links.salesforce_id:
        return None
    who = contact.name or contact.links.nue_id or "(unnamed)"
    return "CONTACT_NOT_LINKED", f"bill-to contact {who} is not linked to a Salesforce Contact"


def _check_still_draft(write: _OrderWrite) -> tuple[str, str] | None:
    if write.existing is None or write.existing.status_code == "Draft":
        return None
    return "ORDER_NOT_DRAFT", (
        f"Salesforce Order {write.existing.record_id} is {write.existing.status_code}; "
        "draft sync does not edit it (use activate)"
    )


def _check_products(write: _OrderWrite) -> tuple[str, str] | None:
    """Every new line names a product; an existing line keeps its product (Salesforce cannot change it)."""
    held = write.existing.lines if write.existing else {}
    for line in write.order.lines:
        had = held.get(str(line.links.nue_id))
        if had is None and not line.product_sku:
            return "PRODUCT_NOT_FOUND", f"line {line.links.nue_id} names no product SKU"
        if had is not None and had[1] != line.product_sku:
            return "PRODUCT_CHANGED", (
                f"line {line.links.nue_id} is product {had[1]} in Salesforce but {line.product_sku} in the "
                "sender; an order product's product cannot change"
            )
    return None


# Checks run before any write, in order; the first failure is the order's outcome.
PRECHECKS: tuple[Callable[[_OrderWrite], tuple[str, str] | None], ...] = (
    _check_keys,
    _check_customer,
    _check_contact,
    _check_still_draft,
    _check_products,
)


@dataclass
class _LinkWrite:
    """One order's way through `set_links`."""

    order: DraftOrder
    line_ids: dict[str, str] = field(default_factory=dict)
    failure: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if not (self.order.links.salesforce_id and self.order.links.nue_id):
            self.failure = ("MISSING_LINK", "the order needs both its Salesforce and its Nue id to be linked")

    @property
    def key(self) -> str:
        return self.order.links.salesforce_id or self.order.links.nue_id or ""

    def header_written(self, result: Mapping[str, Any]) -> None:
        if not result.get("success"):
            error = record_error(result)
            self.failure = (str(error.get("statusCode")), describe_error(error))

    def line_written(self, key: str, result: Mapping[str, Any]) -> None:
        if result.get("success"):
            self.line_ids[key] = result["id"]
        elif self.failure is None:
            self.failure = ("LINE_NOT_LINKED", f"line {key} was not linked: {describe_error(record_error(result))}")

    def result(self) -> WriteResult:
        own = self.order.links.salesforce_id
        if self.failure is not None:
            return WriteResult(self.key, Outcome.FAILED, own, *self.failure, line_ids=dict(self.line_ids))
        return WriteResult(self.key, Outcome.UPDATED, own, line_ids=dict(self.line_ids))


def _encoded(text: str) -> int:
    """Bytes `text` takes in a query URL (`requests` encodes `?q=` as `quote_plus` does)."""
    return len(quote_plus(text))


def _in_batches(values: Iterable[str], room: int = QUERY_BYTES - SHORT_STATEMENT_BYTES) -> Iterator[list[str]]:
    """Values for `IN (…)` lists: at most `SOQL_IN_LIMIT` each, and `room` encoded bytes."""
    batch: list[str] = []
    used = 0
    for value in dict.fromkeys(values):
        cost = _encoded(soql_quote(value) + ", ")
        if batch and (len(batch) >= SOQL_IN_LIMIT or used + cost > room):
            yield batch
            batch, used = [], 0
        batch.append(value)
        used += cost
    if batch:
        yield batch


def _short_ids(values: Sequence[str] | None) -> list[str] | None:
    """Well-formed record ids in their 15-character form (shorter in a URL; SOQL matches either);
    None, asking for no ids at all, stays None."""
    return None if values is None else [value[:15] for value in values if is_record_id(value)]


def _statements(select: str, conditions: Sequence[str], lists: Mapping[str, Sequence[str] | None]) -> Iterator[str]:
    """`select WHERE conditions AND field IN (…) … ORDER BY Id`: one statement per combination of the
    lists' batches, each list given an equal share of what `QUERY_BYTES` leaves. A list that is None
    asks for no condition; one that is empty asks for nothing, so no statement is made."""
    asked = {field: values for field, values in lists.items() if values is not None}
    frame = " AND ".join([*conditions, *(f"{field} IN ()" for field in asked)])
    room = (QUERY_BYTES - _encoded(f"{select} WHERE {frame} ORDER BY Id")) // max(len(asked), 1)
    batched = [[soql_in(field, batch) for batch in _in_batches(values, room)] for field, values in asked.items()]
    for in_lists in product(*batched):
        where = " AND ".join([*conditions, *in_lists])
        yield f"{select}{f' WHERE {where}' if where else ''} ORDER BY Id"


# --- the adapter -----------------------------------------------------------------------------


class SalesforceAdapter:
    """`OrderSystem` for a Salesforce org (see the module docstring for how it spends API calls)."""

    system = System.SALESFORCE

    def __init__(
        self,
        settings: Settings,
        *,
        environ: Mapping[str, str] | None = None,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        sf = settings.salesforce
        self._settings = settings
        self._mapping = settings.field_mapping()
        self._owns_session = session is None
        self._price_books: dict[str | None, str] = {}  # price book name (None = standard) → Id
        self._entries: dict[tuple[str, str], dict[str | None, str]] = {}  # (book, SKU) → currency → entry
        self._loaded_books: set[str] = set()  # price books whose every entry is in `_entries`
        self._contacts_seen: frozenset[str] = frozenset()  # linked contacts the last account check read
        self.connection = SalesforceConnection(
            sf, sf.secrets(environ), http_session(sf, session), retry or RetryPolicy(max_retries=sf.max_retries)
        )

    def _table(self, obj: MappedObject) -> Mapping[str, str]:
        return self._mapping.table(SF, obj)

    # --- reads ---

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
        """Orders with their lines and customer: one paged SOQL query per batch of ids, and per kind
        of change (`_changed_since`) when `since` is given; an order found twice is kept once.
        `progress` hears `reading Salesforce drafts` with the rows read of the query's `totalSize`."""
        customer_field = self._table(MappedObject.ORDER)["customer"]
        problems = {
            value: RecordProblem(SF, value, field_name, "not a Salesforce record id")
            for field_name, values in (("Id", ids), (customer_field, customer_ids))
            for value in values or ()
            if not is_record_id(value)
        }
        statuses = ("Draft", "Activated") if include_activated else ("Draft",)
        select = f"SELECT {', '.join(order_fields(self._mapping))} FROM Order"
        lists = {"Id": _short_ids(ids), customer_field: _short_ids(customer_ids), "OrderNumber": numbers}
        orders: dict[str, DraftOrder] = {}
        for change in self._changed_since(since):
            for soql in _statements(select, [soql_in("StatusCode", statuses), *change], lists):
                for record in self.connection.query(soql, on_page=counted(progress, "reading Salesforce drafts")):
                    record_id = str(record.get("Id"))
                    if record_id in orders or record_id in problems:
                        continue
                    try:
                        orders[record_id] = order_from_wire(record, self._mapping)
                    except WireError as exc:
                        problems[record_id] = RecordProblem(SF, record_id, exc.field, exc.message)
        return FetchResult(orders=list(orders.values()), problems=list(problems.values()))

    @staticmethod
    def _changed_since(since: datetime | None) -> list[list[str]]:
        """The change conditions, one query each: none without `since`; with it, Orders whose own stamp
        moved and Orders with an order product whose stamp moved, from `read_from(since)`.

        Editing an order product field that feeds no roll-up (dates, description, custom fields)
        leaves its Order's `SystemModstamp` alone, so the Order's stamp alone would miss it; and
        Salesforce refuses a semi-join under OR ("Semi join sub-selects are not allowed with the
        'OR' operator"), so the two are two queries, whatever the size of the org.
        """
        if since is None:
            return [[]]
        moment = soql_datetime(read_from(since))
        return [[f"SystemModstamp >= {moment}"],
                [f"Id IN (SELECT OrderId FROM OrderItem WHERE SystemModstamp >= {moment})"]]

    def fetch_customers(self, ids: Sequence[str] | None = None) -> list[Customer]:
        select = f"SELECT {', '.join(customer_fields(self._mapping))} FROM Account"
        return [
            customer_from_wire(record, self._mapping)
            for soql in _statements(select, [], {"Id": _short_ids(ids)})
            for record in self.connection.query(soql)
        ]

    def existing_customer_ids(self, ids: Sequence[str]) -> frozenset[str]:
        """Which of these Account ids exist: `SELECT Id … FROM Account WHERE Id IN (…)`, in batches.

        Each Account's contacts linked to Nue come back in the same query (a child subquery) and
        answer the `existing_contact_ids` that follows: a plan asks about its orders' bill-to
        contacts right after their accounts, and those are nearly always the accounts' own
        linked contacts — one query saved per batch, and nothing read that the plan does not use.
        """
        link = self._table(MappedObject.CONTACT)["links.nue_id"]
        contacts = f"(SELECT Id FROM {CONTACTS_RELATIONSHIP} WHERE {link} != null)"
        found = self._existing("Account", ACCOUNT_KEY_PREFIX, ids, f"Id, {contacts}")
        self._contacts_seen = frozenset(
            row["Id"] for record in found.values() for row in child_records(record, CONTACTS_RELATIONSHIP)
        )
        return frozenset(found)

    def customers_linked_to(self, other_ids: Sequence[str]) -> dict[str, str]:
        """Nue customer id → the Account carrying it: `SELECT Id, <link> FROM Account WHERE <link> IN (…)`."""
        link = self._table(MappedObject.CUSTOMER)["links.nue_id"]
        wanted = list(dict.fromkeys(i for i in other_ids if i))
        return {
            str(record[link]): str(record["Id"])
            for soql in _statements(f"SELECT Id, {link} FROM Account", [], {link: wanted})
            for record in self.connection.query(soql)
            if record.get(link)
        }

    def existing_contact_ids(self, ids: Sequence[str]) -> frozenset[str]:
        """Which of these Contact ids exist: those the last `existing_customer_ids` read (once), and
        the others asked like it."""
        seen, self._contacts_seen = self._contacts_seen, frozenset()
        known = frozenset(given for given in ids if case_safe_id(given) in seen)
        return known | frozenset(self._existing("Contact", CONTACT_KEY_PREFIX, [i for i in ids if i not in known]))

    def _existing(self, sobject: str, key_prefix: str, ids: Sequence[str], select: str = "Id") -> dict[str, Any]:
        """The records of `sobject` here, by the ids as given. An id not shaped like one (wrong key
        prefix, bad case-safe suffix) does not exist and is not sent: Salesforce would refuse
        the whole query for it. A deleted record (in the recycle bin) does not exist either."""
        safe = {given: case_safe_id(given) for given in ids}
        wanted = {given: full for given, full in safe.items() if full and full.startswith(key_prefix)}
        asked = sorted({full[:15] for full in wanted.values()})
        found = {
            record["Id"]: record
            for soql in _statements(f"SELECT {select} FROM {sobject}", [], {"Id": asked})
            for record in self.connection.query(soql)
        }
        return {given: found[full] for given, full in wanted.items() if full in found}

    def price_book_entries(
        self, skus: Iterable[str], *, price_book: str | None = None, currency: str | None = None
    ) -> dict[str, str]:
        """SKU → PricebookEntry Id in a price book (the standard one by default), cached per run."""
        book = self._price_book_ids([price_book]).get(price_book)
        if book is None:
            return {}
        skus = list(skus)
        self._load_entries([(book, sku) for sku in skus])
        found = ((sku, self._entry_for(book, sku, currency)) for sku in skus)
        return {sku: entry for sku, entry in found if entry}

    def recognises(self, order_id: str) -> bool:
        """Whether `order_id` has the shape of a Salesforce Order id (15/18 characters, key prefix 801)."""
        return is_record_id(order_id) and order_id.startswith(ORDER_KEY_PREFIX)

    def recognises_customer(self, customer_id: str) -> bool:
        return is_record_id(customer_id) and customer_id.startswith(ACCOUNT_KEY_PREFIX)

    def product_codes(self) -> frozenset[str]:
        """SKUs with an active entry in the standard price book: one query per run, which finds the
        book through its entries (`Pricebook2.IsStandard`) and fills the entry cache writes use."""
        book = self._price_books.get(None)
        if book not in self._loaded_books:
            where = f"Pricebook2Id = {soql_quote(book)}" if book else "Pricebook2.IsStandard = true"
            for held in self._remember_entries(where):
                self._price_books.setdefault(None, held)
            book = self._price_books.get(None)
        if book is None:
            return frozenset()  # the standard book has no active entry (or the org no standard book)
        self._loaded_books.add(book)
        return frozenset(sku for (held, sku), entries in self._entries.items() if held == book and entries)

    def price_tag_codes(self) -> frozenset[str] | None:
        """None: price tags live in a free-text field here, so any code can be written."""
        return None

    def fetch_activated_status_values(self) -> list[str]:
        """The org's Order `Status` values that mean activated (for `doctor` to check the config)."""
        soql = "SELECT ApiName, MasterLabel FROM OrderStatus WHERE StatusCode = 'Activated' ORDER BY ApiName"
        return [record["ApiName"] for record in self.connection.query(soql)]

    def describe(self, object_name: str) -> dict[str, Any]:
        """The object's describe (fields, types, external ids): what `doctor` checks the mapping against."""
        result: dict[str, Any] = self.connection.request("GET", f"sobjects/{object_name}/describe")
        return result

    # --- price books ---

    def _price_book_ids(self, names: Iterable[str | None]) -> dict[str | None, str]:
        """Price book Ids by name (None = the standard book), one query for those not yet cached."""
        wanted = set(names)
        missing = wanted - set(self._price_books)
        if missing:
            named = sorted(name for name in missing if name)
            where = "IsStandard = true" + (f" OR {soql_in('Name', named)}" if named else "")
            for record in self.connection.query(f"SELECT Id, Name, IsStandard FROM Pricebook2 WHERE {where}"):
                self._price_books[record["Name"]] = record["Id"]
                if record["IsStandard"]:
                    self._price_books[None] = record["Id"]
        return {name: self._price_books[name] for name in wanted if name in self._price_books}

    def _load_entries(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Entries for (price book, SKU) pairs not known yet, one query per batch of SKUs."""
        missing = sorted({pair for pair in pairs if pair not in self._entries and pair[0] not in self._loaded_books})
        books = sorted({book for book, _ in missing})
        for batch in _in_batches(sku for _, sku in missing):
            self._remember_entries(f"{soql_in('Pricebook2Id', books)} AND {soql_in('Product2.ProductCode', batch)}")
        for pair in missing:
            self._entries.setdefault(pair, {})

    def _remember_entries(self, where: str) -> set[str]:
        """Cache the active entries `where` selects; returns the price books they belong to."""
        soql = (
            "SELECT Id, Pricebook2Id, CurrencyIsoCode, Product2.ProductCode FROM PricebookEntry "
            f"WHERE IsActive = true AND {where}"
        )
        books: set[str] = set()
        for record in self.connection.query(soql):
            key = (record["Pricebook2Id"], record["Product2"]["ProductCode"])
            self._entries.setdefault(key, {})[record.get("CurrencyIsoCode")] = record["Id"]
            books.add(record["Pricebook2Id"])
        return books

    def _entry_for(self, book: str, sku: str, currency: str | None) -> str | None:
        by_currency = self._entries.get((book, sku), {})
        if currency is not None:
            return by_currency.get(currency)
        return next(iter(by_currency.values())) if len(by_currency) == 1 else None

    # --- writes ---

    def upsert_orders(self, orders: Sequence[DraftOrder], *, progress: Progress = no_progress) -> list[WriteResult]:
        """Create or update orders, then their lines, keyed by the sender's Nue ids.

        An order the caller links to no Salesforce Order (a plan's `create`: the run read none) is
        inserted (Collections create) without first asking whether one exists — the look-up would
        cost a query per ~300 orders and find nothing. It is safe because the Nue id field is a
        unique External ID (`nuesync doctor` checks it): an Order already carrying the id — left
        unlinked by a run that died between writing it and linking back in Nue, or missed by the
        run's draft read because it was activated since — makes Salesforce refuse the insert with
        `DUPLICATE_VALUE`, touching nothing. Only those orders are then looked up and written as
        updates, or refused as no longer drafts. An upsert keyed by the id would be wrong there: it
        would overwrite that Order, activated or not, and send it the draft status. Orders the
        caller does link are looked up first (one query per batch), as an update needs to know
        which lines the org holds: `OrderId` and `PricebookEntryId` may only be sent when a line is
        created, and every line of an order just inserted is new.

        A line that fails marks its order failed, saying the header was written but that line
        was not. When the run has to stop (API budget spent, Salesforce gone), the raised error
        carries every order's outcome so far (`partial_results`).

        A backfill of at least `salesforce.bulk_threshold` records (orders plus lines) goes through
        Bulk API 2.0 instead: two upsert jobs instead of hundreds of Collections calls, keyed the
        same way, with the same per-order outcomes (see `salesforce_bulk`).

        `progress` hears two steps, `writing order headers to Salesforce` then `writing order lines to
        Salesforce`, each with the records answered of those sent as each call answers (an order its
        checks refused is not sent, so not counted).
        """
        threshold = self._settings.salesforce.bulk_threshold
        if threshold and sum(1 + len(order.lines) for order in orders) >= threshold:
            from nuesync.adapters.salesforce_bulk import BulkOrderWriter  # it builds on this module's planning

            writer = BulkOrderWriter(self, poll_seconds=self._settings.salesforce.bulk_poll_seconds)
            return writer.upsert_orders(orders, progress=progress)
        writes = [_OrderWrite(order, order.links.nue_id or "", new=not order.links.salesforce_id) for order in orders]
        headers = WriteCount(progress, HEADERS_STEP)

        def steps() -> None:
            self._prepare(writes)
            self._write_headers([write for write in writes if write.active], headers)
            clashed = [write for write in writes if write.clashed]
            if clashed:
                self._prepare(clashed)
                self._write_headers([write for write in clashed if write.active], headers)
            self._write_lines([write for write in writes if write.active], progress)

        return outcomes_of(writes, steps)

    def _prepare(self, writes: Sequence[_OrderWrite]) -> None:
        """What the org holds for the orders not new, the checks before any write, and the prices."""
        existing = self._existing_orders([write.key for write in writes if write.key and not write.new])
        for write in writes:
            write.existing, write.clashed = existing.get(write.key), False
            problem = next((p for check in PRECHECKS if (p := check(write))), None)
            if problem:
                write.fail(*problem)
        self._resolve_price_entries([write for write in writes if write.active])

    def _existing_orders(self, keys: Sequence[str]) -> dict[str, _Existing]:
        """The org's orders (and their lines) already keyed by these sender ids: one query per batch."""
        order_key = self._table(MappedObject.ORDER)["links.nue_id"]
        line_key = self._table(MappedObject.LINE)["links.nue_id"]
        lines = f"(SELECT Id, {line_key}, {PRODUCT_CODE_PATH} FROM {LINES_RELATIONSHIP})"
        select = f"SELECT Id, StatusCode, Pricebook2Id, {order_key}, {lines} FROM Order"
        found: dict[str, _Existing] = {}
        for soql in _statements(select, [], {order_key: keys}):
            for record in self.connection.query(soql):
                held = {row[line_key]: (row["Id"], product_code(row)) for row in child_records(record) if row[line_key]}
                found[record[order_key]] = _Existing(record["Id"], record["StatusCode"], record["Pricebook2Id"], held)
        return found

    def _resolve_price_entries(self, writes: Sequence[_OrderWrite]) -> None:
        """Each order's price book and each new line's PricebookEntry: one query of each, cached."""
        unplaced = [write for write in writes if not write.held_price_book]
        books = self._price_book_ids({write.order.price_book for write in unplaced}) if unplaced else {}
        for write in writes:
            write.price_book_id = write.held_price_book or books.get(write.order.price_book)
            if write.price_book_id is None:
                name = f"named {write.order.price_book!r}" if write.order.price_book else "marked standard"
                write.fail("PRICE_BOOK_NOT_FOUND", f"the org has no price book {name}")
        new_lines = [(write, line) for write in writes if write.active for line in write.new_lines()]
        self._load_entries((str(write.price_book_id), str(line.product_sku)) for write, line in new_lines)
        for write, line in new_lines:
            if not self._new_line_entry(write, line):
                currency = f" in {write.order.currency}" if write.order.currency else ""
                write.fail(
                    "PRODUCT_NOT_FOUND",
                    f"line {line.links.nue_id}: product SKU {line.product_sku} has no active entry in the order's "
                    f"price book{currency}",
                )

    def _new_line_entry(self, write: _OrderWrite, line: LineItem) -> str | None:
        return self._entry_for(str(write.price_book_id), str(line.product_sku), write.order.currency)

    def _write_headers(self, writes: Sequence[_OrderWrite], count: WriteCount) -> None:
        """Order headers: new orders inserted, the others upserted by their Nue id (see `upsert_orders`);
        `count` grows by them (a clashed insert is sent again, so it counts twice)."""
        new = [write for write in writes if write.new]
        known = [write for write in writes if not write.new]
        count.expect(len(writes))
        inserted = self.connection.write_collection("POST", "composite/sobjects", [self._header(w) for w in new],
                                                    count.add)
        self._take_inserts(new, inserted)
        order_key = self._table(MappedObject.ORDER)["links.nue_id"]
        path = f"composite/sobjects/Order/{order_key}"
        upserted = self.connection.write_collection("PATCH", path, [self._header(w) for w in known], count.add)
        for write, result in zip(known, upserted, strict=True):
            if result.get("success"):
                write.header_written(result["id"], bool(result.get("created")))
            else:
                write.fail(*_header_failure(result))

    def _header(self, write: _OrderWrite) -> dict[str, Any]:
        """An order header; a new order gets the draft status and its price book (both create-time only)."""
        record: dict[str, Any] = {"attributes": {"type": "Order"}, **order_to_wire(write.order, self._mapping)}
        if write.existing is None:
            record["Status"] = self._settings.sync.draft_status
        if not write.held_price_book:
            record["Pricebook2Id"] = write.price_book_id
        return record

    @staticmethod
    def _take_inserts(writes: Sequence[_OrderWrite], results: Iterable[Mapping[str, Any]]) -> None:
        """Inserted headers are written; those refused because an Order holds their Nue id clash, and
        so do those a run of such refusals left unsent (the batch stops after identical failures)."""
        last_code = None
        for write, result in zip(writes, results, strict=True):
            code = record_error(result).get("statusCode")
            if result.get("success"):
                write.header_written(result["id"], created=True)
            elif code == DUPLICATE_VALUE or (code == STOPPED_EARLY and last_code == DUPLICATE_VALUE):
                write.clash()
            else:
                write.fail(*_header_failure(result))
            last_code = last_code if code == STOPPED_EARLY else code

    def _write_lines(self, writes: Sequence[_OrderWrite], progress: Progress) -> None:
        """Order products; `OrderId` and `PricebookEntryId` only for lines Salesforce does not have yet."""
        line_key = self._table(MappedObject.LINE)["links.nue_id"]
        records: list[dict[str, Any]] = []
        owners: list[tuple[_OrderWrite, str]] = []
        for write in writes:
            new = {line.links.nue_id for line in write.new_lines()}
            for line in write.order.lines:
                record: dict[str, Any] = {"attributes": {"type": "OrderItem"}, **line_to_wire(line, self._mapping)}
                if line.links.nue_id in new:
                    record |= {"OrderId": write.record_id, "PricebookEntryId": self._new_line_entry(write, line)}
                records.append(record)
                owners.append((write, str(line.links.nue_id)))
        count = WriteCount(progress, LINES_STEP, len(records))
        results = self.connection.write_collection("PATCH", f"composite/sobjects/OrderItem/{line_key}", records,
                                                   count.add)
        for (write, key), result in zip(owners, results, strict=True):
            write.line_written(key, result)

    def set_links(self, orders: Sequence[DraftOrder], checkout_urls: Mapping[str, str] | None = None, *,
                  progress: Progress = no_progress) -> list[WriteResult]:
        """Write the Nue ids (order and lines) and the origin onto records that exist here, by Id; and each
        Order's billing-portal link in `checkout_urls` (by Order Id) in the same call, so it costs none.
        `progress` hears `writing links onto Salesforce orders and lines` with the records answered."""
        links = [_LinkWrite(order) for order in orders]
        order_table, line_table = self._table(MappedObject.ORDER), self._table(MappedObject.LINE)
        checkout_field = self._mapping.write_only_field(MappedObject.ORDER, CHECKOUT_URL)
        order_records, line_records = [], []
        owners: list[tuple[_LinkWrite, str]] = []
        for link in links:
            if link.failure is not None:
                continue
            order = link.order
            record = {"attributes": {"type": "Order"}, "id": link.key, order_table["links.nue_id"]: order.links.nue_id}
            if order.origin is not None:
                record[order_table["origin"]] = ORIGIN.write(order.origin)
            if checkout_urls and link.key in checkout_urls:
                record[checkout_field] = checkout_urls[link.key]
            order_records.append(record)
            for line in order.lines:
                if line.links.salesforce_id and line.links.nue_id:
                    line_records.append(
                        {
                            "attributes": {"type": "OrderItem"},
                            "id": line.links.salesforce_id,
                            line_table["links.nue_id"]: line.links.nue_id,
                        }
                    )
                    owners.append((link, line.links.nue_id))
        linkable = [link for link in links if link.failure is None]
        count = WriteCount(progress, "writing links onto Salesforce orders and lines",
                           len(order_records) + len(line_records))
        for link, result in zip(
            linkable, self.connection.write_collection("PATCH", "composite/sobjects", order_records, count.add),
            strict=True,
        ):
            link.header_written(result)
        for (link, key), result in zip(
            owners, self.connection.write_collection("PATCH", "composite/sobjects", line_records, count.add),
            strict=True,
        ):
            link.line_written(key, result)
        return [link.result() for link in links]

    def activate_many(self, order_ids: Sequence[str], *, progress: Progress = no_progress) -> list[WriteResult]:
        """Activate orders with Collections updates (≤ 200 a call) whose only field is `Status`, as
        Salesforce requires of an activation; one result per id, each record on its own. An id that
        is not a record id fails without being sent. `progress` hears `activating orders in
        Salesforce` with the orders answered of those sent."""
        status = self._settings.sync.activated_status
        valid = list(dict.fromkeys(i for i in order_ids if is_record_id(i)))
        records = [{"attributes": {"type": "Order"}, "id": i, "Status": status} for i in valid]
        count = WriteCount(progress, "activating orders in Salesforce", len(records))
        answers = self.connection.write_collection("PATCH", "composite/sobjects", records, count.add)
        by_id = dict(zip(valid, answers, strict=True))
        return [_activation_result(i, by_id.get(i)) for i in order_ids]

    def link_customers(self, customers: Sequence[Customer]) -> list[WriteResult]:
        """Write the Nue customer id onto existing Accounts, by Account Id (key: the Account Id)."""
        link_field = self._table(MappedObject.CUSTOMER)["links.nue_id"]
        linkable = [c for c in customers if c.links.salesforce_id and c.links.nue_id]
        records = [
            {"attributes": {"type": "Account"}, "id": c.links.salesforce_id, link_field: c.links.nue_id}
            for c in linkable
        ]
        answers = self.connection.write_collection("PATCH", "composite/sobjects", records)
        outcomes = {
            c.links.salesforce_id: _upsert_result(str(c.links.salesforce_id), answer)
            for c, answer in zip(linkable, answers, strict=True)
        }
        return [
            outcomes.get(c.links.salesforce_id or "")
            or WriteResult(
                c.links.salesforce_id or c.links.nue_id or "",
                Outcome.FAILED,
                c.links.salesforce_id,
                "MISSING_LINK",
                "the customer needs both its Salesforce and its Nue id to be linked",
            )
            for c in customers
        ]

    def upsert_customers(self, customers: Sequence[Customer]) -> list[WriteResult]:
        """Accounts upserted by the customer's Nue id."""
        key_field = self._table(MappedObject.CUSTOMER)["links.nue_id"]
        keyed = [customer for customer in customers if customer.links.nue_id]
        records = [{"attributes": {"type": "Account"}, **customer_to_wire(c, self._mapping)} for c in keyed]
        answers = self.connection.write_collection("PATCH", f"composite/sobjects/Account/{key_field}", records)
        outcomes = {c.links.nue_id: _upsert_result(str(c.links.nue_id), a) for c, a in zip(keyed, answers, strict=True)}
        unkeyed = WriteResult("", Outcome.FAILED, None, "MISSING_EXTERNAL_ID", "the customer has no Nue id to key by")
        return [outcomes.get(c.links.nue_id or "", unkeyed) for c in customers]

    # --- contacts (`--create-customers` creates a missing bill-to contact) ---

    def fetch_contacts(self, ids: Sequence[str]) -> list[ContactDetails]:
        """Contacts by Id with their name and email: one query per batch of ids."""
        link = self._table(MappedObject.CONTACT)["links.nue_id"]
        name = self._table(MappedObject.CONTACT)["name"]
        select = f"SELECT Id, {name}, {CONTACT_EMAIL}, {link} FROM Contact"
        contact_ids = _short_ids([i for i in ids if i.startswith(CONTACT_KEY_PREFIX)])
        return [
            ContactDetails(links=Links(salesforce_id=record["Id"], nue_id=record.get(link)), name=record.get(name),
                           email=record.get(CONTACT_EMAIL))
            for soql in _statements(select, [], {"Id": contact_ids})
            for record in self.connection.query(soql)
        ]

    def upsert_contacts(self, contacts: Sequence[ContactDetails]) -> list[WriteResult]:
        """Contacts upserted by the Nue contact's id (Collections, ≤ 200 a call) onto their Accounts: a
        Contact already carrying the id is the one a run that died before linking back created, and is
        updated instead of doubled. The name goes to `FirstName` / `LastName` split at its last space,
        so the Contact's `Name` reads as the sender's name did."""
        key_field = self._table(MappedObject.CONTACT)["links.nue_id"]
        keyed = [contact for contact in contacts if contact.links.nue_id and contact.customer_id]
        records = [{"attributes": {"type": "Contact"}, key_field: c.links.nue_id, "AccountId": c.customer_id,
                    **_contact_name(c.name), CONTACT_EMAIL: c.email} for c in keyed]
        answers = self.connection.write_collection("PATCH", f"composite/sobjects/Contact/{key_field}", records)
        outcomes = {c.links.nue_id: _upsert_result(str(c.links.nue_id), a) for c, a in zip(keyed, answers, strict=True)}
        return [outcomes.get(c.links.nue_id or "") or WriteResult(
            c.links.nue_id or "", Outcome.FAILED, None, "MISSING_EXTERNAL_ID",
            "the contact needs its Nue id to key by and an Account to belong to") for c in contacts]

    def link_contacts(self, contacts: Sequence[ContactRef]) -> list[WriteResult]:
        """Write the Nue contact id onto existing Contacts, by Contact Id (Collections; key: the Contact Id)."""
        link_field = self._table(MappedObject.CONTACT)["links.nue_id"]
        linkable = [c for c in contacts if c.links.salesforce_id and c.links.nue_id]
        records = [{"attributes": {"type": "Contact"}, "id": c.links.salesforce_id, link_field: c.links.nue_id}
                   for c in linkable]
        answers = self.connection.write_collection("PATCH", "composite/sobjects", records)
        outcomes = {c.links.salesforce_id: _upsert_result(str(c.links.salesforce_id), answer)
                    for c, answer in zip(linkable, answers, strict=True)}
        return [outcomes.get(c.links.salesforce_id or "") or WriteResult(
            c.links.salesforce_id or c.links.nue_id or "", Outcome.FAILED, c.links.salesforce_id, "MISSING_LINK",
            "the contact needs both its Salesforce and its Nue id to be linked") for c in contacts]

    # --- follow-up tasks (`nuesync followup`) ---

    def account_owners(self, account_ids: Sequence[str]) -> dict[str, AccountOwner]:
        """Each existing Account's owner, whether that user is active and whether it is the integration user
        nuesync logs in as, by the ids as given: one query per batch of ids (the owner's `IsActive` comes
        through the `Owner` relationship), and one OpenID Connect `userinfo` read for who logs in."""
        found = self._existing("Account", ACCOUNT_KEY_PREFIX, account_ids, "Id, OwnerId, Owner.IsActive")
        me = self._running_user() if found else None
        return {given: AccountOwner(record.get("OwnerId"), bool((record.get("Owner") or {}).get("IsActive")),
                                    integration=me is not None and record.get("OwnerId") == me)
                for given, record in found.items()}

    def _running_user(self) -> str | None:
        """The id of the user this session belongs to, from the documented `userinfo` endpoint. A session
        the endpoint will not answer for (a token without an identity scope) is no reason to stop: the
        owners are then taken as they are, and the log says so."""
        try:
            info = self.connection.request("GET", USERINFO_PATH)
        except SalesforceRequestError as exc:
            log.warning("could not tell which user nuesync logs in as (%s): Accounts it owns count as owned", exc)
            return None
        user = info.get("user_id") if isinstance(info, Mapping) else None
        return user if isinstance(user, str) else None

    def cart_tasks(self, cart_ids: Sequence[str]) -> dict[str, str]:
        """Cart id → the Task already keyed by it (`[followup] cart_field`), one `queryAll` per batch: a task
        a rep deleted (recycle bin) or Salesforce archived still counts, so a cart never gets a second one."""
        cart_field = self._settings.followup.cart_field
        found: dict[str, str] = {}
        for soql in _statements(f"SELECT Id, {cart_field} FROM Task", [], {cart_field: cart_ids}):
            page = self.connection.request("GET", "queryAll", params={"q": soql})
            while True:
                found.update((row[cart_field], row["Id"]) for row in page["records"] if row.get(cart_field))
                if page.get("done", True):
                    break
                page = self.connection.request("GET", page["nextRecordsUrl"])
        return found

    def create_tasks(self, tasks: Sequence[FollowUpTask], *, progress: Progress = no_progress) -> list[WriteResult]:
        """Insert Tasks with Collections (≤ 200 a call); one result per task, keyed by its cart id. When the
        run has to stop, the raised error carries the results so far (`partial_results`). `progress` hears
        `creating tasks in Salesforce` with the tasks answered."""
        records = [self._task_record(task) for task in tasks]
        count = WriteCount(progress, "creating tasks in Salesforce", len(records))
        results: list[WriteResult] = []
        try:
            for task, answer in zip(tasks, self.connection.write_collection("POST", "composite/sobjects", records,
                                                                            count.add), strict=True):
                results.append(_insert_result(task.cart_id, answer))
        except NuesyncError as exc:
            exc.partial_results = results  # type: ignore[attr-defined]
            raise
        return results

    def _task_record(self, task: FollowUpTask) -> dict[str, Any]:
        """A Task to insert, related to the Order; to its bill-to contact (`WhoId`) only when it has one."""
        record: dict[str, Any] = {
            "attributes": {"type": "Task"}, "Subject": task.subject, "Description": task.description,
            "WhatId": task.order_id, "OwnerId": task.owner_id, "ActivityDate": task.due.isoformat(),
            "Status": task.status, "Priority": task.priority, self._settings.followup.cart_field: task.cart_id,
        }
        if task.contact_id:
            record["WhoId"] = task.contact_id
        return record

    # --- run bookkeeping ---

    def organization_id(self) -> str:
        """The org id as Salesforce reports it (one query): the org's half of the run's target, so the
        spelling of the URL in the config (My Domain, instance, `localhost`) never splits or merges orgs."""
        for record in self.connection.query("SELECT Id FROM Organization"):
            return str(record["Id"])
        raise SalesforceRequestError("Salesforce returned no Organization record for this session",
                                     status=200, error_code=None)

    # --- the Sync Order button (a checkbox on Order that a Flow watches) ---

    def order_flags(self, ids: Sequence[str], field_name: str) -> dict[str, bool]:
        """A checkbox's value on these Orders, by Id: one query per batch of ids."""
        found: dict[str, bool] = {}
        for batch in _in_batches(i for i in ids if is_record_id(i)):
            for record in self.connection.query(f"SELECT Id, {field_name} FROM Order WHERE {soql_in('Id', batch)}"):
                found[record["Id"]] = bool(record.get(field_name))
        return found

    def set_order_flag(self, ids: Sequence[str], field_name: str, value: bool) -> list[WriteResult]:
        """Set a checkbox on these Orders by Id (Collections, ≤ 200 per call); one result per id."""
        records = [{"attributes": {"type": "Order"}, "id": i, field_name: value} for i in ids]
        answers = self.connection.write_collection("PATCH", "composite/sobjects", records)
        return [_upsert_result(i, answer) for i, answer in zip(ids, answers, strict=True)]

    def api_usage(self) -> ApiUsage | None:
        return self.connection.usage

    def close(self) -> None:
        if self._owns_session:
            self.connection.http.close()


def _contact_name(name: str | None) -> dict[str, str | None]:
    """`FirstName` and `LastName` whose `Name` (first, a space, last) is `name` again."""
    first, _, last = (name or "").strip().rpartition(" ")
    return {"FirstName": first.strip() or None, "LastName": last or None}


def _activation_result(order_id: str, answer: Mapping[str, Any] | None) -> WriteResult:
    if answer is None:
        message = f"{order_id!r} is not a Salesforce record id"
        return WriteResult(order_id, Outcome.FAILED, None, "MALFORMED_ID", message)
    if answer.get("success"):
        return WriteResult(order_id, Outcome.UPDATED, order_id)
    error = record_error(answer)
    return WriteResult(order_id, Outcome.FAILED, order_id, error.get("statusCode"), describe_error(error))


def _header_failure(result: Mapping[str, Any]) -> tuple[str, str]:
    error = record_error(result)
    return str(error.get("statusCode")), f"order not written: {describe_error(error)}"


def _insert_result(key: str, answer: Mapping[str, Any]) -> WriteResult:
    """A Collections insert's answer (which, unlike an upsert's, does not say `created`)."""
    if answer.get("success"):
        return WriteResult(key, Outcome.CREATED, answer["id"])
    error = record_error(answer)
    return WriteResult(key, Outcome.FAILED, None, error.get("statusCode"), describe_error(error))


def _upsert_result(key: str, answer: Mapping[str, Any]) -> WriteResult:
    if answer.get("success"):
        return WriteResult(key, Outcome.CREATED if answer.get("created") else Outcome.UPDATED, answer["id"])
    error = record_error(answer)
    return WriteResult(key, Outcome.FAILED, None, error.get("statusCode"), describe_error(error))
