"""Activation rules: what `nuesync activate` does with one order, or why it must not.

From what both systems hold for one order, `decide` says which systems to activate and in which
order, or why activation must not happen; `outcome_of` and `exit_code_for` turn decisions and
failures into per-order results and the run's exit code. Nothing here does I/O, so every rule is
tested without HTTP; `nuesync.activate` reads the orders and carries the decisions out.

Why origin first (rule 2 in docs/design.md): the origin system owns the order's lifecycle, so its
activation is the fact; the other system only mirrors it. The order of writes also makes a crash
harmless: an order activated in its origin but not yet mirrored is a state the next run
recognises and completes, and an order activated outside nuesync (a customer checking out in
Nue's portal) is completed the same way, by activating whichever side is still a draft.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from nuesync.apply import ApplyReport
from nuesync.errors import ExitCode
from nuesync.model import DraftOrder, Status, System
from nuesync.outcome import OrderOutcome, Result
from nuesync.reconcile import Direction, OrderClass, OrderComparison, field_paths

# --- decisions ----------------------------------------------------------------------------------


class Verdict(StrEnum):
    ACTIVATE = "activate"  # both drafts: origin first, then the mirror
    COMPLETE = "complete"  # one side is activated already: activate the other one
    NOTHING = "nothing"  # activated on both sides: a no-op success
    SYNC_FIRST = "sync_first"  # the sides differ and --sync-first was given: sync from the origin, then decide again
    REFUSED = "refused"  # not activatable as it stands; a person must act first
    CONFLICT = "conflict"  # the records contradict each other (origin, links): an integrity error
    SKIPPED = "skipped"  # selected by --customer but not a ready draft


class Selected(StrEnum):
    """How an order was chosen: by name (the user means it) or as one of a customer's drafts."""

    NAMED = "named"
    CUSTOMER = "customer"


class Problem(StrEnum):
    UNSYNCED = "unsynced"  # both drafts, linked, but their content differs
    UNLINKED = "unlinked"  # on one side only, or links missing
    INTEGRITY = "integrity"  # origin or links contradict each other; never "fixed" silently
    UNACTIVATABLE = "unactivatable"  # no lines, canceled, or activated with different content


# What each problem becomes, by how the order was selected: (without --sync-first, with it).
_VERDICTS: dict[Selected, dict[Problem, tuple[Verdict, Verdict]]] = {
    Selected.NAMED: {
        Problem.UNSYNCED: (Verdict.REFUSED, Verdict.SYNC_FIRST),
        Problem.UNLINKED: (Verdict.REFUSED, Verdict.SYNC_FIRST),
        Problem.INTEGRITY: (Verdict.CONFLICT, Verdict.CONFLICT),
        Problem.UNACTIVATABLE: (Verdict.REFUSED, Verdict.REFUSED),
    },
    Selected.CUSTOMER: {
        Problem.UNSYNCED: (Verdict.SKIPPED, Verdict.SYNC_FIRST),
        Problem.UNLINKED: (Verdict.SKIPPED, Verdict.SKIPPED),
        Problem.INTEGRITY: (Verdict.CONFLICT, Verdict.CONFLICT),
        Problem.UNACTIVATABLE: (Verdict.SKIPPED, Verdict.SKIPPED),
    },
}
REFUSALS = frozenset({Verdict.REFUSED, Verdict.CONFLICT})  # decisions that make a run exit 5
SYNC_DIRECTION: dict[System, Direction] = {System.NUE: Direction.PULL, System.SALESFORCE: Direction.PUSH}
OUTSIDE_ACTIVATION = frozenset({OrderClass.ACTIVATED_IN_NUE_ONLY, OrderClass.ACTIVATED_IN_SALESFORCE_ONLY})
SYNC_MESSAGE = "Use the sync feature before order activation"

# Which sides to activate, in order, from (origin status, mirror status).
_ORIGIN, _MIRROR = "origin", "mirror"
_STEPS: dict[tuple[Status, Status], tuple[str, ...]] = {
    (Status.DRAFT, Status.DRAFT): (_ORIGIN, _MIRROR),
    (Status.ACTIVATED, Status.DRAFT): (_MIRROR,),  # half done (a crash, or activated in the origin directly)
    (Status.DRAFT, Status.ACTIVATED): (_ORIGIN,),  # activated outside nuesync on the mirror (portal checkout)
    (Status.ACTIVATED, Status.ACTIVATED): (),
}
_VERDICT_BY_STEPS = {2: Verdict.ACTIVATE, 1: Verdict.COMPLETE, 0: Verdict.NOTHING}


@dataclass(frozen=True)
class Finding:
    """Why an order is not activated as it stands, and what would fix it."""

    problem: Problem
    code: str
    reason: str
    fix: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActivationDecision:
    key: str
    verdict: Verdict
    nue: DraftOrder | None = None
    salesforce: DraftOrder | None = None
    origin: System | None = None
    steps: tuple[System, ...] = ()  # systems to activate, in this order
    selected: Selected = Selected.NAMED
    code: str | None = None
    reason: str | None = None
    fix: str | None = None
    fields: tuple[str, ...] = ()

    def side(self, system: System) -> DraftOrder | None:
        return self.nue if system is System.NUE else self.salesforce

    def id_in(self, system: System) -> str | None:
        """The order's id in `system`, from whichever record knows it."""
        return next((o.links.id_in(system) for o in (self.nue, self.salesforce) if o and o.links.id_in(system)), None)

    @property
    def name(self) -> str | None:
        return next((o.name for o in (self.nue, self.salesforce) if o and o.name), None)

    @property
    def order_number(self) -> str | None:
        return self.nue.order_number if self.nue else None

    @property
    def acts(self) -> bool:
        return self.verdict in {Verdict.ACTIVATE, Verdict.COMPLETE}

    @property
    def writes(self) -> bool:
        return self.acts or self.verdict is Verdict.SYNC_FIRST


Check = Callable[[OrderComparison, Mapping[str, str]], Finding | None]


def _sync_fix(c: OrderComparison) -> str:
    origin = c.origin or System.NUE
    order_id = next((o.links.id_in(origin) for o in (c.nue, c.salesforce) if o and o.links.id_in(origin)), c.key)
    return (f"sync from the origin first (`nuesync {SYNC_DIRECTION[origin].value} --order {order_id}`), "
            f"or run `nuesync activate --sync-first {c.key}`")


def _unreadable(c: OrderComparison, unreadable: Mapping[str, str]) -> Finding | None:
    ids = {i for o in (c.nue, c.salesforce) if o for i in (o.links.nue_id, o.links.salesforce_id) if i}
    hit = sorted(ids & unreadable.keys())
    if not hit:
        return None
    return Finding(Problem.INTEGRITY, "MALFORMED", "; ".join(unreadable[i] for i in hit),
                   "correct the record so nuesync can read it, then run again")


def _links_conflict(c: OrderComparison, _unreadable: Mapping[str, str]) -> Finding | None:
    if c.cls is not OrderClass.LINK_CONFLICT:
        return None
    return Finding(Problem.INTEGRITY, "LINK_CONFLICT", "; ".join(c.notes) or "the link fields disagree",
                   "correct the link fields by hand so each order points at its counterpart")


def _origins_disagree(c: OrderComparison, _unreadable: Mapping[str, str]) -> Finding | None:
    nue_says = c.nue.origin if c.nue is not None else None
    salesforce_says = c.salesforce.origin if c.salesforce is not None else None
    if nue_says is None or salesforce_says is None or nue_says is salesforce_says:
        return None
    return Finding(Problem.INTEGRITY, "ORIGIN_DISAGREES",
                   f"the origin fields disagree: Nue says {nue_says.label}, Salesforce says {salesforce_says.label}",
                   "find out where the order was created and correct the origin field on the other record by hand",
                   ("origin",))


def _origin_unknown(c: OrderComparison, _unreadable: Mapping[str, str]) -> Finding | None:
    if c.origin is not None:
        return None
    return Finding(Problem.INTEGRITY, "ORIGIN_UNKNOWN", "neither record says where the order was created",
                   "set the origin field (Nue or Salesforce) on both records", ("origin",))


def _origin_missing(c: OrderComparison, _unreadable: Mapping[str, str]) -> Finding | None:
    if c.origin is None or c.side(c.origin) is not None:
        return None
    present = c.origin.other.label
    return Finding(Problem.INTEGRITY, "ORIGIN_MISSING",
                   f"the order's origin is {c.origin.label}, but it exists only in {present}",
                   f"find the order in {c.origin.label} and link it, or correct the origin field in {present}")


def _canceled(c: OrderComparison, _unreadable: Mapping[str, str]) -> Finding | None:
    canceled = [s.label for s in System if (o := c.side(s)) is not None and o.status is Status.CANCELED]
    if not canceled:
        return None
    return Finding(Problem.UNACTIVATABLE, "CANCELED", f"the order is canceled in {' and '.join(canceled)}",
                   "a canceled order is not activated; create a new order if it is wanted")


def _one_side_only(c: OrderComparison, _unreadable: Mapping[str, str]) -> Finding | None:
    if c.nue is not None and c.salesforce is not None:
        return None
    origin = c.origin or System.NUE
    return Finding(Problem.UNLINKED, "NOT_IN_BOTH",
                   f"{SYNC_MESSAGE}: the order exists only in {origin.label}", _sync_fix(c))


def _differing_fields(c: OrderComparison) -> tuple[str, ...]:
    return tuple(path for path in field_paths(c) if path != "status")


def _activated_side_differs(c: OrderComparison, _unreadable: Mapping[str, str]) -> Finding | None:
    activated = [s for s in System if (o := c.side(s)) is not None and o.status is Status.ACTIVATED]
    fields = _differing_fields(c)
    if not activated or not fields:
        return None
    where = activated[0]
    return Finding(Problem.UNACTIVATABLE, "ACTIVATED_DIFFERS",
                   f"the order was activated in {where.label} with content that differs from "
                   f"{where.other.label}: {', '.join(fields)}",
                   f"draft sync cannot change an activated order: decide which is right and correct "
                   f"{where.other.label} by hand, then run again", fields)


def _content_differs(c: OrderComparison, _unreadable: Mapping[str, str]) -> Finding | None:
    fields = _differing_fields(c)
    if not fields:
        return None
    return Finding(Problem.UNSYNCED, "SIDES_DIFFER", f"{SYNC_MESSAGE}: the systems differ in {', '.join(fields)}",
                   _sync_fix(c), fields)


def _links_incomplete(c: OrderComparison, _unreadable: Mapping[str, str]) -> Finding | None:
    assert c.nue is not None and c.salesforce is not None
    orders_linked = (c.nue.links.salesforce_id == c.salesforce.links.salesforce_id
                     and c.salesforce.links.nue_id == c.nue.links.nue_id)
    lines_linked = all(line.links.nue_id and line.links.salesforce_id
                       for order in (c.nue, c.salesforce) for line in order.lines)
    if orders_linked and lines_linked:
        return None
    return Finding(Problem.UNLINKED, "LINKS_MISSING",
                   f"{SYNC_MESSAGE}: the records are not linked both ways (an activated Salesforce order "
                   "can no longer take its links)", _sync_fix(c), ("links",))


_INTEGRITY_CHECKS: tuple[Check, ...] = (_unreadable, _links_conflict, _origins_disagree, _origin_unknown,
                                        _origin_missing)
_READINESS_CHECKS: tuple[Check, ...] = (_canceled, _one_side_only, _activated_side_differs, _content_differs,
                                        _links_incomplete)


def _steps(c: OrderComparison) -> tuple[System, ...]:
    """The systems to activate, origin first; a missing mirror counts as the draft a sync would create."""
    assert c.origin is not None
    origin, mirror = c.side(c.origin), c.side(c.origin.other)
    key = (origin.status if origin else Status.DRAFT, mirror.status if mirror else Status.DRAFT)
    roles = {_ORIGIN: c.origin, _MIRROR: c.origin.other}
    return tuple(roles[role] for role in _STEPS.get(key, ()))


def _no_lines(c: OrderComparison, steps: Sequence[System]) -> Finding | None:
    empty = [s.label for s in steps if (o := c.side(s)) is not None and not o.lines]
    if not empty:
        return None
    return Finding(Problem.UNACTIVATABLE, "NO_LINES", f"the order has no lines in {' and '.join(empty)}; "
                   "an order without products cannot be activated", "add the products, sync, then run again")


def _first(c: OrderComparison, unreadable: Mapping[str, str], checks: Iterable[Check]) -> Finding | None:
    return next((finding for check in checks if (finding := check(c, unreadable)) is not None), None)


def _both_activated(c: OrderComparison) -> bool:
    return all(o is not None and o.status is Status.ACTIVATED for o in (c.nue, c.salesforce))


def _plan_text(origin: System, steps: Sequence[System]) -> str:
    if len(steps) == 2:
        return f"activate in {origin.label} (origin), then in {origin.other.label}"
    if not steps:
        return "already activated in both systems"
    (only,) = steps
    if only is origin:
        return f"activated in {origin.other.label} outside nuesync: activate in {origin.label}, the origin"
    return f"activated in {origin.label} (origin) already: activate in {only.label} to complete it"


def decide(comparison: OrderComparison, *, sync_first: bool = False, selected: Selected = Selected.NAMED,
           unreadable: Mapping[str, str] | None = None) -> ActivationDecision:
    """What `activate` does with one order. `unreadable` maps record ids to why they could not be read."""
    bad = unreadable or {}
    c = comparison
    base = {"key": c.key, "nue": c.nue, "salesforce": c.salesforce, "origin": c.origin, "selected": selected}
    finding = _first(c, bad, _INTEGRITY_CHECKS)
    if finding is None and not _both_activated(c):
        finding = _first(c, bad, _READINESS_CHECKS)
    steps = _steps(c) if finding is None or finding.problem is not Problem.INTEGRITY else ()
    finding = finding or _no_lines(c, steps)
    if finding is None:
        assert c.origin is not None
        return ActivationDecision(**base, verdict=_VERDICT_BY_STEPS[len(steps)], steps=steps,
                                  reason=_plan_text(c.origin, steps))
    verdict = _VERDICTS[selected][finding.problem][sync_first]
    if verdict is Verdict.SYNC_FIRST:
        assert c.origin is not None
        return ActivationDecision(**base, verdict=verdict, steps=steps, code=finding.code, fields=finding.fields,
                                  reason=f"sync from {c.origin.label} first (`nuesync "
                                         f"{SYNC_DIRECTION[c.origin].value}`), then {_plan_text(c.origin, steps)}")
    return ActivationDecision(**base, verdict=verdict, code=finding.code, reason=finding.reason, fix=finding.fix,
                              fields=finding.fields)


def unreadable_decision(key: str, message: str) -> ActivationDecision:
    """A named order whose record could not be read: nothing is activated until it is corrected."""
    return ActivationDecision(key, Verdict.CONFLICT, code="MALFORMED", reason=message,
                              fix="correct the record so nuesync can read it, then run again")


# --- outcomes -----------------------------------------------------------------------------------


# The results an activation reports, counted in this order (the shared vocabulary of `nuesync.outcome`).
ACTIVATION_RESULTS = (Result.ACTIVATED, Result.UNCHANGED, Result.SKIPPED, Result.BLOCKED, Result.FAILED)


class SideState(StrEnum):
    ACTIVATED = "activated"  # by this run
    ALREADY = "already activated"
    DRAFT = "draft"
    CANCELED = "canceled"
    FAILED = "failed"
    ABSENT = "absent"


_RESULT_BY_VERDICT = {Verdict.NOTHING: Result.UNCHANGED, Verdict.REFUSED: Result.BLOCKED,
                      Verdict.CONFLICT: Result.BLOCKED, Verdict.SKIPPED: Result.SKIPPED,
                      Verdict.SYNC_FIRST: Result.BLOCKED}
_STATE_BY_STATUS = {Status.ACTIVATED: SideState.ALREADY, Status.DRAFT: SideState.DRAFT,
                    Status.CANCELED: SideState.CANCELED}


@dataclass(frozen=True, kw_only=True)
class ActivationOutcome(OrderOutcome):
    """An order's outcome (journaled as action `activate`) plus each system's state after the run."""

    origin: System | None
    nue: SideState
    salesforce: SideState
    name: str | None = None

    def state_in(self, system: System) -> SideState:
        return self.nue if system is System.NUE else self.salesforce


def outcome_of(decision: ActivationDecision, activated: Iterable[System] = (),
               failure: tuple[System, str, str] | None = None) -> ActivationOutcome:
    """The outcome of one decision, given the systems this run activated it in and the failure, if any."""
    done = set(activated)

    def state(system: System) -> SideState:
        order = decision.side(system)
        if failure is not None and failure[0] is system:
            return SideState.FAILED
        if system in done:
            return SideState.ACTIVATED
        return _STATE_BY_STATUS[order.status] if order is not None else SideState.ABSENT

    if failure is not None:
        result, code, message = Result.FAILED, failure[1], failure[2]
    elif decision.acts:
        result, code, message = Result.ACTIVATED, None, decision.reason
    else:
        result, code = _RESULT_BY_VERDICT[decision.verdict], decision.code
        message = "; ".join(p for p in (decision.reason, decision.fix) if p) or None
    return ActivationOutcome(decision.key, "activate", result, decision.id_in(System.NUE),
                             decision.id_in(System.SALESFORCE), code, message, decision.fields, origin=decision.origin,
                             nue=state(System.NUE), salesforce=state(System.SALESFORCE), name=decision.name)


def exit_code_for(outcomes: Iterable[ActivationOutcome], synced: Iterable[ApplyReport] = ()) -> ExitCode:
    """Failures before decisions a person must make: 4 when something was written too (an activation,
    a side activated before its mirror failed, a sync), 8 when nothing was; then 5 for refusals."""
    outcomes, synced = list(outcomes), list(synced)
    failed = any(o.result is Result.FAILED for o in outcomes) or any(
        report.exit_code in {ExitCode.PARTIAL_FAILURE, ExitCode.NOTHING_WRITTEN} for report in synced)
    if failed:
        written = any(SideState.ACTIVATED in (o.nue, o.salesforce) for o in outcomes) or any(
            report.written for report in synced)
        return ExitCode.PARTIAL_FAILURE if written else ExitCode.NOTHING_WRITTEN
    if any(o.result is Result.BLOCKED for o in outcomes):
        return ExitCode.CONFLICTS
    return ExitCode.OK


@dataclass(frozen=True)
class ActivationReport:
    decisions: tuple[ActivationDecision, ...]
    synced: tuple[ApplyReport, ...]
    outcomes: tuple[ActivationOutcome, ...]

    def counts(self) -> dict[str, int]:
        counted = dict.fromkeys((r.value for r in ACTIVATION_RESULTS), 0)
        for outcome in self.outcomes:
            counted[outcome.result.value] += 1
        return counted

    @property
    def exit_code(self) -> ExitCode:
        return exit_code_for(self.outcomes, self.synced)
