"""Retries, re-login, API limits and crashes mid-run, driven by the emulator's fault injection."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from nuesync.adapters.base import Outcome
from nuesync.adapters.retry import RetryPolicy
from nuesync.adapters.salesforce import SalesforceAdapter, partial_results
from nuesync.adapters.salesforce_http import record_error
from nuesync.errors import ApiBudgetExhaustedError, ApiUnavailableError, AuthenticationError, ExitCode
from nuesync.model import Customer, Links
from tests.adapters.salesforce.sf_support import (
    Answer,
    Org,
    ScriptedHost,
    Waits,
    nue_cart,
    sf_settings,
)

ORDER_UPSERT = "PATCH composite/sobjects/Order/Nue_Order_Id__c"
ORDER_CREATE = "POST composite/sobjects"
LINE_UPSERT = "PATCH composite/sobjects/OrderItem/Nue_Order_Product_Id__c"


def test_a_503_is_retried_with_growing_jittered_waits(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], waits: Waits
) -> None:
    org.sandbox.seed_synthetic(3)
    adapter = adapter_for(org, max_retries=3)
    org.sandbox.faults.fail_next(3, status=503, endpoint="GET query")

    result = adapter.fetch_orders()

    assert len(result.orders) == 3
    assert org.sandbox.counters["GET query"] == 4
    assert len(waits.seconds) == 3
    ceilings = [0.5, 1.0, 2.0]  # base 0.5 s doubling, full jitter below each ceiling
    assert all(0 <= wait <= ceiling for wait, ceiling in zip(waits.seconds, ceilings, strict=True))


def test_503s_beyond_the_retry_budget_stop_the_run_naming_the_org(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], waits: Waits
) -> None:
    adapter = adapter_for(org, max_retries=2)
    org.sandbox.faults.fail_next(10, status=503)

    with pytest.raises(ApiUnavailableError, match="HTTP 503") as caught:
        adapter.fetch_customers()

    assert org.url in caught.value.message
    assert caught.value.exit_code is ExitCode.API_UNAVAILABLE
    assert len(waits.seconds) == 2


def test_a_request_that_times_out_is_sent_again(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], waits: Waits
) -> None:
    org.sandbox.insert("Account", {"Name": "Acme"})
    adapter = adapter_for(org, timeout_seconds=0.2)
    org.sandbox.latency_ms = 600
    adapter.connection.retry = RetryPolicy(max_retries=2, sleep=lambda _: setattr(org.sandbox, "latency_ms", 0))

    assert [c.name for c in adapter.fetch_customers()] == ["Acme"]
    assert org.sandbox.counters["GET query"] == 2


def test_a_request_that_keeps_timing_out_stops_the_run(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], waits: Waits
) -> None:
    adapter = adapter_for(org, max_retries=1, timeout_seconds=0.2)
    org.sandbox.latency_ms = 600

    with pytest.raises(ApiUnavailableError, match=r"no answer within 0.2 s \(after 2 attempts\)"):
        adapter.fetch_customers()

    assert len(waits.seconds) == 1


def test_a_locked_row_on_an_activation_is_sent_again_on_its_own(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], acme: Customer, waits: Waits
) -> None:
    adapter = adapter_for(org)
    (created,) = adapter.upsert_orders([nue_cart(1, acme)])
    org.sandbox.faults.lock_rows(2)
    org.sandbox.reset_counters()

    (result,) = adapter.activate_many([str(created.record_id)])

    assert result.outcome is Outcome.UPDATED
    assert org.sandbox.counters == {"PATCH composite/sobjects": 3}
    assert len(waits.seconds) == 2


def test_locked_rows_in_a_collection_are_sent_again_and_nothing_is_doubled(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], acme: Customer
) -> None:
    adapter = adapter_for(org)
    org.sandbox.faults.lock_rows(1)  # the first write request: every record in it is locked

    results = adapter.upsert_orders([nue_cart(n, acme) for n in range(4)])

    assert Counter(r.outcome for r in results) == {Outcome.CREATED: 4}
    assert org.sandbox.counters[ORDER_CREATE] == 2
    assert len(org.sandbox.records("Order")) == 4


def test_rows_still_locked_after_every_retry_are_reported_per_record(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], acme: Customer
) -> None:
    adapter = adapter_for(org, max_retries=2)
    org.sandbox.faults.lock_rows(3)

    results = adapter.upsert_orders([nue_cart(n, acme) for n in range(2)])

    assert [(r.outcome, r.error_code) for r in results] == [(Outcome.FAILED, "UNABLE_TO_LOCK_ROW")] * 2
    assert org.sandbox.records("Order") == []


@pytest.mark.parametrize(
    ("auth", "login"),
    [
        ("password", "POST services/Soap/u/{version}"),
        ("client_credentials", "POST services/oauth2/token"),
    ],
)
def test_an_expired_session_logs_in_again_once_and_carries_on(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], acme: Customer, auth: str, login: str
) -> None:
    adapter = adapter_for(org, auth=auth)
    org.sandbox.faults.expire_session_after(2)

    results = adapter.upsert_orders([nue_cart(n, acme) for n in range(3)])

    assert Counter(r.outcome for r in results) == {Outcome.CREATED: 3}
    assert org.sandbox.counters[login] == 2
    assert len(org.sandbox.records("OrderItem")) == 9


def test_an_expired_session_id_cannot_be_renewed_and_says_which_variable_to_refresh(
    org: Org, adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    adapter = adapter_for(org, auth="session")
    org.sandbox.faults.expire_session_after(1)
    adapter.fetch_customers()

    with pytest.raises(AuthenticationError, match="SF_SESSION_ID") as caught:
        adapter.fetch_customers()

    assert caught.value.exit_code is ExitCode.API_UNAVAILABLE


def test_a_spent_daily_limit_stops_the_run_with_exit_6(
    adapter_for: Callable[..., SalesforceAdapter], new_org_for: Callable[..., Org], waits: Waits
) -> None:
    org = new_org_for(daily_api_limit=1000)
    org.sandbox.api_usage = 999
    adapter = adapter_for(org)

    adapter.fetch_customers()
    with pytest.raises(ApiBudgetExhaustedError, match="1000/1000") as caught:
        adapter.fetch_customers()

    assert caught.value.exit_code is ExitCode.NOT_RUN_NOW
    assert waits.seconds == []


def test_api_usage_follows_sforce_limit_info(
    adapter_for: Callable[..., SalesforceAdapter], new_org_for: Callable[..., Org]
) -> None:
    org = new_org_for(daily_api_limit=15_000)
    org.sandbox.api_usage = 4_200
    adapter = adapter_for(org)
    assert adapter.api_usage() is None

    adapter.fetch_customers()
    adapter.fetch_customers()

    usage = adapter.api_usage()
    assert usage is not None
    assert (usage.used, usage.limit, usage.remaining) == (4_202, 15_000, 10_798)


def test_a_limit_hit_mid_upsert_reports_what_was_written(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], acme: Customer
) -> None:
    adapter = adapter_for(org)
    carts = [nue_cart(n, acme) for n in range(250)]
    adapter.price_book_entries(["NUE-SEAT"])  # warm the price book cache: fewer reads before the writes
    org.sandbox.api_usage = org.sandbox.app.daily_api_limit - 2  # the entries, then the first order call

    with pytest.raises(ApiBudgetExhaustedError) as caught:
        adapter.upsert_orders(carts)

    results = partial_results(caught.value)
    assert len(results) == 250
    assert {r.error_code for r in results} == {"RUN_STOPPED"}
    assert all(r.record_id for r in results[:200]) and not any(r.record_id for r in results[200:])
    assert str(results[0].message).startswith(
        f"order header written (Salesforce Order {results[0].record_id}) but lines OP-00000-0, OP-00000-1, "
        "OP-00000-2 were not: the Salesforce org's daily API request limit is spent"
    )
    assert str(results[200].message).startswith("not written: the Salesforce org's daily API request limit")
    assert len(org.sandbox.records("Order")) == 200


def test_a_crash_mid_run_then_a_rerun_leaves_exactly_one_of_each(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], acme: Customer
) -> None:
    carts = [nue_cart(n, acme) for n in range(450)]
    org.sandbox.faults.abort_after_writes(4)  # 3 order calls, then 1 of 7 line calls; then 503s

    with pytest.raises(ApiUnavailableError) as caught:
        adapter_for(org, max_retries=1).upsert_orders(carts)
    org.sandbox.faults.clear()
    rerun = adapter_for(org).upsert_orders(carts)

    stopped = partial_results(caught.value)
    assert Counter(r.outcome for r in stopped) == {Outcome.CREATED: 66, Outcome.FAILED: 384}  # 198 lines landed
    straddling = stopped[66]  # its first two lines were in the call that landed, its third was not
    assert (straddling.error_code, set(straddling.line_ids)) == ("RUN_STOPPED", {"OP-00066-0", "OP-00066-1"})
    assert "but lines OP-00066-2 were not" in str(straddling.message)
    assert "but lines OP-00200-0, OP-00200-1, OP-00200-2 were not" in str(stopped[200].message)
    assert Counter(r.outcome for r in rerun) == {Outcome.UPDATED: 450}
    per_order = Counter(row["Nue_Order_Id__c"] for row in org.sandbox.records("Order"))
    per_line = Counter(row["Nue_Order_Product_Id__c"] for row in org.sandbox.records("OrderItem"))
    assert set(per_order.values()) == {1}
    assert set(per_line.values()) == {1}
    assert (len(per_order), len(per_line)) == (450, 1350)


EMPTY_PAGE = {"totalSize": 0, "done": True, "records": []}


def test_retry_after_is_honoured(waits: Waits) -> None:
    host = ScriptedHost(
        Answer(503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "busy"}], {"Retry-After": "7"}),
        Answer(200, EMPTY_PAGE),
    )
    adapter = SalesforceAdapter(
        sf_settings("https://busy.example.invalid"),
        environ={"SF_SESSION_ID": "00Dx!s"},
        session=host.session(),
        retry=waits.policy(),
    )

    assert adapter.fetch_customers() == []
    assert waits.seconds == [7.0]
    assert len(host.requests) == 2


def test_a_permission_refusal_stops_the_run_as_an_access_problem(waits: Waits) -> None:
    refusal = [{"errorCode": "INSUFFICIENT_ACCESS", "message": "insufficient access rights on object id"}]
    host = ScriptedHost(Answer(403, refusal))
    adapter = SalesforceAdapter(
        sf_settings("https://org.example.invalid"),
        environ={"SF_SESSION_ID": "00Dx!s"},
        session=host.session(),
        retry=waits.policy(),
    )

    with pytest.raises(AuthenticationError, match="INSUFFICIENT_ACCESS") as caught:
        adapter.fetch_orders()

    assert "permission" in caught.value.message
    assert waits.seconds == []


def test_a_500_on_a_read_is_retried_like_a_503(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], waits: Waits
) -> None:
    org.sandbox.insert("Account", {"Name": "Acme"})
    adapter = adapter_for(org, max_retries=3)
    org.sandbox.faults.fail_next(2, status=500, endpoint="GET query")

    assert [c.name for c in adapter.fetch_customers()] == ["Acme"]
    assert org.sandbox.counters["GET query"] == 3
    assert len(waits.seconds) == 2


def test_a_500_that_persists_on_a_read_stops_the_run_as_unavailable_naming_the_request(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], waits: Waits
) -> None:
    adapter = adapter_for(org, max_retries=2)
    org.sandbox.faults.fail_next(10, status=500)

    with pytest.raises(ApiUnavailableError) as caught:
        adapter.describe("Order")

    assert caught.value.exit_code is ExitCode.API_UNAVAILABLE
    assert "HTTP 500 for GET sobjects/Order/describe (UNKNOWN_EXCEPTION: An unexpected error" in caught.value.message
    assert len(waits.seconds) == 2


def test_a_5xx_answer_to_a_write_request_is_unavailability_never_a_request_error(waits: Waits) -> None:
    host = ScriptedHost(Answer(500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "try later"}]))
    adapter = SalesforceAdapter(
        sf_settings("https://org.example.invalid"),
        environ={"SF_SESSION_ID": "00Dx!s"},
        session=host.session(),
        retry=waits.policy(),
    )

    with pytest.raises(ApiUnavailableError, match=r"HTTP 500 for PATCH sobjects/Order/801x \(UNKNOWN_EXCEPTION"):
        adapter.connection.request("PATCH", "sobjects/Order/801x", body="{}")

    assert len(host.requests) == 1  # a write is not repeated on a 500
    assert waits.seconds == []


def test_a_500_on_a_collections_write_fails_its_records_and_stops_the_batch_early(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], acme: Customer
) -> None:
    adapter = adapter_for(org)
    org.sandbox.faults.fail_next(1, status=500, endpoint=ORDER_CREATE)

    results = adapter.upsert_orders([nue_cart(n, acme) for n in range(250)])

    assert Counter(r.error_code for r in results) == {"UNKNOWN_EXCEPTION": 200, "STOPPED_EARLY": 50}
    assert org.sandbox.counters[ORDER_CREATE] == 1
    assert str(results[200].message).endswith(
        "not sent: the previous 20 writes all failed with UNKNOWN_EXCEPTION (An unexpected error occurred. "
        "Please include this ErrorId if you contact support.); fix that and run again"
    )


def test_identical_per_record_failures_stop_the_rest_of_the_batch(
    org: Org, adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    adapter = adapter_for(org)
    ghosts = [Customer(links=Links(salesforce_id=f"001{n:012d}AAA", nue_id=f"CUS-{n}")) for n in range(450)]

    results = adapter.link_customers(ghosts)

    assert [r.key for r in results] == [c.links.salesforce_id for c in ghosts]
    assert Counter(r.error_code for r in results) == {"INVALID_CROSS_REFERENCE_KEY": 200, "STOPPED_EARLY": 250}
    assert org.sandbox.counters["PATCH composite/sobjects"] == 1
    assert "the previous 20 writes all failed with INVALID_CROSS_REFERENCE_KEY" in str(results[-1].message)


def _collection_answer(count: int, failing: range, code: str = "DUPLICATE_VALUE") -> list[dict[str, object]]:
    failure = {"success": False, "errors": [{"statusCode": code, "message": "duplicate", "fields": []}]}
    return [failure if i in failing else {"success": True, "id": f"001{i:015d}"} for i in range(count)]


@pytest.mark.parametrize(
    ("failing", "calls"),
    [
        (range(180, 200), 1),  # the first call ends with 20 identical failures: the rest is not sent
        (range(181, 200), 2),  # 19 are not enough
        (range(20), 2),  # 20 at the start, then successes: the run of failures is over
    ],
)
def test_the_early_stop_counts_the_failures_that_end_a_call(waits: Waits, failing: range, calls: int) -> None:
    host = ScriptedHost(Answer(200, _collection_answer(200, failing)), Answer(200, _collection_answer(100, range(0))))
    adapter = SalesforceAdapter(
        sf_settings("https://org.example.invalid"),
        environ={"SF_SESSION_ID": "00Dx!s"},
        session=host.session(),
        retry=waits.policy(),
    )
    records = [{"attributes": {"type": "Account"}, "id": f"001{i:015d}"} for i in range(300)]

    answers = list(adapter.connection.write_collection("PATCH", "composite/sobjects", records))

    assert len(answers) == 300
    assert len(host.requests) == calls
    stopped = [a for a in answers if record_error(a).get("statusCode") == "STOPPED_EARLY"]
    assert len(stopped) == (100 if calls == 1 else 0)


SESSION = "00Dx!echoed-session"


def _echoing_adapter(waits: Waits, *answers: Answer) -> SalesforceAdapter:
    return SalesforceAdapter(
        sf_settings("https://org.example.invalid"),
        environ={"SF_SESSION_ID": SESSION},
        session=ScriptedHost(*answers).session(),
        retry=waits.policy(),
    )


def test_a_session_echoed_in_a_per_record_error_is_masked(waits: Waits) -> None:
    echo = {"success": False, "errors": [{"statusCode": "INVALID_FIELD", "message": f"bad for {SESSION}"}]}
    adapter = _echoing_adapter(waits, Answer(200, [echo]))

    (result,) = adapter.link_customers([Customer(links=Links(salesforce_id="001000000000001AAA", nue_id="C-1"))])

    assert result.message == "INVALID_FIELD: bad for ***"


def test_a_session_echoed_in_a_refused_collections_call_is_masked(waits: Waits) -> None:
    adapter = _echoing_adapter(waits, Answer(400, [{"errorCode": "FIELD_INTEGRITY_EXCEPTION", "message": SESSION}]))

    (result,) = adapter.activate_many(["801000000000001AAA"])

    assert (result.error_code, result.message) == ("FIELD_INTEGRITY_EXCEPTION", "FIELD_INTEGRITY_EXCEPTION: ***")


def test_a_session_echoed_by_a_failing_read_is_masked(waits: Waits) -> None:
    adapter = _echoing_adapter(waits, Answer(500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": SESSION}]))
    adapter.connection.retry = waits.policy(0)

    with pytest.raises(ApiUnavailableError) as caught:
        adapter.fetch_customers()

    assert SESSION not in caught.value.message
    assert "(UNKNOWN_EXCEPTION: ***)" in caught.value.message
