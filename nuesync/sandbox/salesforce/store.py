"""Records of the emulated org: tables, indexes, soft delete, and request-scoped transactions.

Rows are plain dicts that are never mutated once stored (a write stores a new dict), so a query
cursor can keep the rows it matched as a snapshot, and rolling back is restoring the previous
dict. Unique external ids and every reference field are indexed, which keeps upserts, child
subqueries and order totals O(1) per record on a 5,000-order org.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from nuesync.sandbox.salesforce.ids import IdFactory, key_prefix
from nuesync.sandbox.salesforce.schema import Field, Schema

Row = dict[str, Any]
Clock = Callable[[], dt.datetime]

_AUTONUMBER_WIDTH = {"OrderNumber": 8, "OrderItemNumber": 10}


@dataclass
class OrgSettings:
    """Permissions of the integration user that change what the org allows."""

    edit_activated_orders: bool = False


def utc_now() -> dt.datetime:
    """Salesforce keeps audit timestamps to the second (they always read `.000`)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class Store:
    def __init__(self, schema: Schema, clock: Clock = utc_now, settings: OrgSettings | None = None,
                 first_record_number: int = 1) -> None:
        self.schema = schema
        self.clock = clock
        self.settings = settings or OrgSettings()
        self.ids = IdFactory(first_record_number)
        self.commit_listeners: list[Callable[[list[tuple[str, str, Row | None, Row | None]]], None]] = []
        self.lock = threading.RLock()
        self.tables: dict[str, dict[str, Row]] = {name: {} for name in schema.objects}
        self._unique: dict[tuple[str, str], dict[str, str]] = {
            (o.name, f.name): {} for o in schema.objects.values() for f in o.unique_fields
        }
        self._references: dict[tuple[str, str], dict[str, dict[str, None]]] = {
            (o.name, f.name): {} for o in schema.objects.values() for f in o.fields.values() if f.type == "reference"
        }
        self._references_of: dict[str, list[tuple[str, dict[str, dict[str, None]]]]] = {
            name: [(f, index) for (child, f), index in self._references.items() if child == name]
            for name in schema.objects
        }
        self._autonumbers: dict[str, Iterator[int]] = {}
        self._undo: list[tuple[str, str, Row | None]] | None = None
        # Set for one request by the `lock_rows` fault: every record write fails UNABLE_TO_LOCK_ROW.
        self.row_lock_fault = False
        # Who the API's caller is: a create that leaves out `OwnerId` is owned by this user, as in an org.
        self.running_user: str | None = None

    # --- reads -------------------------------------------------------------------------------

    def row(self, obj: str, record_id: str | None) -> Row | None:
        """A stored row, deleted or not; None when the id was never issued here."""
        if record_id is None:
            return None
        return self.tables[obj].get(record_id)

    def row_by_id(self, record_id: str) -> tuple[str, Row] | None:
        otype = self.schema.by_prefix(key_prefix(record_id))
        if otype is None:
            return None
        found = self.tables[otype.name].get(record_id)
        return (otype.name, found) if found is not None else None

    def rows(self, obj: str, include_deleted: bool = False) -> list[Row]:
        table = self.tables[obj].values()
        return list(table) if include_deleted else [r for r in table if not r.get("IsDeleted")]

    def children(self, child: str, field: str, parent_id: str, include_deleted: bool = False) -> list[Row]:
        ids = self._references[(child, field)].get(parent_id, {})
        table = self.tables[child]
        rows = [table[i] for i in ids]
        return rows if include_deleted else [r for r in rows if not r.get("IsDeleted")]

    def find_by(self, obj: str, field: Field, value: str) -> list[Row]:
        """Live rows whose external id (or Id) equals `value`."""
        if field.name == "Id":
            found = self.tables[obj].get(value)
            return [found] if found is not None and not found.get("IsDeleted") else []
        index = self._unique.get((obj, field.name))
        if index is not None:
            record_id = index.get(self._unique_key(field, value))
            return [self.tables[obj][record_id]] if record_id else []
        wanted = value if field.case_sensitive else value.lower()
        return [
            r for r in self.rows(obj)
            if r.get(field.name) is not None
            and (r[field.name] if field.case_sensitive else str(r[field.name]).lower()) == wanted
        ]

    def unique_owner(self, obj: str, field: Field, value: Any) -> str | None:
        return self._unique[(obj, field.name)].get(self._unique_key(field, value))

    def value(self, obj: str, row: Row, field_name: str) -> Any:
        """A field's value, computing calculated fields (TotalAmount, StatusCode …) on read."""
        field = self.schema.objects[obj].fields[field_name]
        if field.formula is not None:
            return field.formula(self, row)
        return row.get(field_name)

    # --- writes ------------------------------------------------------------------------------

    def new_id(self, obj: str) -> str:
        return self.ids.new_id(self.schema.objects[obj].key_prefix)

    def next_autonumber(self, field: str) -> str:
        counter = self._autonumbers.setdefault(field, itertools.count(100))
        return f"{next(counter):0{_AUTONUMBER_WIDTH.get(field, 8)}d}"

    def put(self, obj: str, row: Row) -> None:
        previous = self.tables[obj].get(row["Id"])
        if self._undo is not None:
            self._undo.append((obj, row["Id"], previous))
        self._store(obj, row, previous)

    def touch(self, obj: str, record_id: str) -> None:
        """Bump a parent's modstamps when a roll-up (an order's items) changes, as Salesforce does."""
        current = self.tables[obj].get(record_id)
        if current is not None:
            now = self.clock()
            self.put(obj, {**current, "LastModifiedDate": now, "SystemModstamp": now})

    def _store(self, obj: str, row: Row | None, previous: Row | None) -> None:
        otype = self.schema.objects[obj]
        record_id = (row or previous or {})["Id"]
        for f in otype.unique_fields:
            index = self._unique[(obj, f.name)]
            if previous is not None and previous.get(f.name) is not None:
                key = self._unique_key(f, previous[f.name])
                if index.get(key) == record_id:
                    del index[key]
            if row is not None and row.get(f.name) is not None and not row.get("IsDeleted"):
                index[self._unique_key(f, row[f.name])] = record_id
        for field_name, index in self._references_of[obj]:
            old_parent = previous.get(field_name) if previous else None
            new_parent = row.get(field_name) if row else None
            if old_parent == new_parent:
                continue
            if old_parent is not None:
                index.get(old_parent, {}).pop(record_id, None)
            if new_parent is not None:
                index.setdefault(new_parent, {})[record_id] = None
        if row is None:
            self.tables[obj].pop(record_id, None)
        else:
            self.tables[obj][record_id] = row

    @staticmethod
    def _unique_key(field: Field, value: Any) -> str:
        return str(value) if field.case_sensitive else str(value).lower()

    # --- transactions ------------------------------------------------------------------------

    def begin(self) -> None:
        self._undo = []

    def savepoint(self) -> int:
        return len(self._undo or [])

    def rollback_to(self, savepoint: int) -> None:
        undo = self._undo or []
        while len(undo) > savepoint:
            obj, record_id, previous = undo.pop()
            current = self.tables[obj].get(record_id)
            if previous is None:
                self._store(obj, None, current)
            else:
                self._store(obj, previous, current)

    def commit(self) -> None:
        """Keep the transaction's writes and tell the commit listeners (a Flow's Outbound Message
        fires only for what was committed) which records changed: `(object, id, before, after)`."""
        undo, self._undo = self._undo or [], None
        if not self.commit_listeners or not undo:
            return
        first_seen: dict[tuple[str, str], Row | None] = {}
        for obj, record_id, previous in undo:
            first_seen.setdefault((obj, record_id), previous)
        changes = [(obj, record_id, before, self.tables[obj].get(record_id))
                   for (obj, record_id), before in first_seen.items()]
        for listener in self.commit_listeners:
            listener(changes)

    def rollback(self) -> None:
        self.rollback_to(0)
        self._undo = None
