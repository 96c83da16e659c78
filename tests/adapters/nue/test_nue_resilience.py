"""How the Nue adapter survives a bad day: retries, backoff, 401, outages, malformed answers, paging.

Driven through `httpx.MockTransport` (see `nue_fakes`) so each failure is exact and instant; the
emulator-level versions of the same faults live in `test_nue_adapter_sandbox.py`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from nue_fakes import ScriptedNue, created_order, nue_json
from nue_scenarios import NUE_KEY_ENV, nue_settings, rep_created_order, self_service_cart

from nuesync.adapters.base import Outcome, WriteResult
from nuesync.adapters.nue import NueAdapter
from nuesync.adapters.nue_http import FailFast, run_writes
from nuesync.adapters.retry import RetryPolicy
from nuesync.errors import ApiUnavailableError, AuthenticationError, ConfigError, ExitCode, MissingSecretError
from nuesync.model import System

SECRET = "nue-secret-key-4242"
GRAPHQL = "POST /async/graphql"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def connect(sleeps: list[float]) -> Callable[..., NueAdapter]:
    """An adapter talking to a ScriptedNue, sleeping into `sleeps` instead of the clock."""

    def build(fake: ScriptedNue, *, max_retries: int = 3, **nue: Any) -> NueAdapter:
        retry = RetryPolicy(max_retries=max_retries, base_delay=0.5, sleep=sleeps.append, rng=random.Random(7))
        return NueAdapter(nue_settings(**nue), environ={NUE_KEY_ENV: SECRET}, transport=fake.transport(), retry=retry)

    return build


def test_every_request_carries_the_api_key_header(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue({"Order": []})

    connect(fake).fetch_orders()

    assert fake.requests[0].headers["nue-api-key"] == SECRET


def test_429_is_retried_after_the_servers_retry_after(connect: Callable[..., NueAdapter], sleeps: list[float]) -> None:
    fake = ScriptedNue().on(
        "GET /settings/sync",
        nue_json(429, {"status": "error"}, **{"Retry-After": "2"}),
        nue_json(200, {"status": "success", "data": {"syncDraftOrders": False}}),
    )

    assert connect(fake).draft_sync_enabled() is False
    assert sleeps == [2.0]
    assert fake.count("GET /settings/sync") == 2


def test_5xx_backs_off_exponentially_with_jitter(connect: Callable[..., NueAdapter], sleeps: list[float]) -> None:
    busy = nue_json(503, {"status": "error", "errorCode": "SERVICE_UNAVAILABLE", "message": "busy"})
    fake = ScriptedNue().on(
        "GET /settings/sync", busy, busy, busy, nue_json(200, {"status": "success", "data": {"syncDraftOrders": True}})
    )

    assert connect(fake).draft_sync_enabled() is True
    assert len(sleeps) == 3
    assert all(0 <= delay <= 0.5 * 2**attempt for attempt, delay in enumerate(sleeps))


def test_a_read_that_stays_unavailable_raises_after_the_last_retry(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue().on(
        GRAPHQL, nue_json(503, {"status": "error", "errorCode": "SERVICE_UNAVAILABLE", "message": "maintenance"})
    )

    with pytest.raises(ApiUnavailableError, match=r"SERVICE_UNAVAILABLE.*4 times: maintenance"):
        connect(fake, max_retries=3).fetch_orders()
    assert fake.count(GRAPHQL) == 4


def test_timeouts_are_retried_then_reported(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue().on(GRAPHQL, httpx.ReadTimeout("slow"))

    with pytest.raises(ApiUnavailableError, match=r"no answer within 2 s: POST /async/graphql failed 3 times"):
        connect(fake, max_retries=2, timeout_seconds=2).fetch_orders()
    assert fake.count(GRAPHQL) == 3


def test_an_unreachable_nue_names_the_url(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue().on(GRAPHQL, httpx.ConnectError("refused"))

    with pytest.raises(ApiUnavailableError, match=r"cannot reach Nue at https://nue\.example\.test"):
        connect(fake, base_url="https://nue.example.test/").fetch_customers()


def test_401_names_the_env_var_never_the_key_and_is_not_retried(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue().on(
        GRAPHQL, nue_json(401, {"status": "error", "errorCode": "UNAUTHORIZED", "message": f"bad key {SECRET}"})
    )

    with pytest.raises(AuthenticationError) as caught:
        connect(fake).fetch_orders()

    assert NUE_KEY_ENV in caught.value.message
    assert SECRET not in str(caught.value)
    assert fake.count(GRAPHQL) == 1


def test_a_missing_key_is_a_missing_secret_naming_the_variable() -> None:
    with pytest.raises(MissingSecretError, match=NUE_KEY_ENV):
        NueAdapter(nue_settings(), environ={})


def test_graphql_errors_are_reported_not_guessed(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue().on(GRAPHQL, nue_json(200, {"errors": [{"message": "field 'Region__c' not found"}]}))

    with pytest.raises(ApiUnavailableError, match="Region__c"):
        connect(fake).fetch_orders()


def test_an_answer_that_is_not_json_is_an_error_not_a_crash(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue().on(GRAPHQL, httpx.Response(200, content=b"<html>gateway</html>"))

    with pytest.raises(ApiUnavailableError, match="no data object"):
        connect(fake).fetch_orders()


def test_a_malformed_order_in_a_page_is_a_problem_and_the_rest_arrive(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue(
        {
            "Order": [
                self_service_cart(id="ok-1"),
                self_service_cart(id="bad", effectiveDate=7),
                self_service_cart(id="ok-2"),
            ]
        }
    )

    result = connect(fake).fetch_orders()

    assert [o.links.nue_id for o in result.orders] == ["ok-1", "ok-2"]
    assert [(p.record_id, p.field) for p in result.problems] == [("bad", "effectiveDate")]


def test_a_malformed_write_answer_fails_that_order_only(connect: Callable[..., NueAdapter]) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if b"801BAD" in request.content:
            return nue_json(201, {"status": "success", "data": {"order": {"orderNumber": "O-1"}}})
        return created_order(request)

    fake = ScriptedNue({"Order": []}).on("POST /orders", answer)

    results = connect(fake).upsert_orders(
        [rep_created_order("801A"), rep_created_order("801BAD"), rep_created_order("801C")]
    )

    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.FAILED, Outcome.CREATED]
    assert results[1].error_code == "MALFORMED_RESPONSE"
    assert "801BAD" in (results[1].message or "") and "data.order.id" in (results[1].message or "")
    assert results[0].line_ids == {"801A-L0": "nue-801A-0", "801A-L1": "nue-801A-1"}


def test_a_per_record_rejection_names_the_field_and_spares_the_others(connect: Callable[..., NueAdapter]) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if b"801BAD" in request.content:
            return nue_json(
                400,
                {
                    "status": "error",
                    "errorCode": "INVALID_VALUE",
                    "message": "not a valid period",
                    "field": "billingPeriod",
                },
            )
        return created_order(request)

    fake = ScriptedNue({"Order": []}).on("POST /orders", answer)

    results = connect(fake).upsert_orders([rep_created_order("801BAD"), rep_created_order("801B")])

    assert (results[0].outcome, results[0].error_code) == (Outcome.FAILED, "INVALID_VALUE")
    assert results[0].message == "not a valid period (field billingPeriod)"
    assert results[1].outcome is Outcome.CREATED


def test_an_outage_during_writes_fails_the_rest_fast(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue({"Order": []}).on(
        "POST /orders", nue_json(503, {"status": "error", "errorCode": "SERVICE_UNAVAILABLE"})
    )

    results = connect(fake, max_retries=1, max_concurrency=1).upsert_orders(
        [rep_created_order(f"801{i}") for i in range(10)]
    )

    assert all(r.outcome is Outcome.FAILED for r in results)
    assert [r.error_code for r in results[:3]] == ["SERVICE_UNAVAILABLE"] * 3
    assert {r.error_code for r in results[3:]} == {"API_UNAVAILABLE"}
    assert fake.count("POST /orders") == 3 * 2  # three orders tried (with one retry each), then none


def test_one_failing_order_does_not_trip_the_fail_fast(connect: Callable[..., NueAdapter]) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if b"801BAD" in request.content:
            return nue_json(500, {"status": "error", "errorCode": "INTERNAL"})
        return created_order(request)

    fake = ScriptedNue({"Order": []}).on("POST /orders", answer)
    orders = [rep_created_order("801BAD"), *(rep_created_order(f"801OK{i}") for i in range(6))]

    results = connect(fake, max_retries=0, max_concurrency=1).upsert_orders(orders)

    assert [r.outcome for r in results] == [Outcome.FAILED] + [Outcome.CREATED] * 6


def test_without_aggregates_paging_falls_back_to_short_pages(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue({"Order": [self_service_cart(id=f"o{i}") for i in range(5)]}, aggregates=False)

    result = connect(fake, page_size=2).fetch_orders()

    assert len(result.orders) == 5
    assert fake.count(GRAPHQL) == 1 + 3  # the refused counting query, then pages of 2, 2, 1


def test_a_silently_clamped_page_does_not_end_the_read(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue({"Order": [self_service_cart(id=f"o{i}") for i in range(7)]}, clamp=3)

    result = connect(fake, page_size=5).fetch_orders()

    assert [o.links.nue_id for o in result.orders] == [f"o{i}" for i in range(7)]
    assert fake.count(GRAPHQL) == 3


def test_rate_limit_headers_feed_api_usage(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue().on(
        "GET /settings/sync",
        nue_json(
            200,
            {"status": "success", "data": {"syncDraftOrders": True}},
            **{"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "990"},
        ),
    )
    adapter = connect(fake)
    assert adapter.api_usage() is None

    adapter.draft_sync_enabled()

    usage = adapter.api_usage()
    assert usage is not None and (usage.used, usage.limit, usage.remaining) == (10, 1000, 990)


def test_a_settings_answer_without_the_flag_is_an_error(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue().on("GET /settings/sync", nue_json(200, {"status": "success", "data": {}}))

    with pytest.raises(ApiUnavailableError, match="syncDraftOrders"):
        connect(fake).draft_sync_enabled()


def test_the_adapter_is_an_order_system_for_nue(connect: Callable[..., NueAdapter]) -> None:
    with connect(ScriptedNue()) as adapter:
        assert adapter.system is System.NUE


def test_ctrl_c_starts_no_further_write() -> None:
    started: list[int] = []

    def write(index: int) -> Callable[[], WriteResult]:
        def run() -> WriteResult:
            started.append(index)
            if index == 3:
                raise KeyboardInterrupt
            time.sleep(0.005)
            return WriteResult(key=str(index), outcome=Outcome.CREATED)

        return run

    with pytest.raises(KeyboardInterrupt):
        run_writes([(str(i), write(i)) for i in range(200)], 4, FailFast())

    assert len(started) < 200


def test_each_write_is_told_once_from_the_worker_that_ran_it() -> None:
    told: list[str] = []
    lock = threading.Lock()

    def written() -> None:
        with lock:
            told.append(threading.current_thread().name)

    def write(index: int) -> Callable[[], WriteResult]:
        def run() -> WriteResult:
            time.sleep(0.001)
            return WriteResult(key=str(index), outcome=Outcome.CREATED)

        return run

    refused = WriteResult(key="r", outcome=Outcome.FAILED, error_code="CUSTOMER_NOT_LINKED", message="link it")
    writes: list[tuple[str, Callable[[], WriteResult] | WriteResult]] = [
        *((str(i), write(i)) for i in range(60)), ("r", refused)
    ]

    results = run_writes(writes, 4, FailFast(), written)

    assert len(results) == len(told) == 61
    assert all(name.startswith("nue-write") for name in told)  # as each answers, not after the batch
    assert len(set(told)) > 1


def _customer_not_found(request: httpx.Request) -> httpx.Response:
    return nue_json(404, {"status": "error", "errorCode": "CUSTOMER_NOT_FOUND", "message": "no customer cust-acme"})


def test_twenty_identical_failures_stop_the_rest_of_the_batch(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue({"Order": []}).on("POST /orders", _customer_not_found)

    results = connect(fake, max_concurrency=1).upsert_orders([rep_created_order(f"801{i:03d}") for i in range(25)])

    assert [r.key for r in results] == [f"801{i:03d}" for i in range(25)]
    assert fake.count("POST /orders") == 20
    assert [r.error_code for r in results] == ["CUSTOMER_NOT_FOUND"] * 20 + ["STOPPED_EARLY"] * 5
    assert results[20].message == (
        "not sent: the previous 20 writes all failed with CUSTOMER_NOT_FOUND (no customer cust-acme); "
        "fix that and run again"
    )


def _failing(code: str, sent: list[str]) -> Callable[[], WriteResult]:
    def run() -> WriteResult:
        sent.append(code)
        return WriteResult(key=code, outcome=Outcome.FAILED, error_code=code, message=f"{code} happened")

    return run


def test_the_early_stop_holds_with_writes_in_parallel_and_keeps_the_order() -> None:
    sent: list[str] = []
    writes: list[tuple[str, Callable[[], WriteResult] | WriteResult]] = [
        (str(i), _failing("CUSTOMER_NOT_FOUND", sent)) for i in range(100)
    ]

    results = run_writes(writes, 4, FailFast())

    assert 20 <= len(sent) <= 20 + 3  # writes already running when the 20th failed still finish
    codes = [r.error_code for r in results]
    assert codes == ["CUSTOMER_NOT_FOUND"] * len(sent) + ["STOPPED_EARLY"] * (100 - len(sent))


def test_refusals_made_before_sending_neither_count_nor_are_replaced() -> None:
    sent: list[str] = []
    found = "CUSTOMER_NOT_FOUND"
    refused = WriteResult(key="r", outcome=Outcome.FAILED, error_code=found, message="refused before sending")
    linked = WriteResult(key="l", outcome=Outcome.FAILED, error_code="CUSTOMER_NOT_LINKED", message="link it")
    writes: list[tuple[str, Callable[[], WriteResult] | WriteResult]] = [
        *(("s", _failing(found, sent)) for _ in range(10)),
        *(("r", refused) for _ in range(30)),
        *(("s", _failing(found, sent)) for _ in range(9)),
        ("o", _failing("OTHER", sent)),  # 19 sent failures so far in a row: still sent
        *(("s", _failing(found, sent)) for _ in range(20)),
        ("l", linked),
        ("x", _failing("OTHER", sent)),
    ]

    results = run_writes(writes, 1, FailFast())

    assert len(sent) == 40
    assert results[-2] is linked
    assert (results[-1].key, results[-1].error_code) == ("x", "STOPPED_EARLY")


def test_failures_with_different_codes_never_stop_the_batch() -> None:
    sent: list[str] = []
    writes: list[tuple[str, Callable[[], WriteResult] | WriteResult]] = [
        (str(i), _failing(f"CODE_{i % 2}", sent)) for i in range(60)
    ]

    results = run_writes(writes, 1, FailFast())

    assert len(sent) == 60
    assert "STOPPED_EARLY" not in {r.error_code for r in results}


def test_a_key_echoed_in_a_per_record_error_is_masked(connect: Callable[..., NueAdapter]) -> None:
    echo = nue_json(400, {"status": "error", "errorCode": "INVALID_VALUE", "message": f"header nue-api-key={SECRET}"})
    fake = ScriptedNue({"Order": []}).on("POST /orders", echo)

    (result,) = connect(fake).upsert_orders([rep_created_order("801A")])

    assert result.message == "header nue-api-key=***"


def test_a_key_echoed_by_an_outage_is_masked(connect: Callable[..., NueAdapter]) -> None:
    echo = nue_json(503, {"status": "error", "errorCode": "SERVICE_UNAVAILABLE", "message": f"key {SECRET} throttled"})
    fake = ScriptedNue().on(GRAPHQL, echo)

    with pytest.raises(ApiUnavailableError) as caught:
        connect(fake, max_retries=0).fetch_orders()

    assert SECRET not in caught.value.message
    assert "key *** throttled" in caught.value.message


def test_a_key_echoed_in_graphql_errors_is_masked(connect: Callable[..., NueAdapter]) -> None:
    fake = ScriptedNue().on(GRAPHQL, nue_json(200, {"errors": [{"message": f"unknown role for key {SECRET}"}]}))

    with pytest.raises(ApiUnavailableError) as caught:
        connect(fake).fetch_orders()

    assert caught.value.message.endswith("unknown role for key ***")


@pytest.mark.parametrize("key", ["clé-secrète-1234", "key-✓-1234", " padded-key-1234"])
def test_a_key_that_cannot_be_a_header_names_the_variable_never_the_key(key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        NueAdapter(nue_settings(), environ={NUE_KEY_ENV: key})

    assert caught.value.exit_code is ExitCode.USAGE
    assert NUE_KEY_ENV in caught.value.message
    assert key.strip() not in caught.value.message
