"""The canonical order model: the one language everything past the adapters speaks.

Both systems are translated to and from these models. Values are normalised on the way in
(Decimal money, `date` dates, enum casing, empty string == missing) so that two records that
mean the same thing compare equal and hash equal, and a diff never shows a phantom difference.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import operator
import typing
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, PlainSerializer, TypeAdapter
from pydantic.dataclasses import dataclass


class System(StrEnum):
    """The two systems nuesync keeps in step; also an order's origin."""

    NUE = "nue"
    SALESFORCE = "salesforce"

    @property
    def label(self) -> str:
        return "Nue" if self is System.NUE else "Salesforce"

    @property
    def other(self) -> System:
        return System.SALESFORCE if self is System.NUE else System.NUE

    @classmethod
    def parse(cls, value: object) -> System:
        """Accept `Nue`, `nue`, `Salesforce`, `SFDC` … as written by either system."""
        text = str(value).strip().lower()
        aliases = {"nue": cls.NUE, "salesforce": cls.SALESFORCE, "sfdc": cls.SALESFORCE, "sf": cls.SALESFORCE}
        if text not in aliases:
            raise ValueError(f"unknown system {value!r} (expected Nue or Salesforce)")
        return aliases[text]


class Status(StrEnum):
    """An order's lifecycle state, whatever casing or label the API used for it."""

    DRAFT = "draft"
    ACTIVATED = "activated"
    CANCELED = "canceled"

    @classmethod
    def parse(cls, value: object) -> Status:
        text = str(value).strip().lower()
        if text not in _STATUS_ALIASES:
            raise ValueError(f"unknown order status {value!r}")
        return _STATUS_ALIASES[text]

    def spellings(self) -> tuple[str, ...]:
        """Every label `parse` reads as this status, lower case: `parse` also ignores case and
        surrounding whitespace, so a filter on the wire must match those loosely too."""
        return tuple(label for label, status in _STATUS_ALIASES.items() if status is self)


_STATUS_ALIASES: dict[str, Status] = {
    "draft": Status.DRAFT,
    "activated": Status.ACTIVATED,
    "active": Status.ACTIVATED,
    "canceled": Status.CANCELED,
    "cancelled": Status.CANCELED,
}


# Every amount nuesync syncs (quantity, unit price, discount percent and amount, subscription term)
# lands in a Salesforce number field of 18 digits, 2 of them decimals: OrderItem.Quantity is a
# double shown with 2 decimals, and currency fields are 16,2 in most orgs. A value outside that
# cannot be written without Salesforce refusing or rounding it, which would leave the pair
# differing after every sync; so the model refuses it on the way in, and the adapter reports the
# record as malformed (naming the record and the field) instead of a run aborting or looping.
AMOUNT_INTEGER_DIGITS = 16
AMOUNT_DECIMALS = 2
_AMOUNT_LIMIT = Decimal(10) ** AMOUNT_INTEGER_DIGITS


def _to_decimal(value: object, decimals: int | None = None) -> Decimal | None:
    """Parse a number into its one canonical Decimal (`10`, `10.0`, `"10.00"` → `Decimal('10')`)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    text = repr(value) if isinstance(value, float) else str(value).strip()
    return _parse_decimal(text, decimals)


def _to_amount(value: object) -> Decimal | None:
    """A synced amount: a number Salesforce stores exactly (see `AMOUNT_INTEGER_DIGITS`)."""
    return _to_decimal(value, AMOUNT_DECIMALS)


@functools.lru_cache(maxsize=65536)
def _parse_decimal(text: str, decimals: int | None) -> Decimal:
    """Cached: real order data repeats the same prices and quantities over and over.

    Every check runs on the exact parsed value, before anything rounds it: `normalize` keeps
    28 significant digits, and would make `1.000…001` look like `1`.
    """
    try:
        result = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    if result.is_zero():
        return Decimal(0)
    if abs(result) >= _AMOUNT_LIMIT:
        raise ValueError(f"{text} is too large: Salesforce stores at most {AMOUNT_INTEGER_DIGITS} digits "
                         "before the decimal point")
    if decimals is not None and result != result.quantize(Decimal(1).scaleb(-decimals)):
        raise ValueError(f"{text} has more than {decimals} decimals: Salesforce stores {decimals}")
    result = result.normalize()
    return result.quantize(Decimal(1)) if result.as_tuple().exponent > 0 else result  # type: ignore[operator]


@functools.lru_cache(maxsize=8192)
def decimal_text(value: Decimal) -> str:
    """The one spelling of an amount: `10`, `10.0` and `"10.00"` all become `10`."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def _empty_to_none(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _to_date(value: object) -> object:
    value = _empty_to_none(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and len(value) > 10 and value[10] == "T":
        return value[:10]
    return value


def _to_code(value: object) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("a code cannot be empty")
    return text


# Codes are compared across systems, and one of them may pad or trim them; spaces never count.
Code = Annotated[str, BeforeValidator(_to_code)]
Money = Annotated[
    Decimal | None,
    BeforeValidator(_to_amount),
    PlainSerializer(lambda v: None if v is None else decimal_text(v), return_type=str | None),
]
Text = Annotated[str | None, BeforeValidator(_empty_to_none)]
Day = Annotated[date | None, BeforeValidator(_to_date)]
CustomValue = str | Decimal | bool | date | None
AnyStatus = Annotated[Status, BeforeValidator(lambda v: v if isinstance(v, Status) else Status.parse(v))]
AnyOrigin = Annotated[
    System | None, BeforeValidator(lambda v: v if v is None or isinstance(v, System) else System.parse(v))
]


def _normalise_custom(values: object) -> dict[str, CustomValue]:
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ValueError("custom fields must be a mapping of name to value")
    result: dict[str, CustomValue] = {}
    for key, raw in values.items():
        value = _empty_to_none(raw)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = _to_decimal(value)
        result[str(key)] = value
    return result


CustomFields = Annotated[dict[str, CustomValue], BeforeValidator(_normalise_custom)]


_CONFIG = ConfigDict(extra="forbid")
_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def _adapter(cls: type) -> TypeAdapter[Any]:
    if cls not in _ADAPTERS:
        _ADAPTERS[cls] = TypeAdapter(cls)
    return _ADAPTERS[cls]


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


class _Model:
    """Base of the canonical records: slotted pydantic dataclasses with a BaseModel-like surface.

    Why not `BaseModel`: a run can hold hundreds of thousands of orders and millions of lines,
    and a slotted dataclass takes a fraction of a BaseModel's memory (no per-instance dict or
    fields-set), while pydantic still validates every value on the way in. Records are frozen:
    change one with `model_copy(update=...)`, which validates the new values.
    """

    __slots__ = ()

    @classmethod
    def model_validate(cls, data: Any) -> Any:
        if isinstance(data, cls):
            return data
        return _adapter(cls).validate_python(data)

    def model_dump(self, *, mode: Literal["python", "json"] = "python", **kwargs: Any) -> dict[str, Any]:
        return _adapter(type(self)).dump_python(self, mode=mode, **kwargs)

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Any:
        """A validated copy with some fields replaced."""
        return dataclasses.replace(self, **dict(update or {}))  # type: ignore[type-var]


def record(cls: type) -> type:
    """Make `cls` a slotted, validating pydantic dataclass (the shape of every canonical record)."""
    return dataclass(slots=True, frozen=True, config=_CONFIG)(cls)


@record
class Links(_Model):
    """A record's ids in both systems; a pair is linked when each side stores the other's id."""

    nue_id: Text = None
    salesforce_id: Text = None

    def id_in(self, system: System) -> str | None:
        return self.nue_id if system is System.NUE else self.salesforce_id


@record
class Customer(_Model):
    """A customer (Nue) / Account (Salesforce)."""

    links: Links = dataclasses.field(default_factory=Links)
    name: Text = None
    email: Text = None


@record
class ContactRef(_Model):
    """The bill-to contact, known by its links like a customer."""

    links: Links = dataclasses.field(default_factory=Links)
    name: Text = None


@record
class Billing(_Model):
    """Nue's billing settings carried on an order."""

    billing_period: Text = None
    bill_cycle_day: Text = None
    billing_timing: Text = None
    payment_term: Text = None


@record
class Discount(_Model):
    """A discount as a percentage and/or an absolute amount (order or line level)."""

    percent: Money = None
    amount: Money = None


@record
class PricingDimension(_Model):
    """A Nue price tag / discount tag, matched across systems by its code (its only synced part)."""

    code: Code
    name: Text = None

    def __hash__(self) -> int:
        return hash(self.code)


@record
class LineItem(_Model):
    """An order product (Nue) / OrderItem (Salesforce)."""

    links: Links = dataclasses.field(default_factory=Links)
    product_sku: Text = None
    quantity: Money = None
    unit_price: Money = None
    discount: Discount = dataclasses.field(default_factory=Discount)
    subscription_start: Day = None
    subscription_end: Day = None
    subscription_term: Money = None
    price_tags: list[PricingDimension] = dataclasses.field(default_factory=list)
    custom_fields: CustomFields = dataclasses.field(default_factory=dict)


class _HashCached(_Model):
    """Holds a record's content hash once computed (safe because records are frozen)."""

    __slots__ = ("_content_hash",)


@record
class DraftOrder(_HashCached):
    """An order as both systems should agree on it.

    `last_modified` and `order_number` describe the record, not its content: they are
    excluded from the content hash so an untouched order hashes the same on every read.
    """

    links: Links = dataclasses.field(default_factory=Links)
    order_number: Text = None
    name: Text = None
    description: Text = None
    customer: Customer = dataclasses.field(default_factory=Customer)
    bill_to_contact: ContactRef | None = None
    effective_date: Day = None
    currency: Text = None
    price_book: Text = None
    status: AnyStatus = Status.DRAFT
    origin: AnyOrigin = None
    billing: Billing = dataclasses.field(default_factory=Billing)
    discount: Discount = dataclasses.field(default_factory=Discount)
    custom_fields: CustomFields = dataclasses.field(default_factory=dict)
    lines: list[LineItem] = dataclasses.field(default_factory=list)
    last_modified: datetime | None = None

    def content_hash(self) -> str:
        """A stable digest of the synced content: equal for equal content, whatever the
        line order, key order or number spelling; blind to ids, order numbers and timestamps."""
        try:
            return self._content_hash
        except AttributeError:
            digest = hashlib.blake2b(repr(_fingerprint(self)).encode(), digest_size=16).hexdigest()
            object.__setattr__(self, "_content_hash", digest)
            return digest


_RECORD_ONLY_FIELDS = {"links", "order_number", "last_modified"}


# --- the fast path: records built from values that are already canonical ---------------------
# A large read spent most of its time in pydantic's per-field validators, the dicts fed to them
# and the garbage collector walking all of it (tests/benchmarks/bench_reconcile.py). So the
# adapters clean wire values with the functions below (the validators' rules, applied to what
# a wire converter returns) and build records with `trusted`, which does not validate again.
# A cleaner raises `NotCanonical` for anything it does not vouch for; the adapter then builds
# that record through validation, which reports any problem exactly as before. Property tests
# in tests/adapters/*/test_*_wire.py check that both paths build the same records.


class NotCanonical(Exception):
    """A value the fast path does not vouch for: the record is built through validation instead."""


def clean_text(value: object) -> str | None:
    """`Text` as validation keeps it: stripped, empty is missing; anything but text is not vouched for."""
    if value is None:
        return None
    if type(value) is str:
        return value.strip() or None
    raise NotCanonical(value)


def _clean_code(value: object) -> str:
    """`Code` as validation keeps it: stripped text that is not empty."""
    if type(value) is str and value.strip():
        return value.strip()
    raise NotCanonical(value)


def _exactly(*kinds: type) -> Callable[[object], Any]:
    """A cleaner for fields whose validation keeps a value of one of `kinds` as it is."""

    def clean(value: object) -> Any:
        if type(value) in kinds:
            return value
        raise NotCanonical(value)

    return clean


def _clean_custom(values: object) -> dict[str, CustomValue]:
    """`CustomFields` validation: the same normalisation, then only the value types it keeps as they are."""
    result = _normalise_custom(values)
    for value in result.values():
        if type(value) not in _CUSTOM_KINDS or (isinstance(value, Decimal) and not value.is_finite()):
            raise NotCanonical(value)
    return result


_CUSTOM_KINDS = frozenset({str, Decimal, bool, date, type(None)})
_CLEANERS: dict[Any, Callable[[Any], Any]] = {
    Text: clean_text,
    Code: _clean_code,
    Money: _to_amount,  # its result is a Decimal or None, which validation keeps
    Day: _exactly(date, type(None)),
    AnyStatus: _exactly(Status),
    AnyOrigin: _exactly(System, type(None)),
    datetime | None: _exactly(datetime, type(None)),
    CustomFields: _clean_custom,
}


def field_type(cls: type, path: str) -> Any:
    """The annotation of a dotted field path below record class `cls` (`billing.payment_term` → `Text`)."""
    *parents, leaf = path.split(".")
    for name in parents:
        cls = typing.get_type_hints(cls)[name]
    return typing.get_type_hints(cls, include_extras=True)[leaf]


def cleaner(cls: type, path: str) -> Callable[[Any], Any]:
    """The cleaner for a dotted field path below `cls`; KeyError for a field the fast path has none for."""
    return _CLEANERS[field_type(cls, path)]


@functools.cache
def trusted(cls: type) -> Callable[..., Any]:
    """Build `cls` from every field's value, in field order, without validating them.

    Only for values a cleaner returned (or records `trusted` built): the result is then the
    record validation would build, at a fraction of the cost.
    """
    setters = field_setters(cls)

    def construct(*values: Any) -> Any:
        record = object.__new__(cls)
        for set_value, value in zip(setters, values, strict=True):
            set_value(record, value)
        return record

    return construct


def field_setters(cls: type) -> tuple[Callable[[Any, Any], None], ...]:
    """Per field of `cls`, in field order, the slot's own setter: it bypasses the frozen record's
    `__setattr__`, so it may only fill a record `object.__new__` just made (see `trusted`)."""
    return tuple(cls.__dict__[name].__set__ for name in _field_names(cls))


def field_default(cls: type, name: str) -> Callable[[], Any]:
    """What validation puts in field `name` of `cls` when it is not given, as a function.

    Lists and dicts are made fresh each time; a record default is one shared instance (records
    are frozen, so sharing cannot be observed).
    """
    spec = next(f for f in dataclasses.fields(cls) if f.name == name)
    if spec.default_factory in (list, dict):
        return spec.default_factory
    value = spec.default_factory() if spec.default is dataclasses.MISSING else spec.default
    return lambda: value


def record_fields(cls: type) -> tuple[str, ...]:
    """The field names of record class `cls`, in the order `trusted` takes their values."""
    return _field_names(cls)


def nested_record(cls: type, name: str) -> type | None:
    """The record class field `name` of `cls` holds, if it always holds one."""
    kind = typing.get_type_hints(cls)[name]
    return kind if isinstance(kind, type) and issubclass(kind, _Model) else None


# Frozen records holding no list or dict, which orders repeat (one customer, one billing setup,
# the same few discounts and tags): the fast path builds one instance per distinct value.
SHARED_RECORDS = frozenset({Billing, Discount, Customer, ContactRef, PricingDimension})
# Text fields whose values come from a short list (catalogue codes, currencies): the fast path
# keeps one string per value rather than one per record.
REPEATED_TEXT = frozenset({(DraftOrder, "currency"), (DraftOrder, "price_book"), (LineItem, "product_sku")})


def _identity(value: Any) -> Any:
    return value


_TEXT: dict[type, Any] = {
    str: _identity,
    bool: _identity,
    int: _identity,
    Decimal: decimal_text,
    date: date.isoformat,
    Status: lambda v: v.value,
    System: lambda v: v.value,
    PricingDimension: lambda v: v.code,
}


def canonical_text(value: Any) -> Any:
    """One spelling per meaning for a scalar: Decimal without trailing zeros, ISO dates, enum values."""
    convert = _TEXT.get(type(value))
    return convert(value) if convert is not None else str(value)


def _flat_into(out: dict[str, Any], record: _Model, prefix: str, skip: frozenset[str] = frozenset()) -> None:
    for name in _field_names(type(record)):
        value = getattr(record, name)
        if value is None or name in skip:
            continue
        key = prefix + name
        if isinstance(value, _Model):
            _flat_into(out, value, key + ".")
        elif isinstance(value, list):
            if value:
                out[key] = ";".join(sorted(canonical_text(item) for item in value))
        elif isinstance(value, dict):
            if value:
                out.update((f"{key}.{k}", canonical_text(v)) for k, v in value.items() if v is not None)
        else:
            out[key] = canonical_text(value)


_HEADER_SKIP = frozenset(_RECORD_ONLY_FIELDS | {"lines", "customer", "bill_to_contact"})


def order_header_content(order: DraftOrder) -> dict[str, Any]:
    """The order's synced header fields as flat `path: canonical text` pairs (missing = absent).

    The customer and contact are identified by their links, the only thing both sides share;
    the order's own links are left out because each side sees them fill in at different moments.
    """
    out: dict[str, Any] = {}
    _flat_into(out, order.customer.links, "customer.")
    if order.bill_to_contact is not None:
        _flat_into(out, order.bill_to_contact.links, "bill_to_contact.")
    _flat_into(out, order, "", _HEADER_SKIP)
    return out


def line_content(line: LineItem) -> dict[str, Any]:
    """A line's synced fields as flat `path: canonical text` pairs, without its links."""
    out: dict[str, Any] = {}
    _flat_into(out, line, "", frozenset({"links"}))
    return out


def synced_content(order: DraftOrder) -> dict[str, Any]:
    """Everything that travels between systems, canonicalised (lines in a stable order)."""
    lines = sorted((line_content(line) for line in order.lines), key=lambda c: sorted(c.items()))
    return {"header": order_header_content(order), "lines": lines}


# --- the fingerprint behind content_hash: the same facts as synced_content, built for speed -------
# Hashing runs once per order per side on every diff (hundreds of thousands of times), so it
# leans on validation having made values canonical already (Decimals without trailing zeros,
# dates, enums) and lets C-level attrgetter and repr do the walking.

def _flat_paths(cls: type, skip: frozenset[str] = frozenset(), prefix: str = "") -> list[str]:
    """Dotted attribute paths to every plain value under `cls` (nested records expanded, enums by value)."""
    hints = typing.get_type_hints(cls, include_extras=False)
    paths: list[str] = []
    for name in _field_names(cls):
        if name in skip:
            continue
        kind = hints[name]
        if isinstance(kind, type) and issubclass(kind, _Model):
            paths.extend(_flat_paths(kind, prefix=f"{prefix}{name}."))
        elif isinstance(kind, type) and issubclass(kind, StrEnum):
            paths.append(f"{prefix}{name}._value_")
        else:
            paths.append(f"{prefix}{name}")
    return paths


_LINE_SPECIAL = frozenset({"links", "price_tags", "custom_fields"})
_line_values = operator.attrgetter(*_flat_paths(LineItem, _LINE_SPECIAL))
_ORDER_SPECIAL = frozenset(_RECORD_ONLY_FIELDS | {"bill_to_contact", "lines", "custom_fields", "origin", "customer"})
_order_values = operator.attrgetter(
    *_flat_paths(DraftOrder, _ORDER_SPECIAL), "customer.links.nue_id", "customer.links.salesforce_id"
)


def _custom_fingerprint(values: dict[str, CustomValue]) -> tuple[tuple[str, CustomValue], ...]:
    return tuple(sorted((k, v) for k, v in values.items() if v is not None)) if values else ()


def _line_key(line: LineItem) -> tuple[Any, ...]:
    tags = tuple(sorted(tag.code for tag in line.price_tags)) if line.price_tags else ()
    return _line_values(line), tags, _custom_fingerprint(line.custom_fields)


def _header_key(order: DraftOrder) -> tuple[Any, ...]:
    contact = order.bill_to_contact
    return (
        _order_values(order),
        order.origin.value if order.origin else None,
        (contact.links.nue_id, contact.links.salesforce_id) if contact else None,
        _custom_fingerprint(order.custom_fields),
    )


def _fingerprint(order: DraftOrder) -> tuple[Any, ...]:
    return _header_key(order), tuple(sorted(repr(_line_key(line)) for line in order.lines))


def same_content(a: DraftOrder, b: DraftOrder) -> bool:
    """Whether two orders have equal content hashes, decided without serialising either.

    Compares the same canonical values the hash digests (lines as a multiset), in C, on
    values that validation already made canonical; a diff over 100,000 pairs relies on it.
    """
    if _header_key(a) != _header_key(b) or len(a.lines) != len(b.lines):
        return False
    keys_a, keys_b = list(map(_line_key, a.lines)), list(map(_line_key, b.lines))
    return keys_a == keys_b or Counter(keys_a) == Counter(keys_b)


def same_line_content(a: LineItem, b: LineItem) -> bool:
    return _line_key(a) == _line_key(b)
