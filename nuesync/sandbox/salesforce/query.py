"""Run SOQL against the store and page the results the way the REST API does.

`/query` returns the first batch (2,000 by default, `Sforce-Query-Options: batchSize=` between
200 and 2,000) and a `nextRecordsUrl` of the form `/services/data/vNN.N/query/<locator>-<offset>`,
where the offset is the number of parent rows already returned.

Salesforce documents that child objects count toward the batch size: a batch holds at most
`batchSize` records counting each parent and every child row returned inline with it. A parent
is placed on a page only when it and one row of each of its non-empty child relationships fit;
its children then fill what is left of the page, at most `child_batch_size` per relationship, and
a relationship cut short carries its own `done: false` and `nextRecordsUrl` (a child cursor).
The next parent page invalidates the child cursors of the previous one, as the API documents for
`queryMore()`: a client reads a parent's remaining children before it asks for more parents.
Cursors keep the rows they matched (rows are immutable), like a server-side query locator, and
an org keeps a bounded number open.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nuesync.sandbox.salesforce import soql_parser as ast
from nuesync.sandbox.salesforce.errors import ApiError, malformed_query
from nuesync.sandbox.salesforce.ids import random_id
from nuesync.sandbox.salesforce.schema import ID_TYPES, Field, SObjectType
from nuesync.sandbox.salesforce.soql_bind import POLYMORPHIC_TYPE, Binder, Predicate
from nuesync.sandbox.salesforce.store import Row, Store
from nuesync.sandbox.salesforce.values import to_json

MAX_OFFSET = 2000
_MAX_CHILD_CURSORS = 5000
_PARENT_LOCATOR, _CHILD_LOCATOR = "01g", "0r8"  # key prefixes of query locators for parent and child results


@dataclass
class Node:
    """What to render for one record: fields, parent records, child subqueries — in SELECT order."""

    entries: dict[str, Any] = field(default_factory=dict)  # key → Field | tuple(hop, Node) | SubPlan


@dataclass
class Plan:
    otype: SObjectType
    node: Node
    predicate: Predicate | None
    sort: Callable[[list[Row]], None] | None
    limit: int | None
    offset: int | None
    counts: list[tuple[str, Field | None]] = field(default_factory=list)


@dataclass
class SubPlan:
    plan: Plan
    child_field: str


@dataclass
class Batch:
    """One page being filled: how many more records it may hold, and the child cursors it opened."""

    remaining: int
    child_locators: list[str] = field(default_factory=list)


@dataclass
class Cursor:
    """Matched rows and how to show them; `fits(row, room)` says whether a row may still join a page."""

    rows: list[Row]
    render: Callable[[Row, Batch], dict[str, Any]]
    batch_size: int
    endpoint: str
    fits: Callable[[Row, int], bool] = lambda _row, room: room > 0
    child_locators: list[str] = field(default_factory=list)  # opened by the page served last


class QueryEngine:
    def __init__(self, store: Store, batch_size: int = 2000, child_batch_size: int = 200,
                 max_cursors: int = 10) -> None:
        self.store = store
        self.batch_size = batch_size
        self.child_batch_size = child_batch_size
        self.max_cursors = max_cursors
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._child_cursors: OrderedDict[str, Cursor] = OrderedDict()

    # --- entry points ------------------------------------------------------------------------

    def query(self, soql: str, *, include_deleted: bool, version: str, endpoint: str = "query",
              batch_size: int | None = None) -> dict[str, Any]:
        binder = Binder(self.store, soql, self.store.clock().date())
        tree = ast.parse(soql)
        plan = self._plan(binder, tree, include_deleted)
        rows = self._run(plan, self.store.rows(plan.otype.name, include_deleted))
        if plan.counts:
            return self._count_result(plan, rows)
        node, obj = plan.node, plan.otype.name
        cursor = Cursor(rows, lambda row, batch: self._render(node, obj, row, version, include_deleted, batch),
                        batch_size or self.batch_size, endpoint,
                        fits=lambda row, room: room >= self._records_needed(node, row, room, include_deleted))
        return self._page(cursor, 0, version, self._cursors, _PARENT_LOCATOR)

    def more(self, token: str, *, version: str) -> dict[str, Any]:
        locator, _, offset_text = token.rpartition("-")
        cursors = self._child_cursors if locator.startswith(_CHILD_LOCATOR) else self._cursors
        cursor = cursors.get(locator)
        if cursor is None or not offset_text.isdigit() or int(offset_text) > len(cursor.rows):
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        cursors.move_to_end(locator)
        for child in cursor.child_locators:
            self._child_cursors.pop(child, None)
        return self._page(cursor, int(offset_text), version, cursors, locator[:3], locator)

    def plan(self, soql: str, *, include_deleted: bool) -> Plan:
        """The checked plan of a statement (every name resolved, every error raised) without running it."""
        return self._plan(Binder(self.store, soql, self.store.clock().date()), ast.parse(soql), include_deleted)

    def matched(self, plan: Plan, *, include_deleted: bool) -> list[Row]:
        """The rows a plan selects, filtered, sorted and cut as its WHERE, ORDER BY, LIMIT and OFFSET say."""
        return self._run(plan, self.store.rows(plan.otype.name, include_deleted))

    # --- planning ----------------------------------------------------------------------------

    def _plan(self, binder: Binder, query: ast.Query, include_deleted: bool,
              otype: SObjectType | None = None) -> Plan:
        otype = otype or binder.object_type(query.object, query.object_pos)
        node = Node()
        counts: list[tuple[str, Field | None]] = []
        for item in query.items:
            if isinstance(item, ast.CountItem):
                counted = binder.path(otype, item.field).field if item.field else None
                counts.append((item.alias or f"expr{len(counts)}", counted))
            elif isinstance(item, ast.Query):
                self._add_subquery(binder, otype, node, item, include_deleted)
            else:
                self._add_field(binder, otype, node, item)
        if counts and (node.entries or (len(counts) > 1 and any(f is None for _, f in counts))):
            raise malformed_query(ast.locate(binder.text, query.items[0].pos if isinstance(query.items[0], (
                ast.FieldRef, ast.CountItem)) else 0, "COUNT() can't be combined with other fields"))
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")

        def semi_join(inner: ast.Query, _outer: SObjectType) -> set[str]:
            return self._semi_join_ids(binder, inner, include_deleted)

        predicate = binder.predicate(otype, query.where, semi_join) if query.where is not None else None
        sort = binder.sorter(otype, query.order_by) if query.order_by else None
        return Plan(otype, node, predicate, sort, query.limit, query.offset, counts)

    def _add_field(self, binder: Binder, otype: SObjectType, node: Node, ref: ast.FieldRef) -> None:
        bound = binder.path(otype, ref)
        for hop in bound.hops:
            key = hop.relationship_name or hop.name
            entry = node.entries.get(key)
            if entry is None:
                entry = (hop, Node())
                node.entries[key] = entry
            node = entry[1]
        if bound.field.name in node.entries:
            raise malformed_query(ast.locate(binder.text, ref.pos, f"duplicate field selected: {ref.path}"))
        node.entries[bound.field.name] = bound.field

    def _add_subquery(self, binder: Binder, otype: SObjectType, node: Node, sub: ast.Query,
                      include_deleted: bool) -> None:
        relation = otype.child_relationship(sub.object)
        if relation is None:
            raise ApiError(400, "INVALID_TYPE", ast.locate(
                binder.text, sub.object_pos,
                f"Didn't understand relationship '{sub.object}' in FROM part of query call. If you are attempting to "
                "use a custom relationship, be sure to append the '__r' after the custom relationship name. Please "
                "reference your WSDL or the describe call for the appropriate names."))
        child_type = binder.schema.objects[relation.child]
        plan = self._plan(binder, sub, include_deleted, child_type)
        if plan.counts:
            raise malformed_query(ast.locate(binder.text, sub.object_pos, "COUNT() is not supported in a subquery"))
        node.entries[relation.name or sub.object] = SubPlan(plan, relation.field)

    def _semi_join_ids(self, binder: Binder, inner: ast.Query, include_deleted: bool) -> set[str]:
        otype = binder.object_type(inner.object, inner.object_pos)
        fields = [i for i in inner.items if isinstance(i, ast.FieldRef)]
        if len(fields) != 1 or len(inner.items) != 1:
            raise malformed_query(ast.locate(binder.text, inner.object_pos,
                                             "The inner query of a semi join must select exactly one field"))
        bound = binder.path(otype, fields[0])
        if bound.field.type not in ID_TYPES:
            raise ApiError(400, "INVALID_FIELD", ast.locate(
                binder.text, fields[0].pos, "Invalid field for semi/anti join. The selected field must be an Id or "
                "a reference field."))
        plan = self._plan(binder, ast.Query(inner.object, inner.object_pos, [], inner.where, inner.order_by,
                                            inner.limit, inner.offset), include_deleted, otype)
        rows = self._run(plan, self.store.rows(otype.name, include_deleted))
        return {value for value in map(bound.get, rows) if value is not None}

    # --- running and rendering ---------------------------------------------------------------

    @staticmethod
    def _run(plan: Plan, rows: list[Row]) -> list[Row]:
        if plan.predicate is not None:
            rows = [row for row in rows if plan.predicate(row)]
        if plan.sort is not None:
            plan.sort(rows)
        start = plan.offset or 0
        end = None if plan.limit is None else start + plan.limit
        return rows[start:end]

    @staticmethod
    def _count_result(plan: Plan, rows: list[Row]) -> dict[str, Any]:
        if plan.counts[0][1] is None:
            return {"totalSize": len(rows), "done": True, "records": []}
        record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
        for alias, counted in plan.counts:
            assert counted is not None
            record[alias] = sum(1 for row in rows if row.get(counted.name) is not None)
        return {"totalSize": 1, "done": True, "records": [record]}

    def _render(self, node: Node, obj: str, row: Row, version: str, include_deleted: bool,
                batch: Batch | None = None) -> dict[str, Any]:
        """One record; child subqueries take their inline rows from `batch` (parent lookups count for nothing)."""
        url = f"/services/data/v{version}/sobjects/{obj}/{row['Id']}"
        out: dict[str, Any] = {"attributes": {"type": obj, "url": url}}
        fields = self.store.schema.objects[obj].fields
        child_rows = {key: self._child_rows(entry, row, include_deleted)
                      for key, entry in node.entries.items() if isinstance(entry, SubPlan)}
        waiting = sum(1 for rows in child_rows.values() if rows)  # relationships still owed a row on this page
        for key, entry in node.entries.items():
            if isinstance(entry, Field):
                if entry is POLYMORPHIC_TYPE:
                    out[key] = obj
                else:
                    out[key] = to_json(entry, self.store.value(obj, row, entry.name)) if entry.name in fields else None
            elif isinstance(entry, SubPlan):
                assert batch is not None  # subqueries exist only at the top level, which is paged
                waiting -= bool(child_rows[key])
                out[key] = self._children(entry, child_rows[key], version, include_deleted, batch, keep=waiting)
            else:
                hop, child_node = entry
                parent_id = row.get(hop.name)
                found = self.store.row_by_id(parent_id) if parent_id else None
                out[key] = None if found is None else self._render(child_node, found[0], found[1], version,
                                                                   include_deleted)
        return out

    def _child_rows(self, sub: SubPlan, parent: Row, include_deleted: bool) -> list[Row]:
        return self._run(sub.plan, self.store.children(sub.plan.otype.name, sub.child_field, parent["Id"],
                                                       include_deleted))

    def _records_needed(self, node: Node, row: Row, room: int, include_deleted: bool) -> int:
        """The fewest records `row` takes on a page: itself and one row of each non-empty child relationship.

        The child rows are only looked at when the page is nearly full, so a page with room to
        spare costs nothing extra.
        """
        subplans = [entry for entry in node.entries.values() if isinstance(entry, SubPlan)]
        if room > len(subplans):
            return 1
        return 1 + sum(1 for sub in subplans if self._child_rows(sub, row, include_deleted))

    def _children(self, sub: SubPlan, rows: list[Row], version: str, include_deleted: bool, batch: Batch,
                  keep: int) -> dict[str, Any] | None:
        """A child relationship's inline rows: as many as the page has room for, leaving `keep` records
        for the parent's later relationships, and at most `child_batch_size`."""
        if not rows:
            return None
        child = sub.plan.otype.name
        cursor = Cursor(rows, lambda row, _batch: self._render(sub.plan.node, child, row, version, include_deleted),
                        self.child_batch_size, "query")
        records, end = self._fill(cursor, 0, batch, keep)
        locator = None
        if end < len(rows):
            locator = self._open(cursor, self._child_cursors, _CHILD_LOCATOR, _MAX_CHILD_CURSORS)
            batch.child_locators.append(locator)
        return self._result(cursor, records, end, version, locator)

    def _page(self, cursor: Cursor, offset: int, version: str, cursors: OrderedDict[str, Cursor], prefix: str,
              locator: str | None = None) -> dict[str, Any]:
        """A page served by `/query` or a `nextRecordsUrl`: at most `batch_size` records, children included."""
        batch = Batch(cursor.batch_size)
        records, end = self._fill(cursor, offset, batch)
        cursor.child_locators = batch.child_locators
        if locator is None and end < len(cursor.rows):
            limit = self.max_cursors if cursors is self._cursors else _MAX_CHILD_CURSORS
            locator = self._open(cursor, cursors, prefix, limit)
        return self._result(cursor, records, end, version, locator)

    @staticmethod
    def _fill(cursor: Cursor, offset: int, batch: Batch, keep: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Render rows from `offset` while the page has room beyond `keep`; returns them and the offset
        after the last. `fits` is not asked about the first row, so paging always moves forward.
        """
        records: list[dict[str, Any]] = []
        end, stop = offset, min(len(cursor.rows), offset + cursor.batch_size)
        while end < stop and batch.remaining > keep:
            row = cursor.rows[end]
            if records and not cursor.fits(row, batch.remaining):
                break
            batch.remaining -= 1
            records.append(cursor.render(row, batch))
            end += 1
        return records, end

    @staticmethod
    def _open(cursor: Cursor, cursors: OrderedDict[str, Cursor], prefix: str, limit: int) -> str:
        """Keep `cursor` under a new locator; the org forgets its oldest cursors beyond `limit`."""
        locator = random_id(prefix)
        cursors[locator] = cursor
        while len(cursors) > limit:
            cursors.popitem(last=False)
        return locator

    @staticmethod
    def _result(cursor: Cursor, records: list[dict[str, Any]], end: int, version: str,
                locator: str | None) -> dict[str, Any]:
        page: dict[str, Any] = {"totalSize": len(cursor.rows), "done": end >= len(cursor.rows)}
        if not page["done"]:
            page["nextRecordsUrl"] = f"/services/data/v{version}/{cursor.endpoint}/{locator}-{end}"
        page["records"] = records
        return page
