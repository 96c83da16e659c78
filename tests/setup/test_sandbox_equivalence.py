"""The emulated org is built to be what deploying the setup project makes of a real org: same custom
fields on Order, OrderItem, Account and Contact, same types, sizes, keys, picklist values and labels.
Where they legitimately differ, the difference is listed below with its reason; anything else fails.
"""

from __future__ import annotations

from typing import Any

from nuesync.config import Settings
from nuesync.sandbox.salesforce.objects import build_schema
from nuesync.sandbox.salesforce.schema import Field
from nuesync.sandbox.story import DEMO_CUSTOM_FIELD
from nuesync.setup.fields import SOBJECTS, ExpectedField
from nuesync.setup.salesforce import expected_fields

SIZED = frozenset({"string", "textarea"})
NUMERIC = frozenset({"double", "currency", "percent", "int"})
LINKS = ("Order.Nue_Order_Id__c", "OrderItem.Nue_Order_Product_Id__c", "Account.Nue_Customer_Id__c",
         "Contact.Nue_Contact_Id__c")

# (field, what) → why the generated org and the emulated one may differ there.
ALLOWED: dict[tuple[str, str], str] = {
    ("Order.Region__c", "length"): "the emulator's demo field is Text(80); a string custom field is created "
                                   "as Text(255)",
    **{(link, "case_sensitive"): "the emulator compares Nue ids case-sensitively; the generated External IDs "
                                 "are unique case-insensitively (stricter; Nue ids are UUIDs either way)"
       for link in LINKS},
}


def _shape(kind: str, length: int, precision: int, scale: int, **rest: Any) -> dict[str, Any]:
    return {"type": kind, "length": length if kind in SIZED else None,
            "precision": precision if kind in NUMERIC else None, "scale": scale if kind in NUMERIC else None, **rest}


def sandbox_shape(field: Field) -> dict[str, Any]:
    return _shape(field.type, field.length, field.precision, field.scale, external_id=field.external_id,
                  unique=field.unique, case_sensitive=field.case_sensitive, values=field.picklist, label=field.label,
                  default=field.default if field.type == "boolean" else None)


def generated_shape(field: ExpectedField) -> dict[str, Any]:
    spec = field.spec
    return _shape(field.describe_type, spec.length, spec.precision, spec.scale, external_id=field.external_id,
                  unique=field.unique, case_sensitive=False, values=spec.values, label=spec.label,
                  default=False if field.type == "Checkbox" else None)


def differences() -> dict[tuple[str, str], tuple[Any, Any]]:
    """(field, what) → (generated, emulated) for the demo config against the emulated org."""
    schema = build_schema()
    sandbox = {f"{sobject.name}.{f.name}": sandbox_shape(f) for sobject in (schema.objects[s.name] for s in
               SOBJECTS.values()) for f in sobject.fields.values() if f.custom}
    settings = Settings.model_validate({"mapping": {"custom_fields": [DEMO_CUSTOM_FIELD]}})
    generated = {f.qualified: generated_shape(f) for f in expected_fields(settings)}
    found: dict[tuple[str, str], tuple[Any, Any]] = {}
    for name in generated.keys() | sandbox.keys():
        ours, theirs = generated.get(name), sandbox.get(name)
        if ours is None or theirs is None:
            found[(name, "exists")] = (ours is not None, theirs is not None)
            continue
        found.update({(name, key): (ours[key], theirs[key]) for key in ours if ours[key] != theirs[key]})
    return found


def test_the_emulated_org_has_the_fields_the_setup_project_creates() -> None:
    unexplained = {key: value for key, value in differences().items() if key not in ALLOWED}
    assert unexplained == {}


def test_the_demo_config_generates_every_custom_field_of_the_emulated_org() -> None:
    assert not [key for key, (ours, _) in differences().items() if key[1] == "exists" and not ours]


def test_the_checkout_link_is_a_url_field_in_both() -> None:
    assert not [key for key in differences() if key[0] == "Order.Nue_Checkout_URL__c"]
    assert build_schema().objects["Order"].fields["Nue_Checkout_URL__c"].type == "url"
