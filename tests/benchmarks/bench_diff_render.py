"""Benchmark what a person waits for with `nuesync diff` at volume, and print a table.

    .venv/bin/python tests/benchmarks/bench_diff_render.py

For each scenario, the CLI runs in-process against both emulators and its stdout is clocked:
"first line" is when the first complete line reached stdout (the summary, or nothing until
every table was rendered), "total" when the command returned; each is the best of `REPEAT`
runs (a shared machine adds seconds of noise, never takes them away). `--json` is the same read
and reconcile with no tables, so the difference between it and a table row is the rendering.

Scenarios:
- an org-like mix of 5,000 orders (`running_sandbox("5000")`: 2,900 in sync, 700 differing,
  1,100 on one side only, 300 activated on one side);
- 5,000 drafts per side never synced: 10,000 orders on one side only (`tests/e2e/test_volume.py`).
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import tomli_w
from rich.console import Console
from rich.table import Table

from nuesync.cli import run
from nuesync.sandbox.pair import running_sandbox
from tests.e2e.conftest import World
from tests.e2e.test_volume import linked_world, seed_nue_carts, seed_salesforce_drafts

PER_SIDE = 5000
REPEAT = 3


class ClockedStream(io.StringIO):
    """A stdout that notes when the first complete line was written."""

    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started
        self.first_line: float | None = None

    def write(self, text: str) -> int:
        if self.first_line is None and "\n" in text:
            self.first_line = time.perf_counter() - self.started
        return super().write(text)


@dataclass(frozen=True)
class Row:
    scenario: str
    command: str
    code: int
    first_line: float | None
    total: float
    lines: int


def timed_once(world: World, scenario: str, args: list[str], columns: int) -> Row:
    environ = {**world.sandbox.environ(), "COLUMNS": str(columns), "NO_COLOR": "1"}
    started = time.perf_counter()
    out = ClockedStream(started)
    code = run(["--config", str(world.config), *args], stdout=out, stderr=io.StringIO(), environ=environ)
    total = time.perf_counter() - started
    return Row(scenario, f"nuesync {' '.join(args)} ({columns} columns)", code, out.first_line, total,
               out.getvalue().count("\n"))


def timed(world: World, scenario: str, args: list[str], columns: int) -> Row:
    runs = [timed_once(world, scenario, args, columns) for _ in range(REPEAT)]
    firsts = [r.first_line for r in runs if r.first_line is not None]
    return replace(runs[0], first_line=min(firsts) if firsts else None, total=min(r.total for r in runs))


@contextmanager
def org_mix(state: Path) -> Iterator[World]:
    with running_sandbox(str(PER_SIDE)) as sandbox:
        config = state / "nuesync.toml"
        config.write_text(tomli_w.dumps(sandbox.config(state_path=state / "journal.sqlite3")))
        yield World(sandbox, config)


@contextmanager
def never_synced(state: Path) -> Iterator[World]:
    with linked_world(state) as world:
        seed_nue_carts(world.sandbox, PER_SIDE)
        seed_salesforce_drafts(world.sandbox, PER_SIDE)
        yield world


SCENARIOS: dict[str, Callable[[Path], AbstractContextManager[World]]] = {
    f"org mix of {PER_SIDE:,}": org_mix,
    f"{PER_SIDE:,} per side, never synced": never_synced,
}
RUNS = (["--json", "diff"], ["diff"], ["diff", "--all"])
COLUMNS = (80, 200)


def main() -> int:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="nuesync-bench-") as scratch:
        for number, (scenario, world_of) in enumerate(SCENARIOS.items()):
            state = Path(scratch) / str(number)
            state.mkdir()
            with world_of(state) as world:
                for args in RUNS:
                    for columns in COLUMNS if "--json" not in args else COLUMNS[:1]:
                        rows.append(timed(world, scenario, args, columns))
    table = Table(title=f"diff at volume: time to the first line and in total ({PER_SIDE:,} per side, best of "
                        f"{REPEAT})")
    for column in ("scenario", "command", "exit", "first line (s)", "total (s)", "lines out"):
        table.add_column(column, justify="left" if column in {"scenario", "command"} else "right", no_wrap=True)
    for r in rows:
        first = f"{r.first_line:.2f}" if r.first_line is not None else "—"
        table.add_row(r.scenario, r.command, str(r.code), first, f"{r.total:.2f}", f"{r.lines:,}")
    Console(width=200).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
