"""Bulk API 2.0 CSV: reading job data and writing result files with the job's delimiter and line ending.

A job names its column delimiter (COMMA, TAB, PIPE, SEMICOLON, CARET, BACKQUOTE) and line ending
(LF or CRLF) when it is created; uploads must use them and every result file uses them too.
Data whose line breaks are not the job's is refused as the API refuses it ("LineEnding is invalid
on user data"). Values in result files are quoted, as Salesforce writes them; a null value in a
query result is an empty field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}


class CsvError(ValueError):
    """Job data the API cannot read; the message is the job's `errorMessage`."""


def read(data: bytes, delimiter: str, line_ending: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of uploaded job data (UTF-8, a byte-order mark tolerated)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvError("InvalidBatch : Files must be in UTF-8 format") from None
    _check_line_ending(text, line_ending)
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[delimiter]) if row]
    if not rows:
        raise CsvError("InvalidBatch : The file is empty")
    header, body = rows[0], rows[1:]
    width = len(header)
    for number, row in enumerate(body, start=2):
        if len(row) != width:
            raise CsvError(f"InvalidBatch : Wrong number of columns in row {number}: {len(row)}, expected {width}")
    return header, body


def _check_line_ending(text: str, line_ending: str) -> None:
    crlf = text.count("\r\n")
    if (line_ending == "LF" and crlf) or (line_ending == "CRLF" and text.count("\n") != crlf):
        raise CsvError(f"ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is "
                       f"{line_ending}")


def write(header: Sequence[str], rows: Iterable[Sequence[str | None]], delimiter: str, line_ending: str,
          quote_header: Sequence[bool] | None = None) -> bytes:
    """A result file: every non-null value quoted; header names quoted where `quote_header` says so
    (all by default), since Salesforce quotes its own `sf__` columns but echoes the upload's header."""
    sep, end = DELIMITERS[delimiter], LINE_ENDINGS[line_ending]
    quoted = quote_header if quote_header is not None else [True] * len(header)
    lines = [sep.join(_quote(name) if q else name for name, q in zip(header, quoted, strict=True))]
    lines += [sep.join("" if value is None else _quote(value) for value in row) for row in rows]
    return (end.join(lines) + end).encode("utf-8")


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'
