"""Decode a page of records one record at a time, so each record's objects die young.

`json.loads` of a Salesforce query page (2,000 orders with their lines) builds every object of
the page at once, and they stay alive until the page's last order is translated. That is long
enough for the garbage collector to promote them to its oldest generation, where each full
collection walks them again along with every canonical record read so far: in a 100,000-order
read this cost more CPU than decoding itself (tests/benchmarks/bench_reconcile.py, `pages` vs
`streamed`). `stream_array` hands out the members of the page's record array as it reaches
them, each decoded by the same C scanner `json.loads` uses, and returns the rest of the page
(with that array emptied) for its paging fields once the records are done.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Sequence
from decimal import Decimal
from json import JSONDecodeError
from json.decoder import scanstring
from typing import Any

# Numbers with a fraction become Decimals, as both HTTP layers decode them (money stays exact).
_DECODER = json.JSONDecoder(parse_float=Decimal)
_WHITESPACE = re.compile(r"[ \t\n\r]*")

Stream = Generator[Any, None, Any]


def stream_array(body: bytes | str, path: Sequence[str]) -> Stream:
    """Yield each member of the array at `path` (object keys from the top) of the JSON `body`, then
    return the whole document with that array left empty.

    Values are those of `json.loads(body, parse_float=Decimal)`; malformed JSON raises the
    `JSONDecodeError` it raises (same message and position), possibly after some members were
    yielded. When `path` leads to no array, nothing is yielded and the document is returned
    whole. A key repeated on `path` is refused: `json.loads` would keep only the last one, whose
    members would not be the ones yielded.
    """
    text = body.decode(json.detect_encoding(body), "surrogatepass") if isinstance(body, bytes) else body
    if text.startswith("\ufeff"):
        raise JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    document, end = yield from _value(text, _skip(text, 0), tuple(path))
    end = _skip(text, end)  # where `json.loads` reports extra data: past the whitespace
    if end != len(text):
        raise JSONDecodeError("Extra data", text, end)
    return document


def _skip(text: str, index: int) -> int:
    return _WHITESPACE.match(text, index).end()  # type: ignore[union-attr]  # matches the empty string too


def _value(text: str, index: int, path: tuple[str, ...]) -> Generator[Any, None, tuple[Any, int]]:
    """The value starting at `index` and the index after it; streamed when `path` leads into it."""
    if not path and text.startswith("[", index):
        return (yield from _members(text, index))
    if path and text.startswith("{", index):
        return (yield from _object(text, index, path))
    return _DECODER.raw_decode(text, index)


def _object(text: str, index: int, path: tuple[str, ...]) -> Generator[Any, None, tuple[Any, int]]:
    result: dict[str, Any] = {}
    index = _skip(text, index + 1)
    if text.startswith("}", index):
        return result, index + 1
    while True:
        if not text.startswith('"', index):
            raise JSONDecodeError("Expecting property name enclosed in double quotes", text, index)
        key, index = scanstring(text, index + 1)
        index = _skip(text, index)
        if not text.startswith(":", index):
            raise JSONDecodeError("Expecting ':' delimiter", text, index)
        index = _skip(text, index + 1)
        if key != path[0]:
            result[key], index = _DECODER.raw_decode(text, index)
        elif key in result:
            raise JSONDecodeError(f"Repeated key {key!r} on the streamed path", text, index)
        else:
            result[key], index = yield from _value(text, index, path[1:])
        index = _skip(text, index)
        if text.startswith("}", index):
            return result, index + 1
        if not text.startswith(",", index):
            raise JSONDecodeError("Expecting ',' delimiter", text, index)
        index = _skip(text, index + 1)


def _members(text: str, index: int) -> Generator[Any, None, tuple[list[Any], int]]:
    index = _skip(text, index + 1)
    if text.startswith("]", index):
        return [], index + 1
    while True:
        member, index = _DECODER.raw_decode(text, index)
        yield member
        index = _skip(text, index)
        if text.startswith("]", index):
            return [], index + 1
        if not text.startswith(",", index):
            raise JSONDecodeError("Expecting ',' delimiter", text, index)
        index = _skip(text, index + 1)
