"""Create, update and delete with Salesforce's generic checks, then the object's own rules.

The order of checks follows what Salesforce reports first: body deserialization (unknown
field, JSON type), field permissions (`INVALID_FIELD_FOR_INSERT_UPDATE`), required fields,
references, object rules, and uniqueness last. Callers run each write inside a store
transaction so a failure leaves nothing half-written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nuesync.sandbox.salesforce import values
from nuesync.sandbox.salesforce.errors import ApiError, entity_is_deleted, not_found, record_error
from nuesync.sandbox.salesforce.rules import NO_RULES, RULES, WriteContext
from nuesync.sandbox.salesforce.schema import Field, SObjectType
from nuesync.sandbox.salesforce.store import Row, Store

SECURITY_HINT = (
    "Please check the security settings of this field and verify that it is read/write for your profile or "
    "permission set."
)


class RecordNotFound(ApiError):
    """The id names no record of this type; REST answers 404, collections a per-record error."""

    def __init__(self) -> None:
        base = not_found()
        super().__init__(base.status, base.error_code, base.message)


def insert(store: Store, otype: SObjectType, body: Mapping[str, Any]) -> str:
    _check_operation(store, otype, otype.createable, "insert")
    if any(k.lower() == "id" for k in body):
        raise record_error("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", ["Id"])
    supplied = read_body(store, otype, body, creating=True)
    row = otype.defaults | dict.fromkeys(otype.user_defaulted_fields, store.running_user) | supplied
    _check_required(row, otype.required_fields)
    _check_references(store, otype, supplied)
    ctx = WriteContext(store, otype.name, row, changed=set(supplied))
    for rule in RULES.get(otype.name, NO_RULES).before_insert:
        rule(ctx)
    _check_unique(store, otype, row, None)
    now = store.clock()
    row |= {"Id": store.new_id(otype.name), "IsDeleted": False, "CreatedDate": now, "LastModifiedDate": now,
            "SystemModstamp": now}
    for name in otype.auto_number_fields:
        row[name] = store.next_autonumber(name)
    store.put(otype.name, _without_formulas(otype, row))
    for after in RULES.get(otype.name, NO_RULES).after_write:
        after(ctx)
    return row["Id"]


def update(store: Store, otype: SObjectType, record_id: str, body: Mapping[str, Any]) -> None:
    _check_operation(store, otype, otype.updateable, "update", record_id)
    old = live_row(store, otype, record_id)
    supplied = read_body(store, otype, body, creating=False)
    new = old | supplied
    _check_required(new, [otype.fields[name] for name in supplied])
    _check_references(store, otype, supplied)
    changed = {name for name, value in supplied.items() if old.get(name) != value}
    ctx = WriteContext(store, otype.name, new, old, changed)
    for rule in RULES.get(otype.name, NO_RULES).before_update:
        rule(ctx)
    _check_unique(store, otype, new, record_id)
    now = store.clock()
    new |= {"LastModifiedDate": now, "SystemModstamp": now}
    store.put(otype.name, _without_formulas(otype, new))
    for after in RULES.get(otype.name, NO_RULES).after_write:
        after(ctx)


def upsert(store: Store, otype: SObjectType, field: Field, value: str, body: Mapping[str, Any]) -> tuple[str, bool]:
    """Update the one live record whose external id `field` is `value`, or insert one carrying it;
    returns the record id and whether it was created. Several matches are `DUPLICATE_EXTERNAL_ID`,
    and an upsert keyed by `Id` that matches nothing creates nothing (`INVALID_CROSS_REFERENCE_KEY`)."""
    matches = store.find_by(otype.name, field, value)
    if len(matches) > 1:
        raise record_error("DUPLICATE_EXTERNAL_ID", f"More than one record found for external id field "
                           f"{field.name} with value {value}", [field.name])
    if matches:
        update(store, otype, matches[0]["Id"], body)
        return matches[0]["Id"], False
    if field.name == "Id":
        raise record_error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["Id"])
    return insert(store, otype, {**body, field.name: value}), True


def delete(store: Store, otype: SObjectType, record_id: str) -> None:
    _check_operation(store, otype, otype.deletable, "delete", record_id)
    row = live_row(store, otype, record_id)
    _delete_tree(store, otype, row)


def live_row(store: Store, otype: SObjectType, record_id: str) -> Row:
    row = store.row(otype.name, record_id)
    if row is None:
        raise RecordNotFound()
    if row.get("IsDeleted"):
        raise entity_is_deleted()
    return row


def _delete_tree(store: Store, otype: SObjectType, row: Row) -> None:
    rules = RULES.get(otype.name, NO_RULES)
    for check in rules.before_delete:
        check(store, row)
    for relation in otype.child_relationships:
        children = store.children(relation.child, relation.field, row["Id"])
        if not children:
            continue
        child_type = store.schema.objects[relation.child]
        if relation.on_delete == "restrict":
            raise record_error(
                "DELETE_FAILED",
                f"Your attempt to delete {_display_name(store, otype, row)} could not be completed because it is "
                f"associated with the following {child_type.label_plural.lower()}.: "
                + ", ".join(_display_name(store, child_type, c) for c in children[:5]),
            )
        for child in children:
            if relation.on_delete == "cascade":
                _delete_tree(store, child_type, child)
            else:
                store.put(child_type.name, {**child, relation.field: None})
    now = store.clock()
    deleted = {**row, "IsDeleted": True, "LastModifiedDate": now, "SystemModstamp": now}
    store.put(otype.name, deleted)
    for after in rules.after_write:
        after(WriteContext(store, otype.name, deleted, row))


def _display_name(store: Store, otype: SObjectType, row: Row) -> str:
    name_field = otype.name_field
    name = store.value(otype.name, row, name_field.name) if name_field else None
    return str(name or row["Id"])


def read_body(store: Store, otype: SObjectType, body: Mapping[str, Any], *, creating: bool) -> Row:
    """Deserialize a request body into stored values: unknown fields and bad JSON types first."""
    supplied: Row = {}
    not_writable: list[str] = []
    for key, raw in body.items():
        if key == "attributes":
            continue
        field = otype.field(key)
        if field is None:
            relationship = otype.relationship(key) if isinstance(raw, dict) else None
            if relationship is None:
                raise ApiError(400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {otype.name}")
            field, value = relationship, _parent_by_external_id(store, relationship, raw)
        else:
            value = values.convert(store.schema, field, raw)
        if not (field.createable if creating else field.updateable):
            not_writable.append(field.name)
        supplied[field.name] = value
    if not_writable:
        raise record_error(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {', '.join(not_writable)}. {SECURITY_HINT}", not_writable,
        )
    return supplied


def _parent_by_external_id(store: Store, field: Field, raw: Mapping[str, Any]) -> str:
    """`"Account": {"Nue_Customer_Id__c": "C-1"}` sets AccountId from the parent's external id."""
    parent = store.schema.objects[field.reference_to[0]]
    keys = [k for k in raw if k != "attributes"]
    ext = parent.field(keys[0]) if len(keys) == 1 else None
    if ext is None or not ext.external_id:
        raise ApiError(400, "INVALID_FIELD", f"The foreign key object for {field.relationship_name} must name "
                       f"exactly one external ID field of {parent.name}")
    value = str(raw[keys[0]])
    matches = store.find_by(parent.name, ext, value)
    if len(matches) != 1:
        problem = "not found" if not matches else "matched more than one record"
        raise record_error("INVALID_FIELD", f"Foreign key external ID: {value} {problem} for field "
                           f"{ext.name} in entity {parent.name}")
    return matches[0]["Id"]


def _check_operation(store: Store, otype: SObjectType, allowed: bool, operation: str,
                     record_id: str = "") -> None:
    if store.row_lock_fault:
        raise record_error("UNABLE_TO_LOCK_ROW",
                           f"unable to obtain exclusive access to this record or 1 records: {record_id}".rstrip())
    if not allowed:
        raise record_error("INVALID_TYPE_FOR_OPERATION", f"entity type {otype.name} does not support {operation}")


def _check_required(row: Row, fields: Any) -> None:
    missing = [f.name for f in fields if f.required and row.get(f.name) is None]
    if missing:
        raise record_error("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)


def _check_references(store: Store, otype: SObjectType, supplied: Row) -> None:
    for name, value in supplied.items():
        field = otype.fields[name]
        if field.type != "reference" or value is None:
            continue
        found = store.row_by_id(value)
        if found is None or found[0] not in field.reference_to:
            raise record_error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [name])
        if found[1].get("IsDeleted"):
            raise record_error("ENTITY_IS_DELETED", "entity is deleted", [name])


def _check_unique(store: Store, otype: SObjectType, row: Row, record_id: str | None) -> None:
    for field in otype.unique_fields:
        value = row.get(field.name)
        if value is None:
            continue
        owner = store.unique_owner(otype.name, field, value)
        if owner is not None and owner != record_id:
            raise record_error(
                "DUPLICATE_VALUE", f"duplicate value found: {field.name} duplicates value on record with id: {owner}"
            )


def _without_formulas(otype: SObjectType, row: Row) -> Row:
    formulas = otype.formula_fields
    return {k: v for k, v in row.items() if k not in formulas} if formulas else row
