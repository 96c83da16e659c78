"""Fixtures for the Nue adapter tests: a served emulator, adapters built against it, cassette mode."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from nue_scenarios import (
    DUMMY_KEY,
    NUE_KEY_ENV,
    PLACEHOLDER_URL,
    REAL_TENANT_KEY_ENV,
    REAL_TENANT_URL_ENV,
    RECORDING_KEY,
    ContractTarget,
    nue_settings,
)

from nuesync.adapters.nue import NueAdapter
from nuesync.adapters.retry import RetryPolicy
from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.server import RunningServer, serving


@pytest.fixture
def sleeps() -> list[float]:
    """Backoff delays the adapter asked for (it never really sleeps in tests)."""
    return []


@pytest.fixture
def no_wait(sleeps: list[float]) -> RetryPolicy:
    return RetryPolicy(max_retries=3, base_delay=0.05, sleep=sleeps.append, rng=random.Random(3))


@pytest.fixture
def nue() -> NueSandbox:
    """An emulated tenant with the shared catalogue (products, price-book entries, price tags)."""
    sandbox = NueSandbox(api_key=RECORDING_KEY)
    sandbox.seed_catalog()
    return sandbox


class SandboxHost:
    """One loopback server for the whole session, answering with whichever sandbox a test hosts.

    Starting and stopping a server per test costs half a second each (the stdlib server's
    shutdown poll); a fresh sandbox per test behind one server keeps tests isolated and fast.
    """

    def __init__(self) -> None:
        self.sandbox: NueSandbox | None = None
        self.running: RunningServer | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.sandbox is not None, "no sandbox hosted"
        return self.sandbox.app(environ, start_response)

    def host(self, sandbox: NueSandbox) -> str:
        self.sandbox = sandbox
        assert self.running is not None
        return self.running.url


@pytest.fixture(scope="session")
def sandbox_host() -> Iterator[SandboxHost]:
    host = SandboxHost()
    with serving(host) as running:
        host.running = running
        yield host


@pytest.fixture
def served(nue: NueSandbox, sandbox_host: SandboxHost) -> Iterator[RunningServer]:
    sandbox_host.host(nue)
    assert sandbox_host.running is not None
    yield sandbox_host.running
    sandbox_host.sandbox = None


@pytest.fixture
def adapter_for(served: RunningServer, nue: NueSandbox, no_wait: RetryPolicy) -> Iterator[Callable[..., NueAdapter]]:
    """Build adapters against the served emulator (`key=` to send another key, `**nue` settings)."""
    built: list[NueAdapter] = []

    def build(*, key: str | None = None, retry: RetryPolicy | None = None, **settings: Any) -> NueAdapter:
        adapter = NueAdapter(
            nue_settings(served.url, **settings), environ={NUE_KEY_ENV: key or nue.api_key}, retry=retry or no_wait
        )
        built.append(adapter)
        return adapter

    yield build
    for adapter in built:
        adapter.close()


@pytest.fixture
def adapter(adapter_for: Callable[..., NueAdapter]) -> NueAdapter:
    return adapter_for()


@pytest.fixture
def recording(request: pytest.FixtureRequest) -> bool:
    """True when cassettes are being (re)recorded; replay (`--record-mode=none`, the default) needs no server."""
    return request.config.getoption("--record-mode") not in (None, "none")


@pytest.fixture(scope="module")
def vcr_config(vcr_config: dict[str, Any]) -> dict[str, Any]:
    """The suite's cassette settings, plus: the `host` header and a real tenant's origin are written
    as the placeholder host, so a re-recording differs neither by port nor by tenant."""
    scrub = vcr_config["before_record_request"]
    tenant = (os.environ.get(REAL_TENANT_URL_ENV) or "").rstrip("/")

    def scrub_request(request: Any) -> Any:
        request = scrub(request)
        if tenant and request.uri.startswith(tenant):
            request.uri = PLACEHOLDER_URL + request.uri.removeprefix(tenant)
        if "host" in request.headers:
            request.headers["host"] = PLACEHOLDER_URL.removeprefix("https://")
        return request

    return {**vcr_config, "before_record_request": scrub_request}


@pytest.fixture
def contract_target(recording: bool, request: pytest.FixtureRequest) -> Iterator[ContractTarget]:
    """A placeholder on replay; while recording, the tenant named by NUESYNC_RECORD_NUE_URL and
    NUESYNC_RECORD_NUE_KEY when both are set, else a fresh emulator behind the session server."""
    if not recording:
        yield ContractTarget(PLACEHOLDER_URL, DUMMY_KEY)
        return
    tenant_url, tenant_key = os.environ.get(REAL_TENANT_URL_ENV), os.environ.get(REAL_TENANT_KEY_ENV)
    if tenant_url and tenant_key:
        yield ContractTarget(tenant_url, tenant_key, real_tenant=True)
        return
    sandbox_host: SandboxHost = request.getfixturevalue("sandbox_host")
    sandbox = NueSandbox(api_key=RECORDING_KEY)
    sandbox.seed_catalog()
    yield ContractTarget(sandbox_host.host(sandbox), RECORDING_KEY, sandbox)
    sandbox_host.sandbox = None


@pytest.fixture
def contract_adapter(contract_target: ContractTarget, no_wait: RetryPolicy) -> Iterator[NueAdapter]:
    """Writes one at a time (`max_concurrency = 1`): the recorded order of requests is the replayed one."""
    settings = nue_settings(contract_target.url, max_concurrency=1, page_size=3)
    with NueAdapter(settings, environ={NUE_KEY_ENV: contract_target.key}, retry=no_wait) as adapter:
        yield adapter
