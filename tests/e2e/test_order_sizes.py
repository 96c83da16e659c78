"""Order sizes at the edges, end to end: an order without lines, and one with 1,000 lines.

An empty cart is pulled into Salesforce like any other (Salesforce takes an order without
products); Nue refuses to create one, so an empty Salesforce draft fails alone with the fix and
no request. A 1,000-line order goes through in batched requests: Salesforce's collections take
200 records a call and its child-query pages hold 200 lines, so the line count — never a
per-line pattern — sets the number of requests.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nuesync.errors import ExitCode
from nuesync.sandbox.pair import RunningSandbox
from tests.e2e.conftest import World
from tests.e2e.test_volume import (
    COLLECTION_SIZE,
    collection_calls,
    link_nue_customers,
    linked_world,
    reset_counters,
    results,
    seed_salesforce_drafts,
)

MANY_LINES = 1000
CHILD_PAGE = 200  # lines per page of a child subquery
# Requests one run may make beyond those that grow with the lines: reads of both systems, the
# catalogue, the settings, the link-back and the verification.
FIXED_REQUESTS = 12


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with linked_world(tmp_path) as linked:
        yield linked


def nue_cart(sandbox: RunningSandbox, lines: int) -> str:
    """A Nue cart with `lines` lines whose customer is linked in Salesforce.

    Nue creates no order without products, so an empty cart is one whose products were all
    removed afterwards; that removal is planted in the store.
    """
    before = {customer["id"] for customer in sandbox.nue.customers()}
    [order_id] = sandbox.nue.seed_synthetic(1, lines_per_order=max(lines, 1))
    link_nue_customers(sandbox, [c for c in sandbox.nue.customers() if c["id"] not in before])
    if lines == 0:
        store = sandbox.nue.store
        for line_id in store.order_lines[order_id]:
            del store.lines[line_id]
        store.order_lines[order_id] = []
    return order_id


def salesforce_draft(sandbox: RunningSandbox, lines: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """A Salesforce draft with `lines` lines whose Account and Contact are linked in Nue."""
    seed = sandbox.salesforce.seed_synthetic
    monkeypatch.setattr(sandbox.salesforce, "seed_synthetic", lambda count: seed(count, lines_per_order=lines))
    [order_id] = seed_salesforce_drafts(sandbox, 1)
    return order_id


def salesforce_items(sandbox: RunningSandbox, order_id: str) -> list[dict[str, Any]]:
    return [item for item in sandbox.salesforce.records("OrderItem") if item["OrderId"] == order_id]


def assert_in_sync_and_rerun_writes_nothing(world: World, command: str) -> None:
    reset_counters(world)
    again = world.run("--json", command, "--yes")
    assert again.code == ExitCode.OK, again.stderr
    assert results(again.json()) == {"skipped": 1}
    assert world.writes() == 0
    diff = world.run("--json", "diff")
    assert diff.code == ExitCode.OK, diff.stdout


def line_requests(lines: int) -> int:
    """Requests that grow with an order's lines: its line writes, and two reads of them (plan, verify)."""
    return collection_calls(lines) + 2 * math.ceil(lines / CHILD_PAGE)


# --- no lines ------------------------------------------------------------------------------------


def test_a_cart_without_lines_is_pulled_and_then_in_sync(world: World) -> None:
    cart = nue_cart(world.sandbox, 0)

    result = world.run("--json", "pull", "--yes")

    assert result.code == ExitCode.OK, result.stdout + result.stderr
    [outcome] = result.json()["result"]["orders"]
    assert (outcome["key"], outcome["result"]) == (cart, "created")
    assert salesforce_items(world.sandbox, outcome["salesforce_id"]) == []
    assert world.sandbox.salesforce.counters["PATCH composite/sobjects/OrderItem/Nue_Order_Product_Id__c"] == 0
    assert_in_sync_and_rerun_writes_nothing(world, "pull")


def test_a_draft_without_lines_is_not_sent_to_nue_and_says_why(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = salesforce_draft(world.sandbox, 0, monkeypatch)
    monkeypatch.undo()
    [full] = seed_salesforce_drafts(world.sandbox, 1)
    reset_counters(world)

    result = world.run("--json", "push", "--yes")

    assert result.code == ExitCode.PARTIAL_FAILURE, result.stdout + result.stderr
    outcomes = {o["key"]: o for o in result.json()["result"]["orders"]}
    assert (outcomes[empty]["result"], outcomes[empty]["error_code"]) == ("failed", "NO_ORDER_PRODUCTS")
    assert "add a product to the order in Salesforce" in outcomes[empty]["message"]
    assert outcomes[full]["result"] == "created"
    assert world.sandbox.nue.counters["POST /orders"] == 1


# --- 1,000 lines ---------------------------------------------------------------------------------


def test_a_cart_with_a_thousand_lines_is_pulled_in_batched_requests(world: World) -> None:
    cart = nue_cart(world.sandbox, MANY_LINES)
    reset_counters(world)

    result = world.run("--json", "pull", "--yes")

    assert result.code == ExitCode.OK, result.stdout + result.stderr
    [outcome] = result.json()["result"]["orders"]
    assert (outcome["key"], outcome["result"]) == (cart, "created")
    items = salesforce_items(world.sandbox, outcome["salesforce_id"])
    assert len(items) == MANY_LINES
    assert {item["Nue_Order_Product_Id__c"] for item in items} == {
        line["id"] for line in world.sandbox.nue.get_order(cart)["orderProducts"]}
    salesforce, nue = world.sandbox.salesforce, world.sandbox.nue
    assert salesforce.counters["PATCH composite/sobjects/OrderItem/Nue_Order_Product_Id__c"] == \
        collection_calls(MANY_LINES)
    assert salesforce.write_count() == 1 + collection_calls(MANY_LINES)
    assert salesforce.request_count() <= FIXED_REQUESTS + line_requests(MANY_LINES)
    assert nue.write_count() == 1  # the link-back: every line's link in one request
    assert nue.request_count() <= FIXED_REQUESTS
    assert_in_sync_and_rerun_writes_nothing(world, "pull")


def test_a_draft_with_a_thousand_lines_is_pushed_in_one_nue_write(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    draft = salesforce_draft(world.sandbox, MANY_LINES, monkeypatch)
    reset_counters(world)

    result = world.run("--json", "push", "--yes")

    assert result.code == ExitCode.OK, result.stdout + result.stderr
    [outcome] = result.json()["result"]["orders"]
    assert (outcome["key"], outcome["result"]) == (draft, "created")
    pushed = world.sandbox.nue.get_order(outcome["nue_id"])
    assert len(pushed["orderProducts"]) == MANY_LINES
    salesforce, nue = world.sandbox.salesforce, world.sandbox.nue
    assert nue.write_count() == nue.counters["POST /orders"] == 1
    assert nue.request_count() <= FIXED_REQUESTS
    link_backs = 1 + math.ceil(MANY_LINES / COLLECTION_SIZE)  # the order, then its lines, 200 a call
    assert salesforce.write_count() == link_backs
    assert salesforce.request_count() <= FIXED_REQUESTS + line_requests(MANY_LINES)
    assert_in_sync_and_rerun_writes_nothing(world, "push")
