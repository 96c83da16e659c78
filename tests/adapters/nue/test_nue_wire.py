"""Nue JSON ⇄ canonical: mapped fields, named failures, write payloads, and a lossless round trip."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nue_scenarios import line_of, rep_created_order, self_service_cart, small_catalog, with_contact

from nuesync.adapters.base import ContactDetails
from nuesync.adapters.nue_wire import (
    NueWire,
    UnresolvedReference,
    WireError,
    catalog_from_wire,
    graphql_literal,
    json_number,
)
from nuesync.mapping import CustomField, FieldMapping, MappedObject
from nuesync.model import (
    Billing,
    ContactRef,
    Customer,
    Discount,
    DraftOrder,
    LineItem,
    Links,
    PricingDimension,
    Status,
    System,
)
from tests.adapters.odd_values import assert_same_record, spoiled

CUSTOM = (
    CustomField("order", "region", "Region__c", "Region__c", "string"),
    CustomField("order", "seats_committed", "Seats_Committed__c", "Seats_Committed__c", "number"),
    CustomField("order", "renewal", "Renewal_Date__c", "Renewal_Date__c", "date"),
    CustomField("line", "seat_type", "Seat_Type__c", "Seat_Type__c", "string"),
    CustomField("line", "taxable", "Taxable__c", "Taxable__c", "boolean"),
)
WIRE = NueWire(FieldMapping.build(custom_fields=CUSTOM), "customFields")


def test_a_self_service_cart_reads_into_the_canonical_model() -> None:
    order = WIRE.order_from_wire(self_service_cart())

    assert order.links == Links(nue_id="9b2f6c1e-0000-4000-8000-000000000001")
    assert (order.order_number, order.status, order.origin) == ("O-00000042", Status.DRAFT, System.NUE)
    assert order.customer == Customer(
        links=Links(nue_id="cust-acme", salesforce_id="001ACME"), name="Acme Corp", email="billing@acme.test"
    )
    assert order.bill_to_contact == ContactRef(
        links=Links(nue_id="contact-ada", salesforce_id="003ADA"), name="Ada Lovelace"
    )
    assert order.effective_date == date(2025, 3, 1)
    assert order.billing == Billing(
        billing_period="Month", bill_cycle_day="1st Day of Month", billing_timing="In Advance", payment_term="Net 30"
    )
    assert order.discount == Discount(percent=Decimal(5))
    assert order.custom_fields == {"region": "EMEA", "seats_committed": Decimal(25)}
    assert order.last_modified == datetime(2025, 3, 4, 10, 15, 30, 123000, tzinfo=UTC)
    platform, seats = order.lines
    assert platform.links == Links(nue_id="line-platform")
    assert (platform.product_sku, platform.quantity, platform.unit_price) == ("NUE-PLAT-PRO", 1, Decimal("99"))
    assert platform.discount == Discount(amount=Decimal("10.50"))
    assert (platform.subscription_start, platform.subscription_end) == (date(2025, 3, 1), date(2026, 2, 28))
    assert platform.price_tags == [PricingDimension(code="PROMO-LAUNCH", name="Launch promotion 10%")]
    assert seats.custom_fields == {"seat_type": "named"}


@pytest.mark.parametrize(
    ("wire_status", "status"),
    [("Draft", Status.DRAFT), ("draft", Status.DRAFT), ("Activated", Status.ACTIVATED), ("active", Status.ACTIVATED)],
)
def test_status_casing_is_normalised(wire_status: str, status: Status) -> None:
    assert WIRE.order_from_wire(self_service_cart(status=wire_status)).status is status


def test_mapping_overrides_choose_the_wire_fields() -> None:
    mapping = FieldMapping.build({System.NUE: {MappedObject.ORDER: {"links.salesforce_id": "Ruby__SfId__c"}}})
    wire = NueWire(mapping, "customFields")

    order = wire.order_from_wire(self_service_cart(salesforceId="ignored", Ruby__SfId__c="801X"))

    assert order.links.salesforce_id == "801X"
    assert "Ruby__SfId__c" in wire.order_selection()


@pytest.mark.parametrize(
    ("broken", "field"),
    [
        (self_service_cart(effectiveDate="03/01/2025"), "effectiveDate"),
        (self_service_cart(status="Shipped"), "status"),
        (self_service_cart(origin="Zuora"), "origin"),
        (self_service_cart(discount="five"), "discount"),
        (line_of(self_service_cart(), 1, quantity="lots"), "orderProducts[1].quantity"),
        (line_of(self_service_cart(), 0, productSku=None), "orderProducts[0].productSku"),
        (line_of(self_service_cart(), 0, priceTags=[{"name": "no code"}]), "orderProducts[0].priceTags"),
        (self_service_cart(customFields={"Seats_Committed__c": "many"}), "customFields.Seats_Committed__c"),
        (self_service_cart(orderProducts="none"), "orderProducts"),
        (self_service_cart(customer=["not", "an", "object"]), "customer"),
    ],
)
def test_an_untranslatable_record_is_a_problem_naming_order_and_field(broken: dict, field: str) -> None:
    good = self_service_cart(id="good-order")

    orders, problems = WIRE.orders_from_wire([broken, good])

    assert [o.links.nue_id for o in orders] == ["good-order"]
    assert len(problems) == 1
    assert (problems[0].system, problems[0].record_id, problems[0].field) == (System.NUE, broken["id"], field)


def test_a_record_that_is_not_an_object_or_has_no_id_is_a_problem() -> None:
    orders, problems = WIRE.orders_from_wire(["junk", self_service_cart(id=None)])

    assert orders == []
    assert [(p.record_id, p.field) for p in problems] == [("#0", ""), ("#1", "id")]


def test_a_create_payload_takes_the_documented_shape_with_resolved_references() -> None:
    order = with_contact(rep_created_order("801A"), "contact-ada")

    payload = WIRE.order_payload(order, small_catalog(), [None, None], creating=True)

    assert payload["customer"] == {"id": "cust-acme"}
    assert payload["billToContact"] == {"id": "contact-ada"}
    assert payload["salesforceId"] == "801A"
    assert payload["origin"] == "Salesforce"
    assert payload["effectiveDate"] == "2025-04-01"
    assert not {"id", "status", "orderNumber", "customerId", "customFields", "lastModifiedDate"} & payload.keys()
    assert None not in payload.values()
    first, second = payload["orderProducts"]
    assert first == {
        "salesforceId": "801A-L0",
        "priceBookEntryId": "01uPRO-USD",
        "quantity": Decimal(1),
        "listPrice": Decimal("10.25"),
        "subscriptionStartDate": "2025-04-01",
        "subscriptionTerm": Decimal(12),
        "priceTags": ["tag-vol-1"],
    }
    assert second["priceBookEntryId"] == "01uSEAT-USD"


def test_an_update_payload_sends_nulls_and_the_existing_line_ids() -> None:
    order = rep_created_order("801A").model_copy(update={"description": None})

    payload = WIRE.order_payload(order, small_catalog(), ["nue-line-0", None], creating=False)

    assert payload["description"] is None
    assert payload["billToContact"] is None
    assert payload["orderProducts"][0]["id"] == "nue-line-0"
    assert "id" not in payload["orderProducts"][1]
    assert payload["orderProducts"][1]["discount"] is None


def test_the_price_book_entry_follows_the_order_currency() -> None:
    order = rep_created_order("801A", lines=1, currency="EUR")

    payload = WIRE.order_payload(order, small_catalog(), [None], creating=True)

    assert payload["orderProducts"][0]["priceBookEntryId"] == "01uPRO-EUR"


@pytest.mark.parametrize(
    ("line_change", "code"),
    [
        ({"product_sku": "NO-SUCH-SKU"}, "PRODUCT_NOT_FOUND"),
        ({"price_tags": [PricingDimension(code="NO-SUCH-TAG")]}, "PRICE_TAG_NOT_FOUND"),
    ],
)
def test_an_unknown_sku_or_price_tag_cannot_be_resolved(line_change: dict, code: str) -> None:
    order = rep_created_order("801A", lines=1)
    order = order.model_copy(update={"lines": [order.lines[0].model_copy(update=line_change)]})

    with pytest.raises(UnresolvedReference) as caught:
        WIRE.order_payload(order, small_catalog(), [None], creating=True)
    assert caught.value.code == code


def test_a_sku_without_an_entry_in_the_order_currency_is_not_found() -> None:
    order = rep_created_order("801A", lines=2, currency="EUR")

    with pytest.raises(UnresolvedReference, match=r"NUE-SEAT.* in EUR"):
        WIRE.order_payload(order, small_catalog(), [None, None], creating=True)


def test_the_links_payload_touches_only_links_and_origin() -> None:
    order = WIRE.order_from_wire(self_service_cart())
    linked = order.model_copy(
        update={
            "links": Links(nue_id=order.links.nue_id, salesforce_id="801PULLED"),
            "lines": [
                order.lines[0].model_copy(update={"links": Links(nue_id="line-platform", salesforce_id="802A")}),
                order.lines[1],
            ],
        }
    )

    assert WIRE.links_payload(linked) == {
        "salesforceId": "801PULLED",
        "origin": "Nue",
        "orderProducts": [{"id": "line-platform", "salesforceId": "802A"}],
    }



@pytest.mark.parametrize("link", [None, "Ruby__SfAccount__c"])
def test_the_customer_link_is_read_from_external_id_or_its_override_and_never_sent(link: str | None) -> None:
    overrides = {System.NUE: {MappedObject.CUSTOMER: {"links.salesforce_id": link}}} if link else None
    wire = NueWire(FieldMapping.build(overrides), "customFields")
    customer = {"id": "cust-acme", "name": "Acme Corp", "externalId": "001NUESYNC", "salesforceId": "001OLD"}
    if link:
        customer[link] = "001OVERRIDE"

    order = wire.order_from_wire(self_service_cart(customer=customer))

    assert order.customer.links == Links(nue_id="cust-acme", salesforce_id="001OVERRIDE" if link else "001NUESYNC")
    assert f"{link or 'externalId'} " in wire.customer_selection() and "salesforceId" not in wire.customer_selection()
    assert wire.customer_payload(order.customer) == {"name": "Acme Corp", "email": None}


def test_contacts_are_read_and_written_in_the_documented_shape() -> None:
    contact = WIRE.contact_from_wire({"id": "contact-ada", "name": "Ada Lovelace", "email": "ada@acme.test",
                                      "salesforceId": None})
    created = ContactDetails(links=Links(salesforce_id="003ADA"), name="Ada Lovelace", email="ada@acme.test",
                             customer_id="cust-acme")

    assert contact == ContactDetails(links=Links(nue_id="contact-ada"), name="Ada Lovelace", email="ada@acme.test")
    assert WIRE.contact_selection() == "{ id email salesforceId name }"
    assert WIRE.contact_payload(created) == {"name": "Ada Lovelace", "email": "ada@acme.test", "salesforceId": "003ADA"}
    assert WIRE.contact_link_payload(ContactRef(links=Links(nue_id="contact-ada", salesforce_id="003ADA"))) == {
        "salesforceId": "003ADA"}
    with pytest.raises(WireError):
        WIRE.contact_from_wire({"id": "contact-ada", "name": ["not", "text"], "email": "ada@acme.test"})

def test_catalog_indexes_active_entries_by_sku_and_currency() -> None:
    products = [
        {
            "sku": "A",
            "priceBookEntries": [
                {"id": "old", "currencyIsoCode": "USD", "active": False},
                {"id": "a-usd", "currencyIsoCode": "USD", "active": True},
                {"id": "a-eur", "currencyIsoCode": "EUR"},
            ],
        },
        {"sku": None, "priceBookEntries": [{"id": "orphan"}]},
        "junk",
    ]
    tags = [{"id": "t1", "code": "VOLUME-TIER-1"}, {"code": "NO-ID"}]

    catalog = catalog_from_wire(products, tags)

    assert catalog.entry_id("A", "USD") == "a-usd"
    assert catalog.entry_id("A", "EUR") == "a-eur"
    assert catalog.tag_id("VOLUME-TIER-1") == "t1"
    with pytest.raises(UnresolvedReference):
        catalog.tag_id("NO-ID")


def test_graphql_literals_escape_strings_and_nest() -> None:
    where = {
        "_and": [{"name": {"_eq": 'Quote " and \\ backslash'}}, {"id": {"_in": ["a", "b"]}}, {"x": {"_is_null": True}}]
    }

    assert graphql_literal(where) == (
        '{_and: [{name: {_eq: "Quote \\" and \\\\ backslash"}}, {id: {_in: ["a", "b"]}}, {x: {_is_null: true}}]}'
    )


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9))
def test_json_numbers_parse_back_to_the_same_decimal(value: Decimal) -> None:
    text = json.dumps({"v": json_number(value)})

    assert json.loads(text, parse_float=Decimal)["v"] == value


# --- lossless round trip -------------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
    lambda s: s.strip() == s
)
_optional_text = st.none() | _text
_money = st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0, max_value=10**7)
_day = st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
_links = st.builds(Links, nue_id=_text, salesforce_id=_optional_text)
_tags = st.lists(st.builds(PricingDimension, code=_text, name=_optional_text), max_size=3)
_lines = st.builds(
    LineItem,
    links=_links,
    product_sku=_text,
    quantity=_money,
    unit_price=_money,
    discount=st.builds(Discount, percent=_money, amount=_money),
    subscription_start=_day,
    subscription_end=_day,
    subscription_term=_money,
    price_tags=_tags,
    custom_fields=st.fixed_dictionaries(
        {}, optional={"seat_type": _optional_text, "taxable": st.none() | st.booleans()}
    ),
)
_orders = st.builds(
    DraftOrder,
    links=_links,
    order_number=_optional_text,
    name=_optional_text,
    description=_optional_text,
    customer=st.builds(
        Customer,
        links=st.builds(Links, nue_id=_optional_text, salesforce_id=_optional_text),
        name=_optional_text,
        email=_optional_text,
    ),
    bill_to_contact=st.none() | st.builds(ContactRef, links=_links, name=_optional_text),
    effective_date=_day,
    currency=_optional_text,
    status=st.sampled_from(Status),
    origin=st.none() | st.sampled_from(System),
    billing=st.builds(
        Billing,
        billing_period=_optional_text,
        bill_cycle_day=_optional_text,
        billing_timing=_optional_text,
        payment_term=_optional_text,
    ),
    discount=st.builds(Discount, percent=_money, amount=_money),
    custom_fields=st.fixed_dictionaries(
        {}, optional={"region": _optional_text, "seats_committed": _money, "renewal": _day}
    ),
    lines=st.lists(_lines, max_size=3),
    last_modified=st.none() | st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1)),
)


@settings(max_examples=150, deadline=None)
@given(_orders)
def test_canonical_to_nue_and_back_is_lossless(order: DraftOrder) -> None:
    through_json = json.loads(json.dumps(WIRE.order_to_wire(order), default=json_number), parse_float=Decimal)

    assert WIRE.order_from_wire(through_json) == order


def test_wire_errors_say_field_and_reason() -> None:
    error = WireError("orderProducts[2].quantity", "'x' is not a number")

    assert str(error) == "orderProducts[2].quantity: 'x' is not a number"


# --- the fast path builds exactly what validation builds ------------------------------------------

# Any value at all a field might get: blanks, padding, numbers where text belongs and text where
# numbers do, bools (True == 1), out-of-range amounts, bad dates, wrong shapes.
_ODD = st.sampled_from(
    [None, "", "  ", " padded ", 0, 1, True, False, 1.0, -0.0, 7.25, float("nan"), float("inf"), Decimal("1.0"),
     Decimal("12.50"), Decimal("0.125"), Decimal("1E+30"), Decimal("-0"), "10", " 10.00 ", "ten", "NaN", "1e400",
     "2026-02-30", "2026-12-01T10:00:00Z", "Draft", " active ", "sfdc", [], {}, ["x"], {"code": "X"}]
)


def _spelled(*values: object) -> st.SearchStrategy[object]:
    return st.sampled_from(values)


# Values each kind of field really gets, in every spelling that must still read (and read the same).
_ids = st.uuids().map(str) | _spelled(" padded-id ", "  ", 42)
_texts = _spelled("Acme", " Net 30 ", "Month", "USD", "", "  ", None, 7, Decimal("1.0"), 1.5)
_amounts = _spelled(None, 0, 1, 12, Decimal("49.0"), Decimal("12.50"), Decimal("-0"), -0.0, 1.5, "99.00", " 5 ", "",
                    "1E+2", Decimal("9999999999999999.99"))
_days = _spelled(None, "", "2026-12-01", "2027-11-30", "2026-12-01T10:00:00Z")
_tags = st.none() | st.lists(
    st.fixed_dictionaries({"id": _ids, "code": _spelled("VOLUME-TIER-1", " PROMO ")}, optional={"name": _texts}),
    max_size=2)
_custom = st.none() | st.fixed_dictionaries({}, optional={
    "Region__c": _texts, "Seats_Committed__c": _amounts, "Renewal_Date__c": _days, "Seat_Type__c": _texts,
    "Taxable__c": _spelled(None, True, False, "true", " FALSE ")})
_line = st.fixed_dictionaries(
    {"id": _ids, "productSku": _spelled("NUE-SEAT", " NUE-PLAT-PRO ")},
    optional={"salesforceId": _ids, "quantity": _amounts, "listPrice": _amounts, "discount": _amounts,
              "discountAmount": _amounts, "subscriptionStartDate": _days, "subscriptionEndDate": _days,
              "subscriptionTerm": _amounts, "priceTags": _tags, "customFields": _custom},
)
_linked = st.none() | st.fixed_dictionaries({}, optional={"id": _ids, "salesforceId": _ids, "externalId": _ids,
                                                          "name": _texts, "email": _texts})
_readable_orders = st.fixed_dictionaries(
    {"id": st.uuids().map(str), "status": _spelled("Draft", " DRAFT ", "active", "Activated", "cancelled"),
     "orderProducts": st.none() | st.lists(_line, max_size=3)},
    optional={
        "orderNumber": _texts, "salesforceId": _ids, "name": _texts, "description": _texts,
        "lastModifiedDate": _spelled(None, "", "2025-03-04T10:15:30.123Z", "2025-03-04T10:15:30+02:00"),
        "origin": _spelled(None, "", "Nue", "sfdc", " Salesforce "), "effectiveDate": _days,
        "currencyIsoCode": _texts, "customerId": _ids, "customer": _linked, "billToContactId": _ids,
        "billToContact": _linked, "billingPeriod": _texts, "billCycleDay": _texts, "billingTiming": _texts,
        "paymentTerm": _texts, "discount": _amounts, "discountAmount": _amounts, "customFields": _custom,
    },
)


@st.composite
def _wire_orders(draw: st.DrawFn) -> dict:
    """A record that reads, with up to two values anywhere in it replaced by any value at all."""
    return spoiled(draw, draw(_readable_orders), _ODD)


@settings(max_examples=1500, deadline=None)
@given(_wire_orders())
def test_the_fast_path_builds_what_validation_builds_or_leaves_the_record_to_it(record: dict) -> None:
    fast = WIRE.trusted_order_from_wire(record)
    try:
        checked = WIRE.checked_order_from_wire(record)
    except WireError:
        assert fast is None
        return
    if fast is not None:
        assert_same_record(fast, checked)


@settings(max_examples=150, deadline=None)
@given(_orders)
def test_the_fast_path_reads_every_well_formed_record(order: DraftOrder) -> None:
    record = json.loads(json.dumps(WIRE.order_to_wire(order), default=json_number), parse_float=Decimal)

    fast = WIRE.trusted_order_from_wire(record)

    assert fast is not None
    assert_same_record(fast, WIRE.checked_order_from_wire(record))


def test_orders_of_one_customer_share_its_record_and_equal_discounts_share_one() -> None:
    first, second = WIRE.trusted_order_from_wire(self_service_cart()), WIRE.trusted_order_from_wire(
        self_service_cart(id="another-order"))

    assert first is not None and second is not None
    assert first.customer is second.customer
    assert first.lines[1].discount is second.lines[1].discount
    assert first.lines[0].links is not second.lines[0].links  # ids are not shared, only values that repeat


def test_a_mapping_the_fast_path_cannot_fill_leaves_every_record_to_validation() -> None:
    wire = NueWire(FieldMapping.build({System.NUE: {MappedObject.ORDER: {"price_bok": "priceBook"}}}), "customFields")

    orders, problems = wire.orders_from_wire([self_service_cart()])

    assert wire.trusted_order_from_wire(self_service_cart()) is None
    assert orders == []
    assert [(p.record_id, p.field) for p in problems] == [(self_service_cart()["id"], "priceBook")]
