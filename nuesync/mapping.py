"""The field mapping between the canonical model and each system's wire fields: data, not code.

Each table maps a canonical field path (dotted, as in `model.py`) to the system's field name.
A real org names its fields its own way (the Nue managed package uses the `Ruby__` namespace),
so every entry can be overridden from `[mapping.<system>.<object>]` in `nuesync.toml`, and
custom fields are added with `[[mapping.custom_fields]]`. The adapters read these tables; they
never spell a mapped field name themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal, TypeVar

from nuesync.model import System


class MappedObject(StrEnum):
    ORDER = "order"
    LINE = "line"
    CUSTOMER = "customer"
    CONTACT = "contact"


Table = MappingProxyType[str, str]

DEFAULT_SALESFORCE: dict[MappedObject, Table] = {
    MappedObject.ORDER: MappingProxyType(
        {
            "links.nue_id": "Nue_Order_Id__c",
            "origin": "Nue_Origin__c",
            "name": "Name",
            "description": "Description",
            "effective_date": "EffectiveDate",
            "currency": "CurrencyIsoCode",
            "customer": "AccountId",
            "bill_to_contact": "BillToContactId",
            "billing.billing_period": "Nue_Billing_Period__c",
            "billing.bill_cycle_day": "Nue_Bill_Cycle_Day__c",
            "billing.billing_timing": "Nue_Billing_Timing__c",
            "billing.payment_term": "Nue_Payment_Term__c",
            "discount.percent": "Nue_Discount_Percent__c",
            "discount.amount": "Nue_Discount_Amount__c",
        }
    ),
    MappedObject.LINE: MappingProxyType(
        {
            "links.nue_id": "Nue_Order_Product_Id__c",
            "quantity": "Quantity",
            "unit_price": "UnitPrice",
            "discount.percent": "Nue_Discount_Percent__c",
            "discount.amount": "Nue_Discount_Amount__c",
            "subscription_start": "ServiceDate",
            "subscription_end": "EndDate",
            "subscription_term": "Nue_Subscription_Term__c",
            "price_tags": "Nue_Price_Tags__c",
        }
    ),
    MappedObject.CUSTOMER: MappingProxyType(
        {
            "links.nue_id": "Nue_Customer_Id__c",
            "name": "Name",
        }
    ),
    MappedObject.CONTACT: MappingProxyType(
        {
            "links.nue_id": "Nue_Contact_Id__c",
            "name": "Name",
        }
    ),
}

DEFAULT_NUE: dict[MappedObject, Table] = {
    MappedObject.ORDER: MappingProxyType(
        {
            "links.salesforce_id": "salesforceId",
            "origin": "origin",
            "name": "name",
            "description": "description",
            "effective_date": "effectiveDate",
            "currency": "currencyIsoCode",
            "customer": "customerId",
            "bill_to_contact": "billToContactId",
            "billing.billing_period": "billingPeriod",
            "billing.bill_cycle_day": "billCycleDay",
            "billing.billing_timing": "billingTiming",
            "billing.payment_term": "paymentTerm",
            "discount.percent": "discount",
            "discount.amount": "discountAmount",
        }
    ),
    MappedObject.LINE: MappingProxyType(
        {
            "links.salesforce_id": "salesforceId",
            "product_sku": "productSku",
            "quantity": "quantity",
            "unit_price": "listPrice",
            "discount.percent": "discount",
            "discount.amount": "discountAmount",
            "subscription_start": "subscriptionStartDate",
            "subscription_end": "subscriptionEndDate",
            "subscription_term": "subscriptionTerm",
            "price_tags": "priceTags",
        }
    ),
    # Nue documents a customer's `externalId` as its Salesforce Account Id: set by Nue's own
    # Salesforce sync (null until then) and read-only through the API, so nuesync reads the link
    # from it and never writes it, whichever field an override names.
    MappedObject.CUSTOMER: MappingProxyType(
        {
            "links.salesforce_id": "externalId",
            "name": "name",
            "email": "email",
        }
    ),
    MappedObject.CONTACT: MappingProxyType(
        {
            "links.salesforce_id": "salesforceId",
            "name": "name",
        }
    ),
}

DEFAULTS: dict[System, dict[MappedObject, Table]] = {
    System.SALESFORCE: DEFAULT_SALESFORCE,
    System.NUE: DEFAULT_NUE,
}

CHECKOUT_URL = "checkout_url"

# Salesforce fields nuesync writes but never reads into an order: the customer's billing-portal
# checkout link is for people, not order content, so it takes no part in a diff, a content hash or
# the readers compiled from the tables above. Overridden from `[mapping.salesforce.<object>]` too.
WRITE_ONLY_SALESFORCE: dict[MappedObject, Table] = {
    MappedObject.ORDER: MappingProxyType({CHECKOUT_URL: "Nue_Checkout_URL__c"}),
}


def mappable_keys(system: System, obj: MappedObject) -> tuple[str, ...]:
    """The keys `[mapping.<system>.<object>]` may set: the default table's, and the write-only fields'."""
    write_only = WRITE_ONLY_SALESFORCE.get(obj, {}) if system is System.SALESFORCE else {}
    return (*DEFAULTS[system][obj], *write_only)


# Field names reach SOQL queries and GraphQL selections as text, so a name must be a bare API
# name: anything else ("Region__c FROM Order --") would rewrite the query. A dotted path is
# allowed only where the default field is one (a relationship path), never in a custom field.
SALESFORCE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")

_NAME_SHAPES: dict[System, tuple[re.Pattern[str], str]] = {
    System.SALESFORCE: (
        SALESFORCE_NAME,
        "a Salesforce API name: a letter, then letters, digits or underscores (like 'Region__c')",
    ),
    System.NUE: (
        GRAPHQL_NAME,
        "a GraphQL name: a letter or underscore, then letters, digits or underscores (like 'region')",
    ),
}
CUSTOM_NAME_SHAPE = "a name of letters, digits and underscores, not starting with a digit (like 'region')"


def field_name_problem(system: System, name: str, *, dotted: bool = False) -> str | None:
    """What a valid field name of `system` looks like, when `name` is not one (None when it is)."""
    pattern, shape = _NAME_SHAPES[system]
    parts = name.split(".") if dotted else [name]
    if all(pattern.fullmatch(part) for part in parts):
        return None
    return f"expected {shape}{', or a dotted path of such names' if dotted else ''}"


def override_name_problem(system: System, obj: MappedObject, key: str, name: str) -> str | None:
    """`field_name_problem` for an override of a default entry: dotted only where the default is."""
    return field_name_problem(system, name, dotted="." in DEFAULTS[system][obj].get(key, ""))


def custom_name_problem(name: str) -> str | None:
    """A custom field's canonical name is shown in diffs and keys its values: an identifier."""
    return None if GRAPHQL_NAME.fullmatch(name) else f"expected {CUSTOM_NAME_SHAPE}"


CustomType = Literal["string", "number", "date", "boolean"]
Compiled = TypeVar("Compiled")


@dataclass(frozen=True)
class CustomField:
    """A custom field carried on orders or lines: one canonical name, one field per system."""

    object: Literal["order", "line"]
    name: str
    salesforce: str
    nue: str
    type: CustomType = "string"

    def field_in(self, system: System) -> str:
        return self.nue if system is System.NUE else self.salesforce


@dataclass(frozen=True)
class FieldMapping:
    """The resolved mapping for one run: defaults, with the config's overrides laid on top."""

    salesforce: dict[MappedObject, Table] = field(default_factory=lambda: dict(DEFAULT_SALESFORCE))
    nue: dict[MappedObject, Table] = field(default_factory=lambda: dict(DEFAULT_NUE))
    custom_fields: tuple[CustomField, ...] = ()
    write_only: dict[MappedObject, Table] = field(default_factory=lambda: dict(WRITE_ONLY_SALESFORCE))
    _compiled: dict[Callable[[FieldMapping], Any], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def compiled(self, build: Callable[[FieldMapping], Compiled]) -> Compiled:
        """`build(self)`, worked out once per mapping: a reader compiled from these tables then
        serves every record of the run instead of reading the tables again for each one."""
        if build not in self._compiled:
            self._compiled[build] = build(self)
        return self._compiled[build]

    def table(self, system: System, obj: MappedObject) -> Table:
        return (self.nue if system is System.NUE else self.salesforce)[obj]

    def custom(self, obj: Literal["order", "line"]) -> tuple[CustomField, ...]:
        return tuple(c for c in self.custom_fields if c.object == obj)

    def write_only_field(self, obj: MappedObject, key: str) -> str:
        """The Salesforce field a write-only key (`checkout_url` on order) names."""
        return self.write_only[obj][key]

    @classmethod
    def build(
        cls,
        overrides: dict[System, dict[MappedObject, dict[str, str]]] | None = None,
        custom_fields: tuple[CustomField, ...] = (),
    ) -> FieldMapping:
        """Lay overrides on the defaults, a write-only key's on its own table; keys and names were checked by
        `config`."""
        given = overrides or {}

        def laid(system: System, obj: MappedObject, table: Table, write_only: bool) -> Table:
            own = WRITE_ONLY_SALESFORCE.get(obj, {}) if system is System.SALESFORCE else {}
            kept = {key: name for key, name in given.get(system, {}).get(obj, {}).items() if (key in own) is write_only}
            return MappingProxyType({**table, **kept})

        merged = {system: {obj: laid(system, obj, table, False) for obj, table in DEFAULTS[system].items()}
                  for system in System}
        write_only = {obj: laid(System.SALESFORCE, obj, table, True) for obj, table in WRITE_ONLY_SALESFORCE.items()}
        return cls(salesforce=merged[System.SALESFORCE], nue=merged[System.NUE], custom_fields=custom_fields,
                   write_only=write_only)
