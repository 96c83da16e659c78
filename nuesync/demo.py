"""`nuesync demo`: the whole story, against the in-process sandbox, with the real commands.

Each step is a sentence and a real `nuesync` command line, run in this process against both
emulators; the step's exit code is checked, so the demo doubles as an end-to-end smoke test.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import tomli_w

from nuesync.errors import ExitCode, NuesyncError
from nuesync.sandbox import story
from nuesync.sandbox.pair import RunningSandbox, running_sandbox

Runner = Callable[[list[str], dict[str, str]], int]


class DemoFailedError(NuesyncError):
    """A demo step did not end the way the story says: the tool (or the sandbox) misbehaved."""

    exit_code = ExitCode.INTERNAL_ERROR


@dataclass(frozen=True)
class Step:
    sentence: str
    args: Callable[[RunningSandbox], list[str]]
    expect: ExitCode = ExitCode.OK
    before: Callable[[RunningSandbox], None] = field(default=lambda _sandbox: None)


def _nue_id(sandbox: RunningSandbox, name: str) -> str:
    return next(o["id"] for o in sandbox.nue.orders() if o["name"] == name)


def _sf_id(sandbox: RunningSandbox, name: str) -> str:
    return next(o["Id"] for o in sandbox.salesforce.records("Order") if o["Name"] == name)


def _portal_checkout(sandbox: RunningSandbox) -> None:
    """What Nue's billing portal does when the customer checks out the rep's draft."""
    sandbox.nue.activate_order(_nue_id(sandbox, story.REP_DRAFT))


STEPS: tuple[Step, ...] = (
    Step("Both systems hold drafts. diff compares them: an abandoned self-service cart only in Nue, a rep's "
         "draft only in Salesforce, an order whose quantity and discount diverged, and more.",
         lambda _: ["diff"], ExitCode.DIFFERENCES),
    Step("pull brings Nue's drafts into Salesforce (Nue wins): the cart lands there for the rep's follow-up, "
         "the diverged order takes Nue's values, and Globex's customer record is created first.",
         lambda _: ["pull", "--yes", "--create-customers"]),
    Step("push sends the rep's draft to Nue (Salesforce wins), so the customer can check out in the portal.",
         lambda _: ["push", "--yes"]),
    Step("The customer checks out in Nue's billing portal, which activates the order in Nue. The order was "
         "created in Salesforce, so activate completes the activation there, in its origin.",
         lambda s: ["activate", "--yes", _sf_id(s, story.REP_DRAFT), _sf_id(s, story.PORTAL_CHECKOUT)],
         before=_portal_checkout),
    Step("An order created in Nue is activated with activate: in Nue first, its origin, then in Salesforce.",
         lambda s: ["activate", "--yes", _nue_id(s, story.IN_SYNC)]),
    Step("A final diff: everything is in sync.", lambda _: ["diff"]),
    Step("The journal remembers every writing run.", lambda _: ["log"]),
)


def run_demo(out: TextIO, runner: Runner, *, color: bool = True) -> None:
    """Play every step; raise DemoFailedError at the first step that ends unexpectedly."""
    bold, dim, reset = ("\x1b[1m", "\x1b[2m", "\x1b[0m") if color else ("", "", "")
    with tempfile.TemporaryDirectory(prefix="nuesync-demo-") as tmp, running_sandbox("demo") as sandbox:
        config = Path(tmp) / "nuesync.toml"
        config.write_text(tomli_w.dumps(sandbox.config(state_path=Path(tmp) / "journal.sqlite3")), encoding="utf-8")
        for number, step in enumerate(STEPS, start=1):
            step.before(sandbox)
            args = step.args(sandbox)
            out.write(f"\n{bold}{number}. {step.sentence}{reset}\n{dim}$ nuesync {' '.join(args)}{reset}\n")
            out.flush()
            code = runner(["--config", str(config), *args], sandbox.environ())
            if code != step.expect:
                raise DemoFailedError(f"demo step {number} (nuesync {' '.join(args)}) exited {code}, "
                                      f"expected {int(step.expect)}")
        out.write(f"\n{bold}Done: every step behaved as the story says.{reset}\n")
