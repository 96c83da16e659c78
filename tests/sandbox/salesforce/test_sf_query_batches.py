"""Query batches count child rows, as the REST API documents, read page by page through simple-salesforce.

"Child objects count toward the number of records for the batch size" (Sforce-Query-Options):
a page holds at most `batchSize` records counting each parent and the child rows returned
inline with it; a child relationship cut short by the page is paged through its own
`nextRecordsUrl`, which a client must read before it asks for the next parent page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from nuesync.sandbox.salesforce import SalesforceSandbox

from . import scenarios
from .conftest import VERSION

ORDERS, LINES = 5000, 3
LONG_ORDER_LINES = 250  # more than the 200 child rows a parent carries inline
DRAFTS = "SELECT Id, Name, (SELECT Id, Quantity FROM OrderItems) FROM Order WHERE Name LIKE 'Draft order%'"


@pytest.fixture(scope="module")
def org() -> SalesforceSandbox:
    sandbox = SalesforceSandbox(api_version=VERSION)
    sandbox.seed_synthetic(ORDERS, lines_per_order=LINES)
    return sandbox


@pytest.fixture(scope="module")
def client(org: SalesforceSandbox) -> Iterator[Salesforce]:
    with org.serve() as running:
        session = requests.Session()
        session.verify = str(running.ca_file)
        session.trust_env = False
        yield Salesforce(instance_url=running.url, session_id=org.session_id, version=VERSION, session=session)


@dataclass
class Page:
    """One parent page as read: its parents, how many records it held, and every child row found."""

    size: int  # parents plus the child rows returned inline with them
    cut: list[str]  # parents whose children went on past the page
    children: dict[str, list[str]]  # parent id → child ids, inline and from the child's own pages


def pages_of(client: Salesforce, soql: str, batch_size: int | None = None) -> list[Page]:
    """Every parent page of a query; a parent's remaining children are read before the next page."""
    headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else {}
    result = client.query(soql, headers=headers)
    pages = []
    while True:
        pages.append(_read_page(client, result))
        if result["done"]:
            return pages
        result = client.query_more(result["nextRecordsUrl"], identifier_is_url=True)


def _read_page(client: Salesforce, result: dict[str, Any]) -> Page:
    page = Page(size=len(result["records"]), cut=[], children={})
    for record in result["records"]:
        children = record["OrderItems"] or {"done": True, "records": []}
        page.size += len(children["records"])
        page.children[record["Id"]] = [child["Id"] for child in children["records"]]
        if not children["done"]:
            page.cut.append(record["Id"])
        while not children["done"]:
            children = client.query_more(children["nextRecordsUrl"], identifier_is_url=True)
            page.children[record["Id"]] += [child["Id"] for child in children["records"]]
    return page


def test_five_thousand_orders_with_three_lines_take_ten_pages_of_at_most_2000_records(client, org):
    first = client.query(DRAFTS)
    assert (first["totalSize"], first["done"], len(first["records"])) == (ORDERS, False, 500)
    assert all(r["OrderItems"]["done"] and len(r["OrderItems"]["records"]) == LINES for r in first["records"])

    pages = pages_of(client, DRAFTS)

    assert len(pages) == 10
    assert all(page.size <= 2000 for page in pages)
    assert not any(page.cut for page in pages)
    _assert_every_record_once(org, pages)


def test_a_child_relationship_cut_short_by_the_page_is_paged(client, org):
    pages = pages_of(client, DRAFTS, batch_size=250)

    assert all(page.size <= 250 for page in pages)
    cut = [parent for page in pages for parent in page.cut]
    assert cut, "with 4 records per order, a 250-record page ends inside an order's lines"
    assert all(len(page.children[parent]) == LINES for page in pages for parent in page.cut)
    _assert_every_record_once(org, pages)


def test_each_page_holds_at_most_the_batch_size_counting_children(client):
    first = client.query(DRAFTS, headers={"Sforce-Query-Options": "batchSize=250"})

    records = first["records"]
    inline = sum(len(r["OrderItems"]["records"]) for r in records)
    last = records[-1]["OrderItems"]
    assert len(records) + inline == 250
    assert (len(records), last["done"], len(last["records"])) == (63, False, 1)
    assert last["nextRecordsUrl"].startswith(f"/services/data/v{VERSION}/query/0r8")
    assert last["nextRecordsUrl"].endswith("-1")
    assert first["nextRecordsUrl"].endswith("-63")


@pytest.mark.parametrize(("asked", "parents"), [("50", 50), ("200", 50), ("1000", 250), ("5000", 500), ("x", 500)])
def test_batch_size_outside_200_to_2000_is_brought_into_range(client, asked, parents):
    first = client.query(DRAFTS, headers={"Sforce-Query-Options": f"batchSize={asked}"})

    assert len(first["records"]) == parents


def test_children_beyond_the_inline_limit_are_paged_even_when_the_page_has_room(client, org):
    long_order = scenarios.draft_order(org, lines=LONG_ORDER_LINES, Name="Long order")

    first = client.query(f"SELECT Id, (SELECT Id FROM OrderItems) FROM Order WHERE Id = '{long_order.order_id}'")
    children = first["records"][0]["OrderItems"]
    more = client.query_more(children["nextRecordsUrl"], identifier_is_url=True)

    assert (children["totalSize"], children["done"], len(children["records"])) == (LONG_ORDER_LINES, False, 200)
    assert (more["done"], len(more["records"])) == (True, LONG_ORDER_LINES - 200)
    assert {r["Id"] for r in children["records"]}.isdisjoint(r["Id"] for r in more["records"])


def test_the_next_parent_page_invalidates_the_child_cursors_of_the_previous_one(client):
    first = client.query(DRAFTS, headers={"Sforce-Query-Options": "batchSize=250"})
    child_url = first["records"][-1]["OrderItems"]["nextRecordsUrl"]

    client.query_more(first["nextRecordsUrl"], identifier_is_url=True)

    with pytest.raises(SalesforceMalformedRequest) as refused:
        client.query_more(child_url, identifier_is_url=True)
    assert refused.value.content == [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]


def test_every_child_relationship_of_a_parent_gets_a_row_on_the_page():
    """Pages of 4 records: the account, 2 of its 5 contacts, 1 of its 2 orders (each paged on)."""
    small = SalesforceSandbox(api_version=VERSION, query_batch_size=4)
    small.seed_catalog()
    order = scenarios.draft_order(small)
    scenarios.draft_order(small, AccountId=order.account_id)
    for n in range(5):
        small.insert("Contact", {"LastName": f"Contact {n}", "AccountId": order.account_id})

    first = small.soql(f"SELECT Id, (SELECT Id FROM Contacts), (SELECT Id FROM Orders) FROM Account "
                       f"WHERE Id = '{order.account_id}'")

    contacts, orders = first["records"][0]["Contacts"], first["records"][0]["Orders"]
    assert (contacts["totalSize"], contacts["done"], len(contacts["records"])) == (5, False, 2)
    assert (orders["totalSize"], orders["done"], len(orders["records"])) == (2, False, 1)


def _assert_every_record_once(org: SalesforceSandbox, pages: list[Page]) -> None:
    orders = Counter(parent for page in pages for parent in page.children)
    items = Counter(child for page in pages for children in page.children.values() for child in children)
    seeded = {o["Id"] for o in org.records("Order") if o["Name"].startswith("Draft order")}
    assert set(orders) == seeded and set(orders.values()) == {1}
    lines = {i["Id"] for i in org.records("OrderItem") if i["OrderId"] in seeded}
    assert set(items) == lines and set(items.values()) == {1}
