"""`nuesync listen` under load, against both emulators with added latency (not collected by pytest).

Two measurements, each printed as a table:

1. Latency — orders created in Nue one a second (`POST /orders`, which fires `order.created`
   through the emulator's webhook subscription); for each, the time until the Salesforce Order is
   readable. Target: p95 ≤ batch window + 2 s.
2. Burst — 1,000 `order.created` deliveries posted within 10 s (signed, by a pool of clients);
   then the wait until all 1,000 orders are in Salesforce. Targets: all 1,000 there, 0 duplicates,
   ≤ 40 Salesforce requests for the whole burst, every delivery answered in < 1 s (p99).

Run: `python tests/benchmarks/bench_listen.py [--latency-orders 200] [--burst 1000] [--latency-ms 50]`
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import tomli_w

from nuesync.listen.inbound import signature
from nuesync.sandbox.pair import RunningSandbox, running_sandbox

WINDOW_SECONDS = 2.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_listener(sandbox: RunningSandbox, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    config = folder / "nuesync.toml"
    document = sandbox.config(state_path=folder / "journal.sqlite3")
    document["listen"]["batch_window_seconds"] = WINDOW_SECONDS
    config.write_text(tomli_w.dumps(document))
    info = folder / "listen.json"
    env = {**os.environ, **sandbox.environ(), "XDG_STATE_HOME": str(folder / "state")}
    process = subprocess.Popen([sys.executable, "-m", "nuesync", "--config", str(config), "listen", "--port", "0",
                                "--info-file", str(info), "--reconcile-every", "0"],
                               env=env, stdout=subprocess.DEVNULL, stderr=(folder / "listen.log").open("w"))
    while not info.exists():
        time.sleep(0.05)
    return process, json.loads(info.read_text())["url"]


def cart_payload(sandbox: RunningSandbox, index: int) -> dict:
    customers = [c for c in sandbox.nue.customers() if c.get("externalId")]
    entries = list(sandbox.nue.store.price_book_entries.values())
    return {"customer": {"id": customers[index % len(customers)]["id"]}, "name": f"Bench cart {index}",
            "effectiveDate": "2026-12-01",
            "orderProducts": [{"priceBookEntryId": entries[(index + k) % len(entries)]["id"], "quantity": 1 + k,
                               "subscriptionTerm": 12} for k in range(3)]}


def in_salesforce(sandbox: RunningSandbox) -> dict[str, int]:
    seen: dict[str, int] = {}
    for order in sandbox.salesforce.records("Order"):
        if order.get("Nue_Order_Id__c"):
            seen[order["Nue_Order_Id__c"]] = seen.get(order["Nue_Order_Id__c"], 0) + 1
    return seen


def measure_latency(orders: int, latency_ms: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, running_sandbox("200", latency_ms=latency_ms) as sandbox:
        process, url = start_listener(sandbox, Path(tmp))
        sandbox.send_webhooks_to(f"{url}/webhooks/nue")
        client = httpx.Client(base_url=sandbox.nue_server.url, headers={"nue-api-key": sandbox.nue.api_key})
        created: dict[str, float] = {}
        arrived: dict[str, float] = {}
        start = time.monotonic()
        for index in range(orders):
            while time.monotonic() < start + index:  # one a second
                seen = in_salesforce(sandbox)
                arrived.update({o: time.monotonic() for o in created if o in seen and o not in arrived})
                time.sleep(0.02)
            answer = client.post("/orders", json=cart_payload(sandbox, index))
            created[answer.json()["data"]["order"]["id"]] = time.monotonic()
        while len(arrived) < len(created) and time.monotonic() < start + orders + 60:
            seen = in_salesforce(sandbox)
            arrived.update({o: time.monotonic() for o in created if o in seen and o not in arrived})
            time.sleep(0.02)
        process.terminate()
        process.wait()
    waits = [arrived[o] - created[o] for o in arrived]
    print(f"\nLatency: {orders} orders, one a second, {latency_ms} ms emulator latency, window {WINDOW_SECONDS:g} s")
    print("| orders in Salesforce | p50 | p95 | max | target p95 |")
    print("|---|---|---|---|---|")
    print(f"| {len(arrived)}/{orders} | {statistics.median(waits):.2f} s | {percentile(waits, 0.95):.2f} s | "
          f"{max(waits):.2f} s | ≤ {WINDOW_SECONDS + 2:g} s |")


def measure_burst(count: int, latency_ms: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, running_sandbox("200", latency_ms=latency_ms) as sandbox:
        process, url = start_listener(sandbox, Path(tmp))
        carts = [sandbox.nue.insert_order(cart_payload(sandbox, index)) for index in range(count)]
        sandbox.salesforce.reset_counters()
        secret = sandbox.listen_secret
        answers: list[float] = []
        sender = httpx.Client(timeout=10, limits=httpx.Limits(max_connections=16))  # keep-alive, as a sender does

        def deliver(index: int) -> int:
            body = json.dumps({"id": f"evt_burst_{index}", "event": "order.created",
                               "data": {"order": {"id": carts[index]}}}).encode()
            started = time.monotonic()
            reply = sender.post(f"{url}/webhooks/nue", content=body,
                                headers={"X-Nue-Signature": "sha256=" + signature(secret, body)})
            answers.append(time.monotonic() - started)
            return reply.status_code

        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            futures = []
            for index in range(count):
                while time.monotonic() < start + index * 10 / count:  # spread over 10 s
                    time.sleep(0.001)
                futures.append(pool.submit(deliver, index))
            statuses = [f.result() for f in futures]
        posted = time.monotonic() - start
        while len(set(carts) & set(in_salesforce(sandbox))) < count and time.monotonic() < start + 300:
            time.sleep(0.2)
        done = time.monotonic() - start
        seen = in_salesforce(sandbox)
        requests = sandbox.salesforce.request_count()
        writes = sandbox.salesforce.write_count()
        process.terminate()
        process.wait()
    duplicates = sum(n - 1 for n in seen.values() if n > 1)
    print(f"\nBurst: {count} order.created deliveries in {posted:.1f} s, {latency_ms} ms emulator latency")
    print("| in Salesforce | duplicates | Salesforce requests (writes) | answered 2xx | answer p50 | p99 | "
          "all synced after |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {len(set(carts) & set(seen))}/{count} | {duplicates} | {requests} ({writes}) | "
          f"{sum(1 for s in statuses if s < 300)}/{count} | {statistics.median(answers) * 1000:.0f} ms | "
          f"{percentile(answers, 0.99) * 1000:.0f} ms | {done:.1f} s |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-orders", type=int, default=200)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    if args.burst:
        measure_burst(args.burst, args.latency_ms)
    if args.latency_orders:
        measure_latency(args.latency_orders, args.latency_ms)


if __name__ == "__main__":
    main()
