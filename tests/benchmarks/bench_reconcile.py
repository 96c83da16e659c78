"""Benchmark: the pure reconcile engine over N linked order pairs with 5 lines each, 10% differing.

Run: python tests/benchmarks/bench_reconcile.py [SIZES…]   (default 1000 10000 100000)

Each size runs in its own process so peak memory (max RSS, which includes the input records)
is measured per size. Columns:
- build s:  validating both sides' records from wire-like dicts (what the adapters do on read),
- engine s: `reconcile()` on fresh records — matching by links, content comparison of every
            pair, field-level differences of the differing 10% (the number the issue budgets),
- hash s:   computing every order's persisted content hash (only writing commands need it, for
            the journal; shown for information).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

from nuesync.model import DraftOrder
from nuesync.reconcile import OrderClass, reconcile

SKUS = ["NUE-PLAT-STD", "NUE-PLAT-PRO", "NUE-SEAT", "NUE-API-10K", "NUE-STORAGE-100"]


def wire_order(i: int, differs: bool) -> dict:
    lines = [
        {
            "links": {"nue_id": f"op-{i}-{j}", "salesforce_id": f"802{i:012d}{j}AAA"},
            "product_sku": SKUS[j],
            "quantity": str(j + 1 + (7 if differs and j == 2 else 0)),
            "unit_price": ["49.00", "99.00", "12.50", "20.00", "15.00"][j],
            "discount": {"percent": "5" if j % 2 else None},
            "subscription_start": "2026-12-01",
            "subscription_end": "2027-11-30",
            "subscription_term": "12",
            "price_tags": [{"code": "VOLUME-TIER-1"}] if j == 2 else [],
        }
        for j in range(5)
    ]
    return {
        "links": {"nue_id": f"ord-{i}", "salesforce_id": f"801{i:012d}AAA"},
        "name": f"Order {i}",
        "customer": {"links": {"nue_id": f"cust-{i % 997}", "salesforce_id": f"001{i % 997:012d}AAA"}},
        "effective_date": "2026-12-01",
        "currency": "USD",
        "status": "Draft",
        "origin": "Nue" if i % 2 else "Salesforce",
        "billing": {"billing_period": "Month", "payment_term": "Net 30" if not (differs and i % 3) else "Net 45"},
        "discount": {"percent": "0"},
        "lines": lines,
    }


def run_one(n: int) -> dict:
    start = time.perf_counter()
    nue = [DraftOrder.model_validate(wire_order(i, differs=i % 10 == 0)) for i in range(n)]
    sf = [DraftOrder.model_validate(wire_order(i, differs=False)) for i in range(n)]
    built = time.perf_counter()
    result = reconcile(nue, sf)
    done = time.perf_counter()
    for order in (*nue, *sf):
        order.content_hash()
    hashed = time.perf_counter()
    counts = result.counts()
    assert counts[OrderClass.DIFFERS] == n // 10 + (1 if n % 10 else 0), counts
    assert counts[OrderClass.IN_SYNC] == n - counts[OrderClass.DIFFERS]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"orders": n, "build": built - start, "engine": done - built, "hash": hashed - done, "peak_mb": peak_mb}


def main(sizes: list[int]) -> None:
    print(f"{'pairs':>8} {'build s':>8} {'engine s':>9} {'hash s':>7} {'peak MB':>8}")
    for n in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True)
        row = json.loads(out.stdout)
        print(f"{row['orders']:>8} {row['build']:>8.2f} {row['engine']:>9.2f} {row['hash']:>7.2f} "
              f"{row['peak_mb']:>8.0f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(run_one(int(sys.argv[2]))))
    else:
        main([int(a) for a in sys.argv[1:]] or [1000, 10000, 100000])
