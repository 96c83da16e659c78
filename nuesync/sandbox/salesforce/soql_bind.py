"""Bind a SOQL syntax tree to the org: resolve names, check types, compile filters and sorts.

Names resolve case-insensitively to API names; unknown names and wrongly typed filter values
fail with the codes and messages Salesforce uses (INVALID_TYPE, INVALID_FIELD,
INVALID_QUERY_FILTER_OPERATOR). Filters compile to closures over stored rows: SOQL string
comparisons ignore case, `!=` and NOT IN keep null values, and date literals such as TODAY or
LAST_N_DAYS:n are day ranges. A semi-join or anti-join may not sit under OR (MALFORMED_QUERY,
"Semi join sub-selects are not allowed with the 'OR' operator"), as Salesforce refuses it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from nuesync.sandbox.salesforce import soql_parser as ast
from nuesync.sandbox.salesforce.errors import ApiError, malformed_query
from nuesync.sandbox.salesforce.ids import normalize_id
from nuesync.sandbox.salesforce.schema import ID_TYPES, NUMBER_TYPES, TEXT_TYPES, Field, SObjectType
from nuesync.sandbox.salesforce.store import Row, Store
from nuesync.sandbox.salesforce.values import parse_date, parse_datetime

Getter = Callable[[Row], Any]
Predicate = Callable[[Row], bool]

_FIELD_HINT = ("If you are attempting to use a custom field, be sure to append the '__c' after the custom field "
               "name. Please reference your WSDL or the describe call for the appropriate names.")
_RELATION_HINT = ("If you are attempting to use a custom relationship, be sure to append the '__r' after the custom "
                  "relationship name. Please reference your WSDL or the describe call for the appropriate names.")
_TYPE_HINT = ("If you are attempting to use a custom object, be sure to append the '__c' after the entity name. "
              "Please reference your WSDL or the describe call for the appropriate names.")
_POLYMORPHIC_FIELDS = {"id": "Id", "name": "Name"}
# `What.Type` on a polymorphic relationship: the referenced record's sObject type name.
POLYMORPHIC_TYPE = Field("Type", "Type", "string", length=255)
_FILTER_TYPE_NAMES = {"double": "double", "currency": "double", "percent": "double", "int": "int",
                      "boolean": "boolean", "date": "date", "datetime": "dateTime", "id": "id", "reference": "id"}


@dataclass
class BoundPath:
    """A resolved field path: the relationship hops, the final field, and how to read it."""

    hops: list[Field]  # reference fields walked from the query's object
    field: Field
    owner: SObjectType | None  # None when the last hop is polymorphic
    get: Getter


class Binder:
    def __init__(self, store: Store, text: str, today: dt.date) -> None:
        self.store = store
        self.schema = store.schema
        self.text = text
        self.today = today

    def error(self, code: str, pos: int, detail: str) -> ApiError:
        return ApiError(400, code, ast.locate(self.text, pos, detail))

    def object_type(self, name: str, pos: int) -> SObjectType:
        otype = self.schema.get(name)
        if otype is None:
            raise self.error("INVALID_TYPE", pos, f"sObject type '{name}' is not supported. {_TYPE_HINT}")
        return otype

    # --- field paths -------------------------------------------------------------------------

    def path(self, otype: SObjectType, ref: ast.FieldRef) -> BoundPath:
        parts = ref.path.split(".")
        if len(parts) > 1 and parts[0].lower() == otype.name.lower() and otype.relationship(parts[0]) is None:
            parts = parts[1:]
        hops: list[Field] = []
        current: SObjectType | None = otype
        for part in parts[:-1]:
            hop = current.relationship(part) if current is not None else None
            if hop is None or current is None:
                raise self.error("INVALID_FIELD", ref.pos,
                                 f"Didn't understand relationship '{part}' in field path. {_RELATION_HINT}")
            hops.append(hop)
            current = None if hop.polymorphic else self.schema.objects[hop.reference_to[0]]
        last = parts[-1]
        if current is None:
            canonical = _POLYMORPHIC_FIELDS.get(last.lower())
            if canonical is None and last.lower() != "type":
                raise self.error("INVALID_FIELD", ref.pos, f"No such column '{last}' on entity 'Name'. {_FIELD_HINT}")
            field = (POLYMORPHIC_TYPE if canonical is None
                     else Field(canonical, canonical, "id" if canonical == "Id" else "string", length=255))
            return BoundPath(hops, field, None, self._getter(hops, field))
        field = current.field(last)
        if field is None:
            raise self.error("INVALID_FIELD", ref.pos,
                             f"No such column '{last}' on entity '{current.name}'. {_FIELD_HINT}")
        return BoundPath(hops, field, current, self._getter(hops, field))

    def _getter(self, hops: list[Field], field: Field) -> Getter:
        store = self.store
        if not hops:
            if field.formula is None:
                return lambda row: row.get(field.name)
            return lambda row: field.formula(store, row)  # type: ignore[misc]

        def parent_of(row: Row) -> tuple[str, Row] | None:
            found: tuple[str, Row] | None = None
            current: Row | None = row
            for hop in hops:
                parent_id = current.get(hop.name) if current is not None else None
                found = store.row_by_id(parent_id) if parent_id is not None else None
                if found is None:
                    return None
                current = found[1]
            return found

        def through(row: Row) -> Any:
            found = parent_of(row)
            if found is None:
                return None
            obj, parent = found
            if field is POLYMORPHIC_TYPE:
                return obj
            if field.name not in store.schema.objects[obj].fields:
                return None
            return store.value(obj, parent, field.name)

        return through

    # --- filters -----------------------------------------------------------------------------

    def predicate(self, otype: SObjectType, node: Any, semi_join: Callable[[ast.Query, SObjectType], set[str]]) \
            -> Predicate:
        if isinstance(node, ast.BoolOp):
            if node.op == "OR":
                self._refuse_semi_join_under_or(node)
            parts = [self.predicate(otype, item, semi_join) for item in node.items]
            if node.op == "AND":
                return lambda row: all(p(row) for p in parts)
            return lambda row: any(p(row) for p in parts)
        if isinstance(node, ast.Not):
            inner = self.predicate(otype, node.expr, semi_join)
            return lambda row: not inner(row)
        bound = self.path(otype, node.field)
        if not bound.field.filterable:
            raise self.error("INVALID_FIELD", node.field.pos,
                             f"field '{bound.field.name}' can not be filtered in query call")
        if isinstance(node, ast.Compare):
            return self._compare(bound, node)
        if isinstance(node, ast.Like):
            return self._like(bound, node)
        if isinstance(node, ast.InList):
            wanted = [self.value(bound, literal) for literal in node.values]
            return _membership(bound.get, wanted, node.negated, bound.field.type in TEXT_TYPES)
        return self._semi_join(otype, bound, node, semi_join)

    def _refuse_semi_join_under_or(self, node: Any) -> None:
        """Salesforce answers a semi-join (or anti-join) anywhere under OR with MALFORMED_QUERY."""
        if isinstance(node, ast.SemiJoin):
            raise malformed_query(ast.locate(self.text, node.field.pos,
                                             "Semi join sub-selects are not allowed with the 'OR' operator"))
        for child in _operands(node):
            self._refuse_semi_join_under_or(child)

    def _semi_join(self, otype: SObjectType, bound: BoundPath, node: ast.SemiJoin,
                   semi_join: Callable[[ast.Query, SObjectType], set[str]]) -> Predicate:
        if bound.field.type not in ID_TYPES:
            raise self.error("INVALID_FIELD", node.field.pos, "Invalid field for semi/anti join. Only Id and "
                             "reference fields can be used with a semi join or anti join.")
        ids = semi_join(node.query, otype)
        getter, negated = bound.get, node.negated
        return lambda row: (getter(row) in ids) != negated

    def _compare(self, bound: BoundPath, node: ast.Compare) -> Predicate:
        kind = bound.field.type
        if kind == "boolean" and node.op not in ("=", "!="):
            raise self.error("INVALID_QUERY_FILTER_OPERATOR", node.value.pos, "invalid operator on boolean field")
        wanted = self.value(bound, node.value)
        getter = bound.get
        if isinstance(wanted, tuple):
            return _range_compare(getter, node.op, wanted)
        if wanted is None:
            if node.op not in ("=", "!="):
                raise self.error("INVALID_QUERY_FILTER_OPERATOR", node.value.pos,
                                 "invalid operator on null value: only = and != are allowed")
            return (lambda row: getter(row) is None) if node.op == "=" else (lambda row: getter(row) is not None)
        fold = kind in TEXT_TYPES
        compare = _OPERATORS[node.op]

        def test(row: Row) -> bool:
            actual = getter(row)
            if actual is None:
                return node.op == "!="
            if fold:
                actual = actual.lower()
            return compare(actual, wanted)

        return test

    def _like(self, bound: BoundPath, node: ast.Like) -> Predicate:
        if bound.field.type not in TEXT_TYPES:
            raise self.error("INVALID_QUERY_FILTER_OPERATOR", node.field.pos,
                             f"invalid operator on {'id' if bound.field.type in ID_TYPES else 'non-string'} field")
        pattern = self.value(bound, node.value)
        regex = _like_regex(pattern)
        getter = bound.get
        return lambda row: (value := getter(row)) is not None and regex.match(value) is not None

    def value(self, bound: BoundPath, literal: ast.Literal) -> Any:
        """A filter literal converted to the field's stored type (text lower-cased for SOQL's ignore-case)."""
        field = bound.field
        if literal.kind == "null":
            return None
        expected = _FILTER_TYPE_NAMES.get(field.type, "string")
        if field.type in TEXT_TYPES:
            if literal.kind != "string":
                raise self._type_error(bound, literal, "string", quoted=True)
            return literal.value.lower()
        if field.type in ID_TYPES:
            if literal.kind != "string":
                raise self._type_error(bound, literal, "id", quoted=True)
            normalized = normalize_id(literal.value)
            if normalized is None:
                raise self.error("INVALID_QUERY_FILTER_OPERATOR", literal.pos, f"invalid ID field: {literal.value}")
            return normalized
        if field.type in NUMBER_TYPES:
            if literal.kind != "number":
                raise self._type_error(bound, literal, expected, quoted=False)
            return Decimal(literal.value)
        if field.type == "boolean":
            if literal.kind != "boolean":
                raise self._type_error(bound, literal, expected, quoted=False)
            return literal.value
        if literal.kind == "keyword":
            return self._day_range(field, literal)
        wanted_kind = "date" if field.type == "date" else "datetime"
        if literal.kind != wanted_kind:
            raise self._type_error(bound, literal, expected, quoted=False)
        return parse_date(literal.value) if field.type == "date" else parse_datetime(literal.value)

    def _type_error(self, bound: BoundPath, literal: ast.Literal, kind: str, quoted: bool) -> ApiError:
        should = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
        name = ".".join([*(h.relationship_name or h.name for h in bound.hops), bound.field.name])
        return self.error("INVALID_QUERY_FILTER_OPERATOR", literal.pos,
                          f"value of filter criterion for field '{name}' must be of type {kind} and {should}")

    def _day_range(self, field: Field, literal: ast.Literal) -> tuple[Any, Any]:
        keyword, days = literal.value
        starts = {
            "TODAY": (0, 1), "YESTERDAY": (-1, 0), "TOMORROW": (1, 2),
            "LAST_N_DAYS": (-days, 1), "NEXT_N_DAYS": (1, days + 1),
        }
        first, last = starts[keyword]
        start = self.today + dt.timedelta(days=first)
        end = self.today + dt.timedelta(days=last)
        if field.type == "datetime":
            return (dt.datetime.combine(start, dt.time(), dt.UTC), dt.datetime.combine(end, dt.time(), dt.UTC))
        return (start, end)

    # --- sorting -----------------------------------------------------------------------------

    def sorter(self, otype: SObjectType, keys: list[ast.OrderKey]) -> Callable[[list[Row]], None]:
        bound_keys = []
        for key in keys:
            bound = self.path(otype, key.field)
            if not bound.field.sortable:
                raise self.error("INVALID_FIELD", key.field.pos,
                                 f"field '{bound.field.name}' can not be sorted in a query call")
            bound_keys.append((bound, key))

        def sort(rows: list[Row]) -> None:
            for bound, key in reversed(bound_keys):
                getter = bound.get
                fold = bound.field.type in TEXT_TYPES
                none_flag = key.nulls_first != key.descending

                def sort_key(row: Row, getter: Getter = getter, fold: bool = fold, flag: bool = none_flag) -> Any:
                    value = getter(row)
                    if value is None:
                        return (not flag, 0)
                    return (flag, value.lower() if fold else value)

                rows.sort(key=sort_key, reverse=key.descending)

        return sort


def _operands(node: Any) -> list[Any]:
    if isinstance(node, ast.BoolOp):
        return node.items
    return [node.expr] if isinstance(node, ast.Not) else []


def _membership(getter: Getter, wanted: list[Any], negated: bool, fold: bool) -> Predicate:
    values = {w for w in wanted if w is not None}
    has_null = any(w is None for w in wanted)

    def test(row: Row) -> bool:
        actual = getter(row)
        found = has_null if actual is None else (actual.lower() if fold else actual) in values
        return found != negated

    return test


def _range_compare(getter: Getter, op: str, bounds: tuple[Any, Any]) -> Predicate:
    start, end = bounds
    tests: dict[str, Callable[[Any], bool]] = {
        "=": lambda v: start <= v < end, "!=": lambda v: not start <= v < end,
        "<": lambda v: v < start, "<=": lambda v: v < end, ">": lambda v: v >= end, ">=": lambda v: v >= start,
    }
    test = tests[op]

    def predicate(row: Row) -> bool:
        value = getter(row)
        return op == "!=" if value is None else test(value)

    return predicate


def _like_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "%_":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL | re.IGNORECASE)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}
