"""Contract tests: the adapter's real HTTP traffic, recorded against the emulator into
`cassettes/test_nue_contract/` and replayed offline (the default `--record-mode=none`).

Re-record with `.venv/bin/pytest tests/adapters/nue/test_nue_contract.py --record-mode=rewrite`
(see `cassettes/README.md`). Data is seeded into the emulator only while recording; on
replay every answer, and every id a later request uses, comes from the cassette.
"""

from __future__ import annotations

import pytest
from nue_scenarios import NUE_KEY_ENV, ContractTarget, emulator_only, nue_settings, rep_created_order

from nuesync.adapters.base import Outcome
from nuesync.adapters.nue import NueAdapter
from nuesync.errors import AuthenticationError
from nuesync.model import Customer, Links, Status


def linked_account(adapter: NueAdapter) -> str:
    """Create the customer through the adapter (recorded), as a push with --create-customers does (unlinked in Nue:
    Nue's own Salesforce sync sets a customer's link)."""
    [result] = adapter.upsert_customers([Customer(links=Links(salesforce_id="001CONTRACT"), name="Contract Co")])
    assert result.record_id is not None
    return result.record_id


@emulator_only
@pytest.mark.vcr
def test_fetch_pages_drafts_with_their_products(contract_target: ContractTarget, contract_adapter: NueAdapter) -> None:
    sandbox = contract_target.emulator()
    if sandbox is not None:
        sandbox.seed_synthetic(7, lines_per_order=2)

    result = contract_adapter.fetch_orders()

    assert len(result.orders) == 7 and not result.problems
    assert all(len(order.lines) == 2 and order.status is Status.DRAFT for order in result.orders)
    assert len({order.links.nue_id for order in result.orders}) == 7


@pytest.mark.vcr
def test_push_creates_then_updates_by_link(contract_adapter: NueAdapter) -> None:
    customer = linked_account(contract_adapter)
    orders = [rep_created_order(f"801C{i}", customer_nue_id=customer) for i in range(2)]

    created = contract_adapter.upsert_orders(orders)
    updated = contract_adapter.upsert_orders([orders[0].model_copy(update={"description": "edited by the rep"})])

    assert [r.outcome for r in created] == [Outcome.CREATED, Outcome.CREATED]
    assert (updated[0].outcome, updated[0].record_id) == (Outcome.UPDATED, created[0].record_id)
    [back] = contract_adapter.fetch_orders(ids=[created[0].record_id or ""]).orders
    assert back.description == "edited by the rep" and back.links.salesforce_id == "801C0"


@emulator_only
@pytest.mark.vcr
def test_a_rejected_order_fails_alone(contract_target: ContractTarget, contract_adapter: NueAdapter) -> None:
    sandbox = contract_target.emulator()
    customer = linked_account(contract_adapter)
    if sandbox is not None:
        sandbox.faults.fail_order("801BAD", status=422, error_code="VALIDATION_FAILED", message="tax region missing")
    orders = [
        rep_created_order("801BAD", customer_nue_id=customer),
        rep_created_order("801OK", customer_nue_id=customer),
    ]

    results = contract_adapter.upsert_orders(orders)

    assert [(r.outcome, r.error_code) for r in results] == [
        (Outcome.FAILED, "VALIDATION_FAILED"),
        (Outcome.CREATED, None),
    ]


@pytest.mark.vcr
def test_activation_then_links_on_the_activated_order(contract_adapter: NueAdapter) -> None:
    customer = linked_account(contract_adapter)
    [created] = contract_adapter.upsert_orders([rep_created_order("801ACT", customer_nue_id=customer, lines=1)])
    order_id = created.record_id or ""

    [activated] = contract_adapter.activate_many([order_id])
    [again] = contract_adapter.activate_many([order_id])
    [read] = contract_adapter.fetch_orders(ids=[order_id], include_activated=True).orders
    relinked = read.model_copy(update={"links": Links(nue_id=order_id, salesforce_id="801ACT-RELINKED")})
    [links] = contract_adapter.set_links([relinked])

    assert (activated.outcome, again.outcome) == (Outcome.UPDATED, Outcome.UNCHANGED)
    assert read.status is Status.ACTIVATED
    assert (links.outcome, links.record_id) == (Outcome.UPDATED, order_id)


@pytest.mark.vcr
def test_the_sync_setting_is_read(contract_adapter: NueAdapter) -> None:
    assert contract_adapter.draft_sync_enabled() is True


@pytest.mark.vcr
def test_a_wrong_key_is_an_authentication_error(contract_target: ContractTarget) -> None:
    with (
        NueAdapter(nue_settings(contract_target.url), environ={NUE_KEY_ENV: "wrong-key-for-the-contract"}) as adapter,
        pytest.raises(AuthenticationError, match=NUE_KEY_ENV),
    ):
        adapter.fetch_customers()
