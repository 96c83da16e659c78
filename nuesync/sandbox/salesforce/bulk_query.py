"""Bulk API 2.0 query jobs: which SOQL they accept, and their rows as CSV columns.

Bulk API 2.0 documents that a query job takes no GROUP BY, OFFSET or TYPEOF, no aggregate
function such as COUNT(), and no parent-to-child relationship query (child subqueries), while
child-to-parent paths (`Account.Name`) are fine. The emulator's SOQL has no GROUP BY or TYPEOF at
all (MALFORMED_QUERY), so the rest is checked here against the planned statement. A result is flat:
one column per selected field, a parent path named by its dots, a null as an empty field, and
datetimes in UTC with a `Z`, as the result files Salesforce writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from nuesync.sandbox.salesforce.errors import ApiError
from nuesync.sandbox.salesforce.query import Node, Plan, SubPlan
from nuesync.sandbox.salesforce.schema import Field
from nuesync.sandbox.salesforce.soql_bind import POLYMORPHIC_TYPE
from nuesync.sandbox.salesforce.store import Row, Store

Getter = Callable[[str, Row], Any]  # (object name, row) → value


def check_bulk_query(plan: Plan) -> None:
    """Refuse what Bulk API 2.0 does not run (see the module docstring)."""
    if plan.counts:
        raise _unsupported("Aggregate functions such as COUNT() are not supported in Bulk API 2.0 queries")
    if plan.offset is not None:
        raise _unsupported("OFFSET is not supported in Bulk API 2.0 queries")
    if any(isinstance(entry, SubPlan) for entry in plan.node.entries.values()):
        raise _unsupported("Aggregate Relationships not supported in Bulk Query with CSV content type")


def _unsupported(message: str) -> ApiError:
    return ApiError(400, "API_ERROR", message)


def export(store: Store, plan: Plan, rows: list[Row]) -> tuple[list[str], list[list[str | None]]]:
    """The header and the rendered rows of a query job's result."""
    columns = list(_columns(store, plan.node, ""))
    obj = plan.otype.name
    return [name for name, _ in columns], [[render(get(obj, row)) for _, get in columns] for row in rows]


def _columns(store: Store, node: Node, prefix: str) -> Iterator[tuple[str, Getter]]:
    for key, entry in node.entries.items():
        if isinstance(entry, Field):
            yield prefix + key, _reader(store, entry)
        else:
            hop, parent = entry
            for name, get in _columns(store, parent, f"{prefix}{key}."):
                yield name, _through(store, hop, get)


def _reader(store: Store, field: Field) -> Getter:
    def get(obj: str, row: Row) -> Any:
        if field is POLYMORPHIC_TYPE:
            return obj
        return store.value(obj, row, field.name) if field.name in store.schema.objects[obj].fields else None

    return get


def _through(store: Store, hop: Field, get: Getter) -> Getter:
    """A parent's column: follow the reference, then read the parent (null when there is none)."""
    def through(_obj: str, row: Row) -> Any:
        parent_id = row.get(hop.name)
        found = store.row_by_id(parent_id) if parent_id else None
        return None if found is None else get(found[0], found[1])

    return through


def render(value: Any) -> str | None:
    """A stored value as a Bulk API 2.0 CSV field."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
