"""Benchmark the Salesforce emulator at volume: seeding, a full paged read, collection upserts.

Run: `.venv/bin/python tests/benchmarks/bench_sf_emulator.py [n_orders]` (default 5,000 × 3 lines).
Prints one table; not collected by pytest.

A query page holds at most `batchSize` records counting the child rows returned inline (the REST
API's rule), so 5,000 drafts × 3 lines take 10 pages at the default 2,000 — 500 orders a page.
The read follows every parent page and every child relationship's own next page, as a client
must, and reports the largest page in records (parents + inline children).
"""

from __future__ import annotations

import sys
import time
from typing import Any

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


def read_all(client: Salesforce, batch_size: int | None) -> tuple[int, int, int, int]:
    """(orders, lines, parent pages, largest page in records) of a full read, child pages followed."""
    headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else {}
    page = client.query(DRAFTS_WITH_LINES, headers=headers)
    orders = lines = pages = largest = 0
    while True:
        pages += 1
        inline = sum(len(r["OrderItems"]["records"]) for r in page["records"] if r["OrderItems"])
        largest = max(largest, len(page["records"]) + inline)
        orders += len(page["records"])
        lines += sum(count_children(client, r["OrderItems"]) for r in page["records"] if r["OrderItems"])
        if page["done"]:
            return orders, lines, pages, largest
        page = client.query_more(page["nextRecordsUrl"], identifier_is_url=True)


def count_children(client: Salesforce, children: dict[str, Any]) -> int:
    """Rows of one child relationship, reading its own next pages before the parent's next page."""
    count = len(children["records"])
    while not children["done"]:
        children = client.query_more(children["nextRecordsUrl"], identifier_is_url=True)
        count += len(children["records"])
    return count


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
        for batch_size in (None, 1000):
            org.reset_counters()
            started = time.perf_counter()
            orders, lines, pages, largest = read_all(client, batch_size)
            label = f"batchSize={batch_size}" if batch_size else "default batch"
            table.add_row(f"paged SOQL read of drafts + lines ({label})", f"{time.perf_counter() - started:.2f}",
                          str(org.request_count()),
                          f"{orders:,} orders / {lines:,} lines in {pages} pages, largest {largest:,} records")
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
