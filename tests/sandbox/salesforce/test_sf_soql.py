"""SOQL through simple-salesforce: result shapes, filters, ordering, paging, and refusals."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from nuesync.sandbox.salesforce import SalesforceSandbox

from . import scenarios
from .conftest import VERSION


@pytest.fixture(scope="module")
def orders(sandbox: SalesforceSandbox) -> dict[str, scenarios.DraftOrder]:
    """Three drafts: two lines, no lines, and one activated order; plus a deleted draft."""
    made = {
        "two_lines": scenarios.draft_order(sandbox, lines=2, Name="Alpha", Description="long text"),
        "empty": scenarios.draft_order(sandbox, Name=None),
        "activated": scenarios.activated_order(sandbox),
        "deleted": scenarios.draft_order(sandbox, Name="Gone"),
    }
    sandbox.delete("Order", made["deleted"].order_id)
    return made


def _ids(result: dict) -> set[str]:
    return {r["Id"] for r in result["records"]}


def test_result_has_salesforce_shape_with_parent_fields_and_child_subquery(client, orders):
    order = orders["two_lines"]
    result = client.query(
        "SELECT Id, OrderNumber, Account.Name, StatusCode, TotalAmount, "
        "(SELECT Id, Quantity, UnitPrice, PricebookEntry.Product2.ProductCode FROM OrderItems) "
        f"FROM Order WHERE Id = '{order.order_id}'"
    )

    assert list(result) == ["totalSize", "done", "records"]
    assert (result["totalSize"], result["done"]) == (1, True)
    record = result["records"][0]
    url = f"/services/data/v{VERSION}/sobjects/Order/{order.order_id}"
    assert record["attributes"] == {"type": "Order", "url": url}
    assert list(record) == ["attributes", "Id", "OrderNumber", "Account", "StatusCode", "TotalAmount", "OrderItems"]
    assert record["Account"]["attributes"]["type"] == "Account"
    assert record["StatusCode"] == "Draft"
    assert record["TotalAmount"] == 396.0
    items = record["OrderItems"]
    assert (items["totalSize"], items["done"], len(items["records"])) == (2, True, 2)
    assert items["records"][0]["PricebookEntry"]["Product2"]["ProductCode"] == "NUE-PLAT-PRO"
    assert items["records"][0]["Quantity"] == 2.0


def test_empty_child_subquery_is_null(client, orders):
    result = client.query(f"SELECT Id, (SELECT Id FROM OrderItems) FROM Order WHERE Id = '{orders['empty'].order_id}'")

    assert result["records"][0]["OrderItems"] is None


def test_null_parent_reference_renders_null(client, orders):
    result = client.query(f"SELECT Id, BillToContact.Name FROM Order WHERE Id = '{orders['empty'].order_id}'")

    assert result["records"][0]["BillToContact"] is None


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("StatusCode = 'Draft'", {"two_lines", "empty"}),
        ("StatusCode = 'draft'", {"two_lines", "empty"}),
        ("StatusCode != 'Draft'", {"activated"}),
        ("Name = null", {"empty", "activated"}),
        ("Name != null", {"two_lines"}),
        ("Name != 'Alpha'", {"empty", "activated"}),
        ("Name LIKE 'al%'", {"two_lines"}),
        ("Name IN ('Alpha', 'Beta')", {"two_lines"}),
        ("Name NOT IN ('Alpha')", {"empty", "activated"}),
        ("TotalAmount > 200", {"two_lines"}),
        ("TotalAmount >= 198 AND TotalAmount < 200", {"activated"}),
        ("(Name = 'Alpha' OR StatusCode = 'Activated') AND EffectiveDate = 2026-03-01", {"two_lines", "activated"}),
        ("NOT (StatusCode = 'Draft')", {"activated"}),
        ("EffectiveDate > 2026-02-28 AND EffectiveDate < 2026-03-02", {"two_lines", "empty", "activated"}),
        ("CreatedDate > 2020-01-01T00:00:00Z", {"two_lines", "empty", "activated"}),
        ("CreatedDate = LAST_N_DAYS:1", {"two_lines", "empty", "activated"}),
        ("CreatedDate < 2020-01-01T00:00:00.000+00:00", set()),
        ("Account.Name LIKE 'Acme%' AND Pricebook2.IsStandard = true", {"two_lines", "empty", "activated"}),
        ("Id IN (SELECT OrderId FROM OrderItem WHERE Quantity = 2)", {"two_lines", "activated"}),
        ("Id NOT IN (SELECT OrderId FROM OrderItem)", {"empty"}),
    ],
)
def test_where_clauses(client, orders, where, expected):
    mine = ", ".join(f"'{orders[name].order_id}'" for name in ("two_lines", "empty", "activated"))

    result = client.query(f"SELECT Id FROM Order WHERE Id IN ({mine}) AND ({where})")

    assert _ids(result) == {orders[name].order_id for name in expected}


def test_order_by_nulls_limit_offset(client, orders):
    mine = ", ".join(f"'{o.order_id}'" for o in orders.values())
    base = f"SELECT Id, Name FROM Order WHERE Id IN ({mine})"

    ascending = client.query(f"{base} ORDER BY Name ASC NULLS LAST, CreatedDate")["records"]
    descending = client.query(f"{base} ORDER BY Name DESC NULLS FIRST")["records"]
    page = client.query(f"{base} ORDER BY Name NULLS FIRST LIMIT 1 OFFSET 2")["records"]

    assert [r["Name"] for r in ascending] == ["Alpha", None, None]
    assert [r["Name"] for r in descending] == [None, None, "Alpha"]
    assert [r["Name"] for r in page] == ["Alpha"]


def test_count_query(client, orders):
    result = client.query(f"SELECT COUNT() FROM Order WHERE AccountId = '{orders['two_lines'].account_id}'")

    assert result == {"totalSize": 1, "done": True, "records": []}


def test_query_all_includes_deleted_rows(client, orders):
    deleted = orders["deleted"].order_id
    where = f"WHERE Id = '{deleted}'"

    assert client.query(f"SELECT Id FROM Order {where}")["totalSize"] == 0
    result = client.query_all(f"SELECT Id, IsDeleted FROM Order {where}", include_deleted=True)
    assert result["records"][0]["IsDeleted"] is True


def test_order_status_is_queryable_like_the_org_picklist(client):
    result = client.query("SELECT ApiName, StatusCode, MasterLabel FROM OrderStatus ORDER BY SortOrder")

    assert [(r["ApiName"], r["StatusCode"]) for r in result["records"]] == [("Draft", "Draft"),
                                                                            ("Activated", "Activated")]


def test_names_are_case_insensitive_and_answered_in_api_casing(client, orders):
    result = client.query(f"select id, statuscode, account.name from order where id = '{orders['empty'].order_id}'")

    assert set(result["records"][0]) == {"attributes", "Id", "StatusCode", "Account"}


@pytest.mark.parametrize(
    ("soql", "code", "fragment"),
    [
        ("SELECT Id FROM Order WHERE", "MALFORMED_QUERY", "unexpected token: <EOF>"),
        ("SELECT Id, FROM Order", "MALFORMED_QUERY", "unexpected token: 'FROM'"),
        ("SELECT Id FROM Order WHERE Name = 'a' AND Name = 'b' OR Name = 'c'", "MALFORMED_QUERY",
         "unexpected token: 'OR'"),
        ("SELECT Id FROM Order GROUP BY Name", "MALFORMED_QUERY", "unexpected token: 'GROUP'"),
        ("SELECT FIELDS(ALL) FROM Order", "MALFORMED_QUERY", "unexpected token: '('"),
        ("SELECT Id, Id FROM Order", "MALFORMED_QUERY", "duplicate field selected: Id"),
        ("SELECT Bogus__c FROM Order", "INVALID_FIELD", "No such column 'Bogus__c' on entity 'Order'"),
        ("SELECT Customer.Name FROM Order", "INVALID_FIELD", "Didn't understand relationship 'Customer'"),
        ("SELECT Id FROM Invoice__c", "INVALID_TYPE", "sObject type 'Invoice__c' is not supported"),
        ("SELECT Id, (SELECT Id FROM Lines) FROM Order", "INVALID_TYPE", "Didn't understand relationship 'Lines'"),
        ("SELECT Id FROM Order WHERE Description = 'x'", "INVALID_FIELD", "can not be filtered"),
        ("SELECT Id FROM Order WHERE EffectiveDate = '2026-01-01'", "INVALID_QUERY_FILTER_OPERATOR",
         "must be of type date and should not be enclosed in quotes"),
        ("SELECT Id FROM Order WHERE Name = 5", "INVALID_QUERY_FILTER_OPERATOR",
         "must be of type string and should be enclosed in quotes"),
        ("SELECT Id FROM Order WHERE Id = 'nope'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: nope"),
        ("SELECT Id FROM Order OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000"),
    ],
)
def test_queries_outside_the_subset_are_refused_with_salesforce_codes(client, soql, code, fragment):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        client.query(soql)

    assert refused.value.status == 400
    [error] = refused.value.content
    assert error["errorCode"] == code
    assert fragment in error["message"]


def test_positioned_error_message_has_row_and_column(client):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        client.query("SELECT Nope FROM Order")

    expected = "\nSELECT Nope FROM Order\n       ^\nERROR at Row:1:Column:8\n"
    assert refused.value.content[0]["message"].startswith(expected)


def test_parent_and_child_paging_with_next_records_url():
    """Pages of 5 records counting children, at most 2 children inline: A+2, then B+1 fills the page."""
    org = SalesforceSandbox(query_batch_size=5, child_batch_size=2)
    org.seed_synthetic(5, lines_per_order=3)
    with org.serve() as running:
        session = _session(running)
        client = Salesforce(instance_url=running.url, session_id=org.session_id, version=VERSION, session=session)
        first = client.query("SELECT Id, (SELECT Id FROM OrderItems ORDER BY Quantity) FROM Order ORDER BY Name")
        child = first["records"][0]["OrderItems"]
        more_children = client.query_more(child["nextRecordsUrl"], identifier_is_url=True)
        everything = client.query_all("SELECT Id, (SELECT Id FROM OrderItems) FROM Order")

    assert (first["totalSize"], first["done"], len(first["records"])) == (5, False, 2)
    assert first["nextRecordsUrl"].startswith(f"/services/data/v{VERSION}/query/01g")
    assert first["nextRecordsUrl"].endswith("-2")
    assert (child["totalSize"], child["done"], len(child["records"])) == (3, False, 2)
    assert child["nextRecordsUrl"].startswith(f"/services/data/v{VERSION}/query/0r8")
    assert len(first["records"][1]["OrderItems"]["records"]) == 1
    assert (more_children["done"], len(more_children["records"])) == (True, 1)
    assert {r["Id"] for r in child["records"]}.isdisjoint(r["Id"] for r in more_children["records"])
    assert len(everything["records"]) == 5
    assert org.counters["GET query/{locator}"] == 1 + 2


def test_unknown_query_locator_is_invalid_query_locator(raw):
    response = raw("GET", "query/01gXX0000000000AAA-2000")

    assert response.status_code == 400
    assert response.json() == [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]


def test_query_options_header_sets_batch_size(raw, sandbox):
    for n in range(3):
        sandbox.insert("Account", {"Name": f"Batch {n}"})

    response = raw("GET", "query", params={"q": "SELECT Id FROM Account"},
                   headers={"Sforce-Query-Options": "batchSize=200"})

    assert len(response.json()["records"]) == min(200, response.json()["totalSize"])


def _session(running):
    import requests

    session = requests.Session()
    session.verify = str(running.ca_file)
    session.trust_env = False
    return session
