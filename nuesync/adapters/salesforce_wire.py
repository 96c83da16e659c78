"""Salesforce wire records ⇄ the canonical model, driven by the `FieldMapping` tables.

The only Salesforce field names spelled here are the ones no mapping can rename: record ids,
`StatusCode`, `SystemModstamp`, `OrderNumber`, and the relationship path to a line's product.
Everything else comes from `mapping.table(System.SALESFORCE, …)`, so an org that names its
fields its own way (`Ruby__…`) only changes config. Values go through a small converter table
keyed by canonical path; a value that cannot be read raises `WireError` naming the wire field,
which the adapter turns into a `RecordProblem` for that record only.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import ValidationError

from nuesync.adapters.readers import Leaves, Part, declining, record_reader, remember
from nuesync.mapping import CustomField, FieldMapping, MappedObject
from nuesync.model import (
    REPEATED_TEXT,
    ContactRef,
    Customer,
    DraftOrder,
    LineItem,
    NotCanonical,
    PricingDimension,
    Status,
    System,
    cleaner,
    decimal_text,
    field_default,
    trusted,
)

SF = System.SALESFORCE
LINES_RELATIONSHIP = "OrderItems"
PRODUCT_CODE_PATH = "PricebookEntry.Product2.ProductCode"
PRICE_TAG_SEPARATOR = ";"
ID_PATTERN = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")

# Mapped paths whose absence means "leave Salesforce's value alone", never "clear it": the
# external id, the origin, and fields an Order cannot exist without.
NEVER_CLEARED: dict[MappedObject, frozenset[str]] = {
    MappedObject.ORDER: frozenset({"links.nue_id", "origin", "currency", "effective_date", "customer"}),
    MappedObject.LINE: frozenset({"links.nue_id"}),
    MappedObject.CUSTOMER: frozenset({"links.nue_id"}),
}


class WireError(ValueError):
    """A wire value that cannot be translated; `field` is the Salesforce field name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- value converters -------------------------------------------------------------------------


def _read_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def json_number(value: Decimal) -> float | str:
    """A Decimal as JSON can carry it exactly: a float when that round-trips, else its text.

    Salesforce reads a JSON string into a number field too; realistic amounts always fit a float.
    """
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else format(value, "f")


def _write_decimal(value: Decimal | None) -> float | str | None:
    return None if value is None else json_number(value)


def _read_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD)") from None


def _write_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _read_text(value: Any) -> str | None:
    """Text as the model keeps it; a number field read as text gets one spelling (`1.0` → `1`)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        number = _read_decimal(value)
        return None if number is None else decimal_text(number)
    return str(value)


def _read_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"{value!r} is not true or false")


def _read_tags(value: Any) -> list[PricingDimension]:
    if value is None:
        return []
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a {PRICE_TAG_SEPARATOR}-separated list of price tag codes")
    codes = (code.strip() for code in value.split(PRICE_TAG_SEPARATOR))
    return [PricingDimension(code=code) for code in codes if code]


def _write_tags(tags: list[PricingDimension]) -> str | None:
    return PRICE_TAG_SEPARATOR.join(tag.code for tag in tags) or None


def _read_system(value: Any) -> System | None:
    return None if value in (None, "") else System.parse(value)


def _write_system(value: System | None) -> str | None:
    return None if value is None else value.label


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Converter:
    """How one kind of value is read from and written to a Salesforce record.

    `same` (raw types `read` returns unchanged) and `memo` (raw types whose equal values always
    read the same, worth remembering because they repeat) only let the fast path skip work.
    """

    read: Callable[[Any], Any]
    write: Callable[[Any], Any]
    same: tuple[type, ...] = ()
    memo: tuple[type, ...] = ()


_NONE = type(None)
TEXT = Converter(_read_text, _same, same=(_NONE, str))
MONEY = Converter(_read_decimal, _write_decimal, memo=(_NONE, int, float, Decimal, str))
DAY = Converter(_read_date, _write_date, memo=(_NONE, str))
BOOLEAN = Converter(_read_bool, _same, same=(_NONE, bool))
PRICE_TAGS = Converter(_read_tags, _write_tags)
ORIGIN = Converter(_read_system, _write_system, memo=(_NONE, str))
STATUS_CODE = Converter(Status.parse, _same, memo=(str,))
MODSTAMP = Converter(lambda text: parse_datetime(text) if text else None, _same, same=(_NONE,))

# Canonical path → converter; any mapped path not listed is text.
CONVERTERS: dict[MappedObject, dict[str, Converter]] = {
    MappedObject.ORDER: {
        "origin": ORIGIN,
        "effective_date": DAY,
        "discount.percent": MONEY,
        "discount.amount": MONEY,
    },
    MappedObject.LINE: {
        "quantity": MONEY,
        "unit_price": MONEY,
        "discount.percent": MONEY,
        "discount.amount": MONEY,
        "subscription_start": DAY,
        "subscription_end": DAY,
        "subscription_term": MONEY,
        "price_tags": PRICE_TAGS,
    },
}
CUSTOM_CONVERTERS: dict[str, Converter] = {"string": TEXT, "number": MONEY, "date": DAY, "boolean": BOOLEAN}

# Canonical paths on an order that are references, and the mapping of the record they point at.
REFERENCES: dict[str, MappedObject] = {"customer": MappedObject.CUSTOMER, "bill_to_contact": MappedObject.CONTACT}


# --- SOQL ------------------------------------------------------------------------------------


def soql_quote(value: str) -> str:
    """A SOQL string literal (backslash and quote escaped as SOQL requires)."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{escaped}'"


def soql_in(field: str, values: Iterable[str]) -> str:
    return f"{field} IN ({', '.join(soql_quote(v) for v in values)})"


def soql_datetime(moment: datetime) -> str:
    """A SOQL datetime literal in UTC, to the second (SOQL has no fractional seconds)."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str) -> datetime:
    """Salesforce's `2026-11-27T04:50:42.000+0000` (or ISO `…Z`) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def relationship_name(reference_field: str) -> str:
    """The relationship a reference field is read through: `AccountId` → `Account`, `X__c` → `X__r`."""
    if reference_field.endswith("__c"):
        return reference_field[:-3] + "__r"
    return reference_field.removesuffix("Id")


def is_record_id(value: str) -> bool:
    """Whether `value` is a well-formed record id (see `case_safe_id`)."""
    return case_safe_id(value) is not None


_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def case_safe_id(value: str) -> str | None:
    """The 18-character form of a record id (what Salesforce answers with), or None when `value`
    is not one: not 15 or 18 alphanumerics, or 18 whose last three do not match the case of the
    first 15. Salesforce refuses a whole query for one such id, so it must never be sent."""
    if not ID_PATTERN.fullmatch(value):
        return None
    id15 = value[:15]
    suffix = "".join(
        _SUFFIX_ALPHABET[sum(1 << i for i, char in enumerate(id15[start : start + 5]) if "A" <= char <= "Z")]
        for start in (0, 5, 10)
    )
    return id15 + suffix if value[15:].upper() in ("", suffix) else None


def customer_fields(mapping: FieldMapping) -> list[str]:
    return ["Id", *mapping.table(SF, MappedObject.CUSTOMER).values()]


def line_fields(mapping: FieldMapping) -> list[str]:
    table = mapping.table(SF, MappedObject.LINE)
    custom = [c.salesforce for c in mapping.custom("line")]
    return _unique(["Id", *table.values(), PRODUCT_CODE_PATH, *custom])


def order_fields(mapping: FieldMapping) -> list[str]:
    """The order's own fields, its customer's and contact's, and its lines as a child subquery."""
    table = mapping.table(SF, MappedObject.ORDER)
    related = [
        f"{relationship_name(table[path])}.{field}"
        for path, obj in REFERENCES.items()
        if path in table
        for field in mapping.table(SF, obj).values()
    ]
    custom = [c.salesforce for c in mapping.custom("order")]
    children = f"(SELECT {', '.join(line_fields(mapping))} FROM {LINES_RELATIONSHIP})"
    own = ["Id", "OrderNumber", "StatusCode", "SystemModstamp", *table.values()]
    return _unique([*own, *related, *custom, children])


def _unique(fields: list[str]) -> list[str]:
    return list(dict.fromkeys(fields))


# --- wire → canonical ------------------------------------------------------------------------

ReadPlan = tuple[tuple[tuple[str, ...], str, Converter], ...]


@functools.lru_cache(maxsize=64)
def _read_plan(table: tuple[tuple[str, str], ...], obj: MappedObject) -> ReadPlan:
    """(canonical path parts, wire field, converter) for each plain mapped field, worked out once
    per mapping: a 5,000-order read applies it a quarter of a million times."""
    converters = CONVERTERS.get(obj, {})
    return tuple(
        (tuple(path.split(".")), field, converters.get(path, TEXT)) for path, field in table if path not in REFERENCES
    )


def _put(tree: dict[str, Any], parts: tuple[str, ...], value: Any) -> None:
    for part in parts[:-1]:
        tree = tree.setdefault(part, {})
    tree[parts[-1]] = value


def _get(model: object, path: str) -> Any:
    value: Any = model
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _read_field(record: Mapping[str, Any], field: str, converter: Converter) -> Any:
    try:
        return converter.read(record.get(field))
    except ValueError as exc:
        raise WireError(field, str(exc)) from None


def _read_mapped(record: Mapping[str, Any], table: Mapping[str, str], obj: MappedObject) -> dict[str, Any]:
    """The canonical tree (plain dicts) of a record's mapped fields, with the record's own Id."""
    tree: dict[str, Any] = {"links": {"salesforce_id": record.get("Id")}}
    for parts, field, converter in _read_plan(tuple(table.items()), obj):
        _put(tree, parts, _read_field(record, field, converter))
    return tree


def _read_custom(record: Mapping[str, Any], fields: tuple[CustomField, ...]) -> dict[str, Any]:
    return {c.name: _read_field(record, c.salesforce, CUSTOM_CONVERTERS[c.type]) for c in fields}


def customer_from_wire(record: Mapping[str, Any], mapping: FieldMapping) -> Customer:
    table = mapping.table(SF, MappedObject.CUSTOMER)
    tree = _read_mapped(record, table, MappedObject.CUSTOMER)
    try:
        return Customer.model_validate(tree)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        raise WireError(table.get(path, path), first["msg"]) from None


def _reference_tree(record: Mapping[str, Any], path: str, mapping: FieldMapping) -> dict[str, Any] | None:
    """A customer / contact as the order row carries it: its Id field plus its relationship's fields."""
    field = mapping.table(SF, MappedObject.ORDER)[path]
    if not record.get(field):
        return None
    obj = REFERENCES[path]
    related = record.get(relationship_name(field)) or {}
    return _read_mapped({**related, "Id": record[field]}, mapping.table(SF, obj), obj)


def product_code(record: Mapping[str, Any]) -> str | None:
    """An order product's SKU, read through its price book entry."""
    return ((record.get("PricebookEntry") or {}).get("Product2") or {}).get("ProductCode")


def _line_tree(record: Mapping[str, Any], mapping: FieldMapping) -> dict[str, Any]:
    try:
        tree = _read_mapped(record, mapping.table(SF, MappedObject.LINE), MappedObject.LINE)
        tree["custom_fields"] = _read_custom(record, mapping.custom("line"))
        tree["product_sku"] = product_code(record)
        if not tree["product_sku"]:
            raise WireError(PRODUCT_CODE_PATH, "the order product has no product (no product code)")
    except WireError as exc:
        raise WireError(
            f"{LINES_RELATIONSHIP}.{exc.field}", f"order product {record.get('Id')}: {exc.message}"
        ) from None
    return tree


def child_records(record: Mapping[str, Any], relationship: str = LINES_RELATIONSHIP) -> list[dict[str, Any]]:
    """A child subquery's rows; Salesforce sends `null` rather than an empty result."""
    children = record.get(relationship) or {}
    return list(children.get("records") or [])


def order_from_wire(record: Mapping[str, Any], mapping: FieldMapping) -> DraftOrder:
    """An Order row (with its subquery lines and related customer/contact) as a canonical order.

    Built from cleaned values when the fast path vouches for every one of them, else through
    validation, which names the Salesforce field of any value it cannot take. A bad line makes
    the whole order unreadable, because a partial order would look like deleted lines.
    """
    return trusted_order_from_wire(record, mapping) or checked_order_from_wire(record, mapping)


def trusted_order_from_wire(record: Mapping[str, Any], mapping: FieldMapping) -> DraftOrder | None:
    """The fast path (see `nuesync.adapters.readers`): the order, or None when it does not vouch for it."""
    return mapping.compiled(_compile_order_reader)(record)


def checked_order_from_wire(record: Mapping[str, Any], mapping: FieldMapping) -> DraftOrder:
    """The order through model validation, in one go: the reference the fast path is tested against."""
    table = mapping.table(SF, MappedObject.ORDER)
    tree = _read_mapped(record, table, MappedObject.ORDER)
    for path in REFERENCES:
        reference = _reference_tree(record, path, mapping) if path in table else None
        if reference is not None:
            tree[path] = reference
    tree["custom_fields"] = _read_custom(record, mapping.custom("order"))
    tree["status"] = _read_field(record, "StatusCode", STATUS_CODE)
    tree["order_number"] = record.get("OrderNumber")
    tree["last_modified"] = _read_field(record, "SystemModstamp", MODSTAMP)
    tree["lines"] = [_line_tree(child, mapping) for child in child_records(record)]
    try:
        return DraftOrder.model_validate(tree)
    except ValidationError as exc:
        raise _located(exc.errors()[0], tree, mapping) from None


# --- the fast path: a mapping compiled into readers (see nuesync.adapters.readers) ---------------


def _compile_order_reader(mapping: FieldMapping) -> Callable[[Any], DraftOrder | None]:
    """The order reader for `mapping`; one that always declines if the mapping names a field the
    fast path cannot fill (only possible for a mapping built in code: config checks its keys)."""
    leaves = Leaves()
    table = mapping.table(SF, MappedObject.ORDER)
    try:
        parts = _mapped_parts(leaves, mapping, MappedObject.ORDER, DraftOrder)
        for path, obj in REFERENCES.items():
            if path in table:
                parts[path] = _reference_part(leaves, mapping, path, obj)
        parts["custom_fields"] = _custom_part(mapping, "order")
        parts["status"] = _leaf(leaves, DraftOrder, "status", "StatusCode", STATUS_CODE)
        parts["order_number"] = leaves.leaf("OrderNumber", cleaner(DraftOrder, "order_number"))
        parts["last_modified"] = _leaf(leaves, DraftOrder, "last_modified", "SystemModstamp", MODSTAMP)
        parts["lines"] = _lines_part(leaves, mapping)
        return declining(record_reader(DraftOrder, parts))
    except (KeyError, ValueError):
        return lambda _record: None


def _mapped_parts(leaves: Leaves, mapping: FieldMapping, obj: MappedObject, cls: type) -> dict[str, Part]:
    """What `_read_mapped` reads: the record's own Id, then each mapped field with its converter."""
    converters = CONVERTERS.get(obj, {})
    parts = {"links.salesforce_id": leaves.leaf("Id", cleaner(cls, "links.salesforce_id"))}
    for path, field in mapping.table(SF, obj).items():
        if path not in REFERENCES:
            parts[path] = _leaf(leaves, cls, path, field, converters.get(path, TEXT))
    return parts


def _leaf(leaves: Leaves, cls: type, path: str, field: str, converter: Converter) -> Part:
    if converter is PRICE_TAGS:
        return _price_tags_part(field)
    memo = (_NONE, str) if (cls, path) in REPEATED_TEXT and converter is TEXT else converter.memo
    return leaves.leaf(field, cleaner(cls, path), converter.read, same=converter.same, memo=memo)


def _price_tags_part(field: str) -> Part:
    """`_read_tags` with its result remembered per spelling (lines repeat the same few tag lists)."""
    memo: dict[str, tuple[PricingDimension, ...]] = {}
    tag = trusted(PricingDimension)

    def read(raw: str) -> tuple[PricingDimension, ...]:
        return tuple(tag(code, None) for code in (code.strip() for code in raw.split(PRICE_TAG_SEPARATOR)) if code)

    def part(record: Mapping[str, Any]) -> list[PricingDimension]:
        raw = record.get(field)
        if raw is None:
            return []
        if type(raw) is not str:
            raise NotCanonical(raw)
        try:
            return list(memo[raw])
        except KeyError:
            return list(remember(memo, raw, read(raw)))

    return part


def _reference_part(leaves: Leaves, mapping: FieldMapping, path: str, obj: MappedObject) -> Part:
    """What `_reference_tree` reads: the Id field plus its relationship's fields (else the default)."""
    cls = Customer if obj is MappedObject.CUSTOMER else ContactRef
    read = record_reader(cls, _mapped_parts(leaves, mapping, obj, cls))
    field = mapping.table(SF, MappedObject.ORDER)[path]
    relationship, default = relationship_name(field), field_default(DraftOrder, path)

    def part(record: Mapping[str, Any]) -> Any:
        if not record.get(field):
            return default()
        return read({**(record.get(relationship) or {}), "Id": record[field]})

    return part


def _custom_part(mapping: FieldMapping, obj: Literal["order", "line"]) -> Part:
    clean = cleaner(DraftOrder if obj == "order" else LineItem, "custom_fields")
    readers = tuple((c.name, c.salesforce, CUSTOM_CONVERTERS[c.type].read) for c in mapping.custom(obj))
    if not readers:  # what cleaning an empty dict gives, without the calls
        return lambda _record: {}
    return lambda record: clean({name: read(record.get(field)) for name, field, read in readers})


def _lines_part(leaves: Leaves, mapping: FieldMapping) -> Part:
    parts = _mapped_parts(leaves, mapping, MappedObject.LINE, LineItem)
    parts["custom_fields"] = _custom_part(mapping, "line")
    sku = leaves.leaf(PRODUCT_CODE_PATH, cleaner(LineItem, "product_sku"), memo=(_NONE, str)).convert
    parts["product_sku"] = lambda record: sku(product_code(record))  # a repeated text, reached through two records
    read = record_reader(LineItem, parts, required=("product_sku",))  # no product: a problem the checked path names
    return lambda record: [read(child) for child in child_records(record)]


# Canonical fields read from fixed (unmapped) Salesforce fields, for naming them in errors.
FIXED_FIELDS: dict[MappedObject, dict[str, str]] = {
    MappedObject.ORDER: {"order_number": "OrderNumber", "status": "StatusCode", "last_modified": "SystemModstamp"},
    MappedObject.LINE: {"product_sku": PRODUCT_CODE_PATH},
}


def _located(error: Mapping[str, Any], tree: Mapping[str, Any], mapping: FieldMapping) -> WireError:
    """A validation error on the canonical tree, reported against the wire field it came from."""
    loc = error["loc"]
    obj, prefix, message = MappedObject.ORDER, "", str(error["msg"])
    if loc[0] == "lines":
        line = tree["lines"][loc[1]]
        obj, prefix, loc = MappedObject.LINE, f"{LINES_RELATIONSHIP}.", loc[2:]
        message = f"order product {line['links']['salesforce_id']}: {message}"
    path = ".".join(str(part) for part in loc)
    field = {**mapping.table(SF, obj), **FIXED_FIELDS[obj]}.get(path, path)
    return WireError(prefix + field, message)


# --- canonical → wire ------------------------------------------------------------------------


def _write_mapped(
    model: object, obj: MappedObject, table: Mapping[str, str], converters: Mapping[str, Converter]
) -> dict[str, Any]:
    """Mapped fields as the write payload: None clears the field, except where it must not."""
    payload: dict[str, Any] = {}
    for path, field in table.items():
        if path in REFERENCES:
            reference = _get(model, path)
            value = reference.links.salesforce_id if reference is not None else None
        else:
            value = converters.get(path, TEXT).write(_get(model, path))
        if value is None and path in NEVER_CLEARED[obj]:
            continue
        payload[field] = value
    return payload


def _write_custom(values: Mapping[str, Any], fields: tuple[CustomField, ...]) -> dict[str, Any]:
    return {c.salesforce: CUSTOM_CONVERTERS[c.type].write(values.get(c.name)) for c in fields}


def order_to_wire(order: DraftOrder, mapping: FieldMapping) -> dict[str, Any]:
    """The mapped Order fields to send (no Id, Status or price book: those depend on the write)."""
    table = mapping.table(SF, MappedObject.ORDER)
    payload = _write_mapped(order, MappedObject.ORDER, table, CONVERTERS[MappedObject.ORDER])
    return {**payload, **_write_custom(order.custom_fields, mapping.custom("order"))}


def line_to_wire(line: LineItem, mapping: FieldMapping) -> dict[str, Any]:
    """The mapped OrderItem fields to send (no OrderId / PricebookEntryId: those are create-only)."""
    table = mapping.table(SF, MappedObject.LINE)
    payload = _write_mapped(line, MappedObject.LINE, table, CONVERTERS[MappedObject.LINE])
    return {**payload, **_write_custom(line.custom_fields, mapping.custom("line"))}


def customer_to_wire(customer: Customer, mapping: FieldMapping) -> dict[str, Any]:
    table = mapping.table(SF, MappedObject.CUSTOMER)
    return _write_mapped(customer, MappedObject.CUSTOMER, table, {})


def dumps(payload: Any) -> str:
    """The JSON body of a request: compact and in a stable key order (cassettes match on bodies)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    """A response body with numbers as exact Decimals (Salesforce sends currency as JSON numbers)."""
    return json.loads(text, parse_float=Decimal)
