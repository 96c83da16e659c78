"""What the Salesforce mapping must point at: each mapped field's expected type, lookup target and
write access, and the rules that compare a field's describe with them. Pure: the describe is passed
in, so every rule is tested without an org.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from nuesync.mapping import FieldMapping, MappedObject
from nuesync.model import System
from nuesync.setup.fields import SPECS

SF = System.SALESFORCE


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "a number"
    DATE = "a date"
    BOOLEAN = "a checkbox"
    REFERENCE = "a lookup"


SALESFORCE_TYPES: dict[Kind, frozenset[str]] = {
    Kind.TEXT: frozenset({"string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone", "url",
                          "encryptedstring"}),
    Kind.NUMBER: frozenset({"double", "currency", "percent", "int", "long"}),
    Kind.DATE: frozenset({"date"}),
    Kind.BOOLEAN: frozenset({"boolean"}),
    Kind.REFERENCE: frozenset({"reference"}),
}
_T, _N, _D = Kind.TEXT, Kind.NUMBER, Kind.DATE
EXPECTED_KIND: dict[MappedObject, dict[str, Kind]] = {
    MappedObject.ORDER: {
        "links.nue_id": _T, "origin": _T, "name": _T, "description": _T, "effective_date": _D, "currency": _T,
        "customer": Kind.REFERENCE, "bill_to_contact": Kind.REFERENCE, "billing.billing_period": _T,
        "billing.bill_cycle_day": _T, "billing.billing_timing": _T, "billing.payment_term": _T,
        "discount.percent": _N, "discount.amount": _N,
    },
    MappedObject.LINE: {
        "links.nue_id": _T, "quantity": _N, "unit_price": _N, "discount.percent": _N, "discount.amount": _N,
        "subscription_start": _D, "subscription_end": _D, "subscription_term": _N, "price_tags": _T,
    },
    MappedObject.CUSTOMER: {"links.nue_id": _T, "name": _T},
    MappedObject.CONTACT: {"links.nue_id": _T, "name": _T},
}
CUSTOM_KIND: dict[str, Kind] = {"string": Kind.TEXT, "number": Kind.NUMBER, "date": Kind.DATE,
                                "boolean": Kind.BOOLEAN}
REFERENCE_TARGET: dict[tuple[MappedObject, str], str] = {
    (MappedObject.ORDER, "customer"): "Account",
    (MappedObject.ORDER, "bill_to_contact"): "Contact",
}
SOBJECT: dict[MappedObject, str] = {
    MappedObject.ORDER: "Order", MappedObject.LINE: "OrderItem",
    MappedObject.CUSTOMER: "Account", MappedObject.CONTACT: "Contact",
}
# nuesync upserts orders, lines and accounts (create and update); it reads contacts, and writes them
# only when asked to create missing ones (`--create-customers`, a run's choice doctor cannot foresee):
# the setup kit's permission set grants that edit access, and a refused write fails its orders alone.
WRITE_FLAGS: dict[MappedObject, tuple[str, ...]] = {
    MappedObject.ORDER: ("createable", "updateable"),
    MappedObject.LINE: ("createable", "updateable"),
    MappedObject.CUSTOMER: ("createable", "updateable"),
    MappedObject.CONTACT: (),
}
FLAG_WORDS = {"createable": "set on create", "updateable": "updated"}
# The link fields Salesforce upserts are keyed by (rule 4 in docs/design.md): they must be External IDs.
UPSERT_KEYS = (MappedObject.ORDER, MappedObject.LINE, MappedObject.CUSTOMER)
LINK = "links.nue_id"


@dataclass(frozen=True)
class MappedField:
    """One Salesforce field the config maps, with what it must be and where the config names it."""

    obj: MappedObject
    label: str  # the canonical path, or custom_fields.<name>
    name: str
    kind: Kind | None
    where: str

    @property
    def qualified(self) -> str:
        return f"{SOBJECT[self.obj]}.{self.name}"


def mapped_fields(mapping: FieldMapping, obj: MappedObject) -> list[MappedField]:
    expected = EXPECTED_KIND[obj]
    fields = [
        MappedField(obj, path, name, expected.get(path), f'"{path}" in [mapping.salesforce.{obj.value}]')
        for path, name in {**mapping.table(SF, obj), **mapping.write_only.get(obj, {})}.items()
    ]
    if obj in (MappedObject.ORDER, MappedObject.LINE):
        fields += [
            MappedField(obj, f"custom_fields.{c.name}", c.salesforce, CUSTOM_KIND[c.type],
                        f'salesforce in the [[mapping.custom_fields]] entry "{c.name}"')
            for c in mapping.custom(obj.value)
        ]
    return fields


@dataclass(frozen=True)
class Problem:
    detail: str
    fix: str


Described = Mapping[str, Any] | None
FieldRule = Callable[[MappedField, Described], Problem | None]


def missing_field(f: MappedField, described: Described) -> Problem | None:
    if described is not None:
        return None
    create = (f"generate {f.name} with `nuesync setup salesforce --out DIR` and deploy DIR"
              if f.name.endswith("__c") else f"create {f.name} on {SOBJECT[f.obj]} in Salesforce")
    return Problem(f"{f.qualified} ({f.label}) does not exist", f"{create}, or set {f.where} to an existing field")


def _wrong_type(f: MappedField, described: Described) -> Problem | None:
    kind = described and described.get("type")
    if f.kind is None or kind in SALESFORCE_TYPES[f.kind]:
        return None
    return Problem(f"{f.qualified} ({f.label}) is {kind}, expected {f.kind.value}",
                   f"set {f.where} to a field of {f.kind.value} type")


def _wrong_target(f: MappedField, described: Described) -> Problem | None:
    target = REFERENCE_TARGET.get((f.obj, f.label))
    refers_to = list((described or {}).get("referenceTo") or [])
    if target is None or target in refers_to:
        return None
    return Problem(f"{f.qualified} ({f.label}) looks up {', '.join(refers_to) or 'nothing'}, expected {target}",
                   f"set {f.where} to a lookup to {target}")


def _read_only(f: MappedField, described: Described) -> Problem | None:
    refused = [FLAG_WORDS[flag] for flag in WRITE_FLAGS[f.obj] if not (described or {}).get(flag)]
    if not refused:
        return None
    return Problem(f"{f.qualified} ({f.label}) cannot be {' or '.join(refused)} by this user",
                   f"give the integration user edit access to {f.qualified} (field-level security), "
                   f"or set {f.where} to a writable field")


NUE_ID_LENGTH = 36  # Nue ids are UUIDs: a shorter text field refuses every one (STRING_TOO_LONG)


def _too_short(f: MappedField, described: Described) -> Problem | None:
    """A link field that cannot hold a Nue id."""
    length = (described or {}).get("length") or 0
    if f.label != LINK or (described or {}).get("type") not in ("string", "encryptedstring") \
            or length >= NUE_ID_LENGTH:
        return None
    return Problem(f"{f.qualified} ({f.label}) holds {length} characters; Nue ids have {NUE_ID_LENGTH}",
                   f"make {f.qualified} Text(255) (`nuesync setup salesforce` generates it so), or set {f.where} to "
                   "a longer field")


def _missing_values(f: MappedField, described: Described) -> Problem | None:
    """A restricted picklist without every value Nue sends for it: a write of one of those is refused."""
    spec = SPECS.get((f.obj, f.label))
    if spec is None or not spec.values or not (described or {}).get("restrictedPicklist"):
        return None
    held = {entry.get("value") for entry in (described or {}).get("picklistValues") or [] if entry.get("active")}
    missing = [value for value in spec.values if value not in held]
    if not missing:
        return None
    listed = ", ".join(f"'{value}'" for value in missing)
    return Problem(f"{f.qualified} ({f.label}) is a restricted picklist without {listed}: an order with "
                   f"{'that value' if len(missing) == 1 else 'those values'} is refused",
                   f"add {listed} to {f.qualified} in Setup (`nuesync setup salesforce` generates the values), or "
                   "unrestrict the picklist")


# Applied in order; a field's first problem is the one reported.
FIELD_RULES: tuple[FieldRule, ...] = (missing_field, _wrong_type, _wrong_target, _read_only, _too_short,
                                      _missing_values)


def field_problems(fields: Iterable[MappedField], described: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """Each mapped field's first problem against the describe (field names compared case-insensitively)."""
    found = ((f, described.get(f.name.lower())) for f in fields)
    return [problem for f, d in found if (problem := next((p for rule in FIELD_RULES if (p := rule(f, d))), None))]


def detail_and_fix(problems: Sequence[Problem]) -> tuple[str, str]:
    """Several problems as one check's detail and fix (a fix shared by several problems is said once)."""
    return "; ".join(p.detail for p in problems), "; ".join(dict.fromkeys(p.fix for p in problems))
