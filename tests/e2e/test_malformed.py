"""Malformed input on either side blocks that order only, naming the record and the field.

Both emulators validate what the API writes, so data no client could write (a February 30th, a
line whose product is gone) is planted straight into an emulator's store, as a buggy
integration or a hand edit in the database would leave it; each plant says so. Everything else
is written through the emulators' rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nuesync.errors import ExitCode
from nuesync.reconcile import Direction
from nuesync.sandbox.pair import RunningSandbox
from tests.e2e.conftest import World
from tests.e2e.test_volume import linked_world, seed_nue_carts, seed_salesforce_drafts

IMPOSSIBLE_DATE = "2026-02-30"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with linked_world(tmp_path) as linked:
        yield linked


def outcomes(result: Any) -> dict[str, dict[str, Any]]:
    return {o["key"]: o for o in result.json()["result"]["orders"]}


def salesforce_items(sandbox: RunningSandbox, order_id: str) -> list[dict[str, Any]]:
    return [item for item in sandbox.salesforce.records("OrderItem") if item["OrderId"] == order_id]


def nue_counterpart(sandbox: RunningSandbox, salesforce_id: str) -> dict[str, Any] | None:
    return next((o for o in sandbox.nue.orders() if o["salesforceId"] == salesforce_id), None)


def salesforce_counterpart(sandbox: RunningSandbox, nue_id: str) -> dict[str, Any] | None:
    return next((o for o in sandbox.salesforce.records("Order") if o["Nue_Order_Id__c"] == nue_id), None)


# --- malformed senders: one plant per kind of bad input ------------------------------------------


def nue_cart_with_an_impossible_date(sandbox: RunningSandbox, order_id: str) -> str:
    """Planted: Nue's API refuses such a date, so it goes into the store directly."""
    sandbox.nue.store.orders[order_id]["effectiveDate"] = IMPOSSIBLE_DATE
    return "effectiveDate"


def nue_cart_with_a_line_without_product(sandbox: RunningSandbox, order_id: str) -> str:
    """Planted: a line whose product was removed behind the API's back."""
    line = sandbox.nue.store.lines_of(order_id)[0]
    line["productId"] = line["productSku"] = None
    return "orderProducts[0].productSku"


def salesforce_draft_with_an_impossible_date(sandbox: RunningSandbox, order_id: str) -> str:
    """Planted: Salesforce refuses such a date, so it goes into the org's store directly."""
    sandbox.salesforce.store.row("Order", order_id)["EffectiveDate"] = IMPOSSIBLE_DATE
    return "EffectiveDate"


def salesforce_draft_with_a_line_without_product(sandbox: RunningSandbox, order_id: str) -> str:
    """Through the API: Salesforce lets a product have no ProductCode, and nuesync matches products by it."""
    salesforce = sandbox.salesforce
    book = next(r["Id"] for r in salesforce.records("Pricebook2") if r["IsStandard"])
    product = salesforce.insert("Product2", {"Name": "Consulting day (no code)", "IsActive": True})
    entry = salesforce.insert("PricebookEntry", {"Pricebook2Id": book, "Product2Id": product, "UnitPrice": 900,
                                                 "IsActive": True, "CurrencyIsoCode": "USD"})
    salesforce.insert("OrderItem", {"OrderId": order_id, "PricebookEntryId": entry, "Quantity": 1, "UnitPrice": 900})
    return "OrderItems.PricebookEntry.Product2.ProductCode"


@dataclass(frozen=True)
class BadSender:
    direction: Direction
    plant: Callable[[RunningSandbox, str], str]  # spoils one sender order, returns the wire field to name

    def seed(self, sandbox: RunningSandbox) -> list[str]:
        seed = seed_nue_carts if self.direction is Direction.PULL else seed_salesforce_drafts
        return seed(sandbox, 3)

    def counterpart(self, sandbox: RunningSandbox, order_id: str) -> dict[str, Any] | None:
        find = salesforce_counterpart if self.direction is Direction.PULL else nue_counterpart
        return find(sandbox, order_id)


BAD_SENDERS = {
    "nue-bad-date": BadSender(Direction.PULL, nue_cart_with_an_impossible_date),
    "nue-line-without-product": BadSender(Direction.PULL, nue_cart_with_a_line_without_product),
    "salesforce-bad-date": BadSender(Direction.PUSH, salesforce_draft_with_an_impossible_date),
    "salesforce-line-without-product": BadSender(Direction.PUSH, salesforce_draft_with_a_line_without_product),
}


@pytest.mark.parametrize("case", BAD_SENDERS.values(), ids=BAD_SENDERS.keys())
def test_a_malformed_sender_order_is_blocked_alone_naming_record_and_field(world: World, case: BadSender) -> None:
    spoiled, *good = case.seed(world.sandbox)
    field = case.plant(world.sandbox, spoiled)

    result = world.run("--json", case.direction.value, "--yes")

    assert result.code == ExitCode.CONFLICTS, result.stdout
    done = outcomes(result)
    assert done[spoiled]["result"] == "blocked"
    assert spoiled in done[spoiled]["message"] and field in done[spoiled]["message"]
    assert case.counterpart(world.sandbox, spoiled) is None
    assert {done[key]["result"] for key in good} == {"created"}
    assert all(case.counterpart(world.sandbox, key) for key in good)


def test_diff_names_each_malformed_record_once_even_when_its_counterpart_links_to_it(world: World) -> None:
    carts = seed_nue_carts(world.sandbox, 2)
    drafts = seed_salesforce_drafts(world.sandbox, 2)
    assert world.run("pull", "--yes").code == world.run("push", "--yes").code == ExitCode.OK
    nue_cart_with_an_impossible_date(world.sandbox, carts[0])
    salesforce_draft_with_a_line_without_product(world.sandbox, drafts[0])

    result = world.run("--json", "diff")

    assert result.code == ExitCode.DIFFERENCES
    problems = [(p["system"], p["record_id"], p["field"]) for p in result.json()["problems"]]
    assert sorted(problems) == [("nue", carts[0], "effectiveDate"),
                                ("salesforce", drafts[0], "OrderItems.PricebookEntry.Product2.ProductCode")]


# --- price tags: Nue knows its tags, Salesforce takes any code -----------------------------------


def test_a_salesforce_line_with_a_price_tag_nue_lacks_blocks_only_its_order(world: World) -> None:
    tagged, *good = seed_salesforce_drafts(world.sandbox, 3)
    line = salesforce_items(world.sandbox, tagged)[0]
    world.sandbox.salesforce.update("OrderItem", line["Id"], {"Nue_Price_Tags__c": "NO-SUCH-TAG"})

    result = world.run("--json", "push", "--yes")

    assert result.code == ExitCode.CONFLICTS, result.stdout
    done = outcomes(result)
    assert done[tagged]["result"] == "blocked"
    assert line["Id"] in done[tagged]["message"]
    assert "price tag NO-SUCH-TAG is unknown in Nue" in done[tagged]["message"]
    assert nue_counterpart(world.sandbox, tagged) is None
    assert {done[key]["result"] for key in good} == {"created"}


def test_a_nue_price_tag_salesforce_has_never_seen_is_written_as_its_code(world: World) -> None:
    nue = world.sandbox.nue
    nue.store.add_price_tag({"id": nue.store.new_id("priceTag"), "code": "PARTNER-2026", "name": "Partner price",
                             "type": "Price", "active": True})
    cart, _other = seed_nue_carts(world.sandbox, 2)
    line = nue.get_order(cart)["orderProducts"][0]
    nue.update_order(cart, {"orderProducts": [{"id": line["id"], "priceTags": ["PARTNER-2026"]}]})

    result = world.run("--json", "pull", "--yes")

    assert result.code == ExitCode.OK, result.stdout
    assert {o["result"] for o in result.json()["result"]["orders"]} == {"created"}
    counterpart = salesforce_counterpart(world.sandbox, cart)
    assert counterpart is not None
    items = salesforce_items(world.sandbox, counterpart["Id"])
    (item,) = [i for i in items if i["Nue_Order_Product_Id__c"] == line["id"]]
    assert item["Nue_Price_Tags__c"] == "PARTNER-2026"


# --- a value the receiver refuses, and a malformed receiver ---------------------------------------


def test_a_value_the_receiver_refuses_fails_that_order_alone_naming_the_field(world: World) -> None:
    refused, *good = seed_salesforce_drafts(world.sandbox, 3)
    world.sandbox.salesforce.update("Order", refused, {"Nue_Payment_Term__c": "Due on Receipt"})

    result = world.run("--json", "push", "--yes")

    assert result.code == ExitCode.PARTIAL_FAILURE
    done = outcomes(result)
    assert done[refused]["result"] == "failed"
    assert "paymentTerm" in done[refused]["message"] and "Due on Receipt" in done[refused]["message"]
    assert {done[key]["result"] for key in good} == {"created"}


@pytest.mark.parametrize("direction", [Direction.PULL, Direction.PUSH])
def test_a_malformed_counterpart_blocks_its_pair_and_is_not_overwritten_unseen(
        world: World, direction: Direction) -> None:
    sandbox = world.sandbox
    senders = (seed_nue_carts if direction is Direction.PULL else seed_salesforce_drafts)(sandbox, 3)
    assert world.run(direction.value, "--yes").code == ExitCode.OK
    changed = senders[0]
    if direction is Direction.PULL:
        receiver_id = sandbox.nue.get_order(changed)["salesforceId"]
        sandbox.nue.update_order(changed, {"name": "Renamed in Nue"})
        field = salesforce_draft_with_an_impossible_date(sandbox, receiver_id)
        spoiled = sandbox.salesforce.store.row("Order", receiver_id)
        date_field = "EffectiveDate"
    else:
        receiver_id = sandbox.salesforce.get("Order", changed)["Nue_Order_Id__c"]
        sandbox.salesforce.update("Order", changed, {"Name": "Renamed in Salesforce"})
        field = nue_cart_with_an_impossible_date(sandbox, receiver_id)
        spoiled = sandbox.nue.store.orders[receiver_id]
        date_field = "effectiveDate"
    world.sandbox.salesforce.reset_counters()
    world.sandbox.nue.reset_counters()

    result = world.run("--json", direction.value, "--yes")

    assert result.code == ExitCode.CONFLICTS, result.stdout
    assert world.writes() == 0
    assert spoiled[date_field] == IMPOSSIBLE_DATE
    blocked = [o["message"] for o in result.json()["result"]["orders"] if o["result"] == "blocked"]
    assert len(blocked) == 2  # the pair, and the unreadable record itself
    assert all(receiver_id in message and field in message for message in blocked)
    assert any(message.startswith("its counterpart") for message in blocked)
