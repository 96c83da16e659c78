"""`-v` traces each API call on stderr, `-vv` adds bodies, `--log-file` keeps JSON lines — never a secret."""

from __future__ import annotations

import json
import re
from pathlib import Path

import tomli_w

from nuesync.errors import ExitCode
from nuesync.sandbox import story
from tests.e2e.conftest import World
from tests.helpers import invoke

CALL = re.compile(r"^(nue|salesforce) (GET|POST|PATCH|PUT|DELETE) (/\S*) → (\d{3}|.+) in \d+ ms( \(attempt \d+\))?$",
                  re.MULTILINE)


def secrets_of(world: World) -> list[str]:
    return list(world.sandbox.environ().values())


def test_v_shows_each_api_call_and_no_secret(demo: World) -> None:
    quiet = demo.run("diff")
    traced = demo.run("-v", "diff")
    assert traced.code == quiet.code == ExitCode.DIFFERENCES
    assert not CALL.search(quiet.stderr)
    calls = CALL.findall(traced.stderr)
    assert {(system, method) for system, method, *_ in calls} >= {("salesforce", "GET"), ("nue", "POST")}
    assert any(path.startswith("/services/data/v62.0/query") for _, _, path, *_ in calls)
    assert "SELECT" not in traced.stderr and "orderProducts" not in traced.stderr  # no query text, no bodies
    for secret in secrets_of(demo):
        assert secret not in traced.stdout + traced.stderr
    assert traced.stdout == quiet.stdout  # tracing goes to stderr only


def test_a_retry_shows_as_another_attempt(demo: World) -> None:
    demo.sandbox.nue.faults.unavailable(1, route="POST /async/graphql")
    traced = demo.run("-v", "diff")
    assert traced.code == ExitCode.DIFFERENCES
    assert re.search(r"^nue POST /async/graphql → 503 in \d+ ms$", traced.stderr, re.MULTILINE)
    assert re.search(r"^nue POST /async/graphql → 200 in \d+ ms \(attempt 2\)$", traced.stderr, re.MULTILINE)


def test_vv_adds_bodies_with_every_secret_masked(demo: World) -> None:
    key = demo.sandbox.environ()["NUESYNC_SANDBOX_NUE_API_KEY"]
    rep_draft = next(o["Id"] for o in demo.sandbox.salesforce.records("Order") if o["Name"] == story.REP_DRAFT)
    demo.sandbox.nue.faults.fail_order(rep_draft, status=400, error_code="BAD_KEY", message=f"key {key} is bad")
    traced = demo.run("-vv", "push", "--yes")
    assert "SELECT" in traced.stderr  # the SOQL of each query
    assert "response_body" in traced.stderr and "key *** is bad" in traced.stderr
    for secret in secrets_of(demo):
        assert secret not in traced.stdout + traced.stderr


def test_log_file_has_one_json_object_per_event(demo: World, tmp_path: Path) -> None:
    path = tmp_path / "nuesync.log"
    assert demo.run("--log-file", str(path), "diff").code == ExitCode.DIFFERENCES
    assert demo.run("diff", "--log-file", str(path), "--since", "nonsense").code == ExitCode.USAGE
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    names = [e["event"] for e in events]
    assert names[0] == "command.start" and "http" in names and names.count("command.end") == 2
    assert "command.error" in names
    call = next(e for e in events if e["event"] == "http")
    assert {"system", "method", "path", "status", "duration_ms", "attempt"} <= set(call)
    assert all(e["time"].endswith("Z") for e in events)
    for secret in secrets_of(demo):
        assert secret not in path.read_text(encoding="utf-8")


def test_a_damaged_journal_is_a_warning_on_stderr_and_in_the_log(demo: World, tmp_path: Path) -> None:
    (tmp_path / "journal.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    path = tmp_path / "nuesync.log"
    result = demo.run("--log-file", str(path), "log")
    assert result.code == ExitCode.OK
    assert re.search(r"^warning: journal .* was damaged", result.stderr, re.MULTILINE)
    (warning,) = [json.loads(line) for line in path.read_text().splitlines() if '"warning"' in line]
    assert warning["logger"] == "nuesync.journal" and "moved aside" in warning["message"]


def test_the_log_section_names_a_log_file(demo: World, tmp_path: Path) -> None:
    document = demo.sandbox.config(state_path=tmp_path / "journal.sqlite3")
    document["log"] = {"file": str(tmp_path / "from-config.log")}
    demo.config.write_text(tomli_w.dumps(document))
    assert demo.run("diff").code == ExitCode.DIFFERENCES
    assert '"event": "http"' in (tmp_path / "from-config.log").read_text()


def test_a_log_file_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke(["--log-file", str(tmp_path), "--version"])  # --version answers before logging starts
    assert result.code == ExitCode.OK
    refused = invoke(["--log-file", str(tmp_path), "init", "--path", str(tmp_path / "n.toml")])
    assert refused.code == ExitCode.USAGE and "--log-file" in refused.stderr
