"""The canonical order model: the one language everything past the adapters speaks.

Both systems are translated to and from these models. Values are normalised on the way in
(Decimal money, `date` dates, enum casing, empty string == missing) so that two records that
mean the same thing compare equal and hash equal, and a diff never shows a phantom difference.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer


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


_STATUS_ALIASES: dict[str, Status] = {
    "draft": Status.DRAFT,
    "activated": Status.ACTIVATED,
    "active": Status.ACTIVATED,
    "canceled": Status.CANCELED,
    "cancelled": Status.CANCELED,
}


def _to_decimal(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


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


Money = Annotated[
    Decimal | None,
    BeforeValidator(_to_decimal),
    PlainSerializer(lambda v: None if v is None else decimal_text(v), return_type=str | None),
]
Text = Annotated[str | None, BeforeValidator(_empty_to_none)]
Day = Annotated[date | None, BeforeValidator(_to_date)]
CustomValue = str | Decimal | bool | date | None


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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=False)


class Links(_Model):
    """A record's ids in both systems; a pair is linked when each side stores the other's id."""

    nue_id: Text = None
    salesforce_id: Text = None

    def id_in(self, system: System) -> str | None:
        return self.nue_id if system is System.NUE else self.salesforce_id


class Customer(_Model):
    """A customer (Nue) / Account (Salesforce)."""

    links: Links = Field(default_factory=Links)
    name: Text = None
    email: Text = None


class ContactRef(_Model):
    """The bill-to contact, known by its links like a customer."""

    links: Links = Field(default_factory=Links)
    name: Text = None


class Billing(_Model):
    """Nue's billing settings carried on an order."""

    billing_period: Text = None
    bill_cycle_day: Text = None
    billing_timing: Text = None
    payment_term: Text = None


class Discount(_Model):
    """A discount as a percentage and/or an absolute amount (order or line level)."""

    percent: Money = None
    amount: Money = None


class PricingDimension(_Model):
    """A Nue price tag / discount tag, matched across systems by its code (its only synced part)."""

    code: str
    name: Text = None

    def __hash__(self) -> int:
        return hash(self.code)


class LineItem(_Model):
    """An order product (Nue) / OrderItem (Salesforce)."""

    links: Links = Field(default_factory=Links)
    product_sku: Text = None
    quantity: Money = None
    unit_price: Money = None
    discount: Discount = Field(default_factory=Discount)
    subscription_start: Day = None
    subscription_end: Day = None
    subscription_term: Money = None
    price_tags: list[PricingDimension] = Field(default_factory=list)
    custom_fields: CustomFields = Field(default_factory=dict)


class DraftOrder(_Model):
    """An order as both systems should agree on it.

    `last_modified` and `order_number` describe the record, not its content: they are
    excluded from the content hash so an untouched order hashes the same on every read.
    """

    links: Links = Field(default_factory=Links)
    order_number: Text = None
    name: Text = None
    description: Text = None
    customer: Customer = Field(default_factory=Customer)
    bill_to_contact: ContactRef | None = None
    effective_date: Day = None
    currency: Text = None
    price_book: Text = None
    status: Status = Status.DRAFT
    origin: System | None = None
    billing: Billing = Field(default_factory=Billing)
    discount: Discount = Field(default_factory=Discount)
    custom_fields: CustomFields = Field(default_factory=dict)
    lines: list[LineItem] = Field(default_factory=list)
    last_modified: datetime | None = None

    def content_hash(self) -> str:
        """A stable digest of the synced content (see `synced_content`)."""
        payload = json.dumps(synced_content(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()


_RECORD_ONLY_FIELDS = {"links", "order_number", "last_modified"}


def _canonical(value: Any) -> Any:
    """Reduce a value to JSON with one spelling per meaning (Decimal, date, enum, set order)."""
    if isinstance(value, PricingDimension):
        return value.code
    if isinstance(value, BaseModel):
        return {name: _canonical(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_canonical(v) for v in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def synced_content(order: DraftOrder) -> dict[str, Any]:
    """The fields that travel between systems, canonicalised, without record-only fields.

    The customer and contact are identified by their links (the only thing both sides share);
    the links of the order and its lines are excluded because each side sees them fill in at
    different moments.
    """
    content = _canonical(order)
    for name in _RECORD_ONLY_FIELDS:
        content.pop(name, None)
    content["customer"] = _canonical(order.customer.links)
    content["bill_to_contact"] = _canonical(order.bill_to_contact.links) if order.bill_to_contact else None
    content["lines"] = sorted(
        ({k: v for k, v in _canonical(line).items() if k != "links"} for line in order.lines),
        key=lambda item: json.dumps(item, sort_keys=True),
    )
    return content
