"""The I/O of a follow-up, inside a `SyncRun` (the lock, journal and systems `pull` and `activate` use).

Reading costs one paged query per system (every draft, as `diff` reads them), then for the carts
found one `queryAll` per batch for the tasks they already have and one query per batch for their
Accounts' owners. Just before writing, the carts to follow up are read again by id from both
systems, and one checked out (or edited) in the meantime gets no task; the tasks are then
created with sObject Collections, 200 a call. Every cart's outcome is journaled with the run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from nuesync.adapters.salesforce import partial_results
from nuesync.apply import stop_for
from nuesync.config import Settings
from nuesync.errors import ExitCode, NuesyncError
from nuesync.fetch import Scope, fetch_snapshot
from nuesync.followup.rules import (
    CartDecision,
    Created,
    FollowupPlan,
    FollowupReport,
    abandoned_carts,
    decide,
    no_longer_abandoned,
    outcomes,
)
from nuesync.followup.task import AccountOwner, FollowUpTask
from nuesync.journal import RunStatus
from nuesync.reconcile import reconcile
from nuesync.render import iso_utc
from nuesync.sync import Progress, RunOptions, SyncRun

COMMAND = "followup"


@dataclass(frozen=True)
class FollowupRequest:
    """What the command was asked: carts untouched since `cutoff` (`older_than` as given), at `now`."""

    older_than: str
    cutoff: datetime
    now: datetime
    dry_run: bool = False
    yes: bool = False


def plan_followup(run: SyncRun, cutoff: datetime, now: datetime) -> FollowupPlan:
    """Read both systems and decide for every abandoned cart (nothing is written)."""
    snapshot = fetch_snapshot(run.nue, run.salesforce, Scope(), run.progress)
    carts = abandoned_carts(reconcile(snapshot.nue, snapshot.salesforce, snapshot.problems), cutoff)
    tasks: dict[str, str] = {}
    owners: dict[str, AccountOwner] = {}
    if carts:
        run.progress("reading the carts' tasks and their Accounts' owners")
        tasks = run.salesforce.cart_tasks([c.key for c in carts])
        accounts = [c.salesforce.customer.links.salesforce_id or "" for c in carts
                    if c.key not in tasks and c.salesforce is not None]
        owners = run.salesforce.account_owners(accounts) if accounts else {}
    plan = decide(carts, owners, tasks, run.settings.followup, cutoff, now, run.settings.nue.checkout_url_template)
    run.planned = plan.counts()
    return plan


def create_tasks(run: SyncRun, plan: FollowupPlan) -> FollowupReport:
    """Read the carts to follow up again, create their tasks, journal every cart's outcome, finish the run.

    A stop (an API gone, the budget spent, Ctrl-C) is reported, not raised: each cart says whether its
    task was created, and one that is not confirmed is found by the next run's task query if it was.
    """
    creates = plan.creates
    dropped = _no_longer_abandoned(run, creates, plan.cutoff) if creates else {}
    sending = [d.task for d in creates if d.key not in dropped and d.task is not None]
    created = _create(run, sending) if sending else Created()
    report = FollowupReport(plan, outcomes(plan, dropped, created), created.tasks, created.stopped)
    run.journal.record_actions(run.run_id, report.outcomes)
    run.finish(report.exit_code, report.counts())
    return report


def _no_longer_abandoned(run: SyncRun, decisions: Sequence[CartDecision], cutoff: datetime) -> dict[str, str]:
    """Cart → why it gets no task after all, from one read by id of both systems (activated ones included)."""
    run.progress("reading the carts again before writing")
    nue = run.nue.fetch_orders(ids=[d.key for d in decisions], include_activated=True)
    salesforce = run.salesforce.fetch_orders(ids=[str(d.salesforce.links.salesforce_id) for d in decisions],
                                             include_activated=True)
    fresh = {c.key: c for c in reconcile(nue.orders, salesforce.orders).orders}
    reasons = {d.key: no_longer_abandoned(fresh.get(d.key), cutoff) for d in decisions}
    return {key: reason for key, reason in reasons.items() if reason}


def _create(run: SyncRun, tasks: Sequence[FollowUpTask]) -> Created:
    run.check_budget()
    run.progress(f"creating {len(tasks)} task(s) in Salesforce")
    try:
        results = run.salesforce.create_tasks(tasks, progress=run.progress)
        stopped = None
    except (NuesyncError, KeyboardInterrupt) as exc:
        results, stopped = partial_results(exc), stop_for(exc)
    return Created(
        tasks={r.key: str(r.record_id) for r in results if r.ok},
        failures={r.key: (r.error_code or "FAILED", r.message or "failed") for r in results if not r.ok},
        stopped=stopped,
    )


def follow_up(settings: Settings, environ: Mapping[str, str], request: FollowupRequest, *,
              progress: Progress | None = None, show: Callable[[FollowupPlan], None] = lambda _plan: None,
              confirm: Callable[[FollowupPlan], bool] = lambda _plan: False) -> FollowupReport:
    """`nuesync followup`: plan under the run lock, `show` the plan, then stop (dry run, nothing to do,
    declined at `confirm`) or create the tasks. Journaled as a run of its own, like every writing command."""
    options = {"older_than": request.older_than, "cutoff": iso_utc(request.cutoff), "dry_run": request.dry_run,
               "yes": request.yes}
    with SyncRun(settings, environ, RunOptions(COMMAND, options), progress) as run:
        plan = plan_followup(run, request.cutoff, request.now)
        show(plan)
        if request.dry_run:
            run.finish(plan.exit_code, {}, RunStatus.DRY_RUN)
            return FollowupReport(plan, dry_run=True)
        if plan.creates and not request.yes and not confirm(plan):
            run.finish(ExitCode.OK, {}, RunStatus.DECLINED)
            return FollowupReport(plan, declined=True)
        return create_tasks(run, plan)


def follow_up_unattended(run: SyncRun, now: datetime) -> FollowupReport:
    """What `nuesync listen` runs every `[followup] every`: the command with `--yes`, at the configured age."""
    return create_tasks(run, plan_followup(run, now - run.settings.followup.age, now))
