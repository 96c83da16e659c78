"""Benchmark the Salesforce adapter against the emulator and print a table (not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_sf_adapter.py

Scenarios (the acceptance numbers from the issue), requests counted by the emulator's counters:
- fetch 5,000 drafts × 3 lines, plus one draft whose 250 lines overflow a child page (≤ 12 requests);
- upsert 1,000 new Nue carts × 3 lines: inserted without a look-up (≤ 22 requests: the standard
  book and its entries, then 5 + 15 Collections calls);
- upsert the same 1,000 carts again, linked (≤ 22: 2 look-ups, no price book read: every line
  exists) and unlinked as after a crash before the links were written back (≤ 25: the price book
  reads, one refused insert call, then the look-ups): nothing is created twice, every id is the same.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nuesync.adapters.base import Outcome
from nuesync.adapters.retry import RetryPolicy
from nuesync.adapters.salesforce import SalesforceAdapter
from nuesync.model import Links
from nuesync.sandbox.salesforce import SalesforceSandbox
from tests.adapters.salesforce.sf_support import linked_account, new_org, nue_cart, sf_settings, switchboard

FETCH_ORDERS, FETCH_LINES, LONG_ORDER_LINES = 5_000, 3, 250
UPSERT_ORDERS = 1_000


@dataclass
class Row:
    scenario: str
    records: str
    requests: int
    seconds: float
    budget: int
    detail: str

    @property
    def verdict(self) -> str:
        return "ok" if self.requests <= self.budget else "OVER BUDGET"


def measured(sandbox: SalesforceSandbox, action: Callable[[], Any]) -> tuple[Any, int, float]:
    sandbox.reset_counters()
    started = time.perf_counter()
    result = action()
    return result, sandbox.request_count(), time.perf_counter() - started


def add_long_order(sandbox: SalesforceSandbox, lines: int) -> None:
    account = sandbox.records("Account")[0]["Id"]
    book = next(r["Id"] for r in sandbox.records("Pricebook2") if r["IsStandard"])
    order = sandbox.insert(
        "Order", {"AccountId": account, "Pricebook2Id": book, "EffectiveDate": "2026-03-01", "Status": "Draft"}
    )
    entries = sandbox.records("PricebookEntry")
    for index in range(lines):
        sandbox.insert(
            "OrderItem",
            {"OrderId": order, "PricebookEntryId": entries[index % len(entries)]["Id"], "Quantity": 1, "UnitPrice": 10},
        )


def main() -> None:
    rows: list[Row] = []
    with switchboard() as (board, running):
        org = new_org(board, running)
        seeding = time.perf_counter()
        org.sandbox.seed_synthetic(FETCH_ORDERS, FETCH_LINES)
        add_long_order(org.sandbox, LONG_ORDER_LINES)
        seeded = time.perf_counter() - seeding
        adapter = SalesforceAdapter(sf_settings(org.url, org.ca_file), environ=org.environ(), retry=RetryPolicy())
        result, requests, seconds = measured(org.sandbox, adapter.fetch_orders)
        lines = sum(len(order.lines) for order in result.orders)
        complete = lines == len(org.sandbox.records("OrderItem")) and not result.problems
        rows.append(
            Row(
                "fetch drafts",
                f"{len(result.orders):,} orders / {lines:,} lines",
                requests,
                seconds,
                12,
                f"{dict(org.sandbox.counters)}; every line: {complete}; seeding {seeded:.1f} s",
            )
        )

        org = new_org(board, running)
        customer = linked_account(org)
        carts = [nue_cart(n, customer) for n in range(UPSERT_ORDERS)]
        adapter = SalesforceAdapter(sf_settings(org.url, org.ca_file), environ=org.environ(), retry=RetryPolicy())
        first, requests, seconds = measured(org.sandbox, lambda: adapter.upsert_orders(carts))
        outcomes = Counter(r.outcome.value for r in first)
        rows.append(
            Row(
                "upsert new carts",
                f"{UPSERT_ORDERS:,} orders / {3 * UPSERT_ORDERS:,} lines",
                requests,
                seconds,
                22,
                f"{dict(outcomes)}; {dict(org.sandbox.counters)}",
            )
        )

        linked = [
            cart.model_copy(update={"links": Links(nue_id=cart.links.nue_id, salesforce_id=result.record_id)})
            for cart, result in zip(carts, first, strict=True)
        ]
        for scenario, sent, budget in (("re-upsert linked", linked, 22), ("re-send unlinked (crash)", carts, 25)):
            rerun = SalesforceAdapter(sf_settings(org.url, org.ca_file), environ=org.environ(), retry=RetryPolicy())
            again, requests, seconds = measured(org.sandbox, partial(rerun.upsert_orders, sent))
            same_ids = [(r.record_id, r.line_ids) for r in again] == [(r.record_id, r.line_ids) for r in first]
            stored = (len(org.sandbox.records("Order")), len(org.sandbox.records("OrderItem")))
            rows.append(
                Row(
                    scenario,
                    f"{UPSERT_ORDERS:,} orders",
                    requests,
                    seconds,
                    budget,
                    f"{dict(Counter(r.outcome.value for r in again))}; same ids: {same_ids}; "
                    f"stored orders/lines: {stored[0]:,}/{stored[1]:,}; {dict(org.sandbox.counters)}",
                )
            )
            assert all(r.outcome is Outcome.UPDATED for r in again)

    table = Table(title="Salesforce adapter against the emulator")
    for column in ("scenario", "records", "requests", "budget", "seconds", "verdict", "detail"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.scenario,
            row.records,
            str(row.requests),
            f"≤ {row.budget}",
            f"{row.seconds:.2f}",
            row.verdict,
            row.detail,
        )
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
