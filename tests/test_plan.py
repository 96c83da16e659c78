"""Planning a pull or push: every rule decided before any write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nuesync.model import DraftOrder, Status
from nuesync.plan import ActionKind, PlanSettings, plan_sync, receiver_references
from nuesync.reconcile import Direction, reconcile
from tests import scenarios


def plan(sides: scenarios.Sides, direction: Direction, **settings):
    return plan_sync(reconcile(*sides), direction, PlanSettings(**settings))


def kinds(sides: scenarios.Sides, direction: Direction, **settings) -> dict[str, ActionKind]:
    return {a.key: a.kind for a in plan(sides, direction, **settings).actions}


def test_pull_creates_the_abandoned_cart_in_salesforce_and_push_leaves_it() -> None:
    assert kinds(scenarios.abandoned_cart(), Direction.PULL) == {"ord-2": ActionKind.CREATE}
    assert kinds(scenarios.abandoned_cart(), Direction.PUSH) == {"ord-2": ActionKind.SKIP}


def test_push_creates_the_rep_draft_in_nue_and_pull_leaves_it() -> None:
    key = "801000000000003AAA"
    assert kinds(scenarios.rep_draft(), Direction.PUSH) == {key: ActionKind.CREATE}
    assert kinds(scenarios.rep_draft(), Direction.PULL) == {key: ActionKind.SKIP}


def test_sender_wins_in_both_directions() -> None:
    pulled = plan(scenarios.diverged_order(), Direction.PULL).actions[0]
    pushed = plan(scenarios.diverged_order(), Direction.PUSH).actions[0]
    assert pulled.kind is pushed.kind is ActionKind.UPDATE
    assert {(c.field, c.receiver, c.sender) for c in pulled.changes} >= {("discount.percent", "0", "10")}
    assert {(c.field, c.receiver, c.sender) for c in pushed.changes} >= {("discount.percent", "10", "0")}


def test_receiver_changes_since_last_sync_are_flagged() -> None:
    nue, sf = scenarios.diverged_order()
    unchanged = {sf[0].links.salesforce_id: sf[0].content_hash()}
    changed = {sf[0].links.salesforce_id: "an-older-hash"}
    quiet = plan((nue, sf), Direction.PULL, last_synced=unchanged).actions[0]
    loud = plan((nue, sf), Direction.PULL, last_synced=changed).actions[0]
    assert not quiet.overwrites_receiver_changes
    assert loud.overwrites_receiver_changes


def test_in_sync_orders_plan_nothing_either_way() -> None:
    for direction in Direction:
        result = plan(scenarios.in_sync_order(), direction)
        assert result.writes == []


def test_activated_orders_are_never_edited_by_draft_sync() -> None:
    for direction in Direction:
        (action,) = plan(scenarios.portal_checkout(), direction).actions
        assert action.kind is ActionKind.SKIP
        assert "activation is completed in the order's origin" in (action.reason or "")
    nue, sf = scenarios.diverged_order()
    activated = {"status": Status.ACTIVATED}
    both = ([nue[0].model_copy(update=activated)], [sf[0].model_copy(update=activated)])
    for direction in Direction:
        (action,) = plan(both, direction).actions
        assert action.kind is ActionKind.SKIP
        assert "nuesync activate" in (action.reason or "")


def test_unlinked_customer_blocks_unless_creation_is_allowed() -> None:
    (blocked,) = plan(scenarios.unlinked_customer(), Direction.PULL).actions
    assert blocked.kind is ActionKind.BLOCK
    assert "create_missing_customers" in (blocked.fix or "")
    (created,) = plan(scenarios.unlinked_customer(), Direction.PULL, create_missing_customers=True).actions
    assert created.kind is ActionKind.CREATE
    assert created.create_customer is not None
    assert created.create_customer.name == "Globex"


def test_the_fix_for_an_unlinked_customer_names_the_link_a_person_can_write() -> None:
    nue, _ = scenarios.unlinked_customer()
    _, sf = scenarios.rep_draft()
    unlinked_account = sf[0].model_copy(update={"customer": {"links": {"salesforce_id": "001000000000006AAA"},
                                                            "name": "Globex"}})

    (pulled,) = plan((nue, []), Direction.PULL).actions
    (pushed,) = plan(([], [unlinked_account]), Direction.PUSH).actions

    # A Nue customer's link is Nue's own Salesforce sync's to set; an Account's Nue customer id is anyone's.
    assert (pulled.fix or "").startswith("let Nue's own Salesforce sync link the customer")
    assert "or set the Account's Nue customer id" in (pulled.fix or "")
    assert (pushed.fix or "").startswith("link the customer: set the Salesforce Account's Nue customer id")


def test_link_conflicts_are_blocked_never_fixed() -> None:
    for direction in Direction:
        actions = plan(scenarios.link_conflict(), direction).actions
        assert {a.kind for a in actions if a.order_class.value == "link_conflict"} == {ActionKind.BLOCK}


def test_draft_sync_off_refuses_the_whole_run() -> None:
    result = plan(scenarios.abandoned_cart(), Direction.PULL, draft_sync=False)
    assert result.refused is not None
    assert "Sync Draft Orders" in result.refused
    assert result.writes == []


def test_unknown_product_or_price_tag_blocks_that_order_only() -> None:
    sides = scenarios.combine(scenarios.abandoned_cart(), scenarios.custom_field_order())
    result = plan(sides, Direction.PULL, receiver_products=frozenset({"NUE-PLAT-PRO"}))
    by_key = {a.key: a for a in result.actions}
    assert by_key["ord-2"].kind is ActionKind.BLOCK
    assert "NUE-SEAT" in (by_key["ord-2"].reason or "")
    tags = plan(scenarios.custom_field_order(), Direction.PULL, receiver_price_tags=frozenset({"REGION-EU"}))
    assert "PROMO-LAUNCH" in (tags.actions[0].reason or "")


def test_a_line_only_on_the_receiver_is_reported_never_deleted() -> None:
    nue, sf = scenarios.diverged_order()
    extra = scenarios.build(scenarios.order(9), lines=[scenarios.line(99, linked=False)]).lines[0]
    extra = extra.model_copy(update={"links": {"salesforce_id": "802EXTRA"}})
    sf = [sf[0].model_copy(update={"lines": [*sf[0].lines, extra]})]
    (action,) = plan((nue, sf), Direction.PULL).actions
    assert action.kind is ActionKind.UPDATE
    assert any("never deletes" in note for note in action.not_deleted)


def test_one_way_link_plans_a_link_write_only() -> None:
    nue, sf = scenarios.in_sync_order()
    half = sf[0].model_copy(update={"links": sf[0].links.model_copy(update={"nue_id": None})})
    (action,) = plan((nue, [half]), Direction.PULL).actions
    assert action.kind is ActionKind.LINK


def test_activated_sender_is_skipped() -> None:
    nue, sf = scenarios.abandoned_cart()
    nue = [nue[0].model_copy(update={"status": Status.ACTIVATED})]
    assert kinds((nue, sf), Direction.PULL) == {"ord-2": ActionKind.SKIP}


def test_an_unlinked_bill_to_contact_blocks_the_order() -> None:
    nue, sf = scenarios.abandoned_cart()
    contact = {"links": {"nue_id": "con-1"}, "name": "Ada Lovelace"}
    nue = [nue[0].model_copy(update={"bill_to_contact": contact})]
    (action,) = plan((nue, sf), Direction.PULL).actions
    assert action.kind is ActionKind.BLOCK
    assert "Ada Lovelace" in (action.reason or "")
    assert "--create-customers" in (action.fix or "")
    linked = {"links": {"nue_id": "con-1", "salesforce_id": "003000000000001AAA"}, "name": "Ada Lovelace"}
    nue = [nue[0].model_copy(update={"bill_to_contact": linked})]
    assert plan((nue, sf), Direction.PULL).actions[0].kind is ActionKind.CREATE


@pytest.mark.parametrize("direction", list(Direction))
def test_with_customer_creation_an_unlinked_bill_to_contact_is_created_first(direction: Direction) -> None:
    (sender,) = (scenarios.abandoned_cart()[0] if direction is Direction.PULL else scenarios.rep_draft()[1])
    contact = {"links": {f"{direction.sender.value}_id": "con-1"}, "name": "Ada Lovelace"}
    sender = sender.model_copy(update={"bill_to_contact": contact})
    diverged_nue, diverged_sf = scenarios.diverged_order()
    diverged = (diverged_nue if direction is Direction.PULL else diverged_sf)[0]
    diverged = diverged.model_copy(update={"bill_to_contact": contact})
    sides = ([sender], []) if direction is Direction.PULL else ([], [sender])
    others = (([diverged], diverged_sf) if direction is Direction.PULL else (diverged_nue, [diverged]))

    result = plan(scenarios.combine(sides, others), direction, create_missing_customers=True)

    writes = {a.kind: a for a in result.writes}
    created, updated = writes.pop(ActionKind.CREATE), writes.pop(ActionKind.UPDATE)
    assert not writes
    assert created.create_contact == updated.create_contact == sender.bill_to_contact
    assert created.create_customer is None  # Acme is linked: only the contact is missing


# --- values that must never be written through ------------------------------------------------------

REFUSED_LINE_VALUES = {
    "negative quantity": ("quantity", Decimal(-3), "quantity is -3; it must be above 0"),
    "zero quantity": ("quantity", Decimal(0), "quantity is 0; it must be above 0"),
    "negative unit price": ("unit_price", Decimal("-0.01"), "unit_price is -0.01; it must be 0 or more"),
    "discount above 100 %": ("discount", {"percent": Decimal("100.01")}, "discount.percent is 100.01"),
    "negative discount": ("discount", {"percent": Decimal(-5)}, "discount.percent is -5; it must be between 0"),
    "negative discount amount": ("discount", {"amount": Decimal(-1)}, "discount.amount is -1; it must be 0 or more"),
}


@pytest.mark.parametrize(("field", "value", "why"), REFUSED_LINE_VALUES.values(), ids=REFUSED_LINE_VALUES.keys())
@pytest.mark.parametrize("direction", list(Direction))
def test_a_line_value_that_must_not_be_written_blocks_the_order_naming_line_and_field(
        direction: Direction, field: str, value: Any, why: str) -> None:
    data = scenarios.order(1)
    data["lines"][1] = scenarios.line(12, "NUE-PLAT-PRO", **{field: value})
    order = scenarios.build(data)
    sender = order.model_copy(update={"links": order.links.model_copy(update={direction.receiver.value + "_id": None})})
    sides = ([sender], []) if direction is Direction.PULL else ([], [sender])

    (action,) = plan(sides, direction).actions

    line_id = "op-12" if direction is Direction.PULL else "802000000000012AAA"
    assert action.kind is ActionKind.BLOCK
    assert f"line 2 ({line_id}): {why}" in (action.reason or "")
    assert f"on line 2 ({line_id}) in {direction.sender.label}" in (action.fix or "")
    assert field in (action.fix or "")


@pytest.mark.parametrize("discount", [{"percent": Decimal(101)}, {"percent": Decimal("-0.5")}, {"amount": Decimal(-2)}])
def test_an_order_discount_that_must_not_be_written_blocks_an_update_too(discount: dict[str, Decimal]) -> None:
    nue, sf = scenarios.diverged_order()
    nue = [nue[0].model_copy(update={"discount": discount})]

    (action,) = plan((nue, sf), Direction.PULL).actions

    assert action.kind is ActionKind.BLOCK
    assert (action.reason or "").startswith("the order: discount.")


def test_the_edges_of_the_limits_are_written() -> None:
    data = scenarios.order(2, linked=False, discount={"percent": Decimal(100), "amount": Decimal(0)},
                           lines=[scenarios.line(21, linked=False, quantity=Decimal("0.01"), unit_price=Decimal(0),
                                                 discount={"percent": Decimal(0), "amount": Decimal(0)})])
    assert kinds(([scenarios.build(data)], []), Direction.PULL) == {"ord-2": ActionKind.CREATE}


signed = st.decimals(min_value=-200, max_value=200, places=2, allow_nan=False, allow_infinity=False)
maybe_signed = st.none() | signed
any_discount = st.fixed_dictionaries({"percent": maybe_signed, "amount": maybe_signed})


@st.composite
def any_sides(draw: st.DrawFn) -> scenarios.Sides:
    """One order on the sender side, alone or with a counterpart, with any signed values."""
    lines = [scenarios.line(n, draw(st.sampled_from(["NUE-SEAT", "NUE-PLAT-PRO"])), quantity=draw(maybe_signed),
                            unit_price=draw(maybe_signed), discount=draw(any_discount))
             for n in range(draw(st.integers(0, 3)))]
    data = scenarios.order(1, lines=lines, discount=draw(any_discount))
    sender = scenarios.build(data)
    counterpart = scenarios.build(scenarios.order(1, lines=[scenarios.line(n) for n in range(len(lines))]))
    paired = draw(st.booleans())
    return ([sender], [counterpart] if paired else []) if draw(st.booleans()) else \
        ([counterpart] if paired else [], [sender])


def _within_limits(order: DraftOrder) -> bool:
    def fine(discount: Any) -> bool:
        percent, amount = discount.percent, discount.amount
        return (percent is None or 0 <= percent <= 100) and (amount is None or amount >= 0)
    return fine(order.discount) and all(
        (line.quantity is None or line.quantity > 0) and (line.unit_price is None or line.unit_price >= 0)
        and fine(line.discount) for line in order.lines)


@given(any_sides(), st.sampled_from(list(Direction)), st.booleans())
@settings(max_examples=300, deadline=None)
def test_no_plan_ever_writes_a_negative_quantity_or_price_or_a_discount_out_of_range(
        sides: scenarios.Sides, direction: Direction, create_customers: bool) -> None:
    result = plan(sides, direction, create_missing_customers=create_customers)

    assert all(action.sender is not None and _within_limits(action.sender) for action in result.writes)


# --- receiver customers and contacts that do not exist -------------------------------------------------

ACME_SF = "001000000000001AAA"
CONTACT = {"links": {"nue_id": "con-1", "salesforce_id": "003000000000001AAA"}, "name": "Ada Lovelace"}


def test_an_order_whose_customer_link_leads_nowhere_on_the_receiver_is_blocked() -> None:
    cart = scenarios.abandoned_cart()

    (blocked,) = plan(cart, Direction.PULL, receiver_customers=frozenset()).actions
    (created,) = plan(cart, Direction.PULL, receiver_customers=frozenset({ACME_SF})).actions
    (pushed,) = plan(scenarios.rep_draft(), Direction.PUSH, receiver_customers=frozenset()).actions

    assert blocked.kind is pushed.kind is ActionKind.BLOCK
    assert blocked.reason == (f"customer Acme Corp is linked to Salesforce customer {ACME_SF}, "
                              "which does not exist in Salesforce")
    # A Nue customer's link is Nue's own Salesforce sync's to set; an Account's Nue id can be corrected or relinked.
    assert f"restore Salesforce customer {ACME_SF}" in (blocked.fix or "")
    assert "Nue's own Salesforce sync" in (blocked.fix or "") and "--create-customers" not in (blocked.fix or "")
    assert "link field" in (pushed.fix or "") and "--create-customers" in (pushed.fix or "")
    assert created.kind is ActionKind.CREATE


def test_a_push_to_a_missing_nue_customer_is_blocked_and_an_update_too() -> None:
    (draft,) = plan(scenarios.rep_draft(), Direction.PUSH, receiver_customers=frozenset({"cust-other"})).actions
    (update,) = plan(scenarios.diverged_order(), Direction.PUSH, receiver_customers=frozenset()).actions

    assert draft.kind is update.kind is ActionKind.BLOCK
    assert draft.reason == "customer Acme Corp is linked to Nue customer cust-acme, which does not exist in Nue"
    assert update.changes  # the blocked update still says what it would have changed


def test_with_customer_creation_a_dead_customer_link_is_replaced_by_a_new_customer() -> None:
    (action,) = plan(scenarios.rep_draft(), Direction.PUSH, receiver_customers=frozenset(),
                     create_missing_customers=True).actions

    assert action.kind is ActionKind.CREATE
    assert action.create_customer is not None
    assert action.create_customer.links.nue_id is None
    assert action.create_customer.links.salesforce_id == ACME_SF


def test_a_dead_link_from_a_nue_customer_is_not_replaced_since_nuesync_cannot_relink_it() -> None:
    (action,) = plan(scenarios.abandoned_cart(), Direction.PULL, receiver_customers=frozenset(),
                     create_missing_customers=True).actions

    assert action.kind is ActionKind.BLOCK
    assert action.create_customer is None
    assert "Nue's own Salesforce sync" in (action.fix or "")


def test_an_order_whose_contact_link_leads_nowhere_on_the_receiver_is_blocked() -> None:
    nue, sf = scenarios.abandoned_cart()
    nue = [nue[0].model_copy(update={"bill_to_contact": CONTACT})]

    (blocked,) = plan((nue, sf), Direction.PULL, receiver_contacts=frozenset(),
                      create_missing_customers=True).actions
    (created,) = plan((nue, sf), Direction.PULL, receiver_contacts=frozenset({"003000000000001AAA"})).actions

    assert blocked.kind is ActionKind.BLOCK
    assert blocked.reason == ("bill-to contact Ada Lovelace is linked to Salesforce contact 003000000000001AAA, "
                              "which does not exist in Salesforce")
    assert created.kind is ActionKind.CREATE


def test_orders_that_write_no_values_are_not_held_up_by_missing_receiver_records() -> None:
    nue, sf = scenarios.in_sync_order()
    half = sf[0].model_copy(update={"links": sf[0].links.model_copy(update={"nue_id": None})})
    nothing = frozenset[str]()

    assert kinds(scenarios.in_sync_order(), Direction.PULL, receiver_customers=nothing) == {"ord-1": ActionKind.SKIP}
    assert kinds((nue, [half]), Direction.PULL, receiver_customers=nothing) == {"ord-1": ActionKind.LINK}


def test_receiver_references_are_the_customers_and_contacts_of_creates_and_updates() -> None:
    cart_nue, _ = scenarios.abandoned_cart()
    with_contact = [cart_nue[0].model_copy(update={"bill_to_contact": CONTACT})]
    sides = scenarios.combine((with_contact, []), scenarios.diverged_order(), scenarios.in_sync_order(),
                              scenarios.unlinked_customer())

    assert receiver_references(plan(sides, Direction.PULL)) == ((ACME_SF,), ("003000000000001AAA",))
    assert receiver_references(plan(sides, Direction.PUSH)) == (("cust-acme",), ())
