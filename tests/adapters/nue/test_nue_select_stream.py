"""`NueHttp.select` decodes each GraphQL page one row at a time: the same rows `json.loads` gave, the
same paging, and the same errors; `fetch_orders` translates each row as it arrives."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nue_fakes import ScriptedNue, nue_json
from nue_scenarios import NUE_KEY_ENV, nue_settings, self_service_cart

from nuesync.adapters.nue import NueAdapter
from nuesync.adapters.nue_http import NueGraphQLError
from nuesync.adapters.retry import RetryPolicy
from nuesync.errors import ApiUnavailableError

GRAPHQL = "POST /async/graphql"
Handler = Callable[[httpx.Request], httpx.Response]


def connect(answer: Handler, **nue: Any) -> NueAdapter:
    retry = RetryPolicy(max_retries=0, sleep=lambda _seconds: None, rng=random.Random(1))
    return NueAdapter(nue_settings(**nue), environ={NUE_KEY_ENV: "key"}, transport=httpx.MockTransport(answer),
                      retry=retry)


def variables(request: httpx.Request) -> dict[str, Any]:
    return dict(json.loads(request.content)["variables"])


def asks_count(request: httpx.Request) -> bool:
    return "Order_aggregate" in json.loads(request.content)["query"]


_rows = st.lists(
    st.dictionaries(st.sampled_from(["id", "name", "quantity", "listPrice", "é\u2028"]),
                    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=5)),
    max_size=12,
)
_layouts = st.sampled_from([{}, {"indent": 2}, {"separators": (",", ":")}, {"ensure_ascii": False}])


def old_select(answer: Handler, page_size: int) -> list[Any]:
    """What `select` returned when it decoded each answer whole with `json.loads`: the reference."""
    rows: list[Any] = []
    total, count_rows = None, True
    while True:
        counting = count_rows and not rows
        fields = "Order(where: {}) { id }" + (" Order_aggregate(where: {}) { aggregate { count } }" if counting else "")
        asked = {"query": f"query {{ {fields} }}", "variables": {"limit": page_size, "offset": len(rows)}}
        request = httpx.Request("POST", "https://nue.invalid/async/graphql", content=json.dumps(asked).encode())
        body = json.loads(answer(request).content, parse_float=Decimal)
        if body.get("errors"):
            assert counting
            count_rows = False
            continue
        page = body["data"]["Order"]
        total = body["data"]["Order_aggregate"]["aggregate"]["count"] if counting else total
        rows.extend(page)
        if not page or (len(rows) >= total if total is not None else len(page) < page_size):
            return rows


@settings(max_examples=150, deadline=None)
@given(_rows, st.integers(1, 5), st.sampled_from([None, 2, 3]), st.booleans(), st.booleans(), _layouts)
def test_streamed_rows_are_the_rows_json_loads_gave(
    table: list[dict[str, Any]], page_size: int, clamp: int | None, aggregates: bool, count_first: bool,
    layout: dict[str, Any],
) -> None:
    asked: list[tuple[int, bool]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        offset, limit = variables(request)["offset"], variables(request)["limit"]
        asked.append((offset, asks_count(request)))
        if asks_count(request) and not aggregates:
            return nue_json(200, {"errors": [{"message": "field 'Order_aggregate' not found"}]})
        data: dict[str, Any] = {"Order": table[offset : offset + min(limit, clamp or limit)]}
        if asks_count(request):
            count = {"Order_aggregate": {"aggregate": {"count": len(table)}}}
            data = {**count, **data} if count_first else {**data, **count}
        return httpx.Response(200, content=json.dumps({"data": data}, **layout).encode())

    expected = old_select(answer, page_size)
    old_requests, asked[:] = list(asked), []

    assert list(connect(answer).http.select("Order", "{ id }", {}, page_size)) == expected
    assert asked == old_requests


def test_each_row_is_handed_on_before_the_next_page_is_asked_for() -> None:
    fake = ScriptedNue({"Order": [{"id": f"o{i}"} for i in range(5)]})
    rows = connect(fake).http.select("Order", "{ id }", {}, 2)

    assert next(rows) == {"id": "o0"}
    assert fake.count(GRAPHQL) == 1
    assert [row["id"] for row in rows] == ["o1", "o2", "o3", "o4"]
    assert fake.count(GRAPHQL) == 3


def test_fetch_orders_translates_each_order_as_its_page_arrives(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = ScriptedNue({"Order": [self_service_cart(id=f"o{i}") for i in range(5)]})
    adapter = connect(fake, page_size=2)
    translate = adapter.wire.orders_from_wire
    asked_before_first: list[int] = []

    def watched(records: Iterable[Any]) -> Any:
        assert not isinstance(records, list)
        records = iter(records)
        first = next(records)
        asked_before_first.append(fake.count(GRAPHQL))
        return translate([first, *records])

    monkeypatch.setattr(adapter.wire, "orders_from_wire", watched)

    result = adapter.fetch_orders()

    assert [o.links.nue_id for o in result.orders] == [f"o{i}" for i in range(5)]
    assert asked_before_first == [1]


def _no_data(body: bytes) -> str:
    with pytest.raises(ApiUnavailableError) as caught:
        connect(lambda _request: httpx.Response(200, content=body)).fetch_orders()
    return caught.value.message


def test_a_page_cut_short_is_the_error_an_answer_that_is_not_json_is() -> None:
    orders = [self_service_cart(id="o1"), self_service_cart(id="o2")]
    cut_in_the_second = json.dumps({"data": {"Order": orders}}, default=str).encode()[:-30]

    assert _no_data(cut_in_the_second) == _no_data(b"<html>gateway</html>")
    assert _no_data(b"<html>gateway</html>") == "Nue's GraphQL answer for Order has no data object"


@pytest.mark.parametrize(
    ("body", "message"),
    [({"data": {"Order": None}}, "Nue's GraphQL answer has no list at data.Order"),
     ({"data": [1]}, "Nue's GraphQL answer for Order has no data object"),
     ([{"data": {}}], "Nue's GraphQL answer for Order has no data object")],
)
def test_an_answer_without_a_list_of_rows_is_the_same_error(body: Any, message: str) -> None:
    with pytest.raises(ApiUnavailableError) as caught:
        connect(lambda _request: nue_json(200, body)).fetch_orders()

    assert caught.value.message == message


def test_graphql_errors_after_the_rows_still_refuse_the_read() -> None:
    body = {"data": {"Order": [self_service_cart(id="o1")]}, "errors": [{"message": "permission denied on name"}]}

    with pytest.raises(NueGraphQLError) as caught:
        connect(lambda _request: nue_json(200, body)).fetch_orders()

    assert caught.value.message == "Nue rejected the GraphQL query for Order: permission denied on name"


def test_an_error_status_is_read_whole_as_before() -> None:
    refused = nue_json(400, {"status": "error", "errorCode": "INVALID_QUERY", "message": "bad where for key"})

    with pytest.raises(ApiUnavailableError) as caught:
        connect(lambda _request: refused).fetch_orders()

    assert caught.value.message == "Nue answered INVALID_QUERY to the GraphQL query for Order: bad where for key"


def test_a_count_refused_after_some_rows_resumes_after_them() -> None:
    table = [{"id": f"o{i}"} for i in range(5)]
    offsets: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked = variables(request)
        offsets.append(asked["offset"])
        rows = table[asked["offset"] : asked["offset"] + asked["limit"]]
        if asks_count(request):
            return nue_json(200, {"data": {"Order": rows}, "errors": [{"message": "no field 'Order_aggregate'"}]})
        return nue_json(200, {"data": {"Order": rows}})

    rows = list(connect(answer).http.select("Order", "{ id }", {}, 2))

    assert rows == table
    assert offsets == [0, 2, 4]
