"""About twenty clients at once: the threaded server and the locked store keep every rule."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.server import RunningServer

from .conftest import Tenant
from .scenarios import draft, platform_line

CLIENTS = 20


def test_concurrent_creates_get_distinct_numbers(nue: NueSandbox, running: RunningServer, tenant: Tenant) -> None:
    def create(index: int) -> int:
        with httpx.Client(base_url=running.url, headers={"nue-api-key": nue.api_key}, timeout=10) as client:
            body = draft(tenant.acme, platform_line(nue, salesforceId=f"802-{index}"), salesforceId=f"801-{index}")
            return client.post("/orders", json=body).status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(create, range(CLIENTS * 3)))
    assert statuses == [201] * (CLIENTS * 3)
    orders = nue.orders()
    assert len({order["orderNumber"] for order in orders}) == len(orders) == CLIENTS * 3
    assert nue.counters["POST /orders"] == CLIENTS * 3


def test_a_race_for_one_salesforce_id_has_one_winner(nue: NueSandbox, running: RunningServer, tenant: Tenant) -> None:
    def create(_: int) -> int:
        with httpx.Client(base_url=running.url, headers={"nue-api-key": nue.api_key}, timeout=10) as client:
            body = draft(tenant.acme, platform_line(nue), salesforceId="801RACE")
            return client.post("/orders", json=body).status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = sorted(pool.map(create, range(CLIENTS)))
    assert statuses == [201] + [409] * (CLIENTS - 1)
    assert [order["salesforceId"] for order in nue.orders()] == ["801RACE"]


def test_reads_run_while_writes_do(nue: NueSandbox, running: RunningServer, tenant: Tenant) -> None:
    nue.seed_synthetic(200)

    def work(index: int) -> int:
        with httpx.Client(base_url=running.url, headers={"nue-api-key": nue.api_key}, timeout=10) as client:
            if index % 2:
                query = "{ Order(limit: 100) { id orderProducts { id } } }"
                response = client.post("/async/graphql", json={"query": query})
                return response.status_code if len(response.json()["data"]["Order"]) == 100 else -1
            return client.post("/orders", json=draft(tenant.acme, platform_line(nue))).status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = set(pool.map(work, range(CLIENTS * 2)))
    assert statuses == {200, 201}
