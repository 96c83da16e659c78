"""Salesforce wire ⇄ canonical translation: lossless round trips, named failures, SOQL spelling."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nuesync.adapters.salesforce_wire import (
    LINES_RELATIONSHIP,
    WireError,
    case_safe_id,
    checked_order_from_wire,
    customer_to_wire,
    dumps,
    json_number,
    line_to_wire,
    loads,
    order_fields,
    order_from_wire,
    order_to_wire,
    relationship_name,
    soql_datetime,
    soql_in,
    soql_quote,
    trusted_order_from_wire,
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
    synced_content,
)
from tests.adapters.odd_values import assert_same_record, spoiled

CUSTOM = (
    CustomField("order", "po_number", "PO_Number__c", "poNumber", "string"),
    CustomField("order", "priority", "Priority_Score__c", "priority", "number"),
    CustomField("order", "renewal", "Renewal_Date__c", "renewalDate", "date"),
    CustomField("line", "taxable", "Taxable__c", "taxable", "boolean"),
)
MAPPING = FieldMapping.build(custom_fields=CUSTOM)


def stored(order: DraftOrder, mapping: FieldMapping = MAPPING) -> dict[str, Any]:
    """The order as a SOQL query would return it after a write: the written fields, through JSON,
    plus what Salesforce itself adds (ids, StatusCode, relationship fields, the lines subquery)."""
    record = loads(dumps(order_to_wire(order, mapping)))
    record.update(
        Id=order.links.salesforce_id,
        OrderNumber=order.order_number,
        StatusCode=order.status.value.capitalize(),
        SystemModstamp=order.last_modified.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
        Account={**loads(dumps(customer_to_wire(order.customer, mapping))), "Id": order.customer.links.salesforce_id},
    )
    if order.bill_to_contact is not None:
        contact = order.bill_to_contact
        record["BillToContact"] = {"Nue_Contact_Id__c": contact.links.nue_id, "Name": contact.name}
    lines = [
        {
            **loads(dumps(line_to_wire(line, mapping))),
            "Id": line.links.salesforce_id,
            "PricebookEntry": {"Product2": {"ProductCode": line.product_sku}},
        }
        for line in order.lines
    ]
    record[LINES_RELATIONSHIP] = {"totalSize": len(lines), "done": True, "records": lines} if lines else None
    return record


def identity(order: DraftOrder) -> dict[str, Any]:
    """What `synced_content` leaves out but a read must still return: ids and record fields."""
    return {
        "links": order.links,
        "order_number": order.order_number,
        "last_modified": order.last_modified,
        "line_links": [line.links for line in order.lines],
        "customer": order.customer,
        "contact": order.bill_to_contact,
    }


# --- strategies ---

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40).map(str.strip)
maybe_text = text.map(lambda t: t or None)
sf_id = st.from_regex(r"[a-zA-Z0-9]{18}", fullmatch=True)
nue_id = st.uuids().map(str)
money = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
maybe_money = st.none() | money
maybe_day = st.none() | st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31))
tag = st.from_regex(r"[A-Z0-9][A-Z0-9_-]{0,15}", fullmatch=True).map(lambda code: PricingDimension(code=code))
customer = st.builds(Customer, links=st.builds(Links, salesforce_id=sf_id, nue_id=st.none() | nue_id), name=maybe_text)
contact = st.builds(ContactRef, links=st.builds(Links, salesforce_id=sf_id, nue_id=st.none() | nue_id), name=maybe_text)
line = st.builds(
    LineItem,
    links=st.builds(Links, salesforce_id=sf_id, nue_id=st.none() | nue_id),
    product_sku=st.from_regex(r"[A-Z][A-Z0-9-]{2,20}", fullmatch=True),
    quantity=maybe_money,
    unit_price=maybe_money,
    discount=st.builds(Discount, percent=maybe_money, amount=maybe_money),
    subscription_start=maybe_day,
    subscription_end=maybe_day,
    subscription_term=maybe_money,
    price_tags=st.lists(tag, max_size=4),
    custom_fields=st.fixed_dictionaries({"taxable": st.none() | st.booleans()}),
)
modstamp = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)).map(
    lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000)
)
order = st.builds(
    DraftOrder,
    links=st.builds(Links, salesforce_id=sf_id, nue_id=st.none() | nue_id),
    order_number=st.from_regex(r"[0-9]{8}", fullmatch=True),
    name=maybe_text,
    description=maybe_text,
    customer=customer,
    bill_to_contact=st.none() | contact,
    effective_date=maybe_day,
    currency=st.none() | st.sampled_from(["USD", "EUR", "GBP"]),
    status=st.sampled_from(list(Status)),
    origin=st.none() | st.sampled_from(list(System)),
    billing=st.builds(
        Billing,
        billing_period=maybe_text,
        bill_cycle_day=maybe_text | st.integers(1, 31).map(str),
        billing_timing=maybe_text,
        payment_term=maybe_text,
    ),
    discount=st.builds(Discount, percent=maybe_money, amount=maybe_money),
    custom_fields=st.fixed_dictionaries({"po_number": maybe_text, "priority": maybe_money, "renewal": maybe_day}),
    lines=st.lists(line, max_size=4),
    last_modified=modstamp,
)


@settings(max_examples=100, deadline=None)
@given(order)
def test_canonical_to_wire_to_canonical_is_lossless(original: DraftOrder) -> None:
    read_back = order_from_wire(stored(original), MAPPING)

    assert synced_content(read_back) == synced_content(original)
    assert identity(read_back) == identity(original)


@settings(max_examples=50, deadline=None)
@given(order)
def test_round_trip_holds_under_an_org_specific_mapping(original: DraftOrder) -> None:
    namespaced = FieldMapping.build(
        {
            System.SALESFORCE: {
                MappedObject.ORDER: {"links.nue_id": "Ruby__NueOrderId__c", "billing.payment_term": "Ruby__Terms__c"},
                MappedObject.LINE: {"price_tags": "Ruby__PriceTags__c", "quantity": "Ruby__Qty__c"},
            }
        },
        CUSTOM,
    )
    record = stored(original, namespaced)

    assert "Ruby__Terms__c" in record
    assert not {"Nue_Order_Id__c", "Nue_Payment_Term__c"} & record.keys()
    assert synced_content(order_from_wire(record, namespaced)) == synced_content(original)


# --- named scenarios ---


@pytest.fixture
def draft_with_tags() -> DraftOrder:
    """A two-line draft whose first line carries two price tags and a discount."""
    return DraftOrder(
        links=Links(salesforce_id="801000000000001AAA", nue_id="nue-order-1"),
        name="Acme platform renewal",
        customer=Customer(links=Links(salesforce_id="001000000000001AAA", nue_id="nue-cust-1"), name="Acme"),
        effective_date=date(2026, 1, 1),
        currency="USD",
        origin=System.NUE,
        lines=[
            LineItem(
                links=Links(salesforce_id="802000000000001AAA", nue_id="nue-line-1"),
                product_sku="NUE-PLAT-PRO",
                quantity=Decimal("3"),
                unit_price=Decimal("99.00"),
                discount=Discount(percent=Decimal("10")),
                price_tags=[PricingDimension(code="VOLUME-TIER-1"), PricingDimension(code="PROMO-LAUNCH")],
            ),
            LineItem(
                links=Links(salesforce_id="802000000000002AAA", nue_id="nue-line-2"),
                product_sku="NUE-SEAT",
                quantity=Decimal("12"),
                unit_price=Decimal("12.50"),
            ),
        ],
        last_modified=datetime(2026, 11, 27, 4, 50, 42, tzinfo=UTC),
    )


def test_price_tags_travel_as_semicolon_separated_codes(draft_with_tags: DraftOrder) -> None:
    payload = line_to_wire(draft_with_tags.lines[0], MAPPING)

    assert payload["Nue_Price_Tags__c"] == "VOLUME-TIER-1;PROMO-LAUNCH"
    assert line_to_wire(draft_with_tags.lines[1], MAPPING)["Nue_Price_Tags__c"] is None


def test_tags_with_spaces_and_empty_entries_read_as_clean_codes(draft_with_tags: DraftOrder) -> None:
    record = stored(draft_with_tags)
    record[LINES_RELATIONSHIP]["records"][0]["Nue_Price_Tags__c"] = " VOLUME-TIER-1 ;;PROMO-LAUNCH;"

    tags = order_from_wire(record, MAPPING).lines[0].price_tags

    assert [t.code for t in tags] == ["VOLUME-TIER-1", "PROMO-LAUNCH"]


def test_order_payload_sends_mapped_fields_and_clears_only_clearable_ones(draft_with_tags: DraftOrder) -> None:
    payload = order_to_wire(draft_with_tags.model_copy(update={"currency": None}), MAPPING)

    assert payload["Nue_Order_Id__c"] == "nue-order-1"
    assert payload["Nue_Origin__c"] == "Nue"
    assert payload["AccountId"] == "001000000000001AAA"
    assert payload["EffectiveDate"] == "2026-01-01"
    assert payload["Description"] is None  # the sender has none: Salesforce's is cleared
    assert payload["BillToContactId"] is None
    assert "CurrencyIsoCode" not in payload  # never cleared: an order cannot lose its currency
    assert not {"Id", "Status", "StatusCode", "Pricebook2Id", "OrderNumber"} & payload.keys()


def test_amounts_are_exact_json_numbers() -> None:
    body = dumps({"UnitPrice": json_number(Decimal("12.50")), "Big": json_number(Decimal("12345678901234567.89"))})

    assert json.loads(body)["UnitPrice"] == 12.5
    assert loads(body)["Big"] == "12345678901234567.89"  # more digits than a float holds: sent as text
    assert loads('{"UnitPrice": 0.1}')["UnitPrice"] == Decimal("0.1")


@pytest.mark.parametrize(
    ("where", "field", "value", "expected_field"),
    [
        ("order", "EffectiveDate", "31/01/2026", "EffectiveDate"),
        ("order", "Nue_Discount_Percent__c", "ten", "Nue_Discount_Percent__c"),
        ("order", "Nue_Origin__c", "Zuora", "Nue_Origin__c"),
        ("order", "StatusCode", "Exploded", "StatusCode"),
        ("line", "Quantity", "three", f"{LINES_RELATIONSHIP}.Quantity"),
        ("line", "ServiceDate", "2026-13-45", f"{LINES_RELATIONSHIP}.ServiceDate"),
        ("line", "Taxable__c", "yes", f"{LINES_RELATIONSHIP}.Taxable__c"),
    ],
)
def test_an_untranslatable_value_names_its_wire_field(
    draft_with_tags: DraftOrder, where: str, field: str, value: str, expected_field: str
) -> None:
    record = stored(draft_with_tags)
    target = record if where == "order" else record[LINES_RELATIONSHIP]["records"][1]
    target[field] = value

    with pytest.raises(WireError) as caught:
        order_from_wire(record, MAPPING)

    assert caught.value.field == expected_field
    assert repr(value) in caught.value.message
    if where == "line":
        assert "802000000000002AAA" in caught.value.message


@pytest.mark.parametrize(
    ("where", "field", "value", "expected_field"),
    [
        ("order", "OrderNumber", 100, "OrderNumber"),
        (
            "line",
            "PricebookEntry",
            {"Product2": {"ProductCode": 42}},
            f"{LINES_RELATIONSHIP}.PricebookEntry.Product2.ProductCode",
        ),
        ("line", "Quantity", Decimal("1E+30"), f"{LINES_RELATIONSHIP}.Quantity"),
        ("line", "UnitPrice", Decimal("0.125"), f"{LINES_RELATIONSHIP}.UnitPrice"),
        ("order", "Nue_Discount_Amount__c", Decimal("1E+16"), "Nue_Discount_Amount__c"),
    ],
)
def test_a_value_the_model_refuses_names_its_wire_field(
    draft_with_tags: DraftOrder, where: str, field: str, value: object, expected_field: str
) -> None:
    record = stored(draft_with_tags)
    target = record if where == "order" else record[LINES_RELATIONSHIP]["records"][1]
    target[field] = value

    with pytest.raises(WireError) as caught:
        order_from_wire(record, MAPPING)

    assert caught.value.field == expected_field
    if where == "line":
        assert "802000000000002AAA" in caught.value.message


def test_a_line_without_a_product_is_an_error_not_a_blank_sku(draft_with_tags: DraftOrder) -> None:
    record = stored(draft_with_tags)
    record[LINES_RELATIONSHIP]["records"][0]["PricebookEntry"] = None

    with pytest.raises(WireError) as caught:
        order_from_wire(record, MAPPING)

    assert caught.value.field == f"{LINES_RELATIONSHIP}.PricebookEntry.Product2.ProductCode"


def test_an_empty_child_subquery_reads_as_no_lines(draft_with_tags: DraftOrder) -> None:
    record = stored(draft_with_tags.model_copy(update={"lines": []}))

    assert record[LINES_RELATIONSHIP] is None
    assert order_from_wire(record, MAPPING).lines == []


def test_a_number_field_read_as_text_has_one_spelling(draft_with_tags: DraftOrder) -> None:
    record = stored(draft_with_tags)
    record["Nue_Bill_Cycle_Day__c"] = Decimal("1.0")

    assert order_from_wire(record, MAPPING).billing.bill_cycle_day == "1"


def test_customer_and_contact_come_from_relationship_fields(draft_with_tags: DraftOrder) -> None:
    record = stored(draft_with_tags)
    record["BillToContactId"] = "003000000000001AAA"
    record["BillToContact"] = {"Name": "Ada Lovelace", "Nue_Contact_Id__c": "nue-contact-1"}

    read = order_from_wire(record, MAPPING)

    assert read.customer == Customer(links=Links(salesforce_id="001000000000001AAA", nue_id="nue-cust-1"), name="Acme")
    assert read.bill_to_contact == ContactRef(
        links=Links(salesforce_id="003000000000001AAA", nue_id="nue-contact-1"), name="Ada Lovelace"
    )


def test_select_list_reads_related_fields_and_lines_in_one_query() -> None:
    fields = order_fields(MAPPING)

    assert {"Id", "StatusCode", "SystemModstamp", "Nue_Order_Id__c", "PO_Number__c"} <= set(fields)
    assert {"Account.Name", "Account.Nue_Customer_Id__c", "BillToContact.Nue_Contact_Id__c"} <= set(fields)
    subquery = fields[-1]
    assert subquery.startswith("(SELECT Id, ")
    assert subquery.endswith(f"FROM {LINES_RELATIONSHIP})")
    assert "PricebookEntry.Product2.ProductCode" in subquery
    assert "Taxable__c" in subquery
    assert "Status" not in fields  # org-specific labels are never read or filtered on


@pytest.mark.parametrize(
    ("given", "full"),
    [
        ("801Hn000000000LIAQ", "801Hn000000000LIAQ"),
        ("801Hn000000000L", "801Hn000000000LIAQ"),
        ("801Hn000000000LiaQ", "801Hn000000000LIAQ"),  # the suffix is case-insensitive
        ("801Hn000000000LAAA", None),  # a suffix that does not match the case of the first 15
        ("801hn000000000LIAQ", None),  # nor does this first 15
        ("801Hn000000000", None),
        ("not-an-id-at-all", None),
    ],
)
def test_case_safe_ids_are_the_18_character_form_or_none(given: str, full: str | None) -> None:
    assert case_safe_id(given) == full


def test_soql_literals_are_escaped() -> None:
    assert soql_quote("O'Brien \\ Co") == "'O\\'Brien \\\\ Co'"
    assert soql_in("Id", ["a", "b'c"]) == "Id IN ('a', 'b\\'c')"
    assert soql_datetime(datetime(2026, 11, 27, 4, 50, 42, 999000, tzinfo=UTC)) == "2026-11-27T04:50:42Z"
    assert soql_datetime(datetime(2026, 11, 27, 4, 50, 42)) == "2026-11-27T04:50:42Z"


@pytest.mark.parametrize(
    ("field", "relationship"),
    [("AccountId", "Account"), ("BillToContactId", "BillToContact"), ("Ruby__Customer__c", "Ruby__Customer__r")],
)
def test_relationship_names_follow_salesforce_convention(field: str, relationship: str) -> None:
    assert relationship_name(field) == relationship


# --- the fast path builds exactly what validation builds ------------------------------------------

# Any value at all a field might get: blanks, padding, numbers where text belongs and text where
# numbers do, bools (True == 1), out-of-range amounts, bad dates, wrong shapes.
_ODD = st.sampled_from(
    [None, "", "  ", " padded ", 0, 1, True, False, 1.0, -0.0, 7.25, float("nan"), float("inf"), Decimal("1.0"),
     Decimal("12.50"), Decimal("0.125"), Decimal("1E+30"), Decimal("-0"), "10", " 10.00 ", "ten", "NaN", "1e400",
     "2026-02-30", "2026-12-01T10:00:00Z", "Draft", " activated ", "sfdc", " A ;; B ", [], {}, ["x"],
     {"records": None}, {"ProductCode": "X"}]
)



@st.composite
def _wire_rows(draw: st.DrawFn) -> dict[str, Any]:
    """A row that reads, with up to two values anywhere in it replaced by any value at all."""
    return spoiled(draw, stored(draw(order)), _ODD)


@settings(max_examples=500, deadline=None)
@given(_wire_rows())
def test_the_fast_path_builds_what_validation_builds_or_leaves_the_row_to_it(record: dict[str, Any]) -> None:
    fast = trusted_order_from_wire(record, MAPPING)
    try:
        checked = checked_order_from_wire(record, MAPPING)
    except Exception:  # a WireError, or what a row of the wrong shape raises: the same either way
        assert fast is None
        return
    if fast is not None:
        assert_same_record(fast, checked)


@settings(max_examples=150, deadline=None)
@given(order)
def test_the_fast_path_reads_every_well_formed_row(original: DraftOrder) -> None:
    record = stored(original)

    fast = trusted_order_from_wire(record, MAPPING)

    assert fast is not None
    assert_same_record(fast, checked_order_from_wire(record, MAPPING))


def test_orders_of_one_account_share_its_record_and_lines_share_their_product_code(
    draft_with_tags: DraftOrder,
) -> None:
    other = draft_with_tags.model_copy(update={"links": Links(salesforce_id="801000000000002AAA")})

    first, second = (trusted_order_from_wire(stored(o), MAPPING) for o in (draft_with_tags, other))

    assert first is not None and second is not None
    assert first.customer is second.customer
    assert first.lines[0].product_sku is second.lines[0].product_sku
    assert first.lines[0].price_tags == second.lines[0].price_tags
    assert first.lines[0].price_tags is not second.lines[0].price_tags  # lists are never shared


def test_a_mapping_the_fast_path_cannot_fill_leaves_every_row_to_validation(draft_with_tags: DraftOrder) -> None:
    odd = FieldMapping.build({System.SALESFORCE: {MappedObject.ORDER: {"price_bok": "Pricebook2Id"}}})
    record = {**stored(draft_with_tags), "Pricebook2Id": "01s000000000001AAA"}

    assert trusted_order_from_wire(record, odd) is None
    with pytest.raises(WireError) as caught:
        order_from_wire(record, odd)
    assert caught.value.field == "Pricebook2Id"
