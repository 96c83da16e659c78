"""`nuesync followup` without I/O: which carts, whose task, what it says, how each cart ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from nuesync.apply import Stop
from nuesync.config import FollowupSettings
from nuesync.errors import ExitCode
from nuesync.followup.rules import (
    SUBJECT_MAX,
    Created,
    FollowupAction,
    FollowupPlan,
    FollowupReport,
    OwnerSource,
    abandoned_carts,
    choose_owner,
    decide,
    description,
    no_longer_abandoned,
    outcomes,
    subject,
)
from nuesync.followup.task import AccountOwner
from nuesync.model import Status, System
from nuesync.outcome import OrderOutcome, Result
from nuesync.reconcile import OrderComparison, reconcile
from tests import scenarios
from tests.scenarios import Sides, build, order

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
CUTOFF = NOW - timedelta(hours=24)
OLD = NOW - timedelta(days=3)
OWNER, FALLBACK, INACTIVE = "005000000000001AAA", "005000000000002AAA", "005000000000003AAA"
ACCOUNT = "001000000000001AAA"  # scenarios.ACME's Account
REP_PAIR = ([build(order(3, origin=System.SALESFORCE))], [build(order(3, origin=System.SALESFORCE))])


def aged(sides: Sides, nue: datetime = OLD, salesforce: datetime = OLD) -> Sides:
    (n,), (s,) = sides
    return [n.model_copy(update={"last_modified": nue})], [s.model_copy(update={"last_modified": salesforce})]


def carts(*sides: Sides, cutoff: datetime = CUTOFF) -> list[OrderComparison]:
    nue = [o for side in sides for o in side[0]]
    sf = [o for side in sides for o in side[1]]
    return abandoned_carts(reconcile(nue, sf), cutoff)


def cart(n: int = 1, **changes: object) -> OrderComparison:
    data = order(n, **changes)
    (found,) = carts(aged(([build(data)], [build(data)])))
    return found


# --- which carts ------------------------------------------------------------------------------------


def test_a_linked_nue_draft_untouched_on_both_sides_is_a_cart_in_sync_or_not() -> None:
    found = carts(aged(scenarios.in_sync_order(1)), aged(scenarios.diverged_order(4)))
    assert [c.key for c in found] == ["ord-1", "ord-4"]


@pytest.mark.parametrize(("why", "sides"), [
    ("created by a rep", aged(REP_PAIR)),
    ("never pulled", scenarios.abandoned_cart(2)),
    ("checked out in the portal", aged(([build(order(5), status=Status.ACTIVATED)], [build(order(5))]))),
    ("links that disagree", aged(scenarios.link_conflict(7))),
    ("touched in Salesforce yesterday evening", aged(scenarios.in_sync_order(1), salesforce=NOW - timedelta(hours=2))),
    ("touched in Nue an hour ago", aged(scenarios.in_sync_order(1), nue=NOW - timedelta(hours=1))),
    ("no stamp on one side", scenarios.in_sync_order(1)),
])
def test_what_is_not_an_abandoned_cart(why: str, sides: Sides) -> None:
    assert carts(sides) == [], why


def test_the_longest_untouched_comes_first() -> None:
    earlier = OLD - timedelta(days=1)
    found = carts(aged(scenarios.in_sync_order(1)), aged(scenarios.in_sync_order(2), nue=earlier, salesforce=earlier))
    assert [c.key for c in found] == ["ord-2", "ord-1"]


@pytest.mark.parametrize(("fresh", "expected"), [
    (lambda: cart(1), None),
    (lambda: None, "no longer found"),
    (lambda: reconcile(*aged(([build(order(1), status=Status.ACTIVATED)], [build(order(1))]))).orders[0],
     "activated in Nue since it was read (checked out): no task"),
    (lambda: reconcile(*aged(scenarios.in_sync_order(1), nue=NOW)).orders[0], "changed since it was read"),
])
def test_a_cart_read_again_before_writing_keeps_its_task_only_while_still_abandoned(fresh, expected) -> None:
    reason = no_longer_abandoned(fresh(), CUTOFF)
    assert reason is None if expected is None else expected in reason


# --- whose task ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("owner", "fallback", "expected"), [
    (AccountOwner(OWNER, True), FALLBACK, (OWNER, OwnerSource.ACCOUNT)),
    (AccountOwner(INACTIVE, False), FALLBACK, (FALLBACK, OwnerSource.FALLBACK)),
    (AccountOwner(None, False), FALLBACK, (FALLBACK, OwnerSource.FALLBACK)),
    (None, FALLBACK, (FALLBACK, OwnerSource.FALLBACK)),
    (AccountOwner(INACTIVE, False), None, None),
    (None, None, None),
    (AccountOwner(OWNER, True, integration=True), FALLBACK, (FALLBACK, OwnerSource.FALLBACK)),
    (AccountOwner(OWNER, True, integration=True), None, None),
])
def test_the_task_goes_to_the_active_account_owner_else_the_fallback(owner, fallback, expected) -> None:
    """An Account owned by the integration user nuesync logs in as (one a pull created) has no owner a rep
    would see: its task goes to the fallback, as for an inactive owner."""
    assert choose_owner(owner, fallback) == expected


# --- what it says -------------------------------------------------------------------------------------


def test_the_subject_fills_every_placeholder_on_one_line_within_255_characters() -> None:
    template = "{order_name} | {order_number} | {customer} | {total} {currency} | {age}"
    shown = cart(1, name="Team\nplan", order_number="O-00000042")
    assert subject(shown, template, NOW) == "Team plan | O-00000042 | Acme Corp | 237.5 USD | 3d"
    assert len(subject(cart(1, name="x" * 400), "{order_name}", NOW)) == SUBJECT_MAX


def test_the_description_holds_the_total_the_lines_the_wait_and_the_checkout_link() -> None:
    shown = cart(1, order_number="O-00000042")
    text = description(shown, NOW, "https://portal.example.com/checkout/ord-1")
    assert text.splitlines() == [
        "Order 1 (O-00000042): a self-service cart Acme Corp left in Nue, unchanged since 2026-12-07T12:00:00Z (3d).",
        "Total: 237.5 USD",
        "Lines:",
        "- NUE-SEAT × 10 at 12.5, less 5%",
        "- NUE-PLAT-PRO × 10 at 12.5, less 5%",
        "Checkout link: https://portal.example.com/checkout/ord-1",
        "Nue order id: ord-1",
    ]
    assert "Checkout link" not in description(shown, NOW, None)


def test_a_long_cart_lists_its_first_hundred_lines() -> None:
    many = [scenarios.line(i, discount={}) for i in range(130)]
    text = description(cart(1, lines=many), NOW, None)
    assert "- … and 30 more lines" in text
    assert text.count("- NUE-SEAT") == 100


# --- deciding -----------------------------------------------------------------------------------------


def test_decide_skips_a_cart_with_a_task_blocks_one_nobody_owns_and_creates_the_rest() -> None:
    settings = FollowupSettings(due_in_days=2, status="In Progress", priority="High")
    found = [cart(1), cart(2), cart(3, customer={"links": {"nue_id": "c-9", "salesforce_id": "001000000000009AAA"}})]
    plan = decide(found, {ACCOUNT: AccountOwner(OWNER, True)}, {"ord-2": "00T000000000001AAA"}, settings, CUTOFF, NOW,
                  "https://portal.example.com/{order_id}")

    create, skip, block = plan.decisions
    assert [d.action for d in plan.decisions] == [FollowupAction.CREATE, FollowupAction.SKIP, FollowupAction.BLOCK]
    assert create.task is not None and create.owner_source is OwnerSource.ACCOUNT
    assert (create.task.cart_id, create.task.order_id, create.task.owner_id) == ("ord-1", "801000000000001AAA", OWNER)
    assert (create.task.due, create.task.status, create.task.priority) == (date(2026, 12, 12), "In Progress", "High")
    assert create.task.subject == "Follow up abandoned cart Order 1 (237.5 USD)"
    assert "Checkout link: https://portal.example.com/ord-1" in create.task.description
    assert skip.existing_task == "00T000000000001AAA" and skip.task is None
    assert "001000000000009AAA has no active owner" in (block.reason or "")
    assert "followup.owner_fallback" in (block.fix or "")
    assert plan.counts() == {"create": 1, "skip": 1, "block": 1}


def test_the_bill_to_contact_is_who_the_task_is_about() -> None:
    with_contact = cart(1, bill_to_contact={"links": {"nue_id": "ct-1", "salesforce_id": "003000000000001AAA"}})
    (decision,) = decide([with_contact], {}, {}, FollowupSettings(owner_fallback=FALLBACK), CUTOFF, NOW).decisions
    assert decision.task is not None and decision.task.contact_id == "003000000000001AAA"
    assert decision.owner_source is OwnerSource.FALLBACK


# --- how each cart ends, and the exit code ---------------------------------------------------------------


def _plan() -> FollowupPlan:
    found = [cart(1), cart(2), cart(3), cart(4)]
    return decide(found, {}, {"ord-4": "00T000000000004AAA"}, FollowupSettings(owner_fallback=FALLBACK), CUTOFF, NOW)


def test_outcomes_say_created_skipped_failed_and_not_sent() -> None:
    created = Created(tasks={"ord-1": "00T000000000001AAA"}, failures={"ord-2": ("INVALID_FIELD", "no such column")},
                      stopped=Stop("Salesforce went away", ExitCode.API_UNAVAILABLE))
    rows = {o.key: o for o in outcomes(_plan(), {}, created)}
    assert rows["ord-1"].result is Result.CREATED
    assert rows["ord-1"].message == f"Task 00T000000000001AAA for {FALLBACK} (followup.owner_fallback), due 2026-12-11"
    assert (rows["ord-2"].result, rows["ord-2"].error_code) == (Result.FAILED, "INVALID_FIELD")
    assert (rows["ord-3"].result, rows["ord-3"].error_code) == (Result.FAILED, "RUN_STOPPED")
    assert "Salesforce went away; the next run creates it unless it was" in (rows["ord-3"].message or "")
    assert (rows["ord-4"].result, rows["ord-4"].action) == (Result.SKIPPED, "skip")


def test_a_cart_dropped_when_read_again_is_skipped_with_the_reason() -> None:
    rows = {o.key: o for o in outcomes(_plan(), {"ord-1": "activated in Nue since it was read"}, Created())}
    assert (rows["ord-1"].result, rows["ord-1"].message) == (Result.SKIPPED, "activated in Nue since it was read")


def _report(*results: Result, stopped: Stop | None = None) -> FollowupReport:
    rows = tuple(OrderOutcome(f"k{i}", "create", r) for i, r in enumerate(results))
    return FollowupReport(FollowupPlan(CUTOFF, NOW), rows, stopped=stopped)


@pytest.mark.parametrize(("report", "code"), [
    (_report(Result.CREATED, Result.SKIPPED), ExitCode.OK),
    (_report(Result.CREATED, Result.BLOCKED), ExitCode.CONFLICTS),
    (_report(Result.CREATED, Result.FAILED, Result.BLOCKED), ExitCode.PARTIAL_FAILURE),
    (_report(Result.FAILED, Result.SKIPPED), ExitCode.NOTHING_WRITTEN),
    (_report(Result.CREATED, stopped=Stop("gone", ExitCode.API_UNAVAILABLE)), ExitCode.API_UNAVAILABLE),
    (FollowupReport(FollowupPlan(CUTOFF, NOW)), ExitCode.OK),
])
def test_exit_codes_are_those_of_the_other_writing_commands(report: FollowupReport, code: ExitCode) -> None:
    assert report.exit_code == code


def test_a_dry_run_exits_with_what_the_real_run_would() -> None:
    plan = _plan()
    assert FollowupReport(plan, dry_run=True).exit_code == ExitCode.DIFFERENCES
    blocked = decide([cart(1)], {}, {}, FollowupSettings(), CUTOFF, NOW)
    assert FollowupReport(blocked, dry_run=True).exit_code == ExitCode.CONFLICTS
    assert FollowupReport(FollowupPlan(CUTOFF, NOW), dry_run=True).exit_code == ExitCode.OK


def test_a_line_without_a_price_or_a_discount_reads_plainly() -> None:
    bare = [scenarios.line(1, unit_price=None, discount={"amount": Decimal("2.5")})]
    assert "- NUE-SEAT × 10, less 2.5" in description(cart(1, lines=bare), NOW, None)
