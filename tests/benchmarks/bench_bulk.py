"""Benchmark a backfill through Collections and through Bulk API 2.0, side by side (not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_bulk.py [ORDERS ...]     # default: 5000 20000

Each size runs twice on a fresh emulated org with 50 ms of latency per request: new Nue carts ×
3 lines written by `SalesforceAdapter.upsert_orders` (sObject Collections, 200 records a call) and
by `BulkOrderWriter.upsert_orders` (one upsert job for the orders, one for the lines, polled every
second). Requests are counted by the emulator; the wall time includes the emulator's own work
(the same rules run for every record either way), so the difference is what the requests cost.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nuesync.adapters.base import Outcome, WriteResult
from nuesync.adapters.retry import RetryPolicy
from nuesync.adapters.salesforce import SalesforceAdapter
from nuesync.adapters.salesforce_bulk import BulkOrderWriter
from tests.adapters.salesforce.sf_support import linked_account, new_org, nue_cart, sf_settings, switchboard

LATENCY_MS = 50
LINES = 3
DEFAULT_SIZES = (5_000, 20_000)


def collections(adapter: SalesforceAdapter) -> Callable[[Sequence[Any]], list[WriteResult]]:
    return adapter.upsert_orders


def bulk(adapter: SalesforceAdapter) -> Callable[[Sequence[Any]], list[WriteResult]]:
    return BulkOrderWriter(adapter, poll_seconds=1.0).upsert_orders


def backfill(size: int, path: Callable[[SalesforceAdapter], Callable[[Sequence[Any]], list[WriteResult]]]) \
        -> tuple[int, float, Counter[Outcome], int]:
    with switchboard() as (board, running):
        org = new_org(board, running, latency_ms=LATENCY_MS)
        customer = linked_account(org)
        carts = [nue_cart(number, customer) for number in range(size)]
        adapter = SalesforceAdapter(sf_settings(org.url, org.ca_file, "session"), environ=org.environ(),
                                    retry=RetryPolicy(max_retries=3))
        org.sandbox.reset_counters()
        started = time.perf_counter()
        results = path(adapter)(carts)
        seconds = time.perf_counter() - started
        lines = len(org.sandbox.records("OrderItem"))
        adapter.close()
        return org.sandbox.request_count(), seconds, Counter(r.outcome for r in results), lines


def main(sizes: Sequence[int]) -> None:
    table = Table(title=f"Backfill of new drafts × {LINES} lines at {LATENCY_MS} ms latency")
    for column in ("drafts", "path", "requests", "wall s", "orders created", "lines written"):
        table.add_column(column, justify="right" if column != "path" else "left")
    for size in sizes:
        for name, path in (("Collections", collections), ("Bulk API 2.0", bulk)):
            requests, seconds, outcomes, lines = backfill(size, path)
            table.add_row(f"{size:,}", name, str(requests), f"{seconds:.1f}", f"{outcomes[Outcome.CREATED]:,}",
                          f"{lines:,}")
    Console().print(table)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or DEFAULT_SIZES)
