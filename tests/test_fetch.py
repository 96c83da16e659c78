"""A snapshot completes a customer link from the other side: what `fetch_snapshot` does with what it read."""

from __future__ import annotations

from typing import Any

import pytest

from nuesync.adapters.base import FetchResult
from nuesync.fetch import Scope, fetch_snapshot, with_customer_link
from nuesync.model import Customer, DraftOrder, Links, System


def cart(customer: Links, key: str = "ord-1") -> DraftOrder:
    return DraftOrder(links=Links(nue_id=key), customer=Customer(links=customer, name="Umbrella"))


@pytest.mark.parametrize(("links", "expected"), [
    (Links(nue_id="c-umbrella"), Links(nue_id="c-umbrella", salesforce_id="001U")),  # filled in
    (Links(nue_id="c-umbrella", salesforce_id="001OWN"), Links(nue_id="c-umbrella", salesforce_id="001OWN")),  # kept
    (Links(nue_id="c-other"), Links(nue_id="c-other")),  # nothing there names it
])
def test_only_a_missing_link_is_filled_in_from_the_customer_that_names_this_one(links: Links,
                                                                                 expected: Links) -> None:
    order = cart(links)

    completed = with_customer_link(order, System.SALESFORCE, {"c-umbrella": "001U"})

    assert completed.customer.links == expected
    assert completed.customer.name == "Umbrella" and completed.links == order.links


class Holding:
    """An order system that answers its reads with `orders` and knows which customers carry which links."""

    def __init__(self, system: System, orders: list[DraftOrder], carried: dict[str, str]) -> None:
        self.system, self.orders, self.carried = system, orders, carried
        self.asked: list[list[str]] = []

    def recognises(self, order_id: str) -> bool:
        return True

    def fetch_orders(self, **scope: Any) -> FetchResult:
        return FetchResult(orders=[] if scope.get("ids") else self.orders)

    def customers_linked_to(self, other_ids: list[str]) -> dict[str, str]:
        self.asked.append(list(other_ids))
        return {i: self.carried[i] for i in other_ids if i in self.carried}


def test_the_other_system_is_asked_once_and_only_for_customers_that_lack_its_link() -> None:
    nue = Holding(System.NUE, [cart(Links(nue_id="c-umbrella"), "ord-1"), cart(Links(nue_id="c-umbrella"), "ord-2"),
                               cart(Links(nue_id="c-acme", salesforce_id="001A"), "ord-3")], {})
    salesforce = Holding(System.SALESFORCE, [], {"c-umbrella": "001U"})

    snapshot = fetch_snapshot(nue, salesforce, Scope())  # type: ignore[arg-type]

    assert salesforce.asked == [["c-umbrella"]] and nue.asked == []  # no Salesforce order lacks a link
    assert [o.customer.links.salesforce_id for o in snapshot.nue] == ["001U", "001U", "001A"]
