"""`nuesync activate`: activate an order in the system where it was created, then mirror it.

This is the I/O half: read the selected orders from both systems, sync first where asked, then
activate (every origin before any mirror), verify and journal. What to do with each order, and why
not, is decided without I/O in `nuesync.activate_rules`. `carry_out` and `complete_activations`
run inside a `SyncRun`, so the lock and the journal are the ones `pull`/`push` use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from nuesync.activate_rules import (
    OUTSIDE_ACTIVATION,
    SYNC_DIRECTION,
    ActivationDecision,
    ActivationOutcome,
    ActivationReport,
    Selected,
    Verdict,
    decide,
    exit_code_for,
    outcome_of,
    unreadable_decision,
)
from nuesync.adapters.base import WriteResult
from nuesync.apply import ApplyReport
from nuesync.errors import ExitCode, UsageError
from nuesync.fetch import Scope, fetch_snapshot
from nuesync.model import Status, System
from nuesync.outcome import Result
from nuesync.plan import Plan
from nuesync.reconcile import Direction, OrderClass, OrderComparison, Reconciliation, reconcile
from nuesync.sync import DraftSyncOffError, SyncRun

# --- selection ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The orders a run looks at: those named, a customer's drafts, and named records that could not be read."""

    named: tuple[OrderComparison, ...] = ()
    by_customer: tuple[OrderComparison, ...] = ()
    unreadable: Mapping[str, str] = field(default_factory=dict)
    unreadable_refs: tuple[str, ...] = ()


def _index(comparisons: Iterable[OrderComparison]) -> dict[str, OrderComparison]:
    """Every id and Nue order number that names a comparison (15-character Salesforce ids too);
    a link conflict claims its ids first, so naming either record shows the conflict."""
    index: dict[str, OrderComparison] = {}
    ordered = sorted(comparisons, key=lambda c: c.cls is not OrderClass.LINK_CONFLICT)
    for c in ordered:
        orders = [o for o in (c.nue, c.salesforce) if o is not None]
        names = [i for o in orders for i in (o.links.nue_id, o.links.salesforce_id) if i]
        names += [i[:15] for i in names if len(i) == 18]
        names += [c.nue.order_number] if c.nue is not None and c.nue.order_number else []
        for name in names:
            index.setdefault(name, c)
    return index


def _read(run: SyncRun, scope: Scope) -> Reconciliation:
    snapshot = fetch_snapshot(run.nue, run.salesforce, scope, run.progress)
    return reconcile(snapshot.nue, snapshot.salesforce, snapshot.problems)


def _unreadable_map(result: Reconciliation) -> dict[str, str]:
    return {p.record_id: f"{p.system.label} record {p.record_id} could not be read: {p.field}: {p.message}"
            for p in result.problems}


def _nue_ids_by_number(run: SyncRun, numbers: Sequence[str]) -> dict[str, str]:
    """Nue order ids for the arguments that were no id: one read of exactly those order numbers."""
    run.progress("looking up Nue order numbers")
    orders = run.nue.fetch_orders(numbers=numbers, include_activated=True).orders
    return {o.order_number: o.links.nue_id for o in orders if o.order_number in numbers and o.links.nue_id}


def _resolve(run: SyncRun, refs: Sequence[str]) -> tuple[dict[str, OrderComparison], dict[str, str]]:
    result = _read(run, Scope(order_ids=tuple(refs)))
    index, unreadable = _index(result.orders), _unreadable_map(result)
    missing = [r for r in refs if r not in index and r not in unreadable]
    numbers = _nue_ids_by_number(run, missing) if missing else {}
    if numbers:
        more = _read(run, Scope(order_ids=tuple(numbers.values())))
        by_id = _index(more.orders)
        index.update({number: by_id[nue_id] for number, nue_id in numbers.items() if nue_id in by_id})
        unreadable.update(_unreadable_map(more))
    unknown = [r for r in refs if r not in index and r not in unreadable]
    if unknown:
        raise UsageError(f"no order {', '.join(unknown)} in Nue or Salesforce (expected a Nue order id, "
                         "a Nue order number or a Salesforce Order id); nothing was activated")
    return {r: index[r] for r in refs if r in index}, unreadable


def select_orders(run: SyncRun, orders: Sequence[str] = (), customers: Sequence[str] = ()) -> Selection:
    """Read the named orders (by id or Nue order number) and the customers' drafts from both systems.

    A name that matches nothing is a usage error before anything is written: a typo must not
    leave half a batch activated.
    """
    refs = list(dict.fromkeys(orders))
    named, unreadable = _resolve(run, refs) if refs else ({}, {})
    by_customer: tuple[OrderComparison, ...] = ()
    if customers:
        result = _read(run, Scope(customer_ids=tuple(dict.fromkeys(customers))))
        by_customer, unreadable = result.orders, {**unreadable, **_unreadable_map(result)}
    unique = tuple({id(c): c for c in named.values()}.values())
    return Selection(unique, by_customer, unreadable, tuple(r for r in refs if r not in named))


def decide_selection(selection: Selection, *, sync_first: bool = False) -> tuple[ActivationDecision, ...]:
    decisions = [unreadable_decision(ref, selection.unreadable[ref]) for ref in selection.unreadable_refs]
    decisions += [decide(c, sync_first=sync_first, unreadable=selection.unreadable) for c in selection.named]
    seen = {d.key for d in decisions}
    decisions += [decide(c, sync_first=sync_first, selected=Selected.CUSTOMER, unreadable=selection.unreadable)
                  for c in selection.by_customer if c.key not in seen]
    return tuple(decisions)


# --- carrying it out ----------------------------------------------------------------------------


def sync_plans(run: SyncRun, decisions: Iterable[ActivationDecision]) -> tuple[Plan, ...]:
    """The syncs `--sync-first` runs, one per direction: from each order's origin, sender wins."""
    by_direction: dict[Direction, list[str]] = {}
    for d in decisions:
        if d.verdict is Verdict.SYNC_FIRST and d.origin is not None:
            by_direction.setdefault(SYNC_DIRECTION[d.origin], []).append(d.id_in(d.origin) or d.key)
    plans = tuple(run.plan(direction, Scope(order_ids=tuple(ids))) for direction, ids in by_direction.items())
    refused = next((plan.refused for plan in plans if plan.refused), None)
    if refused:
        raise DraftSyncOffError(f"--sync-first cannot sync: {refused}")
    return plans


def _after_sync(run: SyncRun, decisions: Sequence[ActivationDecision], plans: Sequence[Plan],
                synced: Sequence[ApplyReport]) -> list[ActivationDecision | ActivationOutcome]:
    """Decide again for the orders just synced (read back from both systems); a failed sync fails the order."""
    pending = [d for d in decisions if d.verdict is Verdict.SYNC_FIRST]
    if not pending:
        return list(decisions)
    failures = {i: o for report in synced for o in report.outcomes if o.result is Result.FAILED
                for i in (o.nue_id, o.salesforce_id) if i}
    why = {a.sender.links.id_in(p.direction.sender): a.reason for p in plans for a in p.actions
           if a.sender is not None and a.reason}
    origins = {d.key: (d.origin, d.id_in(d.origin) or d.key) for d in pending if d.origin is not None}
    result = _read(run, Scope(order_ids=tuple(origin_id for _origin, origin_id in origins.values())))
    fresh, unreadable = _index(result.orders), _unreadable_map(result)
    settled: list[ActivationDecision | ActivationOutcome] = []
    for d in decisions:
        if d.key not in origins:
            settled.append(d)
            continue
        origin, origin_id = origins[d.key]
        if origin_id in failures:
            failed = failures[origin_id]
            message = f"the sync before activation failed: {failed.message or 'failed'}; nothing was activated"
            settled.append(outcome_of(d, failure=(origin.other, failed.error_code or "SYNC_FAILED", message)))
        elif origin_id in fresh:
            again = decide(fresh[origin_id], unreadable=unreadable)
            note = f" (the sync: {why[origin_id]})" if origin_id in why and not again.acts else ""
            settled.append(dataclasses.replace(again, reason=(again.reason or "") + note))
        else:
            settled.append(outcome_of(d, failure=(origin, "NOT_FOUND", "not found when read back after the sync")))
    return settled


def _verify(run: SyncRun, decisions: Sequence[ActivationDecision]) -> dict[str, tuple[System, str, str]]:
    """Re-read the activated orders from both systems (one batched read each): key → the failure, if any."""
    statuses: dict[tuple[System, str], Status] = {}
    for system in System:
        ids = [i for d in decisions if (i := d.id_in(system))]
        if ids:
            for order in run.system(system).fetch_orders(ids=ids, include_activated=True).orders:
                statuses[(system, order.links.id_in(system) or "")] = order.status
    wrong = {}
    for d in decisions:
        seen = {s: statuses.get((s, d.id_in(s) or "")) for s in System}
        lagging = [s for s, status in seen.items() if status is not Status.ACTIVATED]
        if lagging:
            found = ", ".join(f"{s.label} {status.value if status else 'not found'}" for s, status in seen.items())
            wrong[d.key] = (lagging[0], "NOT_VERIFIED", f"read back, the order is not activated on both sides: {found}")
    return wrong


def _activate(run: SyncRun, decisions: Sequence[ActivationDecision]) -> dict[str, ActivationOutcome]:
    """Activate every acting decision: all first steps (origins), then the mirrors; then verify.

    Each step is one batch per system (Salesforce: Collections of 200; Nue: its bounded pool), and
    a mirror is asked for only once its origin answered: origin first, per order.
    """
    done: dict[str, list[System]] = {d.key: [] for d in decisions}
    failures: dict[str, tuple[System, str, str]] = {}
    for position in (0, 1):
        for system in System:
            step = [d for d in decisions
                    if len(d.steps) > position and d.steps[position] is system and d.key not in failures]
            if not step:
                continue
            run.progress(f"activating {len(step)} order(s) in {system.label}")
            results = run.system(system).activate_many([d.id_in(system) or "" for d in step], progress=run.progress)
            _take_step(step, system, results, done, failures)
    run.progress("verifying both systems")
    failures.update(_verify(run, [d for d in decisions if d.key not in failures]))
    return {d.key: outcome_of(d, done[d.key], failures.get(d.key)) for d in decisions}


def _take_step(step: Sequence[ActivationDecision], system: System, results: Sequence[WriteResult],
               done: dict[str, list[System]], failures: dict[str, tuple[System, str, str]]) -> None:
    """Note each order's step as done, or the failure that keeps its mirror from being asked for."""
    for d, result in zip(step, results, strict=True):
        if result.ok:
            done[d.key].append(system)
        else:
            failures[d.key] = (system, result.error_code or "FAILED", _failure_message(d, system, result, done[d.key]))


def _failure_message(d: ActivationDecision, system: System, result: WriteResult, earlier: Sequence[System]) -> str:
    """What a failed step left: nothing activated, or the origin activated and the mirror to complete."""
    detail = ": ".join(p for p in (result.error_code, result.message) if p) or "failed"
    if not earlier:
        return f"activation in {system.label} failed ({detail}); nothing was activated"
    return (f"activated in {earlier[0].label}, but activation in {system.label} failed ({detail}); "
            f"run `nuesync activate {d.key}` again to complete it")


def _settle(run: SyncRun, items: Sequence[ActivationDecision | ActivationOutcome]) -> tuple[ActivationOutcome, ...]:
    acting = [i for i in items if isinstance(i, ActivationDecision) and i.acts]
    activated = _activate(run, acting)
    outcomes = tuple(i if isinstance(i, ActivationOutcome) else activated.get(i.key) or outcome_of(i) for i in items)
    run.journal.record_actions(run.run_id, outcomes)
    return outcomes


def carry_out(run: SyncRun, decisions: Sequence[ActivationDecision], plans: Sequence[Plan] = ()) -> ActivationReport:
    """Sync first where asked (sender wins, from the origin), then activate, verify and journal."""
    synced = tuple(run.apply(plan) for plan in plans if plan.writes)
    outcomes = _settle(run, _after_sync(run, decisions, plans, synced))
    report = ActivationReport(tuple(decisions), synced, outcomes)
    run.finish(report.exit_code, report.counts())
    return report


def complete_activations(run: SyncRun, comparisons: Iterable[OrderComparison]) -> tuple[ActivationOutcome, ...]:
    """Complete activations that happened on one side only (outside nuesync, or a run that died
    between the origin and the mirror): for `pull`/`push` to call with their reconciliation.

    Only `activated_in_nue_only` / `activated_in_salesforce_only` orders are considered; those whose
    records contradict each other or whose content differs are reported (blocked), not activated.
    """
    decisions = [decide(c) for c in comparisons if c.cls in OUTSIDE_ACTIVATION]
    return _settle(run, decisions) if decisions else ()


@dataclass(frozen=True)
class SyncCarriedOut:
    """What a writing sync did: its writes, the one-sided activations it completed, and the run's code."""

    report: ApplyReport
    activations: tuple[ActivationOutcome, ...]
    exit_code: ExitCode


def sync_and_complete(run: SyncRun, plan: Plan) -> SyncCarriedOut:
    """Write a plan, then complete the activations the run found on one side only, in their origin
    (rule 2 in docs/design.md), and record how the run ended: what `pull`/`push` and the listener do."""
    pending = [c for c in run.reconciliation.orders if c.cls in OUTSIDE_ACTIVATION]
    report = run.apply(plan)
    activations = complete_activations(run, pending) if pending and report.stopped is None else ()
    code = max(report.exit_code, exit_code_for(activations)) if activations else report.exit_code
    run.finish(code, report.counts())
    return SyncCarriedOut(report, activations, code)
