"""Logging in: OAuth token endpoint, SOAP login, session ids, expiry — through simple-salesforce."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceAuthenticationFailed, SalesforceExpiredSession
from simple_salesforce.login import SalesforceLogin

from nuesync.sandbox.salesforce import SalesforceSandbox
from nuesync.sandbox.server import RunningServer

from .conftest import VERSION, login_domain


def test_oauth_password_grant_returns_salesforce_token_response(sandbox, running, http):
    response = http.post(f"{running.url}/services/oauth2/token", data={
        "grant_type": "password", "client_id": sandbox.client_id, "client_secret": sandbox.client_secret,
        "username": sandbox.username, "password": sandbox.password + sandbox.security_token,
    })

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"}
    assert body["instance_url"] == running.url
    assert body["token_type"] == "Bearer"
    expected = hmac.new(sandbox.client_secret.encode(), (body["id"] + body["issued_at"]).encode(),
                        hashlib.sha256).digest()
    assert base64.b64decode(body["signature"]) == expected


def test_oauth_token_works_for_simple_salesforce_consumer_key_login(sandbox, running, http):
    client = Salesforce(username=sandbox.username, password=sandbox.password + sandbox.security_token,
                        consumer_key=sandbox.client_id, consumer_secret=sandbox.client_secret,
                        domain=login_domain(running, "/services/oauth2/token"), session=http)
    client.sf_version = VERSION
    client.base_url = f"https://{client.sf_instance}/services/data/v{VERSION}/"

    assert client.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")["totalSize"] == 1


def test_client_credentials_grant_accepts_http_basic_client_authentication(sandbox, running, http):
    client = Salesforce(consumer_key=sandbox.client_id, consumer_secret=sandbox.client_secret,
                        domain=login_domain(running, "/services/oauth2/token"), session=http)

    assert client.session_id
    assert client.sf_instance == running.url.removeprefix("https://")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"password": "wrong"}, {"error": "invalid_grant", "error_description": "authentication failure"}),
        ({"username": "nobody@example.com"}, {"error": "invalid_grant", "error_description": "authentication failure"}),
        ({"client_id": "unknown"}, {"error": "invalid_client_id", "error_description": "client identifier invalid"}),
        ({"grant_type": "authorization_code"},
         {"error": "unsupported_grant_type", "error_description": "grant type not supported"}),
    ],
)
def test_bad_oauth_requests_get_400_with_oauth_error(sandbox, running, http, change, error):
    form = {"grant_type": "password", "client_id": sandbox.client_id, "client_secret": sandbox.client_secret,
            "username": sandbox.username, "password": sandbox.password + sandbox.security_token} | change

    response = http.post(f"{running.url}/services/oauth2/token", data=form)

    assert response.status_code == 400
    assert response.json() == error


def test_soap_login_returns_session_and_server_url_pointing_back_at_the_emulator(sandbox, running, http):
    session_id, instance = SalesforceLogin(username=sandbox.username, password=sandbox.password,
                                           security_token=sandbox.security_token, sf_version=VERSION,
                                           session=http, scratch_url=running.url)

    assert instance == running.url.removeprefix("https://")
    assert session_id.startswith(sandbox.org_id[:15] + "!")
    client = Salesforce(instance=instance, session_id=session_id, version=VERSION, session=http)
    assert client.query("SELECT COUNT() FROM Product2")["totalSize"] > 0


def test_soap_envelope_carries_server_url_with_org_id(sandbox, running, http):
    body = (f'<?xml version="1.0"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">'
            f'<env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{sandbox.username}'
            f'</n1:username><n1:password>{sandbox.password}{sandbox.security_token}</n1:password></n1:login>'
            f'</env:Body></env:Envelope>')

    response = http.post(f"{running.url}/services/Soap/u/{VERSION}", data=body,
                         headers={"content-type": "text/xml", "SOAPAction": "login"})

    assert response.status_code == 200
    assert f"<serverUrl>{running.url}/services/Soap/u/{VERSION}/{sandbox.org_id[:15]}</serverUrl>" in response.text
    assert "<sessionId>" in response.text and "<passwordExpired>false</passwordExpired>" in response.text


def test_bad_soap_login_is_an_invalid_login_fault(sandbox, running, http):
    with pytest.raises(SalesforceAuthenticationFailed) as failed:
        SalesforceLogin(username=sandbox.username, password="wrong", security_token=sandbox.security_token,
                        sf_version=VERSION, session=http, scratch_url=running.url)

    assert failed.value.code == "INVALID_LOGIN"
    assert "Invalid username, password, security token; or user locked out." in failed.value.auth_message


def test_simple_salesforce_password_login_through_domain(sandbox, running, http):
    client = Salesforce(username=sandbox.username, password=sandbox.password, security_token=sandbox.security_token,
                        domain=login_domain(running, f"/services/Soap/u/{VERSION}"), version=VERSION, session=http)

    assert client.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")["totalSize"] == 1


def test_invalid_session_gets_401_invalid_session_id(running, http):
    client = Salesforce(instance_url=running.url, session_id="00Dxx0000000000!bogus", version=VERSION, session=http)

    with pytest.raises(SalesforceExpiredSession) as expired:
        client.query("SELECT Id FROM Account")

    assert expired.value.status == 401
    assert expired.value.content == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_missing_authorization_header_gets_401(running, http):
    response = http.get(f"{running.url}/services/data/v{VERSION}/limits")

    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_expired_session_is_renewed_by_simple_salesforce_relogin():
    org = SalesforceSandbox()
    with org.serve() as running:
        session = _trusting_session(running)
        client = Salesforce(username=org.username, password=org.password, security_token=org.security_token,
                            domain=login_domain(running, f"/services/Soap/u/{VERSION}"), version=VERSION,
                            session=session)
        org.faults.expire_session_after(2)
        for _ in range(4):
            client.query("SELECT COUNT() FROM Account")

    assert org.counters["POST services/Soap/u/{version}"] == 2
    assert org.counters["GET query"] == 5  # four answered, one refused with 401 and retried after re-login


def test_direct_session_id_stops_working_once_sessions_expire(sandbox, running, http):
    stale = sandbox.session_id
    sandbox.faults.expire_session_after(1)
    client = Salesforce(instance_url=running.url, session_id=stale, version=VERSION, session=http)
    client.query("SELECT COUNT() FROM Account")

    with pytest.raises(SalesforceExpiredSession):
        client.query("SELECT COUNT() FROM Account")
    assert sandbox.session_id != stale


def _trusting_session(running: RunningServer) -> requests.Session:
    session = requests.Session()
    session.verify = str(running.ca_file)
    session.trust_env = False
    return session
