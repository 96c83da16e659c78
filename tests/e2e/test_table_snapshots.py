"""The tables of `diff`, `pull`, `push` and `activate` as a person reads them, at 80, 100 and 200 columns.

Snapshots of the demo story (whose ids are fixed) with a frozen clock; and at every width from
60 to 200 columns, no id and no timestamp is ever split across lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from nuesync.sandbox import story
from tests.e2e.conftest import World
from tests.helpers import CliResult, invoke
from tests.rendering import WIDTHS, assert_nothing_split, assert_snapshot

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ID = re.compile(rf"{UUID}|[0-9][0-9A-Za-z]{{2}}Hn[0-9A-Za-z]{{13}}")


def rep_draft(world: World) -> str:
    return next(o["Id"] for o in world.sandbox.salesforce.records("Order") if o["Name"] == story.REP_DRAFT)


def in_sync(world: World) -> str:
    return next(o["id"] for o in world.sandbox.nue.orders() if o["name"] == story.IN_SYNC)


# name → the command line, given the world (each runs in a fresh demo world)
COMMANDS: dict[str, Callable[[World], list[str]]] = {
    "diff": lambda _: ["diff"],
    "pull_dry_run": lambda _: ["pull", "--dry-run"],
    "pull_results": lambda _: ["pull", "--yes", "--create-customers"],
    "push_results": lambda _: ["push", "--yes"],
    "activate_refused": lambda w: ["activate", "--yes", rep_draft(w)],
    "activate_results": lambda w: ["activate", "--yes", in_sync(w)],
}


def table_run(world: World, args: list[str], width: int) -> CliResult:
    frozen = datetime.now(UTC)
    return invoke(["--config", str(world.config), "--no-color", *args],
                  env={**world.sandbox.environ(), "COLUMNS": str(width)}, clock=lambda: frozen)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", COMMANDS)
def test_tables_match_their_snapshots(demo: World, name: str, width: int) -> None:
    result = table_run(demo, COMMANDS[name](demo), width)
    assert result.stdout, result.stderr
    assert_snapshot(f"{name}_{width}", result.stdout)


# What each command's JSON says, to know every id its table may show.
JSON_OF: dict[str, Callable[[World], list[str]]] = {
    "diff": lambda _: ["diff"],
    "pull_dry_run": lambda _: ["pull", "--dry-run"],
    "activate_refused": lambda w: ["activate", "--dry-run", rep_draft(w)],
}


@pytest.mark.parametrize("name", JSON_OF)
def test_no_id_or_timestamp_is_split_at_any_width(demo: World, name: str) -> None:
    ids = ID.findall(demo.run("--json", *JSON_OF[name](demo)).stdout)
    assert ids
    for width in range(60, 201, 7):
        assert_nothing_split(table_run(demo, COMMANDS[name](demo), width).stdout, ids, width)
