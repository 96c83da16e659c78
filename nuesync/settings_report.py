"""The resolved settings as rows (key, value, source), with every secret masked.

`config check` shows these rows; keeping them as data lets the table and the JSON say the same
thing, and lets one test prove no secret value ever reaches either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from nuesync.config import LoadedConfig

MASK = "********"


@dataclass(frozen=True)
class SettingRow:
    key: str
    value: str | None  # None: the setting is not set (JSON says null, the table a dash)
    source: str  # "file", "default" or "env"

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


@dataclass(frozen=True)
class SecretRow:
    key: str
    env_var: str
    is_set: bool

    @property
    def shown(self) -> str:
        return f"{MASK} (from ${self.env_var})" if self.is_set else f"missing: set ${self.env_var}"

    def as_dict(self) -> dict[str, Any]:
        """As `--json` gives it: the mask when set, null when not — never the value."""
        return {"key": self.key, "env_var": self.env_var, "set": self.is_set, "value": MASK if self.is_set else None}


@dataclass(frozen=True)
class SettingsReport:
    path: Path
    settings: list[SettingRow]
    secrets: list[SecretRow]

    @property
    def missing(self) -> list[SecretRow]:
        return [row for row in self.secrets if not row.is_set]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _rows(loaded: LoadedConfig, prefix: str, model: BaseModel) -> list[SettingRow]:
    rows = []
    for name in type(model).model_fields:
        key = f"{prefix}.{name}"
        rows.append(SettingRow(key, _text(getattr(model, name)), loaded.source_of(key)))
    return rows


def settings_report(loaded: LoadedConfig, environ: Mapping[str, str]) -> SettingsReport:
    s = loaded.settings
    # Every section but the mapping (shown below as overrides): a section added to the config shows up here too.
    rows = [row for name in type(s).model_fields if name != "mapping" for row in _rows(loaded, name, getattr(s, name))]
    if s.sync.state_path is None:
        rows = [r if r.key != "sync.state_path" else SettingRow(r.key, str(s.sync.journal_path()), "default")
                for r in rows]
    for system, objects in (("salesforce", s.mapping.salesforce), ("nue", s.mapping.nue)):
        for obj, table in objects.items():
            rows.extend(SettingRow(f"mapping.{system}.{obj.value}.{field}", wire, "file")
                        for field, wire in table.items())
    rows.extend(
        SettingRow(f"mapping.custom_fields.{c.object}.{c.name}", f"salesforce={c.salesforce} nue={c.nue} ({c.type})",
                   "file")
        for c in s.mapping.custom_fields
    )
    secret_keys = [("nue.api_key", s.nue.api_key_env)] + [
        (f"salesforce.{key.removesuffix('_env')}", getattr(s.salesforce, key)) for key in s.salesforce.secret_keys()
    ]
    secrets = [SecretRow(key, env, bool(environ.get(env))) for key, env in secret_keys]
    return SettingsReport(path=loaded.path, settings=rows, secrets=secrets)
