"""Benchmark `pull`, `push` and `diff` end to end — the CLI against both emulators — and print a table.

    .venv/bin/python tests/benchmarks/bench_sync_e2e.py

Scenarios (the acceptance numbers of the brief):
- pull 1,000 new Nue carts × 3 lines into Salesforce: ≤ 26 Salesforce requests in all, 1.1 × the
  minimum of 24 (the org id, the drafts, 20 Collections writes, a 2-page verification; see
  `bench_requests.py`); run again: zero writes to either system;
- push 1,000 Salesforce drafts × 3 lines into Nue with 50 ms latency per request on both
  emulators: < 20 s wall time; run again: zero writes;
- both, killed half-way with the emulators' `abort_after_writes`, then run again: the final
  state equals the clean run's (record by record) with nothing twice;
- diff 5,000 linked orders per side (10% differing, 1% activated in the portal): < 20 s, and
  ≤ 12 requests per adapter for each read round.
Customers are linked both ways first (as an earlier customer sync leaves them), so every draft
may be written; see `tests/e2e/test_volume.py` for the scenarios.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from nuesync.adapters import open_systems
from nuesync.config import load_config
from nuesync.sandbox.pair import RunningSandbox
from tests.e2e.conftest import World
from tests.e2e.test_crash import duplicates, system_content
from tests.e2e.test_volume import linked_world, reset_counters, seed_nue_carts, seed_salesforce_drafts
from tests.helpers import CliResult, invoke

ORDERS = 1000
DIFF_ORDERS = 5000
LATENCY_MS = 50
PULL_BUDGET = 26  # Salesforce requests for the 1,000-cart pull: 1.1 × the minimum of 24
WALL_BUDGET = 20.0  # seconds, for the push under latency and for the 5,000-order diff
READ_ROUND_BUDGET = 12  # requests per adapter per read round of `diff`


@dataclass
class Row:
    scenario: str
    orders: int
    salesforce: int
    nue: int
    seconds: float
    budget: str = ""
    verdict: str = ""
    detail: str = ""


def fresh(directory: Path) -> Path:
    directory.mkdir(parents=True)
    return directory


def timed(world: World, *args: str, columns: int | None = None) -> tuple[CliResult, float]:
    reset_counters(world)
    environ = {**world.sandbox.environ(), **({"COLUMNS": str(columns)} if columns else {})}
    started = time.perf_counter()
    result = invoke(["--config", str(world.config), *args], env=environ)
    return result, time.perf_counter() - started


def row(world: World, scenario: str, orders: int, seconds: float, **fields: str) -> Row:
    sandbox = world.sandbox
    return Row(scenario, orders, sandbox.salesforce.request_count(), sandbox.nue.request_count(), seconds, **fields)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def outcome_counts(result: CliResult) -> str:
    counted = Counter(o["result"] for o in result.json()["result"]["orders"])
    return ", ".join(f"{n} {name}" for name, n in sorted(counted.items()))


# --- pull and push: a clean run, the same run again, and a run killed half-way ------------------


@dataclass(frozen=True)
class SyncCommand:
    command: str
    seed: Callable[[RunningSandbox, int], list[str]]
    dies: str  # the emulator that dies half-way: the one the run writes once per order
    latency_ms: int


PULL = SyncCommand("pull", seed_nue_carts, "nue", 0)
PUSH = SyncCommand("push", seed_salesforce_drafts, "nue", LATENCY_MS)


def bench_clean(direction: SyncCommand, state: Path) -> tuple[list[Row], dict[str, list[object]]]:
    rows = []
    with linked_world(state, latency_ms=direction.latency_ms) as world:
        direction.seed(world.sandbox, ORDERS)
        result, seconds = timed(world, "--json", direction.command, "--yes")
        salesforce = world.sandbox.salesforce
        writes = salesforce.write_count()
        detail = f"exit {result.code}; {outcome_counts(result)}; Salesforce {salesforce.request_count() - writes} reads"
        detail += f" + {writes} writes"
        if direction is PULL:
            ok = result.code == 0 and salesforce.request_count() <= PULL_BUDGET
            rows.append(row(world, f"pull {ORDERS:,} new carts × 3 lines", ORDERS, seconds,
                            budget=f"≤ {PULL_BUDGET} Salesforce requests", verdict=verdict(ok), detail=detail))
        else:
            ok = result.code == 0 and seconds < WALL_BUDGET
            rows.append(row(world, f"push {ORDERS:,} drafts × 3 lines, {LATENCY_MS} ms/request", ORDERS, seconds,
                            budget=f"< {WALL_BUDGET:.0f} s", verdict=verdict(ok), detail=detail))
        again, seconds = timed(world, "--json", direction.command, "--yes")
        rows.append(row(world, f"{direction.command} again", ORDERS, seconds, budget="0 writes",
                        verdict=verdict(again.code == 0 and world.writes() == 0),
                        detail=f"exit {again.code}; {world.writes()} writes; {outcome_counts(again)}"))
        return rows, system_content(world.sandbox)


def bench_interrupted(direction: SyncCommand, state: Path, clean: dict[str, list[object]]) -> list[Row]:
    rows = []
    with linked_world(state) as world:
        direction.seed(world.sandbox, ORDERS)
        getattr(world.sandbox, direction.dies).faults.abort_after_writes(ORDERS // 2)
        killed, seconds = timed(world, "--json", direction.command, "--yes")
        rows.append(row(world, f"{direction.command}, {direction.dies.title()} dies after {ORDERS // 2} writes",
                        ORDERS, seconds, budget="exit 4 or 7", verdict=verdict(killed.code in (4, 7)),
                        detail=f"exit {killed.code}; {outcome_counts(killed)}"))
        world.sandbox.salesforce.faults.clear()
        world.sandbox.nue.faults.clear()
        resumed, seconds = timed(world, "--json", direction.command, "--yes")
        twice = duplicates(world.sandbox)
        same = system_content(world.sandbox) == clean
        rows.append(row(world, f"{direction.command} run again", ORDERS, seconds, budget="= clean run, no duplicate",
                        verdict=verdict(resumed.code == 0 and same and not twice),
                        detail=f"exit {resumed.code}; {outcome_counts(resumed)}; equals clean run: {same}; "
                               f"duplicates: {sum(map(len, twice.values()))}"))
    return rows


# --- diff: 5,000 linked orders per side ---------------------------------------------------------


def link_as_an_earlier_pull_did(world: World) -> None:
    """Write every Nue cart into Salesforce with the adapter (batched) and link it back in Nue's store
    directly: the state a finished pull leaves, without paying for 5,000 link-back requests."""
    nue = world.sandbox.nue
    with open_systems(load_config(world.config).settings, world.sandbox.environ()) as (nue_api, salesforce_api):
        carts = nue_api.fetch_orders().orders
        for cart, written in zip(carts, salesforce_api.upsert_orders(carts), strict=True):
            assert written.ok, written.message
            lines = [{"id": nue_id, "salesforceId": sf_id} for nue_id, sf_id in written.line_ids.items()]
            nue.update_order(str(cart.links.nue_id), {"salesforceId": written.record_id, "orderProducts": lines})


def diverge(world: World, order_ids: list[str]) -> None:
    """10% of the carts change a quantity in Nue; 1% are checked out (activated) in the portal."""
    nue = world.sandbox.nue
    for order_id in order_ids[::10]:
        line = nue.get_order(order_id)["orderProducts"][0]
        nue.update_order(order_id, {"orderProducts": [{"id": line["id"], "quantity": line["quantity"] + 1}]})
    for order_id in order_ids[5::100]:
        nue.activate_order(order_id)


def linked_pairs(world: World) -> None:
    """Every cart pulled earlier; since then 10% changed in Nue and 1% were checked out in the portal."""
    order_ids = seed_nue_carts(world.sandbox, DIFF_ORDERS)
    link_as_an_earlier_pull_did(world)
    diverge(world, order_ids)


def never_synced(world: World) -> None:
    """The first diff on two busy systems: nothing paired yet, every order an orphan."""
    seed_nue_carts(world.sandbox, DIFF_ORDERS)
    seed_salesforce_drafts(world.sandbox, DIFF_ORDERS)


DIFF_SCENES: dict[str, Callable[[World], None]] = {"linked": linked_pairs, "never synced": never_synced}


def bench_diff(state: Path) -> list[Row]:
    rows = []
    for scene, seed in DIFF_SCENES.items():
        with linked_world(fresh(state / scene.replace(" ", "-"))) as world:
            seed(world)
            for output, args, columns in (("--json", ("--json", "diff"), None), ("tables", ("diff",), 160)):
                result, seconds = timed(world, *args, columns=columns)
                requests = (world.sandbox.salesforce.request_count(), world.sandbox.nue.request_count())
                ok = result.code == 3 and seconds < WALL_BUDGET and max(requests) <= READ_ROUND_BUDGET
                counts = result.json()["counts"] if output == "--json" else {}
                detail = ", ".join(f"{n} {name}" for name, n in counts.items() if n) or f"{len(result.stdout):,} chars"
                rows.append(row(world, f"diff {DIFF_ORDERS:,} per side, {scene} ({output})", DIFF_ORDERS, seconds,
                                budget=f"< {WALL_BUDGET:.0f} s, ≤ {READ_ROUND_BUDGET} req/adapter/round",
                                verdict=verdict(ok), detail=f"exit {result.code}; {detail}"))
    return rows


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="nuesync-bench-") as scratch:
        state = Path(scratch)
        rows: list[Row] = []
        for direction in (PULL, PUSH):
            clean_rows, clean = bench_clean(direction, fresh(state / f"{direction.command}-clean"))
            rows += clean_rows
            rows += bench_interrupted(direction, fresh(state / f"{direction.command}-killed"), clean)
        rows += bench_diff(state)
    table = Table(title="pull / push / diff end to end (CLI against both emulators)")
    for column in ("scenario", "orders", "SF req", "Nue req", "seconds", "budget", "verdict", "detail"):
        table.add_column(column, justify="right" if column in {"orders", "SF req", "Nue req", "seconds"} else "left")
    for r in rows:
        table.add_row(r.scenario, f"{r.orders:,}", str(r.salesforce), str(r.nue), f"{r.seconds:.2f}", r.budget,
                      r.verdict, r.detail)
    Console(width=200).print(table)
    return 1 if any(r.verdict == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
