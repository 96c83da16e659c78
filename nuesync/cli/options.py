"""Options shared by several commands, defined once so they are spelled and documented alike.

Values are checked here, by parsers that say what is wrong in a sentence (`'0' is not a number of
1 or more`); help shows a plain metavar (`N`, `CLASS`, `WHEN`), never a type name. Nothing heavy is
imported at module level: every `nuesync --help` builds these.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nuesync.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from nuesync.fetch import Scope

# The order classes `diff --only` takes: `nuesync.reconcile.OrderClass` (a test keeps them equal;
# importing it here would load the model for every `nuesync --help`).
ORDER_CLASSES = ("in_sync", "differs", "only_in_nue", "only_in_salesforce", "activated_in_nue_only",
                 "activated_in_salesforce_only", "link_conflict", "customer_unlinked", "malformed")


def whole_number(minimum: int, what: str = "a number") -> Callable[[str | int], int]:
    """A parser for a whole number of at least `minimum`, refusing anything else in a sentence."""

    def parse(value: str | int) -> int:  # Typer passes a default as it is, a command-line value as text
        try:
            number = value if isinstance(value, int) else int(value.strip())
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not {what}") from None
        if number < minimum:
            raise typer.BadParameter(f"{value} is less than {minimum}")
        return number

    return parse


def one_of(choices: tuple[str, ...], what: str) -> Callable[[str], str]:
    """A parser that accepts one of `choices` and names them all when given something else."""

    def parse(value: str) -> str:
        if value not in choices:
            raise typer.BadParameter(f"{value!r} is not {what}; expected one of: {', '.join(choices)}")
        return value

    return parse


def completing(choices: tuple[str, ...]) -> Callable[[str], list[str]]:
    """Shell completion of a fixed set of values."""
    return lambda incomplete: [choice for choice in choices if choice.startswith(incomplete)]


OrderOpt = Annotated[
    list[str] | None,
    typer.Option("--order", help="Only this order (Nue id or Salesforce Order id); repeatable.", metavar="ID",
                 show_default=False),
]
CustomerOpt = Annotated[
    list[str] | None,
    typer.Option("--customer", help="Only this customer's orders (Nue or Salesforce id); repeatable.", metavar="ID",
                 show_default=False),
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="Only orders changed since WHEN: an ISO date or time (2026-11-01, "
                                 "2026-11-01T09:00Z), an age (90m, 2h, 7d, 2w), or 'last': since this command's "
                                 "last successful run against the same Nue tenant and Salesforce org.",
                 metavar="WHEN", show_default=False),
]
DiffSinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="Only orders changed since WHEN: an ISO date or time (2026-11-01, "
                                 "2026-11-01T09:00Z) or an age (90m, 2h, 7d, 2w).",
                 metavar="WHEN", show_default=False),
]

DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print the plan and exit (3 if it would write).")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Write without asking (required without a terminal).")]
LimitOpt = Annotated[int | None, typer.Option("--limit", help="Write at most N orders this run.", metavar="N",
                                              parser=whole_number(1), show_default=False)]
PlanOutOpt = Annotated[Path | None, typer.Option("--plan-out", help="Save the plan as JSON for `nuesync apply`.",
                                                 metavar="FILE", show_default=False)]
CreateCustomersOpt = Annotated[bool, typer.Option("--create-customers",
                                                  help="Create customers missing on the receiving side.")]


_AGE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(value: str, option: str) -> timedelta | None:
    """An age like `90m`, `2h`, `7d`, `2w`; None when `value` is not written as an age."""
    age = _AGE.match(value.strip())
    if age is None:
        return None
    try:
        return timedelta(**{_UNITS[age.group(2)]: int(age.group(1))})
    except (OverflowError, ValueError):  # more days than a timedelta holds, or digits than an int parses
        raise UsageError(f"{option} {value!r}: that age reaches back before the year 1") from None


def parse_since(value: str | None, now: datetime, option: str = "--since") -> datetime | None:
    """A moment as an aware UTC datetime: `2026-11-01`, `2026-11-01T09:00:00Z`, or an age before `now`."""
    if value is None:
        return None
    text = value.strip()
    age = parse_age(text, option)
    if age is not None:
        try:
            return now - age
        except OverflowError:
            raise UsageError(f"{option} {value!r}: that age reaches back before the year 1") from None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option} {value!r}: expected an ISO date or time (2026-11-01, 2026-11-01T09:00Z) "
                         "or an age like 30m, 2h, 7d") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def scope_from(orders: list[str] | None, customers: list[str] | None, since: str | None, now: datetime, *,
               last_run: bool = True) -> Scope:
    """The orders a command looks at; `--since last` only where there is a last run (`last_run`: pull, push)."""
    from nuesync.fetch import Scope

    last = since is not None and since.strip().lower() == "last"
    if last and not last_run:
        raise UsageError("--since last: only pull and push remember their last run; give a date or an age like 2h")
    return Scope(order_ids=tuple(orders or ()), customer_ids=tuple(customers or ()),
                 since=None if last else parse_since(since, now), since_last_run=last)


def dry_run_code(writes: bool, blocked: bool) -> ExitCode:
    """What a dry run exits with: the code the real run would end with, else 3 for pending writes.

    Blocked orders make the real run exit 5 (they wait for a person), so its dry run says 5 too.
    """
    if blocked:
        return ExitCode.CONFLICTS
    return ExitCode.DIFFERENCES if writes else ExitCode.OK

