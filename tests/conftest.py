"""Suite-wide fixtures: an isolated outside world, and cassette settings shared by both adapters."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parent.parent

# Property tests judge behaviour, never speed (speed lives in tests/benchmarks): a CI machine under
# load must not turn a slow example into a failure.
settings.register_profile("nuesync", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("nuesync")
CASSETTES = REPO / "cassettes"

# Placeholders written into cassettes instead of real hosts and secrets.
SCRUBBED = "REDACTED"

_SECRET_HEADERS = ("authorization", "nue-api-key", "x-sfdc-session", "cookie", "set-cookie")
_SECRET_BODY = re.compile(
    r'("(?:access_token|sessionId|session_id|api_key|apiKey|client_secret|password|refresh_token)"\s*:\s*")[^"]*(")'
    r"|(<sessionId>)[^<]*(</sessionId>)|(<password>)[^<]*(</password>)",
)


@pytest.fixture(autouse=True)
def isolated_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read the developer's real config, state or credentials."""
    for name in ("NUESYNC_CONFIG", "NUE_API_KEY", "SF_SESSION_ID", "SF_USERNAME", "SF_PASSWORD",
                 "SF_SECURITY_TOKEN", "SF_CLIENT_ID", "SF_CLIENT_SECRET", "SF_PRIVATE_KEY",
                 "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")


def scrub_text(text: str) -> str:
    """Replace secret values in a JSON or SOAP body, keeping the shape around them."""
    return _SECRET_BODY.sub(_replace, text)


def _replace(match: re.Match[str]) -> str:
    groups = match.groups()
    for start in (0, 2, 4):
        if groups[start] is not None:
            return f"{groups[start]}{SCRUBBED}{groups[start + 1]}"
    return match.group(0)


def _scrub_uri(uri: str) -> str:
    return re.sub(r"^https?://(127\.0\.0\.1|localhost)(:\d+)?", "https://sandbox.invalid", uri)


def _scrub_request(request: Any) -> Any:
    request.uri = _scrub_uri(request.uri)
    for name in list(request.headers):
        if name.lower() in _SECRET_HEADERS:
            request.headers[name] = SCRUBBED
        elif name.lower() == "host":
            request.headers[name] = "sandbox.invalid"
    if request.body:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        request.body = scrub_text(body).encode()
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in _SECRET_HEADERS:
            headers[name] = [SCRUBBED]
    body = response.get("body", {})
    raw = body.get("string")
    if raw:
        text = raw.decode() if isinstance(raw, bytes) else raw
        text = re.sub(r"https?://(127\.0\.0\.1|localhost)(:\d+)?", "https://sandbox.invalid", scrub_text(text))
        body["string"] = text.encode() if isinstance(raw, bytes) else text
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Cassettes match on method, path, query and body, never on host: replay needs no server."""
    return {
        "match_on": ("method", "path", "query", "body"),
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """`cassettes/<test module>/` at the top of the repo, as the product layout says."""
    return str(CASSETTES / request.module.__name__.split(".")[-1])
