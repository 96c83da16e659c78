"""Every command's real `--json` output, success and failure, matches its schema in `schemas/`.

The schemas are the contract scripts are written against: if a command's document changes shape,
a test here fails until the schema (and docs/json.md) say so too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from nuesync import cli, demo
from nuesync.cli.context import AppContext
from nuesync.errors import ExitCode
from nuesync.sandbox import story
from tests.e2e.conftest import World
from tests.helpers import CliResult, invoke

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def _registry() -> Registry:
    resources = [(path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8"))))
                 for path in SCHEMAS.glob("*.schema.json")]
    return Registry().with_resources(resources)


REGISTRY = _registry()


def assert_valid(result: CliResult, schema: str) -> dict[str, Any]:
    """The document on stdout is one JSON value, matches `schema`, and agrees with the exit code."""
    document = result.json()
    validator = Draft202012Validator(REGISTRY.contents(f"{schema}.schema.json"), registry=REGISTRY)
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert not problems, "\n".join(problems[:10])
    assert document["exit_code"] == result.code
    assert document["ok"] is (result.code in (ExitCode.OK, ExitCode.DIFFERENCES))
    return document


def assert_error(result: CliResult, schema: str, code: ExitCode, kind: str) -> dict[str, Any]:
    document = assert_valid(result, schema)
    assert result.code == code, result.stderr
    assert set(document) == {"schema_version", "ok", "exit_code", "error"}
    assert document["error"]["kind"] == kind
    assert document["error"]["message"] in result.stderr  # the same words a person sees
    return document


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.schema.json")), ids=lambda p: p.name)
def test_every_schema_is_a_valid_json_schema(path: Path) -> None:
    Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def test_every_command_has_a_schema() -> None:
    commands = {c.name for c in cli.app.registered_commands if not c.hidden} - {"pull", "push", "apply"}
    commands |= {f"{g.name}-{c.name}" for g in cli.app.registered_groups for c in g.typer_instance.registered_commands}
    owned_elsewhere = {"listen"}  # a service: its --json is one JSON object per log line (docs/logging.md)
    assert {f"{name}.schema.json" for name in commands - owned_elsewhere} <= {p.name for p in SCHEMAS.iterdir()}


# --- diff -----------------------------------------------------------------------------------------


def test_diff(demo: World) -> None:
    document = assert_valid(demo.run("--json", "diff"), "diff")
    assert {o["total"] for o in document["orders"]} >= {"60", "79"}  # no trailing zeros, as everywhere
    orphan = next(o for o in document["orders"] if o["name"] == story.ABANDONED_CART)
    assert orphan["age"] and orphan["last_modified"]["nue"].endswith("Z")


def test_diff_in_sync(empty: World) -> None:
    assert assert_valid(empty.run("--json", "diff"), "diff")["in_sync"] is True


def test_diff_failures(demo: World, tmp_path: Path) -> None:
    missing = invoke(["--json", "--config", str(tmp_path / "none.toml"), "diff"])
    assert_error(missing, "diff", ExitCode.USAGE, "config")
    demo.sandbox.nue.faults.unavailable(50, route="POST /async/graphql")
    down = demo.run("--json", "diff")
    assert_error(down, "diff", ExitCode.API_UNAVAILABLE, "nue_unavailable")


# --- pull, push, apply, show-plan -----------------------------------------------------------------


def test_pull_and_push(demo: World, tmp_path: Path) -> None:
    assert_valid(demo.run("--json", "pull", "--dry-run"), "sync")
    pulled = assert_valid(demo.run("--json", "pull", "--yes", "--create-customers"), "sync")
    assert pulled["result"]["counts"]["created"] == 2
    plan = tmp_path / "plan.json"
    assert_valid(demo.run("--json", "push", "--plan-out", str(plan)), "sync")
    shown = assert_valid(demo.run("--json", "show-plan", str(plan)), "show-plan")
    assert shown["plan"]["direction"] == "push" and shown["plan"]["orders"]
    assert_valid(demo.run("--json", "apply", str(plan), "--yes"), "sync")


def test_sync_failures(demo: World, tmp_path: Path) -> None:
    assert_error(demo.run("--json", "pull"), "sync", ExitCode.USAGE, "usage")  # no terminal, no --yes
    not_a_plan = tmp_path / "plan.json"
    not_a_plan.write_text("[]")
    assert_error(demo.run("--json", "show-plan", str(not_a_plan)), "show-plan", ExitCode.USAGE, "usage")
    assert_error(demo.run("--json", "apply", str(tmp_path / "gone.json"), "--yes"), "sync", ExitCode.USAGE, "usage")
    demo.sandbox.nue.draft_sync_enabled = False
    refused = assert_valid(demo.run("--json", "pull", "--yes"), "sync")
    assert refused["error"]["kind"] == "draft_sync_off" and refused["plan"]["refused"]


def test_a_declined_prompt(demo: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AppContext, "is_interactive", lambda self: True)
    monkeypatch.setattr(typer, "confirm", lambda *args, **kwargs: False)
    pulled = assert_valid(demo.run("--json", "pull"), "sync")
    assert pulled["declined"] is True and "result" not in pulled
    rep_draft = next(o["Id"] for o in demo.sandbox.salesforce.records("Order") if o["Name"] == story.REP_DRAFT)
    assert_valid(demo.run("--json", "push", "--order", rep_draft), "sync")
    in_sync = next(o["id"] for o in demo.sandbox.nue.orders() if o["name"] == story.IN_SYNC)
    activated = assert_valid(demo.run("--json", "activate", in_sync), "activate")
    assert activated["declined"] is True and "result" not in activated


# --- activate, log, doctor --------------------------------------------------------------------------


def test_activate(demo: World) -> None:
    rep_draft = next(o["Id"] for o in demo.sandbox.salesforce.records("Order") if o["Name"] == story.REP_DRAFT)
    assert_valid(demo.run("--json", "activate", "--dry-run", rep_draft), "activate")
    refused = assert_valid(demo.run("--json", "activate", "--yes", rep_draft), "activate")
    assert refused["result"]["counts"]["blocked"] == 1
    assert_error(demo.run("--json", "activate", "--yes"), "activate", ExitCode.USAGE, "usage")


def test_log(demo: World) -> None:
    demo.sandbox.salesforce.faults.fail_next(5, status=400, endpoint="PATCH composite/sobjects/Order/Nue_Order_Id__c")
    demo.run("pull", "--yes")
    document = assert_valid(demo.run("--json", "log", "--failed"), "log")
    assert document["runs"][0]["orders"] and document["runs"][0]["started_at"].endswith("Z")
    assert_error(demo.run("--json", "log", "--run", "999"), "log", ExitCode.USAGE, "usage")


def test_doctor(demo: World) -> None:
    assert_valid(demo.run("--json", "doctor"), "doctor")
    demo.sandbox.nue.faults.unavailable(50)
    down = assert_valid(demo.run("--json", "doctor"), "doctor")
    assert down["ok"] is False and down["exit_code"] == ExitCode.API_UNAVAILABLE


def test_followup(demo: World, monkeypatch: pytest.MonkeyPatch) -> None:
    later = datetime.now(UTC) + timedelta(days=2)  # the demo's linked carts have waited a day and more by then

    def followup(*args: str) -> CliResult:
        return invoke(["--config", str(demo.config), "--json", "followup", *args], env=demo.sandbox.environ(),
                      clock=lambda: later)

    salesforce = demo.sandbox.salesforce
    rep, left = salesforce.insert_user("Joanna", "Smith"), salesforce.insert_user("Former", "Rep", active=False)
    for account in salesforce.records("Account"):
        salesforce.update("Account", account["Id"], {"OwnerId": left})
    blocked = assert_valid(followup("--dry-run"), "followup")  # the Accounts' owner left, and no fallback
    assert blocked["exit_code"] == ExitCode.CONFLICTS and blocked["plan"]["counts"]["block"] >= 1
    monkeypatch.setattr(AppContext, "is_interactive", lambda self: True)
    monkeypatch.setattr(typer, "confirm", lambda *args, **kwargs: False)
    for account in salesforce.records("Account"):
        salesforce.update("Account", account["Id"], {"OwnerId": rep})
    assert assert_valid(followup(), "followup")["declined"] is True
    created = assert_valid(followup("--yes"), "followup")
    assert created["result"]["counts"]["created"] >= 1 and all(c["task"] for c in created["plan"]["carts"])
    journaled = assert_valid(demo.run("--json", "log", "--limit", "1"), "log")["runs"][0]
    assert journaled["command"] == "followup"
    assert assert_valid(demo.run("--json", "log", "--run", str(journaled["id"])), "log")["runs"][0]["orders"]
    demo.sandbox.salesforce.faults.fail_next(50, status=503)
    assert_error(followup("--yes"), "followup", ExitCode.API_UNAVAILABLE, "api_unavailable")


# --- config check, init -------------------------------------------------------------------------------


def test_config_check(demo: World) -> None:
    assert_valid(demo.run("--json", "config", "check"), "config-check")
    missing = invoke(["--json", "--config", str(demo.config), "config", "check"])  # no secrets in the environment
    document = assert_valid(missing, "config-check")
    assert document["valid"] is False and document["error"]["kind"] == "missing_secret"


def test_init(tmp_path: Path) -> None:
    path = tmp_path / "nuesync.toml"
    assert_valid(invoke(["--json", "init", "--path", str(path)]), "init")
    assert_error(invoke(["--json", "init", "--path", str(path)]), "init", ExitCode.USAGE, "usage")


# --- demo, sandbox serve ---------------------------------------------------------------------------


def test_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    document = assert_valid(invoke(["--json", "demo"]), "demo")
    assert all(step["exit_code"] == step["expected"] for step in document["steps"])
    monkeypatch.setattr(demo, "STEPS", (demo.Step("a diff expected to be clean (it is not)", lambda _: ["diff"]),))
    assert_error(invoke(["--json", "demo"]), "demo", ExitCode.INTERNAL_ERROR, "demo_failed")


def test_sandbox_serve(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "nuesync", "--json", "sandbox", "serve", "--seed", "empty"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "COLUMNS": "120"})
    try:
        assert process.stdout is not None
        lines = []
        while not lines or lines[-1] != "}\n":
            lines.append(process.stdout.readline())
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    assert process.returncode == 0
    assert_valid(CliResult(0, "".join(lines), ""), "sandbox-serve")
    assert_error(invoke(["--json", "sandbox", "serve", "--seed", "lots"]), "sandbox-serve", ExitCode.USAGE, "usage")


def test_setup(demo: World, tmp_path: Path) -> None:
    out = tmp_path / "nuesync-sf"
    written = assert_valid(demo.run("--json", "setup", "salesforce", "--out", str(out), "--listen-url",
                                    "https://sync.example.com"), "setup-salesforce")
    assert written["endpoint_url"] == "https://sync.example.com/webhooks/salesforce"
    assert_error(demo.run("--json", "setup", "salesforce", "--out", str(out)), "setup-salesforce", ExitCode.USAGE,
                 "usage")  # not empty, no --force
    assert assert_valid(demo.run("--json", "setup", "nue"), "setup-nue")["placeholder_url"] is True


def test_retry_with_nothing_to_replay(demo: World) -> None:
    assert assert_valid(demo.run("--json", "retry", "--all"), "retry")["requeued"] == 0
    assert_error(demo.run("--json", "retry"), "retry", ExitCode.USAGE, "usage")


def test_version() -> None:
    assert assert_valid(invoke(["--json", "--version"]), "version")["version"]
    assert invoke(["--version", "--json"]).json()["ok"] is True


# --- errors any command can end with ------------------------------------------------------------------


def test_a_usage_error_is_a_document_too() -> None:
    document = assert_error(invoke(["--json", "diff", "--only", "bogus"]), "error", ExitCode.USAGE, "usage")
    assert document["error"]["fix"] == "see `nuesync diff --help`"
    assert_error(invoke(["--no-such-option", "--json"]), "error", ExitCode.USAGE, "usage")


@pytest.fixture
def crashing_command() -> Any:
    @cli.app.command("crash", hidden=True)
    def crash() -> None:
        raise ValueError("boom")

    yield
    cli.app.registered_commands[:] = [c for c in cli.app.registered_commands if c.name != "crash"]


def test_a_crash_is_an_internal_error_document(crashing_command: Any) -> None:
    document = assert_error(invoke(["--json", "crash"]), "error", ExitCode.INTERNAL_ERROR, "internal")
    assert "-v" in document["error"]["fix"]


def test_an_error_after_the_document_adds_no_second_one(demo: World) -> None:
    demo.sandbox.nue.draft_sync_enabled = False
    result = demo.run("--json", "pull", "--yes")
    assert result.code == ExitCode.USAGE
    json.loads(result.stdout)  # exactly one document: a second would not parse
