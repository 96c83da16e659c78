"""`POST /async/graphql`: Hasura-style filters, sorting and paging, checked against hand-computed answers.

The world (`nue` below): four orders, each named by its customer initial and number.
| order           | customer | status    | effective  | total | salesforceId | origin     | customFields            |
| A1 platform     | Acme     | Draft     | 2026-01-01 | 2940  | 801A1        | Salesforce | Region EMEA             |
| A2 seats        | Acme     | Draft     | 2026-02-15 | 3000  | -            | Nue        | -                       |
| G1 pro          | Globex   | Draft     | 2026-03-01 | 1188  | 801G1        | Nue        | Region AMER, Tier gold  |
| I1 onboarding   | Initech  | Activated | 2026-01-20 | 3000  | -            | -          | -                       |
A2 has seats (1500) and onboarding (1500); G1 one Platform Professional line tagged PROMO-LAUNCH.
The clock moves one minute per write from 2026-03-01T00:00:00Z.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from nuesync.sandbox.nue import NueSandbox


def minute_clock() -> Any:
    ticks = (datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=n) for n in range(10**6))
    return lambda: next(ticks)


@pytest.fixture
def nue() -> NueSandbox:
    sandbox = NueSandbox(now=minute_clock())
    sandbox.seed_catalog()
    acme = sandbox.insert_customer({"name": "Acme", "salesforceId": "001ACME"})
    globex = sandbox.insert_customer({"name": "Globex"})
    initech = sandbox.insert_customer({"name": "Initech"})
    sandbox.insert_contact(acme, {"name": "Wile", "email": "wile@acme.example"})
    orders = [
        {"customer": {"id": acme}, "name": "A1 platform", "effectiveDate": "2026-01-01", "salesforceId": "801A1",
         "origin": "Salesforce", "customFields": {"Region__c": "EMEA"}, "billingPeriod": "Month",
         "orderProducts": [{"productSku": "NUE-PLAT-STD", "quantity": 5, "subscriptionTerm": 12}]},
        {"customer": {"id": acme}, "name": "A2 seats", "effectiveDate": "2026-02-15", "origin": "Nue",
         "orderProducts": [{"productSku": "NUE-SEAT", "quantity": 10, "subscriptionTerm": 12},
                           {"productSku": "NUE-ONBOARD", "quantity": 1}]},
        {"customer": {"id": globex}, "name": "G1 pro", "effectiveDate": "2026-03-01", "salesforceId": "801G1",
         "origin": "Nue", "billingPeriod": "Annual", "customFields": {"Region__c": "AMER", "Tier__c": "gold"},
         "orderProducts": [{"productSku": "NUE-PLAT-PRO", "quantity": 1, "subscriptionTerm": 12,
                            "priceTags": ["PROMO-LAUNCH"]}]},
        {"customer": {"id": initech}, "name": "I1 onboarding", "effectiveDate": "2026-01-20",
         "orderProducts": [{"productSku": "NUE-ONBOARD", "quantity": 2}]},
    ]
    ids = [sandbox.insert_order(order) for order in orders]
    sandbox.activate_order(ids[3])
    return sandbox


def run(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/async/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def data(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = run(client, query, variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def names(client: httpx.Client, where: str, variables: dict[str, Any] | None = None, *,
          args: str = "", declare: str = "") -> list[str]:
    query = f"query{declare} {{ Order(where: {where}{args}) {{ name }} }}"
    return [row["name"] for row in data(client, query, variables)["Order"]]


def errors(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> list[str]:
    body = run(client, query, variables)
    assert body.get("data") is None
    return [error["message"] for error in body["errors"]]


FILTERS = [
    ('{status: {_eq: "Draft"}}', ["A1 platform", "A2 seats", "G1 pro"]),
    ('{status: {_eq: "draft"}}', []),
    ('{status: {_neq: "Draft"}}', ["I1 onboarding"]),
    ('{origin: {_neq: "Nue"}}', ["A1 platform"]),
    ('{name: {_in: ["G1 pro", "I1 onboarding", "Z9"]}}', ["G1 pro", "I1 onboarding"]),
    ('{origin: {_nin: ["Nue"]}}', ["A1 platform"]),
    ("{totalAmount: {_gt: 2940}}", ["A2 seats", "I1 onboarding"]),
    ("{totalAmount: {_gte: 2940}}", ["A1 platform", "A2 seats", "I1 onboarding"]),
    ("{totalAmount: {_lt: 2940}}", ["G1 pro"]),
    ('{totalAmount: {_lte: "2940.00"}}', ["A1 platform", "G1 pro"]),
    ("{totalAmount: {_in: [1188, 2940.0]}}", ["A1 platform", "G1 pro"]),
    ('{effectiveDate: {_gte: "2026-01-20"}}', ["A2 seats", "G1 pro", "I1 onboarding"]),
    ('{effectiveDate: {_lt: "2026-01-20"}}', ["A1 platform"]),
    ('{effectiveDate: {_gt: "2026-01-01", _lte: "2026-02-15"}}', ["A2 seats", "I1 onboarding"]),
    ("{salesforceId: {_is_null: true}}", ["A2 seats", "I1 onboarding"]),
    ("{salesforceId: {_is_null: false}}", ["A1 platform", "G1 pro"]),
    ("{origin: {_eq: null}}", ["A1 platform", "A2 seats", "G1 pro", "I1 onboarding"]),
    ('{_and: [{status: {_eq: "Draft"}}, {totalAmount: {_gte: 2940}}]}', ["A1 platform", "A2 seats"]),
    ('{_or: [{name: {_eq: "G1 pro"}}, {totalAmount: {_eq: 2940}}]}', ["A1 platform", "G1 pro"]),
    ('{_not: {status: {_eq: "Draft"}}}', ["I1 onboarding"]),
    ("{_and: []}", ["A1 platform", "A2 seats", "G1 pro", "I1 onboarding"]),
    ("{_or: []}", []),
    ('{name: {_like: "%o%"}}', ["A1 platform", "G1 pro", "I1 onboarding"]),
    ('{name: {_like: "A_ %"}}', ["A1 platform", "A2 seats"]),
    ('{name: {_ilike: "%PLAT%"}}', ["A1 platform"]),
    ('{name: {_nlike: "%o%"}}', ["A2 seats"]),
    ('{customer: {name: {_eq: "Globex"}}}', ["G1 pro"]),
    ('{customer: {externalId: {_eq: "001ACME"}}}', ["A1 platform", "A2 seats"]),
    ('{orderProducts: {productSku: {_eq: "NUE-ONBOARD"}}}', ["A2 seats", "I1 onboarding"]),
    ('{orderProducts: {priceTags: {code: {_eq: "PROMO-LAUNCH"}}}}', ["G1 pro"]),
    ('{customFields: {_contains: {Region__c: "EMEA"}}}', ["A1 platform"]),
    ('{customFields: {_has_key: "Tier__c"}}', ["G1 pro"]),
    ('{billToContact: {name: {_eq: "Wile"}}}', []),
]


@pytest.mark.parametrize(("where", "expected"), FILTERS, ids=[where for where, _ in FILTERS])
def test_where_filters(client: httpx.Client, where: str, expected: list[str]) -> None:
    assert names(client, where) == expected


def test_filters_take_variables(client: httpx.Client) -> None:
    found = names(client, "{salesforceId: {_in: $links}}", {"links": ["801G1", "801A1", "801ZZ"]},
                  declare="($links: [String!])")
    assert found == ["A1 platform", "G1 pro"]


def test_timestamps_filter_as_instants(client: httpx.Client) -> None:
    rows = data(client, '{ Order(order_by: {lastModifiedDate: asc}) { name lastModifiedDate } }')["Order"]
    stamps = {row["name"]: row["lastModifiedDate"] for row in rows}
    assert stamps["I1 onboarding"] > stamps["G1 pro"], "activation is the last write"
    watermark = stamps["A2 seats"].replace(".000Z", "+00:00")  # another spelling of the same instant
    found = names(client, "{lastModifiedDate: {_gte: $since}}", {"since": watermark}, declare="($since: timestamptz)")
    assert found == ["A2 seats", "G1 pro", "I1 onboarding"]


SORTS = [
    ("[{totalAmount: desc}, {name: asc}]", ["A2 seats", "I1 onboarding", "A1 platform", "G1 pro"]),
    ("{effectiveDate: asc}", ["A1 platform", "I1 onboarding", "A2 seats", "G1 pro"]),
    ("[{salesforceId: asc}, {name: desc}]", ["A1 platform", "G1 pro", "I1 onboarding", "A2 seats"]),
    ("[{salesforceId: desc}, {name: asc}]", ["A2 seats", "I1 onboarding", "G1 pro", "A1 platform"]),
    ("[{salesforceId: asc_nulls_first}, {name: asc}]", ["A2 seats", "I1 onboarding", "A1 platform", "G1 pro"]),
    ("[{customer: {name: desc}}, {name: desc}]", ["I1 onboarding", "G1 pro", "A2 seats", "A1 platform"]),
]


@pytest.mark.parametrize(("order_by", "expected"), SORTS, ids=[order_by for order_by, _ in SORTS])
def test_order_by(client: httpx.Client, order_by: str, expected: list[str]) -> None:
    assert names(client, "{}", args=f", order_by: {order_by}") == expected


def test_limit_and_offset_page_a_stable_order(client: httpx.Client) -> None:
    pages = [names(client, "{}", args=f", order_by: {{name: asc}}, limit: 2, offset: {offset}") for offset in (0, 2, 4)]
    assert pages == [["A1 platform", "A2 seats"], ["G1 pro", "I1 onboarding"], []]


def test_nested_order_products_with_their_own_arguments_and_price_tags(client: httpx.Client) -> None:
    query = """{ Order(where: {name: {_in: ["A2 seats", "G1 pro"]}}, order_by: {name: asc}) {
        name customer { name externalId }
        all: orderProducts { productSku quantity listPrice listTotal subscriptionEndDate priceTags { code name type } }
        top: orderProducts(order_by: {listTotal: desc, productSku: asc}, limit: 1) { productSku }
        seats: orderProducts(where: {productSku: {_eq: "NUE-SEAT"}}) { productSku }
    } }"""
    a2, g1 = data(client, query)["Order"]
    assert a2["customer"] == {"name": "Acme", "externalId": "001ACME"}
    assert [(p["productSku"], p["quantity"], p["listTotal"]) for p in a2["all"]] == [
        ("NUE-SEAT", 10, 1500), ("NUE-ONBOARD", 1, 1500)]
    assert a2["all"][0]["listPrice"] == 12.5
    assert (a2["top"], a2["seats"]) == ([{"productSku": "NUE-ONBOARD"}], [{"productSku": "NUE-SEAT"}])
    assert g1["all"][0]["priceTags"] == [{"code": "PROMO-LAUNCH", "name": "Launch promotion 10%", "type": "Discount"}]
    assert g1["all"][0]["subscriptionEndDate"] == "2027-03-01"


def test_other_tables_and_relations(client: httpx.Client) -> None:
    result = data(client, """{
        Customer(order_by: {name: asc}) { name orders(order_by: {name: asc}) { name } contacts { email } }
        Product(where: {sku: {_eq: "NUE-SEAT"}}) { name priceModel priceBookEntries { listPrice uom } }
        PriceTag(where: {type: {_eq: "Discount"}}, order_by: {code: asc}) { code }
        OrderProduct(where: {order: {name: {_eq: "G1 pro"}}}) {
            productSku product { sku } priceBookEntry { listPrice }
        }
    }""")
    assert [(c["name"], [o["name"] for o in c["orders"]], [x["email"] for x in c["contacts"]])
            for c in result["Customer"]] == [
        ("Acme", ["A1 platform", "A2 seats"], ["wile@acme.example"]),
        ("Globex", ["G1 pro"], []),
        ("Initech", ["I1 onboarding"], []),
    ]
    assert result["Product"] == [{"name": "Additional Seat", "priceModel": "Recurring",
                                  "priceBookEntries": [{"listPrice": 12.5, "uom": "User/Month"}]}]
    assert [t["code"] for t in result["PriceTag"]] == ["NONPROFIT", "PROMO-LAUNCH"]
    assert result["OrderProduct"] == [{"productSku": "NUE-PLAT-PRO", "product": {"sku": "NUE-PLAT-PRO"},
                                       "priceBookEntry": {"listPrice": 99}}]


def test_customers_carry_their_documented_link_and_stamps(client: httpx.Client) -> None:
    result = data(client, """{
        Customer(where: {modifiedDate: {_gt: "2026-03-01T00:00:00Z"}}, order_by: {modifiedDate: asc}) {
            name externalId createdDate modifiedDate
        }
    }""")

    # Acme was created at the first tick; Nue's Salesforce sync linking it moved its modifiedDate on.
    assert [(c["name"], c["externalId"]) for c in result["Customer"]] == [
        ("Acme", "001ACME"), ("Globex", None), ("Initech", None)]
    assert [c["modifiedDate"] > c["createdDate"] for c in result["Customer"]] == [True, False, False]
    for gone in ("lastModifiedDate", "salesforceId"):
        assert any(gone in message for message in errors(client, f"{{ Customer {{ {gone} }} }}"))


def test_aggregate_counts_and_by_pk(client: httpx.Client, nue: NueSandbox) -> None:
    result = data(client, '{ Order_aggregate(where: {status: {_eq: "Draft"}}) { aggregate { count } } }')
    assert result["Order_aggregate"]["aggregate"]["count"] == 3
    some = nue.orders()[2]
    found = data(client, "query($id: String!) { Order_by_pk(id: $id) { name } }", {"id": some["id"]})
    assert found["Order_by_pk"] == {"name": "G1 pro"}
    assert data(client, '{ Order_by_pk(id: "nope") { name } }')["Order_by_pk"] is None


def test_amounts_are_exact_numbers(client: httpx.Client, nue: NueSandbox) -> None:
    a1 = next(o for o in nue.orders() if o["name"] == "A1 platform")
    nue.update_order(a1["id"], {"orderProducts": [{"id": a1["orderProducts"][0]["id"], "discount": 10}],
                                "discountAmount": "0.30"})
    row = data(client, '{ Order(where: {name: {_eq: "A1 platform"}}) { totalAmount discountAmount '
                       "orderProducts { salesPrice discount } } }")["Order"][0]
    assert row == {
        "totalAmount": 2645.7, "discountAmount": 0.3, "orderProducts": [{"salesPrice": 44.1, "discount": 10}]
    }


@pytest.fixture
def capped(nue: NueSandbox) -> NueSandbox:
    nue.graphql_max_limit = 2
    return nue


def test_a_page_larger_than_the_cap_is_clamped(client: httpx.Client, capped: NueSandbox) -> None:
    assert len(names(client, "{}", args=", limit: 10")) == 2
    assert len(names(client, "{}")) == 2
    assert names(client, "{}", args=", order_by: {name: asc}, offset: 2, limit: 5") == ["G1 pro", "I1 onboarding"]
    assert data(client, "{ Order_aggregate { aggregate { count } } }")["Order_aggregate"]["aggregate"]["count"] == 4


@pytest.mark.parametrize(("query", "variables", "message"), [
    ("{ Order { name nope } }", None, "Cannot query field 'nope' on type 'Order'"),
    ('{ Order(where: {nope: {_eq: "x"}}) { name } }', None, "'nope'"),
    ('{ Order(where: {status: {_like: 3}}) { name } }', None, "String cannot represent"),
    ("{ Order(limit: -1) { name } }", None, "limit must not be negative"),
    ("query($n: Int) { Order(limit: $n) { name } }", {"n": "ten"}, "Int cannot represent"),
    ('mutation { insert_Order(objects: {}) { affected_rows } }', None, "mutation"),
    ("{ Order { name ", None, "Syntax Error"),
])
def test_invalid_queries_get_errors_not_answers(client: httpx.Client, query: str, variables: dict[str, Any] | None,
                                                message: str) -> None:
    assert any(message in text for text in errors(client, query, variables))


@pytest.mark.parametrize("body", [{"variables": {}}, {"query": 3}, {"query": "{ Order { id } }", "variables": [1]}])
def test_a_malformed_request_gets_errors(client: httpx.Client, body: dict[str, Any]) -> None:
    response = client.post("/async/graphql", json=body)
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "invalid-request"


def test_a_body_that_is_not_json_gets_errors(client: httpx.Client) -> None:
    response = client.post("/async/graphql", content=b"query { Order { id } }")
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "invalid-json"
