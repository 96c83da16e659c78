"""Benchmark the Nue adapter against the emulator and print a table (not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_nue_adapter.py

Scenarios (the acceptance numbers from the issue):
- read 5,000 drafts × 3 products (budget: ≤ 12 requests);
- create 1,000 drafts with 50 ms emulator latency per request (budget: < 15 s wall time);
- the same push interrupted halfway (emulator "abort after N writes") and repeated: no duplicate;
- how write concurrency trades against latency (200 drafts, 50 ms per request).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapters" / "nue"))

from nue_scenarios import NUE_KEY_ENV, nue_settings

from nuesync.adapters.base import Outcome
from nuesync.adapters.nue import NueAdapter
from nuesync.model import Customer, DraftOrder, LineItem, Links
from nuesync.sandbox.catalog import PRODUCTS
from nuesync.sandbox.nue import NueSandbox

LATENCY_MS = 50


@dataclass
class Row:
    scenario: str
    records: int
    requests: int
    seconds: float
    budget: str
    verdict: str
    detail: str = ""


def pushed_drafts(nue: NueSandbox, count: int, prefix: str = "801B") -> list[DraftOrder]:
    """Salesforce drafts with 3 lines each, for one customer already linked in Nue."""
    customer = nue.insert_customer({"name": "Bench Co", "recordType": "Business", "salesforceId": "001BENCH"})
    skus = [p.sku for p in PRODUCTS if p.recurring]
    return [
        DraftOrder(
            links=Links(salesforce_id=f"{prefix}{i:06d}"),
            name=f"Bench order {i}",
            customer=Customer(links=Links(nue_id=customer, salesforce_id="001BENCH")),
            effective_date=date(2025, 6, 1),
            currency="USD",
            lines=[
                LineItem(
                    links=Links(salesforce_id=f"{prefix}{i:06d}-{j}"),
                    product_sku=skus[(i + j) % len(skus)],
                    quantity=Decimal(j + 1),
                    subscription_start=date(2025, 6, 1),
                    subscription_term=Decimal(12),
                )
                for j in range(3)
            ],
        )
        for i in range(count)
    ]


def adapter(nue: NueSandbox, url: str, **settings: object) -> NueAdapter:
    return NueAdapter(nue_settings(url, **settings), environ={NUE_KEY_ENV: nue.api_key})


def bench_read() -> Row:
    nue = NueSandbox()
    nue.seed_synthetic(5000, lines_per_order=3)
    nue.reset_counters()
    with nue.serve() as running, adapter(nue, running.url, page_size=1000) as nue_adapter:
        started = time.perf_counter()
        result = nue_adapter.fetch_orders()
        seconds = time.perf_counter() - started
    lines = sum(len(order.lines) for order in result.orders)
    requests = nue.request_count()
    ok = len(result.orders) == 5000 and lines == 15000 and not result.problems and requests <= 12
    return Row(
        "read 5,000 drafts × 3 products",
        5000,
        requests,
        seconds,
        "≤ 12 requests",
        _verdict(ok),
        f"{lines} products, {len(result.problems)} problems",
    )


def bench_create() -> Row:
    nue = NueSandbox(latency_ms=LATENCY_MS)
    nue.seed_catalog()
    drafts = pushed_drafts(nue, 1000)
    with nue.serve() as running, adapter(nue, running.url) as nue_adapter:
        started = time.perf_counter()
        results = nue_adapter.upsert_orders(drafts)
        seconds = time.perf_counter() - started
    created = sum(r.outcome is Outcome.CREATED for r in results)
    ok = created == 1000 and seconds < 15
    return Row(
        f"create 1,000 drafts, {LATENCY_MS} ms/request",
        1000,
        nue.request_count(),
        seconds,
        "< 15 s",
        _verdict(ok),
        f"{created} created, concurrency {nue_settings().nue.max_concurrency}",
    )


def bench_interrupted() -> list[Row]:
    nue = NueSandbox(latency_ms=LATENCY_MS)
    nue.seed_catalog()
    drafts = pushed_drafts(nue, 1000)
    nue.faults.abort_after_writes(500)
    rows = []
    with nue.serve() as running:
        for label in ("push aborted after 500 writes", "same push repeated"):
            nue.reset_counters()
            with adapter(nue, running.url) as nue_adapter:
                started = time.perf_counter()
                results = nue_adapter.upsert_orders(drafts)
                seconds = time.perf_counter() - started
            outcomes = Counter(r.outcome.value for r in results)
            rows.append(Row(label, len(drafts), nue.request_count(), seconds, "", "", _outcomes(outcomes)))
            nue.faults.clear()
    per_link = Counter(order["salesforceId"] for order in nue.orders())
    ok = len(per_link) == 1000 and set(per_link.values()) == {1}
    rows[-1].budget, rows[-1].verdict = "1 order per Salesforce id", _verdict(ok)
    rows[-1].detail += f"; {len(nue.orders())} orders, max {max(per_link.values())} per salesforceId"
    return rows


def bench_concurrency() -> list[Row]:
    rows = []
    for workers in (1, 4, 8, 16):
        nue = NueSandbox(latency_ms=LATENCY_MS)
        nue.seed_catalog()
        drafts = pushed_drafts(nue, 200)
        with nue.serve() as running, adapter(nue, running.url, max_concurrency=workers) as nue_adapter:
            started = time.perf_counter()
            results = nue_adapter.upsert_orders(drafts)
            seconds = time.perf_counter() - started
        created = sum(r.outcome is Outcome.CREATED for r in results)
        rows.append(
            Row(
                f"create 200 drafts, max_concurrency={workers}",
                200,
                nue.request_count(),
                seconds,
                "",
                "",
                f"{created} created, {200 / seconds:.0f} orders/s",
            )
        )
    return rows


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _outcomes(outcomes: Counter[str]) -> str:
    return ", ".join(f"{count} {name}" for name, count in sorted(outcomes.items()))


def main() -> int:
    rows = [bench_read(), bench_create(), *bench_interrupted(), *bench_concurrency()]
    table = Table(title="Nue adapter against the emulator")
    for column in ("scenario", "records", "requests", "seconds", "budget", "verdict", "detail"):
        table.add_column(column, justify="right" if column in {"records", "requests", "seconds"} else "left")
    for row in rows:
        table.add_row(
            row.scenario, str(row.records), str(row.requests), f"{row.seconds:.2f}", row.budget, row.verdict, row.detail
        )
    Console(width=160).print(table)
    return 1 if any(row.verdict == "FAIL" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
