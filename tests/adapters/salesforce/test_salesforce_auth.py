"""Building the client from config: each auth method, the CA bundle, and failures that name the cause."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from nuesync.adapters.salesforce import SalesforceAdapter, http_session
from nuesync.errors import (
    ApiUnavailableError,
    AuthenticationError,
    ConfigError,
    ExitCode,
    MissingSecretError,
    NuesyncError,
)
from nuesync.sandbox.server import make_certificate
from tests.adapters.salesforce.sf_support import Answer, Org, ScriptedHost, Waits, sf_settings

ORG_HOST = "https://org.example.invalid"


@pytest.fixture
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_jwt_login_signs_an_assertion_for_the_configured_user_and_uses_the_token(
    rsa_key: rsa.RSAPrivateKey, waits: Waits
) -> None:
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    host = ScriptedHost(
        Answer(200, {"access_token": "00Dfake!jwt-token", "instance_url": ORG_HOST, "token_type": "Bearer"}),
        Answer(200, {"totalSize": 0, "done": True, "records": []}, {"Sforce-Limit-Info": "api-usage=7/15000"}),
    )
    settings = sf_settings("https://ignored.example.invalid", auth="jwt", domain="test")
    environ = {"SF_USERNAME": "integration@acme.example", "SF_CLIENT_ID": "3MVG9-consumer", "SF_PRIVATE_KEY": pem}

    adapter = SalesforceAdapter(settings, environ=environ, session=host.session(), retry=waits.policy())
    customers = adapter.fetch_customers()

    token_request, query = host.requests
    assert token_request.url == "https://test.salesforce.com/services/oauth2/token"
    form = parse_qs(str(token_request.body))
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    claims = jwt.decode(
        form["assertion"][0], rsa_key.public_key(), algorithms=["RS256"], audience="https://test.salesforce.com"
    )
    assert (claims["iss"], claims["sub"]) == ("3MVG9-consumer", "integration@acme.example")
    assert str(query.url).startswith(f"{ORG_HOST}/services/data/v62.0/query")
    assert query.headers["Authorization"] == "Bearer 00Dfake!jwt-token"
    assert customers == []
    usage = adapter.api_usage()
    assert usage is not None
    assert usage.remaining == 15000 - 7


def test_session_auth_needs_the_instance_url() -> None:
    settings = sf_settings("https://x.invalid").model_copy(
        update={"salesforce": sf_settings("https://x.invalid").salesforce.model_copy(update={"instance_url": None})}
    )

    with pytest.raises(ConfigError, match="instance_url"):
        SalesforceAdapter(settings, environ={"SF_SESSION_ID": "00Dx!abc"})


@pytest.mark.parametrize(
    ("auth", "missing"),
    [("session", "SF_SESSION_ID"), ("password", "SF_SECURITY_TOKEN"), ("client_credentials", "SF_CLIENT_SECRET")],
)
def test_a_missing_secret_names_its_environment_variable(auth: str, missing: str) -> None:
    environ = {
        "SF_SESSION_ID": "s",
        "SF_USERNAME": "u",
        "SF_PASSWORD": "p",
        "SF_SECURITY_TOKEN": "t",
        "SF_CLIENT_ID": "c",
        "SF_CLIENT_SECRET": "k",
    }
    del environ[missing]

    with pytest.raises(MissingSecretError, match=missing) as caught:
        SalesforceAdapter(sf_settings("https://x.invalid", auth=auth), environ=environ)

    assert caught.value.exit_code is ExitCode.USAGE


@pytest.mark.parametrize("auth", ["session", "password", "client_credentials"])
def test_each_auth_method_reaches_the_org(org: Org, adapter_for: Callable[..., SalesforceAdapter], auth: str) -> None:
    account_id = org.sandbox.insert("Account", {"Name": "Acme", "Nue_Customer_Id__c": "nue-cust-1"})
    adapter = adapter_for(org, auth=auth)

    customers = adapter.fetch_customers()

    assert [(c.links.salesforce_id, c.links.nue_id, c.name) for c in customers] == [(account_id, "nue-cust-1", "Acme")]
    assert adapter.api_usage() is not None


@pytest.mark.parametrize(
    ("auth", "variable", "secret"),
    [("password", "SF_PASSWORD", "not-the-password"), ("client_credentials", "SF_CLIENT_SECRET", "not-the-secret")],
)
def test_refused_credentials_are_an_authentication_error_without_the_secret(
    org: Org, waits: Waits, auth: str, variable: str, secret: str
) -> None:
    settings = sf_settings(org.url, org.ca_file, auth)

    with pytest.raises(AuthenticationError) as caught:
        SalesforceAdapter(settings, environ=org.environ(**{variable: secret}), retry=waits.policy())

    assert caught.value.exit_code is ExitCode.API_UNAVAILABLE
    assert variable in caught.value.message
    assert secret not in caught.value.message


def test_an_invalid_session_id_names_the_variable_and_never_the_session(org: Org, waits: Waits) -> None:
    adapter = SalesforceAdapter(
        sf_settings(org.url, org.ca_file, "session"),
        environ=org.environ(SF_SESSION_ID="00Dbogus!session"),
        retry=waits.policy(),
    )

    with pytest.raises(AuthenticationError) as caught:
        adapter.fetch_orders()

    assert "SF_SESSION_ID" in caught.value.message
    assert "00Dbogus!session" not in caught.value.message


def test_the_session_trusts_only_the_configured_bundle(tmp_path: Path) -> None:
    bundle = make_certificate(tmp_path).cert_file
    session = http_session(sf_settings("https://x.invalid", bundle).salesforce)

    assert session.trust_env is False
    assert session.verify == str(bundle)
    assert http_session(sf_settings("https://x.invalid").salesforce).verify is True


def test_requests_ca_bundle_in_the_environment_cannot_replace_the_configured_one(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_ca = make_certificate(tmp_path / "other").cert_file
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca))  # would break TLS if requests honoured it
    org.sandbox.insert("Account", {"Name": "Acme"})

    assert [c.name for c in adapter_for(org).fetch_customers()] == ["Acme"]


def test_requests_ca_bundle_in_the_environment_cannot_add_trust_either(
    org: Org, waits: Waits, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(org.ca_file))  # would make TLS work if requests honoured it
    adapter = SalesforceAdapter(sf_settings(org.url), environ=org.environ(), retry=waits.policy())

    with pytest.raises(ApiUnavailableError, match="not trusted") as caught:
        adapter.fetch_customers()

    assert org.url in caught.value.message
    assert waits.seconds == []  # a certificate problem is not retried


def test_connection_refused_is_retried_then_names_the_url(waits: Waits, closed_port: int) -> None:
    url = f"https://127.0.0.1:{closed_port}"
    adapter = SalesforceAdapter(sf_settings(url), environ={"SF_SESSION_ID": "00Dx!abc"}, retry=waits.policy(2))

    with pytest.raises(ApiUnavailableError, match="connection refused") as caught:
        adapter.fetch_customers()

    assert url in caught.value.message
    assert len(waits.seconds) == 2


def test_an_unknown_host_fails_at_once_naming_it(waits: Waits) -> None:
    url = "https://nuesync-no-such-org.invalid"
    adapter = SalesforceAdapter(sf_settings(url), environ={"SF_SESSION_ID": "00Dx!abc"}, retry=waits.policy())

    with pytest.raises(ApiUnavailableError, match="host name not found") as caught:
        adapter.fetch_customers()

    assert url in caught.value.message
    assert waits.seconds == []


def test_an_unreachable_login_host_names_the_login_url(waits: Waits) -> None:
    settings = sf_settings("https://nuesync-no-such-login.invalid", auth="client_credentials")

    with pytest.raises(ApiUnavailableError) as caught:
        SalesforceAdapter(settings, environ={"SF_CLIENT_ID": "c", "SF_CLIENT_SECRET": "k"}, retry=waits.policy())

    assert caught.value.message.endswith("login at https://nuesync-no-such-login.invalid: host name not found")


def test_a_ca_bundle_gone_since_the_config_was_loaded_is_a_config_error_naming_key_and_path(
    tmp_path: Path, waits: Waits
) -> None:
    bundle = make_certificate(tmp_path).cert_file
    settings = sf_settings("https://org.example.invalid", bundle)
    bundle.unlink()

    with pytest.raises(ConfigError) as caught:
        SalesforceAdapter(settings, environ={"SF_SESSION_ID": "00Dx!abc"}, retry=waits.policy())

    assert caught.value.exit_code is ExitCode.USAGE
    assert "salesforce.ca_bundle" in caught.value.message
    assert str(bundle) in caught.value.message


def test_a_ca_bundle_that_is_not_pem_is_a_config_error(tmp_path: Path, waits: Waits) -> None:
    bundle = tmp_path / "corp-ca.pem"
    bundle.write_text("not a certificate\n")

    with pytest.raises(ConfigError, match=r"salesforce\.ca_bundle = .*corp-ca\.pem': not a PEM file"):
        SalesforceAdapter(
            sf_settings("https://org.example.invalid", bundle),
            environ={"SF_SESSION_ID": "00Dx!abc"},
            retry=waits.policy(),
        )


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_ca_variables_pointing_nowhere_are_ignored_as_the_whole_environment_is(
    org: Org,
    adapter_for: Callable[..., SalesforceAdapter],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    monkeypatch.setenv(variable, str(tmp_path / "no-such-ca"))
    org.sandbox.insert("Account", {"Name": "Acme"})

    assert [c.name for c in adapter_for(org).fetch_customers()] == ["Acme"]


@pytest.mark.parametrize("session_id", ["00Dx!clé", "00Dx!ok✓", "00Dx!abc\n"])
def test_a_session_id_that_cannot_be_a_header_names_the_variable_not_the_value(session_id: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SalesforceAdapter(sf_settings("https://org.example.invalid"), environ={"SF_SESSION_ID": session_id})

    assert caught.value.exit_code is ExitCode.USAGE
    assert "SF_SESSION_ID" in caught.value.message
    assert session_id.strip() not in caught.value.message


def test_a_login_refusal_that_echoes_the_client_secret_masks_it(waits: Waits) -> None:
    secret = "cs-4242-very-secret"
    refusal = {"error": "invalid_client", "error_description": f"client secret {secret} is invalid"}
    host = ScriptedHost(Answer(400, refusal))

    with pytest.raises(AuthenticationError) as caught:
        SalesforceAdapter(
            sf_settings(ORG_HOST, auth="client_credentials"),
            environ={"SF_CLIENT_ID": "3MVG9-consumer", "SF_CLIENT_SECRET": secret},
            session=host.session(),
            retry=waits.policy(),
        )

    assert "client secret *** is invalid" in caught.value.message
    assert secret not in caught.value.message


def test_a_login_answered_by_a_gateway_error_list_is_a_refusal_not_a_crash(waits: Waits) -> None:
    host = ScriptedHost(Answer(500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "gateway trouble"}]))

    with pytest.raises(AuthenticationError, match=r"\(HTTP_500: no access token\)") as caught:
        SalesforceAdapter(
            sf_settings(ORG_HOST, auth="client_credentials"),
            environ={"SF_CLIENT_ID": "3MVG9-consumer", "SF_CLIENT_SECRET": "cs-secret"},
            session=host.session(),
            retry=waits.policy(),
        )

    assert caught.value.exit_code is ExitCode.API_UNAVAILABLE


def test_the_token_obtained_at_login_is_masked_when_an_error_echoes_it(waits: Waits) -> None:
    token = "00Dfake!issued-token"
    host = ScriptedHost(
        Answer(200, {"access_token": token, "instance_url": ORG_HOST, "token_type": "Bearer"}),
        Answer(400, [{"errorCode": "MALFORMED_QUERY", "message": f"bad request for session {token}"}]),
    )
    adapter = SalesforceAdapter(
        sf_settings(ORG_HOST, auth="client_credentials"),
        environ={"SF_CLIENT_ID": "3MVG9-consumer", "SF_CLIENT_SECRET": "cs-secret"},
        session=host.session(),
        retry=waits.policy(),
    )

    with pytest.raises(NuesyncError) as caught:
        adapter.fetch_customers()

    assert "bad request for session ***" in caught.value.message
    assert token not in caught.value.message


@pytest.mark.parametrize("value", ["missing-key.pem", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" * 60])
def test_a_jwt_key_that_is_neither_pem_nor_a_file_names_the_variable_not_the_value(
    tmp_path: Path, waits: Waits, value: str
) -> None:
    settings = sf_settings("https://ignored.example.invalid", auth="jwt")
    missing = str(tmp_path / value) if value.endswith(".pem") else value
    environ = {"SF_USERNAME": "integration@acme.example", "SF_CLIENT_ID": "3MVG9-consumer", "SF_PRIVATE_KEY": missing}

    with pytest.raises(ConfigError) as caught:
        SalesforceAdapter(settings, environ=environ, session=ScriptedHost().session(), retry=waits.policy())

    assert caught.value.exit_code is ExitCode.USAGE
    assert "SF_PRIVATE_KEY" in caught.value.message
    assert missing not in caught.value.message
