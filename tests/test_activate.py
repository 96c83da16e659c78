"""Activation decisions (rule 2 in docs/design.md): origin first, then the mirror; never past a contradiction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nuesync.activate_rules import (
    ActivationDecision,
    Result,
    Selected,
    SideState,
    Verdict,
    decide,
    exit_code_for,
    outcome_of,
    unreadable_decision,
)
from nuesync.errors import ExitCode
from nuesync.model import Status, System
from nuesync.reconcile import OrderComparison, reconcile
from tests import scenarios

NUE, SF = System.NUE, System.SALESFORCE


def comparison(sides: scenarios.Sides) -> OrderComparison:
    (only,) = reconcile(*sides).orders
    return only


def pair(origin: System = NUE, *, nue: dict | None = None, salesforce: dict | None = None) -> OrderComparison:
    """One linked order in both systems, each side changed as given."""
    data = scenarios.order(9, origin=origin)
    return comparison(([scenarios.build(data, **(nue or {}))], [scenarios.build(data, **(salesforce or {}))]))


# --- named situations -------------------------------------------------------------------------------


def ready_draft(origin: System) -> OrderComparison:
    return pair(origin)


def half_done(origin: System) -> OrderComparison:
    """Activated in the origin, not yet mirrored: a run that stopped between the two writes."""
    activated = {"status": Status.ACTIVATED}
    return pair(origin, **{("nue" if origin is NUE else "salesforce"): activated})


def activated_outside(origin: System) -> OrderComparison:
    """Activated on the non-origin side only, e.g. a customer checking out in Nue's portal."""
    activated = {"status": Status.ACTIVATED}
    return pair(origin, **{("salesforce" if origin is NUE else "nue"): activated})


def activated_both(origin: System = NUE) -> OrderComparison:
    return pair(origin, nue={"status": Status.ACTIVATED}, salesforce={"status": Status.ACTIVATED})


def origins_disagree() -> OrderComparison:
    return pair(NUE, salesforce={"origin": SF})


# --- where it is activated, and in which order -----------------------------------------------------


@pytest.mark.parametrize("origin", list(System))
def test_a_ready_draft_is_activated_in_its_origin_then_mirrored(origin: System) -> None:
    decision = decide(ready_draft(origin))
    assert decision.verdict is Verdict.ACTIVATE
    assert decision.steps == (origin, origin.other)
    assert decision.reason == f"activate in {origin.label} (origin), then in {origin.other.label}"


@pytest.mark.parametrize("origin", list(System))
def test_a_half_done_activation_is_completed_in_the_mirror(origin: System) -> None:
    decision = decide(half_done(origin))
    assert decision.verdict is Verdict.COMPLETE
    assert decision.steps == (origin.other,)


@pytest.mark.parametrize("origin", list(System))
def test_an_activation_outside_nuesync_is_completed_in_the_origin(origin: System) -> None:
    decision = decide(activated_outside(origin))
    assert decision.verdict is Verdict.COMPLETE
    assert decision.steps == (origin,)


def test_the_portal_checkout_is_completed_in_salesforce() -> None:
    decision = decide(comparison(scenarios.portal_checkout()))
    assert (decision.verdict, decision.steps, decision.origin) == (Verdict.COMPLETE, (SF,), SF)


def test_an_order_activated_on_both_sides_is_a_no_op() -> None:
    decision = decide(activated_both(), sync_first=True)
    assert decision.verdict is Verdict.NOTHING
    assert decision.steps == ()
    assert not decision.writes


# --- refusals ---------------------------------------------------------------------------------------


def test_differing_sides_are_refused_with_the_fields_that_differ() -> None:
    decision = decide(comparison(scenarios.diverged_order()))
    assert decision.verdict is Verdict.REFUSED
    assert decision.code == "SIDES_DIFFER"
    assert (decision.reason or "").startswith("Use the sync feature before order activation")
    assert "discount.percent" in decision.fields
    assert any(f.endswith(".quantity") for f in decision.fields)
    assert "nuesync pull --order ord-4" in (decision.fix or "")
    assert decision.steps == ()


def test_sync_first_syncs_from_the_origin_then_activates() -> None:
    decision = decide(comparison(scenarios.diverged_order()), sync_first=True)
    assert decision.verdict is Verdict.SYNC_FIRST
    assert decision.steps == (NUE, SF)
    assert "nuesync pull" in (decision.reason or "")


def test_an_order_on_one_side_only_needs_a_sync_first() -> None:
    refused = decide(comparison(scenarios.rep_draft()))
    assert (refused.verdict, refused.code) == (Verdict.REFUSED, "NOT_IN_BOTH")
    synced = decide(comparison(scenarios.rep_draft()), sync_first=True)
    assert (synced.verdict, synced.steps) == (Verdict.SYNC_FIRST, (SF, NUE))
    assert "nuesync push" in (synced.reason or "")


def test_missing_links_need_a_sync_first_because_an_activated_order_cannot_take_them() -> None:
    unlinked = pair(NUE, salesforce={"links": {"salesforce_id": "801000000000009AAA"}})
    assert decide(unlinked).code == "LINKS_MISSING"
    assert decide(unlinked, sync_first=True).verdict is Verdict.SYNC_FIRST


@pytest.mark.parametrize("sync_first", [False, True])
def test_origins_that_disagree_are_an_integrity_error_whatever_the_options(sync_first: bool) -> None:
    decision = decide(origins_disagree(), sync_first=sync_first)
    assert (decision.verdict, decision.code) == (Verdict.CONFLICT, "ORIGIN_DISAGREES")
    assert "Nue says Nue, Salesforce says Salesforce" in (decision.reason or "")
    assert decision.steps == ()


def test_a_link_conflict_is_never_activated() -> None:
    (conflict,) = [c for c in reconcile(*scenarios.link_conflict()).orders if c.cls.value == "link_conflict"]
    assert decide(conflict, sync_first=True).verdict is Verdict.CONFLICT


def test_an_order_with_no_recorded_origin_is_not_guessed() -> None:
    decision = decide(pair(NUE, nue={"origin": None}, salesforce={"origin": None}))
    assert (decision.verdict, decision.code) == (Verdict.CONFLICT, "ORIGIN_UNKNOWN")


def test_content_that_differs_beside_an_activated_side_cannot_be_synced_away() -> None:
    decision = decide(pair(SF, nue={"status": Status.ACTIVATED, "discount": {"percent": Decimal(20)}}),
                      sync_first=True)
    assert (decision.verdict, decision.code) == (Verdict.REFUSED, "ACTIVATED_DIFFERS")
    assert decision.fields == ("discount.percent",)


def test_an_order_without_lines_is_refused_before_anything_is_activated() -> None:
    decision = decide(pair(NUE, nue={"lines": []}, salesforce={"lines": []}))
    assert (decision.verdict, decision.code) == (Verdict.REFUSED, "NO_LINES")


def test_a_canceled_order_is_not_activated() -> None:
    decision = decide(pair(NUE, salesforce={"status": Status.CANCELED}))
    assert (decision.verdict, decision.code) == (Verdict.REFUSED, "CANCELED")


def test_an_unreadable_counterpart_blocks_the_order() -> None:
    decision = decide(ready_draft(NUE), unreadable={"801000000000009AAA": "Salesforce record … could not be read"})
    assert (decision.verdict, decision.code) == (Verdict.CONFLICT, "MALFORMED")
    assert unreadable_decision("801X", "bad").verdict is Verdict.CONFLICT


# --- a customer's drafts: only the ready ones --------------------------------------------------------


def test_a_customers_drafts_that_are_not_ready_are_skipped_not_refused() -> None:
    assert decide(comparison(scenarios.diverged_order()), selected=Selected.CUSTOMER).verdict is Verdict.SKIPPED
    assert decide(comparison(scenarios.abandoned_cart()), selected=Selected.CUSTOMER).verdict is Verdict.SKIPPED
    assert decide(ready_draft(NUE), selected=Selected.CUSTOMER).verdict is Verdict.ACTIVATE
    assert decide(origins_disagree(), selected=Selected.CUSTOMER).verdict is Verdict.CONFLICT


def test_sync_first_takes_a_customers_linked_drafts_but_not_its_carts() -> None:
    diverged = decide(comparison(scenarios.diverged_order()), selected=Selected.CUSTOMER, sync_first=True)
    cart = decide(comparison(scenarios.abandoned_cart()), selected=Selected.CUSTOMER, sync_first=True)
    assert (diverged.verdict, cart.verdict) == (Verdict.SYNC_FIRST, Verdict.SKIPPED)


# --- invariants over every combination of states ---------------------------------------------------

statuses = st.sampled_from([Status.DRAFT, Status.ACTIVATED])
origins = st.sampled_from([NUE, SF, None])


@given(nue_status=statuses, sf_status=statuses, nue_origin=origins, sf_origin=origins,
       differs=st.booleans(), sync_first=st.booleans())
def test_activation_never_runs_past_a_contradiction_and_always_starts_at_the_origin(
        nue_status: Status, sf_status: Status, nue_origin: System | None, sf_origin: System | None,
        differs: bool, sync_first: bool) -> None:
    discount = {"discount": {"percent": Decimal(7)}} if differs else {}
    c = pair(NUE, nue={"status": nue_status, "origin": nue_origin, **discount},
             salesforce={"status": sf_status, "origin": sf_origin})
    decision = decide(c, sync_first=sync_first)
    already = {s for s in System if c.side(s).status is Status.ACTIVATED}  # type: ignore[union-attr]
    if nue_origin and sf_origin and nue_origin is not sf_origin:
        assert decision.verdict is Verdict.CONFLICT
    if decision.steps:
        assert not already & set(decision.steps), "an activated side is never activated again"
        assert len(set(decision.steps)) == len(decision.steps)
    if decision.verdict is Verdict.ACTIVATE:
        assert decision.steps[0] is decision.origin
    if decision.acts:
        assert not differs, "differing content is never activated as it stands"
    if already == set(System) and decision.verdict is not Verdict.CONFLICT:
        assert decision.verdict is Verdict.NOTHING


# --- outcomes and exit codes ------------------------------------------------------------------------


def test_outcomes_say_what_happened_on_each_side() -> None:
    decision = decide(ready_draft(SF))
    done = outcome_of(decision, [SF, NUE])
    assert (done.result, done.nue, done.salesforce) == (Result.ACTIVATED, SideState.ACTIVATED, SideState.ACTIVATED)
    half = outcome_of(decision, [SF], (NUE, "INVALID", "activated in Salesforce, but …"))
    assert (half.result, half.salesforce, half.nue) == (Result.FAILED, SideState.ACTIVATED, SideState.FAILED)
    portal = outcome_of(decide(activated_outside(SF)), [SF])
    assert (portal.nue, portal.salesforce) == (SideState.ALREADY, SideState.ACTIVATED)


def outcomes(*decisions: ActivationDecision):
    return [outcome_of(d) for d in decisions]


def test_exit_codes_failures_first_then_decisions_a_person_must_make() -> None:
    refused = decide(comparison(scenarios.diverged_order()))
    noop = decide(activated_both())
    failed = outcome_of(decide(ready_draft(NUE)), [], (NUE, "X", "failed"))
    assert exit_code_for(outcomes(noop)) is ExitCode.OK
    assert exit_code_for(outcomes(noop, refused)) is ExitCode.CONFLICTS
    assert exit_code_for(outcomes(decide(origins_disagree()))) is ExitCode.CONFLICTS
    assert exit_code_for([*outcomes(refused), failed]) is ExitCode.NOTHING_WRITTEN
    half = outcome_of(decide(ready_draft(NUE)), [NUE], (SF, "X", "failed"))
    assert exit_code_for([failed, half]) is ExitCode.PARTIAL_FAILURE  # Nue was activated: something was written
    skipped = decide(comparison(scenarios.diverged_order()), selected=Selected.CUSTOMER)
    assert exit_code_for(outcomes(skipped)) is ExitCode.OK
