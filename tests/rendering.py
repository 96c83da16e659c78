"""Helpers for tests of what people read: render at a width, compare with a snapshot, find split ids."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console, RenderableType

SNAPSHOTS = Path(__file__).parent / "e2e" / "snapshots"
WIDTHS = (80, 100, 200)
TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
TIMESTAMP_START = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T")


def render(renderable: RenderableType, width: int) -> str:
    """What a console of `width` columns without colour shows (as in a pipe, or with NO_COLOR)."""
    out = io.StringIO()
    Console(file=out, width=width, no_color=True, color_system=None, markup=False, emoji=False,
            highlight=False).print(renderable)
    return out.getvalue()


def assert_snapshot(name: str, output: str) -> None:
    """`output` equals `tests/e2e/snapshots/<name>.txt`; NUESYNC_UPDATE_SNAPSHOTS=1 rewrites it instead."""
    path = SNAPSHOTS / f"{name}.txt"
    assert "\x1b[" not in output
    if os.environ.get("NUESYNC_UPDATE_SNAPSHOTS"):
        path.write_text(output, encoding="utf-8")
    assert output == path.read_text(encoding="utf-8"), f"{path.name} differs (NUESYNC_UPDATE_SNAPSHOTS=1 rewrites)"


def assert_nothing_split(output: str, ids: Iterable[str], width: int) -> None:
    """No line is wider than `width`, and no word on any line is a piece of an id or of a timestamp.

    A folded cell shows `801Hn000000000` on one line and `WIAQ` on the next: the first piece is a
    word that starts an id without being one.
    """
    whole = {i for i in ids if len(i) >= 12}
    lines = output.splitlines()
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    for line in lines:
        for word in (w.strip(_AROUND) for w in line.split()):
            if len(word) >= 8 and word not in whole and not any(i in word for i in whole):
                assert not any(i.startswith(word) for i in whole), f"an id split at {width}: {line!r}"
            if TIMESTAMP_START.match(word):
                assert TIMESTAMP.match(word), f"a time split at {width}: {line!r}"


_AROUND = "│┃ ,;:()[]`'\"…"
