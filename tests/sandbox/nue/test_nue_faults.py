"""Instrumentation (counters, latency) and fault injection, driven over HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from nuesync.sandbox.nue import NueSandbox

from .conftest import Tenant
from .scenarios import created_order, draft, error_of, platform_line, seats_line

GRAPHQL = {"query": "{ Order { id } }"}


def test_requests_are_counted_per_templated_route(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    order = created_order(client.post("/orders", json=draft(tenant.acme, platform_line(nue))))
    client.patch(f"/orders/{order['id']}", json={"name": "x"})
    client.get(f"/orders/{order['id']}")
    client.post(f"/orders/{order['id']}", json={"options": {}})
    client.post("/async/graphql", json=GRAPHQL)
    client.post("/async/graphql", json=GRAPHQL)
    client.get("/orders", params={"customerIds": "[]"})
    client.post("/customers", json=[{"name": "New"}])
    assert nue.counters == {
        "POST /orders": 1, "PATCH /orders/{id}": 1, "GET /orders/{id}": 1, "POST /orders/{id}": 1,
        "POST /async/graphql": 2, "GET /orders": 1, "POST /customers": 1,
    }
    assert nue.request_count() == 8
    assert nue.write_count() == 4, "GraphQL reads are not writes"
    nue.reset_counters()
    assert (nue.request_count(), nue.counters) == (0, {})


def test_refused_requests_are_counted_too(nue: NueSandbox, client: httpx.Client) -> None:
    client.post("/orders", json={}, headers={"nue-api-key": "wrong"})
    client.get("/nowhere")
    assert nue.counters == {"POST /orders": 1, "GET /nowhere": 1}


def test_direct_access_is_not_counted(nue: NueSandbox, tenant: Tenant) -> None:
    nue.insert_order(draft(tenant.acme, platform_line(nue)))
    nue.orders()
    assert nue.request_count() == 0


def test_rate_limit_answers_429_with_retry_after_then_recovers(nue: NueSandbox, client: httpx.Client) -> None:
    nue.faults.rate_limit(2, retry_after=3)
    for _ in range(2):
        response = client.get("/catalog/products")
        assert error_of(response, 429)["errorCode"] == "RATE_LIMITED"
        assert response.headers["retry-after"] == "3"
    assert client.get("/catalog/products").status_code == 200
    assert nue.counters["GET /catalog/products"] == 3


def test_outage_answers_503_for_the_next_requests(nue: NueSandbox, client: httpx.Client) -> None:
    nue.faults.unavailable(1)
    assert error_of(client.post("/async/graphql", json=GRAPHQL), 503)["errorCode"] == "SERVICE_UNAVAILABLE"
    assert client.post("/async/graphql", json=GRAPHQL).status_code == 200


@pytest.mark.parametrize(("status", "code"), [(500, "INTERNAL_SERVER_ERROR"), (502, "BAD_GATEWAY"),
                                              (504, "GATEWAY_TIMEOUT"), (503, "SERVICE_UNAVAILABLE")])
def test_fail_next_answers_any_status(nue: NueSandbox, client: httpx.Client, status: int, code: str) -> None:
    nue.faults.fail_next(2, status=status)
    assert [error_of(client.get("/settings/sync"), status)["errorCode"] for _ in range(2)] == [code, code]
    assert client.get("/settings/sync").status_code == 200


def test_a_fault_can_target_one_route(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    nue.faults.unavailable(1, route="POST /orders")
    assert client.get("/catalog/products").status_code == 200
    assert client.post("/orders", json=draft(tenant.acme, platform_line(nue))).status_code == 503
    assert client.post("/orders", json=draft(tenant.acme, platform_line(nue))).status_code == 201


def test_a_timeout_holds_the_answer_after_doing_the_write(nue: NueSandbox, running: object, client: httpx.Client,
                                                          tenant: Tenant) -> None:
    nue.faults.timeout(1, seconds=0.6)
    with pytest.raises(httpx.ReadTimeout):
        client.post("/orders", json=draft(tenant.acme, platform_line(nue), salesforceId="801T"), timeout=0.15)
    assert [order["salesforceId"] for order in nue.orders()] == ["801T"], "the write happened all the same"
    time.sleep(0.5)  # let the held answer go before the next test takes the server
    assert client.get("/catalog/products").status_code == 200


def test_abort_after_writes_fails_every_later_write(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    nue.faults.abort_after_writes(2)
    statuses = [client.post("/orders", json=draft(tenant.acme, seats_line(nue))).status_code for _ in range(4)]
    assert statuses == [201, 201, 503, 503]
    assert client.post("/async/graphql", json=GRAPHQL).status_code == 200, "reads still work"
    assert client.get("/orders", params={"customerIds": "[]"}).status_code == 200
    assert len(nue.orders()) == 2
    nue.faults.clear()
    assert client.post("/orders", json=draft(tenant.acme, seats_line(nue))).status_code == 201


@pytest.mark.parametrize("by", ["id", "salesforceId"])
def test_fail_order_fails_writes_touching_that_order(nue: NueSandbox, client: httpx.Client, tenant: Tenant,
                                                     by: str) -> None:
    doomed = created_order(client.post("/orders", json=draft(tenant.acme, platform_line(nue), salesforceId="801D")))
    fine = created_order(client.post("/orders", json=draft(tenant.acme, seats_line(nue))))
    nue.faults.fail_order(doomed[by], status=422, error_code="VALIDATION_FAILED", message="no")
    error = error_of(client.patch(f"/orders/{doomed['id']}", json={"name": "x"}), 422)
    assert (error["errorCode"], error["message"]) == ("VALIDATION_FAILED", "no")
    assert error_of(client.post(f"/orders/{doomed['id']}", json={"options": {}}), 422)
    assert client.patch(f"/orders/{fine['id']}", json={"name": "y"}).status_code == 200
    assert client.get(f"/orders/{doomed['id']}").status_code == 200, "reads are not failed"


def test_fail_order_matches_a_create_by_its_salesforce_id(nue: NueSandbox, client: httpx.Client,
                                                          tenant: Tenant) -> None:
    nue.faults.fail_order("801NEW", times=1)
    body = draft(tenant.acme, platform_line(nue), salesforceId="801NEW")
    assert error_of(client.post("/orders", json=body), 500)["errorCode"] == "INTERNAL_ERROR"
    assert client.post("/orders", json=body).status_code == 201, "times=1: only the first attempt fails"


def test_latency_is_added_to_every_request(nue: NueSandbox, client: httpx.Client) -> None:
    nue.latency_ms = 120
    started = time.perf_counter()
    client.get("/settings/sync")
    client.get("/settings/sync")
    assert time.perf_counter() - started >= 0.24
