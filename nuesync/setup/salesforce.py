"""`nuesync setup salesforce`: the Salesforce DX project that makes an org ready for nuesync.

The project is generated from the configured mapping and the field table (`nuesync.setup.fields`),
so it creates exactly the fields this config reads and writes — defaults, overrides and
`[[mapping.custom_fields]]` — plus the Sync Order trigger (checkbox, button, Outbound Message,
Flow) and the permission sets. `expected_fields` is the same table for `doctor`, which compares an
org's describe against it and names the exact field to create.

Files are written with `nuesync.files.write_private`: nothing here is secret, but its writes are
atomic, never follow a symlink planted at the target, and fail with a message naming the path;
owner-only (0600) is the conservative default for a description of an org's integration, and an
admin who shares the project can widen it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nuesync.config import Settings
from nuesync.errors import ConfigError, UsageError
from nuesync.files import ensure_private_dir, write_private
from nuesync.mapping import FieldMapping, MappedObject
from nuesync.model import System
from nuesync.setup import listener, metadata
from nuesync.setup.fields import (
    CART_KEY,
    CHECKOUT_KEY,
    SPECS,
    TRIGGER_KEY,
    ExpectedField,
    SObjectKey,
    Unmapped,
    custom_field_spec,
    is_custom,
)
from nuesync.setup.project_readme import readme

PACKAGE_DIRECTORY = "force-app"
SOURCE = f"{PACKAGE_DIRECTORY}/main/default"
PROJECT_NAME = "nuesync-salesforce-setup"
WHAT = "setup salesforce"
API_VERSION = re.compile(r"\d{2,3}\.0")
OBJECT_ORDER = [*MappedObject, *Unmapped]


def expected_fields(settings: Settings) -> list[ExpectedField]:
    """Every custom Salesforce field this config needs, with what it must be: the generator's table and
    `doctor`'s. Standard fields (`Name`, `AccountId`) are left out: every org has them."""
    mapping = settings.field_mapping()
    fields = [*_mapped(mapping), *_custom(mapping), *feature_fields(settings)]
    by_object = sorted(fields, key=lambda field: OBJECT_ORDER.index(field.obj))
    return _named_once([field for field in by_object if is_custom(field.name)])


def _mapped(mapping: FieldMapping) -> list[ExpectedField]:
    """The mapping tables' fields, the write-only ones (the checkout link) included."""
    fields = []
    for obj in MappedObject:
        table = {**mapping.table(System.SALESFORCE, obj), **mapping.write_only.get(obj, {})}
        fields += [ExpectedField(obj, key, name, SPECS[(obj, key)], f'"{key}" in [mapping.salesforce.{obj.value}]')
                   for key, name in table.items()]
    return fields


def _custom(mapping: FieldMapping) -> list[ExpectedField]:
    return [
        ExpectedField(MappedObject(c.object), f"custom_fields.{c.name}", c.salesforce,
                      custom_field_spec(c.name, c.type),
                      f'salesforce in the [[mapping.custom_fields]] entry "{c.name}"')
        for c in mapping.custom_fields
    ]


def feature_fields(settings: Settings) -> list[ExpectedField]:
    """The fields only some features use, named by their own config keys: the Sync Order checkbox
    (`nuesync listen`'s button) and the follow-up Task's cart id (`nuesync followup`)."""
    return [_configured(MappedObject.ORDER, TRIGGER_KEY, settings.listen.trigger_field),
            _configured(Unmapped.TASK, CART_KEY, settings.followup.cart_field)]


def _configured(obj: SObjectKey, key: str, name: str) -> ExpectedField:
    """A field named by a config key outside the mapping (the key is its canonical name too)."""
    return ExpectedField(obj, key, name, SPECS[(obj, key)], key)


def _named_once(fields: list[ExpectedField]) -> list[ExpectedField]:
    """One field cannot hold two things: a name the config gives twice on one object is a config error."""
    seen: dict[str, ExpectedField] = {}
    for field in fields:
        first = seen.setdefault(field.qualified.lower(), field)
        if first is not field:
            raise ConfigError(f"{field.qualified} is named by {first.where} and by {field.where}; "
                              "give each its own field")
    return fields


def missing_field_fix(field: ExpectedField) -> str:
    """What `doctor` says to do about a field the org lacks."""
    if field.packaged:
        return (f"{field.qualified} comes from an installed package: install it, or set {field.where} to an "
                "existing field")
    return (f"create {field.qualified} ({field.type}): generate it with `nuesync setup salesforce --out DIR` "
            f"and deploy DIR, or set {field.where} to an existing field")


def api_version_problem(version: str) -> str | None:
    """Why `version` cannot be a Metadata API version (None when it can)."""
    return None if API_VERSION.fullmatch(version) else f"expected an API version like '62.0', got {version!r}"


@dataclass(frozen=True)
class Project:
    """The generated project: its files (relative POSIX path → text) and the fields behind them."""

    files: dict[str, str]
    fields: tuple[ExpectedField, ...]
    endpoint_url: str
    placeholder_url: bool

    @property
    def generated(self) -> tuple[ExpectedField, ...]:
        return tuple(field for field in self.fields if not field.packaged)

    @property
    def packaged(self) -> tuple[ExpectedField, ...]:
        return tuple(field for field in self.fields if field.packaged)


def build_project(settings: Settings, listen_url: str | None, api_version: str) -> Project:
    """The whole project for this config, in memory (nothing is written)."""
    _check_options(listen_url, api_version)
    fields = tuple(expected_fields(settings))
    generated = [field for field in fields if not field.packaged]
    trigger = settings.listen.trigger_field
    url = listener.endpoint(listen_url, listener.SALESFORCE_PATH)
    files = {
        **{f"{SOURCE}/objects/{f.metadata_object}/fields/{f.name}.field-meta.xml": metadata.custom_field(f)
           for f in generated},
        f"{SOURCE}/permissionsets/{metadata.PERMISSION_SET}.permissionset-meta.xml":
            metadata.integration_permission_set(generated),
        **_button_permission_set(generated),
        f"{SOURCE}/quickActions/Order.{metadata.QUICK_ACTION}.quickAction-meta.xml": metadata.quick_action(trigger),
        f"{SOURCE}/workflows/Order.workflow-meta.xml": metadata.workflow(trigger, url, api_version),
        f"{SOURCE}/flows/{metadata.FLOW}.flow-meta.xml": metadata.flow(trigger, api_version),
        "sfdx-project.json": _sfdx_project(api_version),
    }
    files["README.md"] = readme(list(files), fields, url, listen_url is None)
    return Project(files, fields, url, placeholder_url=listen_url is None)


def _check_options(listen_url: str | None, api_version: str) -> None:
    problem = api_version_problem(api_version) or (listen_url and listener.listen_url_problem(listen_url))
    if problem:
        raise UsageError(f"{WHAT}: {problem}")


def _button_permission_set(generated: list[ExpectedField]) -> dict[str, str]:
    """The Sync to Nue users' permission set, when the checkbox it needs is one this project creates."""
    trigger = next((field for field in generated if field.key == TRIGGER_KEY), None)
    if trigger is None:
        return {}
    readable = [field for field in generated if field.key == CHECKOUT_KEY]
    path = f"{SOURCE}/permissionsets/{metadata.BUTTON_PERMISSION_SET}.permissionset-meta.xml"
    return {path: metadata.button_permission_set(trigger, readable)}


def _sfdx_project(api_version: str) -> str:
    document = {
        "packageDirectories": [{"path": PACKAGE_DIRECTORY, "default": True}],
        "name": PROJECT_NAME,
        "namespace": "",
        "sfdcLoginUrl": "https://login.salesforce.com",
        "sourceApiVersion": api_version,
    }
    return json.dumps(document, indent=2) + "\n"


@dataclass(frozen=True)
class Written:
    """What `write_project` did: the files it wrote, and metadata already under `force-app` that it left
    alone (a deploy of the directory sends that too)."""

    out: Path
    files: tuple[str, ...]
    others: tuple[str, ...]


def write_project(project: Project, out: Path, *, force: bool = False) -> Written:
    """Write the project under `out`; a non-empty `out` is refused unless `force` (then only these files
    are replaced: nothing is deleted)."""
    _check_target(out, force)
    for relative, text in project.files.items():
        path = out / relative
        ensure_private_dir(path.parent, WHAT)
        write_private(path, text, WHAT)
    return Written(out, tuple(project.files), _left_in(out / PACKAGE_DIRECTORY, out, project.files.keys()))


def _left_in(directory: Path, out: Path, ours: Iterable[str]) -> tuple[str, ...]:
    """Files under `directory` this run did not write, relative to `out`; hidden tool state is skipped."""
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        found += [(Path(root) / name).relative_to(out).as_posix() for name in files if not name.startswith(".")]
    return tuple(sorted(set(found) - set(ours)))


def _check_target(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{WHAT}: {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UsageError(f"{WHAT}: {out} is not empty; use --force to write the project into it "
                         "(its files are replaced, nothing else is touched)")
