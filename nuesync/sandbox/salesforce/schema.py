"""The shape of the org: sObject types and their fields, as `describe` reports them.

Field definitions are data (one `Field` per field) and drive everything else: write validation,
SOQL name resolution and type checks, describe output, and delete behaviour. Names are matched
case-insensitively, as Salesforce does for both REST bodies and SOQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

FieldType = Literal[
    "id", "string", "textarea", "reference", "date", "datetime", "double", "currency", "percent",
    "int", "boolean", "picklist", "email", "phone", "url",
]
OnDelete = Literal["cascade", "restrict", "clear"]

TEXT_TYPES = frozenset({"string", "textarea", "picklist", "email", "phone", "url"})
NUMBER_TYPES = frozenset({"double", "currency", "percent", "int"})
ID_TYPES = frozenset({"id", "reference"})

# A calculated field's value, computed on read from the record and the store it lives in.
Formula = Callable[[Any, dict[str, Any]], Any]


@dataclass(frozen=True)
class Field:
    """One field as describe reports it, plus the two rules describe cannot express."""

    name: str
    label: str
    type: FieldType
    length: int = 0
    precision: int = 0
    scale: int = 0
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    required: bool = False  # REQUIRED_FIELD_MISSING even where describe says nillable (Order.AccountId)
    default: Any = None
    default_to_user: bool = False  # set on create to the running user when not given (OwnerId)
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    on_delete: OnDelete = "clear"  # what deleting the referenced record does to this record
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    filterable: bool = True
    sortable: bool = True
    auto_number: bool = False
    id_lookup: bool = False
    name_field: bool = False
    formula: Formula | None = None

    @property
    def custom(self) -> bool:
        return self.name.endswith("__c")

    @property
    def defaulted_on_create(self) -> bool:
        return self.default is not None or self.default_to_user or self.auto_number or self.type == "boolean"

    @property
    def polymorphic(self) -> bool:
        return len(self.reference_to) > 1


@dataclass(frozen=True)
class ChildRelationship:
    """A parent's view of a reference field pointing at it (Order → `OrderItems`)."""

    name: str | None
    child: str
    field: str
    on_delete: OnDelete


@dataclass
class SObjectType:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: dict[str, Field]
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    child_relationships: list[ChildRelationship] = field(default_factory=list)
    _by_lower: dict[str, Field] = field(default_factory=dict, repr=False)
    _by_relationship: dict[str, Field] = field(default_factory=dict, repr=False)
    defaults: dict[str, Any] = field(default_factory=dict, repr=False)
    required_fields: list[Field] = field(default_factory=list, repr=False)
    auto_number_fields: list[str] = field(default_factory=list, repr=False)
    user_defaulted_fields: list[str] = field(default_factory=list, repr=False)
    formula_fields: frozenset[str] = field(default_factory=frozenset, repr=False)

    def __post_init__(self) -> None:
        self._by_lower = {name.lower(): f for name, f in self.fields.items()}
        self.defaults = {f.name: f.default for f in self.fields.values() if f.default is not None}
        self.required_fields = [f for f in self.fields.values() if f.required]
        self.auto_number_fields = [f.name for f in self.fields.values() if f.auto_number]
        self.user_defaulted_fields = [f.name for f in self.fields.values() if f.default_to_user]
        self.formula_fields = frozenset(f.name for f in self.fields.values() if f.formula is not None)
        self._by_relationship = {
            f.relationship_name.lower(): f for f in self.fields.values() if f.relationship_name
        }

    def field(self, name: str) -> Field | None:
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> Field | None:
        """The reference field behind a parent relationship name (`Account` → `AccountId`)."""
        return self._by_relationship.get(name.lower())

    def child_relationship(self, name: str) -> ChildRelationship | None:
        lowered = name.lower()
        return next((c for c in self.child_relationships if c.name and c.name.lower() == lowered), None)

    @property
    def unique_fields(self) -> list[Field]:
        return [f for f in self.fields.values() if f.unique]

    @property
    def external_ids(self) -> list[Field]:
        return [f for f in self.fields.values() if f.external_id or f.name == "Id"]

    @property
    def name_field(self) -> Field | None:
        return next((f for f in self.fields.values() if f.name_field), None)


class Schema:
    """All sObject types of the org, with child relationships wired from reference fields."""

    def __init__(self, objects: Iterable[SObjectType], child_names: dict[tuple[str, str], str]) -> None:
        self.objects = {o.name: o for o in objects}
        self._by_lower = {name.lower(): o for name, o in self.objects.items()}
        self._by_prefix = {o.key_prefix: o for o in self.objects.values()}
        for child in self.objects.values():
            for f in child.fields.values():
                if f.type != "reference":
                    continue
                for parent_name in f.reference_to:
                    parent = self.objects.get(parent_name)
                    if parent is not None:
                        relationship = child_names.get((child.name, f.name))
                        parent.child_relationships.append(
                            ChildRelationship(relationship, child.name, f.name, f.on_delete)
                        )

    def get(self, name: str) -> SObjectType | None:
        return self._by_lower.get(name.lower())

    def by_prefix(self, prefix: str) -> SObjectType | None:
        return self._by_prefix.get(prefix)
