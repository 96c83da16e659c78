"""The Salesforce adapter: canonical orders in and out of an org, in as few API calls as possible.

Reads are one SOQL query with an `OrderItems` subquery, both levels paged, filtered on
`StatusCode` (never on the org's own `Status` labels). Writes are sObject Collections upserts
keyed by the sender's ids — orders, then their lines — so a re-run after a crash never creates
anything twice; the lines that already exist are found in the same query that finds the orders,
because `OrderId` and `PricebookEntryId` may only be sent when a line is created. Every request
goes through `SalesforceConnection` (retries, re-login, limits: see `salesforce_http`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import product
from typing import Any

import requests

from nuesync.adapters.base import ApiUsage, FetchResult, Outcome, RecordProblem, WriteResult
from nuesync.adapters.retry import RetryPolicy
from nuesync.adapters.salesforce_http import (
    SalesforceConnection,
    SalesforceRequestError,
    SalesforceSchemaError,
    describe_error,
    http_session,
    record_error,
    response_error,
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
    dumps,
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
from nuesync.mapping import MappedObject
from nuesync.model import Customer, DraftOrder, LineItem, System

__all__ = [
    "SalesforceAdapter",
    "SalesforceConnection",
    "SalesforceRequestError",
    "SalesforceSchemaError",
    "http_session",
    "partial_results",
]

SF = System.SALESFORCE
ORDER_KEY_PREFIX, ACCOUNT_KEY_PREFIX, CONTACT_KEY_PREFIX = "801", "001", "003"  # fixed in every org
SOQL_IN_LIMIT = 500  # values per `IN (…)` list …
SOQL_IN_CHARS = 10_000  # … and characters, to stay well inside the REST URI length limit


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
    """One order's way through `upsert_orders`; a failure stops it, the others carry on."""

    order: DraftOrder
    key: str
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


def _in_batches(values: Iterable[str]) -> Iterator[list[str]]:
    """Values for `IN (…)` lists, bounded in count and in characters."""
    batch: list[str] = []
    chars = 0
    for value in dict.fromkeys(values):
        if batch and (len(batch) >= SOQL_IN_LIMIT or chars + len(value) + 4 > SOQL_IN_CHARS):
            yield batch
            batch, chars = [], 0
        batch.append(value)
        chars += len(value) + 4
    if batch:
        yield batch


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
    ) -> FetchResult:
        """Orders with their lines and customer in one paged SOQL query per id batch."""
        customer_field = self._table(MappedObject.ORDER)["customer"]
        problems = [
            RecordProblem(SF, value, field_name, "not a Salesforce record id")
            for field_name, values in (("Id", ids), (customer_field, customer_ids))
            for value in values or ()
            if not is_record_id(value)
        ]
        statuses = ("Draft", "Activated") if include_activated else ("Draft",)
        base = [soql_in("StatusCode", statuses)]
        if since is not None:
            base.append(f"SystemModstamp >= {soql_datetime(since)}")
        filters = [self._id_filters("Id", ids), self._id_filters(customer_field, customer_ids)]
        orders: list[DraftOrder] = []
        select = ", ".join(order_fields(self._mapping))
        for combination in product(*filters):
            where = " AND ".join([*base, *(f for f in combination if f)])
            for record in self.connection.query(f"SELECT {select} FROM Order WHERE {where} ORDER BY Id"):
                try:
                    orders.append(order_from_wire(record, self._mapping))
                except WireError as exc:
                    problems.append(RecordProblem(SF, str(record.get("Id")), exc.field, exc.message))
        return FetchResult(orders=orders, problems=problems)

    @staticmethod
    def _id_filters(field_name: str, values: Sequence[str] | None) -> list[str | None]:
        """`IN` conditions on record ids in batches; no condition at all when no ids were asked for."""
        if values is None:
            return [None]
        return [soql_in(field_name, batch) for batch in _in_batches(v for v in values if is_record_id(v))]

    def fetch_customers(self, ids: Sequence[str] | None = None) -> list[Customer]:
        select = f"SELECT {', '.join(customer_fields(self._mapping))} FROM Account"
        queries = [f"{select}{f' WHERE {where}' if where else ''} ORDER BY Id" for where in self._id_filters("Id", ids)]
        return [customer_from_wire(record, self._mapping) for soql in queries for record in self.connection.query(soql)]

    def existing_customer_ids(self, ids: Sequence[str]) -> frozenset[str]:
        """Which of these Account ids exist: `SELECT Id FROM Account WHERE Id IN (…)`, in batches."""
        return self._existing_ids("Account", ACCOUNT_KEY_PREFIX, ids)

    def existing_contact_ids(self, ids: Sequence[str]) -> frozenset[str]:
        """Which of these Contact ids exist, asked like `existing_customer_ids`."""
        return self._existing_ids("Contact", CONTACT_KEY_PREFIX, ids)

    def _existing_ids(self, sobject: str, key_prefix: str, ids: Sequence[str]) -> frozenset[str]:
        """The ids (as given) of records of `sobject` here. An id not shaped like one (wrong key
        prefix, bad case-safe suffix) does not exist and is not sent: Salesforce would refuse
        the whole query for it. A deleted record (in the recycle bin) does not exist either."""
        safe = {given: case_safe_id(given) for given in ids}
        wanted = {given: full for given, full in safe.items() if full and full.startswith(key_prefix)}
        found = {
            record["Id"]
            for batch in _in_batches(sorted(set(wanted.values())))
            for record in self.connection.query(f"SELECT Id FROM {sobject} WHERE {soql_in('Id', batch)}")
        }
        return frozenset(given for given, full in wanted.items() if full in found)

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
        """SKUs with an active entry in the standard price book: one query per run, which also fills
        the entry cache that writes use."""
        book = self._price_book_ids([None]).get(None)
        if book is None:
            return frozenset()
        if book not in self._loaded_books:
            self._remember_entries(f"Pricebook2Id = {soql_quote(book)}")
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

    def _remember_entries(self, where: str) -> None:
        soql = (
            "SELECT Id, Pricebook2Id, CurrencyIsoCode, Product2.ProductCode FROM PricebookEntry "
            f"WHERE IsActive = true AND {where}"
        )
        for record in self.connection.query(soql):
            key = (record["Pricebook2Id"], record["Product2"]["ProductCode"])
            self._entries.setdefault(key, {})[record.get("CurrencyIsoCode")] = record["Id"]

    def _entry_for(self, book: str, sku: str, currency: str | None) -> str | None:
        by_currency = self._entries.get((book, sku), {})
        if currency is not None:
            return by_currency.get(currency)
        return next(iter(by_currency.values())) if len(by_currency) == 1 else None

    # --- writes ---

    def upsert_orders(self, orders: Sequence[DraftOrder]) -> list[WriteResult]:
        """Create or update orders, then their lines, keyed by the sender's ids (Collections upsert).

        A line that fails marks its order failed, saying the header was written but that line
        was not. When the run has to stop (API budget spent, Salesforce gone), the raised error
        carries every order's outcome so far (`partial_results`).
        """
        writes = [_OrderWrite(order, order.links.nue_id or "") for order in orders]
        try:
            existing = self._existing_orders([write.key for write in writes if write.key])
            for write in writes:
                write.existing = existing.get(write.key)
                problem = next((p for check in PRECHECKS if (p := check(write))), None)
                if problem:
                    write.fail(*problem)
            self._resolve_price_entries([write for write in writes if write.active])
            self._write_headers([write for write in writes if write.active])
            self._write_lines([write for write in writes if write.active])
        except NuesyncError as exc:
            for write in writes:
                write.stop(exc.message)
            exc.partial_results = [write.result() for write in writes]  # type: ignore[attr-defined]
            raise
        return [write.result() for write in writes]

    def _existing_orders(self, keys: Sequence[str]) -> dict[str, _Existing]:
        """The org's orders (and their lines) already keyed by these sender ids: one query per batch."""
        order_key = self._table(MappedObject.ORDER)["links.nue_id"]
        line_key = self._table(MappedObject.LINE)["links.nue_id"]
        lines = f"(SELECT Id, {line_key}, {PRODUCT_CODE_PATH} FROM {LINES_RELATIONSHIP})"
        select = f"SELECT Id, StatusCode, Pricebook2Id, {order_key}, {lines} FROM Order"
        found: dict[str, _Existing] = {}
        for batch in _in_batches(keys):
            for record in self.connection.query(f"{select} WHERE {soql_in(order_key, batch)}"):
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

    def _write_headers(self, writes: Sequence[_OrderWrite]) -> None:
        """Order headers; a new order gets the draft status and its price book (both create-time only)."""
        order_key = self._table(MappedObject.ORDER)["links.nue_id"]
        records = []
        for write in writes:
            record: dict[str, Any] = {"attributes": {"type": "Order"}, **order_to_wire(write.order, self._mapping)}
            if write.existing is None:
                record["Status"] = self._settings.sync.draft_status
            if not write.held_price_book:
                record["Pricebook2Id"] = write.price_book_id
            records.append(record)
        results = self.connection.write_collection("PATCH", f"composite/sobjects/Order/{order_key}", records)
        for write, result in zip(writes, results, strict=True):
            if result.get("success"):
                write.header_written(result["id"], bool(result.get("created")))
            else:
                error = record_error(result)
                write.fail(str(error.get("statusCode")), f"order not written: {describe_error(error)}")

    def _write_lines(self, writes: Sequence[_OrderWrite]) -> None:
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
        results = self.connection.write_collection("PATCH", f"composite/sobjects/OrderItem/{line_key}", records)
        for (write, key), result in zip(owners, results, strict=True):
            write.line_written(key, result)

    def set_links(self, orders: Sequence[DraftOrder]) -> list[WriteResult]:
        """Write the Nue ids (order and lines) and the origin onto records that exist here, by Id."""
        links = [_LinkWrite(order) for order in orders]
        order_table, line_table = self._table(MappedObject.ORDER), self._table(MappedObject.LINE)
        order_records, line_records = [], []
        owners: list[tuple[_LinkWrite, str]] = []
        for link in links:
            if link.failure is not None:
                continue
            order = link.order
            record = {"attributes": {"type": "Order"}, "id": link.key, order_table["links.nue_id"]: order.links.nue_id}
            if order.origin is not None:
                record[order_table["origin"]] = ORIGIN.write(order.origin)
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
        for link, result in zip(
            linkable, self.connection.write_collection("PATCH", "composite/sobjects", order_records), strict=True
        ):
            link.header_written(result)
        for (link, key), result in zip(
            owners, self.connection.write_collection("PATCH", "composite/sobjects", line_records), strict=True
        ):
            link.line_written(key, result)
        return [link.result() for link in links]

    def activate(self, order_id: str) -> WriteResult:
        """Activate an order: an update whose only field is `Status`, as Salesforce requires."""
        if not is_record_id(order_id):
            message = f"{order_id!r} is not a Salesforce record id"
            return WriteResult(order_id, Outcome.FAILED, None, "MALFORMED_ID", message)
        body = dumps({"Status": self._settings.sync.activated_status})
        response = self.connection.send("PATCH", f"sobjects/Order/{order_id}", body=body)
        if response.status_code < 300:
            return WriteResult(order_id, Outcome.UPDATED, order_id)
        error = response_error(response)
        return WriteResult(order_id, Outcome.FAILED, order_id, error["statusCode"], describe_error(error))

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

    # --- run bookkeeping ---

    def organization_id(self) -> str:
        """The org id as Salesforce reports it (one query): the org's half of the run's target, so the
        spelling of the URL in the config (My Domain, instance, `localhost`) never splits or merges orgs."""
        for record in self.connection.query("SELECT Id FROM Organization"):
            return str(record["Id"])
        raise SalesforceRequestError("Salesforce returned no Organization record for this session",
                                     status=200, error_code=None)

    def api_usage(self) -> ApiUsage | None:
        return self.connection.usage

    def close(self) -> None:
        if self._owns_session:
            self.connection.http.close()


def _upsert_result(key: str, answer: Mapping[str, Any]) -> WriteResult:
    if answer.get("success"):
        return WriteResult(key, Outcome.CREATED if answer.get("created") else Outcome.UPDATED, answer["id"])
    error = record_error(answer)
    return WriteResult(key, Outcome.FAILED, None, error.get("statusCode"), describe_error(error))
