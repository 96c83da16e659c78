"""One row of a Bulk API 2.0 ingest job through the emulator's ordinary write path.

The header names fields by API name (case-insensitively), or a parent by `Relationship.Field`,
where Field identifies the parent (an external id: `Order.Nue_Order_Id__c`), as the Bulk API
guide describes relationship fields in a header row. An empty value is ignored (the field is not
written) and `#N/A` sets the field to null, as "Valid CSV Record Rows" documents. Each row is then
the JSON body a REST call would carry, so required fields, references, object rules (Draft orders,
price books) and unique external ids hold exactly as they do for REST and Collections writes.
A header naming nothing on the object fails the whole job ("Field name not found").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nuesync.sandbox.salesforce import writes
from nuesync.sandbox.salesforce.bulk_csv import CsvError
from nuesync.sandbox.salesforce.errors import ApiError, record_error
from nuesync.sandbox.salesforce.ids import normalize_id
from nuesync.sandbox.salesforce.schema import Field, Schema, SObjectType
from nuesync.sandbox.salesforce.store import Store

NULL_VALUE = "#N/A"


@dataclass(frozen=True)
class Column:
    """A header column: the field it writes, and the parent's identifying field for a relationship column."""

    field: Field
    parent_field: str | None = None


@dataclass(frozen=True)
class RowOutcome:
    record_id: str
    created: bool


class IngestPlan:
    """How a job's rows are written: its columns resolved against the object, and its operation."""

    def __init__(self, store: Store, otype: SObjectType, operation: str, external_id: str | None,
                 header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.store = store
        self.otype = otype
        self.operation = operation
        self.columns = [_column(store.schema, otype, name) for name in header]
        self.key = self._key_field(external_id)
        self.key_counts = Counter(self._key_value(row) for row in rows) if self.key else Counter()

    def _key_field(self, external_id: str | None) -> Field | None:
        if self.operation == "delete" and [c.field.name for c in self.columns] != ["Id"]:
            raise CsvError("InvalidBatch : The 'delete' batch must contain only ids")
        name = external_id if self.operation == "upsert" else "Id" if self.operation in ("update", "delete") else None
        if name is None:
            return None
        field = self.otype.field(name)
        if field is None or not any(c.field is field and c.parent_field is None for c in self.columns):
            raise CsvError(f"InvalidBatch : Field name provided, {name} is missing from the header")
        return field

    def _key_value(self, row: Sequence[str]) -> str:
        assert self.key is not None
        return next(value for column, value in zip(self.columns, row, strict=True)
                    if column.field is self.key and column.parent_field is None)

    def write(self, row: Sequence[str]) -> RowOutcome:
        """Write one row; raises `ApiError` for a per-record failure (the row's `sf__Error`)."""
        body = self._body(row)
        if self.key is None:
            return RowOutcome(writes.insert(self.store, self.otype, body), True)
        value = self._key_value(row)
        if value in ("", NULL_VALUE):
            raise record_error("MISSING_ARGUMENT", f"{self.key.name} not specified", [self.key.name])
        if self.operation == "upsert" and self.key_counts[value] > 1:
            raise record_error("DUPLICATE_EXTERNAL_ID", f"Duplicate external id specified: {value}", [self.key.name])
        body.pop(self.key.name, None)
        if self.operation == "upsert":
            return RowOutcome(*writes.upsert(self.store, self.otype, self.key, self._lookup(value), body))
        record_id = self._record_id(value)
        if self.operation == "delete":
            writes.delete(self.store, self.otype, record_id)
        else:
            writes.update(self.store, self.otype, record_id, body)
        return RowOutcome(record_id, False)

    def known_id(self, row: Sequence[str]) -> str:
        """The record id a failed row names (update, delete), for its `sf__Id`; empty otherwise."""
        if self.key is None or self.key.name != "Id":
            return ""
        return normalize_id(self._key_value(row)) or ""

    def _lookup(self, value: str) -> str:
        return (normalize_id(value) or value) if self.key is not None and self.key.name == "Id" else value

    def _record_id(self, value: str) -> str:
        record_id = normalize_id(value)
        if record_id is None or record_id[:3] != self.otype.key_prefix:
            raise record_error("MALFORMED_ID", f"{self.otype.label} ID: id value of incorrect type: {value}", ["Id"])
        try:
            writes.live_row(self.store, self.otype, record_id)
        except writes.RecordNotFound:
            raise record_error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id") from None
        return record_id

    def _body(self, row: Sequence[str]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for column, value in zip(self.columns, row, strict=True):
            if value == "":
                continue
            if value == NULL_VALUE:
                body[column.field.name] = None
            elif column.parent_field is not None:
                body[str(column.field.relationship_name)] = {column.parent_field: value}
            else:
                body[column.field.name] = _date_value(column.field, value)
        return body


def _column(schema: Schema, otype: SObjectType, name: str) -> Column:
    relationship, dot, parent_field = name.partition(".")
    field = otype.relationship(relationship) if dot else otype.field(name)
    if field is None or (dot and not _names_parent_field(schema, field, parent_field)):
        raise CsvError(f"InvalidBatch : Field name not found : {name}")
    return Column(field, parent_field if dot else None)


def _names_parent_field(schema: Schema, field: Field, name: str) -> bool:
    """`Relationship.Field` must name a field of the (one) parent type; polymorphic references use
    another header syntax, which the emulator does not read."""
    if field.polymorphic or not field.reference_to:
        return False
    return schema.objects[field.reference_to[0]].field(name) is not None


def _date_value(field: Field, value: str) -> str:
    """Bulk CSV dates may carry a trailing `Z` (the guide's own sample does); REST JSON does not."""
    return value[:-1] if field.type == "date" and value.endswith("Z") else value


def record_failure(error: ApiError) -> str:
    """A failed row's `sf__Error`: the status code, the message, then the fields it is about."""
    fields = ",".join(error.fields or [])
    return f"{error.error_code}:{error.message}:{fields} --" if fields else f"{error.error_code}:{error.message} --"
