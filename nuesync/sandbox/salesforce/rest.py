"""sObject REST resources: create, retrieve, update, delete, upsert by external id, describe.

Status codes and bodies follow the REST API guide: create → 201 `{"id","success","errors"}`;
update and delete → 204; upsert → 201 with `created: true`, 200 with `created: false`, 300 with
the matching records' URLs when an external id matches several records. A path segment that is
not an id is read as an external id field name, as Salesforce does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nuesync.sandbox.salesforce import describe as describe_module
from nuesync.sandbox.salesforce import writes
from nuesync.sandbox.salesforce.errors import ApiError, not_found, record_error
from nuesync.sandbox.salesforce.faults import Faults
from nuesync.sandbox.salesforce.http import Request, Response
from nuesync.sandbox.salesforce.ids import looks_like_id, normalize_id
from nuesync.sandbox.salesforce.query import QueryEngine
from nuesync.sandbox.salesforce.schema import Field, SObjectType
from nuesync.sandbox.salesforce.store import Row, Store
from nuesync.sandbox.salesforce.values import to_json

if TYPE_CHECKING:
    from nuesync.sandbox.salesforce.bulk_jobs import BulkJobs


@dataclass
class Context:
    """What a resource handler needs: the org, the API version of the URL, and the request."""

    store: Store
    engine: QueryEngine
    faults: Faults
    version: str
    request: Request
    api_usage: tuple[int, int] = (0, 0)  # (used, daily limit) for /limits
    subrequest: Callable[[Request], tuple[Response, str]] | None = None  # composite's in-process dispatch
    jobs: BulkJobs | None = None  # the org's Bulk API 2.0 jobs

    def body(self) -> Any:
        return self.request.json()

    def record_url(self, obj: str, record_id: str) -> str:
        return f"/services/data/v{self.version}/sobjects/{obj}/{record_id}"


def object_type(ctx: Context, name: str) -> SObjectType:
    otype = ctx.store.schema.get(name)
    if otype is None:
        raise not_found()
    return otype


def record_json(ctx: Context, otype: SObjectType, row: Row, fields: list[Field] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": {"type": otype.name, "url": ctx.record_url(otype.name, row["Id"])}}
    for f in fields if fields is not None else otype.fields.values():
        out[f.name] = to_json(f, ctx.store.value(otype.name, row, f.name))
    return out


def requested_fields(ctx: Context, otype: SObjectType) -> list[Field] | None:
    names = ctx.request.query.get("fields")
    if not names:
        return None
    fields = []
    for name in (n.strip() for n in names.split(",") if n.strip()):
        field = otype.field(name)
        if field is None:
            raise ApiError(400, "INVALID_FIELD", f"No such column '{name}' on entity '{otype.name}'. If you are "
                           "attempting to use a custom field, be sure to append the '__c' after the custom field "
                           "name. Please reference your WSDL or the describe call for the appropriate names.")
        fields.append(field)
    return fields


def record_id_from_path(otype: SObjectType, segment: str) -> str:
    """The 18-character id in a URL, or the errors Salesforce gives for ids that are not."""
    if not looks_like_id(segment):
        raise ApiError(404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {segment}")
    normalized = normalize_id(segment)
    if normalized is None or normalized[:3] != otype.key_prefix:
        raise record_error("MALFORMED_ID", f"{otype.label} ID: id value of incorrect type: {segment}", ["Id"])
    return normalized


def write_result(record_id: str, created: bool | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"id": record_id, "success": True, "errors": []}
    if created is not None:
        result["created"] = created
    return result


# --- resources ---------------------------------------------------------------------------------


def global_describe(ctx: Context) -> Response:
    return Response(200, describe_module.global_describe(ctx.store.schema, ctx.version))


def describe(ctx: Context, obj: str) -> Response:
    return Response(200, describe_module.describe_object(object_type(ctx, obj), ctx.version))


def object_info(ctx: Context, obj: str) -> Response:
    otype = object_type(ctx, obj)
    return Response(200, {"objectDescribe": describe_module.object_summary(otype, ctx.version), "recentItems": []})


def create(ctx: Context, obj: str) -> Response:
    otype = object_type(ctx, obj)
    body = ctx.body()
    if not isinstance(body, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from START_ARRAY value [")
    return Response(201, write_result(writes.insert(ctx.store, otype, body)))


def get_record(ctx: Context, obj: str, segment: str) -> Response:
    otype = object_type(ctx, obj)
    row = _row_or_404(ctx, otype, record_id_from_path(otype, segment))
    return Response(200, record_json(ctx, otype, row, requested_fields(ctx, otype)))


def update_record(ctx: Context, obj: str, segment: str) -> Response:
    otype = object_type(ctx, obj)
    record_id = record_id_from_path(otype, segment)
    body = _object_body(ctx)
    if any(k.lower() == "id" for k in body):
        raise ApiError(400, "INVALID_FIELD", "The Id field should not be specified in the sobject data.")
    writes.update(ctx.store, otype, _row_or_404(ctx, otype, record_id)["Id"], body)
    return Response(204)


def delete_record(ctx: Context, obj: str, segment: str) -> Response:
    otype = object_type(ctx, obj)
    record_id = record_id_from_path(otype, segment)
    _row_or_404(ctx, otype, record_id)
    writes.delete(ctx.store, otype, record_id)
    return Response(204)


def get_by_external_id(ctx: Context, obj: str, field_name: str, value: str) -> Response:
    otype = object_type(ctx, obj)
    matches = ctx.store.find_by(otype.name, external_field(otype, field_name), value)
    if not matches:
        raise not_found()
    if len(matches) > 1:
        return _multiple_choices(ctx, otype, matches)
    return Response(200, record_json(ctx, otype, matches[0], requested_fields(ctx, otype)))


def upsert(ctx: Context, obj: str, field_name: str, value: str) -> Response:
    otype = object_type(ctx, obj)
    field = external_field(otype, field_name)
    body = _object_body(ctx)
    supplied = next((v for k, v in body.items() if k.lower() == field.name.lower()), None)
    if supplied is not None and str(supplied) != value:
        raise ApiError(400, "INVALID_FIELD", f"The value of {field.name} in the body ({supplied}) must match "
                       f"the value in the URL ({value}).")
    body = {k: v for k, v in body.items() if k.lower() != field.name.lower()}
    matches = ctx.store.find_by(otype.name, field, value) if field.name != "Id" or normalize_id(value) else []
    if len(matches) > 1:
        return _multiple_choices(ctx, otype, matches)
    if matches:
        writes.update(ctx.store, otype, matches[0]["Id"], body)
        return Response(200, write_result(matches[0]["Id"], created=False))
    if field.name == "Id":
        raise not_found()
    return Response(201, write_result(writes.insert(ctx.store, otype, {**body, field.name: value}), created=True))


def delete_by_external_id(ctx: Context, obj: str, field_name: str, value: str) -> Response:
    otype = object_type(ctx, obj)
    matches = ctx.store.find_by(otype.name, external_field(otype, field_name), value)
    if not matches:
        raise not_found()
    if len(matches) > 1:
        return _multiple_choices(ctx, otype, matches)
    writes.delete(ctx.store, otype, matches[0]["Id"])
    return Response(204)


def external_field(otype: SObjectType, name: str) -> Field:
    field = otype.field(name)
    if field is None:
        raise ApiError(404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {name}")
    if not (field.external_id or field.name == "Id"):
        raise ApiError(400, "INVALID_FIELD", f"Field {field.name} is not an External ID or indexed field for "
                       f"{otype.name}")
    return field


def _multiple_choices(ctx: Context, otype: SObjectType, rows: list[Row]) -> Response:
    return Response(300, [ctx.record_url(otype.name, r["Id"]) for r in rows])


def _object_body(ctx: Context) -> dict[str, Any]:
    body = ctx.body()
    if not isinstance(body, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from START_ARRAY value [")
    return body


def _row_or_404(ctx: Context, otype: SObjectType, record_id: str) -> Row:
    try:
        return writes.live_row(ctx.store, otype, record_id)
    except writes.RecordNotFound:
        raise not_found() from None
