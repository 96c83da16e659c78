"""Exit codes and the typed errors that carry them.

Every expected failure is raised as a `NuesyncError` subclass with a user-facing message; the
CLI's single handler (`nuesync.cli.main`) turns it into one line on stderr and its exit code.
`1` is reserved for crashes so that CI never mistakes a broken tool for an out-of-sync org.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The command-line contract (docs/design.md); documented in `--help` and the README."""

    OK = 0
    INTERNAL_ERROR = 1
    USAGE = 2
    DIFFERENCES = 3
    PARTIAL_FAILURE = 4
    CONFLICTS = 5
    NOT_RUN_NOW = 6
    API_UNAVAILABLE = 7
    NOTHING_WRITTEN = 8
    INTERRUPTED = 130
    TERMINATED = 143

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    ExitCode.OK: "success: in sync, or every planned write done",
    ExitCode.INTERNAL_ERROR: "internal error (a bug); traceback with -v",
    ExitCode.USAGE: "usage or configuration error (bad option, bad config, missing credential)",
    ExitCode.DIFFERENCES: "differences found (diff, or a --dry-run with pending changes)",
    ExitCode.PARTIAL_FAILURE: "partial failure: some records failed, the rest were written",
    ExitCode.CONFLICTS: "conflicts need a decision",
    ExitCode.NOT_RUN_NOW: "not run now: another run holds the lock, or the API budget floor was reached",
    ExitCode.API_UNAVAILABLE: "an API could not be reached or refused authentication",
    ExitCode.NOTHING_WRITTEN: "every planned write failed: nothing was written",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C); nothing half-written is left unreported",
    ExitCode.TERMINATED: "terminated (SIGTERM); nothing half-written is left unreported",
}


class NuesyncError(Exception):
    """An expected failure: its message is shown as-is to the user, with its exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(NuesyncError):
    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    """A config file that cannot be used; the message names file, line and key."""


class MissingSecretError(ConfigError):
    """A secret's environment variable is unset; the message names the variable."""


class ApiUnavailableError(NuesyncError):
    """An API could not be reached, or refused our credentials."""

    exit_code = ExitCode.API_UNAVAILABLE


class AuthenticationError(ApiUnavailableError):
    pass


class NotRunNowError(NuesyncError):
    """Another run holds the lock, or the API budget is spent: try again later."""

    exit_code = ExitCode.NOT_RUN_NOW


class ApiBudgetExhaustedError(NotRunNowError):
    pass


class Terminated(KeyboardInterrupt):
    """SIGTERM (a stopped cron job or container), raised in the main thread like Ctrl-C.

    A KeyboardInterrupt so every place that already finishes a run cleanly on Ctrl-C (the
    journal, a part-done apply) does the same on SIGTERM; only the exit code and wording differ.
    """

    exit_code = ExitCode.TERMINATED
    reason = "terminated (SIGTERM)"


class Interrupted(NuesyncError):
    """A command stopped by Ctrl-C or SIGTERM, after it closed its run: the message and code to report."""

    def __init__(self, message: str, exit_code: ExitCode) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def interruption(exc: KeyboardInterrupt) -> tuple[str, ExitCode]:
    """How an interruption is reported: Ctrl-C and SIGTERM each have their own words and code."""
    if isinstance(exc, Terminated):
        return exc.reason, exc.exit_code
    return "interrupted (Ctrl-C)", ExitCode.INTERRUPTED
