"""Incremental runs (`--since`) see every change — a line edited alone included — at a fixed cost.

The scene is set an hour in the emulators' past (`shifted_world`), as if the last run had been a
while ago; the edits then happen now. So a run `--since` the last one has exactly the edited
orders in scope, beyond the overlap it re-reads before its mark, however many orders the pair
holds. `tests/benchmarks/bench_requests.py` measures the same at 1,000 and 5,000 orders.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomli_w

from nuesync.errors import ExitCode
from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.pair import API_VERSION, RunningSandbox, seed_pair
from nuesync.sandbox.salesforce import SalesforceSandbox
from tests.e2e.conftest import World
from tests.e2e.test_volume import reset_counters, seed_nue_carts, seed_salesforce_drafts

ORDERS = 12


@dataclass
class ShiftedClock:
    """Both emulators' clock: the real time, shifted (an hour back while a scene is set)."""

    shift: timedelta = timedelta(hours=-1)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift

    def salesforce(self) -> datetime:
        """Salesforce keeps audit stamps to the second."""
        return self().replace(microsecond=0)


@contextmanager
def shifted_world(state_dir: Path, seed: str = "empty") -> Iterator[tuple[World, ShiftedClock]]:
    """Both emulators on `clock` (seeded with `seed`, as `nuesync sandbox serve --seed`) and a config."""
    clock = ShiftedClock()
    salesforce = SalesforceSandbox(api_version=API_VERSION, clock=clock.salesforce)
    nue = NueSandbox(now=clock)
    seed_pair(salesforce, nue, seed)
    with salesforce.serve() as salesforce_server, nue.serve() as nue_server:
        sandbox = RunningSandbox(salesforce, nue, salesforce_server, nue_server)
        config = state_dir / "nuesync.toml"
        config.write_text(tomli_w.dumps(sandbox.config(state_path=state_dir / "journal.sqlite3")))
        yield World(sandbox, config), clock


def edit_nue_product_alone(nue: NueSandbox, order_id: str, quantity: int) -> None:
    """An order product changed on its own record: only its `lastModifiedDate` moves, not its order's
    (Nue does not document that editing a product re-stamps the order)."""
    with nue.store.lock:
        line = nue.store.lines[nue.store.order_lines[order_id][0]]
        line.update(quantity=Decimal(quantity), lastModifiedDate=nue.store.now())


def plan_actions(document: dict[str, Any], system: str) -> list[tuple[str, str]]:
    """(the order's id in `system`, action) for every order the plan looked at."""
    return [(action[f"{system}_id"], action["action"]) for action in document["plan"]["actions"]]


def test_push_since_last_sends_an_order_whose_only_change_is_a_salesforce_line(tmp_path: Path) -> None:
    with shifted_world(tmp_path) as (world, clock):
        salesforce, nue = world.sandbox.salesforce, world.sandbox.nue
        order_ids = seed_salesforce_drafts(world.sandbox, ORDERS)
        assert world.run("push", "--yes").code == ExitCode.OK
        clock.shift = timedelta(0)  # the last push was an hour ago; now a rep edits one line
        edited = order_ids[3]
        item = next(row for row in salesforce.records("OrderItem") if row["OrderId"] == edited)
        salesforce.update("OrderItem", item["Id"], {"Nue_Discount_Percent__c": 5})  # feeds no roll-up
        assert salesforce.get("Order", edited)["SystemModstamp"] < clock() - timedelta(minutes=30)
        reset_counters(world)

        planned = world.run("--json", "push", "--dry-run", "--since", "last")
        pushed = world.run("--json", "push", "--yes", "--since", "last")

        assert plan_actions(planned.json(), "salesforce") == [(edited, "update")]  # nothing else is looked at
        assert pushed.code == ExitCode.OK, pushed.stderr
        (line,) = [line for order in nue.orders() if order["salesforceId"] == edited
                   for line in nue.get_order(order["id"])["orderProducts"] if line["salesforceId"] == item["Id"]]
        assert line["discount"] == 5


def test_an_incremental_push_reads_salesforce_in_four_queries(tmp_path: Path) -> None:
    with shifted_world(tmp_path) as (world, clock):
        salesforce = world.sandbox.salesforce
        order_ids = seed_salesforce_drafts(world.sandbox, ORDERS)
        assert world.run("push", "--yes").code == ExitCode.OK
        clock.shift = timedelta(0)
        item = next(row for row in salesforce.records("OrderItem") if row["OrderId"] == order_ids[0])
        salesforce.update("OrderItem", item["Id"], {"Nue_Discount_Percent__c": 5})
        reset_counters(world)

        assert world.run("push", "--yes", "--since", "last").code == ExitCode.OK

        # the org id, orders whose own stamp moved, orders with a line that moved, the verification
        assert salesforce.counters == {"GET query": 4}
        assert world.sandbox.nue.counters["PATCH /orders/{id}"] == 1


def test_pull_since_sends_an_order_whose_only_change_is_a_nue_product(tmp_path: Path) -> None:
    with shifted_world(tmp_path) as (world, clock):
        salesforce, nue = world.sandbox.salesforce, world.sandbox.nue
        order_ids = seed_nue_carts(world.sandbox, ORDERS)
        assert world.run("pull", "--yes").code == ExitCode.OK
        clock.shift = timedelta(0)
        mark = (clock() - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        edited = order_ids[5]
        edit_nue_product_alone(nue, edited, 42)
        reset_counters(world)

        planned = world.run("--json", "pull", "--dry-run", "--since", mark)
        reset_counters(world)
        pulled = world.run("--json", "pull", "--yes", "--since", mark)

        assert plan_actions(planned.json(), "nue") == [(edited, "update")]
        assert pulled.code == ExitCode.OK, pulled.stderr
        # Nue: the changed orders and the verification. Salesforce: the org id, the two change queries,
        # the counterpart, the catalogue, the account, the order's look-up and the verification.
        assert nue.counters == {"POST /async/graphql": 2, "GET /settings/sync": 1}
        assert salesforce.counters == {"GET query": 8, "PATCH composite/sobjects/Order/Nue_Order_Id__c": 1,
                                       "PATCH composite/sobjects/OrderItem/Nue_Order_Product_Id__c": 1}
        line_id = nue.get_order(edited)["orderProducts"][0]["id"]
        (item,) = [row for row in salesforce.records("OrderItem") if row["Nue_Order_Product_Id__c"] == line_id]
        assert item["Quantity"] == 42
