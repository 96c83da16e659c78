"""The `POST /async/graphql` endpoint: a graphql-core schema generated from `tables.TABLES`.

Every table gets, Hasura-style:
- a root list field `<Table>(where, order_by, limit, offset)`, `<Table>_by_pk(id)` and
  `<Table>_aggregate(where) { aggregate { count } }`;
- a `<Table>_bool_exp` filter (`_eq`, `_neq`, `_gt`, `_gte`, `_lt`, `_lte`, `_in`, `_nin`,
  `_is_null`; `_like`/`_nlike`/`_ilike`/`_nilike` on strings; `_contains`/`_has_key` on jsonb;
  `_and`, `_or`, `_not`; relations filter through their target's `_bool_exp`, an array relation
  matching when any related row does) and a `<Table>_order_by` input (`asc`, `desc`,
  `*_nulls_first`, `*_nulls_last`; object relations sort through their target);
- array relations take the same `where` / `order_by` / `limit` / `offset` arguments.
Hasura scalars: `numeric` (amounts, exact, rendered as JSON numbers), `date`, `timestamptz`
(ISO 8601, filtered as instants), `jsonb` (custom fields).

Page cap: a root field returns at most `graphql_max_limit` rows; a larger `limit` (or none) is
clamped silently, as a Hasura role's row limit does. Page with `order_by` + `offset` and stop on
a short page *shorter than the cap*. Answers are `{"data": …}`, and queries graphql-core rejects
get its `errors` array (HTTP 200, as Hasura) instead of a guessed answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    graphql_sync,
    value_from_ast_untyped,
)
from graphql.language import FloatValueNode, IntValueNode, StringValueNode, ValueNode

from nuesync.sandbox.nue.hasura import DIRECTIONS, compile_where, sort_keys, sort_rows
from nuesync.sandbox.nue.store import Record, Store
from nuesync.sandbox.nue.tables import TABLES, QueryContext, Relation, Table
from nuesync.sandbox.nue.values import json_number, parse_timestamp


def _numeric(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TypeError(f"numeric cannot represent {value!r}")
    return Decimal(repr(value) if isinstance(value, float) else str(value))


def _literal(parse: Any) -> Any:
    def parse_literal(node: ValueNode, _variables: Any = None) -> Any:
        if not isinstance(node, IntValueNode | FloatValueNode | StringValueNode):
            raise TypeError("expected a literal value")
        return parse(node.value)

    return parse_literal


def _iso_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {value!r}")
    return value


NUMERIC = GraphQLScalarType(
    "numeric", serialize=lambda value: json_number(_numeric(value)), parse_value=_numeric,
    parse_literal=_literal(_numeric),
)
DATE = GraphQLScalarType(
    "date", serialize=_iso_text, parse_value=lambda value: date.fromisoformat(_iso_text(value)),
    parse_literal=_literal(date.fromisoformat),
)
TIMESTAMPTZ = GraphQLScalarType(
    "timestamptz", serialize=_iso_text, parse_value=lambda value: parse_timestamp(_iso_text(value)),
    parse_literal=_literal(parse_timestamp),
)
JSONB = GraphQLScalarType(
    "jsonb", serialize=lambda value: value, parse_value=lambda value: value,
    parse_literal=lambda node, variables=None: value_from_ast_untyped(node, variables),
)
SCALARS: dict[str, GraphQLScalarType] = {
    "String": GraphQLString, "Int": GraphQLInt, "Boolean": GraphQLBoolean,
    "numeric": NUMERIC, "date": DATE, "timestamptz": TIMESTAMPTZ, "jsonb": JSONB,
}
_ORDERED = ("_eq", "_neq", "_gt", "_gte", "_lt", "_lte")
# Which comparison operators each scalar's `<scalar>_comparison_exp` offers (besides `_is_null`).
OPERATORS_BY_SCALAR: dict[str, tuple[str, ...]] = {
    "String": (*_ORDERED, "_in", "_nin", "_like", "_nlike", "_ilike", "_nilike"),
    "Int": (*_ORDERED, "_in", "_nin"),
    "numeric": (*_ORDERED, "_in", "_nin"),
    "date": (*_ORDERED, "_in", "_nin"),
    "timestamptz": (*_ORDERED, "_in", "_nin"),
    "Boolean": ("_eq", "_neq"),
    "jsonb": ("_eq", "_neq", "_contains", "_has_key"),
}
_OPERAND_OVERRIDES = {"_has_key": GraphQLString}
ORDER_BY = GraphQLEnumType("order_by", {name: name for name in DIRECTIONS})


def _comparison(scalar: str) -> GraphQLInputObjectType:
    base = SCALARS[scalar]
    fields = {
        op: GraphQLInputField(
            GraphQLList(GraphQLNonNull(base)) if op in ("_in", "_nin") else _OPERAND_OVERRIDES.get(op, base)
        )
        for op in OPERATORS_BY_SCALAR[scalar]
    }
    return GraphQLInputObjectType(f"{scalar}_comparison_exp", {**fields, "_is_null": GraphQLInputField(GraphQLBoolean)})


class _Builder:
    """Generates the object, filter and sort types of every table (thunks resolve the cycles)."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.tables = tables
        self.comparisons = {scalar: _comparison(scalar) for scalar in SCALARS}
        self.objects: dict[str, GraphQLObjectType] = {}
        self.filters: dict[str, GraphQLInputObjectType] = {}
        self.sorts: dict[str, GraphQLInputObjectType] = {}
        for table in tables.values():
            self.filters[table.name] = self._filter(table)
            self.sorts[table.name] = self._sort(table)
            self.objects[table.name] = self._object(table)

    def _filter(self, table: Table) -> GraphQLInputObjectType:
        def fields() -> dict[str, GraphQLInputField]:
            own = self.filters[table.name]
            result = {name: GraphQLInputField(self.comparisons[scalar]) for name, scalar in table.columns.items()}
            result |= {name: GraphQLInputField(self.filters[rel.target]) for name, rel in table.relations.items()}
            result["_and"] = GraphQLInputField(GraphQLList(GraphQLNonNull(own)))
            result["_or"] = GraphQLInputField(GraphQLList(GraphQLNonNull(own)))
            result["_not"] = GraphQLInputField(own)
            return result

        return GraphQLInputObjectType(f"{table.name}_bool_exp", fields)

    def _sort(self, table: Table) -> GraphQLInputObjectType:
        def fields() -> dict[str, GraphQLInputField]:
            result = {
                name: GraphQLInputField(ORDER_BY) for name, scalar in table.columns.items() if scalar != "jsonb"
            }
            result |= {
                name: GraphQLInputField(self.sorts[rel.target]) for name, rel in table.relations.items() if not rel.many
            }
            return result

        return GraphQLInputObjectType(f"{table.name}_order_by", fields)

    def list_arguments(self, name: str) -> dict[str, GraphQLArgument]:
        return {
            "where": GraphQLArgument(self.filters[name]),
            "order_by": GraphQLArgument(GraphQLList(GraphQLNonNull(self.sorts[name]))),
            "limit": GraphQLArgument(GraphQLInt),
            "offset": GraphQLArgument(GraphQLInt),
        }

    def _object(self, table: Table) -> GraphQLObjectType:
        def fields() -> dict[str, GraphQLField]:
            result: dict[str, GraphQLField] = {
                name: GraphQLField(_column_type(name, scalar)) for name, scalar in table.columns.items()
            }
            for name, relation in table.relations.items():
                result[name] = self._relation_field(relation)
            return result

        return GraphQLObjectType(table.name, fields)

    def _relation_field(self, relation: Relation) -> GraphQLField:
        target: GraphQLOutputType = self.objects[relation.target]
        if not relation.many:
            return GraphQLField(target, resolve=lambda row, info: relation.fetch(info.context, row))
        return GraphQLField(
            GraphQLNonNull(GraphQLList(GraphQLNonNull(target))),
            args=self.list_arguments(relation.target),
            resolve=_nested_resolver(relation, self.tables[relation.target]),
        )


def _column_type(name: str, scalar: str) -> GraphQLOutputType:
    return GraphQLNonNull(GraphQLString) if name == "id" else SCALARS[scalar]


def _page(value: int | None, name: str) -> int | None:
    if value is not None and value < 0:
        raise GraphQLError(f"{name} must not be negative, got {value}")
    return value


def select(ctx: QueryContext, table: Table, rows: Iterable[Record], args: dict[str, Any],
           cap: int | None = None) -> list[Record]:
    """Filter, sort, then page rows the way a Hasura select does."""
    offset, limit = _page(args.get("offset"), "offset") or 0, _page(args.get("limit"), "limit")
    if cap is not None:
        limit = cap if limit is None else min(limit, cap)
    where = args.get("where")
    if where:
        matches = _memo(ctx, ("where", table.name, repr(where)), lambda: compile_where(where, table, ctx))
        selected = [row for row in rows if matches(row)]
    else:
        selected = list(rows)
    order_by = args.get("order_by")
    keys = _memo(ctx, ("order_by", table.name, repr(order_by)), lambda: sort_keys(order_by, table, ctx))
    if keys:
        selected = sort_rows(selected, keys)
    return selected[offset:] if limit is None else selected[offset : offset + limit]


def _memo(ctx: QueryContext, key: Any, build: Any) -> Any:
    """Compile a filter or sort once per request, not once per parent row of a nested list."""
    if key not in ctx.memo:
        ctx.memo[key] = build()
    return ctx.memo[key]


def _nested_resolver(relation: Relation, target: Table) -> Any:
    def resolve(row: Record, info: Any, **args: Any) -> list[Record]:
        children = relation.fetch(info.context, row)
        return select(info.context, target, children, args) if args else children

    return resolve


def _root_fields(builder: _Builder, table: Table) -> dict[str, GraphQLField]:
    count = GraphQLField(GraphQLNonNull(GraphQLInt))
    aggregate_fields = GraphQLObjectType(f"{table.name}_aggregate_fields", {"count": count})
    aggregate = GraphQLObjectType(f"{table.name}_aggregate", {"aggregate": GraphQLField(aggregate_fields)})

    def rows(info: Any) -> Iterable[Record]:
        return table.rows(info.context.store)

    def resolve_list(_root: Any, info: Any, **args: Any) -> list[Record]:
        return select(info.context, table, rows(info), args, cap=info.context.max_limit)

    def resolve_by_pk(_root: Any, info: Any, id: str) -> Record | None:
        return next((row for row in rows(info) if row["id"] == id), None)

    def resolve_aggregate(_root: Any, info: Any, **args: Any) -> dict[str, Any]:
        return {"aggregate": {"count": len(select(info.context, table, rows(info), args))}}

    return {
        table.name: GraphQLField(
            GraphQLNonNull(GraphQLList(GraphQLNonNull(builder.objects[table.name]))),
            args=builder.list_arguments(table.name),
            resolve=resolve_list,
        ),
        f"{table.name}_by_pk": GraphQLField(
            builder.objects[table.name], args={"id": GraphQLArgument(GraphQLNonNull(GraphQLString))},
            resolve=resolve_by_pk,
        ),
        f"{table.name}_aggregate": GraphQLField(
            GraphQLNonNull(aggregate), args={"where": GraphQLArgument(builder.filters[table.name])},
            resolve=resolve_aggregate,
        ),
    }


def build_schema(tables: dict[str, Table] = TABLES) -> GraphQLSchema:
    builder = _Builder(tables)
    root: dict[str, GraphQLField] = {}
    for table in tables.values():
        root |= _root_fields(builder, table)
    return GraphQLSchema(query=GraphQLObjectType("query_root", root))


SCHEMA = build_schema()


def _request_error(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": "invalid-request"}}]}


def run_graphql(store: Store, body: object, *, max_limit: int, schema: GraphQLSchema = SCHEMA) -> dict[str, Any]:
    """Execute one `{"query", "variables", "operationName"}` request against a consistent store."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return _request_error('expected a JSON object with a "query" string')
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return _request_error('"variables" must be a JSON object')
    operation = body.get("operationName")
    with store.lock:
        context = QueryContext(store=store, tables=TABLES, max_limit=max_limit)
        result = graphql_sync(
            schema, body["query"], context_value=context, variable_values=variables,
            operation_name=operation if isinstance(operation, str) else None,
        )
    return result.formatted

