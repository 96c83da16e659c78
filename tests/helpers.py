"""Test helpers shared across the suite (fixtures live in conftest.py files)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nuesync.cli import run


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def invoke(args: Sequence[str], env: Mapping[str, str] | None = None,
           clock: Callable[[], datetime] | None = None) -> CliResult:
    """Run the CLI in-process with captured streams, as `nuesync ARGS` would from a shell."""
    out, err = io.StringIO(), io.StringIO()
    environ = {**os.environ, **(env or {})}
    code = run(list(args), stdout=out, stderr=err, environ=environ, clock=clock)
    return CliResult(code=code, stdout=out.getvalue(), stderr=err.getvalue())


class HeardProgress:
    """A `Progress` that keeps every report, in the order heard, to test what a step tells the display."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, int | None, int | None]] = []

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        self.heard.append((message, done, total))

    def counts(self, step: str) -> list[tuple[int | None, int | None]]:
        """`(done, total)` of each report of `step`."""
        return [(done, total) for message, done, total in self.heard if message == step]

    def finished(self, step: str) -> tuple[int, int]:
        """Where `step` ended, once checked that it was reported with counts that only went up (a total
        that grew mid-way, too) and ended with `done` equal to `total`."""
        counts = self.counts(step)
        dones = [done for done, _ in counts if done is not None]
        totals = [total for _, total in counts if total is not None]
        assert len(dones) == len(totals) == len(counts) > 0, f"{step!r}: {counts}"
        assert dones == sorted(dones) and totals == sorted(totals) and dones[-1] == totals[-1], counts
        return dones[-1], totals[-1]
