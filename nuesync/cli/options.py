"""Options shared by several commands, defined once so they are spelled and documented alike."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from nuesync.errors import ExitCode, UsageError
from nuesync.fetch import Scope

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
    typer.Option("--since", help="Only orders changed since WHEN: an ISO date/time, an age like 2h or 7d, or "
                                 "'last' (the last successful run of this command; pull and push).",
                 metavar="WHEN", show_default=False),
]

DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print the plan and exit (3 if it would write).")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Write without asking (required without a terminal).")]
LimitOpt = Annotated[int | None, typer.Option("--limit", min=1, help="Write at most N orders this run.",
                                              show_default=False)]
PlanOutOpt = Annotated[Path | None, typer.Option("--plan-out", help="Save the plan as JSON for `nuesync apply`.",
                                                 show_default=False)]
CreateCustomersOpt = Annotated[bool, typer.Option("--create-customers",
                                                  help="Create customers missing on the receiving side.")]


_AGE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str | None, now: datetime) -> datetime | None:
    """`--since` as an aware UTC datetime: `2026-11-01`, `2026-11-01T09:00:00Z`, `90m`, `2h`, `7d`, `2w`."""
    if value is None:
        return None
    text = value.strip()
    age = _AGE.match(text)
    if age:
        try:
            return now - timedelta(**{_UNITS[age.group(2)]: int(age.group(1))})
        except (OverflowError, ValueError):
            raise UsageError(f"--since {value!r}: that age reaches back before the year 1") from None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since {value!r}: expected an ISO date or time (2026-11-01, 2026-11-01T09:00Z) "
                         "or an age like 30m, 2h, 7d") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def scope_from(orders: list[str] | None, customers: list[str] | None, since: str | None, now: datetime) -> Scope:
    last = since is not None and since.strip().lower() == "last"
    return Scope(order_ids=tuple(orders or ()), customer_ids=tuple(customers or ()),
                 since=None if last else parse_since(since, now), since_last_run=last)


def dry_run_code(writes: bool, blocked: bool) -> ExitCode:
    """What a dry run exits with: the code the real run would end with, else 3 for pending writes.

    Blocked orders make the real run exit 5 (they wait for a person), so its dry run says 5 too.
    """
    if blocked:
        return ExitCode.CONFLICTS
    return ExitCode.DIFFERENCES if writes else ExitCode.OK
