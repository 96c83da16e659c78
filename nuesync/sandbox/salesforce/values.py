"""Field values on the wire and in the store: JSON in, Python values kept, JSON out.

Incoming values are converted per field type with Salesforce's error codes (a JSON value of the
wrong kind is `JSON_PARSER_ERROR`, a kind that cannot apply is `INVALID_TYPE_ON_FIELD_IN_RECORD`,
then `STRING_TOO_LONG`, `NUMBER_OUTSIDE_VALID_RANGE`, restricted picklists, malformed ids).
Stored values are `str`, `Decimal`, `bool`, `date` and UTC `datetime`; money is never a float
until it is written into a JSON response.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from nuesync.sandbox.salesforce.errors import ApiError, json_parser_error, record_error
from nuesync.sandbox.salesforce.ids import key_prefix, normalize_id
from nuesync.sandbox.salesforce.schema import ID_TYPES, NUMBER_TYPES, TEXT_TYPES, Field, Schema

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_JACKSON_TYPE = {"double": "double", "currency": "double", "percent": "double", "int": "int",
                 "boolean": "boolean", "date": "date", "datetime": "datetime"}


def format_datetime(value: dt.datetime) -> str:
    """Salesforce's JSON datetime: `2026-11-27T04:50:42.000+0000`, always UTC."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> dt.datetime | None:
    match = _DATETIME.match(text)
    if not match:
        return None
    day, clock, fraction, zone = match.groups()
    zone = zone or "Z"
    offset = "+00:00" if zone == "Z" else (zone if ":" in zone else f"{zone[:3]}:{zone[3:]}")
    millis = (fraction or ".0")[1:4].ljust(3, "0")
    try:
        parsed = dt.datetime.fromisoformat(f"{day}T{clock}.{millis}{offset}")
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC)


def parse_date(text: str) -> dt.date | None:
    if not _DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def to_json(field: Field, value: Any) -> Any:
    """A stored value as Salesforce writes it in JSON."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if field.type == "int" else float(value)
    return value


def _token(value: Any) -> tuple[str, str]:
    """Jackson's token name and rendering, as quoted in Salesforce's parser errors."""
    if isinstance(value, bool):
        return ("VALUE_TRUE" if value else "VALUE_FALSE"), str(value).lower()
    if isinstance(value, int):
        return "VALUE_NUMBER_INT", str(value)
    if isinstance(value, Decimal | float):
        return "VALUE_NUMBER_FLOAT", str(value)
    if isinstance(value, dict):
        return "START_OBJECT", "{"
    if isinstance(value, list):
        return "START_ARRAY", "["
    return "VALUE_STRING", str(value)


def _cannot_deserialize(field: Field, value: Any) -> ApiError:
    token, text = _token(value)
    kind = _JACKSON_TYPE.get(field.type, "string")
    return json_parser_error(
        f"Cannot deserialize instance of {kind} from {token} value {text} "
        "or request may be missing a required field"
    )


def _wrong_type(field: Field, value: Any) -> ApiError:
    return record_error(
        "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{field.label}: value not of required type: {_token(value)[1]}",
        [field.name],
    )


def convert(schema: Schema, field: Field, value: Any) -> Any:
    """Validate and convert one incoming JSON value for `field`; None clears the field."""
    if value is None:
        return False if field.type == "boolean" else None
    if isinstance(value, dict | list):
        raise _cannot_deserialize(field, value)
    if field.type in TEXT_TYPES:
        return _text(field, value)
    if field.type in ID_TYPES:
        return _reference(schema, field, value)
    if field.type in NUMBER_TYPES:
        return _number(field, value)
    return _CONVERTERS[field.type](field, value)


def _text(field: Field, value: Any) -> str | None:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if text == "":
        return None
    if len(text) > field.length:
        raise record_error(
            "STRING_TOO_LONG", f"{field.label}: data value too large: {text} (max length={field.length})",
            [field.name],
        )
    if field.type == "picklist" and field.restricted and text not in field.picklist:
        raise record_error(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{field.label}: bad value for restricted picklist field: {text}",
            [field.name],
        )
    if field.type == "email" and not _EMAIL.match(text):
        raise record_error("INVALID_EMAIL_ADDRESS", f"{field.label}: invalid email address: {text}", [field.name])
    return text


def _reference(schema: Schema, field: Field, value: Any) -> str | None:
    if isinstance(value, bool):
        raise _wrong_type(field, value)
    text = str(value)
    if text == "":
        return None
    normalized = normalize_id(text)
    if normalized is None:
        raise record_error("MALFORMED_ID", f"{field.label}: id value of incorrect type: {text}", [field.name])
    target = schema.by_prefix(key_prefix(normalized))
    if target is None or target.name not in field.reference_to:
        raise record_error(
            "FIELD_INTEGRITY_EXCEPTION", f"{field.label}: id value of incorrect type: {text}", [field.name]
        )
    return normalized


def _number(field: Field, value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _wrong_type(field, value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _cannot_deserialize(field, value) from None
    if not number.is_finite():
        raise _cannot_deserialize(field, value)
    rounded = number.quantize(Decimal(1).scaleb(-field.scale), rounding=ROUND_HALF_UP)
    if abs(rounded) >= Decimal(10) ** (field.precision - field.scale):
        raise record_error(
            "NUMBER_OUTSIDE_VALID_RANGE", f"{field.label}: value outside of valid range on numeric field: {value}",
            [field.name],
        )
    return rounded


def _boolean(field: Field, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, str):
        raise _cannot_deserialize(field, value)
    raise _wrong_type(field, value)


def _date(field: Field, value: Any) -> dt.date:
    if isinstance(value, bool):
        raise _wrong_type(field, value)
    parsed = parse_date(value) if isinstance(value, str) else None
    if parsed is None:
        raise _cannot_deserialize(field, value)
    return parsed


def _datetime(field: Field, value: Any) -> dt.datetime:
    if isinstance(value, bool):
        raise _wrong_type(field, value)
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise _cannot_deserialize(field, value)
    return parsed


_CONVERTERS = {"boolean": _boolean, "date": _date, "datetime": _datetime}
