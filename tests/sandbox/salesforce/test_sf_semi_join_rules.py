"""Semi-joins as Salesforce restricts them: never under OR (a client must send two queries instead)."""

from __future__ import annotations

import pytest
from simple_salesforce import SalesforceMalformedRequest

from . import scenarios


@pytest.mark.parametrize(
    "where",
    [
        "Name = 'Alpha' OR Id IN (SELECT OrderId FROM OrderItem WHERE Quantity = 2)",
        "Name = 'Alpha' OR (Description != null AND Id NOT IN (SELECT OrderId FROM OrderItem))",
        "Name = 'Alpha' OR NOT (Id IN (SELECT OrderId FROM OrderItem))",
    ],
)
def test_a_semi_join_under_or_is_a_malformed_query(client, sandbox, where):
    scenarios.draft_order(sandbox, lines=2, Name="Alpha")

    with pytest.raises(SalesforceMalformedRequest) as refused:
        client.query(f"SELECT Id FROM Order WHERE {where}")

    (error,) = refused.value.content
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert "Semi join sub-selects are not allowed with the 'OR' operator" in error["message"]


def test_a_semi_join_beside_an_or_under_and_is_answered(client, sandbox):
    order = scenarios.draft_order(sandbox, lines=2, Name="Beta")

    result = client.query("SELECT Id FROM Order WHERE (Name = 'Beta' OR Name = 'Gamma') "
                          "AND Id IN (SELECT OrderId FROM OrderItem WHERE Quantity != null)")

    assert order.order_id in {record["Id"] for record in result["records"]}
