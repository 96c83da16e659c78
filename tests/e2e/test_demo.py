"""`nuesync demo` runs the whole story end to end and exits 0."""

from __future__ import annotations

from nuesync.demo import STEPS
from nuesync.errors import ExitCode
from tests.helpers import invoke


def test_the_demo_runs_every_step_and_ends_in_sync() -> None:
    result = invoke(["demo"])
    assert result.code == ExitCode.OK, result.stderr
    for number, step in enumerate(STEPS, start=1):
        assert f"{number}. {step.sentence}" in result.stdout
    final_diff = result.stdout.split(f"{len(STEPS) - 1}. {STEPS[-2].sentence}")[1]
    assert "in sync" in final_diff
    assert "differs" not in final_diff
    assert result.stdout.rstrip().endswith("Done: every step behaved as the story says.")
    assert "\x1b[" not in result.stdout
