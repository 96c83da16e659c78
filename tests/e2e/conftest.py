"""End-to-end fixtures: both emulators served on loopback, and the CLI pointed at them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomli_w

from nuesync.sandbox.pair import RunningSandbox, running_sandbox
from tests.helpers import CliResult, invoke


@dataclass
class World:
    """A seeded pair of emulators and a config file naming them."""

    sandbox: RunningSandbox
    config: Path

    def run(self, *args: str) -> CliResult:
        return invoke(["--config", str(self.config), *args], env=self.sandbox.environ())

    def writes(self) -> int:
        return self.sandbox.salesforce.write_count() + self.sandbox.nue.write_count()


def _world(seed: str, tmp_path: Path) -> Iterator[World]:
    with running_sandbox(seed) as sandbox:
        config = tmp_path / "nuesync.toml"
        config.write_text(tomli_w.dumps(sandbox.config(state_path=tmp_path / "journal.sqlite3")))
        yield World(sandbox, config)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[World]:
    """The demo story: one order of every class `diff` knows."""
    yield from _world("demo", tmp_path)


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[World]:
    """Catalogues only: tests add exactly the orders they need."""
    yield from _world("empty", tmp_path)
