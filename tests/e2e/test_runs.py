"""Runs you can trust: state kept per target, honest outcomes, and every exit code earned.

Each test drives the CLI against the emulators on loopback, the way cron, an admin or CI would.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from nuesync.errors import ExitCode
from nuesync.journal import RunStatus
from nuesync.lock import RunLock, lock_path
from nuesync.sandbox import story
from nuesync.sandbox.linked import PairBuilder
from nuesync.sandbox.pair import API_VERSION
from nuesync.sandbox.salesforce import SalesforceSandbox
from nuesync.target import Target
from tests.e2e.conftest import World
from tests.helpers import invoke


def journal_runs(path: Path) -> list[dict[str, Any]]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in db.execute("SELECT * FROM runs ORDER BY id")]
    finally:
        db.close()


def run_begun(path: Path) -> bool:
    """Whether the journal holds a run yet; one still being created (no table, or locked) holds none."""
    try:
        return path.exists() and bool(journal_runs(path))
    except sqlite3.OperationalError:
        return False


ORDER_WRITES = ("PATCH composite/sobjects/Order/Nue_Order_Id__c", "POST composite/sobjects")


def target_of(world: World) -> Target:
    return Target.of(world.sandbox.nue_server.url, world.sandbox.salesforce.org_id)


# --- state is per target ---------------------------------------------------------------------------


@pytest.fixture
def second_org(demo: World, tmp_path: Path) -> Iterator[tuple[Path, SalesforceSandbox, str]]:
    """Org B: another Salesforce org beside the demo's, against the same Nue tenant and the same
    journal file, holding one rep draft for a customer linked to that tenant."""
    org_b = SalesforceSandbox(api_version=API_VERSION, first_record_number=1_000_000)
    builder = PairBuilder(org_b, demo.sandbox.nue)
    _nue_customer, account = builder.linked_customer("Umbrella", "ap@umbrella.example")
    draft = builder.salesforce_order(account, "Rep draft in org B", [("NUE-SEAT", 5)])
    with ExitStack() as stack:
        server = stack.enter_context(org_b.serve())
        document = demo.sandbox.config(state_path=demo.config.parent / "journal.sqlite3")
        document["salesforce"].update(instance_url=server.url, ca_bundle=str(server.ca_file),
                                      session_id_env="ORG_B_SESSION")
        config = tmp_path / "org-b.toml"
        config.write_text(tomli_w.dumps(document))
        yield config, org_b, draft


def test_since_last_against_another_org_is_not_steered_by_the_first_orgs_mark(demo: World, second_org) -> None:
    config_b, org_b, draft = second_org
    env_b = {**demo.sandbox.environ(), "ORG_B_SESSION": org_b.session_id}
    assert demo.run("push", "--yes").code in {ExitCode.OK, ExitCode.CONFLICTS}
    time.sleep(1.1)  # org B's draft is now older than org A's mark
    result = invoke(["--config", str(config_b), "--json", "push", "--dry-run", "--since", "last"], env=env_b)
    assert result.code in {ExitCode.DIFFERENCES, ExitCode.CONFLICTS}, result.stderr
    creates = [a for a in result.json()["plan"]["actions"] if a["action"] == "create"]
    assert [a["salesforce_id"] for a in creates] == [draft]
    targets = {run["target"] for run in journal_runs(demo.config.parent / "journal.sqlite3")}
    assert len(targets) == 2
    assert any(org_b.org_id in t for t in targets)


def test_log_shows_each_runs_target(demo: World) -> None:
    demo.run("pull", "--dry-run")
    log = demo.run("--json", "log").json()
    assert log["runs"][0]["target"] == target_of(demo).key
    assert demo.sandbox.salesforce.org_id in demo.run("log").stdout


def test_the_lock_holds_per_target_whatever_the_state_path(demo: World, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    document = demo.sandbox.config(state_path=tmp_path / "elsewhere" / "journal.sqlite3")
    document["nue"]["base_url"] = document["nue"]["base_url"].replace("127.0.0.1", "localhost")
    other.write_text(tomli_w.dumps(document))
    with RunLock(lock_path(target_of(demo)), "pull --yes (cron)"):
        result = invoke(["--config", str(other), "push", "--yes"], env=demo.sandbox.environ())
    assert result.code == ExitCode.NOT_RUN_NOW, result.stderr
    assert "pull --yes (cron)" in result.stderr


def test_sandbox_serve_writes_its_own_journal_beside_its_config(tmp_path: Path) -> None:
    config, info = tmp_path / "sandbox" / "nuesync.toml", tmp_path / "sandbox" / "info.json"
    config.parent.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "nuesync", "sandbox", "serve", "--seed", "empty",
                                "--write-config", str(config), "--info-file", str(info)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        import tomllib
        state_path = Path(tomllib.loads(config.read_text())["sync"]["state_path"])
        assert state_path.parent == config.parent.resolve()
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        assert stat.S_IMODE(info.stat().st_mode) == 0o600
        written = tomllib.loads(config.read_text())
        env = json.loads(info.read_text())["env"]  # every secret the written config names, for scripts
        named = [written["nue"]["api_key_env"], written["salesforce"]["session_id_env"],
                 written["listen"]["nue_secret_env"]]
        assert sorted(env) == sorted(named) and all(env.values())
    finally:
        process.terminate()
        process.wait(timeout=20)


# --- outcomes say what happened -------------------------------------------------------------------


def test_without_a_terminal_or_yes_nothing_is_read_and_nothing_journaled(demo: World) -> None:
    before = demo.sandbox.salesforce.request_count(), demo.sandbox.nue.request_count()
    for command in (("pull",), ("push",), ("activate", "--customer", "001000000000000AAA")):
        result = demo.run(*command)
        assert result.code == ExitCode.USAGE, result.stderr
        assert "--yes" in result.stderr
    assert (demo.sandbox.salesforce.request_count(), demo.sandbox.nue.request_count()) == before
    assert not (demo.config.parent / "journal.sqlite3").exists()


def test_a_dry_run_is_journaled_as_one(demo: World) -> None:
    demo.run("pull", "--dry-run")
    (run,) = journal_runs(demo.config.parent / "journal.sqlite3")
    assert run["status"] == RunStatus.DRY_RUN
    assert run["counts"] == "{}"
    assert '"create"' in run["planned"]


def test_a_failed_run_keeps_its_error_for_log(demo: World) -> None:
    demo.sandbox.nue.faults.unavailable(50, route="POST /async/graphql")  # Nue goes away mid-read
    result = demo.run("pull", "--yes")
    assert result.code == ExitCode.API_UNAVAILABLE
    demo.sandbox.nue.faults.clear()
    (run,) = demo.run("--json", "log", "--failed").json()["runs"]
    assert run["status"] == RunStatus.FAILED
    assert "unavailable" in run["error"]
    assert "unavailable" in demo.run("log", "--run", str(run["id"])).stdout


def test_nothing_written_and_everything_failed_has_its_own_code(demo: World) -> None:
    for order_writes in ORDER_WRITES:  # an org that refuses every order write (a validation rule, a trigger)
        demo.sandbox.salesforce.faults.fail_next(5, status=400, endpoint=order_writes)
    result = demo.run("pull", "--yes")
    assert result.code == ExitCode.NOTHING_WRITTEN, result.stderr
    assert "nothing was written" in result.stderr
    failed = demo.run("--json", "log", "--failed").json()["runs"][0]["orders"]
    assert failed and {o["result"] for o in failed} == {"failed"}


def test_activate_dry_run_predicts_the_refusal_of_the_real_run(demo: World) -> None:
    diverged = next(o["id"] for o in demo.sandbox.nue.orders() if o["name"] == story.DIVERGED)
    dry = demo.run("activate", "--dry-run", diverged)
    real = demo.run("activate", "--yes", diverged)
    assert dry.code == real.code == ExitCode.CONFLICTS


def test_sigterm_ends_a_run_like_ctrl_c_with_its_own_code(demo: World) -> None:
    demo.sandbox.salesforce.latency_ms = 300  # a slow org: the run is still reading when the signal comes
    journal = demo.config.parent / "journal.sqlite3"
    env = {**os.environ, **demo.sandbox.environ()}
    process = subprocess.Popen([sys.executable, "-m", "nuesync", "--config", str(demo.config), "pull", "--yes"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not run_begun(journal) and time.monotonic() < deadline:
        time.sleep(0.05)  # wait until the run has begun (it is journaled as running)
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == ExitCode.TERMINATED, err
    assert "SIGTERM" in err
    assert "Traceback" not in err
    (run,) = journal_runs(journal)
    assert (run["status"], run["exit_code"]) == (RunStatus.INTERRUPTED, ExitCode.TERMINATED)
    assert run["finished_at"] is not None


def test_a_closed_pipe_ends_quietly_with_the_commands_own_code(demo: World) -> None:
    own_code = demo.run("push", "--dry-run").code
    env = {**os.environ, **demo.sandbox.environ()}
    shell = f"{sys.executable} -m nuesync --config {demo.config} push --dry-run | true; echo ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", shell], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == str(own_code), done.stderr
    assert "Traceback" not in done.stderr
    assert "BrokenPipe" not in done.stderr


def test_a_declined_prompt_is_journaled_as_declined_with_what_was_planned(demo: World,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from nuesync.cli.context import AppContext
    monkeypatch.setattr(AppContext, "is_interactive", lambda self: True)
    monkeypatch.setattr(typer, "confirm", lambda *args, **kwargs: False)
    result = demo.run("push")
    assert result.code == ExitCode.OK
    assert "Nothing written." in result.stderr
    assert demo.writes() == 0
    (run,) = demo.run("--json", "log").json()["runs"]
    assert (run["status"], run["counts"]) == (RunStatus.DECLINED, {})
    assert run["planned"]["create"] >= 1


def test_init_force_replaces_a_symlink_and_never_writes_through_it(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    config = tmp_path / "nuesync.toml"
    config.symlink_to(victim)
    assert invoke(["init", "--path", str(config)]).code == ExitCode.USAGE  # exists: needs --force
    result = invoke(["init", "--path", str(config), "--force", "--nue-url", "https://api.nue.io",
                     "--nue-key-env", "NUE_API_KEY", "--sf-auth", "jwt", "--sf-domain", "login"])
    assert result.code == ExitCode.OK, result.stderr
    assert victim.read_text() == "precious"
    assert not config.is_symlink()
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_a_scoped_run_does_not_move_the_since_last_mark(demo: World) -> None:
    cart = next(o["id"] for o in demo.sandbox.nue.orders() if o["name"] == story.ABANDONED_CART)
    assert demo.run("pull", "--yes", "--order", cart).code == ExitCode.OK
    later = demo.run("--json", "pull", "--dry-run", "--since", "last").json()["plan"]
    assert later["counts"]["update"] >= 1  # the diverged order, untouched by the scoped run, is still seen
