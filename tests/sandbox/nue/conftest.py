"""A served Nue sandbox per test, an httpx client holding its key, and named tenants to write against."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.server import RunningServer, serving


class Switchboard:
    """One server for the whole session, answering with the current test's sandbox.

    Stopping a stdlib server waits for its poll interval (0.5 s); one server instead of one per
    test keeps the suite fast while every test still gets a fresh tenant.
    """

    def __init__(self) -> None:
        self.app: Callable[..., Iterable[bytes]] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        assert self.app is not None, "no sandbox plugged in"
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def switchboard() -> Iterator[tuple[Switchboard, RunningServer]]:
    board = Switchboard()
    with serving(board) as server:
        yield board, server


@pytest.fixture
def nue() -> NueSandbox:
    sandbox = NueSandbox()
    sandbox.seed_catalog()
    return sandbox


@pytest.fixture
def running(nue: NueSandbox, switchboard: tuple[Switchboard, RunningServer]) -> Iterator[RunningServer]:
    board, server = switchboard
    board.app = nue.app
    yield server
    board.app = None


@pytest.fixture
def client(nue: NueSandbox, running: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.url, headers={"nue-api-key": nue.api_key}, timeout=10) as http:
        yield http


@dataclass(frozen=True)
class Tenant:
    """Two customers with a bill-to contact each: Acme (the one we order for) and Globex."""

    acme: str
    acme_contact: str
    globex: str
    globex_contact: str


@pytest.fixture
def tenant(nue: NueSandbox) -> Tenant:
    acme = nue.insert_customer({"name": "Acme Corp", "email": "billing@acme.example", "salesforceId": "001ACME"})
    globex = nue.insert_customer({"name": "Globex", "email": "ap@globex.example"})
    return Tenant(
        acme=acme,
        acme_contact=nue.insert_contact(acme, {"name": "Wile E. Coyote", "email": "wile@acme.example"}),
        globex=globex,
        globex_contact=nue.insert_contact(globex, {"name": "Hank Scorpio", "email": "hank@globex.example"}),
    )
