"""Field names in the mapping: API names only, dotted paths only where a default is one."""

from __future__ import annotations

import pytest

from nuesync.mapping import (
    DEFAULTS,
    WRITE_ONLY_SALESFORCE,
    MappedObject,
    custom_name_problem,
    field_name_problem,
    mappable_keys,
    override_name_problem,
)
from nuesync.model import System


@pytest.mark.parametrize("system", list(System))
def test_every_default_field_name_is_valid(system: System) -> None:
    for obj, table in DEFAULTS[system].items():
        for key, name in table.items():
            assert override_name_problem(system, obj, key, name) is None, (obj, key, name)


@pytest.mark.parametrize(
    ("system", "name", "dotted", "valid"),
    [
        (System.SALESFORCE, "Ruby__PaymentTerm__c", False, True),
        (System.SALESFORCE, "Product2.ProductCode", True, True),
        (System.SALESFORCE, "Product2.ProductCode", False, False),
        (System.SALESFORCE, "Product2..ProductCode", True, False),
        (System.SALESFORCE, "_Hidden", False, False),
        (System.SALESFORCE, "Name--", False, False),
        (System.NUE, "_internal", False, True),
        (System.NUE, "customer.name", True, True),
        (System.NUE, "customer.name", False, False),
        (System.NUE, "name(id: 1)", False, False),
    ],
)
def test_field_names_follow_each_systems_grammar(system: System, name: str, dotted: bool, valid: bool) -> None:
    assert (field_name_problem(system, name, dotted=dotted) is None) is valid


def test_an_override_may_be_dotted_only_where_its_default_is(monkeypatch: pytest.MonkeyPatch) -> None:
    table = dict(DEFAULTS[System.SALESFORCE][MappedObject.LINE])
    monkeypatch.setitem(
        DEFAULTS[System.SALESFORCE], MappedObject.LINE, {**table, "product_sku": "Product2.ProductCode"}
    )

    assert (
        override_name_problem(System.SALESFORCE, MappedObject.LINE, "product_sku", "Product2.StockKeepingUnit") is None
    )
    assert override_name_problem(System.SALESFORCE, MappedObject.LINE, "quantity", "Product2.Quantity") is not None


def test_a_custom_fields_canonical_name_is_an_identifier() -> None:
    assert custom_name_problem("sales_region") is None
    assert custom_name_problem("sales region") is not None


def test_every_write_only_default_is_a_valid_salesforce_name_and_mappable() -> None:
    for obj, table in WRITE_ONLY_SALESFORCE.items():
        for key, name in table.items():
            assert field_name_problem(System.SALESFORCE, name) is None, (obj, key, name)
            assert key in mappable_keys(System.SALESFORCE, obj)
            assert key not in mappable_keys(System.NUE, obj)
