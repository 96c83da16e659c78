"""The doctor's check model: a `Check` per report line, the check names, the run's exit code, and
the `Report` that skips a check whose prerequisites did not pass.

Every problem the doctor finds is a *result*, never an exception: `Report.after` turns an expected
`NuesyncError` into a failed check carrying the error's exit code, and lets anything else (a bug)
propagate rather than disguising it as a failed check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from nuesync.errors import ExitCode, NuesyncError
from nuesync.mapping import MappedObject


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Check:
    """One line of the report; `exit_code` is what a failure of this check means (the exit codes in nuesync.errors)."""

    name: str
    status: Status
    detail: str
    fix: str = ""
    exit_code: ExitCode = ExitCode.OK

    def as_dict(self) -> dict[str, str | None]:
        """The check as `--json` gives it; a check with nothing to fix says `"fix": null`."""
        return {"name": self.name, "status": self.status.value, "detail": self.detail, "fix": self.fix or None}


def ok(name: str, detail: str) -> Check:
    return Check(name, Status.OK, detail)


def warn(name: str, detail: str, fix: str) -> Check:
    return Check(name, Status.WARN, detail, fix)


def fail(name: str, detail: str, fix: str, code: ExitCode = ExitCode.USAGE) -> Check:
    return Check(name, Status.FAIL, detail, fix, code)


def failed_with(name: str, error: NuesyncError, fix: str = "") -> Check:
    """A check that an expected error stopped: the error's message, and the exit code it carries."""
    return fail(name, error.message, fix, error.exit_code)


# The check names, in report order.
CONFIG, NUE_API, SF_API, SF_BUDGET = "config", "nue.api", "salesforce.api", "salesforce.api_budget"
DRAFT_SYNC, ACTIVATED_STATUS = "nue.draft_sync", "salesforce.activated_status"
SF_FIELDS: dict[MappedObject, str] = {obj: f"salesforce.fields.{obj.value}" for obj in MappedObject}
SF_LINKS, NUE_FIELDS, CUSTOMERS = "salesforce.links", "nue.fields", "customers.linked"
SF_FEATURE_FIELDS = "salesforce.fields.features"
CHECK_NAMES = (CONFIG, NUE_API, SF_API, SF_BUDGET, DRAFT_SYNC, ACTIVATED_STATUS, *SF_FIELDS.values(), SF_LINKS,
               SF_FEATURE_FIELDS, NUE_FIELDS, CUSTOMERS)

# A run exits with the most specific failure's code; any other failed check means "fix the setup" (2).
EXIT_PRECEDENCE = (ExitCode.API_UNAVAILABLE, ExitCode.NOT_RUN_NOW)


def exit_code(checks: Iterable[Check]) -> ExitCode:
    """0 when nothing failed (warnings included), else 7 (API) > 6 (budget spent) > 2 (anything else)."""
    codes = {check.exit_code for check in checks if check.status is Status.FAIL}
    if not codes:
        return ExitCode.OK
    return next((code for code in EXIT_PRECEDENCE if code in codes), ExitCode.USAGE)


class Report:
    """The checks so far; a check runs only when the checks it needs did not fail or skip."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def add(self, check: Check) -> None:
        self.checks.append(check)

    def after(self, name: str, needs: Sequence[str], run: Callable[[], Check]) -> None:
        status = {check.name: check.status for check in self.checks}
        blocked = [need for need in needs if status.get(need) in (Status.FAIL, Status.SKIP)]
        if blocked:
            self.add(Check(name, Status.SKIP, f"not checked: {', '.join(blocked)} did not pass"))
            return
        try:
            self.add(run())
        except NuesyncError as exc:
            self.add(failed_with(name, exc))
