"""What a follow-up does with each cart, decided without I/O: data in, decisions and outcomes out.

Which orders are abandoned carts, who gets the task, what it says, and — after the re-read just
before writing — which carts no longer qualify. `nuesync.followup.run` feeds these with what it
read; every rule here is tested without HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from nuesync.apply import Stop
from nuesync.config import FollowupSettings, checkout_url
from nuesync.errors import ExitCode
from nuesync.followup.task import AccountOwner, FollowUpTask
from nuesync.model import DraftOrder, LineItem, Status, System, decimal_text
from nuesync.outcome import OrderOutcome, Result
from nuesync.reconcile import OrderClass, OrderComparison, Reconciliation
from nuesync.render import iso_utc, span, total_text

SUBJECT_MAX = 255  # Task.Subject's length in every org
DESCRIBED_LINES = 100  # a cart's lines listed in the task; Task.Description holds 32,000 characters
PAIRED = frozenset({OrderClass.IN_SYNC, OrderClass.DIFFERS})  # both sides read and linked to each other


class FollowupAction(StrEnum):
    CREATE = "create"  # a task for the owner
    SKIP = "skip"  # the cart has its task already
    BLOCK = "block"  # nobody to give the task to: a person must say who


class OwnerSource(StrEnum):
    ACCOUNT = "account"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class CartDecision:
    """One abandoned cart (both sides read) and what the follow-up does with it."""

    cart: OrderComparison
    action: FollowupAction
    task: FollowUpTask | None = None
    owner_source: OwnerSource | None = None
    existing_task: str | None = None
    reason: str | None = None
    fix: str | None = None

    @property
    def key(self) -> str:
        return self.cart.key

    @property
    def nue(self) -> DraftOrder:
        assert self.cart.nue is not None  # a cart is read on both sides (`abandoned`)
        return self.cart.nue

    @property
    def salesforce(self) -> DraftOrder:
        assert self.cart.salesforce is not None
        return self.cart.salesforce


@dataclass(frozen=True)
class FollowupPlan:
    """Every abandoned cart found, with its decision; `cutoff` is the last change a cart may have had."""

    cutoff: datetime
    now: datetime
    decisions: tuple[CartDecision, ...] = ()

    def counts(self) -> dict[str, int]:
        counted = {action.value: 0 for action in FollowupAction}
        for decision in self.decisions:
            counted[decision.action.value] += 1
        return counted

    @property
    def creates(self) -> tuple[CartDecision, ...]:
        return tuple(d for d in self.decisions if d.action is FollowupAction.CREATE)

    @property
    def exit_code(self) -> ExitCode:
        """A dry run's code: the real run's 5 when a cart is blocked, else 3 when it would create tasks."""
        if any(d.action is FollowupAction.BLOCK for d in self.decisions):
            return ExitCode.CONFLICTS
        return ExitCode.DIFFERENCES if self.creates else ExitCode.OK


FOLLOWUP_RESULTS = (Result.CREATED, Result.SKIPPED, Result.BLOCKED, Result.FAILED)


@dataclass(frozen=True)
class FollowupReport:
    """How a follow-up ended: its plan, and unless it was a dry run or declined, each cart's outcome."""

    plan: FollowupPlan
    outcomes: tuple[OrderOutcome, ...] = ()
    task_ids: Mapping[str, str] = field(default_factory=dict)  # cart key → the Task created
    stopped: Stop | None = None
    dry_run: bool = False
    declined: bool = False

    def counts(self) -> dict[str, int]:
        counted = {result.value: 0 for result in FOLLOWUP_RESULTS}
        for outcome in self.outcomes:
            counted[outcome.result.value] += 1
        return counted

    @property
    def exit_code(self) -> ExitCode:
        """As for `pull` and `push`: a stop says why; then failures (4 with tasks created, 8 without);
        then blocked carts (5); a dry run says what the real run would."""
        if self.dry_run:
            return self.plan.exit_code
        if self.stopped is not None:
            return self.stopped.exit_code
        if any(o.result is Result.FAILED for o in self.outcomes):
            created = any(o.result is Result.CREATED for o in self.outcomes)
            return ExitCode.PARTIAL_FAILURE if created else ExitCode.NOTHING_WRITTEN
        if any(o.result is Result.BLOCKED for o in self.outcomes):
            return ExitCode.CONFLICTS
        return ExitCode.OK


# --- which carts ------------------------------------------------------------------------------


def last_change(comparison: OrderComparison) -> datetime | None:
    """When either side last changed (None when a side does not say: no age is guessed)."""
    stamps = [order.last_modified for order in (comparison.nue, comparison.salesforce) if order is not None]
    if not stamps or any(stamp is None for stamp in stamps):
        return None
    return max(stamp for stamp in stamps if stamp is not None)


def abandoned(comparison: OrderComparison, cutoff: datetime) -> bool:
    """A self-service cart (Nue origin) pulled into Salesforce, a draft on both sides, untouched since `cutoff`."""
    changed = last_change(comparison)
    return (comparison.cls in PAIRED and comparison.origin is System.NUE and changed is not None
            and changed <= cutoff
            and all(o is not None and o.status is Status.DRAFT for o in (comparison.nue, comparison.salesforce)))


def abandoned_carts(result: Reconciliation, cutoff: datetime) -> list[OrderComparison]:
    """The abandoned carts of a reconciliation, the longest untouched first."""
    carts = [c for c in result.orders if abandoned(c, cutoff)]
    return sorted(carts, key=lambda c: (last_change(c), c.key))


def no_longer_abandoned(fresh: OrderComparison | None, cutoff: datetime) -> str | None:
    """Why a cart read again just before its task is written no longer gets one (None: it still does)."""
    if fresh is not None and abandoned(fresh, cutoff):
        return None
    if fresh is None:
        return "no longer found as a draft linked in both systems when read again: no task"
    activated = [s.label for s in System if (o := fresh.side(s)) is not None and o.status is Status.ACTIVATED]
    if activated:
        return f"activated in {' and '.join(activated)} since it was read (checked out): no task"
    return "changed since it was read: no longer abandoned, no task"


# --- who gets the task, and what it says -------------------------------------------------------


def choose_owner(owner: AccountOwner | None, fallback: str | None) -> tuple[str, OwnerSource] | None:
    """The Account's owner while that user is active (Salesforce refuses a task for an inactive one) and is
    a person rather than nuesync's own integration user, else `[followup] owner_fallback`; None when there
    is neither."""
    if owner is not None and owner.user_id and owner.active and not owner.integration:
        return owner.user_id, OwnerSource.ACCOUNT
    return (fallback, OwnerSource.FALLBACK) if fallback else None


def _no_owner(owner: AccountOwner | None) -> str:
    """Why an Account's owner cannot be given its cart's task, in words."""
    if owner is not None and owner.active and owner.integration:
        return "no owner but the integration user nuesync logs in as (no rep would see the task)"
    return "no active owner"


def _name(cart: OrderComparison) -> str:
    nue, sf = cart.nue, cart.salesforce
    return next((n for n in (nue and nue.name, sf and sf.name, nue and nue.order_number) if n), cart.key)


def _customer(cart: OrderComparison) -> str:
    customers = [o.customer for o in (cart.nue, cart.salesforce) if o is not None]
    names = [*(c.name for c in customers), *(c.links.nue_id or c.links.salesforce_id for c in customers)]
    return next((name for name in names if name), "")  # a name from either side before any id


def idle(cart: OrderComparison, now: datetime) -> str | None:
    """How long the cart has been untouched on both sides (`3d`), None when a side does not say."""
    changed = last_change(cart)
    return span((now - changed).total_seconds()) if changed else None


def subject(cart: OrderComparison, template: str, now: datetime) -> str:
    """The task's subject from `[followup] subject_template`, on one line and within Salesforce's 255 characters."""
    nue = cart.nue or cart.salesforce
    assert nue is not None
    values = {"order_name": _name(cart), "order_number": nue.order_number or "", "customer": _customer(cart),
              "total": total_text(nue), "currency": nue.currency or "", "age": idle(cart, now) or ""}
    return " ".join(template.format_map(values).split())[:SUBJECT_MAX]


def _line_text(line: LineItem) -> str:
    quantity = decimal_text(line.quantity) if line.quantity is not None else "?"
    price = f" at {decimal_text(line.unit_price)}" if line.unit_price is not None else ""
    discounts = [f"{decimal_text(line.discount.percent)}%"] if line.discount.percent else []
    if line.discount.amount:
        discounts.append(decimal_text(line.discount.amount))
    less = f", less {' and '.join(discounts)}" if discounts else ""
    return f"- {line.product_sku or '(no product)'} × {quantity}{price}{less}"


def description(cart: OrderComparison, now: datetime, link: str | None) -> str:
    """What the rep needs to call the customer: the cart, its total and lines, how long it has waited."""
    nue = cart.nue
    assert nue is not None
    number = f" ({nue.order_number})" if nue.order_number else ""
    changed = last_change(cart)
    lines = [_line_text(line) for line in nue.lines[:DESCRIBED_LINES]]
    if len(nue.lines) > DESCRIBED_LINES:
        lines.append(f"- … and {len(nue.lines) - DESCRIBED_LINES} more lines")
    return "\n".join([
        f"{_name(cart)}{number}: a self-service cart {_customer(cart)} left in Nue, unchanged since "
        f"{iso_utc(changed)} ({idle(cart, now)}).",
        f"Total: {' '.join(p for p in (total_text(nue), nue.currency) if p)}",
        "Lines:", *lines,
        *([f"Checkout link: {link}"] if link else []),
        f"Nue order id: {nue.links.nue_id}",
    ])


def _task(cart: OrderComparison, owner: str, settings: FollowupSettings, now: datetime,
          checkout_template: str | None) -> FollowUpTask:
    nue, sf = cart.nue, cart.salesforce
    assert nue is not None and sf is not None
    link = checkout_url(checkout_template, order_id=nue.links.nue_id, order_number=nue.order_number,
                        customer_id=nue.customer.links.nue_id) if checkout_template else None
    contact = sf.bill_to_contact.links.salesforce_id if sf.bill_to_contact else None
    return FollowUpTask(
        cart_id=str(nue.links.nue_id), order_id=str(sf.links.salesforce_id), owner_id=owner,
        subject=subject(cart, settings.subject_template, now), description=description(cart, now, link),
        due=(now + timedelta(days=settings.due_in_days)).date(), status=settings.status, priority=settings.priority,
        contact_id=contact,
    )


def decide(carts: Iterable[OrderComparison], owners: Mapping[str, AccountOwner], tasks: Mapping[str, str],
           settings: FollowupSettings, cutoff: datetime, now: datetime,
           checkout_template: str | None = None) -> FollowupPlan:
    """Each cart's decision: skip it when it has a task (`tasks`: cart id → Task Id), block it when nobody
    can own the task, else a task for the Account's owner (`owners`: Account Id → owner) or the fallback."""
    decisions = []
    for cart in carts:
        account = (cart.salesforce.customer.links.salesforce_id if cart.salesforce else None) or ""
        existing = tasks.get(cart.key)
        owner = choose_owner(owners.get(account), settings.owner_fallback)
        if existing is not None:
            decisions.append(CartDecision(cart, FollowupAction.SKIP, existing_task=existing,
                                          reason=f"has its follow-up task already (Task {existing})"))
        elif owner is None:
            decisions.append(CartDecision(
                cart, FollowupAction.BLOCK, reason=f"Account {account or '(none)'} has "
                f"{_no_owner(owners.get(account))} and followup.owner_fallback is not set",
                fix=f"give Account {account} an active owner in Salesforce, or set followup.owner_fallback to a "
                    "User Id (005…)"))
        else:
            decisions.append(CartDecision(cart, FollowupAction.CREATE,
                                          _task(cart, owner[0], settings, now, checkout_template), owner[1]))
    return FollowupPlan(cutoff, now, tuple(decisions))


# --- how each cart ended -------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    """What writing the tasks answered: the Task per cart created, the failures per cart, and the stop."""

    tasks: Mapping[str, str] = field(default_factory=dict)
    failures: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    stopped: Stop | None = None


def outcomes(plan: FollowupPlan, dropped: Mapping[str, str], created: Created) -> tuple[OrderOutcome, ...]:
    """Each cart's outcome: the journal's record and the results' rows (`dropped`: cart → why it no longer
    qualified when read again)."""
    rows = []
    for d in plan.decisions:
        ids = (d.nue.links.nue_id, d.salesforce.links.salesforce_id)
        if d.action is not FollowupAction.CREATE:
            result = Result.SKIPPED if d.action is FollowupAction.SKIP else Result.BLOCKED
            rows.append(OrderOutcome(d.key, d.action.value, result, *ids, message=d.reason))
        elif d.key in dropped:
            rows.append(OrderOutcome(d.key, d.action.value, Result.SKIPPED, *ids, message=dropped[d.key]))
        elif d.key in created.tasks:
            assert d.task is not None
            whose = "followup.owner_fallback" if d.owner_source is OwnerSource.FALLBACK else "the Account's owner"
            owner = f"{d.task.owner_id} ({whose})"
            rows.append(OrderOutcome(d.key, d.action.value, Result.CREATED, *ids,
                                     message=f"Task {created.tasks[d.key]} for {owner}, due {d.task.due}"))
        else:
            code, message = created.failures.get(d.key) or _not_sent(created.stopped)
            rows.append(OrderOutcome(d.key, d.action.value, Result.FAILED, *ids, code, message))
    return tuple(rows)


def _not_sent(stopped: Stop | None) -> tuple[str, str]:
    reason = stopped.reason if stopped else "no answer"
    return "RUN_STOPPED", f"task not (or not confirmed) created: {reason}; the next run creates it unless it was"
