"""Load and validate `nuesync.toml`.

The file holds no secrets: it names the environment variables that do. Every error names the
file, the line and the dotted key, and suggests the closest valid key for a typo, because the
person reading it is usually fixing a cron job at a terminal.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import string
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit

import platformdirs
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from nuesync.errors import ConfigError, MissingSecretError
from nuesync.mapping import (
    CustomField,
    FieldMapping,
    MappedObject,
    custom_name_problem,
    field_name_problem,
    mappable_keys,
    override_name_problem,
)
from nuesync.model import System

CONFIG_FILENAME = "nuesync.toml"
CONFIG_ENV = "NUESYNC_CONFIG"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_FIELD_PROBLEM = "field_problem"


def _field_problem(field: tuple[str, ...], problem: str) -> PydanticCustomError:
    """A check across fields, pinned to the one key it is about so the message names that key's line."""
    return PydanticCustomError(_FIELD_PROBLEM, "{problem}", {"problem": problem, "field": field})


def unreadable_file(path: Path) -> str | None:
    """Why `path` cannot be read as a file (None when it can)."""
    try:
        if not path.exists():
            return "no such file"
        if not path.is_file():
            return "not a file"
    except OSError as exc:  # a name too long for the file system, for one
        return f"not a usable path ({exc.strerror})"
    if not os.access(path, os.R_OK):
        return "not readable by this user"
    return None


def _readable_ca_bundle(value: Path | None) -> Path | None:
    """A missing bundle would otherwise surface mid-run as a crash inside the HTTP library."""
    if value is not None and (problem := unreadable_file(value)):
        raise ValueError(f"{problem}; expected a readable PEM file of CA certificates")
    return value


def _is_http_url(value: str) -> bool:
    """Absolute http(s) with a host, and a valid port if it names one."""
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# What a `nue.checkout_url_template` may name: Nue documents no checkout link, so the template says
# how this tenant's billing portal forms it from the order (see the README's Nue assumptions).
CHECKOUT_PLACEHOLDERS = ("order_id", "order_number", "customer_id")
_CHECKOUT_SAMPLE = {"order_id": "a1b2", "order_number": "O-1", "customer_id": "c3d4"}


def template_placeholders(template: str) -> tuple[str, ...]:
    """The `{name}` placeholders of a template, in order (`{{` and `}}` are literal braces).

    Anything else in braces — `{}`, `{0}`, `{name.attr}`, `{name:>5}`, an unbalanced brace — is
    refused with ValueError: `str.format` would read it as something other than a value to fill in.
    """
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"not a template: {str(exc)[0].lower()}{str(exc)[1:]}") from None
    names = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise ValueError(f"'{{{shown}}}' is not a placeholder (write a name in braces, like {{order_id}})")
        names.append(name)
    return tuple(names)


def _known_placeholders(template: str, allowed: tuple[str, ...]) -> str:
    """`template`, once every placeholder it names is one of `allowed` (else a ValueError naming them)."""
    listed = ", ".join(f"{{{name}}}" for name in allowed)
    try:
        names = template_placeholders(template)
    except ValueError as exc:
        raise ValueError(f"{exc}; the placeholders are {listed}") from None
    unknown = next((name for name in names if name not in allowed), None)
    if unknown is not None:
        hint = difflib.get_close_matches(unknown, allowed, n=1, cutoff=0.5)
        guess = f" (did you mean {{{hint[0]}}}?)" if hint else ""
        raise ValueError(f"unknown placeholder {{{unknown}}}{guess}; the placeholders are {listed}")
    return template


def checkout_url(template: str, *, order_id: str | None, order_number: str | None,
                 customer_id: str | None) -> str | None:
    """The billing-portal link `template` makes for one Nue order, each value URL-encoded; None when the
    template names a value that is not known (no link beats a wrong one)."""
    values = {"order_id": order_id, "order_number": order_number, "customer_id": customer_id}
    if any(values[name] is None for name in template_placeholders(template)):
        return None
    return template.format_map({name: quote(value or "", safe="") for name, value in values.items()})


class NueSettings(_Section):
    """`[nue]`: where the Nue API is and which env var holds its key."""

    base_url: str = "https://api.nue.io"
    api_key_env: str = "NUE_API_KEY"
    allow_insecure_http: StrictBool = False
    ca_bundle: Path | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_concurrency: int = Field(default=8, ge=1, le=64)
    max_retries: int = Field(default=5, ge=0, le=20)
    page_size: int = Field(default=1000, ge=1, le=10000)
    checkout_url_template: str | None = None

    @field_validator("base_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        if not _is_http_url(value):
            raise ValueError("expected an absolute http(s) URL with a host, like 'https://api.nue.io'")
        return value

    _ca_bundle_readable = field_validator("ca_bundle")(_readable_ca_bundle)

    @field_validator("checkout_url_template")
    @classmethod
    def _checkout_template(cls, value: str | None) -> str | None:
        """Checked when the config loads: a typo in a placeholder would otherwise write a wrong link onto
        every pushed order."""
        if value is None:
            return None
        _known_placeholders(value, CHECKOUT_PLACEHOLDERS)
        if not _is_http_url(value.format_map(_CHECKOUT_SAMPLE)):
            raise ValueError("expected an absolute http(s) URL with placeholders, like "
                             "'https://portal.example.com/checkout/{order_id}'")
        return value

    @model_validator(mode="after")
    def _key_never_in_clear(self) -> NueSettings:
        """Every request carries the API key in a header: plain HTTP shows it to anyone on the path."""
        parts = urlsplit(self.base_url)
        if parts.scheme == "http" and not self.allow_insecure_http and not _is_loopback(parts.hostname or ""):
            raise _field_problem(
                ("base_url",),
                "plain http:// would send the Nue API key in clear text; use https://, or set "
                "nue.allow_insecure_http = true if the network to this host is trusted",
            )
        return self

    def api_key(self, environ: Mapping[str, str] | None = None) -> str:
        return read_secret(self.api_key_env, "nue.api_key_env", environ, header=True)


class SalesforceAuth(StrEnum):
    SESSION = "session"
    PASSWORD = "password"
    CLIENT_CREDENTIALS = "client_credentials"
    JWT = "jwt"


_AUTH_SECRETS: dict[SalesforceAuth, tuple[str, ...]] = {
    SalesforceAuth.SESSION: ("session_id_env",),
    SalesforceAuth.PASSWORD: ("username_env", "password_env", "security_token_env"),
    SalesforceAuth.CLIENT_CREDENTIALS: ("client_id_env", "client_secret_env"),
    SalesforceAuth.JWT: ("username_env", "client_id_env", "private_key_env"),
}


_HEADER_SECRETS = frozenset({"session_id_env"})


class SalesforceSettings(_Section):
    """`[salesforce]`: the org, the auth method, and the env vars holding its secrets."""

    auth: SalesforceAuth = SalesforceAuth.SESSION
    instance_url: str | None = None
    domain: str = "login"
    api_version: str = "62.0"
    ca_bundle: Path | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=5, ge=0, le=20)
    # From this many records (orders + lines) a write goes through Bulk API 2.0; 0 keeps Collections.
    bulk_threshold: int = Field(default=10_000, ge=0)
    bulk_poll_seconds: float = Field(default=2.0, gt=0)
    session_id_env: str = "SF_SESSION_ID"
    username_env: str = "SF_USERNAME"
    password_env: str = "SF_PASSWORD"
    security_token_env: str = "SF_SECURITY_TOKEN"
    client_id_env: str = "SF_CLIENT_ID"
    client_secret_env: str = "SF_CLIENT_SECRET"
    private_key_env: str = "SF_PRIVATE_KEY"

    @field_validator("api_version")
    @classmethod
    def _version_shape(cls, value: str) -> str:
        if not re.fullmatch(r"\d{2,3}\.0", value):
            raise ValueError(f"expected an API version like '62.0', got {value!r}")
        return value

    _ca_bundle_readable = field_validator("ca_bundle")(_readable_ca_bundle)

    def secret_keys(self) -> tuple[str, ...]:
        """The `*_env` keys the chosen auth method reads."""
        return _AUTH_SECRETS[self.auth]

    def secrets(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """The auth method's secrets by key (`password_env` → value), or a MissingSecretError.

        The session id travels in the `Authorization` header, so it must be sendable there.
        """
        return {
            key: read_secret(getattr(self, key), f"salesforce.{key}", environ, header=key in _HEADER_SECRETS)
            for key in self.secret_keys()
        }


class SyncSettings(_Section):
    """`[sync]`: the rules a run follows and where it keeps its journal."""

    draft_sync: StrictBool = True
    create_missing_customers: StrictBool = False
    activated_status: str = "Activated"
    draft_status: str = "Draft"
    state_path: Path | None = None
    min_api_remaining: int = Field(default=500, ge=0)

    def journal_path(self) -> Path:
        return self.state_path or Path(platformdirs.user_state_dir("nuesync")) / "journal.sqlite3"


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `2h`, `1d`, or a number of seconds; `0` turns a periodic job off."""
    match = _DURATION.match(str(text).strip())
    if not match:
        raise ValueError(f"expected a duration like 30s, 15m, 2h or 0, got {text!r}")
    return timedelta(seconds=float(match.group(1)) * _DURATION_UNITS[match.group(2)])


def _duration_text(value: str) -> str:
    parse_duration(value)
    return value


def _salesforce_field_name(value: str) -> str:
    return _valid(value, field_name_problem(System.SALESFORCE, value))


# Settings kept as written but checked when the file is read: a duration (`15m`) and a Salesforce API name.
Duration = Annotated[str, AfterValidator(_duration_text)]
SalesforceFieldName = Annotated[str, AfterValidator(_salesforce_field_name)]


class ListenSettings(_Section):
    """`[listen]`: the `nuesync listen` service (Nue webhooks and Salesforce Outbound Messages in)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8787, ge=0, le=65535)
    nue_secret_env: str = "NUESYNC_WEBHOOK_SECRET"
    nue_signature_header: str = "X-Nue-Signature"
    batch_window_seconds: float = Field(default=2.0, ge=0, le=300)
    reconcile_every: Duration = "15m"
    max_attempts: int = Field(default=8, ge=1, le=100)
    trigger_field: SalesforceFieldName = "Nue_Sync_Requested__c"
    drain_seconds: float = Field(default=30.0, ge=0, le=3600)

    @property
    def reconcile_interval(self) -> timedelta:
        return parse_duration(self.reconcile_every)

    def nue_secret(self, environ: Mapping[str, str] | None = None) -> str:
        return read_secret(self.nue_secret_env, "listen.nue_secret_env", environ)


# What `[followup] subject_template` may name (the README lists them with their meaning).
SUBJECT_PLACEHOLDERS = ("order_name", "order_number", "customer", "total", "currency", "age")
_USER_ID = re.compile(r"005[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?")


class FollowupSettings(_Section):
    """`[followup]`: a Salesforce Task for the Account's owner on each abandoned self-service cart."""

    older_than: str = "24h"
    owner_fallback: str | None = None
    subject_template: str = "Follow up abandoned cart {order_name} ({total} {currency})"
    due_in_days: int = Field(default=1, ge=0, le=365)
    status: str = Field(default="Not Started", min_length=1)
    priority: str = Field(default="Normal", min_length=1)
    every: Duration = "0"
    cart_field: SalesforceFieldName = "Nue_Cart_Id__c"

    @field_validator("older_than")
    @classmethod
    def _age(cls, value: str) -> str:
        if not parse_duration(value):
            raise ValueError("expected an age longer than 0, like 24h or 3d")
        return value

    @field_validator("owner_fallback")
    @classmethod
    def _user_id(cls, value: str | None) -> str | None:
        if value is not None and not _USER_ID.fullmatch(value):
            raise ValueError("expected a Salesforce User Id: 15 or 18 letters and digits starting with 005")
        return value

    @field_validator("subject_template")
    @classmethod
    def _subject(cls, value: str) -> str:
        return _known_placeholders(value, SUBJECT_PLACEHOLDERS)

    @property
    def age(self) -> timedelta:
        return parse_duration(self.older_than)

    @property
    def interval(self) -> timedelta:
        return parse_duration(self.every)


class LogSettings(_Section):
    """`[log]`: structured logs, one JSON object per line, for cron and `nuesync listen` (docs/logging.md)."""

    file: Path | None = None
    level: Literal["info", "debug"] = "info"


class CustomFieldSettings(_Section):
    object: Literal["order", "line"]
    name: str
    salesforce: SalesforceFieldName
    nue: str
    type: Literal["string", "number", "date", "boolean"] = "string"

    @field_validator("name")
    @classmethod
    def _canonical_name(cls, value: str) -> str:
        return _valid(value, custom_name_problem(value))

    @field_validator("nue")
    @classmethod
    def _nue_name(cls, value: str) -> str:
        return _valid(value, field_name_problem(System.NUE, value))


def _valid(value: str, problem: str | None) -> str:
    if problem:
        raise ValueError(problem)
    return value


class MappingSettings(_Section):
    """`[mapping.*]`: overrides of the default field tables (keys are canonical field paths)."""

    salesforce: dict[MappedObject, dict[str, str]] = Field(default_factory=dict)
    nue: dict[MappedObject, dict[str, str]] = Field(default_factory=dict)
    custom_fields: list[CustomFieldSettings] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_are_api_names(self) -> MappingSettings:
        """Override values reach SOQL and GraphQL as text: each must be a bare API name."""
        for system in System:
            overrides: dict[MappedObject, dict[str, str]] = getattr(self, system.value)
            for obj, table in overrides.items():
                for key, name in table.items():
                    problem = override_name_problem(system, obj, key, name)
                    if problem:
                        raise _field_problem((system.value, obj.value, key), problem)
        return self


class Settings(_Section):
    nue: NueSettings = Field(default_factory=NueSettings)
    salesforce: SalesforceSettings = Field(default_factory=SalesforceSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    mapping: MappingSettings = Field(default_factory=MappingSettings)
    listen: ListenSettings = Field(default_factory=ListenSettings)
    followup: FollowupSettings = Field(default_factory=FollowupSettings)
    log: LogSettings = Field(default_factory=LogSettings)

    def field_mapping(self) -> FieldMapping:
        overrides = {System.SALESFORCE: self.mapping.salesforce, System.NUE: self.mapping.nue}
        custom = tuple(CustomField(**c.model_dump()) for c in self.mapping.custom_fields)
        return FieldMapping.build(overrides, custom)

    def secret_values(self, environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
        """The secret values this config names that are set in `environ`: what a `Redactor` must mask.

        The Nue API key and the Salesforce secrets of the chosen auth method; unset ones are skipped.
        """
        environ = os.environ if environ is None else environ
        salesforce = (getattr(self.salesforce, key) for key in self.salesforce.secret_keys())
        names = [self.nue.api_key_env, *salesforce, self.listen.nue_secret_env]
        return tuple(environ[name] for name in names if environ.get(name))


@dataclass(frozen=True)
class LoadedConfig:
    """Validated settings plus where they came from (for `config check` and error messages)."""

    path: Path
    settings: Settings
    raw: dict[str, Any]

    def source_of(self, dotted: str) -> str:
        node: Any = self.raw
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return "default"
            node = node[part]
        return "file"


def read_secret(env_name: str, key: str, environ: Mapping[str, str] | None = None, *, header: bool = False) -> str:
    """A secret's value from the environment; `header` when it will be sent as an HTTP header value."""
    environ = os.environ if environ is None else environ
    value = environ.get(env_name, "")
    if not value:
        raise MissingSecretError(
            f"the environment variable {env_name} is not set (named by {key} in the config); "
            f"export {env_name}=… before running nuesync"
        )
    if header:
        _check_header_value(value, env_name, key)
    return value


def _check_header_value(value: str, env_name: str, key: str) -> None:
    """HTTP header values are printable ASCII without surrounding blanks; name the variable, never the value."""
    where = f"the environment variable {env_name} (named by {key})"
    position = next((i for i, char in enumerate(value, start=1) if not " " <= char <= "~"), None)
    if position is not None:
        raise ConfigError(
            f"{where} has a character at position {position} that cannot be sent in an HTTP header "
            "(only printable ASCII can); check it for a copy-paste or encoding mistake"
        )
    if value != value.strip():
        raise ConfigError(f"{where} starts or ends with a space; remove it")


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir("nuesync")) / CONFIG_FILENAME


def find_config(explicit: Path | None, environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The config file to use: `--config`, then `$NUESYNC_CONFIG`, `./nuesync.toml`, the user dir."""
    environ = os.environ if environ is None else environ
    if explicit is not None:
        return explicit
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV])
    candidates = [(cwd or Path.cwd()) / CONFIG_FILENAME, user_config_path()]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise ConfigError(f"no config file found (looked at {looked}); create one with `nuesync init`")


def load_config(path: Path) -> LoadedConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    _check_mapping_keys(raw, text, path)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("\n".join(_describe(err, raw, text, path) for err in exc.errors())) from None
    return LoadedConfig(path=path, settings=settings, raw=raw)


def _check_mapping_keys(raw: dict[str, Any], text: str, path: Path) -> None:
    """Override keys must be canonical fields of the default tables; say which, with a suggestion."""
    mapping = raw.get("mapping")
    if not isinstance(mapping, dict):
        return
    for system in System:
        objects = mapping.get(system.value)
        if not isinstance(objects, dict):
            continue
        for obj, table in objects.items():
            if obj not in MappedObject.__members__.values() or not isinstance(table, dict):
                continue
            valid = list(mappable_keys(system, MappedObject(obj)))
            for key in table:
                if key not in valid:
                    raise ConfigError(_unknown_key_message(path, text, ["mapping", system.value, obj, key], valid))


def _unknown_key_message(path: Path, text: str, loc: list[str], valid: list[str]) -> str:
    hint = difflib.get_close_matches(loc[-1], valid, n=1, cutoff=0.5)
    suggestion = f"; did you mean '{hint[0]}'?" if hint else f"; valid keys: {', '.join(sorted(valid))}"
    return f"{_where(path, text, loc)}: unknown key '{'.'.join(loc)}'{suggestion}"


_EXPECTED = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "string": "a string",
    "dict": "a table",
    "model": "a table",
    "list": "an array",
    "path": "a path string",
    "enum": "one of the listed values",
}


def _describe(err: Mapping[str, Any], raw: dict[str, Any], text: str, path: Path) -> str:
    loc = [str(p) for p in err["loc"]]
    dotted = ".".join(loc)
    if err["type"] == "extra_forbidden":
        parent = _model_at(loc[:-1])
        valid = list(parent.model_fields) if parent else []
        return _unknown_key_message(path, text, loc, valid)
    value = _value_at(raw, loc)
    where = _where(path, text, loc)
    if err["type"] == "missing":
        return f"{where}: '{dotted}' is required"
    if err["type"] == _FIELD_PROBLEM:
        return _describe_field_problem(err, raw, text, path)
    expected = next((word for prefix, word in _EXPECTED.items() if err["type"].startswith(prefix)), None)
    if err["type"] in {"enum", "literal_error"}:
        expected = err["msg"].removeprefix("Input should be ")
    if expected is None:
        detail = err["msg"].removeprefix("Value error, ")
        return f"{where}: '{dotted}': {detail} (got {value!r})"
    return f"{where}: '{dotted}' must be {expected}, got {value!r}"


def _describe_field_problem(err: Mapping[str, Any], raw: dict[str, Any], text: str, path: Path) -> str:
    loc = [*(str(p) for p in err["loc"]), *err["ctx"]["field"]]
    return f"{_where(path, text, loc)}: '{'.'.join(loc)}': {err['msg']} (got {_value_at(raw, loc)!r})"


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] = Settings
    for part in loc:
        field = model.model_fields.get(part)
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _value_at(raw: Any, loc: list[str]) -> Any:
    for part in loc:
        if isinstance(raw, dict):
            raw = raw.get(part)
        elif isinstance(raw, list) and part.isdigit() and int(part) < len(raw):
            raw = raw[int(part)]
        else:
            return None
    return raw


def _where(path: Path, text: str, loc: list[str]) -> str:
    line = key_line(text, loc)
    return f"{path}:{line}" if line else str(path)


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\-" ]+?)\s*=""")


def _split_key(key: str) -> list[str]:
    parts: list[str] = []
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^.\s]+)', key):
        parts.append(next(g for g in match.groups() if g is not None))
    return parts


def _key_lines(text: str) -> Iterator[tuple[list[str], int]]:
    table: list[str] = []
    counters: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _split_key(header.group(2))
            if header.group(1) == "[[":
                index = counters.get(tuple(table), -1) + 1
                counters[tuple(table)] = index
                table = [*table, str(index)]
            yield table, number
            continue
        key = _KEY.match(line)
        if key:
            yield [*table, *_split_key(key.group(1))], number


def key_line(text: str, wanted: list[str]) -> int | None:
    """The line that sets the key at path `wanted` (or its nearest enclosing table) in the TOML source."""
    best: tuple[int, int] | None = None
    for parts, number in _key_lines(text):
        if parts == wanted:
            return number
        if wanted[: len(parts)] == parts and (best is None or len(parts) > best[0]):
            best = (len(parts), number)
    return best[1] if best else None
