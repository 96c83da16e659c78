"""Streamed decoding: the same values as `json.loads`, one array member at a time."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nuesync.adapters.json_stream import stream_array

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)
_layouts = st.sampled_from([{}, {"indent": 2}, {"separators": (",", ":")}, {"ensure_ascii": False}])


def streamed(body: bytes | str, path: list[str]) -> tuple[list[Any], Any]:
    members, stream = [], stream_array(body, path)
    while True:
        try:
            members.append(next(stream))
        except StopIteration as done:
            return members, done.value


_siblings = st.dictionaries(st.text(max_size=4).filter(lambda key: key not in {"data", "rows"}), _json, max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(_json, max_size=5), _siblings, _siblings, st.integers(0, 3), _layouts, st.booleans())
def test_members_and_the_rest_are_what_json_loads_reads(
    records: list[Any], top: dict[str, Any], inner: dict[str, Any], position: int, layout: dict[str, Any],
    as_bytes: bool,
) -> None:
    keys = list(inner.items())
    keys.insert(min(position, len(keys)), ("rows", records))  # the array anywhere among its siblings
    text = json.dumps({**top, "data": dict(keys)}, **layout)
    expected = json.loads(text, parse_float=Decimal)

    members, rest = streamed(text.encode() if as_bytes else text, ["data", "rows"])

    assert members == expected["data"]["rows"]
    expected["data"]["rows"] = []
    assert rest == expected


def test_numbers_with_a_fraction_are_exact_decimals() -> None:
    members, rest = streamed(b'{"done": true, "records": [{"UnitPrice": 12.50}, {"UnitPrice": 0.1}]}', ["records"])

    assert members == [{"UnitPrice": Decimal("12.50")}, {"UnitPrice": Decimal("0.1")}]
    assert rest == {"done": True, "records": []}


@pytest.mark.parametrize("body", ['{"errors": [{"message": "no"}], "data": null}', '{"data": {"rows": null}}', "[]"])
def test_without_an_array_at_the_path_nothing_is_yielded_and_the_document_is_returned(body: str) -> None:
    assert streamed(body, ["data", "rows"]) == ([], json.loads(body))


_MALFORMED = ['{"rows": [1, 2', '{"rows": [1,]}', '{"rows": [1] "x": 1}', '{"rows": [1]} trailing', "{rows: []}",
              '{"rows" []}', "\ufeff{}", '{"rows": [1]}  \n x', "", "<html>", '{"rows": [{"a": }]}']


@pytest.mark.parametrize("body", [*_MALFORMED, '{"rows": [1], "rows": [2]}'])
def test_malformed_json_is_a_decode_error(body: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        streamed(body, ["rows"])


@pytest.mark.parametrize("body", _MALFORMED)
def test_a_decode_error_says_what_json_loads_says_and_where(body: str) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(body)

    with pytest.raises(json.JSONDecodeError) as caught:
        streamed(body, ["rows"])

    assert (caught.value.msg, caught.value.pos) == (expected.value.msg, expected.value.pos)
