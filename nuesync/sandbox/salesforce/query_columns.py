"""`GET …/query?q=…&columns=true`: the columns a SOQL statement selects, instead of its rows.

Salesforce answers this form of the query resource with `columnMetadata`, one entry per selected
item in SELECT order: a field (`columnName`, `displayName`, `apexType`, `insertable`,
`updatable`, …), a parent relationship whose `joinColumns` are the fields read through it, a child
subquery (`aggregate: true`, `joinColumns` the subquery's columns), or a COUNT (`aggregate: true`,
no join columns, named by its alias or `exprN`). The `sf data query` command reads it to lay out
its table, child subqueries included. Planning the statement raises the same errors `/query` would.
"""

from __future__ import annotations

from typing import Any

from nuesync.sandbox.salesforce.query import Node, QueryEngine, SubPlan
from nuesync.sandbox.salesforce.schema import NUMBER_TYPES, TEXT_TYPES, Field

_APEX_TYPES = {"id": "Id", "reference": "Id", "date": "Date", "datetime": "Datetime", "double": "Double",
               "percent": "Double", "currency": "Decimal", "int": "Integer", "boolean": "Boolean"}


def column_metadata(engine: QueryEngine, soql: str, *, include_deleted: bool) -> dict[str, Any]:
    plan = engine.plan(soql, include_deleted=include_deleted)
    counts = [_count_column(alias, counted) for alias, counted in plan.counts]
    return {
        "columnMetadata": counts or _columns(plan.node),
        "entityName": plan.otype.name,
        "groupBy": False,
        "idSelected": "Id" in plan.node.entries,
        "keyPrefix": plan.otype.key_prefix,
    }


def _columns(node: Node) -> list[dict[str, Any]]:
    columns = []
    for key, entry in node.entries.items():
        if isinstance(entry, Field):
            columns.append(_field_column(entry))
        elif isinstance(entry, SubPlan):
            columns.append(_column(key, aggregate=True, joins=_columns(entry.plan.node)))
        else:
            hop, parent = entry
            columns.append(_column(key, foreign_key=hop.name, joins=_columns(parent)))
    return columns


def _field_column(field: Field) -> dict[str, Any]:
    return _column(field.name, apex_type=_APEX_TYPES.get(field.type, "String"), custom=field.custom,
                   insertable=field.createable, updatable=field.updateable, boolean=field.type == "boolean",
                   number=field.type in NUMBER_TYPES, text=field.type in TEXT_TYPES)


def _count_column(alias: str, counted: Field | None) -> dict[str, Any]:
    display = f"COUNT({counted.name})" if counted else "COUNT()"
    return {**_column(alias, aggregate=True, apex_type="Integer", number=True), "displayName": display}


def _column(name: str, *, aggregate: bool = False, joins: list[dict[str, Any]] | None = None,
            foreign_key: str | None = None, apex_type: str | None = None, custom: bool = False,
            insertable: bool = False, updatable: bool = False, boolean: bool = False, number: bool = False,
            text: bool = False) -> dict[str, Any]:
    return {
        "aggregate": aggregate, "apexType": apex_type, "booleanType": boolean, "columnName": name,
        "custom": custom, "displayName": name, "foreignKeyName": foreign_key, "insertable": insertable,
        "joinColumns": joins or [], "numberType": number, "textType": text, "updatable": updatable,
    }
