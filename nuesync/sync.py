"""A writing run (`pull`, `push`, `apply`): lock, journal, both adapters, plan, then apply.

`SyncRun` holds what one run needs open and guarantees it is closed and journaled however the
run ends. Planning and applying are two calls so the CLI can show the plan and ask before any
write; both are thin over the pure `plan.plan_sync` and the I/O in `apply.apply_plan`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from nuesync.adapters import open_systems
from nuesync.adapters.base import OrderSystem
from nuesync.apply import ApplyReport, apply_plan
from nuesync.config import Settings
from nuesync.errors import ApiBudgetExhaustedError, ExitCode, UsageError, interruption
from nuesync.fetch import Scope, check_scope_matched, fetch_snapshot
from nuesync.files import describe_kind, write_private
from nuesync.journal import Journal, RunStatus
from nuesync.lock import RunLock, lock_path
from nuesync.model import System
from nuesync.plan import ActionKind, OrderAction, Plan, PlanSettings, plan_sync, receiver_references
from nuesync.progress import Progress, no_progress
from nuesync.reconcile import Direction, Reconciliation, reconcile
from nuesync.redact import Redactor
from nuesync.target import Target

if TYPE_CHECKING:
    from nuesync.adapters.salesforce import SalesforceAdapter

PLAN_FORMAT = 1


class DraftSyncOffError(UsageError):
    """Draft sync is off (Nue's setting or nuesync's): nothing may be written."""


@dataclass(frozen=True)
class RunOptions:
    command: str
    options: Mapping[str, Any]


class SyncRun:
    """`with SyncRun(settings, environ, RunOptions(...)) as run:` — one locked, journaled run.

    The journal is opened first (a bad `sync.state_path` costs no API call), then both systems;
    the target — Nue base URL + the org id Salesforce reports — keys the lock and every journal
    row, so two configs for one org share a lock and two orgs never share a watermark.
    """

    def __init__(self, settings: Settings, environ: Mapping[str, str], run: RunOptions,
                 progress: Progress | None = None, *, lock_wait: float = 0,
                 systems: tuple[OrderSystem, SalesforceAdapter] | None = None, target: Target | None = None) -> None:
        self.settings = settings
        self.environ = environ
        self.run = run
        self.progress = progress or no_progress
        self.lock_wait = lock_wait
        self._open_systems = systems  # a service keeps its adapters (and target) across runs
        self._known_target = target
        self._stack = ExitStack()
        self.journal: Journal
        self.nue: OrderSystem
        self.salesforce: SalesforceAdapter
        self.target: Target
        self.run_id = 0
        self.exit_code: int = ExitCode.INTERNAL_ERROR
        self.status: RunStatus | None = None
        self.counts: dict[str, int] = {}
        self.planned: dict[str, int] = {}
        self.reconciliation: Reconciliation = Reconciliation(())
        self.started_at = datetime.now(UTC)
        self.applied = False
        self.everything_read = False  # only a run that looked at every changed order may move its mark
        self.redactor = Redactor(settings.secret_values(environ))

    def __enter__(self) -> SyncRun:
        try:
            self.journal = Journal(self.settings.sync.journal_path())
            self._stack.callback(self.journal.close)
            self.progress("connecting to Nue and Salesforce")
            self.nue, self.salesforce = self._open_systems or self._stack.enter_context(
                open_systems(self.settings, self.environ))
            self.target = self._known_target or resolve_target(self.settings, self.salesforce)
            self._stack.enter_context(RunLock(lock_path(self.target), self.run.command, wait=self.lock_wait))
            self.journal.bind(self.target)
        except BaseException:
            self._stack.close()
            raise
        self.started_at = datetime.now(UTC)
        self.run_id = self.journal.start_run(self.run.command, self.run.options)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        code, status, error = self.exit_code, self.status, None
        if isinstance(exc, KeyboardInterrupt):
            error, code = interruption(exc)
            status = RunStatus.INTERRUPTED
        elif exc is not None:
            code = getattr(exc, "exit_code", ExitCode.INTERNAL_ERROR)
            status, error = None, self.redactor.text(one_line(exc))
        try:
            usage = {s.system.value: _usage_text(s) for s in (self.nue, self.salesforce)}
            self.journal.finish_run(self.run_id, int(code), self.counts, status=status, error=error,
                                    planned=self.planned, api_usage=usage)
            if code == ExitCode.OK and self.applied and self.everything_read:
                self.journal.set_watermark(self._watermark, self.started_at)
        finally:
            self._stack.close()

    def system(self, system: System) -> OrderSystem:
        return self.nue if system is System.NUE else self.salesforce

    # --- planning --------------------------------------------------------------------------

    @property
    def _watermark(self) -> str:
        return f"{self.run.command}.last_success"

    def plan(self, direction: Direction, scope: Scope, *, create_customers: bool = False,
             every_order_named: bool = True) -> Plan:
        """Read both systems and plan the writes for `direction` (nothing is written).

        `--since last` reads from the start of this command's last fully successful run against
        this target (the journal's watermark): a cron job then looks only at what changed since
        it last worked. The receiver's catalogue, customers and contacts are read only when the
        plan has something to write, and only for what those writes need.
        """
        if scope.since_last_run:
            scope = replace(scope, since=self.journal.watermark(self._watermark), since_last_run=False)
        self.everything_read = not (scope.order_ids or scope.customer_ids)
        snapshot = fetch_snapshot(self.nue, self.salesforce, scope, self.progress)
        if every_order_named:
            check_scope_matched(scope, snapshot)
        result = reconcile(snapshot.nue, snapshot.salesforce, snapshot.problems)
        self.reconciliation = result
        receiver_ids = [o.links.id_in(direction.receiver) or "" for o in snapshot.side(direction.receiver)]
        settings = PlanSettings(
            create_missing_customers=create_customers or self.settings.sync.create_missing_customers,
            last_synced=self.journal.synced_hashes(direction.receiver, receiver_ids),
        )
        first = plan_sync(result, direction, settings)
        if not first.writes:
            self.planned = first.counts()
            return first
        plan = plan_sync(result, direction, self._receiver_checks(direction, first, settings))
        self.planned = plan.counts()
        return plan

    def _receiver_checks(self, direction: Direction, plan: Plan, settings: PlanSettings) -> PlanSettings:
        """What the receiver can take, read in batches for exactly the orders the plan would write.

        A plan must not promise writes that cannot succeed: a customer or bill-to contact linked
        to a receiver record that does not exist, or a product the receiver does not sell, is
        blocked with its fix before anything is written.
        """
        receiver = self.system(direction.receiver)
        customers, contacts = receiver_references(plan)
        self.progress(f"checking {direction.receiver.label}'s settings, catalogue, customers and contacts")
        return replace(
            settings,
            draft_sync=self.settings.sync.draft_sync and self.nue.draft_sync_enabled(),
            receiver_products=receiver.product_codes(),
            receiver_price_tags=receiver.price_tag_codes(),
            receiver_customers=receiver.existing_customer_ids(customers),
            receiver_contacts=receiver.existing_contact_ids(contacts),
        )

    def apply(self, plan: Plan) -> ApplyReport:
        if plan.refused:
            raise DraftSyncOffError(plan.refused)
        if plan.writes:
            self.check_budget()
        report = apply_plan(plan, self.nue, self.salesforce, journal=self.journal, run_id=self.run_id,
                            progress=self.progress, checkout_url_template=self.settings.nue.checkout_url_template)
        self.applied = True
        self.counts = report.counts()
        self.exit_code = report.exit_code
        return report

    def check_budget(self) -> None:
        """Refuse to start writing below the configured floor of Salesforce API calls left today.

        The reads already made tell the budget (`Sforce-Limit-Info`), so this costs no call; the
        floor keeps a sync from spending the calls the org's other integrations need.
        """
        usage = self.salesforce.api_usage()
        floor = self.settings.sync.min_api_remaining
        if usage is not None and usage.remaining < floor:
            raise ApiBudgetExhaustedError(
                f"not run now: Salesforce has {usage.remaining:,} API calls left today, below "
                f"sync.min_api_remaining = {floor:,}; nothing was written (try later, or lower the floor)"
            )

    def finish(self, exit_code: int, counts: Mapping[str, int], status: RunStatus | None = None) -> None:
        """Record how the run ended: its code, what happened, and in words when the code alone does not say
        (a dry run, a declined prompt)."""
        self.exit_code = exit_code
        self.counts = dict(counts)
        self.status = status


def one_line(exc: BaseException) -> str:
    """An error's first line, as the journal keeps it (`nuesync log --run ID` says why a run failed)."""
    message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
    return next(iter(str(message).splitlines()), "")[:500]


def resolve_target(settings: Settings, salesforce: SalesforceAdapter) -> Target:
    """The Nue tenant + Salesforce org this config reaches: the key of all its state (one query)."""
    return Target.of(settings.nue.base_url, salesforce.organization_id())


def _usage_text(system: OrderSystem) -> str | None:
    usage = system.api_usage()
    return f"{usage.used}/{usage.limit}" if usage else None


# --- saved plans (`--plan-out`, `nuesync apply FILE`) -----------------------------------------


def save_plan(plan: Plan, scope: Scope, path: Path) -> None:
    """The plan as JSON: enough to re-check each order's source before applying it later."""
    document = {
        "format": PLAN_FORMAT,
        "direction": plan.direction.value,
        "scope": {"order_ids": list(scope.order_ids), "customer_ids": list(scope.customer_ids),
                  "since": scope.since.isoformat() if scope.since else None},
        "orders": [
            {"key": a.key, "kind": a.kind.value, "sender_id": a.sender.links.id_in(plan.direction.sender),
             "sender_hash": a.sender.content_hash(), "sender": a.sender.model_dump(mode="json")}
            for a in plan.writes if a.sender is not None
        ],
    }
    write_private(path, json.dumps(document, indent=2), "--plan-out")


@dataclass(frozen=True)
class SavedPlan:
    direction: Direction
    orders: dict[str, str]  # sender id → the sender's content hash when the plan was made

    @property
    def sender_ids(self) -> tuple[str, ...]:
        return tuple(self.orders)


MAX_PLAN_BYTES = 512 * 1024 * 1024  # a plan of 100,000 orders is ~250 MB; anything larger is not ours


def load_plan(path: Path) -> SavedPlan:
    """A saved plan, checked for shape; anything else is one usage error, never a hang or a crash."""
    document = _plan_document(path)
    orders = document.get("orders") if isinstance(document, dict) else None
    if not isinstance(document, dict) or document.get("format") != PLAN_FORMAT or not isinstance(orders, list):
        found = f"format {document.get('format')!r}" if isinstance(document, dict) else type(document).__name__
        raise UsageError(f"{path}: not a nuesync plan (expected a JSON object with \"format\": {PLAN_FORMAT} "
                         f"and \"orders\", found {found}); make one with --plan-out")
    try:
        direction = Direction(document.get("direction"))
    except ValueError:
        raise UsageError(f"{path}: not a nuesync plan: direction {document.get('direction')!r} is not "
                         "pull or push") from None
    saved: dict[str, str] = {}
    for index, order in enumerate(orders):
        sender_id = order.get("sender_id") if isinstance(order, dict) else None
        sender_hash = order.get("sender_hash") if isinstance(order, dict) else None
        if not (isinstance(sender_id, str) and sender_id and isinstance(sender_hash, str)):
            raise UsageError(f"{path}: not a nuesync plan: orders[{index}] needs a sender_id and a sender_hash")
        saved[sender_id] = sender_hash
    return SavedPlan(direction, saved)


def _plan_document(path: Path) -> Any:
    kind = describe_kind(path)
    if kind is not None:
        raise UsageError(f"{path}: {kind}, not a plan file")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_PLAN_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"{path}: plan file not found") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the plan file: {exc.strerror or exc}") from None
    if len(raw) > MAX_PLAN_BYTES:
        raise UsageError(f"{path}: larger than {MAX_PLAN_BYTES // 2**20} MB, not a nuesync plan")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise UsageError(f"{path}: not a nuesync plan: not valid JSON ({detail})") from None


def recheck_plan(saved: SavedPlan, fresh: Plan) -> Plan:
    """Keep the saved plan's orders whose source is unchanged; refuse the others, per order."""
    sender = saved.direction.sender
    actions: list[OrderAction] = []
    for action in fresh.actions:
        sender_id = action.sender.links.id_in(sender) if action.sender else None
        if sender_id not in saved.orders:
            continue
        planned_hash = saved.orders[sender_id]
        if action.sender is not None and action.sender.content_hash() != planned_hash:
            actions.append(OrderAction(ActionKind.BLOCK, action.key, action.order_class, action.sender,
                                       action.receiver, reason="its source changed since the plan was made",
                                       fix=f"make a new plan: nuesync {saved.direction.value} --plan-out FILE"))
        else:
            actions.append(action)
    return Plan(fresh.direction, tuple(actions), fresh.refused)
