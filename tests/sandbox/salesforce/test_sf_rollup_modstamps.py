"""Order.TotalAmount is a read-only roll-up, and only its recalculation saves the order again.

Salesforce re-saves a parent (new LastModifiedDate and SystemModstamp) when a roll-up over its
children is recalculated: an order product inserted or deleted, or its Quantity or UnitPrice
changed. Any other edit of an order product changes that product's modstamps alone.
"""

from __future__ import annotations

import datetime as dt

import pytest
from simple_salesforce import SalesforceMalformedRequest

from nuesync.sandbox.salesforce import SalesforceSandbox

from . import scenarios
from .conftest import VERSION

STAMPS = ("LastModifiedDate", "SystemModstamp")


class SteppingClock:
    """Salesforce's clock for the test: a minute passes whenever the test says so."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def step(self) -> None:
        self.now += dt.timedelta(minutes=1)


@pytest.fixture(scope="module")
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture(scope="module")
def sandbox(clock: SteppingClock) -> SalesforceSandbox:
    """The org every client fixture of conftest talks to, on a clock the tests move."""
    org = SalesforceSandbox(api_version=VERSION, clock=clock)
    org.seed_catalog()
    return org


def _stamps(client, obj: str, record_id: str) -> dict[str, str]:
    record = getattr(client, obj).get(record_id)
    return {name: record[name] for name in (*STAMPS, *(["TotalAmount"] if obj == "Order" else []))}


@pytest.mark.parametrize("change", [
    {"ServiceDate": "2026-03-05"},
    {"EndDate": "2026-12-31"},
    {"Description": "renewal at list price"},
    {"Nue_Discount_Percent__c": 5},
    {"Nue_Price_Tags__c": "REGION-EU"},
])
def test_editing_a_field_outside_the_roll_up_leaves_the_order_alone(client, sandbox, clock, change):
    order = scenarios.draft_order(sandbox, lines=2)
    item = sandbox.records("OrderItem")[-1]["Id"]
    order_before, item_before = _stamps(client, "Order", order.order_id), _stamps(client, "OrderItem", item)
    clock.step()

    client.OrderItem.update(item, change)

    assert _stamps(client, "Order", order.order_id) == order_before
    item_after = _stamps(client, "OrderItem", item)
    assert all(item_after[name] > item_before[name] for name in STAMPS)


@pytest.mark.parametrize(("change", "total"), [({"Quantity": 3}, 495.0), ({"UnitPrice": 120}, 438.0)])
def test_changing_quantity_or_unit_price_recalculates_the_total_and_saves_the_order(client, sandbox, clock, change,
                                                                                     total):
    order = scenarios.draft_order(sandbox, lines=2)
    item = sandbox.records("OrderItem")[-1]["Id"]
    before = _stamps(client, "Order", order.order_id)
    clock.step()

    client.OrderItem.update(item, change)

    after = _stamps(client, "Order", order.order_id)
    assert (before["TotalAmount"], after["TotalAmount"]) == (396.0, total)
    assert all(after[name] > before[name] for name in STAMPS)


def test_inserting_or_deleting_an_order_product_saves_the_order(client, sandbox, clock):
    order = scenarios.draft_order(sandbox, lines=1)
    first = _stamps(client, "Order", order.order_id)
    clock.step()

    created = client.OrderItem.create({"OrderId": order.order_id, "PricebookEntryId": order.entry_id,
                                       "Quantity": 1, "UnitPrice": 99})
    added = _stamps(client, "Order", order.order_id)
    clock.step()
    client.OrderItem.delete(created["id"])
    removed = _stamps(client, "Order", order.order_id)

    assert (first["TotalAmount"], added["TotalAmount"], removed["TotalAmount"]) == (198.0, 297.0, 198.0)
    assert all(first[name] < added[name] < removed[name] for name in STAMPS)


def test_total_amount_is_a_read_only_roll_up(client, sandbox):
    order = scenarios.draft_order(sandbox, lines=1)
    described = {f["name"]: f for f in client.Order.describe()["fields"]}["TotalAmount"]

    with pytest.raises(SalesforceMalformedRequest) as refused:
        client.Order.update(order.order_id, {"TotalAmount": 1})

    assert (described["type"], described["createable"], described["updateable"]) == ("currency", False, False)
    assert refused.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
