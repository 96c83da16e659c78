"""Secrets never reach output, the journal, or an error message."""

from __future__ import annotations

from tests.e2e.conftest import World
from tests.helpers import invoke


def test_no_secret_in_output_or_journal(demo: World) -> None:
    secrets = list(demo.sandbox.environ().values())
    outputs = [
        demo.run("diff"), demo.run("--json", "diff"), demo.run("-v", "pull", "--yes"),
        demo.run("--json", "push", "--yes"), demo.run("log"), demo.run("--json", "log", "--failed"),
        demo.run("--json", "config", "check"),
    ]
    journal = (demo.config.parent / "journal.sqlite3").read_bytes()
    for secret in secrets:
        for result in outputs:
            assert secret not in result.stdout + result.stderr
        assert secret.encode() not in journal


def test_a_refused_key_names_the_variable_not_the_key(demo: World) -> None:
    env = {**demo.sandbox.environ(), "NUESYNC_SANDBOX_NUE_API_KEY": "wrong-key-d0n0tl3ak"}
    result = invoke(["-v", "--config", str(demo.config), "diff"], env=env)
    assert result.code == 7
    assert "NUESYNC_SANDBOX_NUE_API_KEY" in result.stderr
    assert "wrong-key-d0n0tl3ak" not in result.stdout + result.stderr
