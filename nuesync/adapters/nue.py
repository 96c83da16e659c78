"""The Nue adapter: canonical draft orders in and out of Nue's REST and GraphQL API, over httpx.

Reads go through GraphQL (`POST /async/graphql`, Hasura-style `where`, `limit`/`offset` paging
with a stable `order_by`), so thousands of drafts with their products cost a handful of
requests. Writes are one order per request (Nue documents no bulk endpoint), sent by a bounded
thread pool over one thread-safe `httpx.Client`. Every write is keyed by the Salesforce id: the
orders already linked to a page of Salesforce ids are looked up in one query before anything is
created, and the link is written in the create itself, so a crash can never leave a duplicate.
A bill-to contact created for `--create-customers` is keyed the same way (by its `salesforceId`).
Customers are the exception: a customer's link is its `externalId`, which Nue documents as set by
its own Salesforce sync and read-only through the API, so nuesync reads it and never writes it.

Translation lives in `nue_wire`; everything assumed about undocumented Nue behaviour lives in
`nue_api.ASSUMPTIONS` and nowhere else.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from http import HTTPStatus
from typing import Any

import httpx

from nuesync.adapters.base import (
    ApiUsage,
    ContactDetails,
    FetchResult,
    Outcome,
    PageCount,
    WriteCount,
    WriteResult,
    counted,
    read_from,
)
from nuesync.adapters.nue_api import ASSUMPTIONS
from nuesync.adapters.nue_http import FailFast, NueHttp, NueUnavailableError, Reply, Write, failed, run_writes
from nuesync.adapters.nue_wire import (
    ORDER_LINES,
    ORDER_RECORD_FIELDS,
    TIMESTAMP,
    Catalog,
    NueWire,
    UnresolvedReference,
    WireError,
    catalog_from_wire,
)
from nuesync.adapters.retry import RetryPolicy
from nuesync.config import Settings
from nuesync.errors import ApiUnavailableError
from nuesync.mapping import MappedObject
from nuesync.model import ContactRef, Customer, DraftOrder, Status, System
from nuesync.progress import Progress, no_progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExistingOrder:
    """What the idempotency lookup learns about a Nue order already linked to a sender's order."""

    id: str
    status: str
    salesforce_id: str | None
    line_ids: Mapping[str, str]  # Salesforce line id → Nue order product id
    own_line_ids: frozenset[str]


class NueAdapter:
    """`OrderSystem` for Nue (see the module docstring for the shape of reads and writes)."""

    system = System.NUE

    def __init__(
        self,
        settings: Settings,
        *,
        environ: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.api = ASSUMPTIONS
        self.http = NueHttp(settings, environ, transport, retry, self.api)
        self.wire = NueWire(settings.field_mapping(), self.api.custom_fields_key)
        self._page_size = settings.nue.page_size
        self._workers = settings.nue.max_concurrency
        self._catalog: Catalog | None = None
        self._catalog_lock = threading.Lock()

    def __enter__(self) -> NueAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def api_usage(self) -> ApiUsage | None:
        return self.http.usage

    # --- reads -----------------------------------------------------------------------------

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
        """Drafts (and activated orders when asked) with products and customer, via paged GraphQL;
        `progress` hears `reading Nue drafts` with the rows read of the aggregate count."""
        if any(asked is not None and not asked for asked in (ids, customer_ids, numbers)):
            return FetchResult(orders=[])
        statuses = (Status.DRAFT, Status.ACTIVATED) if include_activated else (Status.DRAFT,)
        clauses: list[dict[str, Any]] = [self._status_where(statuses)]
        if customer_ids is not None:
            clauses.append({self.wire.order_table["customer"]: {"_in": list(customer_ids)}})
        if numbers is not None:
            clauses.append({ORDER_RECORD_FIELDS["order_number"]: {"_in": list(dict.fromkeys(numbers))}})
        if since is not None:
            clauses.append(self._changed_since(since))
        on_page = counted(progress, "reading Nue drafts")
        if ids is None:
            records = self._rows("order", self.wire.order_selection(), {"_and": clauses}, on_page)
        else:
            records = (
                record
                for chunk in _chunks(list(dict.fromkeys(ids)), self._page_size)
                for record in self._rows(
                    "order", self.wire.order_selection(), {"_and": [*clauses, {"id": {"_in": chunk}}]}
                )
            )
        status = ORDER_RECORD_FIELDS["status"]
        kept = (r for r in records if not isinstance(r, Mapping) or _has_status(r.get(status), statuses))
        orders, problems = self.wire.orders_from_wire(kept)
        return FetchResult(orders=orders, problems=problems)

    def _changed_since(self, since: datetime) -> dict[str, Any]:
        """Orders whose own stamp, or any of whose order products' stamps, is at or after
        `read_from(since)`: one query, an array-relationship filter matching when any product does."""
        moment = {"_gte": TIMESTAMP.write(read_from(since))}
        return {"_or": [{ORDER_RECORD_FIELDS["last_modified"]: moment},
                        {ORDER_LINES: {self.api.line_modified_field: moment}}]}

    def _status_where(self, statuses: Sequence[Status]) -> dict[str, Any]:
        """Every spelling of `statuses` (any case, stray whitespace) and some other values, which
        `_has_status` then drops: Hasura's patterns cannot say "only whitespace around"."""
        patterns = sorted({self.api.status_pattern.format(label=label) for s in statuses for label in s.spellings()})
        return {"_or": [{ORDER_RECORD_FIELDS["status"]: {"_ilike": pattern}} for pattern in patterns]}

    def fetch_order(self, order_id: str) -> DraftOrder | None:
        """One order by id over REST, whatever its status: how a webhook hint is re-read."""
        reply = self.http.send(self.api.endpoints["get_order"], record_id=order_id)
        if reply.status == HTTPStatus.NOT_FOUND:
            return None
        record = self._envelope(reply, self.api.order_envelope_key, f"order {order_id}")
        try:
            return self.wire.order_from_wire(record)
        except WireError as exc:
            raise ApiUnavailableError(f"Nue order {order_id} cannot be read: {exc.field}: {exc.message}") from None

    def fetch_customers(self, ids: Sequence[str] | None = None) -> list[Customer]:
        selection = self.wire.customer_selection()
        if ids is None:
            records = self._select("customer", selection, {})
        else:
            records = [
                record
                for chunk in _chunks(list(dict.fromkeys(ids)), self._page_size)
                for record in self._select("customer", selection, {"id": {"_in": chunk}})
            ]
        customers = []
        for index, record in enumerate(records):
            try:
                customers.append(self.wire.customer_from_wire(record))
            except WireError as exc:
                record_id = record.get("id") if isinstance(record, Mapping) else f"#{index}"
                log.warning("skipped Nue customer %s: %s: %s", record_id, exc.field, exc.message)
        return customers

    def existing_customer_ids(self, ids: Sequence[str]) -> frozenset[str]:
        """Which of these Nue customer ids exist: one GraphQL query per page of ids."""
        return self._existing_ids("customer", ids)

    def existing_contact_ids(self, ids: Sequence[str]) -> frozenset[str]:
        """Which of these Nue contact ids exist (the records an order's `billToContact` points at)."""
        return self._existing_ids("contact", ids)

    def _existing_ids(self, root: str, ids: Sequence[str]) -> frozenset[str]:
        wanted = [record_id for record_id in dict.fromkeys(ids) if record_id]
        found = {
            row["id"]
            for chunk in _chunks(wanted, self._page_size)
            for row in self._select(root, "{ id }", {"id": {"_in": chunk}})
            if isinstance(row, Mapping) and isinstance(row.get("id"), str)
        }
        return frozenset(found.intersection(wanted))

    def draft_sync_enabled(self) -> bool:
        """Nue's Sync Draft Orders setting: when off, nothing may write drafts."""
        reply = self.http.send(self.api.endpoints["sync_setting"])
        data = self._data(reply, "the Sync Draft Orders setting")
        value = data.get(self.api.sync_setting_field) if isinstance(data, Mapping) else None
        if not isinstance(value, bool):
            raise ApiUnavailableError(
                f"Nue's settings answer has no boolean {self.api.sync_setting_field!r}: cannot tell whether "
                "draft sync is on"
            )
        return value

    def catalog(self) -> Catalog:
        """Price-book entries by SKU and price tags by code, read once per adapter (per run)."""
        with self._catalog_lock:
            if self._catalog is None:
                selections = self.api.catalog_selections
                products = self._select("product", selections["product"], {})
                tags = self._select("price_tag", selections["price_tag"], {})
                self._catalog = catalog_from_wire(products, tags)
            return self._catalog

    def _select(self, root: str, selection: str, where: Mapping[str, Any]) -> list[Any]:
        return list(self._rows(root, selection, where))

    def _rows(self, root: str, selection: str, where: Mapping[str, Any],
              on_page: PageCount | None = None) -> Iterator[Any]:
        """The rows as they are decoded: an order read translates each while its objects are young."""
        return self.http.select(self.api.graphql_roots[root], selection, where, self._page_size, on_page)

    def _data(self, reply: Reply, what: str) -> Any:
        if not reply.ok:
            code, message = reply.error(self.api)
            raise ApiUnavailableError(f"Nue refused to return {what}: {code}: {message}")
        if not isinstance(reply.body, Mapping) or "data" not in reply.body:
            raise ApiUnavailableError(f"Nue's answer for {what} is not a {{status, data}} envelope")
        return reply.body["data"]

    def _envelope(self, reply: Reply, key: str, what: str) -> Mapping[str, Any]:
        data = self._data(reply, what)
        record = data.get(key, data) if isinstance(data, Mapping) else None
        if not isinstance(record, Mapping) or not isinstance(record.get("id"), str):
            raise ApiUnavailableError(f"Nue's answer for {what} has no data.{key}.id")
        return record

    # --- writes ----------------------------------------------------------------------------

    def upsert_orders(self, orders: Sequence[DraftOrder], *, progress: Progress = no_progress) -> list[WriteResult]:
        """Create or update drafts keyed by their Salesforce ids; one result per order, in order.
        `progress` hears `writing orders to Nue` with the orders answered of those given."""
        count = WriteCount(progress, "writing orders to Nue", len(orders))
        results: list[WriteResult] = []
        fail_fast = FailFast()
        seen: set[str] = set()
        for page in _chunks(list(orders), self._page_size):
            try:
                existing = self._existing_orders(page)
                refusals = [self._order_refusal(order, existing, seen) for order in page]
                catalog = self.catalog() if any(refusal is None for refusal in refusals) else Catalog()
            except ApiUnavailableError as exc:
                if not results:
                    raise
                fail_fast.trip(exc.message)  # earlier pages were written: report them, send nothing more
                results.extend(failed(o.links.salesforce_id or "", "API_UNAVAILABLE", exc.message) for o in page)
                count.add(len(page))
                continue
            writes: list[tuple[str, Write | WriteResult]] = [
                (
                    order.links.salesforce_id or "",
                    refusal or partial(self._write_order, order, self._match(order, existing), catalog),
                )
                for order, refusal in zip(page, refusals, strict=True)
            ]
            results.extend(run_writes(writes, self._workers, fail_fast, count.add))
        return results

    def _order_refusal(
        self, order: DraftOrder, existing: Mapping[str, ExistingOrder], seen: set[str]
    ) -> WriteResult | None:
        """Why `order` must fail before any request, if it must: no key to write it by, its customer
        or contact not linked, a link that leads elsewhere, or a Nue order no longer a draft."""
        key = order.links.salesforce_id
        if not key:
            return failed("", "MISSING_SALESFORCE_ID", "the order has no Salesforce id to key the write by")
        if key in seen:
            return failed(key, "DUPLICATE_KEY", f"order {key} appears twice in this batch")
        seen.add(key)
        customer = order.customer
        if not customer.links.nue_id:
            name = customer.name or customer.links.salesforce_id
            return failed(
                key,
                "CUSTOMER_NOT_LINKED",
                f"customer {name!r} is not linked to a Nue customer; sync the customer first",
            )
        contact = order.bill_to_contact
        if contact is not None and not contact.links.nue_id:
            name = contact.name or contact.links.salesforce_id
            return failed(key, "CONTACT_NOT_LINKED", f"bill-to contact {name!r} is not linked to a Nue contact")
        missing = [str(i + 1) for i, line in enumerate(order.lines) if not line.links.salesforce_id]
        if missing:
            return failed(key, "MISSING_LINE_ID", f"line(s) {', '.join(missing)} have no Salesforce id")
        match = self._match(order, existing)
        if match is None and not order.lines and self.api.create_needs_order_products:
            return failed(
                key,
                "NO_ORDER_PRODUCTS",
                "Nue creates no order without order products: add a product to the order in Salesforce",
            )
        if order.links.nue_id and match is None:
            return failed(key, "NUE_ORDER_NOT_FOUND", f"the linked Nue order {order.links.nue_id} does not exist")
        if match is not None and match.salesforce_id not in (None, key):
            return failed(
                key,
                "LINK_CONFLICT",
                f"Nue order {match.id} is linked to Salesforce order {match.salesforce_id}, not {key}",
                match.id,
            )
        if match is not None and not _has_status(match.status, (Status.DRAFT,)):
            return failed(
                key, "ORDER_NOT_DRAFT", f"Nue order {match.id} is {match.status}; draft sync never edits it", match.id
            )
        return None

    def _match(self, order: DraftOrder, existing: Mapping[str, ExistingOrder]) -> ExistingOrder | None:
        if order.links.nue_id:
            return existing.get(f"id:{order.links.nue_id}")
        return existing.get(f"sf:{order.links.salesforce_id}")

    def _existing_orders(self, orders: Sequence[DraftOrder]) -> dict[str, ExistingOrder]:
        """Nue orders already linked to these orders' Salesforce ids (or named by Nue id): ONE query."""
        link = self.wire.order_table["links.salesforce_id"]
        line_link = self.wire.line_table["links.salesforce_id"]
        sf_ids = sorted({o.links.salesforce_id for o in orders if o.links.salesforce_id})
        nue_ids = sorted({o.links.nue_id for o in orders if o.links.nue_id})
        if not sf_ids and not nue_ids:
            return {}
        where = {"_or": [{link: {"_in": sf_ids}}, {"id": {"_in": nue_ids}}]}
        selection = f"{{ id status {link} {ORDER_LINES} {{ id {line_link} }} }}"
        found: dict[str, ExistingOrder] = {}
        for row in self._select("order", selection, where):
            record = self._existing_from_row(row, link, line_link)
            if record is None:
                raise ApiUnavailableError(f"Nue's answer to the link lookup has a malformed order: {row!r:.200}")
            found[f"id:{record.id}"] = record
            if record.salesforce_id:
                found[f"sf:{record.salesforce_id}"] = record
        return found

    @staticmethod
    def _existing_from_row(row: Any, link: str, line_link: str) -> ExistingOrder | None:
        if not isinstance(row, Mapping) or not isinstance(row.get("id"), str):
            return None
        lines = [line for line in row.get(ORDER_LINES) or [] if isinstance(line, Mapping) and line.get("id")]
        return ExistingOrder(
            id=row["id"],
            status=str(row.get("status")),
            salesforce_id=row.get(link),
            line_ids={str(line[line_link]): str(line["id"]) for line in lines if line.get(line_link)},
            own_line_ids=frozenset(str(line["id"]) for line in lines),
        )

    def _write_order(self, order: DraftOrder, match: ExistingOrder | None, catalog: Catalog) -> WriteResult:
        key = order.links.salesforce_id or ""
        created = match is None
        try:
            reply = self._send_order(order, match, catalog)
            if reply.status == self.api.duplicate_status and match is None:
                # An earlier attempt created it but its answer was lost: update what it created.
                match = self._existing_orders([order]).get(f"sf:{key}")
                if match is not None and _has_status(match.status, (Status.DRAFT,)):
                    reply = self._send_order(order, match, catalog)
        except UnresolvedReference as exc:
            return failed(key, exc.code, exc.message)
        if not reply.ok:
            code, message = reply.error(self.api)
            return failed(key, code, message, match.id if match else None)
        return self._order_result(key, reply, Outcome.CREATED if created else Outcome.UPDATED, order)

    def _send_order(self, order: DraftOrder, match: ExistingOrder | None, catalog: Catalog) -> Reply:
        if match is None:
            payload = self.wire.order_payload(
                order.model_copy(update={"origin": order.origin or System.SALESFORCE}),
                catalog,
                [None] * len(order.lines),
                creating=True,
            )
            return self.http.send(self.api.endpoints["create_order"], body=payload)
        line_ids = [self._line_id(line.links.nue_id, line.links.salesforce_id, match) for line in order.lines]
        payload = self.wire.order_payload(order, catalog, line_ids, creating=False)
        if order.origin is None:
            payload.pop(self.wire.order_table["origin"], None)
        return self.http.send(self.api.endpoints["update_order"], record_id=match.id, body=payload)

    @staticmethod
    def _line_id(nue_id: str | None, salesforce_id: str | None, match: ExistingOrder) -> str | None:
        if nue_id and nue_id in match.own_line_ids:
            return nue_id
        return match.line_ids.get(salesforce_id or "")

    def _order_result(self, key: str, reply: Reply, outcome: Outcome, order: DraftOrder) -> WriteResult:
        """The write's result with Nue's ids; an answer without them is a per-record failure."""
        data = reply.body.get("data") if isinstance(reply.body, Mapping) else None
        record = data.get(self.api.order_envelope_key, data) if isinstance(data, Mapping) else None
        if not isinstance(record, Mapping) or not isinstance(record.get("id"), str):
            return failed(
                key,
                "MALFORMED_RESPONSE",
                f"Nue accepted order {key} but its answer has no data.{self.api.order_envelope_key}.id",
            )
        line_link = self.wire.line_table["links.salesforce_id"]
        lines = record.get(ORDER_LINES)
        if not isinstance(lines, list):
            return failed(
                key, "MALFORMED_RESPONSE", f"Nue's answer for order {key} has no {ORDER_LINES} list", record["id"]
            )
        by_link = {
            str(line[line_link]): str(line["id"])
            for line in lines
            if isinstance(line, Mapping) and line.get(line_link) and line.get("id")
        }
        wanted = [line.links.salesforce_id for line in order.lines if line.links.salesforce_id]
        missing = [line_id for line_id in wanted if line_id not in by_link]
        if missing:
            return failed(
                key,
                "MALFORMED_RESPONSE",
                f"Nue's answer for order {key} lacks order products for Salesforce line(s) {', '.join(missing)}",
                record["id"],
            )
        return WriteResult(
            key=key, outcome=outcome, record_id=record["id"], line_ids={line_id: by_link[line_id] for line_id in wanted}
        )

    def upsert_customers(self, customers: Sequence[Customer]) -> list[WriteResult]:
        """Create (documented batches of ≤ 200) or update customers, keyed by their Salesforce ids.

        A customer is found by its link (`externalId` unless overridden) when Nue's own Salesforce
        sync has set it, else by its Nue id, and updated; the others are created. Nothing sent
        carries the link: Nue's sync owns it, so a created customer is linked from the Salesforce
        side only (the Account's Nue id, written back by the run)."""
        results: list[WriteResult] = []
        seen: set[str] = set()
        for page in _chunks(list(customers), self._page_size):
            existing = self.customers_linked_to(sorted({c.links.salesforce_id for c in page if c.links.salesforce_id}))
            slots: dict[int, WriteResult] = {}
            creates: list[tuple[int, str, Customer]] = []
            updates: list[tuple[int, tuple[str, Write | WriteResult]]] = []
            for index, customer in enumerate(page):
                key = customer.links.salesforce_id or ""
                nue_id = customer.links.nue_id or existing.get(key)
                if not key or key in seen:
                    why = f"customer {key} appears twice in this batch" if key else "the customer has no Salesforce id"
                    slots[index] = failed(key, "DUPLICATE_KEY" if key else "MISSING_SALESFORCE_ID", why)
                elif nue_id:
                    updates.append((index, (key, partial(self._update_customer, customer, key, nue_id))))
                else:
                    creates.append((index, key, customer))
                seen.add(key)
            for batch in _chunks(creates, self.api.customer_batch_size):
                slots.update(zip([index for index, _, _ in batch], self._create_customers(batch), strict=True))
            updated = run_writes([write for _, write in updates], self._workers, FailFast())
            slots.update(zip([index for index, _ in updates], updated, strict=True))
            results.extend(slots[index] for index in range(len(page)))
        return results

    def _create_customers(self, batch: list[tuple[int, str, Customer]]) -> list[WriteResult]:
        """One documented batch create; a refused batch is retried record by record, since Nue
        refuses the whole batch for one bad record and each record deserves its own outcome."""
        body = [{**self.api.new_customer_fields, **self.wire.customer_payload(customer)} for _, _, customer in batch]
        try:
            reply = self.http.send(self.api.endpoints["create_customers"], body=body)
        except NueUnavailableError as exc:
            return [failed(key, exc.error_code, exc.message) for _, key, _ in batch]
        if not reply.ok and len(batch) > 1:
            return [result for item in batch for result in self._create_customers([item])]
        if not reply.ok:
            code, message = reply.error(self.api)
            return [failed(batch[0][1], code, message)]
        return self._created(reply, [key for _, key, _ in batch], "customer")

    def _created(self, reply: Reply, keys: Sequence[str], what: str) -> list[WriteResult]:
        """A batch create's results: `data` lists the new records in request order, one per key."""
        created = reply.body.get("data") if isinstance(reply.body, Mapping) else None
        ids = [r.get("id") for r in created if isinstance(r, Mapping)] if isinstance(created, list) else []
        if len(ids) != len(keys) or not all(isinstance(i, str) for i in ids):
            why = f"Nue accepted the {what}s but its answer does not list one id per {what}"
            return [failed(key, "MALFORMED_RESPONSE", why) for key in keys]
        return [WriteResult(key=key, outcome=Outcome.CREATED, record_id=i) for key, i in zip(keys, ids, strict=True)]

    def _update_customer(self, customer: Customer, key: str, nue_id: str) -> WriteResult:
        """Update with the values the Account has: one it does not carry (an email) is left as Nue holds it,
        never cleared."""
        known = {name: value for name, value in self.wire.customer_payload(customer).items() if value is not None}
        reply = self.http.send(self.api.endpoints["update_customer"], record_id=nue_id, body=known)
        if not reply.ok:
            code, message = reply.error(self.api)
            return failed(key, code, message, nue_id)
        data = reply.body.get("data") if isinstance(reply.body, Mapping) else None
        if not isinstance(data, list) or not data or not isinstance(data[0], Mapping) or not data[0].get("id"):
            return failed(key, "MALFORMED_RESPONSE", f"Nue's answer for customer {key} has no data[0].id", nue_id)
        return WriteResult(key=key, outcome=Outcome.UPDATED, record_id=nue_id)

    def link_customers(self, customers: Sequence[Customer]) -> list[WriteResult]:
        """Nothing to write: a Nue customer's link is its `externalId`, which only Nue's own Salesforce
        sync sets (read-only through the API). Each customer is `unchanged`, saying so; the Account's
        Nue id alone pairs the two (`key`: the Nue customer id)."""
        why = "a Nue customer's Salesforce link (externalId) is set by Nue's own Salesforce sync, never by nuesync"
        return [WriteResult(key=c.links.nue_id or "", outcome=Outcome.UNCHANGED, record_id=c.links.nue_id,
                            message=why) for c in customers]

    def customers_linked_to(self, other_ids: Sequence[str]) -> dict[str, str]:
        """Salesforce Account id → the Nue customer whose link (`externalId`) names it, one query per page."""
        return self._by_link("customer", MappedObject.CUSTOMER, other_ids)

    def _by_link(self, root: str, obj: MappedObject, salesforce_ids: Sequence[str]) -> dict[str, str]:
        """Salesforce id → the Nue record (GraphQL `root`) whose link names it, one query per page of ids."""
        link = self.wire.table(obj)["links.salesforce_id"]
        wanted = [i for i in dict.fromkeys(salesforce_ids) if i]
        return {
            str(row[link]): str(row["id"])
            for chunk in _chunks(wanted, self._page_size)
            for row in self._select(root, f"{{ id {link} }}", {link: {"_in": chunk}})
            if isinstance(row, Mapping) and row.get(link) and isinstance(row.get("id"), str)
        }

    # --- contacts (`--create-customers` creates a missing bill-to contact) ---------------------

    def fetch_contacts(self, ids: Sequence[str]) -> list[ContactDetails]:
        """Contacts by Nue id with their name and email: one GraphQL query per page of ids."""
        rows = (
            row
            for chunk in _chunks([i for i in dict.fromkeys(ids) if i], self._page_size)
            for row in self._select("contact", self.wire.contact_selection(), {"id": {"_in": chunk}})
        )
        contacts = []
        for row in rows:
            try:
                contacts.append(self.wire.contact_from_wire(row))
            except WireError as exc:
                log.warning("skipped Nue contact: %s: %s", exc.field, exc.message)
        return contacts

    def upsert_contacts(self, contacts: Sequence[ContactDetails]) -> list[WriteResult]:
        """Salesforce Contacts as Nue contacts of their customers, keyed by the Contact's id (`salesforceId`).

        The contacts already carrying those ids are found first (one query per page), so a rerun after a
        crash reuses them; the others are created with one documented `POST /customers/{id}/contacts`
        per customer, its contacts as one array. Nue refuses a whole array for one bad contact, so a
        refused array is sent again contact by contact, each getting its own outcome. A contact without
        a value Nue requires (an email) fails before any request."""
        existing = self._linked_contacts([c.links.salesforce_id or "" for c in contacts])
        results: dict[int, WriteResult] = {}
        by_customer: dict[str, list[tuple[int, ContactDetails]]] = {}
        seen: set[str] = set()
        for index, contact in enumerate(contacts):
            key = contact.links.salesforce_id or ""
            refusal = self._contact_refusal(contact, seen)
            if refusal is not None:
                results[index] = refusal
            elif key in existing:
                results[index] = WriteResult(key=key, outcome=Outcome.UNCHANGED, record_id=existing[key],
                                             message=f"Nue contact {existing[key]} already carries this Contact's id")
            else:
                by_customer.setdefault(str(contact.customer_id), []).append((index, contact))
            seen.add(key)
        for customer_id, batch in by_customer.items():
            results.update(zip([index for index, _ in batch], self._create_contacts(customer_id, batch), strict=True))
        return [results[index] for index in range(len(contacts))]

    def _contact_refusal(self, contact: ContactDetails, seen: set[str]) -> WriteResult | None:
        key = contact.links.salesforce_id
        if not key:
            return failed("", "MISSING_SALESFORCE_ID", "the contact has no Salesforce id to key the write by")
        if key in seen:
            return failed(key, "DUPLICATE_KEY", f"contact {key} appears twice in this batch")
        if not contact.customer_id:
            return failed(key, "CUSTOMER_NOT_LINKED", f"contact {key} has no Nue customer to be created under")
        lacking = [name for name in self.api.contact_required_fields if not getattr(contact, name)]
        if lacking:
            return failed(key, "REQUIRED_FIELD_MISSING", f"Salesforce Contact {key} ({contact.name or 'unnamed'}) has "
                                                         f"no {' and no '.join(lacking)}, which Nue requires of a "
                                                         "contact: set it in Salesforce")
        return None

    def _linked_contacts(self, salesforce_ids: Sequence[str]) -> dict[str, str]:
        """Salesforce Contact id → the Nue contact already linked to it, one query per page of ids."""
        return self._by_link("contact", MappedObject.CONTACT, salesforce_ids)

    def _create_contacts(self, customer_id: str, batch: list[tuple[int, ContactDetails]]) -> list[WriteResult]:
        keys = [contact.links.salesforce_id or "" for _, contact in batch]
        body = [self.wire.contact_payload(contact) for _, contact in batch]
        try:
            reply = self.http.send(self.api.endpoints["create_contacts"], record_id=customer_id, body=body)
        except NueUnavailableError as exc:
            return [failed(key, exc.error_code, exc.message) for key in keys]
        if not reply.ok and len(batch) > 1:
            return [result for item in batch for result in self._create_contacts(customer_id, [item])]
        if not reply.ok:
            return [self._contact_refused(keys[0], reply)]
        return self._created(reply, keys, "contact")

    def _contact_refused(self, key: str, reply: Reply) -> WriteResult:
        """A refused create, unless the link it clashed with is this very contact, created by an earlier
        attempt whose answer was lost."""
        if reply.status == self.api.duplicate_status:
            found = self._linked_contacts([key]).get(key)
            if found is not None:
                return WriteResult(key=key, outcome=Outcome.CREATED, record_id=found)
        code, message = reply.error(self.api)
        return failed(key, code, message)

    def link_contacts(self, contacts: Sequence[ContactRef]) -> list[WriteResult]:
        """Write each Salesforce Contact's id onto its existing Nue contact, and nothing else (the assumed
        `PATCH /contacts/{id}`), up to `max_concurrency` at once. `key` is the Nue contact id."""
        writes: list[tuple[str, Write | WriteResult]] = [
            (c.links.nue_id, partial(self._write_contact_link, c))
            if c.links.nue_id and c.links.salesforce_id
            else (c.links.nue_id or "", failed(c.links.nue_id or "", "MISSING_LINK", "the contact needs both ids"))
            for c in contacts
        ]
        return run_writes(writes, self._workers, FailFast())

    def _write_contact_link(self, contact: ContactRef) -> WriteResult:
        nue_id = str(contact.links.nue_id)
        reply = self.http.send(self.api.endpoints["update_contact"], record_id=nue_id,
                               body=self.wire.contact_link_payload(contact))
        if not reply.ok:
            code, message = reply.error(self.api)
            return failed(nue_id, code, message, nue_id)
        return WriteResult(key=nue_id, outcome=Outcome.UPDATED, record_id=nue_id)

    def recognises(self, order_id: str) -> bool:
        """Nue ids have no documented shape, so any id may be one; an unknown id simply finds nothing."""
        return bool(order_id)

    def recognises_customer(self, customer_id: str) -> bool:
        return bool(customer_id)

    def product_codes(self) -> frozenset[str]:
        return frozenset(self.catalog().entries)

    def price_tag_codes(self) -> frozenset[str] | None:
        return frozenset(self.catalog().tag_ids)

    def set_links(self, orders: Sequence[DraftOrder], *, progress: Progress = no_progress) -> list[WriteResult]:
        """Write Salesforce's order and line ids and the origin onto existing Nue orders, one request each.

        `key` is the Nue order id (the record written); `line_ids` maps Salesforce line id → Nue id.
        `progress` hears `writing links onto Nue orders` with the orders answered.
        """
        writes: list[tuple[str, Write | WriteResult]] = [
            (order.links.nue_id, partial(self._write_links, order, order.links.nue_id))
            if order.links.nue_id
            else (
                order.links.salesforce_id or "",
                failed(order.links.salesforce_id or "", "NOT_IN_NUE", "the order has no Nue id to write links onto"),
            )
            for order in orders
        ]
        return run_writes(writes, self._workers, FailFast(),
                          WriteCount(progress, "writing links onto Nue orders", len(writes)).add)

    def _write_links(self, order: DraftOrder, nue_id: str) -> WriteResult:
        reply = self.http.send(
            self.api.endpoints["update_order"], record_id=nue_id, body=self.wire.links_payload(order)
        )
        if not reply.ok:
            code, message = reply.error(self.api)
            return failed(nue_id, code, message, nue_id)
        line_ids = {
            line.links.salesforce_id: line.links.nue_id
            for line in order.lines
            if line.links.salesforce_id and line.links.nue_id
        }
        return WriteResult(key=nue_id, outcome=Outcome.UPDATED, record_id=nue_id, line_ids=line_ids)

    def activate_many(self, order_ids: Sequence[str], *, progress: Progress = no_progress) -> list[WriteResult]:
        """Activate drafts (`POST /orders/{id}` with options, one per order: Nue has no bulk form),
        up to `max_concurrency` at once, `progress` hearing `activating orders in Nue` as each answers.
        Orders Nue refused are read back in one query: one already activated is `unchanged`."""
        writes: list[tuple[str, Write | WriteResult]] = [(i, partial(self._activate, i)) for i in order_ids]
        results = run_writes(writes, self._workers, FailFast(),
                             WriteCount(progress, "activating orders in Nue", len(writes)).add)
        refused = [r.key for r in results if r.outcome is Outcome.FAILED and r.record_id]
        activated = {
            order.links.nue_id
            for order in (self.fetch_orders(ids=refused, include_activated=True).orders if refused else [])
            if order.status is Status.ACTIVATED
        }
        return [_already_activated(r) if r.key in activated else r for r in results]

    def _activate(self, order_id: str) -> WriteResult:
        body = {"options": dict(self.api.activation_options)}
        reply = self.http.send(self.api.endpoints["activate_order"], record_id=order_id, body=body)
        if reply.ok:
            return WriteResult(key=order_id, outcome=Outcome.UPDATED, record_id=order_id)
        code, message = reply.error(self.api)
        return failed(order_id, code, message, order_id)


def _already_activated(result: WriteResult) -> WriteResult:
    return WriteResult(key=result.key, outcome=Outcome.UNCHANGED, record_id=result.record_id,
                       message="the order was already activated")


def _has_status(value: Any, statuses: Sequence[Status]) -> bool:
    """Whether a Nue status value means one of `statuses`, however it is spelled."""
    try:
        return Status.parse(value) in statuses
    except ValueError:
        return False


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
