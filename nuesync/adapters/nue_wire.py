"""Nue JSON ⇄ the canonical model: the declarative part of the Nue adapter.

Which Nue field holds which canonical value comes from the `FieldMapping` tables (overridable
from `nuesync.toml`); how a value is spelled on the wire comes from the converter tables below,
keyed by canonical path. Nothing here does I/O, so the translation is tested on its own, and a
round trip canonical → Nue → canonical is lossless (a hypothesis property test checks it).

Two shapes exist: the *record* shape Nue returns (GraphQL and REST reads: `customerId` plus a
nested `customer`, `priceTags` as `{id, code, name}` objects, `productSku` on lines), and the
*write* shape documented for `POST /orders` (`customer: {id}`, `billToContact: {id}`, lines by
`priceBookEntryId`), which `order_payload` builds from the record shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import ValidationError

from nuesync.adapters.base import ContactDetails, RecordProblem
from nuesync.adapters.readers import Leaves, Part, declining, record_reader
from nuesync.mapping import CustomField, CustomType, FieldMapping, MappedObject
from nuesync.model import (
    REPEATED_TEXT,
    ContactRef,
    Customer,
    DraftOrder,
    LineItem,
    Links,
    NotCanonical,
    PricingDimension,
    Status,
    System,
    cleaner,
)

Json = dict[str, Any]


class WireError(ValueError):
    """A Nue value that cannot become canonical; `field` is its path in the Nue record."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnresolvedReference(LookupError):
    """A product SKU or price tag code the Nue catalog does not know; `code` is the error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- value converters, keyed by canonical path -------------------------------------------------


@dataclass(frozen=True)
class Converter:
    """How one kind of value is read from and written to Nue JSON.

    `same` (raw types `read` returns unchanged) and `memo` (raw types whose equal values always
    read the same, worth remembering because they repeat) only let the fast path skip work.
    """

    read: Callable[[Any], Any]
    write: Callable[[Any], Any]
    same: tuple[type, ...] = ()
    memo: tuple[type, ...] = ()


def _read_text(raw: Any) -> str | None:
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal | float):
        raise ValueError(f"expected text, got {type(raw).__name__}")
    return str(raw)


def _read_decimal(raw: Any) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        raise ValueError(f"expected a number, got {type(raw).__name__}")
    try:
        value = Decimal(repr(raw) if isinstance(raw, float) else str(raw).strip())
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{raw!r} is not a finite number")
    return value


def _read_day(raw: Any) -> date | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise ValueError(f"expected an ISO date, got {type(raw).__name__}")
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise ValueError(f"{raw!r} is not an ISO date (YYYY-MM-DD)") from None


def _read_timestamp(raw: Any) -> datetime | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise ValueError(f"expected an ISO 8601 timestamp, got {type(raw).__name__}")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not an ISO 8601 timestamp") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _write_timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _read_bool(raw: Any) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in {"true", "false"}:
        return raw.strip().lower() == "true"
    raise ValueError(f"expected true or false, got {raw!r}")


def _read_origin(raw: Any) -> System | None:
    return None if raw is None or raw == "" else System.parse(raw)


def _read_price_tags(raw: Any) -> list[PricingDimension]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError(f"expected a list of price tags, got {type(raw).__name__}")
    tags = []
    for tag in raw:
        if not isinstance(tag, Mapping) or not isinstance(tag.get("code"), str) or not tag["code"]:
            raise ValueError(f"price tag {tag!r} has no code")
        tags.append(PricingDimension(code=tag["code"], name=_read_text(tag.get("name"))))
    return tags


def _write_price_tags(tags: list[PricingDimension]) -> list[Json]:
    return [{"code": tag.code, "name": tag.name} for tag in tags]


def _same(value: Any) -> Any:
    return value


_NONE = type(None)
TEXT = Converter(_read_text, _same, same=(_NONE, str))
DECIMAL = Converter(_read_decimal, _same, memo=(_NONE, int, float, Decimal, str))
DAY = Converter(_read_day, lambda v: None if v is None else v.isoformat(), memo=(_NONE, str))
BOOL = Converter(_read_bool, _same, same=(_NONE, bool))
ORIGIN = Converter(_read_origin, lambda v: None if v is None else v.label, memo=(_NONE, str))
PRICE_TAGS = Converter(_read_price_tags, _write_price_tags)
STATUS = Converter(Status.parse, lambda v: v.value.capitalize(), memo=(str,))
TIMESTAMP = Converter(_read_timestamp, _write_timestamp, same=(_NONE,))

ORDER_CONVERTERS: Mapping[str, Converter] = {
    "origin": ORIGIN,
    "effective_date": DAY,
    "discount.percent": DECIMAL,
    "discount.amount": DECIMAL,
    "status": STATUS,
    "last_modified": TIMESTAMP,
}
LINE_CONVERTERS: Mapping[str, Converter] = {
    "quantity": DECIMAL,
    "unit_price": DECIMAL,
    "discount.percent": DECIMAL,
    "discount.amount": DECIMAL,
    "subscription_start": DAY,
    "subscription_end": DAY,
    "subscription_term": DECIMAL,
    "price_tags": PRICE_TAGS,
}
CUSTOM_CONVERTERS: Mapping[CustomType, Converter] = {
    "string": TEXT,
    "number": DECIMAL,
    "date": DAY,
    "boolean": BOOL,
}

# Fields Nue documents on every record, which no mapping renames: own id, number, status, stamp.
ORDER_RECORD_FIELDS: Mapping[str, str] = {
    "links.nue_id": "id",
    "order_number": "orderNumber",
    "status": "status",
    "last_modified": "lastModifiedDate",
}
LINE_RECORD_FIELDS: Mapping[str, str] = {"links.nue_id": "id"}
# A contact's documented fields beyond the mapped name and link: what creating it elsewhere copies.
CONTACT_RECORD_FIELDS: Mapping[str, str] = {"links.nue_id": "id", "email": "email"}
ORDER_LINES = "orderProducts"
LINE_PRODUCT_REF = "priceBookEntryId"


@dataclass(frozen=True)
class Reference:
    """An order field naming another record: `customerId` + nested `customer` on reads, `customer: {id}` on writes."""

    nested: str
    obj: MappedObject


REFERENCES: Mapping[str, Reference] = {
    "customer": Reference("customer", MappedObject.CUSTOMER),
    "bill_to_contact": Reference("billToContact", MappedObject.CONTACT),
}
# canonical paths whose Nue value is an object list needing a GraphQL sub-selection
SUB_SELECTIONS: Mapping[str, str] = {"price_tags": "{ id code name }"}


def _get(data: Any, path: str) -> Any:
    """A canonical value by dotted path, from a model (attributes, so Decimals stay Decimals) or a dict."""
    value: Any = data
    for part in path.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
    return value


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[leaf] = value


def _read_fields(
    record: Mapping[str, Any],
    table: Mapping[str, str],
    converters: Mapping[str, Converter],
    prefix: str = "",
    into: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {} if into is None else into
    for path, wire_field in table.items():
        if path in REFERENCES:
            continue
        try:
            value = converters.get(path, TEXT).read(record.get(wire_field))
        except (ValueError, TypeError) as exc:
            raise WireError(f"{prefix}{wire_field}", str(exc)) from None
        _put(data, path, value)
    return data


def _write_fields(canonical: Any, table: Mapping[str, str], converters: Mapping[str, Converter]) -> Json:
    return {
        wire_field: converters.get(path, TEXT).write(_get(canonical, path))
        for path, wire_field in table.items()
        if path not in REFERENCES
    }


def _validate(model: type[Any], data: dict[str, Any], prefix: str, table: Mapping[str, str]) -> Any:
    """Build the model; a value the converters let through but the model refuses names its Nue field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ".".join(str(p) for p in error["loc"])
        raise WireError(f"{prefix}{table.get(path, path)}", error["msg"]) from None


@dataclass(frozen=True)
class Catalog:
    """The Nue catalog as writes need it: price-book entries per SKU and currency, price tag ids per code."""

    entries: Mapping[str, Mapping[str | None, str]] = field(default_factory=dict)
    tag_ids: Mapping[str, str] = field(default_factory=dict)

    def entry_id(self, sku: str | None, currency: str | None) -> str:
        """The active entry for `sku` in the order's currency (any currency when the order names none)."""
        by_currency = self.entries.get(sku or "", {})
        entry = by_currency.get(currency) if currency else next(iter(by_currency.values()), None)
        if entry is None:
            where = f" in {currency}" if currency and by_currency else ""
            raise UnresolvedReference(
                "PRODUCT_NOT_FOUND", f"no Nue product with SKU {sku!r} has a price-book entry{where}"
            )
        return entry

    def tag_id(self, code: str) -> str:
        if code not in self.tag_ids:
            raise UnresolvedReference("PRICE_TAG_NOT_FOUND", f"Nue has no price tag with code {code!r}")
        return self.tag_ids[code]


def catalog_from_wire(products: Iterable[Any], price_tags: Iterable[Any]) -> Catalog:
    """Index `GET /catalog/products` (with `priceBookEntries`) and `GET /catalog/price-tags`.

    Inactive entries and records without a SKU, code or id are skipped; the first active entry
    per SKU and currency wins.
    """
    entries: dict[str, dict[str | None, str]] = {}
    for product in products:
        if not isinstance(product, Mapping) or not isinstance(product.get("sku"), str):
            continue
        for entry in product.get("priceBookEntries") or []:
            if isinstance(entry, Mapping) and entry.get("id") and entry.get("active", True) is not False:
                entries.setdefault(product["sku"], {}).setdefault(entry.get("currencyIsoCode"), str(entry["id"]))
    tags = {
        str(tag["code"]): str(tag["id"])
        for tag in price_tags
        if isinstance(tag, Mapping) and tag.get("code") and tag.get("id")
    }
    return Catalog(entries=entries, tag_ids=tags)


class NueWire:
    """The translation for one run's mapping; `custom_fields_key` names Nue's custom-field object."""

    def __init__(self, mapping: FieldMapping, custom_fields_key: str) -> None:
        self.mapping = mapping
        self.custom_fields_key = custom_fields_key
        self.order_table = mapping.table(System.NUE, MappedObject.ORDER)
        self.line_table = mapping.table(System.NUE, MappedObject.LINE)
        self._trusted_order = _compile_order_reader(self)

    def table(self, obj: MappedObject) -> Mapping[str, str]:
        return self.mapping.table(System.NUE, obj)

    # --- Nue record → canonical ---------------------------------------------------------------

    def orders_from_wire(self, records: Iterable[Any]) -> tuple[list[DraftOrder], list[RecordProblem]]:
        """Translate every record it can; each one it cannot becomes a problem naming the field."""
        orders: list[DraftOrder] = []
        problems: list[RecordProblem] = []
        for index, record in enumerate(records):
            try:
                orders.append(self.order_from_wire(record))
            except WireError as exc:
                record_id = record.get("id") if isinstance(record, Mapping) else None
                problems.append(RecordProblem(System.NUE, str(record_id or f"#{index}"), exc.field, exc.message))
        return orders, problems

    def order_from_wire(self, record: Any) -> DraftOrder:
        """The canonical order: built from cleaned values when the fast path vouches for every one of
        them, else through validation, which names the Nue field of any value it cannot take."""
        return self.trusted_order_from_wire(record) or self.checked_order_from_wire(record)

    def trusted_order_from_wire(self, record: Any) -> DraftOrder | None:
        """The fast path (see `nuesync.adapters.readers`): the order, or None when it does not vouch for it."""
        return self._trusted_order(record)

    def checked_order_from_wire(self, record: Any) -> DraftOrder:
        """The order through model validation: the reference the fast path is tested against."""
        if not isinstance(record, Mapping):
            raise WireError("", f"expected an order object, got {type(record).__name__}")
        if not isinstance(record.get("id"), str) or not record["id"]:
            raise WireError("id", "the order has no id")
        data = _read_fields(record, ORDER_RECORD_FIELDS, ORDER_CONVERTERS)
        _read_fields(record, self.order_table, ORDER_CONVERTERS, into=data)
        for path, reference in REFERENCES.items():
            data[path] = self._reference_from_wire(record, path, reference)
        data["custom_fields"] = self._custom_from_wire(record, self.mapping.custom("order"), "")
        lines = record.get(ORDER_LINES) or []
        if not isinstance(lines, list):
            raise WireError(ORDER_LINES, "expected a list of order products")
        data["lines"] = [self.line_from_wire(line, f"{ORDER_LINES}[{i}].") for i, line in enumerate(lines)]
        return _validate(DraftOrder, data, "", {**ORDER_RECORD_FIELDS, **self.order_table})

    def line_from_wire(self, record: Any, prefix: str = "") -> LineItem:
        if not isinstance(record, Mapping):
            raise WireError(prefix.rstrip("."), "expected an order product object")
        data = _read_fields(record, LINE_RECORD_FIELDS, LINE_CONVERTERS, prefix)
        _read_fields(record, self.line_table, LINE_CONVERTERS, prefix, into=data)
        sku_field = self.line_table["product_sku"]
        if not data.get("product_sku"):
            raise WireError(f"{prefix}{sku_field}", "the order product has no product SKU")
        data["custom_fields"] = self._custom_from_wire(record, self.mapping.custom("line"), prefix)
        return _validate(LineItem, data, prefix, {**LINE_RECORD_FIELDS, **self.line_table})

    def customer_from_wire(self, record: Any, own_id: Any = None, prefix: str = "") -> Customer:
        """A customer from its record (or the nested `customer` of an order plus its `customerId`)."""
        return Customer.model_validate(self._linked_from_wire(record, own_id, MappedObject.CUSTOMER, prefix))

    def _reference_from_wire(self, record: Mapping[str, Any], path: str, reference: Reference) -> Any:
        own_id = record.get(self.order_table[path])
        nested = record.get(reference.nested)
        if reference.obj is MappedObject.CONTACT and own_id is None and not nested:
            return None
        return self._linked_from_wire(nested, own_id, reference.obj, f"{reference.nested}.")

    def _linked_from_wire(self, record: Any, own_id: Any, obj: MappedObject, prefix: str) -> dict[str, Any]:
        if record is not None and not isinstance(record, Mapping):
            raise WireError(prefix.rstrip("."), f"expected an object, got {type(record).__name__}")
        record = record or {}
        data = _read_fields(record, self.table(obj), {}, prefix)
        nue_id = own_id if own_id is not None else record.get("id")
        try:
            _put(data, "links.nue_id", _read_text(nue_id))
        except ValueError as exc:
            raise WireError(f"{prefix}id", str(exc)) from None
        return data

    def _custom_from_wire(
        self, record: Mapping[str, Any], fields: Sequence[CustomField], prefix: str
    ) -> dict[str, Any]:
        values = record.get(self.custom_fields_key) or {}
        if not isinstance(values, Mapping):
            raise WireError(f"{prefix}{self.custom_fields_key}", "expected an object of custom fields")
        result = {}
        for custom in fields:
            if custom.nue in values:
                try:
                    result[custom.name] = CUSTOM_CONVERTERS[custom.type].read(values[custom.nue])
                except (ValueError, TypeError) as exc:
                    raise WireError(f"{prefix}{self.custom_fields_key}.{custom.nue}", str(exc)) from None
        return result

    # --- canonical → Nue record -------------------------------------------------------------

    def order_to_wire(self, order: DraftOrder) -> Json:
        """The Nue record shape of an order (what a read returns)."""
        record = _write_fields(order, ORDER_RECORD_FIELDS, ORDER_CONVERTERS)
        record.update(_write_fields(order, self.order_table, ORDER_CONVERTERS))
        record[self.order_table["customer"]] = order.customer.links.nue_id
        record["customer"] = self._linked_to_wire(order.customer, MappedObject.CUSTOMER)
        contact = order.bill_to_contact
        record[self.order_table["bill_to_contact"]] = contact.links.nue_id if contact else None
        record["billToContact"] = self._linked_to_wire(contact, MappedObject.CONTACT) if contact else None
        record[self.custom_fields_key] = self._custom_to_wire(order.custom_fields, self.mapping.custom("order"))
        record[ORDER_LINES] = [self.line_to_wire(line) for line in order.lines]
        return record

    def line_to_wire(self, line: LineItem) -> Json:
        record = _write_fields(line, LINE_RECORD_FIELDS, LINE_CONVERTERS)
        record.update(_write_fields(line, self.line_table, LINE_CONVERTERS))
        record[self.custom_fields_key] = self._custom_to_wire(line.custom_fields, self.mapping.custom("line"))
        return record

    def customer_to_wire(self, customer: Customer) -> Json:
        return self._linked_to_wire(customer, MappedObject.CUSTOMER)

    def _linked_to_wire(self, linked: Any, obj: MappedObject) -> Json:
        return {"id": linked.links.nue_id, **_write_fields(linked, self.table(obj), {})}

    def _custom_to_wire(self, values: Mapping[str, Any], fields: Sequence[CustomField]) -> Json:
        by_name = {custom.name: custom for custom in fields}
        return {
            by_name[name].nue: CUSTOM_CONVERTERS[by_name[name].type].write(value)
            for name, value in values.items()
            if name in by_name
        }

    # --- write payloads ---------------------------------------------------------------------

    def order_payload(
        self, order: DraftOrder, catalog: Catalog, line_ids: Sequence[str | None], *, creating: bool
    ) -> Json:
        """The body of `POST /orders` (create) or `PATCH /orders/{id}` (update) for `order`.

        References become `{id}` objects as documented for create; lines name their product by
        price-book entry and their price tags by id (both resolved in `catalog`, which raises
        `UnresolvedReference`); `line_ids[i]` is the Nue id of line i when it already exists.
        A create leaves out empty values; an update sends them as null, because the sender wins.
        """
        record = self.order_to_wire(order)
        for wire_field in ORDER_RECORD_FIELDS.values():
            record.pop(wire_field, None)
        for path, reference in REFERENCES.items():
            record.pop(self.order_table[path], None)
            nested = record.pop(reference.nested)
            record[reference.nested] = {"id": nested["id"]} if nested and nested["id"] else None
        record[ORDER_LINES] = [
            self._line_payload(line_record, catalog, order.currency, line_id, creating=creating)
            for line_record, line_id in zip(record[ORDER_LINES], line_ids, strict=True)
        ]
        return self._payload(record, creating)

    def _line_payload(
        self, record: Json, catalog: Catalog, currency: str | None, line_id: str | None, *, creating: bool
    ) -> Json:
        sku = record.pop(self.line_table["product_sku"])
        tags_field = self.line_table["price_tags"]
        payload = {
            **record,
            LINE_PRODUCT_REF: catalog.entry_id(sku, currency),
            tags_field: [catalog.tag_id(tag["code"]) for tag in record[tags_field]],
        }
        payload.pop("id")
        if line_id:
            payload["id"] = line_id
        return self._payload(payload, creating)

    def _payload(self, record: Json, creating: bool) -> Json:
        """Nulls only on updates (the sender wins); custom fields only when mapped ones are present,
        since Nue merges the object and an empty one would wipe fields nuesync does not map."""
        if not record.get(self.custom_fields_key):
            record.pop(self.custom_fields_key, None)
        return _drop_nulls(record) if creating else record

    def links_payload(self, order: DraftOrder) -> Json:
        """The body that writes Salesforce's ids and the origin onto an existing Nue order."""
        line_link = self.line_table["links.salesforce_id"]
        payload: Json = {self.order_table["links.salesforce_id"]: order.links.salesforce_id}
        if order.origin is not None:
            payload[self.order_table["origin"]] = ORIGIN.write(order.origin)
        payload[ORDER_LINES] = [
            {"id": line.links.nue_id, line_link: line.links.salesforce_id}
            for line in order.lines
            if line.links.nue_id and line.links.salesforce_id
        ]
        return payload

    def customer_payload(self, customer: Customer) -> Json:
        """The body that creates or updates a customer: its mapped fields without its link, which
        Nue's own Salesforce sync sets (`externalId` is read-only: Nue refuses a write naming it)."""
        record = self.customer_to_wire(customer)
        record.pop("id")
        record.pop(self.table(MappedObject.CUSTOMER)["links.salesforce_id"])
        return record

    def contact_payload(self, contact: ContactDetails) -> Json:
        """One entry of `POST /customers/{customerId}/contacts`, carrying its Salesforce Contact's id."""
        table = self.table(MappedObject.CONTACT)
        return {
            table["name"]: contact.name,
            CONTACT_RECORD_FIELDS["email"]: contact.email,
            table["links.salesforce_id"]: contact.links.salesforce_id,
        }

    def contact_link_payload(self, contact: ContactRef) -> Json:
        """The body that writes a Salesforce Contact's id onto an existing Nue contact, and nothing else."""
        return {self.table(MappedObject.CONTACT)["links.salesforce_id"]: contact.links.salesforce_id}

    def contact_from_wire(self, record: Any) -> ContactDetails:
        """A `Contact` row of `contact_selection` (no customer: the run gives the one it is written under)."""
        if not isinstance(record, Mapping) or not isinstance(record.get("id"), str) or not record["id"]:
            raise WireError("id", f"expected a contact with an id, got {record!r:.100}")
        table = self.table(MappedObject.CONTACT)
        try:
            name, email, link = (_read_text(record.get(field)) for field in (
                table["name"], CONTACT_RECORD_FIELDS["email"], table["links.salesforce_id"]))
        except ValueError as exc:
            raise WireError(f"contact {record['id']}", str(exc)) from None
        return ContactDetails(links=Links(nue_id=record["id"], salesforce_id=link), name=name, email=email)

    # --- GraphQL selections -----------------------------------------------------------------

    def order_selection(self) -> str:
        scalars = [*ORDER_RECORD_FIELDS.values(), *self.order_table.values(), self.custom_fields_key]
        nested = [f"{ref.nested} {{ id {' '.join(self.table(ref.obj).values())} }}" for ref in REFERENCES.values()]
        return f"{{ {' '.join(_unique(scalars))} {' '.join(nested)} {ORDER_LINES} {self.line_selection()} }}"

    def line_selection(self) -> str:
        fields = [
            f"{wire} {SUB_SELECTIONS[path]}" if path in SUB_SELECTIONS else wire
            for path, wire in {**LINE_RECORD_FIELDS, **self.line_table}.items()
        ]
        return f"{{ {' '.join(_unique([*fields, self.custom_fields_key]))} }}"

    def customer_selection(self) -> str:
        return f"{{ {' '.join(_unique(['id', *self.table(MappedObject.CUSTOMER).values()]))} }}"

    def contact_selection(self) -> str:
        fields = [*CONTACT_RECORD_FIELDS.values(), *self.table(MappedObject.CONTACT).values()]
        return f"{{ {' '.join(_unique(fields))} }}"


# --- the fast path: this run's mapping compiled into readers (see nuesync.adapters.readers) -----

# Where a reference's id goes for its reader: a key no JSON object can have, so no field shadows it.
_OWN_ID = object()


def _compile_order_reader(wire: NueWire) -> Callable[[Any], DraftOrder | None]:
    """The order reader for `wire`'s mapping; one that always declines if the mapping names a field
    the fast path cannot fill (only possible for a mapping built in code: config checks its keys)."""
    leaves = Leaves()
    fields = {**ORDER_RECORD_FIELDS, **wire.order_table}
    try:
        parts = {
            path: _leaf(leaves, DraftOrder, path, field, ORDER_CONVERTERS)
            for path, field in fields.items()
            if path not in REFERENCES
        }
        for path, reference in REFERENCES.items():
            parts[path] = _reference_part(wire, leaves, path, reference)
        parts["custom_fields"] = _custom_part(wire, "order")
        parts["lines"] = _lines_part(wire, leaves)
        read = record_reader(DraftOrder, parts)
    except (KeyError, ValueError):
        return lambda _record: None

    def order(record: Any) -> DraftOrder:
        if type(record) is not dict or type(record.get("id")) is not str or not record["id"]:
            raise NotCanonical(record)
        return read(record)

    return declining(order)


def _leaf(leaves: Leaves, cls: type, path: str, field: Any, converters: Mapping[str, Converter]) -> Part:
    converter = converters.get(path, TEXT)
    if converter is PRICE_TAGS:
        return _price_tags_part(leaves, field)
    memo = (_NONE, str) if (cls, path) in REPEATED_TEXT and converter is TEXT else converter.memo
    return leaves.leaf(field, cleaner(cls, path), converter.read, same=converter.same, memo=memo)


def _price_tags_part(leaves: Leaves, field: str) -> Part:
    tag = record_reader(
        PricingDimension,
        {"code": leaves.leaf("code", cleaner(PricingDimension, "code")),
         "name": _leaf(leaves, PricingDimension, "name", "name", {})},
    )

    def read_tag(raw: Any) -> PricingDimension:
        if type(raw) is not dict:
            raise NotCanonical(raw)
        return tag(raw)

    def part(record: Mapping[str, Any]) -> list[PricingDimension]:
        raw = record.get(field)
        if raw is None:
            return []
        if type(raw) is not list:
            raise NotCanonical(raw)
        return [read_tag(item) for item in raw]

    return part


def _reference_part(wire: NueWire, leaves: Leaves, path: str, reference: Reference) -> Part:
    """The customer / contact: the order's `customerId` (or the nested record's `id`) and the nested fields."""
    cls = Customer if reference.obj is MappedObject.CUSTOMER else ContactRef
    parts = {p: _leaf(leaves, cls, p, field, {}) for p, field in wire.table(reference.obj).items()}
    parts["links.nue_id"] = _leaf(leaves, cls, "links.nue_id", _OWN_ID, {})
    read = record_reader(cls, parts)
    id_field, optional = wire.order_table[path], reference.obj is MappedObject.CONTACT

    def part(record: Mapping[str, Any]) -> Any:
        own_id, nested = record.get(id_field), record.get(reference.nested)
        if optional and own_id is None and not nested:
            return None
        if nested is not None and type(nested) is not dict:
            raise NotCanonical(nested)
        nested = nested or {}
        return read({**nested, _OWN_ID: nested.get("id") if own_id is None else own_id})

    return part


def _custom_part(wire: NueWire, obj: Literal["order", "line"]) -> Part:
    key = wire.custom_fields_key
    clean = cleaner(DraftOrder if obj == "order" else LineItem, "custom_fields")
    readers = tuple((c.name, c.nue, CUSTOM_CONVERTERS[c.type].read) for c in wire.mapping.custom(obj))

    def part(record: Mapping[str, Any]) -> Any:
        values = record.get(key) or {}
        if not isinstance(values, Mapping):
            raise NotCanonical(values)
        if not readers:  # what cleaning an empty dict gives, without the calls
            return {}
        return clean({name: read(values[field]) for name, field, read in readers if field in values})

    return part


def _lines_part(wire: NueWire, leaves: Leaves) -> Part:
    fields = {**LINE_RECORD_FIELDS, **wire.line_table}
    parts = {path: _leaf(leaves, LineItem, path, field, LINE_CONVERTERS) for path, field in fields.items()}
    parts["custom_fields"] = _custom_part(wire, "line")
    read = record_reader(LineItem, parts, required=("product_sku",))  # no SKU: a problem the checked path names

    def part(record: Mapping[str, Any]) -> list[LineItem]:
        lines = record.get(ORDER_LINES) or []
        if type(lines) is not list:
            raise NotCanonical(lines)
        return [read(line) for line in lines]

    return part


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _drop_nulls(record: Json) -> Json:
    return {key: value for key, value in record.items() if value is not None}


def graphql_literal(value: Any) -> str:
    """A JSON value as a GraphQL input literal (JSON strings are valid GraphQL strings)."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {graphql_literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(graphql_literal(item) for item in value) + "]"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | str):
        return json.dumps(value)
    raise TypeError(f"cannot write {type(value).__name__} into a GraphQL filter")


def json_number(value: Decimal) -> int | float | str:
    """A Decimal as the JSON number that parses back to it exactly; a string only if no float can."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else str(value)
