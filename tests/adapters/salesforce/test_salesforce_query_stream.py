"""`SalesforceConnection.query` decodes each page one row at a time: the same rows `json.loads` gave,
children completed across their own pages, and the same errors for refused or malformed pages."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from requests.adapters import BaseAdapter

from nuesync.adapters.salesforce import SalesforceAdapter
from nuesync.adapters.salesforce_http import SalesforceConnection, SalesforceRequestError, SalesforceSchemaError
from nuesync.errors import ApiUnavailableError
from tests.adapters.salesforce.sf_support import Waits, sf_settings

SESSION = "00Dx!streamed-session"
QUERY = "/services/data/v62.0/query"
SOQL = "SELECT Id, (SELECT Id FROM OrderItems) FROM Order"


class PagedHost(BaseAdapter):
    """A Salesforce host answering each path with the raw bytes scripted for it (`query` for the first page)."""

    def __init__(self, bodies: dict[str, bytes], statuses: dict[str, int] | None = None) -> None:
        super().__init__()
        self.bodies = bodies
        self.statuses = statuses or {}
        self.paths: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        path = str(request.path_url).partition("?")[0]
        self.paths.append(path)
        response = requests.Response()
        response.request, response.url = request, str(request.url)
        response.status_code = self.statuses.get(path, 200)
        response._content = self.bodies[path]
        response.headers["Content-Type"] = "application/json"
        return response

    def close(self) -> None:
        return


def connect(host: PagedHost, waits: Waits, max_retries: int = 0) -> SalesforceConnection:
    session = requests.Session()
    session.mount("https://", host)
    adapter = SalesforceAdapter(sf_settings("https://org.example.invalid"), environ={"SF_SESSION_ID": SESSION},
                                session=session, retry=waits.policy(max_retries))
    return adapter.connection


def old_query(bodies: dict[str, bytes]) -> list[Any]:
    """What `query` returned when it decoded each page whole with `json.loads`: the reference."""

    def get(path: str) -> Any:
        return json.loads(bodies[path], parse_float=Decimal)

    rows, page = [], get(QUERY)
    while True:
        for record in page["records"]:
            for value in record.values():
                while isinstance(value, dict) and "records" in value and not value.get("done", True):
                    more = get(value["nextRecordsUrl"])
                    value["records"].extend(more["records"])
                    value["done"] = more.get("done", True)
                    value["nextRecordsUrl"] = more.get("nextRecordsUrl")
            rows.append(record)
        if page.get("done", True):
            return rows
        page = get(page["nextRecordsUrl"])


_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
_fields = st.dictionaries(st.sampled_from(["Name", "Quantity", "UnitPrice", "Nue_Id__c", "é\u2028"]), _scalars)
_layouts = st.sampled_from([{}, {"indent": 2}, {"separators": (",", ":")}, {"ensure_ascii": False}])


def _child_pages(order: int, pages: list[list[dict[str, Any]]], bodies: dict[str, bytes], dump: Any) -> Any:
    """A subquery's first page inline (its `nextRecordsUrl` when it has more), the rest as bodies."""
    urls = [f"{QUERY}/01gCHILD-{order}-{i}" for i in range(1, len(pages))]
    for i, url in enumerate(urls, start=1):
        more = {"totalSize": sum(map(len, pages)), "done": i == len(urls), "records": pages[i]}
        bodies[url] = dump({**more, "nextRecordsUrl": urls[i]} if i < len(urls) else more)
    first = {"totalSize": sum(map(len, pages)), "done": not urls, "records": pages[0]}
    return {**first, "nextRecordsUrl": urls[0]} if urls else first


@st.composite
def query_pages(draw: st.DrawFn) -> dict[str, bytes]:
    """The bodies of one paged query: parent pages, their rows' inline subqueries and those subqueries' next pages."""
    layout = draw(_layouts)

    def dump(value: Any) -> bytes:
        return json.dumps(value, **layout).encode()

    bodies: dict[str, bytes] = {}
    parents = draw(st.lists(st.lists(_fields, max_size=3), min_size=1, max_size=3))
    total = sum(map(len, parents))
    urls = [QUERY] + [f"{QUERY}/01gNEXT-{i}" for i in range(1, len(parents))]
    for number, (url, rows) in enumerate(zip(urls, parents, strict=True)):
        records = []
        for index, fields in enumerate(rows):
            children = draw(st.lists(st.lists(_fields, max_size=2), min_size=1, max_size=3))
            items = _child_pages(number * 10 + index, children, bodies, dump)
            record = {"attributes": {"type": "Order"}, "Id": f"801-{number}-{index}", **fields, "OrderItems": items}
            records.append(record if draw(st.booleans()) else {"OrderItems": items, **record})
        page: dict[str, Any] = {"totalSize": total, "done": url == urls[-1], "records": records}
        if url != urls[-1]:
            page["nextRecordsUrl"] = urls[number + 1]
        bodies[url] = dump(dict(reversed(page.items())) if draw(st.booleans()) else page)
    return bodies


@settings(max_examples=150, deadline=None)
@given(query_pages())
def test_streamed_rows_are_the_rows_json_loads_gave(bodies: dict[str, bytes]) -> None:
    connection = connect(PagedHost(bodies), Waits())

    assert list(connection.query(SOQL)) == old_query(bodies)


def test_each_row_is_handed_on_before_the_next_page_is_asked_for(waits: Waits) -> None:
    first = {"done": False, "nextRecordsUrl": f"{QUERY}/01gNEXT-2", "records": [{"Id": "a"}, {"Id": "b"}]}
    host = PagedHost({QUERY: json.dumps(first).encode(),
                      f"{QUERY}/01gNEXT-2": json.dumps({"done": True, "records": [{"Id": "c"}]}).encode()})
    rows = connect(host, waits).query(SOQL)

    assert next(rows) == {"Id": "a"}
    assert host.paths == [QUERY]
    assert [row["Id"] for row in rows] == ["b", "c"]
    assert host.paths == [QUERY, f"{QUERY}/01gNEXT-2"]


@pytest.mark.parametrize("body", [b'{"done": true, "records": [{"Id": "c"}, {"Id": ', b"<html>gateway</html>", b""])
def test_a_malformed_page_raises_what_json_loads_raises(waits: Waits, body: bytes) -> None:
    first = {"done": False, "nextRecordsUrl": f"{QUERY}/01gNEXT-2", "records": [{"Id": "a"}]}
    host = PagedHost({QUERY: json.dumps(first).encode(), f"{QUERY}/01gNEXT-2": body})
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(body)
    rows: list[Any] = []

    with pytest.raises(json.JSONDecodeError) as caught:
        rows.extend(connect(host, waits).query(SOQL))

    assert str(caught.value) == str(expected.value)
    assert rows[:1] == [{"Id": "a"}]


def test_a_refused_next_page_is_the_same_typed_error_with_the_secret_masked(waits: Waits) -> None:
    first = {"done": False, "nextRecordsUrl": f"{QUERY}/01gNEXT-2", "records": [{"Id": "a"}]}
    refusal = [{"errorCode": "INVALID_FIELD", "message": f"No such column 'Region__c' for {SESSION}"}]
    host = PagedHost({QUERY: json.dumps(first).encode(), f"{QUERY}/01gNEXT-2": json.dumps(refusal).encode()},
                     {f"{QUERY}/01gNEXT-2": 400})

    with pytest.raises(SalesforceSchemaError) as caught:
        list(connect(host, waits).query(SOQL))

    assert caught.value.message == (
        f"Salesforce refused GET {QUERY}/01gNEXT-2: INVALID_FIELD: No such column 'Region__c' for ***"
    )
    assert (caught.value.status, caught.value.error_code) == (400, "INVALID_FIELD")


def test_a_refused_child_page_is_the_same_typed_error(waits: Waits) -> None:
    items = {"done": False, "nextRecordsUrl": f"{QUERY}/01gCHILD-2", "records": [{"Id": "l1"}]}
    refusal = [{"errorCode": "QUERY_TIMEOUT", "message": "too slow"}]
    host = PagedHost({QUERY: json.dumps({"done": True, "records": [{"Id": "a", "OrderItems": items}]}).encode(),
                      f"{QUERY}/01gCHILD-2": json.dumps(refusal).encode()}, {f"{QUERY}/01gCHILD-2": 400})

    with pytest.raises(SalesforceRequestError, match=r"^Salesforce refused GET .*01gCHILD-2: QUERY_TIMEOUT: too slow$"):
        list(connect(host, waits).query(SOQL))


def test_a_page_that_stays_unavailable_stops_the_read_after_its_retries(waits: Waits) -> None:
    failure = [{"errorCode": "UNKNOWN_EXCEPTION", "message": "down"}]
    host = PagedHost({QUERY: json.dumps(failure).encode()}, {QUERY: 503})

    with pytest.raises(ApiUnavailableError, match=r"unavailable: HTTP 503 for GET query \(UNKNOWN_EXCEPTION: down\)"):
        list(connect(host, waits, max_retries=2).query(SOQL))
    assert host.paths == [QUERY] * 3
    assert len(waits.seconds) == 2
