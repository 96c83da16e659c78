"""Reading drafts, customers and price book entries: one paged SOQL query, every line, few requests."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

import pytest

from nuesync.adapters.base import SINCE_OVERLAP
from nuesync.adapters.salesforce import QUERY_BYTES, SalesforceAdapter, SalesforceConnection, SalesforceSchemaError
from nuesync.errors import ExitCode
from nuesync.model import Status, System
from tests.adapters.salesforce.sf_support import Clock, Org

PARENT_BATCH = 10
CHILD_BATCH = 4


@pytest.fixture
def paged_org(new_org_for: Callable[..., Org]) -> Org:
    """An org with tiny query pages, so a handful of orders spans several parent and child pages."""
    return new_org_for(query_batch_size=PARENT_BATCH, child_batch_size=CHILD_BATCH)


def add_long_order(org: Org, lines: int) -> str:
    """A draft whose lines overflow one child page."""
    sandbox = org.sandbox
    account = sandbox.records("Account")[0]["Id"]
    book = next(r["Id"] for r in sandbox.records("Pricebook2") if r["IsStandard"])
    order_id = sandbox.insert(
        "Order",
        {"AccountId": account, "Pricebook2Id": book, "EffectiveDate": "2026-03-01", "Status": "Draft"},
    )
    entries = sandbox.records("PricebookEntry")
    for index in range(lines):
        entry = entries[index % len(entries)]
        sandbox.insert(
            "OrderItem",
            {"OrderId": order_id, "PricebookEntryId": entry["Id"], "Quantity": index + 1, "UnitPrice": 10},
        )
    return order_id


def test_all_drafts_arrive_with_every_line_paging_parents_and_children(
    paged_org: Org, adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    paged_org.sandbox.seed_synthetic(25, lines_per_order=3)
    long_order = add_long_order(paged_org, lines=11)
    adapter = adapter_for(paged_org)
    paged_org.sandbox.reset_counters()

    result = adapter.fetch_orders()

    # A page holds PARENT_BATCH records counting the lines inline with their orders: two 3-line
    # orders whole and a third with one line, its other two read through the line cursor before the
    # next page. 25 such orders fill 8 pages plus one that also starts the long order, whose other
    # lines then take pages of CHILD_BATCH: every page is read once, none twice.
    parent_pages, cut_orders = math.ceil(25 / 3), 25 // 3
    long_order_pages = math.ceil((11 - CHILD_BATCH) / CHILD_BATCH)
    locator_reads = parent_pages - 1 + cut_orders + long_order_pages
    assert paged_org.sandbox.counters == {"GET query": 1, "GET query/{locator}": locator_reads}
    assert result.problems == []
    assert len(result.orders) == 26
    fetched_lines = {line.links.salesforce_id for order in result.orders for line in order.lines}
    assert fetched_lines == {row["Id"] for row in paged_org.sandbox.records("OrderItem")}
    long = next(order for order in result.orders if order.links.salesforce_id == long_order)
    assert sorted(line.quantity for line in long.lines) == [Decimal(n) for n in range(1, 12)]


def test_a_synthetic_order_reads_into_the_canonical_model(
    org: Org, adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    (order_id,) = org.sandbox.seed_synthetic(1, lines_per_order=2)
    stored = org.sandbox.get("Order", order_id)
    account = org.sandbox.get("Account", stored["AccountId"])
    contact = org.sandbox.get("Contact", stored["BillToContactId"])

    (order,) = adapter_for(org).fetch_orders().orders

    assert order.links.salesforce_id == order_id
    assert order.order_number == stored["OrderNumber"]
    assert order.status is Status.DRAFT
    assert order.origin is System.SALESFORCE
    assert order.customer.links.salesforce_id == account["Id"]
    assert order.customer.links.nue_id == account["Nue_Customer_Id__c"]
    assert order.customer.name == account["Name"]
    assert order.bill_to_contact is not None
    assert order.bill_to_contact.links.nue_id == contact["Nue_Contact_Id__c"]
    assert order.billing.bill_cycle_day == str(stored["Nue_Bill_Cycle_Day__c"])
    assert order.last_modified is not None
    assert {line.product_sku for line in order.lines} <= {"NUE-PLAT-STD", "NUE-PLAT-PRO", "NUE-PLAT-ENT"}


def test_fetch_by_ids_reports_a_malformed_id_and_returns_the_rest(
    org: Org, adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    first, _, third = org.sandbox.seed_synthetic(3)
    adapter = adapter_for(org)
    org.sandbox.reset_counters()

    bad_suffix = "801xxxxxxxxxxxxXXX"  # id-shaped, but its suffix does not match: Salesforce refuses the query
    result = adapter.fetch_orders(ids=[first, third, "not-an-id", bad_suffix])
    none_asked = adapter.fetch_orders(ids=[], customer_ids=["001'; DROP"])

    assert {order.links.salesforce_id for order in result.orders} == {first, third}
    assert [(p.record_id, p.field) for p in result.problems] == [("not-an-id", "Id"), (bad_suffix, "Id")]
    assert none_asked.orders == []
    assert [(p.record_id, p.field) for p in none_asked.problems] == [("001'; DROP", "AccountId")]
    assert org.sandbox.request_count() == 1


def test_fetch_by_customer_returns_only_that_accounts_orders(
    org: Org, adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    org.sandbox.seed_synthetic(10)
    account = org.sandbox.records("Account")[0]["Id"]
    expected = {row["Id"] for row in org.sandbox.records("Order") if row["AccountId"] == account}

    result = adapter_for(org).fetch_orders(customer_ids=[account])

    assert {order.links.salesforce_id for order in result.orders} == expected
    assert 0 < len(expected) < 10


def test_fetch_since_returns_orders_changed_at_or_after_the_moment(
    adapter_for: Callable[..., SalesforceAdapter], new_org_for: Callable[..., Org]
) -> None:
    clock = Clock()
    org = new_org_for(clock=clock)
    first, second = org.sandbox.seed_synthetic(2)
    since = clock.advance(hours=1)
    org.sandbox.update("Order", second, {"Description": "changed after the last sync"})

    result = adapter_for(org).fetch_orders(since=since)

    assert [order.links.salesforce_id for order in result.orders] == [second]
    assert first != second


def test_fetch_since_finds_orders_whose_only_change_is_a_line(
    adapter_for: Callable[..., SalesforceAdapter], new_org_for: Callable[..., Org]
) -> None:
    clock = Clock()
    org = new_org_for(clock=clock)
    untouched, line_edited, header_edited, quantity_edited = org.sandbox.seed_synthetic(4)
    since = clock.advance(hours=1)
    items = {row["OrderId"]: row["Id"] for row in org.sandbox.records("OrderItem")}
    org.sandbox.update("OrderItem", items[line_edited], {"ServiceDate": "2026-12-01"})  # feeds no roll-up
    org.sandbox.update("OrderItem", items[quantity_edited], {"Quantity": 99})  # moves its Order's stamp too
    org.sandbox.update("Order", header_edited, {"Description": "changed after the last sync"})
    adapter = adapter_for(org)
    org.sandbox.reset_counters()

    result = adapter.fetch_orders(since=since)

    assert org.sandbox.get("Order", line_edited)["SystemModstamp"] < since  # only the line knows
    assert sorted(order.links.salesforce_id for order in result.orders) == sorted(
        [line_edited, header_edited, quantity_edited])
    assert untouched not in {order.links.salesforce_id for order in result.orders}
    assert org.sandbox.counters == {"GET query": 2}  # the orders' own stamps, then their lines': never more


def test_fetch_since_reads_again_from_a_little_before_the_mark(
    adapter_for: Callable[..., SalesforceAdapter], new_org_for: Callable[..., Org]
) -> None:
    """A change stamped just before the mark (the API's clock behind nuesync's) is still found."""
    clock = Clock()
    org = new_org_for(clock=clock)
    long_before, just_before, line_just_before = org.sandbox.seed_synthetic(3)
    since = clock.now + timedelta(hours=1)
    clock.now = since - SINCE_OVERLAP - timedelta(seconds=30)
    org.sandbox.update("Order", long_before, {"Description": "before the overlap"})
    clock.now = since - SINCE_OVERLAP + timedelta(seconds=30)
    org.sandbox.update("Order", just_before, {"Description": "within the overlap"})
    item = next(row["Id"] for row in org.sandbox.records("OrderItem") if row["OrderId"] == line_just_before)
    org.sandbox.update("OrderItem", item, {"Description": "within the overlap"})

    result = adapter_for(org).fetch_orders(since=since)

    assert sorted(order.links.salesforce_id for order in result.orders) == sorted([just_before, line_just_before])


def test_fetch_by_order_number_reads_exactly_those_orders(
    org: Org, adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    first, second, third = org.sandbox.seed_synthetic(3)
    numbers = [org.sandbox.get("Order", order_id)["OrderNumber"] for order_id in (first, third)]
    adapter = adapter_for(org)
    org.sandbox.reset_counters()

    result = adapter.fetch_orders(numbers=[*numbers, "99999999"])

    found = {o.links.salesforce_id: o.order_number for o in result.orders}
    assert found == dict(zip((first, third), numbers, strict=True))
    assert second not in found
    assert org.sandbox.counters == {"GET query": 1}


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SOQL statement the adapter sends, as sent."""
    sent: list[str] = []
    query = SalesforceConnection.query

    def recording(self: SalesforceConnection, soql: str, **options: Any) -> Iterator[dict[str, Any]]:
        sent.append(soql)
        return query(self, soql, **options)

    monkeypatch.setattr(SalesforceConnection, "query", recording)
    return sent


def test_a_thousand_orders_by_id_take_two_queries_each_within_the_url_budget(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], statements: list[str]
) -> None:
    ids = org.sandbox.seed_synthetic(1000, lines_per_order=3)
    adapter = adapter_for(org)
    org.sandbox.reset_counters()

    result = adapter.fetch_orders(ids=ids, include_activated=True)

    assert {o.links.salesforce_id for o in result.orders} == set(ids)
    assert org.sandbox.counters == {"GET query": 2}  # 500 orders and their 1,500 lines: one page each
    assert all(len(quote_plus(soql)) <= QUERY_BYTES for soql in statements)
    assert f"'{ids[0][:15]}'" in statements[0]  # ids travel in their 15-character form


def test_activated_orders_are_read_only_when_asked(org: Org, adapter_for: Callable[..., SalesforceAdapter]) -> None:
    draft, activated = org.sandbox.seed_synthetic(2)
    org.sandbox.update("Order", activated, {"Status": "Activated"})
    adapter = adapter_for(org)

    drafts = adapter.fetch_orders()
    everything = adapter.fetch_orders(include_activated=True)

    assert [o.links.salesforce_id for o in drafts.orders] == [draft]
    statuses = {o.links.salesforce_id: o.status for o in everything.orders}
    assert statuses == {draft: Status.DRAFT, activated: Status.ACTIVATED}


def test_drafts_are_found_by_status_code_whatever_the_orgs_labels(
    adapter_for: Callable[..., SalesforceAdapter], new_org_for: Callable[..., Org]
) -> None:
    org = new_org_for(order_statuses={"Open": "Draft", "Booked": "Activated"})
    account = org.sandbox.insert("Account", {"Name": "Acme"})
    order_id = org.sandbox.insert("Order", {"AccountId": account, "EffectiveDate": "2026-01-01", "Status": "Open"})

    result = adapter_for(org).fetch_orders()

    assert [(o.links.salesforce_id, o.status) for o in result.orders] == [(order_id, Status.DRAFT)]


def test_an_untranslatable_order_is_a_problem_and_the_others_still_arrive(
    org: Org, adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    good, bad = org.sandbox.seed_synthetic(2)
    org.sandbox.update("Order", bad, {"Nue_Origin__c": "Zuora"})  # not a picklist value nuesync knows

    result = adapter_for(org).fetch_orders()

    assert [o.links.salesforce_id for o in result.orders] == [good]
    (problem,) = result.problems
    assert (problem.system, problem.record_id, problem.field) == (System.SALESFORCE, bad, "Nue_Origin__c")
    assert "Zuora" in problem.message


def test_customers_by_id_carry_their_nue_link(org: Org, adapter_for: Callable[..., SalesforceAdapter]) -> None:
    acme = org.sandbox.insert("Account", {"Name": "Acme", "Nue_Customer_Id__c": "CUS-1"})
    org.sandbox.insert("Account", {"Name": "Globex"})

    customers = adapter_for(org).fetch_customers([acme])

    assert [(c.links.salesforce_id, c.links.nue_id, c.name) for c in customers] == [(acme, "CUS-1", "Acme")]


def test_price_book_entries_by_sku_are_cached_for_the_run(
    org: Org, adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    adapter = adapter_for(org)
    org.sandbox.reset_counters()
    seeded = {r["ProductCode"]: r["Id"] for r in org.sandbox.records("PricebookEntry")}

    first = adapter.price_book_entries(["NUE-SEAT", "NUE-ONBOARD", "NO-SUCH-SKU"], currency="USD")
    calls_after_first = org.sandbox.request_count()
    again = adapter.price_book_entries(["NUE-SEAT", "NO-SUCH-SKU"], currency="USD")

    assert first == {"NUE-SEAT": seeded["NUE-SEAT"], "NUE-ONBOARD": seeded["NUE-ONBOARD"]}
    assert again == {"NUE-SEAT": seeded["NUE-SEAT"]}
    assert calls_after_first == 2  # the standard price book, then the entries
    assert org.sandbox.request_count() == calls_after_first


def test_activated_status_values_and_describe_serve_the_doctor(
    adapter_for: Callable[..., SalesforceAdapter], new_org_for: Callable[..., Org]
) -> None:
    org = new_org_for(order_statuses={"Open": "Draft", "Booked": "Activated", "Shipped": "Activated"})
    adapter = adapter_for(org)

    assert adapter.fetch_activated_status_values() == ["Booked", "Shipped"]
    fields = {f["name"]: f for f in adapter.describe("Order")["fields"]}
    assert fields["Nue_Order_Id__c"]["externalId"] is True


def test_a_mapped_field_the_org_lacks_is_a_configuration_error(
    org: Org, adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    renamed = {"mapping": {"salesforce": {"order": {"billing.payment_term": "Ruby__PaymentTerms__c"}}}}
    adapter = adapter_for(org, sections=renamed)

    with pytest.raises(SalesforceSchemaError, match="Ruby__PaymentTerms__c") as caught:
        adapter.fetch_orders()

    assert caught.value.exit_code is ExitCode.USAGE


@pytest.mark.parametrize(
    ("value", "order", "customer"),
    [
        ("801Hn000000000LIAQ", True, False),
        ("801Hn000000000L", True, False),
        ("801xxxxxxxxxxxxXXX", False, False),
        ("001Hn000000000KIAQ", False, True),
        ("ORD-00001", False, False),
        ("", False, False),
    ],
)
def test_recognises_only_salesforce_order_and_account_ids(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], value: str, order: bool, customer: bool
) -> None:
    adapter = adapter_for(org)

    assert (adapter.recognises(value), adapter.recognises_customer(value)) == (order, customer)


def test_product_codes_are_the_standard_books_active_entries_read_once(
    org: Org, adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    adapter = adapter_for(org)
    org.sandbox.reset_counters()

    codes = adapter.product_codes()
    again = adapter.product_codes()
    entries = adapter.price_book_entries(["NUE-SEAT", "NUE-ONBOARD"], currency="USD")

    assert codes == again == {row["ProductCode"] for row in org.sandbox.records("PricebookEntry")}
    assert set(entries) == {"NUE-SEAT", "NUE-ONBOARD"}
    assert org.sandbox.request_count() == 1  # the standard book's entries, which name the book; nothing more
    assert adapter.price_tag_codes() is None


def test_existing_accounts_and_contacts_are_asked_in_batches_and_malformed_ids_never_sent(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = org.sandbox
    kept, other, deleted = (sandbox.insert("Account", {"Name": f"Account {n}"}) for n in range(3))
    sandbox.delete("Account", deleted)
    contact = sandbox.insert("Contact", {"LastName": "Lovelace", "AccountId": kept})
    bad_suffix = kept[:15] + ("AAA" if kept[15:] != "AAA" else "BBB")
    monkeypatch.setattr("nuesync.adapters.salesforce.SOQL_IN_LIMIT", 2)
    adapter = adapter_for(org)
    sandbox.reset_counters()

    asked = [kept, other[:15], deleted, bad_suffix, contact, "001-not-an-id", ""]
    existing = adapter.existing_customer_ids(asked)

    assert existing == {kept, other[:15]}
    assert sandbox.counters == {"GET query": 2}  # kept, other and deleted are well-formed: 2 per batch
    assert adapter.existing_contact_ids([contact, kept, contact[:15]]) == {contact, contact[:15]}
    assert adapter.existing_customer_ids(["garbage"]) == frozenset()
    assert sandbox.counters == {"GET query": 3}


def test_the_linked_contacts_of_the_accounts_asked_about_answer_the_contact_check(
    org: Org, adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    sandbox = org.sandbox
    account = sandbox.insert("Account", {"Name": "Acme"})
    billing = sandbox.insert("Contact", {"LastName": "Lovelace", "AccountId": account, "Nue_Contact_Id__c": "CON-1"})
    unlinked = sandbox.insert("Contact", {"LastName": "Babbage", "AccountId": account})
    other = sandbox.insert("Contact", {"LastName": "Hopper", "AccountId": sandbox.insert("Account", {"Name": "B"}),
                                       "Nue_Contact_Id__c": "CON-2"})
    adapter = adapter_for(org)
    sandbox.reset_counters()

    assert adapter.existing_customer_ids([account]) == {account}
    assert adapter.existing_contact_ids([billing, billing[:15]]) == {billing, billing[:15]}
    assert sandbox.counters == {"GET query": 1}  # the contact check cost nothing
    assert adapter.existing_contact_ids([billing, unlinked, other]) == {billing, unlinked, other}
    assert sandbox.counters == {"GET query": 2}  # what was read is used once; the rest is asked


def test_the_accounts_carrying_nue_customer_ids_are_found_one_query_per_batch(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = org.sandbox
    accounts = {f"c-{n}": sandbox.insert("Account", {"Name": f"Account {n}", "Nue_Customer_Id__c": f"c-{n}"})
                for n in range(3)}
    sandbox.insert("Account", {"Name": "Unlinked"})
    monkeypatch.setattr("nuesync.adapters.salesforce.SOQL_IN_LIMIT", 2)
    adapter = adapter_for(org)
    sandbox.reset_counters()

    found = adapter.customers_linked_to(["c-0", "c-1", "c-2", "c-none", "c-0", ""])

    assert found == accounts
    assert sandbox.counters == {"GET query": 2}  # four distinct ids, two per batch
    assert adapter.customers_linked_to([]) == {}
    assert sandbox.counters == {"GET query": 2}
