"""Contract tests: the adapter's real HTTP traffic, recorded against an org and replayed offline.

Replay (the default, `--record-mode=none`) builds the adapter against `https://sandbox.invalid`
with dummy secrets: no server starts and the network stays blocked. Recording
(`--record-mode=once|rewrite`) runs against a fresh emulated org — or a real sandbox org when
`NUESYNC_RECORD_SF_URL` is set, with its secrets in `NUESYNC_RECORD_SF_*` variables (the suite
hides the usual `SF_*` ones; see `cassettes/README.md`). Every test creates what it
needs through the adapter itself, with fixed Nue ids, so each request body is built only from
constants and from earlier recorded answers: a replay sends exactly the recorded requests.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from nuesync.adapters.base import Outcome
from nuesync.adapters.salesforce import SalesforceAdapter
from nuesync.errors import AuthenticationError
from nuesync.model import Customer, Links, Status, synced_content
from tests.adapters.salesforce.sf_support import (
    PLACEHOLDER_URL,
    Org,
    Waits,
    nue_cart,
    sf_settings,
    with_login_scrubbing,
)

REAL_ORG_ENV = "NUESYNC_RECORD_SF_URL"
DUMMY_SECRETS = {
    "SF_SESSION_ID": "00D000000000000!dummy-session",
    "SF_USERNAME": "replay@example.invalid",
    "SF_PASSWORD": "dummy-password",
    "SF_SECURITY_TOKEN": "DUMMYTOKEN",
    "SF_CLIENT_ID": "dummy-client-id",
    "SF_CLIENT_SECRET": "dummy-client-secret",
}
PARENT_BATCH, CHILD_BATCH = 5, 2  # the emulated org pages at these sizes while recording


@pytest.fixture(scope="module")
def vcr_config(vcr_config: dict[str, Any]) -> dict[str, Any]:
    """The suite's cassette settings, plus login-body scrubbing and a real org's host hidden."""
    url = os.environ.get(REAL_ORG_ENV)
    return with_login_scrubbing(vcr_config, urlsplit(url).netloc if url else None)


@dataclass
class Contract:
    """How a contract test reaches its org: the served emulator, a real org, or a replayed cassette."""

    url: str
    ca_file: Path | str | None
    environ: dict[str, str]
    waits: Waits
    org: Org | None = None

    def adapter(self, auth: str = "session", **environ: str) -> SalesforceAdapter:
        return SalesforceAdapter(
            sf_settings(self.url, self.ca_file, auth), environ={**self.environ, **environ}, retry=self.waits.policy()
        )


@pytest.fixture
def contract(request: pytest.FixtureRequest, vcr: Any, record_mode: str, waits: Waits) -> Iterator[Contract]:
    if record_mode == "none":
        yield Contract(PLACEHOLDER_URL, None, DUMMY_SECRETS, waits)
    elif os.environ.get(REAL_ORG_ENV):
        secrets = {
            name: os.environ[f"NUESYNC_RECORD_{name}"]
            for name in DUMMY_SECRETS
            if f"NUESYNC_RECORD_{name}" in os.environ
        }
        yield Contract(os.environ[REAL_ORG_ENV], os.environ.get("NUESYNC_RECORD_SF_CA_BUNDLE"), secrets, waits)
    else:
        new_org_for: Callable[..., Org] = request.getfixturevalue("new_org_for")
        org = new_org_for(query_batch_size=PARENT_BATCH, child_batch_size=CHILD_BATCH)
        yield Contract(org.url, org.ca_file, org.environ(), waits, org)


def contract_customer(adapter: SalesforceAdapter, nue_id: str) -> Customer:
    """The test's Account, created (or found) by its Nue id through the adapter."""
    (result,) = adapter.upsert_customers([Customer(links=Links(nue_id=nue_id), name=f"Contract {nue_id}")])
    assert result.ok, result.message
    return Customer(links=Links(nue_id=nue_id, salesforce_id=result.record_id), name=f"Contract {nue_id}")


@pytest.mark.vcr
def test_fetch_pages_orders_and_their_lines(contract: Contract) -> None:
    adapter = contract.adapter()
    customer = contract_customer(adapter, "CUS-CONTRACT-FETCH")
    written = adapter.upsert_orders([nue_cart(n, customer) for n in range(7)])
    sent_before = adapter.connection.requests_sent

    result = adapter.fetch_orders(customer_ids=[str(customer.links.salesforce_id)])

    assert result.problems == []
    assert {o.links.salesforce_id for o in result.orders} == {w.record_id for w in written}
    fetched_lines = {line.links.salesforce_id for order in result.orders for line in order.lines}
    assert fetched_lines == {line for w in written for line in w.line_ids.values()}
    if contract.org is not None:  # the page sizes are the emulated org's
        # A page holds PARENT_BATCH (5) records counting the lines inline: two orders and three of
        # their lines (CHILD_BATCH at most each); each order's last line(s) come through its child cursor.
        parent_pages = -(-7 // 2)
        assert adapter.connection.requests_sent - sent_before == parent_pages + 7


@pytest.mark.vcr
def test_upsert_creates_then_updates_without_duplicates(contract: Contract) -> None:
    adapter = contract.adapter()
    customer = contract_customer(adapter, "CUS-CONTRACT-UPSERT")
    carts = [nue_cart(n, customer) for n in range(100, 103)]

    created = adapter.upsert_orders(carts)
    # sent as new again (never linked back): the unique Nue id refuses the inserts, then they are updated
    renamed = [cart.model_copy(update={"name": f"{cart.name} (edited in Nue)"}) for cart in carts]
    updated = adapter.upsert_orders(renamed)
    read = adapter.fetch_orders(ids=[str(r.record_id) for r in created]).orders

    assert [r.outcome for r in created] == [Outcome.CREATED] * 3
    assert [r.outcome for r in updated] == [Outcome.UPDATED] * 3
    assert [(r.record_id, r.line_ids) for r in updated] == [(r.record_id, r.line_ids) for r in created]
    by_nue_id = {order.links.nue_id: order for order in read}
    assert len(read) == 3
    for cart in renamed:
        assert synced_content(by_nue_id[cart.links.nue_id]) == synced_content(cart)


@pytest.mark.vcr
def test_one_failing_record_leaves_the_others_written(contract: Contract) -> None:
    adapter = contract.adapter()
    customer = contract_customer(adapter, "CUS-CONTRACT-FAIL")
    carts = [nue_cart(n, customer) for n in range(200, 203)]
    carts[1] = carts[1].model_copy(update={"effective_date": None})

    results = adapter.upsert_orders(carts)

    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.FAILED, Outcome.CREATED]
    assert results[1].error_code == "REQUIRED_FIELD_MISSING"
    assert "EffectiveDate" in str(results[1].message)


@pytest.mark.vcr
def test_activation_updates_only_the_status(contract: Contract) -> None:
    adapter = contract.adapter()
    customer = contract_customer(adapter, "CUS-CONTRACT-ACTIVATE")
    (created,) = adapter.upsert_orders([nue_cart(300, customer)])

    (activated,) = adapter.activate_many([str(created.record_id)])
    (read,) = adapter.fetch_orders(ids=[str(created.record_id)], include_activated=True).orders
    drafts = adapter.fetch_orders(ids=[str(created.record_id)]).orders

    assert activated.outcome is Outcome.UPDATED
    assert read.status is Status.ACTIVATED
    assert drafts == []


@pytest.mark.vcr
def test_password_and_client_credentials_logins(contract: Contract) -> None:
    by_password = contract.adapter("password")
    by_client = contract.adapter("client_credentials")

    customer = contract_customer(by_password, "CUS-CONTRACT-LOGIN")

    assert [c.links.nue_id for c in by_client.fetch_customers([str(customer.links.salesforce_id)])] == [
        "CUS-CONTRACT-LOGIN"
    ]


@pytest.mark.vcr
def test_refused_credentials(contract: Contract) -> None:
    with pytest.raises(AuthenticationError, match="SF_PASSWORD"):
        contract.adapter("password", SF_PASSWORD="wrong-password")
    expired = contract.adapter("session", SF_SESSION_ID="00D000000000000!expired-session")
    with pytest.raises(AuthenticationError, match="SF_SESSION_ID"):
        expired.fetch_customers()
