"""Benchmark `--seed N` (the org-like mix of both emulators) and print its figures per class.

Run: `.venv/bin/python tests/benchmarks/bench_org_mix.py [n_orders]` (default 5,000). Prints one
table; not collected by pytest. The counts are `mix_counts(N)`, the class `nuesync diff` reports
for each, and what each side holds after seeding, so documentation can cite them.
"""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.table import Table

from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.org_mix import ORG_MIX, mix_counts
from nuesync.sandbox.pair import seed_pair
from nuesync.sandbox.salesforce import SalesforceSandbox


def main(n_orders: int) -> None:
    salesforce, nue = SalesforceSandbox(), NueSandbox()
    started = time.perf_counter()
    seed_pair(salesforce, nue, str(n_orders))
    seconds = time.perf_counter() - started

    counts = mix_counts(n_orders)
    table = Table(title=f"--seed {n_orders:,}: seeded in {seconds:.2f} s")
    for column in ("mix class", "share", "orders", "diff reports", "story"):
        table.add_column(column, justify="right" if column in ("share", "orders") else "left")
    for cls in ORG_MIX:
        table.add_row(cls.name, f"{cls.percent}%", f"{counts[cls.name]:,}", cls.diff_class, cls.story)
    console = Console()
    console.print(table)
    console.print(f"Salesforce: {len(salesforce.records('Order')):,} orders, "
                  f"{len(salesforce.records('OrderItem')):,} order products, "
                  f"{len(salesforce.records('Account')):,} accounts; "
                  f"Nue: {len(nue.store.orders):,} orders, {len(nue.store.lines):,} order products, "
                  f"{len(nue.store.customers):,} customers")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
