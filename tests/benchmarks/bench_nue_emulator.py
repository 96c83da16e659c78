"""Benchmark the Nue emulator: seeding, a full GraphQL read, and concurrent REST writes.

Run: `.venv/bin/python tests/benchmarks/bench_nue_emulator.py [N_ORDERS]` (default 5000). Not
collected by pytest; prints one table. What it shows: how long seeding takes, how many GraphQL
requests and seconds reading every draft with its products costs at page size 1000 (the
emulator's cap is 2000), and REST write throughput with 20 clients, without and with latency.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from nuesync.sandbox.nue import NueSandbox

PAGE = """query($offset: Int!, $limit: Int!) {
  Order(where: {status: {_eq: "Draft"}}, order_by: {id: asc}, limit: $limit, offset: $offset) {
    id orderNumber name description status customerId billToContactId effectiveDate currencyIsoCode
    billingPeriod billCycleDay billingTiming paymentTerm discount discountAmount salesforceId origin
    customFields lastModifiedDate customer { id name externalId }
    orderProducts { id productSku quantity listPrice discount discountAmount subscriptionStartDate
      subscriptionEndDate subscriptionTerm salesforceId customFields priceTags { id code name } }
  }
}"""


def timed(action: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def read_all(client: httpx.Client, limit: int) -> tuple[int, int, int]:
    orders = lines = requests = 0
    while True:
        body = {"query": PAGE, "variables": {"offset": orders, "limit": limit}}
        page = client.post("/async/graphql", json=body).json()["data"]["Order"]
        requests += 1
        orders += len(page)
        lines += sum(len(order["orderProducts"]) for order in page)
        if len(page) < limit:
            return orders, lines, requests


def concurrent_writes(nue: NueSandbox, url: str, count: int, clients: int, run: str) -> float:
    customer = nue.customers()[0]["id"]
    entry = next(iter(nue.store.price_book_entries))

    def create(index: int) -> int:
        body = {"customer": {"id": customer}, "effectiveDate": "2026-01-01", "salesforceId": f"801{run}-{index}",
                "orderProducts": [{"priceBookEntryId": entry, "quantity": 1, "subscriptionTerm": 12}]}
        return http.post("/orders", json=body).status_code

    with httpx.Client(base_url=url, headers={"nue-api-key": nue.api_key}, timeout=30,
                      limits=httpx.Limits(max_connections=clients)) as http, ThreadPoolExecutor(clients) as pool:
        statuses, seconds = timed(lambda: list(pool.map(create, range(count))))
    assert set(statuses) == {201}, set(statuses)
    return seconds


def main(n_orders: int) -> None:
    rows: list[tuple[str, str]] = []
    nue = NueSandbox()
    _, seconds = timed(lambda: nue.seed_synthetic(n_orders, lines_per_order=3))
    rows.append((f"seed {n_orders} drafts × 3 products (direct)", f"{seconds:.2f} s"))
    with nue.serve() as running, httpx.Client(base_url=running.url, headers={"nue-api-key": nue.api_key},
                                              timeout=60) as client:
        for limit in (1000, 2000):
            nue.reset_counters()
            (orders, lines, requests), seconds = timed(lambda limit=limit: read_all(client, limit))
            rows.append((f"GraphQL read, limit {limit}: {orders} orders / {lines} products",
                         f"{requests} requests, {seconds:.2f} s"))
        seconds = concurrent_writes(nue, running.url, 500, clients=20, run="FAST")
        rows.append(("POST /orders × 500, 20 clients, no latency", f"{seconds:.2f} s ({500 / seconds:.0f}/s)"))
        nue.latency_ms = 50
        seconds = concurrent_writes(nue, running.url, 200, clients=20, run="SLOW")
        rows.append(("POST /orders × 200, 20 clients, 50 ms latency", f"{seconds:.2f} s ({200 / seconds:.0f}/s)"))
    width = max(len(label) for label, _ in rows)
    print(f"{'measure':<{width}} | result")
    print(f"{'-' * width}-+-{'-' * 28}")
    for label, result in rows:
        print(f"{label:<{width}} | {result}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
