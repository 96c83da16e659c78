"""Who a session is: OpenID Connect userinfo, the integration user's `User` record, and query columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from nuesync.sandbox.salesforce import SalesforceSandbox
from nuesync.sandbox.server import RunningServer


def userinfo(http: requests.Session, running: RunningServer, **kwargs: Any) -> requests.Response:
    return http.get(f"{running.url}/services/oauth2/userinfo", **kwargs)


def test_userinfo_answers_the_documented_claims_for_the_session_user(
    http: requests.Session, running: RunningServer, sandbox: SalesforceSandbox
) -> None:
    claims = userinfo(http, running, headers={"Authorization": f"Bearer {sandbox.session_id}"}).json()

    user = next(u for u in sandbox.records("User") if u["Username"] == sandbox.username)
    assert claims["user_id"] == user["Id"] and claims["organization_id"] == sandbox.org_id
    assert claims["sub"] == f"{running.url}/id/{sandbox.org_id}/{user['Id']}"
    assert (claims["preferred_username"], claims["email"], claims["name"]) == (
        sandbox.username, user["Email"], "Integration User")
    assert claims["urls"]["rest"] == f"{running.url}/services/data/v{{version}}/"
    assert claims["urls"]["partner"].endswith(f"/services/Soap/u/{{version}}/{sandbox.org_id[:15]}")
    assert claims["active"] is True and claims["email_verified"] is True


def test_userinfo_takes_the_token_as_oauth_token_parameter_or_refuses_with_403(
    http: requests.Session, running: RunningServer, sandbox: SalesforceSandbox
) -> None:
    assert userinfo(http, running, params={"oauth_token": sandbox.session_id}).status_code == 200
    missing = userinfo(http, running)
    bad = userinfo(http, running, headers={"Authorization": "Bearer 00Dxx!nope"})

    assert (missing.status_code, missing.text) == (403, "Missing_OAuth_Token")
    assert (bad.status_code, bad.text) == (403, "Bad_OAuth_Token")


def test_the_integration_user_is_a_read_only_user_record(raw: Callable[..., Any], sandbox: SalesforceSandbox) -> None:
    user = next(u for u in sandbox.records("User") if u["Username"] == sandbox.username)

    record = raw("GET", f"sobjects/User/{user['Id']}").json()
    refused = raw("PATCH", f"sobjects/User/{user['Id']}", json={"LastName": "Changed"})

    assert (record["Username"], record["Name"], record["IsActive"]) == (sandbox.username, "Integration User", True)
    assert refused.status_code == 400 and refused.json()[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"


def test_the_organization_answers_what_the_cli_asks_of_it(raw: Callable[..., Any], sandbox: SalesforceSandbox) -> None:
    soql = ("SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType "
            "FROM Organization")

    (org,) = raw("GET", "query", params={"q": soql}).json()["records"]

    assert (org["IsSandbox"], org["TrialExpirationDate"], org["NamespacePrefix"]) == (True, None, None)


def test_columns_true_describes_the_selected_columns_and_subqueries(raw: Callable[..., Any]) -> None:
    soql = "SELECT Id, Account.Name, (SELECT Quantity FROM OrderItems) FROM Order"

    answer = raw("GET", "query", params={"q": soql, "columns": "true"}).json()

    ident, account, items = answer["columnMetadata"]
    assert (ident["columnName"], ident["apexType"], ident["aggregate"]) == ("Id", "Id", False)
    assert (account["columnName"], account["foreignKeyName"]) == ("Account", "AccountId")
    assert [c["columnName"] for c in account["joinColumns"]] == ["Name"]
    assert (items["columnName"], items["aggregate"]) == ("OrderItems", True)
    assert [(c["columnName"], c["apexType"]) for c in items["joinColumns"]] == [("Quantity", "Double")]
    assert (answer["entityName"], answer["idSelected"]) == ("Order", True)


def test_columns_true_names_a_count_by_its_alias(raw: Callable[..., Any]) -> None:
    answer = raw("GET", "query", params={"q": "SELECT COUNT(Id) total FROM Order", "columns": "true"}).json()

    assert [(c["columnName"], c["displayName"], c["aggregate"]) for c in answer["columnMetadata"]] == [
        ("total", "COUNT(Id)", True)]
