"""Planning a pull or push: DESIGN.md §2 rules, decided before any write."""

from __future__ import annotations

from nuesync.model import Status
from nuesync.plan import ActionKind, PlanSettings, plan_sync
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
    linked = {"links": {"nue_id": "con-1", "salesforce_id": "003000000000001AAA"}, "name": "Ada Lovelace"}
    nue = [nue[0].model_copy(update={"bill_to_contact": linked})]
    assert plan((nue, sf), Direction.PULL).actions[0].kind is ActionKind.CREATE
