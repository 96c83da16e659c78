"""One emulated org served over HTTPS per test module, and simple-salesforce clients pointed at it.

simple-salesforce always builds `https://{domain}.salesforce.com/...` for logins. To send a login
to the emulator we pass a `domain` that ends in `#`: the rest of the URL becomes a fragment,
which `requests` never sends, so `domain="127.0.0.1:PORT/services/Soap/u/62.0#"` posts to the
emulator's SOAP endpoint (see `login_domain`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from nuesync.sandbox.salesforce import SalesforceSandbox
from nuesync.sandbox.server import RunningServer

VERSION = "62.0"


@pytest.fixture(scope="module")
def sandbox() -> SalesforceSandbox:
    org = SalesforceSandbox(api_version=VERSION)
    org.seed_catalog()
    return org


@pytest.fixture(scope="module")
def running(sandbox: SalesforceSandbox) -> Iterator[RunningServer]:
    with sandbox.serve() as server:
        yield server


@pytest.fixture
def http(running: RunningServer) -> requests.Session:
    """A requests session that trusts the emulator's certificate and ignores the environment."""
    session = requests.Session()
    session.verify = str(running.ca_file)
    session.trust_env = False
    return session


@pytest.fixture
def client(sandbox: SalesforceSandbox, running: RunningServer, http: requests.Session) -> Salesforce:
    return Salesforce(instance_url=running.url, session_id=sandbox.session_id, version=VERSION, session=http)


@pytest.fixture
def rest(client: Salesforce) -> Callable[..., Any]:
    """`rest("PATCH", "composite/sobjects/...", json=…)` through simple-salesforce's own call path."""

    def call(method: str, path: str, **kwargs: Any) -> Any:
        return client.restful(path, method=method, **kwargs)

    return call


@pytest.fixture
def raw(running: RunningServer, http: requests.Session, sandbox: SalesforceSandbox) -> Callable[..., Any]:
    """A plain HTTP call to the data API, for checking status codes simple-salesforce hides."""

    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {sandbox.session_id}", **kwargs.pop("headers", {})}
        return http.request(method, f"{running.url}/services/data/v{VERSION}/{path}", headers=headers, **kwargs)

    return call


def login_domain(running: RunningServer, path: str) -> str:
    """A simple-salesforce `domain` that makes its login URL land on `path` of the emulator."""
    return f"{running.url.removeprefix('https://')}{path}#"
