"""The Salesforce fields only some features use, checked against the org's describe with the very
expectations `nuesync setup salesforce` generates them from (`nuesync.setup.salesforce.feature_fields`).

The Sync Order checkbox is set by the button and cleared by the listener (so it must be updateable);
the follow-up Task's cart id is written when a task is created (createable).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from nuesync.config import Settings
from nuesync.doctor.salesforce_fields import Problem
from nuesync.setup.fields import CART_KEY, TRIGGER_KEY, ExpectedField
from nuesync.setup.salesforce import feature_fields, missing_field_fix

# Each feature field: what needs it, and the describe flag the integration user needs on it.
NEEDED_BY: dict[str, tuple[str, str]] = {
    TRIGGER_KEY: ("the Sync to Nue button (nuesync listen)", "updateable"),
    CART_KEY: ("nuesync followup", "createable"),
}
FLAG_WORDS = {"createable": "set on create", "updateable": "updated"}

Describe = Callable[[str], Mapping[str, Mapping[str, Any]]]


def feature_field_problems(settings: Settings, fields_of: Describe) -> tuple[list[Problem], list[str]]:
    """Each feature field's first problem in the org (`fields_of(sobject)`: its describe by lower-case
    field name), and the names of all checked."""
    fields = feature_fields(settings)
    problems = [problem for field in fields
                if (problem := _problem(field, fields_of(field.sobject).get(field.name.lower())))]
    return problems, [field.qualified for field in fields]


def _problem(field: ExpectedField, described: Mapping[str, Any] | None) -> Problem | None:
    feature, flag = NEEDED_BY[field.key]
    name = f"{field.qualified} ({field.where})"
    if described is None:
        return Problem(f"{name} does not exist: {feature} needs it", missing_field_fix(field))
    kind = described.get("type")
    if kind != field.describe_type:
        return Problem(f"{name} is {kind}, expected {field.describe_type}: {feature} needs it",
                       f"set {field.where} to a {field.type} field")
    if not described.get(flag):
        return Problem(f"{name} cannot be {FLAG_WORDS[flag]} by this user: {feature} needs it",
                       f"give the integration user edit access to {field.qualified} (the Nuesync_Integration "
                       "permission set `nuesync setup salesforce` generates grants it)")
    return None
