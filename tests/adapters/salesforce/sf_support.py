"""Helpers shared by the Salesforce adapter tests (fixtures wrapping them live in conftest.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter

from nuesync.adapters.retry import RetryPolicy
from nuesync.config import Settings
from nuesync.model import Billing, Customer, DraftOrder, LineItem, Links, PricingDimension, System
from nuesync.sandbox.salesforce import SalesforceSandbox
from nuesync.sandbox.server import RunningServer, serving
from tests.conftest import SCRUBBED


@dataclass
class Waits:
    """A retry policy's sleeps, recorded instead of slept."""

    seconds: list[float] = field(default_factory=list)

    def policy(self, max_retries: int = 3) -> RetryPolicy:
        return RetryPolicy(max_retries=max_retries, base_delay=0.5, sleep=self.seconds.append)


def sf_settings(
    url: str,
    ca_file: Path | str | None = None,
    auth: str = "session",
    *,
    sections: dict[str, Any] | None = None,
    **salesforce: Any,
) -> Settings:
    """Settings for an org at `url` (the emulator's, or a placeholder when replaying cassettes)."""
    section: dict[str, Any] = {"auth": auth, "instance_url": url, **salesforce}
    if ca_file is not None:
        section["ca_bundle"] = str(ca_file)
    return Settings.model_validate({**(sections or {}), "salesforce": section})


@dataclass
class Org:
    """A served emulator and what a test needs to reach it."""

    sandbox: SalesforceSandbox
    url: str
    ca_file: Path

    def environ(self, **extra: str) -> dict[str, str]:
        sf = self.sandbox
        return {
            "SF_SESSION_ID": sf.session_id,
            "SF_USERNAME": sf.username,
            "SF_PASSWORD": sf.password,
            "SF_SECURITY_TOKEN": sf.security_token,
            "SF_CLIENT_ID": sf.client_id,
            "SF_CLIENT_SECRET": sf.client_secret,
            **extra,
        }


class Switchboard:
    """One HTTPS endpoint whose org a test swaps in: starting and stopping a server costs ~0.5 s,
    a fresh emulated org almost nothing, so the suite serves once and builds an org per test."""

    def __init__(self) -> None:
        self.sandbox: SalesforceSandbox | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        assert self.sandbox is not None, "no org plugged in"
        return self.sandbox.app(environ, start_response)


@contextmanager
def switchboard() -> Iterator[tuple[Switchboard, RunningServer]]:
    board = Switchboard()
    with serving(board, tls=True) as running:
        yield board, running


def new_org(board: Switchboard, running: RunningServer, **options: Any) -> Org:
    """A fresh emulated org with its catalogue seeded, now answering at the served URL."""
    sandbox = SalesforceSandbox(**options)
    sandbox.seed_catalog()
    board.sandbox = sandbox
    assert running.ca_file is not None
    return Org(sandbox, running.url, running.ca_file)


@dataclass
class Clock:
    """The emulated org's clock, moved by the test (SystemModstamp comes from it)."""

    now: dt.datetime = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


CART_SKUS = ("NUE-SEAT", "NUE-PLAT-PRO", "NUE-API-10K")


def linked_account(org: Org, nue_id: str = "CUS-ACME", name: str = "Acme Corp") -> Customer:
    """An Account already linked to its Nue customer, as the canonical customer a Nue order names."""
    account_id = org.sandbox.insert("Account", {"Name": name, "Nue_Customer_Id__c": nue_id})
    return Customer(links=Links(nue_id=nue_id, salesforce_id=account_id), name=name)


def nue_cart(number: int, customer: Customer, skus: Sequence[str] = CART_SKUS, **changes: Any) -> DraftOrder:
    """A self-service cart from Nue's portal, as the Nue adapter hands it to `upsert_orders`."""
    lines = [
        LineItem(
            links=Links(nue_id=f"OP-{number:05d}-{index}"),
            product_sku=sku,
            quantity=Decimal(index + 1),
            unit_price=Decimal("12.50") * (index + 1),
            subscription_start=dt.date(2026, 2, 1),
            subscription_end=dt.date(2027, 1, 31),
            subscription_term=Decimal(12),
            price_tags=[PricingDimension(code="VOLUME-TIER-1")] if index == 0 else [],
        )
        for index, sku in enumerate(skus)
    ]
    order = DraftOrder(
        links=Links(nue_id=f"ORD-{number:05d}"),
        name=f"Portal cart {number}",
        customer=customer,
        effective_date=dt.date(2026, 2, 1),
        currency="USD",
        origin=System.NUE,
        billing=Billing(billing_period="Month", bill_cycle_day="1st Day of Month", payment_term="Net 30"),
        lines=lines,
    )
    return order.model_copy(update=changes) if changes else order


PLACEHOLDER_URL = "https://sandbox.invalid"
_LOGIN_SECRETS = re.compile(
    r"(<(?:\w+:)?(?:username|password)>)[^<]*(</(?:\w+:)?(?:username|password)>)"
    r"|((?:^|&)(?:client_id|client_secret|username|password|assertion)=)[^&]*()"
)


def scrub_login_secrets(text: str) -> str:
    """What the suite's scrubber misses: namespaced SOAP login fields and form-encoded OAuth bodies."""
    return _LOGIN_SECRETS.sub(lambda m: f"{m[1] or m[3]}{SCRUBBED}{m[2] or m[4] or ''}", text)


def with_login_scrubbing(config: dict[str, Any], real_host: str | None = None) -> dict[str, Any]:
    """The suite's vcr settings, plus login-body scrubbing and (when recording a real org) its host hidden.

    The same filters run on replayed requests before matching, so a replay with dummy secrets
    matches the recording made with real ones.
    """
    shared_request, shared_response = config["before_record_request"], config["before_record_response"]

    def hide_host(text: str) -> str:
        return text.replace(f"https://{real_host}", PLACEHOLDER_URL) if real_host else text

    def before_request(request: Any) -> Any:
        request = shared_request(request)
        request.uri = hide_host(request.uri)
        if request.body:
            body = request.body.decode() if isinstance(request.body, bytes) else request.body
            request.body = scrub_login_secrets(body).encode()
        return request

    def before_response(response: dict[str, Any]) -> dict[str, Any]:
        response = shared_response(response)
        body = response.get("body", {})
        if isinstance(body.get("string"), bytes):
            body["string"] = hide_host(body["string"].decode()).encode()
        return response

    return {**config, "before_record_request": before_request, "before_record_response": before_response}


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class ScriptedHost(BaseAdapter):
    """A Salesforce host as a requests transport, answering from a script: for the error paths the
    emulator has no fault for (Retry-After values, permission refusals)."""

    def __init__(self, *answers: Answer) -> None:
        super().__init__()
        self.answers = list(answers)
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        response = requests.Response()
        response.request, response.url, response.status_code = request, str(request.url), answer.status
        response._content = json.dumps(answer.body).encode()
        response.headers.update({"Content-Type": "application/json", **answer.headers})
        return response

    def close(self) -> None:
        return

    def session(self) -> requests.Session:
        session = requests.Session()
        session.mount("https://", self)
        return session
