"""Benchmark: N linked order pairs × 5 lines (10% differing), from wire JSON to a reconciliation.

Run: python tests/benchmarks/bench_reconcile.py [--before REV] [SIZES…]   (default 1000 10000 100000)

Both systems' answers are built as the APIs send them (Nue: GraphQL pages of order records with
`orderProducts`; Salesforce: SOQL query pages of Order rows with the `OrderItems` subquery) and
handed to the wire modules page by page, as `SalesforceConnection.query` hands rows to the
adapter — or, in the `production` mode, answered to the real adapters' HTTP requests. The pages
are written to files first, so every run reads the same bytes and building them costs the
measured process nothing. Each size and mode runs in its own process, so peak
memory (max RSS, the page being read included) is measured per run. Columns are CPU seconds
(the work is single-threaded — `production` aside: two threads, CPU of both counted — and does
no network I/O, so other processes on a shared machine barely move them):
- parse:    JSON bytes → Python, decoding included in `next()` on the page's records,
- validate: wire records → canonical records (`NueWire.orders_from_wire`, and for Salesforce the
            adapter's loop over `order_from_wire`, problems collected the same way),
- read:     parse + validate, wire JSON to canonical records. When records are decoded one at a
            time the two alternate, and a garbage collection lands in whichever triggered it:
            compare `read`, not its parts,
- hash:     every order's content hash,
- match:    `reconcile()` of both sides (the `reconcile` row),
- peak MB:  max RSS of the process once that system is read (`reconcile`: at the end of the run).
`total` is read + hash + match; the `whole run` row adds up both systems and the match.

Modes (rows):
- pages:    each page decoded whole with `json.loads(…, parse_float=Decimal)`, as both HTTP layers
            did before they streamed,
- streamed: each page decoded record by record with `nuesync.adapters.json_stream.stream_array`,
- paused:   streamed, with the cycle collector paused while both systems are read, by the
            pause `fetch_snapshot` takes (`nuesync.fetch.collector_paused`): the records hold no
            cycles, and the collector otherwise walks every one of them again on each full
            collection. The full collection it runs on the way out is counted in the read of the
            system read last,
- production: `fetch_snapshot` itself, over a real `NueAdapter` and `SalesforceAdapter` whose HTTP
            requests are answered from the page files (httpx `MockTransport`, a requests transport
            adapter): both systems read at once on two threads, so one `both` row, whose `read` is
            the CPU of the whole `fetch_snapshot` (HTTP layers, paging, the pause included),
- `--before REV` adds `pages` and `production` runs of `nuesync/` as committed at REV (exported
  with `git archive` into a temporary directory put first on the path; the working tree is
  untouched).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
from requests.adapters import BaseAdapter

from nuesync.adapters.base import RecordProblem
from nuesync.adapters.nue_wire import NueWire
from nuesync.adapters.salesforce_wire import WireError, order_from_wire
from nuesync.config import Settings
from nuesync.mapping import FieldMapping
from nuesync.model import DraftOrder, System
from nuesync.reconcile import OrderClass, reconcile

ROOT = Path(__file__).resolve().parents[2]
LINES = 5
NUE_PAGE = 1000  # `nue.page_size`'s default
NUE_ROOT = "Order"  # the GraphQL root Nue orders are read from (`nue_api.ASSUMPTIONS.graphql_roots`)
SF_PAGE = 2000  # Salesforce's default query batch
SF_INSTANCE = "https://bench.my.salesforce.com"
NEXT_PAGE = "/services/data/v62.0/query/01gNEXT-"
SKUS = ["NUE-PLAT-STD", "NUE-PLAT-PRO", "NUE-SEAT", "NUE-API-10K", "NUE-STORAGE-100"]
PRICES = [49.0, 99.0, 12.5, 20.0, 15.0]
CUSTOMERS = 997


def _ids(i: int) -> dict[str, str]:
    customer = i % CUSTOMERS
    return {
        "nue": f"9b2f6c1e-{i:04x}-4000-8000-{i:012x}",
        "sf": f"801{i:012d}AAA",
        "nue_customer": f"cust-{customer}",
        "sf_customer": f"001{customer:012d}AAA",
    }


def _quantity(j: int, differs: bool) -> int:
    return j + 1 + (7 if differs and j == 2 else 0)


def nue_record(i: int, differs: bool) -> dict[str, Any]:
    """One order as Nue's GraphQL read returns it (the selection `NueWire.order_selection` asks for)."""
    ids = _ids(i)
    return {
        "id": ids["nue"],
        "orderNumber": f"O-{i:08d}",
        "status": "Draft",
        "lastModifiedDate": "2026-11-27T04:50:42.123Z",
        "salesforceId": ids["sf"],
        "origin": "Nue" if i % 2 else "Salesforce",
        "name": f"Order {i}",
        "description": None,
        "effectiveDate": "2026-12-01",
        "currencyIsoCode": "USD",
        "customerId": ids["nue_customer"],
        "billToContactId": None,
        "billingPeriod": "Month",
        "billCycleDay": None,
        "billingTiming": None,
        "paymentTerm": "Net 45" if differs and i % 3 else "Net 30",
        "discount": 0,
        "discountAmount": None,
        "customFields": {},
        "customer": {"id": ids["nue_customer"], "externalId": ids["sf_customer"], "name": f"Customer {i % CUSTOMERS}",
                     "email": None},
        "billToContact": None,
        "orderProducts": [
            {
                "id": f"op-{i}-{j}",
                "salesforceId": f"802{i:012d}{j}AA",
                "productSku": SKUS[j],
                "quantity": _quantity(j, differs),
                "listPrice": PRICES[j],
                "discount": 5 if j % 2 else None,
                "discountAmount": None,
                "subscriptionStartDate": "2026-12-01",
                "subscriptionEndDate": "2027-11-30",
                "subscriptionTerm": 12,
                "priceTags": [{"id": "tag-1", "code": "VOLUME-TIER-1", "name": "Volume tier 1"}] if j == 2 else [],
                "customFields": {},
            }
            for j in range(LINES)
        ],
    }


def _attributes(sobject: str, record_id: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v62.0/sobjects/{sobject}/{record_id}"}


def sf_record(i: int) -> dict[str, Any]:
    """One Order row as a SOQL query with the `OrderItems` subquery returns it (`order_fields`)."""
    ids = _ids(i)
    lines = [
        {
            "attributes": _attributes("OrderItem", f"802{i:012d}{j}AA"),
            "Id": f"802{i:012d}{j}AA",
            "Nue_Order_Product_Id__c": f"op-{i}-{j}",
            "Quantity": float(_quantity(j, False)),
            "UnitPrice": PRICES[j],
            "Nue_Discount_Percent__c": 5.0 if j % 2 else None,
            "Nue_Discount_Amount__c": None,
            "ServiceDate": "2026-12-01",
            "EndDate": "2027-11-30",
            "Nue_Subscription_Term__c": 12.0,
            "Nue_Price_Tags__c": "VOLUME-TIER-1" if j == 2 else None,
            "PricebookEntry": {"attributes": _attributes("PricebookEntry", f"01u00000000000{j}AAA"),
                               "Product2": {"attributes": _attributes("Product2", f"01t00000000000{j}AAA"),
                                            "ProductCode": SKUS[j]}},
        }
        for j in range(LINES)
    ]
    return {
        "attributes": _attributes("Order", ids["sf"]),
        "Id": ids["sf"],
        "OrderNumber": f"{i:08d}",
        "StatusCode": "Draft",
        "SystemModstamp": "2026-11-27T04:50:42.000+0000",
        "Nue_Order_Id__c": ids["nue"],
        "Nue_Origin__c": "Nue" if i % 2 else "Salesforce",
        "Name": f"Order {i}",
        "Description": None,
        "EffectiveDate": "2026-12-01",
        "CurrencyIsoCode": "USD",
        "AccountId": ids["sf_customer"],
        "BillToContactId": None,
        "Nue_Billing_Period__c": "Month",
        "Nue_Bill_Cycle_Day__c": None,
        "Nue_Billing_Timing__c": None,
        "Nue_Payment_Term__c": "Net 30",
        "Nue_Discount_Percent__c": 0.0,
        "Nue_Discount_Amount__c": None,
        "Account": {"attributes": _attributes("Account", ids["sf_customer"]),
                    "Nue_Customer_Id__c": ids["nue_customer"], "Name": f"Customer {i % CUSTOMERS}"},
        "BillToContact": None,
        "OrderItems": {"totalSize": LINES, "done": True, "records": lines},
    }


def nue_pages(n: int) -> Iterator[bytes]:
    """The GraphQL answers of a paged read, as response bodies."""
    for start in range(0, n, NUE_PAGE):
        rows = [nue_record(i, differs=i % 10 == 0) for i in range(start, min(n, start + NUE_PAGE))]
        yield json.dumps({"data": {NUE_ROOT: rows}}).encode()


def sf_pages(n: int) -> Iterator[bytes]:
    """The SOQL query pages of a paged read, as response bodies."""
    for start in range(0, n, SF_PAGE):
        end = min(n, start + SF_PAGE)
        page = {"totalSize": n, "done": end == n, "records": [sf_record(i) for i in range(start, end)]}
        if end < n:
            page["nextRecordsUrl"] = f"{NEXT_PAGE}{end}"
        yield json.dumps(page).encode()


PAGES = {System.NUE: nue_pages, System.SALESFORCE: sf_pages}
LENGTH_BYTES = 8


def write_pages(n: int, directory: Path) -> None:
    """Each system's response bodies for `n` pairs, one file each, every body preceded by its length."""
    for system, pages in PAGES.items():
        with (directory / f"{system.value}-{n}.pages").open("wb") as out:
            for body in pages(n):
                out.write(len(body).to_bytes(LENGTH_BYTES, "big") + body)


def read_pages(n: int, system: System, directory: Path) -> Iterator[bytes]:
    with (directory / f"{system.value}-{n}.pages").open("rb") as pages:
        while length := int.from_bytes(pages.read(LENGTH_BYTES), "big"):
            yield pages.read(length)


class PageFile:
    """One system's page file, read by page number: the adapters ask for pages by offset or URL."""

    def __init__(self, n: int, system: System, directory: Path) -> None:
        self.path = directory / f"{system.value}-{n}.pages"
        self.spans: list[tuple[int, int]] = []
        with self.path.open("rb") as pages:
            while length := int.from_bytes(pages.read(LENGTH_BYTES), "big"):
                self.spans.append((pages.tell(), length))
                pages.seek(length, os.SEEK_CUR)

    def page(self, number: int) -> bytes | None:
        if number >= len(self.spans):
            return None
        start, length = self.spans[number]
        with self.path.open("rb") as pages:
            pages.seek(start)
            return pages.read(length)


class Clock:
    """CPU seconds per phase (building the input pages is not counted)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def add(self, phase: str, seconds: float) -> None:
        self.spent[phase] = self.spent.get(phase, 0.0) + seconds

    def timed(self, phase: str, action: Callable[..., Any], *args: Any) -> Any:
        start = time.process_time()
        result = action(*args)
        self.add(phase, time.process_time() - start)
        return result

    def timed_iteration(self, phase: str, items: Iterable[Any]) -> Iterator[Any]:
        iterator = iter(items)
        while True:
            start = time.process_time()
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                self.add(phase, time.process_time() - start)
            yield item


Decode = Callable[[bytes, tuple[str, ...]], Iterator[Any]]


def whole_pages(body: bytes, path: tuple[str, ...]) -> Iterator[Any]:
    """A page as the HTTP layers decode it today: all at once, on the first `next()`."""
    value = json.loads(body, parse_float=Decimal)
    for key in path:
        value = value[key]
    yield from value


def streamed_pages(body: bytes, path: tuple[str, ...]) -> Iterator[Any]:
    from nuesync.adapters.json_stream import stream_array  # not in revisions before it

    return stream_array(body, path)


DECODERS: dict[str, Decode] = {"pages": whole_pages, "streamed": streamed_pages, "paused": streamed_pages}


def records(pages: Iterable[bytes], path: tuple[str, ...], decode: Decode, clock: Clock) -> Iterator[Any]:
    """Every page's records, one at a time; time spent decoding (inside `next()`) is `parse`, time
    reading the page file is left out (`input`)."""
    for body in clock.timed_iteration("input", pages):
        members = decode(body, path)
        while True:
            start = time.process_time()
            try:
                record = next(members)
            except StopIteration:
                break
            finally:
                clock.add("parse", time.process_time() - start)
            yield record


def translated(clock: Clock, translate: Callable[[Iterator[Any]], Any], rows: Iterator[Any]) -> Any:
    """`translate(rows)`: its time, less what the rows it pulled spent decoding and being read, is `validate`."""
    counted_before = sum(clock.spent.values())
    start = time.process_time()
    result = translate(rows)
    clock.add("validate", time.process_time() - start - (sum(clock.spent.values()) - counted_before))
    return result


Read = Callable[[Iterator[bytes], Decode, Clock], tuple[list[DraftOrder], list[RecordProblem]]]


def read_nue(pages: Iterator[bytes], decode: Decode, clock: Clock) -> tuple[list[DraftOrder], list[RecordProblem]]:
    wire = NueWire(FieldMapping.build(), "customFields")
    return translated(clock, wire.orders_from_wire, records(pages, ("data", NUE_ROOT), decode, clock))


def read_salesforce(
    pages: Iterator[bytes], decode: Decode, clock: Clock
) -> tuple[list[DraftOrder], list[RecordProblem]]:
    mapping = FieldMapping.build()

    def adapter_loop(rows: Iterator[Any]) -> tuple[list[DraftOrder], list[RecordProblem]]:
        """What `SalesforceAdapter.fetch_orders` does with the rows `query` yields."""
        orders, problems = [], []
        for record in rows:
            try:
                orders.append(order_from_wire(record, mapping))
            except WireError as exc:
                problems.append(RecordProblem(System.SALESFORCE, str(record.get("Id")), exc.field, exc.message))
        return orders, problems

    return translated(clock, adapter_loop, records(pages, ("records",), decode, clock))


def _hash_all(orders: list[DraftOrder]) -> None:
    for order in orders:
        order.content_hash()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


READERS: dict[System, Read] = {System.NUE: read_nue, System.SALESFORCE: read_salesforce}


def _pause() -> contextlib.AbstractContextManager[Any]:
    from nuesync.fetch import collector_paused  # not in revisions before it

    return collector_paused


def run_one(n: int, mode: str, directory: Path) -> list[dict[str, Any]]:
    """Both reads (as `fetch_snapshot` does them), then every order's hash, then the match."""
    if mode == "production":
        return run_production(n, directory)
    clocks = {system: Clock() for system in READERS}
    rows, sides = {}, {}
    pause = _pause() if mode == "paused" else contextlib.nullcontext()
    with pause:
        for system, read in READERS.items():
            orders, problems = read(read_pages(n, system, directory), DECODERS[mode], clocks[system])
            assert len(orders) == n and not problems, (len(orders), problems[:3])
            sides[system] = orders
            rows[system] = {"system": system.value, "peak_mb": peak_mb()}
        leaving = time.process_time()
    clocks[system].add("validate", time.process_time() - leaving)  # the pause's way out ends the last read
    for system, orders in sides.items():
        clocks[system].timed("hash", _hash_all, orders)
        clocks[system].spent.pop("input", None)
        rows[system].update(clocks[system].spent)
    return [*rows.values(), _matched(n, sides[System.NUE], sides[System.SALESFORCE])]


def _matched(n: int, nue: list[DraftOrder], salesforce: list[DraftOrder]) -> dict[str, Any]:
    """The `reconcile` row, once the match found the pairs the input was built with."""
    clock = Clock()
    result = clock.timed("match", reconcile, nue, salesforce)
    counts = result.counts()
    assert counts[OrderClass.DIFFERS] == (n + 9) // 10, counts
    assert counts[OrderClass.IN_SYNC] == n - counts[OrderClass.DIFFERS], counts
    return {"system": "reconcile", **clock.spent, "peak_mb": peak_mb()}


class SalesforcePages(BaseAdapter):
    """A Salesforce instance answering SOQL queries from a page file: the first page for the query,
    then the page each `nextRecordsUrl` names."""

    def __init__(self, pages: PageFile) -> None:
        super().__init__()
        self.pages = pages

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        path = str(urlsplit(str(request.url)).path)
        number = int(path.removeprefix(NEXT_PAGE)) // SF_PAGE if path.startswith(NEXT_PAGE) else 0
        response = requests.Response()
        response.request, response.url, response.status_code = request, str(request.url), 200
        response._content = self.pages.page(number)
        response.headers["Content-Type"] = "application/json"
        return response

    def close(self) -> None:
        return


def nue_pages_transport(pages: PageFile) -> httpx.MockTransport:
    """A Nue tenant answering the paged GraphQL read from a page file, by the request's offset."""

    def answer(request: httpx.Request) -> httpx.Response:
        offset = json.loads(request.content)["variables"]["offset"]
        body = pages.page(offset // NUE_PAGE) or json.dumps({"data": {NUE_ROOT: []}}).encode()
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(answer)


def run_production(n: int, directory: Path) -> list[dict[str, Any]]:
    """`fetch_snapshot` over the real adapters (see the module docstring), then hashes and the match."""
    from nuesync.adapters.nue import NueAdapter
    from nuesync.adapters.salesforce import SalesforceAdapter
    from nuesync.fetch import Scope, fetch_snapshot

    settings = Settings.model_validate(
        {"nue": {"page_size": NUE_PAGE}, "salesforce": {"auth": "session", "instance_url": SF_INSTANCE}}
    )
    environ = {settings.nue.api_key_env: "bench-key", settings.salesforce.session_id_env: "bench-session"}
    session = requests.Session()
    session.mount("https://", SalesforcePages(PageFile(n, System.SALESFORCE, directory)))
    nue_transport = nue_pages_transport(PageFile(n, System.NUE, directory))
    with NueAdapter(settings, environ=environ, transport=nue_transport) as nue:
        salesforce = SalesforceAdapter(settings, environ=environ, session=session)
        clock = Clock()
        snapshot = clock.timed("read", fetch_snapshot, nue, salesforce, Scope())
    assert len(snapshot.nue) == len(snapshot.salesforce) == n and not snapshot.problems, snapshot.problems[:3]
    row = {"system": "both", **clock.spent, "peak_mb": peak_mb()}
    clock.timed("hash", _hash_all, [*snapshot.nue, *snapshot.salesforce])
    return [{**row, **clock.spent}, _matched(n, snapshot.nue, snapshot.salesforce)]


def _export(rev: str, into: str) -> str:
    """`nuesync/` as committed at `rev`, unpacked under `into`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "nuesync"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    return into


def _measure(n: int, mode: str, code: str | None, directory: Path) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (code, str(ROOT)) if p)}
    out = subprocess.run([sys.executable, __file__, "--one", str(n), mode, str(directory)], capture_output=True,
                         text=True, check=True, env=env)
    return json.loads(out.stdout)


COLUMNS = ("parse", "validate", "read", "hash", "match", "total")


def _with_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row.setdefault("read", row.get("parse", 0.0) + row.get("validate", 0.0))
        row["total"] = row["read"] + row.get("hash", 0.0) + row.get("match", 0.0)
    whole = {phase: sum(row.get(phase, 0.0) for row in rows) for phase in COLUMNS}
    return [*rows, {"system": "whole run", **whole, "peak_mb": max(row["peak_mb"] for row in rows)}]


def _print_row(label: str, n: int, row: dict[str, Any]) -> None:
    cells = "".join(f"{row[c]:>11.2f}" if row.get(c) else f"{'':>11}" for c in COLUMNS)
    print(f"{label:<24} {n:>7} {row['system']:<11}{cells}{row['peak_mb']:>11.0f}")


def main(sizes: list[int], before: str | None) -> None:
    print(f"{'code / mode':<24} {'pairs':>7} {'system':<11}" + "".join(f"{c + ' s':>11}" for c in COLUMNS)
          + f"{'peak MB':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "before").mkdir()
        before_code = _export(before, str(directory / "before")) if before else None
        runs = [(f"{before} / {mode}", mode, before_code) for mode in ("pages", "production")] if before else []
        runs += [(f"working / {mode}", mode, None) for mode in ("pages", "streamed", "paused", "production")]
        for n in sizes:
            write_pages(n, directory)
            for label, mode, code in runs:
                for row in _with_totals(_measure(n, mode, code, directory)):
                    _print_row(label, n, row)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--one"]:
        print(json.dumps(run_one(int(args[1]), args[2], Path(args[3]))))
    else:
        rev = args[args.index("--before") + 1] if "--before" in args else None
        sizes = [int(a) for i, a in enumerate(args) if a.isdigit() and (i == 0 or args[i - 1] != "--before")]
        main(sizes or [1000, 10000, 100000], rev)
