"""Requests each command spends against both emulators, next to the fewest it could, and print a table.

    .venv/bin/python tests/benchmarks/bench_requests.py

Figures come from the emulators' request counters (not timed, so they are exact). The minimum
per system is what reading and writing the records cannot do with less: a query page per 2,000
records read (child rows counted, at least one per read) and the org id (Salesforce), a
Collections call per 200 records written (Salesforce) or a request per order (Nue: no bulk
write), and the verification re-read of what was written. Scenarios:

- pull 1,000 new Nue carts × 3 lines, push 1,000 Salesforce drafts × 3 lines;
- the same pull again with nothing to write (the read alone: no catalogue, customers, settings);
- activate 500 linked Nue orders (Nue first, then Salesforce, then both re-read);
- an incremental `push --since last` at N orders per side seeded like a live pair (`--seed N`,
  `nuesync.sandbox.org_mix`, then synced both ways an hour earlier), after 10 changes in
  Salesforce — 5 to an order's header, 5 to one line only — and the same `pull --since last`
  after 10 such changes in Nue; at two sizes, to show the cost does not grow with N.
"""

from __future__ import annotations

import math
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nuesync.errors import ExitCode
from tests.e2e.conftest import World
from tests.e2e.test_incremental import edit_nue_product_alone, shifted_world
from tests.e2e.test_volume import linked_world, reset_counters, seed_nue_carts, seed_salesforce_drafts
from tests.helpers import CliResult

ORDERS, LINES = 1_000, 3
ACTIVATIONS = 500
INCREMENTAL_SIZES = (1_000, 5_000)
CHANGED = 10  # per incremental run: half to a header, half to one line only
PAGE, COLLECTION, NUE_PAGE = 2_000, 200, 1_000  # records per query page / Collections call; Nue orders per page


def pages(records: int) -> int:
    return max(1, math.ceil(records / PAGE))


def collections(records: int) -> int:
    return math.ceil(records / COLLECTION)


def nue_pages(orders: int) -> int:
    return max(1, math.ceil(orders / NUE_PAGE))


@dataclass(frozen=True)
class Minimum:
    salesforce: int
    nue: int


@dataclass
class Row:
    scenario: str
    salesforce: int
    nue: int
    minimum: Minimum
    detail: str

    def cells(self) -> list[str]:
        return [self.scenario, *(f"{used} / {least} = {used / least:.2f}×" for used, least in (
            (self.salesforce, self.minimum.salesforce), (self.nue, self.minimum.nue))), self.detail]


def measured(world: World, scenario: str, minimum: Minimum, *args: str,
             check: Callable[[CliResult], str] | None = None) -> Row:
    reset_counters(world)
    result = world.run("--json", *args)
    if result.code != ExitCode.OK:
        raise SystemExit(f"{scenario}: exit {result.code}\n{result.stderr}")
    salesforce, nue = world.sandbox.salesforce, world.sandbox.nue
    detail = f"SF {dict(sorted(salesforce.counters.items()))}; Nue {dict(sorted(nue.counters.items()))}"
    if check is not None:
        detail = f"{check(result)}; {detail}"
    return Row(scenario, salesforce.request_count(), nue.request_count(), minimum, detail)


def sync_runs(state: Path) -> list[Row]:
    """pull, the same pull again, then push: 1,000 orders × 3 lines each way."""
    records = ORDERS * (1 + LINES)
    with linked_world(fresh(state / "pull")) as world:
        seed_nue_carts(world.sandbox, ORDERS)
        written = collections(ORDERS) + collections(ORDERS * LINES)
        rows = [measured(world, f"pull {ORDERS:,} new carts × {LINES}", Minimum(
            salesforce=1 + pages(0) + written + pages(records),  # org id, drafts, writes, verification
            nue=nue_pages(ORDERS) + ORDERS + nue_pages(ORDERS),  # carts, a link-back each, verification
        ), "pull", "--yes")]
        rows.append(measured(world, "the same pull again (idle)", Minimum(1 + pages(records), nue_pages(ORDERS)),
                             "pull", "--yes"))
    with linked_world(fresh(state / "push")) as world:
        seed_salesforce_drafts(world.sandbox, ORDERS)
        rows.append(measured(world, f"push {ORDERS:,} drafts × {LINES}", Minimum(
            salesforce=1 + pages(records) + collections(ORDERS) + collections(ORDERS * LINES) + pages(records),
            nue=nue_pages(0) + ORDERS + nue_pages(ORDERS),  # drafts (none yet), a create each, verification
        ), "push", "--yes"))
    return rows


def activation(state: Path) -> Row:
    with linked_world(fresh(state / "activate")) as world:
        order_ids = seed_nue_carts(world.sandbox, ACTIVATIONS)
        assert world.run("pull", "--yes").code == ExitCode.OK
        records = ACTIVATIONS * (1 + LINES)
        return measured(world, f"activate {ACTIVATIONS} orders (Nue origin)", Minimum(
            salesforce=1 + pages(records) + collections(ACTIVATIONS) + pages(records),  # org id, read, write, verify
            nue=nue_pages(ACTIVATIONS) + ACTIVATIONS + nue_pages(ACTIVATIONS),
        ), "activate", "--yes", *order_ids)


def linked_drafts(world: World) -> list[tuple[str, str]]:
    """(Nue id, Salesforce id) of draft pairs linked both ways."""
    nue = {o["id"]: o for o in world.sandbox.nue.orders() if o["status"] == "Draft" and o["salesforceId"]}
    return [(row["Nue_Order_Id__c"], row["Id"]) for row in world.sandbox.salesforce.records("Order")
            if row["StatusCode"] == "Draft" and nue.get(row["Nue_Order_Id__c"], {}).get("salesforceId") == row["Id"]]


def change_in_salesforce(world: World, pairs: list[tuple[str, str]]) -> None:
    salesforce = world.sandbox.salesforce
    first_items = {}
    for row in salesforce.records("OrderItem"):
        first_items.setdefault(row["OrderId"], row["Id"])
    for index, (_nue_id, sf_id) in enumerate(pairs):
        if index % 2:
            salesforce.update("OrderItem", first_items[sf_id], {"Nue_Discount_Percent__c": 7})  # the line alone
        else:
            salesforce.update("Order", sf_id, {"Description": "edited by a rep"})


def change_in_nue(world: World, pairs: list[tuple[str, str]]) -> None:
    nue = world.sandbox.nue
    for index, (nue_id, _sf_id) in enumerate(pairs):
        if index % 2:
            edit_nue_product_alone(nue, nue_id, 77)
        else:
            nue.update_order(nue_id, {"description": "edited in the portal"})


def writes_exactly(pairs: list[tuple[str, str]], system: str) -> Callable[[CliResult], str]:
    expected = {pair[0 if system == "nue" else 1] for pair in pairs}

    def check(result: CliResult) -> str:
        actions = {a[f"{system}_id"]: a["action"] for a in result.json()["plan"]["actions"]}
        if actions != dict.fromkeys(expected, "update"):
            raise SystemExit(f"the incremental run looked at {len(actions)} orders, not exactly the {CHANGED} changed")
        return f"{len(actions)} orders in scope, all {CHANGED} changed"

    return check


def incremental(state: Path, size: int, direction: str) -> Row:
    with shifted_world(fresh(state / f"{direction}-{size}"), str(size)) as (world, clock):
        for command in ("pull", "push"):  # an hour ago: the pair was synced both ways
            done = world.run(command, "--yes")
            if done.code != ExitCode.OK:
                raise SystemExit(f"setting the scene: {command} exit {done.code}\n{done.stderr}")
        clock.shift = timedelta(0)
        pairs = linked_drafts(world)[:: max(1, size // (3 * CHANGED))][:CHANGED]
        sender, change = ("salesforce", change_in_salesforce) if direction == "push" else ("nue", change_in_nue)
        change(world, pairs)
        read_pages = 1  # the changed orders, a page each side
        written = {"push": (0, CHANGED), "pull": (2, 0)}[direction]  # Salesforce: orders and lines, a call each
        minimum = Minimum(salesforce=1 + read_pages + written[0] + read_pages, nue=read_pages + written[1] + read_pages)
        return measured(world, f"{direction} --since last, {size:,} per side, {CHANGED} changed", minimum,
                        direction, "--yes", "--since", "last", check=writes_exactly(pairs, sender))


def fresh(directory: Path) -> Path:
    directory.mkdir(parents=True)
    return directory


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="nuesync-requests-") as scratch:
        state = Path(scratch)
        rows = [*sync_runs(state), activation(state)]
        rows += [incremental(state, size, direction) for direction in ("push", "pull") for size in INCREMENTAL_SIZES]
    table = Table(title="Requests per command against both emulators: used / minimum = ratio")
    for column in ("scenario", "Salesforce", "Nue", "requests by endpoint"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row.cells())
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
