"""Which CA certificates each adapter trusts, and a clear configuration error when they are unusable.

Left to themselves the HTTP libraries fail late and obscurely on a bad trust setting: requests
raises a bare `OSError` at the first request for a `verify` path that does not exist, and httpx
builds its SSL context from `SSL_CERT_FILE` when the client is created, crashing with
`FileNotFoundError`. Both would end nuesync with exit 1 ("a bug") for what is a fixable setting,
so the trust is resolved here, up front, and every problem becomes a `ConfigError` (exit 2)
naming the config key or environment variable and the path.

Salesforce trusts `salesforce.ca_bundle` or the bundled CA store and nothing from the
environment (its session has `trust_env = False`). Nue trusts `nue.ca_bundle` when set; else,
for an `https://` base URL, `SSL_CERT_FILE` / `SSL_CERT_DIR` as httpx would; else the bundled store.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from nuesync.config import NueSettings, unreadable_file
from nuesync.errors import ConfigError

CERT_FILE_ENV = "SSL_CERT_FILE"
CERT_DIR_ENV = "SSL_CERT_DIR"


def configured_bundle(path: Path, key: str) -> ssl.SSLContext:
    """A context trusting exactly the PEM file a config key names; a ConfigError naming the key if unusable."""
    fix = f"set {key} to a readable PEM file of CA certificates, or remove it"
    return _context_from_file(path, f"{key} = '{path}'", fix)


def nue_context(nue: NueSettings, environ: Mapping[str, str]) -> ssl.SSLContext:
    """The CA certificates the Nue client trusts (see the module docstring for the order)."""
    if nue.ca_bundle is not None:
        return configured_bundle(nue.ca_bundle, "nue.ca_bundle")
    if urlsplit(nue.base_url).scheme == "https":
        fix = "fix or unset it, or set nue.ca_bundle"
        if environ.get(CERT_FILE_ENV):
            path = Path(environ[CERT_FILE_ENV])
            return _context_from_file(path, f"the environment variable {CERT_FILE_ENV}={path}", fix)
        if environ.get(CERT_DIR_ENV):
            return _context_from_dir(Path(environ[CERT_DIR_ENV]), fix)
    return httpx.create_ssl_context(trust_env=False)


def _context_from_file(path: Path, source: str, fix: str) -> ssl.SSLContext:
    problem = unreadable_file(path)
    if problem:
        raise ConfigError(f"{source}: {problem}; {fix}")
    try:
        return ssl.create_default_context(cafile=str(path))
    except ssl.SSLError:
        raise ConfigError(f"{source}: not a PEM file of CA certificates; {fix}") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot be read ({exc.strerror}); {fix}") from None


def _context_from_dir(path: Path, fix: str) -> ssl.SSLContext:
    """OpenSSL silently trusts nothing from a missing directory, so every TLS handshake would fail."""
    if not path.is_dir():
        raise ConfigError(f"the environment variable {CERT_DIR_ENV}={path}: no such directory; {fix}")
    return ssl.create_default_context(capath=str(path))
