"""No secret reaches a cassette: a scan of every cassette, and a fresh recording checked for the org's secrets."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import vcr
import yaml

from nuesync.adapters.salesforce import SalesforceAdapter
from tests.adapters.salesforce.sf_support import Org, linked_account, nue_cart, with_login_scrubbing
from tests.conftest import CASSETTES, SCRUBBED

SECRET_HEADERS = {"authorization", "nue-api-key", "x-sfdc-session", "cookie", "set-cookie"}
NOT_SCRUBBED = r"(?!REDACTED)"
LEAKS = {
    "bearer token": re.compile(rf"Bearer\s+{NOT_SCRUBBED}[A-Za-z0-9!._~+/=-]{{12,}}"),
    "Salesforce session id": re.compile(r"\b00D[A-Za-z0-9]{12}![A-Za-z0-9._-]{16,}"),
    "SOAP secret element": re.compile(rf"<(?:\w+:)?(?:sessionId|password)>{NOT_SCRUBBED}[^<]+<"),
    "JSON secret field": re.compile(
        rf'"(?:access_token|refresh_token|client_secret|password|sessionId|session_id|api_key|apiKey)"\s*:\s*"'
        rf"{NOT_SCRUBBED}[^\"]+\""
    ),
    "form-encoded secret": re.compile(
        rf"(?:^|[&\s\"'])(?:client_secret|client_id|password|assertion)={NOT_SCRUBBED}[^&\s\"']+"
    ),
    "connected app consumer key": re.compile(r"\b3MVG9[A-Za-z0-9._-]{20,}"),
}


def cassette_files() -> list[Path]:
    return sorted(path for path in CASSETTES.rglob("*") if path.is_file() and path.suffix in {".yaml", ".yml", ".json"})


def leaks_in(text: str) -> list[str]:
    return [name for name, pattern in LEAKS.items() if pattern.search(text)]


def unscrubbed_headers(text: str) -> list[str]:
    found = []
    for interaction in (yaml.safe_load(text) or {}).get("interactions", []):
        for part in ("request", "response"):
            for name, values in (interaction.get(part, {}).get("headers") or {}).items():
                if name.lower() in SECRET_HEADERS and values != [SCRUBBED] and values != SCRUBBED:
                    found.append(f"{part} header {name}")
    return found


def test_the_salesforce_contract_cassettes_are_there_to_scan() -> None:
    assert any(path.parent.name.startswith("test_salesforce_") for path in cassette_files())


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: str(p.relative_to(CASSETTES)))
def test_no_cassette_holds_a_secret(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    assert leaks_in(text) == []
    assert unscrubbed_headers(text) == []


@pytest.mark.parametrize(
    "leak",
    [
        "Authorization: Bearer 00Dxx0000001gPL!AQ4AQFS9yQn1Yq",
        '"access_token":"00Dxx0000001gPL!AQ4AQFS9yQn1Yq"',
        "<n1:password>hunter2TOKEN</n1:password>",
        "grant_type=client_credentials&client_id=3MVG9abc&client_secret=1234567890",
    ],
)
def test_the_scan_recognises_a_leak(leak: str) -> None:
    assert leaks_in(leak) != []


def test_a_fresh_recording_holds_none_of_the_orgs_secrets(
    org: Org, tmp_path: Path, vcr_config: dict[str, Any], adapter_for: Callable[..., SalesforceAdapter]
) -> None:
    config = with_login_scrubbing(vcr_config)
    recorder = vcr.VCR(**config)
    cassette = tmp_path / "fresh.yaml"
    customer = linked_account(org)
    sessions = []
    with recorder.use_cassette(str(cassette), record_mode="all"):
        for auth in ("session", "password", "client_credentials"):
            adapter = adapter_for(org, auth=auth)
            adapter.upsert_orders([nue_cart(len(sessions), customer)])
            sessions.append(adapter.connection.client.session_id)
    text = cassette.read_text(encoding="utf-8")
    sandbox = org.sandbox
    secrets = {sandbox.password, sandbox.security_token, sandbox.client_id, sandbox.client_secret, *sessions}

    assert [secret for secret in secrets if secret in text] == []
    assert leaks_in(text) == []
    assert unscrubbed_headers(text) == []
    assert "127.0.0.1" not in text
