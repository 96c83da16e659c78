"""sObject Collections: create, update, upsert by external id, retrieve and delete up to 200 records.

The call succeeds with HTTP 200 and one result per record, in order; each record fails or
succeeds on its own unless `allOrNone` is true, in which case any failure rolls every record
back and the others report `ALL_OR_NONE_OPERATION_ROLLED_BACK`. Upserts that name the same
external id twice fail those records with `DUPLICATE_EXTERNAL_ID`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from nuesync.sandbox.salesforce import writes
from nuesync.sandbox.salesforce.errors import ApiError, record_error
from nuesync.sandbox.salesforce.http import Response
from nuesync.sandbox.salesforce.ids import normalize_id
from nuesync.sandbox.salesforce.rest import Context, external_field, object_type, record_json, write_result
from nuesync.sandbox.salesforce.schema import SObjectType

MAX_RECORDS = 200
_ROLLED_BACK = record_error(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
)

# One record's write: returns the success result, or raises ApiError for a per-record failure.
RecordWrite = Callable[[dict[str, Any]], dict[str, Any]]


def create(ctx: Context) -> Response:
    all_or_none, records = _records(ctx)
    return _run(ctx, records, all_or_none, lambda record: _create_one(ctx, record), keep_id=False)


def update(ctx: Context) -> Response:
    all_or_none, records = _records(ctx)
    return _run(ctx, records, all_or_none, lambda record: _update_one(ctx, record), keep_id=True)


def upsert(ctx: Context, obj: str, field_name: str) -> Response:
    otype = object_type(ctx, obj)
    field = external_field(otype, field_name)
    all_or_none, records = _records(ctx)
    keys = Counter(str(_value_of(r, field.name)) for r in records if _value_of(r, field.name) is not None)

    def upsert_one(record: dict[str, Any]) -> dict[str, Any]:
        value = _value_of(record, field.name)
        if value is None and field.name != "Id":
            raise record_error("MISSING_ARGUMENT", f"{field.name} not specified", [field.name])
        if value is not None and keys[str(value)] > 1:
            raise record_error("DUPLICATE_EXTERNAL_ID", f"Duplicate external id specified: {value}", [field.name])
        body = {k: v for k, v in record.items() if k.lower() != field.name.lower()}
        if value is None:  # keyed by Id and none given: a plain insert
            return write_result(writes.insert(ctx.store, otype, body), created=True)
        record_id, created = writes.upsert(ctx.store, otype, field, _lookup_value(field.name, value), body)
        return write_result(record_id, created=created)

    return _run(ctx, records, all_or_none, upsert_one, keep_id=False, created=True)


def retrieve(ctx: Context, obj: str) -> Response:
    otype = object_type(ctx, obj)
    ids = [i for i in ctx.request.query.get("ids", "").split(",") if i]
    names = [n for n in ctx.request.query.get("fields", "").split(",") if n]
    fields = [otype.field(n) for n in names]
    if not names or any(f is None for f in fields):
        raise ApiError(400, "INVALID_FIELD", "Provide the fields parameter with existing fields of " + otype.name)
    out: list[Any] = []
    for raw in ids:
        record_id = normalize_id(raw)
        row = ctx.store.row(otype.name, record_id) if record_id else None
        out.append(None if row is None or row.get("IsDeleted") else record_json(ctx, otype, row, fields))
    return Response(200, out)


def delete(ctx: Context) -> Response:
    ids = [i for i in ctx.request.query.get("ids", "").split(",") if i]
    if len(ids) > MAX_RECORDS:
        raise _too_many()
    all_or_none = ctx.request.query.get("allOrNone", "false").lower() == "true"

    def delete_one(record: dict[str, Any]) -> dict[str, Any]:
        otype = _type_of_id(ctx, record["Id"])
        writes.delete(ctx.store, otype, record["Id"])
        return write_result(record["Id"])

    return _run(ctx, [{"Id": i} for i in ids], all_or_none, delete_one, keep_id=True)


# --- shared machinery --------------------------------------------------------------------------


def _records(ctx: Context) -> tuple[bool, list[dict[str, Any]]]:
    body = ctx.body()
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be an object with a records array")
    if len(records) > MAX_RECORDS:
        raise _too_many()
    return bool(body.get("allOrNone", False)), records


def _too_many() -> ApiError:
    return ApiError(400, "EXCEEDED_ID_LIMIT",
                    "record limit reached. cannot submit more than 200 records into this call")


def _run(ctx: Context, records: list[dict[str, Any]], all_or_none: bool, write: RecordWrite, *, keep_id: bool,
         created: bool = False) -> Response:
    store = ctx.store
    start = store.savepoint()
    fault = ctx.faults.take_record_fault()
    results: list[dict[str, Any]] = []
    failed = False
    for position, record in enumerate(records, start=1):
        savepoint = store.savepoint()
        try:
            if fault is not None and position == fault.nth:
                raise ctx.faults.record_error_for(fault)
            results.append(write(record))
        except ApiError as error:
            store.rollback_to(savepoint)
            failed = True
            results.append(_failure(record, error, keep_id, created))
    if failed and all_or_none:
        store.rollback_to(start)
        results = [r if not r["success"] else _failure({"Id": r["id"]}, _ROLLED_BACK, keep_id, created)
                   for r in results]
    return Response(200, results)


def _failure(record: dict[str, Any], error: ApiError, keep_id: bool, created: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    record_id = _value_of(record, "Id")
    if keep_id and record_id is not None:
        result["id"] = record_id
    result |= {"success": False, "errors": [error.record_error()]}
    if created:
        result["created"] = False
    return result


def _create_one(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    return write_result(writes.insert(ctx.store, _type_of_record(ctx, record), record))


def _update_one(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    otype = _type_of_record(ctx, record)
    raw_id = _value_of(record, "Id")
    if raw_id is None:
        raise record_error("MISSING_ARGUMENT", "Id not specified in an update call")
    record_id = normalize_id(str(raw_id))
    if record_id is None or record_id[:3] != otype.key_prefix:
        raise record_error("MALFORMED_ID", f"{otype.label} ID: id value of incorrect type: {raw_id}", ["Id"])
    try:
        writes.update(ctx.store, otype, record_id, {k: v for k, v in record.items() if k.lower() != "id"})
    except writes.RecordNotFound:
        raise record_error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id") from None
    return write_result(record_id)


def _type_of_record(ctx: Context, record: dict[str, Any]) -> SObjectType:
    attributes = record.get("attributes")
    name = attributes.get("type") if isinstance(attributes, dict) else None
    otype = ctx.store.schema.get(name) if isinstance(name, str) else None
    if otype is None:
        raise record_error("INVALID_TYPE", f"sObject type '{name}' is not supported. Each record must name its "
                           "type in attributes.type.")
    return otype


def _type_of_id(ctx: Context, raw: str) -> SObjectType:
    record_id = normalize_id(raw)
    otype = ctx.store.schema.by_prefix(record_id[:3]) if record_id else None
    if record_id is None or otype is None:
        raise record_error("MALFORMED_ID", f"invalid record id: {raw}")
    try:
        writes.live_row(ctx.store, otype, record_id)
    except writes.RecordNotFound:
        raise record_error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id") from None
    return otype


def _value_of(record: dict[str, Any], name: str) -> Any:
    return next((v for k, v in record.items() if k.lower() == name.lower()), None)


def _lookup_value(field_name: str, value: Any) -> str:
    return (normalize_id(str(value)) or str(value)) if field_name == "Id" else str(value)
