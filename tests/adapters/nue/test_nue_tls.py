"""Which CA certificates the Nue client trusts, and a clear exit 2 when a trust setting is unusable.

Driven against the emulator served over TLS with a self-signed certificate, so trusting it (or
not) is real; `SSL_CERT_FILE` and friends are set in the process environment too, where httpx
would read them on its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from nue_scenarios import NUE_KEY_ENV, nue_settings

from nuesync.adapters.nue import NueAdapter
from nuesync.adapters.retry import RetryPolicy
from nuesync.errors import ApiUnavailableError, ConfigError, ExitCode
from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.server import RunningServer, serving

KEY = "nue-tls-test-key-0001"


@pytest.fixture(scope="module")
def tls_nue() -> Iterator[RunningServer]:
    with serving(NueSandbox(api_key=KEY).app, tls=True) as running:
        yield running


@pytest.fixture(scope="module")
def plain_nue() -> Iterator[RunningServer]:
    with serving(NueSandbox(api_key=KEY).app) as running:
        yield running


def _set(monkeypatch: pytest.MonkeyPatch, **variables: str) -> dict[str, str]:
    """Set variables in the process environment (where httpx looks) and return it with the key."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return {**os.environ, NUE_KEY_ENV: KEY}


def _adapter(url: str, environ: dict[str, str], **nue: object) -> NueAdapter:
    return NueAdapter(nue_settings(url, **nue), environ=environ, retry=RetryPolicy(max_retries=0))


def _reads(adapter: NueAdapter) -> bool:
    with adapter:
        return adapter.fetch_orders().orders == []


def test_the_configured_bundle_is_trusted(tls_nue: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _reads(_adapter(tls_nue.url, _set(monkeypatch), ca_bundle=str(tls_nue.ca_file)))


def test_without_it_a_private_certificate_is_not_trusted(
    tls_nue: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    retry = RetryPolicy(max_retries=3, sleep=sleeps.append)
    adapter = NueAdapter(nue_settings(tls_nue.url), environ=_set(monkeypatch), retry=retry)

    with pytest.raises(ApiUnavailableError, match="its TLS certificate is not trusted") as caught:
        _reads(adapter)

    assert "nue.ca_bundle" in caught.value.message
    assert sleeps == []  # a certificate problem is not retried


def test_ssl_cert_file_is_honoured_without_a_bundle(tls_nue: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _reads(_adapter(tls_nue.url, _set(monkeypatch, SSL_CERT_FILE=str(tls_nue.ca_file))))


@pytest.mark.parametrize(
    ("variable", "what"), [("SSL_CERT_FILE", "no such file"), ("SSL_CERT_DIR", "no such directory")]
)
def test_a_ca_variable_pointing_nowhere_is_a_config_error_naming_it(
    tls_nue: RunningServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, what: str
) -> None:
    nowhere = tmp_path / "no-such-ca"

    with pytest.raises(ConfigError) as caught:
        _adapter(tls_nue.url, _set(monkeypatch, **{variable: str(nowhere)}))

    assert caught.value.exit_code is ExitCode.USAGE
    assert caught.value.message.startswith(f"the environment variable {variable}={nowhere}: {what}; fix or unset it")


def test_ssl_cert_file_that_is_not_pem_is_a_config_error(
    tls_nue: RunningServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    junk = tmp_path / "ca.pem"
    junk.write_text("junk\n")

    with pytest.raises(ConfigError, match=r"SSL_CERT_FILE=.*ca\.pem: not a PEM file of CA certificates"):
        _adapter(tls_nue.url, _set(monkeypatch, SSL_CERT_FILE=str(junk)))


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_the_configured_bundle_wins_over_every_ca_variable(
    tls_nue: RunningServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    environ = _set(monkeypatch, **{variable: str(tmp_path / "no-such-ca")})

    assert _reads(_adapter(tls_nue.url, environ, ca_bundle=str(tls_nue.ca_file)))


def test_a_plain_http_loopback_url_needs_no_ca_at_all(
    plain_nue: RunningServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environ = _set(monkeypatch, SSL_CERT_FILE=str(tmp_path / "none"), SSL_CERT_DIR=str(tmp_path / "none"))

    assert _reads(_adapter(plain_nue.url, environ))


def test_a_bundle_gone_since_the_config_was_loaded_is_a_config_error(
    tls_nue: RunningServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(Path(str(tls_nue.ca_file)).read_bytes())
    settings = nue_settings(tls_nue.url, ca_bundle=str(bundle))
    bundle.unlink()

    with pytest.raises(ConfigError) as caught:
        NueAdapter(settings, environ=_set(monkeypatch))

    assert caught.value.message.startswith(f"nue.ca_bundle = '{bundle}': no such file")
