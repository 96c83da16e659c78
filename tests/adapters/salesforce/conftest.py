"""Fixtures for the Salesforce adapter tests: a served emulator, adapters on it, a no-wait retry.

Nothing here sleeps: retries record their waits instead. Contract tests in
`test_salesforce_contract.py` use the cassette-aware fixtures defined there.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from nuesync.adapters.salesforce import SalesforceAdapter
from nuesync.model import Customer
from nuesync.sandbox.server import RunningServer
from tests.adapters.salesforce.sf_support import (
    Org,
    Switchboard,
    Waits,
    linked_account,
    new_org,
    sf_settings,
    switchboard,
)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture(scope="session")
def served() -> Iterator[tuple[Switchboard, RunningServer]]:
    """The one HTTPS server the adapter tests talk to (each test plugs its own org in)."""
    with switchboard() as board:
        yield board


@pytest.fixture
def new_org_for(served: tuple[Switchboard, RunningServer]) -> Callable[..., Org]:
    """Plug a fresh org, built with the emulator's options, into the served endpoint."""
    return lambda **options: new_org(*served, **options)


@pytest.fixture
def org(new_org_for: Callable[..., Org]) -> Org:
    """A fresh emulated org with the catalogue (standard price book, products, entries)."""
    return new_org_for()


@pytest.fixture
def adapter_for(waits: Waits) -> Iterator[Callable[..., SalesforceAdapter]]:
    """Build adapters against an org (closed at the end of the test)."""
    built: list[SalesforceAdapter] = []

    def build(
        org: Org, auth: str = "session", max_retries: int = 3, sections: dict[str, Any] | None = None, **salesforce: Any
    ) -> SalesforceAdapter:
        adapter = SalesforceAdapter(
            sf_settings(org.url, org.ca_file, auth, sections=sections, **salesforce),
            environ=org.environ(),
            retry=waits.policy(max_retries),
        )
        built.append(adapter)
        return adapter

    yield build
    for adapter in built:
        adapter.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def adapter(org: Org, adapter_for: Callable[..., SalesforceAdapter]) -> SalesforceAdapter:
    return adapter_for(org)


@pytest.fixture
def acme(org: Org) -> Customer:
    """Acme: an Account linked to its Nue customer, the customer most scenarios write for."""
    return linked_account(org)
