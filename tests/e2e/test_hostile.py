"""A sweep of hostile input: bad configs, arguments, plan files, journals and records.

Whatever a user (or an attacker) hands nuesync, it answers with a message and a documented exit
code: never a traceback without -v, never exit 1 (which means "a bug"), never a hang, and never a
file renamed or overwritten that nuesync did not create. Each case runs under a time limit.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from nuesync.errors import ExitCode
from nuesync.sandbox.pair import RunningSandbox, running_sandbox
from tests.helpers import CliResult, invoke

TIME_LIMIT_SECONDS = 20


class TimeLimitExceeded(BaseException):
    """Raised in the test when a case hangs; a BaseException so nuesync's handler cannot swallow it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(_signum: int, _frame: object) -> None:
        raise TimeLimitExceeded(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with running_sandbox("demo") as running:
        yield running


@dataclass
class Case:
    """A directory holding a config for the sandbox, and the files the case planted in it."""

    sandbox: RunningSandbox
    root: Path
    env: dict[str, str]

    @property
    def config(self) -> Path:
        return self.root / "nuesync.toml"

    def write_config(self, change: Callable[[dict[str, Any]], None] | None = None) -> None:
        document = self.sandbox.config(state_path=self.root / "journal.sqlite3")
        if change is not None:
            change(document)
        self.config.write_text(tomli_w.dumps(document))

    def run(self, *args: str) -> CliResult:
        with time_limit(TIME_LIMIT_SECONDS):
            return invoke(["--config", str(self.config), *args], env=self.env)


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` with its content (None for directories and special files)."""
    found: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        found[str(path.relative_to(root))] = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    return found


@pytest.fixture
def case(sandbox: RunningSandbox, tmp_path: Path) -> Case:
    made = Case(sandbox, tmp_path, sandbox.environ())
    made.write_config()
    return made


def assert_answered(result: CliResult, *expected: ExitCode) -> None:
    assert "Traceback" not in result.stderr + result.stdout
    assert result.code != ExitCode.INTERNAL_ERROR, result.stderr
    assert result.code in expected, (result.code, result.stderr)
    assert result.stderr.strip() or result.stdout.strip(), "a refusal must say why"


def assert_untouched(before: dict[str, bytes | None], root: Path, *created: str) -> None:
    """Nothing that was there is renamed or changed; new files are only those nuesync may create."""
    after = snapshot(root)
    for name, content in before.items():
        assert name in after, f"{name} was moved or removed"
        assert after[name] == content, f"{name} was changed"
    assert set(after) - set(before) <= set(created), set(after) - set(before)


# --- bad configs ---------------------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        node = document
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return change


BAD_CONFIGS: dict[str, Callable[[dict[str, Any]], None]] = {
    "string boolean": _set("sync.draft_sync", "yes"),
    "plain http to a remote Nue": _set("nue.base_url", "http://api.nue.io"),
    "not a URL": _set("nue.base_url", "api.nue.io"),
    "missing salesforce CA bundle": _set("salesforce.ca_bundle", "/nonexistent/ca.pem"),
    "missing nue CA bundle": _set("nue.ca_bundle", "/nonexistent/ca.pem"),
    "SOQL in a custom field name": lambda d: d["mapping"]["custom_fields"][0].update(
        salesforce="Region__c FROM Order --"),
    "GraphQL in a custom field name": lambda d: d["mapping"]["custom_fields"][0].update(nue="region } x {"),
    "unknown key": _set("sync.draft_synk", True),
    "negative floor": _set("sync.min_api_remaining", -1),
}


@pytest.mark.parametrize("name", list(BAD_CONFIGS))
def test_a_bad_config_is_exit_2_naming_the_key(case: Case, name: str) -> None:
    case.write_config(BAD_CONFIGS[name])
    before = snapshot(case.root)
    result = case.run("diff")
    assert_answered(result, ExitCode.USAGE)
    assert str(case.config) in result.stderr
    assert_untouched(before, case.root)


@pytest.mark.parametrize("content", [b"[nue\nbase_url = 1", b"\x00\xff\xfe garbage", b"nue = [[[["])
def test_an_unreadable_config_file_is_exit_2(case: Case, content: bytes) -> None:
    case.config.write_bytes(content)
    assert_answered(case.run("diff"), ExitCode.USAGE)


def test_a_config_path_that_is_a_directory_is_exit_2(case: Case) -> None:
    case.config.unlink()
    case.config.mkdir()
    assert_answered(case.run("diff"), ExitCode.USAGE)


def test_a_missing_secret_names_the_variable(case: Case) -> None:
    case.env = dict.fromkeys(case.env, "")
    result = case.run("diff")
    assert_answered(result, ExitCode.USAGE)
    assert "NUESYNC_SANDBOX" in result.stderr


@pytest.mark.parametrize("secret", ["sess\u00e9ion", "key-\u2713"])
def test_a_non_latin_1_secret_is_exit_2_naming_the_variable_not_the_value(case: Case, secret: str) -> None:
    name = next(iter(case.env))
    case.env = {**case.env, name: secret}
    result = case.run("diff")
    assert_answered(result, ExitCode.USAGE)
    assert name in result.stderr
    assert secret not in result.stderr


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
def test_a_ca_variable_pointing_nowhere_is_answered(case: Case, variable: str) -> None:
    case.env = {**case.env, variable: "/nonexistent/ca.pem"}
    result = case.run("diff")
    assert_answered(result, ExitCode.OK, ExitCode.DIFFERENCES, ExitCode.USAGE)


# --- bad arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("diff", "--since", "99999999d"),
    ("diff", "--since", "9" * 5000 + "d"),
    ("diff", "--since", "yesterday-ish"),
    ("diff", "--since", "last"),
    ("diff", "--order", "801xxxxxxxxxxxxXXX"),
    ("diff", "--order", "801'; DROP"),
    ("diff", "--order", "no-such-order"),
    ("pull", "--dry-run", "--order", "00000000-0000-0000-0000-000000000000"),
    ("pull", "--limit", "0"),
    ("push", "--limit", "-3"),
    ("log", "--run", "999999"),
    ("activate",),
    ("pull", "--no-such-option"),
], ids=lambda args: " ".join(a[:20] for a in args))
def test_a_bad_argument_is_exit_2(case: Case, args: tuple[str, ...]) -> None:
    assert_answered(case.run(*args), ExitCode.USAGE)


@pytest.mark.parametrize("target", [
    lambda root: root / "missing" / "plan.json",
    lambda root: Path("/"),
    lambda root: root,
    lambda root: Path("/proc/version"),
], ids=["missing directory", "root", "a directory", "unwritable file"])
def test_plan_out_to_a_path_that_cannot_be_written_is_exit_2_before_reading(case: Case, target) -> None:
    before = snapshot(case.root)
    requests = case.sandbox.salesforce.request_count()
    assert_answered(case.run("pull", "--plan-out", str(target(case.root))), ExitCode.USAGE)
    assert case.sandbox.salesforce.request_count() == requests
    assert_untouched(before, case.root)


# --- bad plan files ------------------------------------------------------------------------------


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


BAD_PLANS: dict[str, Callable[[Path], Path]] = {
    "empty list": lambda root: _write(root / "plan.json", b"[]"),
    "empty object": lambda root: _write(root / "plan.json", b"{}"),
    "deeply nested": lambda root: _write(root / "plan.json", _nested(100_000)),
    "binary": lambda root: _write(root / "plan.json", os.urandom(2048)),
    "wrong format": lambda root: _write(root / "plan.json", b'{"format": 99, "orders": []}'),
    "orders not a list": lambda root: _write(root / "plan.json", b'{"format": 1, "direction": "pull", "orders": 7}'),
    "bad order entry": lambda root: _write(root / "plan.json",
                                           b'{"format": 1, "direction": "pull", "orders": [{"sender_id": 5}]}'),
    "bad direction": lambda root: _write(root / "plan.json", b'{"format": 1, "direction": "sideways", "orders": []}'),
    "missing": lambda root: root / "no-plan.json",
    "a directory": lambda root: root,
    "the zero device": lambda root: Path("/dev/zero"),
}


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("name", list(BAD_PLANS))
def test_a_bad_plan_file_is_exit_2_and_never_hangs(case: Case, name: str) -> None:
    plan = BAD_PLANS[name](case.root)
    before = snapshot(case.root)
    assert_answered(case.run("apply", str(plan), "--yes"), ExitCode.USAGE)
    assert_untouched(before, case.root)


# --- bad journals --------------------------------------------------------------------------------


def _foreign_database(path: Path) -> None:
    sqlite3.connect(path).executescript("CREATE TABLE invoices (id INTEGER); INSERT INTO invoices VALUES (1);")


BAD_JOURNALS: dict[str, Callable[[Path], None]] = {
    "a directory": lambda path: path.mkdir(),
    "a text file": lambda path: path.write_text("notes\n"),
    "another program's database": _foreign_database,
}


@pytest.mark.parametrize("name", list(BAD_JOURNALS))
@pytest.mark.parametrize("command", [("log",), ("pull", "--dry-run")])
def test_a_journal_path_holding_something_else_is_exit_2_and_untouched(case: Case, name: str,
                                                                        command: tuple[str, ...]) -> None:
    BAD_JOURNALS[name](case.root / "journal.sqlite3")
    before = snapshot(case.root)
    result = case.run(*command)
    assert_answered(result, ExitCode.USAGE)
    assert "journal.sqlite3" in result.stderr
    assert_untouched(before, case.root)


def test_a_device_as_the_journal_is_exit_2(case: Case) -> None:
    case.write_config(_set("sync.state_path", "/dev/null"))
    assert_answered(case.run("pull", "--dry-run"), ExitCode.USAGE)
    assert Path("/dev/null").is_char_device()


def test_garbage_journal_rows_and_marks_do_not_break_log_or_since_last(case: Case) -> None:
    assert_answered(case.run("pull", "--dry-run"), ExitCode.OK, ExitCode.DIFFERENCES, ExitCode.CONFLICTS)
    db = sqlite3.connect(case.root / "journal.sqlite3", isolation_level=None)
    db.execute("UPDATE runs SET options = '{{', counts = 'x', planned = '[', exit_code = 'one', status = NULL")
    db.execute("INSERT INTO actions (run_id, order_key, action, outcome, fields, at) "
               "SELECT id, 'k', 'zap', 'exploded', 'nope', 'then' FROM runs")
    db.execute("UPDATE watermarks SET value = 'banana'")
    target = db.execute("SELECT target FROM runs").fetchone()[0]
    db.execute("INSERT OR REPLACE INTO watermarks VALUES (?, 'pull.last_success', 'banana')", (target,))
    db.close()
    assert_answered(case.run("log", "--failed"), ExitCode.OK)
    assert_answered(case.run("--json", "log", "--run", "1"), ExitCode.OK)
    assert_answered(case.run("pull", "--dry-run", "--since", "last"), ExitCode.OK, ExitCode.DIFFERENCES,
                    ExitCode.CONFLICTS)


# --- malformed records ---------------------------------------------------------------------------


def test_a_huge_quantity_is_one_malformed_record_not_an_aborted_diff(case: Case) -> None:
    nue = case.sandbox.nue
    order_id = next(o["id"] for o in nue.orders() if str(o.get("status", "")).lower() == "draft")
    line = nue.store.lines_of(order_id)[0]
    original, line["quantity"] = line["quantity"], 1e30  # planted: the API would refuse it
    try:
        result = case.run("--json", "diff")
        assert_answered(result, ExitCode.DIFFERENCES)
        problems = result.json()["problems"]
        assert any(p["record_id"] == order_id and "quantity" in p["field"].lower() for p in problems)
    finally:
        line["quantity"] = original
