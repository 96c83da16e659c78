"""Compiled readers: the machinery the fast path of both wire modules is built from."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from nuesync.adapters import readers
from nuesync.adapters.nue_wire import DECIMAL
from nuesync.adapters.readers import Leaves, declining, record_reader, remember
from nuesync.mapping import FieldMapping
from nuesync.model import Discount, LineItem, Links, clean_text, cleaner


def test_a_memo_is_emptied_when_full_so_it_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MEMO_LIMIT", 2)
    memo: dict[Any, Any] = {}

    for key in "abc":
        remember(memo, key, key.upper())

    assert memo == {"c": "C"}


def test_a_remembered_number_is_not_taken_for_a_bool_equal_to_it() -> None:
    quantity = Leaves().leaf("q", cleaner(LineItem, "quantity"), DECIMAL.read, memo=DECIMAL.memo)

    assert quantity({"q": 1}) == Decimal(1)
    with pytest.raises(ValueError, match="expected a number"):
        quantity({"q": True})  # True == 1, but a bool is no amount


def test_a_record_reader_fills_nested_records_and_defaults() -> None:
    leaves = Leaves()
    read = record_reader(LineItem, {
        "links.nue_id": leaves.leaf("id", clean_text),
        "discount.percent": leaves.leaf("pct", cleaner(LineItem, "discount.percent"), DECIMAL.read, memo=DECIMAL.memo),
    })

    line = read({"id": " op-1 ", "pct": Decimal("5.0")})

    assert line == LineItem(links=Links(nue_id="op-1"), discount=Discount(percent=Decimal(5)))
    assert read({"id": "op-2", "pct": 5}).discount is line.discount  # a shared record: one per value


def test_a_path_naming_no_field_is_refused_when_compiled() -> None:
    with pytest.raises(ValueError, match="no field price_bok"):
        record_reader(LineItem, {"price_bok": lambda record: None})


def test_a_field_name_is_data_never_code() -> None:
    name = "x\"); import os; (\"\n'"
    read = record_reader(Links, {"nue_id": Leaves().leaf(name, clean_text)})

    assert read({name: "n-1"}) == Links(nue_id="n-1")


def test_declining_turns_any_failure_into_none() -> None:
    def broken(record: Any) -> Any:
        raise ZeroDivisionError

    assert declining(broken)({}) is None
    assert declining(lambda record: record["a"])({"a": 1}) == 1


def test_a_mapping_compiles_each_reader_once() -> None:
    mapping, built = FieldMapping.build(), []

    def build(compiled_for: FieldMapping) -> str:
        built.append(compiled_for)
        return "reader"

    assert mapping.compiled(build) == mapping.compiled(build) == "reader"
    assert built == [mapping]
    assert mapping == FieldMapping.build()  # what was compiled is no part of the mapping's value
