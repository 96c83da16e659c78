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
