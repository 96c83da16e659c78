"""Benchmark the Salesforce emulator at volume: seeding, a full paged read, collection upserts.

Run: `.venv/bin/python tests/benchmarks/bench_sf_emulator.py [n_orders]` (default 5,000 × 3 lines).
Prints one table; not collected by pytest.
"""

from __future__ import annotations

import sys
import time

import requests
from rich.console import Console
from rich.table import Table
from simple_salesforce import Salesforce

from nuesync.sandbox.salesforce import SalesforceSandbox

DRAFTS_WITH_LINES = (
    "SELECT Id, Name, Status, EffectiveDate, Account.Nue_Customer_Id__c, TotalAmount, Nue_Order_Id__c, "
    "(SELECT Id, Quantity, UnitPrice, ServiceDate, EndDate, Nue_Order_Product_Id__c, "
    "PricebookEntry.Product2.ProductCode FROM OrderItems) FROM Order WHERE StatusCode = 'Draft'"
)


def main(n_orders: int) -> None:
    table = Table(title=f"Salesforce emulator, {n_orders:,} orders × 3 lines")
    for column in ("step", "seconds", "requests", "records"):
        table.add_column(column, justify="right" if column != "step" else "left")
    org = SalesforceSandbox()
    started = time.perf_counter()
    order_ids = org.seed_synthetic(n_orders)
    table.add_row("seed (direct)", f"{time.perf_counter() - started:.2f}", "0", f"{len(order_ids):,}")
    with org.serve() as running:
        session = requests.Session()
        session.verify = str(running.ca_file)
        session.trust_env = False
        client = Salesforce(instance_url=running.url, session_id=org.session_id, version="62.0", session=session)
        org.reset_counters()
        started = time.perf_counter()
        result = client.query_all(DRAFTS_WITH_LINES)
        lines = sum(r["OrderItems"]["totalSize"] for r in result["records"] if r["OrderItems"])
        table.add_row("full paged SOQL read of drafts + lines", f"{time.perf_counter() - started:.2f}",
                      str(org.request_count()), f"{len(result['records']):,} orders / {lines:,} lines")
        org.reset_counters()
        started = time.perf_counter()
        for start in range(0, min(n_orders, 2000), 200):
            records = [{"attributes": {"type": "Order"}, "Id": i, "Nue_Order_Id__c": f"BENCH-{i}"}
                       for i in order_ids[start:start + 200]]
            client.restful("composite/sobjects/Order/Id", method="PATCH", json={"records": records})
        table.add_row("collection upserts (200/call)", f"{time.perf_counter() - started:.2f}",
                      str(org.request_count()), f"{min(n_orders, 2000):,}")
    Console().print(table)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
