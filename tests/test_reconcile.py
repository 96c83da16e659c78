"""The reconcile engine: matching by links, classification, and field-level differences."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from nuesync.adapters.base import RecordProblem
from nuesync.model import DraftOrder, Status, System
from nuesync.plan import PlanSettings, plan_sync
from nuesync.reconcile import Direction, OrderClass, Presence, field_paths, reconcile
from tests import scenarios
from tests.test_model import SYNCED_CHANGES, orders


def classify(sides: scenarios.Sides) -> dict[str, OrderClass]:
    return {c.key: c.cls for c in reconcile(*sides).orders}


def test_in_sync_pair_has_no_differences() -> None:
    result = reconcile(*scenarios.in_sync_order())
    (only,) = result.orders
    assert only.cls is OrderClass.IN_SYNC
    assert only.header == () and only.lines == ()
    assert result.in_sync


def test_abandoned_cart_is_only_in_nue_with_nue_origin() -> None:
    (only,) = reconcile(*scenarios.abandoned_cart()).orders
    assert only.cls is OrderClass.ONLY_IN_NUE
    assert only.origin is System.NUE
    assert only.salesforce is None


def test_rep_draft_is_only_in_salesforce_with_salesforce_origin() -> None:
    (only,) = reconcile(*scenarios.rep_draft()).orders
    assert only.cls is OrderClass.ONLY_IN_SALESFORCE
    assert only.origin is System.SALESFORCE


def test_diverged_order_shows_exactly_the_changed_fields() -> None:
    (only,) = reconcile(*scenarios.diverged_order()).orders
    assert only.cls is OrderClass.DIFFERS
    assert [(d.field, d.nue, d.salesforce) for d in only.header] == [("discount.percent", "10", "0")]
    (line,) = only.lines
    assert line.presence is Presence.BOTH
    assert [(d.field, d.nue, d.salesforce) for d in line.fields] == [("quantity", "15", "10")]


def test_each_difference_knows_what_pull_and_push_would_leave() -> None:
    (only,) = reconcile(*scenarios.diverged_order()).orders
    (discount,) = only.header
    assert discount.value_after(Direction.PULL) == "10"
    assert discount.value_after(Direction.PUSH) == "0"


def test_portal_checkout_is_activated_in_nue_only() -> None:
    (only,) = reconcile(*scenarios.portal_checkout()).orders
    assert only.cls is OrderClass.ACTIVATED_IN_NUE_ONLY
    assert only.origin is System.SALESFORCE


def test_activated_in_salesforce_only() -> None:
    nue, sf = scenarios.in_sync_order()
    sf = [sf[0].model_copy(update={"status": Status.ACTIVATED})]
    assert classify((nue, sf)) == {"ord-1": OrderClass.ACTIVATED_IN_SALESFORCE_ONLY}


def test_unlinked_customer_is_its_own_class() -> None:
    assert classify(scenarios.unlinked_customer()) == {"ord-6": OrderClass.CUSTOMER_UNLINKED}


def test_disagreeing_links_are_a_conflict_never_a_guess() -> None:
    (only,) = reconcile(*scenarios.link_conflict()).orders
    assert only.cls is OrderClass.LINK_CONFLICT
    assert "links disagree" in only.notes[0]
    assert only.salesforce is None


def test_two_nue_orders_claiming_one_salesforce_order_conflict() -> None:
    nue, sf = scenarios.in_sync_order()
    twin = nue[0].model_copy(update={"links": nue[0].links.model_copy(update={"nue_id": "ord-twin"})})
    result = reconcile([nue[0], twin], sf)
    assert {c.cls for c in result.orders} == {OrderClass.LINK_CONFLICT}


def test_one_way_link_still_pairs() -> None:
    """A crash between creating in Nue and writing the link back leaves a one-way link."""
    nue, sf = scenarios.in_sync_order()
    sf_half = sf[0].model_copy(update={"links": sf[0].links.model_copy(update={"nue_id": None})})
    (only,) = reconcile(nue, [sf_half]).orders
    assert only.nue is not None and only.salesforce is not None


NUE_ONLY_ACME = {"links": {"nue_id": "cust-acme"}, "name": "Acme Corp"}  # Nue's own sync has not linked it
ADA = {"links": {"nue_id": "con-ada", "salesforce_id": "003000000000001AAA"}, "name": "Ada Lovelace"}


def test_a_customer_or_contact_linked_one_way_pairs_and_its_orders_are_in_sync() -> None:
    """A pull links a customer it created from the Account's side only: a Nue customer's link is not writable."""
    nue, sf = scenarios.in_sync_order()
    contact = {"links": {"nue_id": "con-ada"}, "name": "Ada Lovelace"}  # created by a run that died before linking back
    nue = [nue[0].model_copy(update={"customer": NUE_ONLY_ACME, "bill_to_contact": contact})]
    sf = [sf[0].model_copy(update={"bill_to_contact": ADA})]

    (only,) = reconcile(nue, sf).orders

    assert only.cls is OrderClass.IN_SYNC
    assert only.nue is not None and only.nue.customer.links.salesforce_id == "001000000000001AAA"
    assert only.nue.bill_to_contact is not None and only.nue.bill_to_contact.links == sf[0].bill_to_contact.links
    for direction in Direction:
        assert plan_sync(reconcile(nue, sf), direction, PlanSettings()).writes == []


def test_only_its_pair_completes_an_orders_one_way_link() -> None:
    """Never other orders: an order compares the same whatever else a run reads (`--order`, a saved plan)."""
    cart_nue, _ = scenarios.abandoned_cart()
    cart = cart_nue[0].model_copy(update={"customer": NUE_ONLY_ACME})
    nue, sf = scenarios.in_sync_order()

    result = reconcile([cart, nue[0].model_copy(update={"customer": NUE_ONLY_ACME})], sf)

    by_key = {c.key: c for c in result.orders}
    assert by_key["ord-2"].cls is OrderClass.CUSTOMER_UNLINKED  # its Account's Nue id is on another order's read
    assert by_key["ord-2"].nue == cart
    assert by_key["ord-1"].cls is OrderClass.IN_SYNC


def test_a_link_that_disagrees_is_not_completed_but_shown() -> None:
    nue, sf = scenarios.in_sync_order()
    elsewhere = {"links": {"nue_id": "cust-other", "salesforce_id": "001000000000001AAA"}, "name": "Acme Corp"}
    contact = {"links": {"nue_id": "con-other"}, "name": "Ada Lovelace"}
    nue = [nue[0].model_copy(update={"customer": NUE_ONLY_ACME, "bill_to_contact": contact})]
    sf = [sf[0].model_copy(update={"customer": elsewhere, "bill_to_contact": ADA})]

    (only,) = reconcile(nue, sf).orders

    assert only.cls is OrderClass.CUSTOMER_UNLINKED  # the Account names another Nue customer: not this one's link
    assert [d.field for d in only.header] == ["bill_to_contact.nue_id", "bill_to_contact.salesforce_id",
                                              "customer.nue_id", "customer.salesforce_id"]


def test_custom_fields_and_pricing_dimensions() -> None:
    (only,) = reconcile(*scenarios.custom_field_order()).orders
    assert only.cls is OrderClass.DIFFERS
    assert field_paths(only) == ["custom_fields.region"]


def test_line_added_on_one_side_is_reported_not_matched_by_sku() -> None:
    nue, sf = scenarios.in_sync_order()
    extra = scenarios.line(99, "NUE-PLAT-PRO", linked=False)
    nue = [nue[0].model_copy(update={"lines": [*nue[0].lines, DraftOrder.model_validate({"lines": [extra]}).lines[0]]})]
    (only,) = reconcile(nue, sf).orders
    assert [line.presence for line in only.lines] == [Presence.ONLY_IN_NUE]


def test_malformed_records_are_reported_and_the_rest_still_compared() -> None:
    problem = RecordProblem(System.SALESFORCE, "801BAD", "EffectiveDate", "'31/02' is not a date")
    result = reconcile(*scenarios.in_sync_order(), problems=[problem])
    assert result.counts()[OrderClass.MALFORMED] == 1
    assert result.orders[0].cls is OrderClass.IN_SYNC
    assert not result.in_sync


def test_every_class_in_the_demo_story() -> None:
    everything = scenarios.combine(
        scenarios.in_sync_order(), scenarios.abandoned_cart(), scenarios.rep_draft(), scenarios.diverged_order(),
        scenarios.portal_checkout(), scenarios.unlinked_customer(), scenarios.link_conflict(),
        scenarios.custom_field_order(),
    )
    counts = reconcile(*everything).counts()
    assert counts == {
        OrderClass.IN_SYNC: 1, OrderClass.DIFFERS: 2, OrderClass.ONLY_IN_NUE: 1, OrderClass.ONLY_IN_SALESFORCE: 1,
        OrderClass.ACTIVATED_IN_NUE_ONLY: 1, OrderClass.ACTIVATED_IN_SALESFORCE_ONLY: 0,
        OrderClass.LINK_CONFLICT: 1, OrderClass.CUSTOMER_UNLINKED: 1, OrderClass.MALFORMED: 0,
    }


def test_only_filters_classes() -> None:
    everything = scenarios.combine(scenarios.in_sync_order(), scenarios.diverged_order())
    result = reconcile(*everything).only([OrderClass.DIFFERS])
    assert [c.key for c in result.orders] == ["ord-4"]


# --- properties -----------------------------------------------------------------------------------

def _linked(order: DraftOrder) -> DraftOrder:
    lines = [line.model_copy(update={"links": {"nue_id": f"l{i}", "salesforce_id": f"s{i}"}})
             for i, line in enumerate(order.lines)]
    return order.model_copy(update={
        "links": {"nue_id": "n1", "salesforce_id": "s1"}, "lines": lines,
        "customer": {"links": {"nue_id": "c1", "salesforce_id": "a1"}},
    })


@given(orders)
@settings(max_examples=60, deadline=None)
def test_an_order_against_itself_is_in_sync(order: DraftOrder) -> None:
    order = _linked(order)
    (only,) = reconcile([order], [order]).orders
    assert only.cls is OrderClass.IN_SYNC
    assert field_paths(only) == []


HEADER_CHANGES = {k: v for k, v in SYNCED_CHANGES.items() if k not in {"line added", "line quantity", "status",
                                                                        "customer"}}


@given(orders, st.sampled_from(sorted(HEADER_CHANGES)))
@settings(max_examples=80, deadline=None)
def test_a_change_to_one_synced_field_shows_as_exactly_that_field(order: DraftOrder, change: str) -> None:
    order = _linked(order)
    changed = HEADER_CHANGES[change](order)
    (only,) = reconcile([changed], [order]).orders
    assert only.cls is OrderClass.DIFFERS
    paths = field_paths(only)
    assert len(paths) == 1
    assert paths[0].split(".")[0] == change


@given(orders.filter(lambda o: bool(o.lines)), st.integers(1, 50))
@settings(max_examples=40, deadline=None)
def test_a_changed_line_quantity_shows_on_that_line_only(order: DraftOrder, bump: int) -> None:
    order = _linked(order)
    first = order.lines[0]
    changed_line = first.model_copy(update={"quantity": (first.quantity or Decimal(0)) + bump})
    changed = order.model_copy(update={"lines": [changed_line, *order.lines[1:]]})
    (only,) = reconcile([changed], [order]).orders
    assert [(line.nue.links.nue_id, [d.field for d in line.fields]) for line in only.lines] == [("l0", ["quantity"])]
