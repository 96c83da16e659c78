"""Hasura-style query arguments evaluated in memory: `where` predicates and `order_by` sorts.

Semantics follow Hasura on Postgres, including its sharp edges:
- a comparison whose operand is `null` (`{_eq: null}`) is dropped, i.e. matches every row;
  use `_is_null` to test for null;
- a null column never satisfies `_eq`, `_neq`, `_in`, `_nin`, `_gt` … (SQL three-valued logic);
- `_and: []` matches everything, `_or: []` matches nothing;
- `_like` / `_ilike` take SQL patterns (`%`, `_`), `_ilike` ignoring case;
- strings compare case-sensitively (`status: {_eq: "draft"}` does not match `Draft`);
- `order_by` sorts ascending with nulls last and descending with nulls first unless the
  `*_nulls_first` / `*_nulls_last` variants say otherwise; with no `order_by`, rows come in
  creation order (Postgres promises no order at all: page with a stable `order_by`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from nuesync.sandbox.nue.store import Record
from nuesync.sandbox.nue.tables import QueryContext, Relation, Table
from nuesync.sandbox.nue.values import parse_timestamp

Predicate = Callable[[Record], bool]
SortKey = tuple[Callable[[Record], Any], bool, bool]  # (value of, descending, nulls first)


def _like(pattern: str, *, ignore_case: bool) -> Callable[[Any], bool]:
    regex = re.compile(_like_regex(pattern), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)
    return lambda value: isinstance(value, str) and regex.fullmatch(value) is not None


@cache
def _like_regex(pattern: str) -> str:
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            parts.append({"%": ".*", "_": "."}.get(char) or re.escape(char))
    return "".join(parts)


def _contains(container: Any, wanted: Any) -> bool:
    """jsonb `@>`: every key/value of `wanted` is in `container` (recursively for objects)."""
    if isinstance(wanted, dict):
        return isinstance(container, dict) and all(
            key in container and _contains(container[key], value) for key, value in wanted.items()
        )
    if isinstance(wanted, list):
        return isinstance(container, list) and all(any(_contains(c, w) for c in container) for w in wanted)
    return bool(container == wanted)


# operator -> builds a test of a (converted, non-null) column value from the operand.
OPERATORS: dict[str, Callable[[Any], Callable[[Any], bool]]] = {
    "_eq": lambda operand: lambda value: value == operand,
    "_neq": lambda operand: lambda value: value != operand,
    "_gt": lambda operand: lambda value: value > operand,
    "_gte": lambda operand: lambda value: value >= operand,
    "_lt": lambda operand: lambda value: value < operand,
    "_lte": lambda operand: lambda value: value <= operand,
    "_in": lambda operand: lambda value: value in operand,
    "_nin": lambda operand: lambda value: value not in operand,
    "_like": lambda operand: _like(operand, ignore_case=False),
    "_nlike": lambda operand: _negate(_like(operand, ignore_case=False)),
    "_ilike": lambda operand: _like(operand, ignore_case=True),
    "_nilike": lambda operand: _negate(_like(operand, ignore_case=True)),
    "_contains": lambda operand: lambda value: _contains(value, operand),
    "_has_key": lambda operand: lambda value: isinstance(value, dict) and operand in value,
}


_LIST_OPERATORS = frozenset({"_in", "_nin"})


def _negate(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: not test(value)


# How a stored column value is compared, per scalar: stored dates and timestamps are ISO text.
COLUMN_VALUE: dict[str, Callable[[Any], Any]] = {
    "date": lambda text: date.fromisoformat(text),
    "timestamptz": parse_timestamp,
    "numeric": lambda number: Decimal(number),
}


def compile_where(where: dict[str, Any] | None, table: Table, ctx: QueryContext) -> Predicate:
    """A predicate over rows of `table` for a coerced `<Table>_bool_exp` value."""
    if not where:
        return lambda _row: True
    tests: list[Predicate] = []
    for key, value in where.items():
        if value is None:
            continue
        if key == "_and":
            tests.append(_all([compile_where(item, table, ctx) for item in value]))
        elif key == "_or":
            tests.append(_any([compile_where(item, table, ctx) for item in value]))
        elif key == "_not":
            inner = compile_where(value, table, ctx)
            tests.append(lambda row, inner=inner: not inner(row))
        elif key in table.columns:
            tests.append(_column_test(key, table.columns[key], value))
        else:
            tests.append(_relation_test(table.relations[key], value, ctx))
    return _all(tests)


def _all(tests: list[Predicate]) -> Predicate:
    if len(tests) == 1:
        return tests[0]
    return lambda row: all(test(row) for test in tests)


def _any(tests: list[Predicate]) -> Predicate:
    return lambda row: any(test(row) for test in tests)


def _column_test(name: str, scalar: str, comparison: dict[str, Any]) -> Predicate:
    convert = COLUMN_VALUE.get(scalar, lambda value: value)
    checks: list[Callable[[Any], bool]] = []
    is_null: bool | None = None
    for operator, operand in comparison.items():
        if operand is None:
            continue
        if operator == "_is_null":
            is_null = bool(operand)
        else:
            checks.append(OPERATORS[operator](frozenset(operand) if operator in _LIST_OPERATORS else operand))

    def test(row: Record) -> bool:
        value = row.get(name)
        if is_null is not None and (value is None) != is_null:
            return False
        if not checks:
            return True
        if value is None:
            return False
        converted = convert(value)
        return all(check(converted) for check in checks)

    return test


def _relation_test(relation: Relation, where: dict[str, Any], ctx: QueryContext) -> Predicate:
    inner = compile_where(where, ctx.tables[relation.target], ctx)
    if relation.many:
        return lambda row: any(inner(child) for child in relation.fetch(ctx, row))
    return lambda row: (target := relation.fetch(ctx, row)) is not None and inner(target)


# order_by enum value -> (descending, nulls first); Postgres defaults for plain asc / desc.
DIRECTIONS: dict[str, tuple[bool, bool]] = {
    "asc": (False, False),
    "asc_nulls_first": (False, True),
    "asc_nulls_last": (False, False),
    "desc": (True, True),
    "desc_nulls_first": (True, True),
    "desc_nulls_last": (True, False),
}


def sort_keys(order_by: Iterable[dict[str, Any]] | None, table: Table, ctx: QueryContext) -> list[SortKey]:
    keys: list[SortKey] = []
    for item in order_by or ():
        for name, direction in item.items():
            if direction is None:
                continue
            if name in table.columns:
                descending, nulls_first = DIRECTIONS[direction]
                keys.append((lambda row, name=name: row.get(name), descending, nulls_first))
            else:
                relation = table.relations[name]
                for inner, descending, nulls_first in sort_keys([direction], ctx.tables[relation.target], ctx):
                    keys.append((_through(relation, inner, ctx), descending, nulls_first))
    return keys


def _through(relation: Relation, inner: Callable[[Record], Any], ctx: QueryContext) -> Callable[[Record], Any]:
    def value(row: Record) -> Any:
        target = relation.fetch(ctx, row)
        return None if target is None else inner(target)

    return value


def sort_rows(rows: list[Record], keys: list[SortKey]) -> list[Record]:
    """Stable multi-key sort: one stable pass per key, last key first."""
    for value_of, descending, nulls_first in reversed(keys):
        present = [row for row in rows if value_of(row) is not None]
        missing = [row for row in rows if value_of(row) is None]
        present.sort(key=value_of, reverse=descending)
        rows = missing + present if nulls_first else present + missing
    return rows
