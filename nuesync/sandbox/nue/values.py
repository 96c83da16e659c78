"""Wire values as Nue writes them: amounts, dates, timestamps, picklists, subscription terms.

Requests are JSON, so an amount may arrive as `5`, `5.0` or `"5.00"`; the emulator keeps every
amount as a `Decimal` and renders it back as a JSON number, so that a value written is the value
read back (a sync tool compares them). Picklists are tables, checked in one place.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from nuesync.sandbox.nue.errors import invalid_value, unknown_field

CENT = Decimal("0.01")


def parse_decimal(value: object, field: str, *, minimum: Decimal | None = None) -> Decimal | None:
    """A JSON number (or numeric string) as an exact Decimal; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid_value(field, f"expected a number, got {value!r}")
    try:
        result = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise invalid_value(field, f"expected a number, got {value!r}") from None
    if not result.is_finite():
        raise invalid_value(field, f"expected a finite number, got {value!r}")
    if minimum is not None and result < minimum:
        raise invalid_value(field, f"must be at least {minimum}, got {value!r}")
    return result


def parse_date(value: object, field: str) -> str | None:
    """An ISO date `YYYY-MM-DD` (a datetime's date part is accepted, as Nue does)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_value(field, f"expected an ISO date (YYYY-MM-DD), got {value!r}")
    try:
        return date.fromisoformat(value[:10] if len(value) > 10 and value[10] == "T" else value).isoformat()
    except ValueError:
        raise invalid_value(field, f"expected an ISO date (YYYY-MM-DD), got {value!r}") from None


def parse_text(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_value(field, f"expected a string, got {value!r}")
    return value


def parse_object(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_value(field, f"expected a JSON object, got {value!r}")
    return value


def parse_options(value: object, field: str, allowed: tuple[str, ...]) -> dict[str, bool]:
    """A request's `options` object: known flags only, each a JSON boolean."""
    options = parse_object(value if value is not None else {}, field)
    for name, flag in options.items():
        if name not in allowed:
            raise invalid_value(f"{field}.{name}", f"unknown option (allowed: {', '.join(allowed)})")
        if not isinstance(flag, bool):
            raise invalid_value(f"{field}.{name}", f"expected true or false, got {flag!r}")
    return options


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def json_number(value: Decimal) -> int | float:
    """How an amount leaves the emulator: an integer when whole, else the nearest float."""
    return int(value) if value == value.to_integral_value() else float(value)


def timestamp(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds, the form Nue uses for `createdDate` / `lastModifiedDate`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def subscription_end(start: str, term_months: Decimal) -> str:
    """Start + term, as Nue's published example does (2026-01-01 + 12 months = 2027-01-01).

    A fractional term adds its whole months, then the fraction of a 30-day month.
    """
    whole = int(term_months)
    extra_days = int(((term_months - whole) * 30).to_integral_value(rounding=ROUND_HALF_UP))
    return (add_months(date.fromisoformat(start), whole) + timedelta(days=extra_days)).isoformat()


def months_between(start: str, end: str) -> Decimal:
    """The whole-month term that `subscription_end` maps back to `end` (used when only an end is given)."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    months = (last.year - first.year) * 12 + (last.month - first.month)
    if add_months(first, months) > last:
        months -= 1
    return Decimal(max(months, 0))


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


BILL_CYCLE_DAYS = frozenset(f"{_ordinal(day)} Day of Month" for day in range(1, 32))
_PAYMENT_TERM = re.compile(r"^(Net \d{1,3}|Due Upon Receipt)$")

# Billing settings carried on an order: field -> (accepts value?, what the field accepts).
BILLING_PICKLISTS: dict[str, tuple[Callable[[str], bool], str]] = {
    "billingPeriod": (
        lambda v: v in {"Month", "Quarter", "Semi-Annual", "Annual"},
        "one of Month, Quarter, Semi-Annual, Annual",
    ),
    "billCycleDay": (lambda v: v in BILL_CYCLE_DAYS, "like '1st Day of Month' … '31st Day of Month'"),
    "billingTiming": (lambda v: v in {"In Advance", "In Arrears"}, "one of In Advance, In Arrears"),
    "paymentTerm": (lambda v: bool(_PAYMENT_TERM.match(v)), "like 'Net 30' or 'Due Upon Receipt'"),
}

BILLING_PERIOD_MONTHS: dict[str, int] = {"Month": 1, "Quarter": 3, "Semi-Annual": 6, "Annual": 12}


def parse_billing(field: str, value: object, path: str | None = None) -> str | None:
    text = parse_text(value, path or field)
    if text is None:
        return None
    accepts, expected = BILLING_PICKLISTS[field]
    if not accepts(text):
        raise invalid_value(path or field, f"{text!r} is not a valid value ({expected})")
    return text


ORIGINS = ("Nue", "Salesforce")


def parse_origin(value: object, field: str) -> str | None:
    text = parse_text(value, field)
    if text is not None and text not in ORIGINS:
        raise invalid_value(field, f"{text!r} is not a valid origin (one of {', '.join(ORIGINS)})")
    return text


def payment_days(payment_term: str | None) -> int:
    """Days until an invoice is due: `Net 30` -> 30; `Due Upon Receipt` or unset -> 0."""
    if payment_term and payment_term.startswith("Net "):
        return int(payment_term.removeprefix("Net "))
    return 0


FieldParser = Callable[[object, str], Any]


def field_path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def parse_fields(
    payload: dict[str, Any],
    spec: dict[str, FieldParser],
    prefix: str = "",
    *,
    handled: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Parse the writable fields of a request body by a field -> parser table.

    Fields in `handled` are the caller's (references, nested lists); any other field that is not
    in the table is refused by name rather than silently dropped, so a client never believes it
    wrote a value that was ignored.
    """
    parsed: dict[str, Any] = {}
    for name, value in payload.items():
        if name in handled:
            continue
        parser = spec.get(name)
        path = field_path(prefix, name)
        if parser is None:
            raise unknown_field(path)
        parsed[name] = parser(value, path)
    return parsed


def picklist(*allowed: str) -> FieldParser:
    def parse(value: object, path: str) -> str | None:
        text = parse_text(value, path)
        if text is not None and text not in allowed:
            raise invalid_value(path, f"{text!r} is not one of {', '.join(allowed)}")
        return text

    return parse


def decimal_between(low: Decimal, high: Decimal | None = None) -> FieldParser:
    def parse(value: object, path: str) -> Decimal | None:
        number = parse_decimal(value, path, minimum=low)
        if number is not None and high is not None and number > high:
            raise invalid_value(path, f"must be at most {high}, got {value!r}")
        return number

    return parse


def billing(name: str) -> FieldParser:
    return lambda value, path: parse_billing(name, value, path)


def custom_fields(value: object, path: str) -> dict[str, Any]:
    """Custom fields are free-form; `null` clears them all."""
    return {} if value is None else dict(parse_object(value, path))
