"""Record ids: the 18-character case-safe suffix, checked against Salesforce's documented examples."""

from __future__ import annotations

import pytest

from nuesync.sandbox.salesforce.ids import IdFactory, case_safe_suffix, looks_like_id, normalize_id


@pytest.mark.parametrize(
    ("id15", "id18"),
    [("0015000000Gv7qJ", "0015000000Gv7qJAAR"), ("001A0000006Vm9r", "001A0000006Vm9rIAC")],
)
def test_case_safe_suffix_matches_salesforce(id15, id18):
    assert id15 + case_safe_suffix(id15) == id18
    assert normalize_id(id15) == id18
    assert normalize_id(id18) == id18


def test_wrong_suffix_or_shape_is_malformed():
    assert normalize_id("0015000000Gv7qJZZZ") is None
    assert normalize_id("001-not-an-id") is None
    assert not looks_like_id("short")


def test_factory_ids_carry_the_prefix_and_are_unique():
    factory = IdFactory()
    ids = {factory.new_id("801") for _ in range(1000)}

    assert len(ids) == 1000
    assert all(i.startswith("801") and normalize_id(i) == i for i in ids)
