"""The canonical model: normalisation and the content hash."""

from __future__ import annotations

import random
from datetime import UTC, date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from nuesync.model import (
    AMOUNT_DECIMALS,
    AMOUNT_INTEGER_DIGITS,
    Customer,
    DraftOrder,
    LineItem,
    Links,
    NotCanonical,
    PricingDimension,
    Status,
    System,
    cleaner,
    decimal_text,
    field_default,
    record_fields,
    same_content,
    synced_content,
    trusted,
)


@pytest.mark.parametrize(
    ("raw", "status"),
    [("Draft", Status.DRAFT), ("draft", Status.DRAFT), ("DRAFT", Status.DRAFT), ("Activated", Status.ACTIVATED),
     ("active", Status.ACTIVATED), ("Canceled", Status.CANCELED), ("cancelled", Status.CANCELED)],
)
def test_status_is_normalised_from_any_casing(raw: str, status: Status) -> None:
    assert Status.parse(raw) is status


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown order status"):
        Status.parse("Pending")


def test_origin_accepts_both_systems_spellings() -> None:
    assert System.parse("Nue") is System.NUE
    assert System.parse("Salesforce") is System.SALESFORCE


@pytest.mark.parametrize("amount", [10, 10.0, "10.00", "10", Decimal("10.000")])
def test_money_in_any_spelling_is_equal(amount: object) -> None:
    line = LineItem(unit_price=amount)
    assert line.unit_price == Decimal("10")
    assert line == LineItem(unit_price=Decimal("10"))
    assert synced_content(DraftOrder(lines=[line])) == synced_content(DraftOrder(lines=[LineItem(unit_price=10)]))


def test_float_money_keeps_its_decimal_spelling() -> None:
    assert LineItem(unit_price=0.1).unit_price == Decimal("0.1")


def test_bad_amount_names_the_value() -> None:
    with pytest.raises(ValidationError, match="'ten' is not a number"):
        LineItem(quantity="ten")


ODD_AMOUNTS = {
    "huge text": ("1e30", "too large"),
    "huge float": (1e30, "too large"),
    "huge Decimal": (Decimal("1E+30"), "too large"),
    "just too large": ("10000000000000000", "too large"),
    "hugely negative": ("-1e16", "too large"),
    "three decimals": ("0.333", "more than 2 decimals"),
    "a decimal past what normalize keeps": ("1.0000000000000000000000000000001", "more than 2 decimals"),
    "tiny": ("1e-40", "more than 2 decimals"),
    "NaN text": ("NaN", "not a finite number"),
    "infinity": (float("inf"), "not a finite number"),
}


@pytest.mark.parametrize(("raw", "why"), ODD_AMOUNTS.values(), ids=ODD_AMOUNTS.keys())
@pytest.mark.parametrize("field", ["quantity", "unit_price", "subscription_term"])
def test_an_amount_salesforce_cannot_store_is_a_validation_error_naming_the_field(
        field: str, raw: object, why: str) -> None:
    with pytest.raises(ValidationError, match=why) as caught:
        LineItem(**{field: raw})
    assert caught.value.errors()[0]["loc"] == (field,)


@pytest.mark.parametrize(("raw", "canonical"), [("9999999999999999.99", "9999999999999999.99"),
                                                 ("-9999999999999999.99", "-9999999999999999.99"),
                                                 ("-0", "0"), (-0.0, "0"), ("1.230", "1.23"), ("1E+5", "100000")])
def test_amounts_at_the_edges_are_kept(raw: object, canonical: str) -> None:
    assert decimal_text(LineItem(quantity=raw).quantity) == canonical


def test_a_huge_custom_number_is_refused_not_crashed_on() -> None:
    with pytest.raises(ValidationError, match="too large"):
        DraftOrder(custom_fields={"seats": 1e30})


any_number = st.one_of(
    st.decimals(), st.floats(), st.integers(), st.text(max_size=40),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)


@given(any_number)
@settings(max_examples=400, deadline=None)
def test_any_number_is_a_bounded_canonical_amount_or_a_validation_error(raw: object) -> None:
    try:
        line = LineItem(quantity=raw, unit_price=raw)
    except ValidationError:
        return
    value = line.quantity
    if value is not None:
        assert abs(value) < Decimal(10) ** AMOUNT_INTEGER_DIGITS
        assert value == value.quantize(Decimal(1).scaleb(-AMOUNT_DECIMALS))
        assert Decimal(decimal_text(value)) == value
    assert DraftOrder(lines=[line]).content_hash()


def test_status_spellings_are_every_label_parse_reads() -> None:
    assert set(Status.DRAFT.spellings()) == {"draft"}
    assert set(Status.ACTIVATED.spellings()) == {"activated", "active"}
    assert all(Status.parse(f" {label.upper()}\t") is status for status in Status for label in status.spellings())


def test_empty_string_is_missing() -> None:
    assert DraftOrder(name="", description="  ").content_hash() == DraftOrder().content_hash()


def test_datetime_strings_become_dates() -> None:
    assert DraftOrder(effective_date="2026-11-27T00:00:00.000+0000").effective_date == date(2026, 11, 27)


def test_record_only_fields_do_not_change_the_hash() -> None:
    base = DraftOrder(name="A")
    other = DraftOrder(name="A", order_number="O-1", links={"nue_id": "n1", "salesforce_id": "s1"},
                       last_modified="2026-01-01T00:00:00Z")
    assert base.content_hash() == other.content_hash()


# --- property tests -------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
texts = st.text(alphabet="abcdefghij XYZ-[]", min_size=1, max_size=12).filter(lambda s: s.strip())
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
lines = st.builds(
    LineItem,
    product_sku=texts,
    quantity=amounts,
    unit_price=amounts,
    subscription_start=days,
    subscription_term=st.integers(1, 36),
    price_tags=st.lists(st.builds(dict, code=texts), max_size=3),
)
orders = st.builds(
    DraftOrder,
    name=texts,
    effective_date=days,
    currency=st.sampled_from(["USD", "EUR"]),
    status=st.sampled_from(list(Status)),
    origin=st.sampled_from(list(System)),
    billing=st.builds(dict, billing_period=st.sampled_from(["Month", "Year"]), payment_term=texts),
    discount=st.builds(dict, percent=amounts),
    custom_fields=st.dictionaries(texts, texts, max_size=3),
    lines=st.lists(lines, max_size=5),
)


@given(orders, st.randoms())
@settings(max_examples=60, deadline=None)
def test_hash_ignores_line_order_and_key_order(order: DraftOrder, rnd: random.Random) -> None:
    shuffled_lines = list(order.lines)
    rnd.shuffle(shuffled_lines)
    data = order.model_dump()
    data["custom_fields"] = dict(reversed(list(data["custom_fields"].items())))
    data["lines"] = [line.model_dump() for line in shuffled_lines]
    for line in data["lines"]:
        line["price_tags"] = list(reversed(line["price_tags"]))
    rebuilt = DraftOrder.model_validate(dict(reversed(list(data.items()))))
    assert rebuilt.content_hash() == order.content_hash()


SYNCED_CHANGES = {
    "name": lambda o: o.model_copy(update={"name": (o.name or "") + "x"}),
    "effective_date": lambda o: o.model_copy(update={"effective_date": date(2031, 1, 1)}),
    "currency": lambda o: o.model_copy(update={"currency": "GBP"}),
    "status": lambda o: o.model_copy(update={"status": Status.CANCELED if o.status != Status.CANCELED
                                             else Status.DRAFT}),
    "origin": lambda o: o.model_copy(update={"origin": o.origin.other if o.origin else System.NUE}),
    "billing": lambda o: o.model_copy(update={"billing": o.billing.model_copy(update={"bill_cycle_day": "31"})}),
    "discount": lambda o: o.model_copy(update={"discount": o.discount.model_copy(
        update={"amount": Decimal("0.01") + (o.discount.amount or 0)})}),
    "custom_fields": lambda o: o.model_copy(update={"custom_fields": {**o.custom_fields, "new-field": "v"}}),
    "customer": lambda o: o.model_copy(update={"customer": o.customer.model_copy(
        update={"links": {"nue_id": "other-customer"}})}),
    "line added": lambda o: o.model_copy(update={"lines": [*o.lines, LineItem(product_sku="NEW")]}),
    "line quantity": lambda o: o.model_copy(update={"lines": [
        o.lines[0].model_copy(update={"quantity": (o.lines[0].quantity or 0) + 1}), *o.lines[1:]]}) if o.lines
        else o.model_copy(update={"lines": [LineItem(quantity=1)]}),
}


@given(orders, st.sampled_from(sorted(SYNCED_CHANGES)))
@settings(max_examples=80, deadline=None)
def test_changing_any_synced_field_changes_the_hash(order: DraftOrder, change: str) -> None:
    assert SYNCED_CHANGES[change](order).content_hash() != order.content_hash()


@given(orders, st.sampled_from([*sorted(SYNCED_CHANGES), "none"]), st.randoms())
@settings(max_examples=80, deadline=None)
def test_same_content_agrees_with_the_content_hash(order: DraftOrder, change: str, rnd: random.Random) -> None:
    other = order if change == "none" else SYNCED_CHANGES[change](order)
    shuffled = list(other.lines)
    rnd.shuffle(shuffled)
    other = other.model_copy(update={"lines": shuffled})
    assert same_content(order, other) == (order.content_hash() == other.content_hash())
    assert same_content(order, other) == (change == "none")


# --- the fast path's cleaners keep exactly what validation keeps ------------------------------

odd_values = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(), st.decimals(),
    st.text(max_size=12), st.text(alphabet=" \t0123456789.-eE+TZ:", max_size=25),
    st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()), st.dates(), st.datetimes(),
    st.datetimes(timezones=st.just(UTC)), st.sampled_from([*Status, *System, "Draft", "sfdc", " Nue "]),
    st.dictionaries(st.text(max_size=3), st.one_of(st.none(), st.text(max_size=3), st.integers(), st.floats(),
                                                   st.decimals(), st.booleans(), st.dates()), max_size=3),
)
CLEANED_FIELDS = [
    (Links, "nue_id"), (LineItem, "quantity"), (LineItem, "subscription_start"), (DraftOrder, "status"),
    (DraftOrder, "origin"), (DraftOrder, "last_modified"), (PricingDimension, "code"), (DraftOrder, "custom_fields"),
]


@given(odd_values)
@settings(max_examples=500, deadline=None)
def test_a_cleaner_keeps_what_validation_keeps_or_does_not_vouch(value: object) -> None:
    for cls, name in CLEANED_FIELDS:
        try:
            cleaned = cleaner(cls, name)(value)
        except (NotCanonical, ValueError):
            continue
        validated = getattr(cls(**{name: value}), name)  # validation must accept what a cleaner accepts
        assert (cleaned, repr(cleaned), type(cleaned)) == (validated, repr(validated), type(validated)), (cls, name)


def test_a_trusted_record_is_the_validated_one() -> None:
    line = LineItem(links=Links(nue_id="n"), product_sku="SKU", quantity=Decimal(2), price_tags=[{"code": "T"}])
    values = [getattr(line, name) for name in record_fields(LineItem)]

    built = trusted(LineItem)(*values)

    assert (built, repr(built), hash(line.links)) == (line, repr(line), hash(built.links))
    assert built.model_dump() == line.model_dump()
    assert DraftOrder(lines=[built]).content_hash() == DraftOrder(lines=[line]).content_hash()


def test_a_record_default_is_one_frozen_instance_and_a_list_default_a_new_list() -> None:
    customer, lines = field_default(DraftOrder, "customer"), field_default(DraftOrder, "lines")

    assert customer() is customer() == Customer()
    assert lines() is not lines()
    assert lines() == []
    assert field_default(DraftOrder, "status")() is Status.DRAFT


@pytest.mark.parametrize(("cls", "name"), [(DraftOrder, "lines"), (DraftOrder, "bill_to_contact"),
                                           (LineItem, "price_tags")])
def test_a_field_the_adapters_read_their_own_way_has_no_cleaner(cls: type, name: str) -> None:
    with pytest.raises(KeyError):
        cleaner(cls, name)
