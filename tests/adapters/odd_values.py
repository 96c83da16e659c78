"""Wire records spoiled on purpose: the property tests that a reader's fast path builds exactly what
its validating path builds, or leaves the record to it, draw readable records and replace up to two
values anywhere in them with values no field should get."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from nuesync.model import DraftOrder


def _slots(value: object) -> list[tuple[Any, Any]]:
    """Every (container, key) of a record and of the objects and lists nested in it."""
    if isinstance(value, dict):
        return [(value, key) for key in value] + [slot for item in value.values() for slot in _slots(item)]
    if isinstance(value, list):
        return [(value, index) for index in range(len(value))] + [slot for item in value for slot in _slots(item)]
    return []


def spoiled(draw: st.DrawFn, record: dict[str, Any], odd: st.SearchStrategy[object]) -> dict[str, Any]:
    """`record` with up to two values anywhere in it replaced by values drawn from `odd`.

    Each drawn value is a copy: `odd` samples shared objects (`["x"]`), and a second replacement
    landing inside the first must not make a list that contains itself.
    """
    for _ in range(draw(st.integers(0, 2))):
        container, key = draw(st.sampled_from(_slots(record)))
        container[key] = copy.deepcopy(draw(odd))
    return record


def assert_same_record(fast: DraftOrder, checked: DraftOrder) -> None:
    assert fast == checked
    assert repr(fast) == repr(checked)  # same types and spellings, not just equal values
    assert fast.content_hash() == checked.content_hash()
    assert fast.model_dump(mode="json") == checked.model_dump(mode="json")
