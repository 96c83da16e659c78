"""A writing run (`pull`, `push`, `apply`): lock, journal, both adapters, plan, then apply.

`SyncRun` holds what one run needs open and guarantees it is closed and journaled however the
run ends. Planning and applying are two calls so the CLI can show the plan and ask before any
write; both are thin over the pure `plan.plan_sync` and the I/O in `apply.apply_plan`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from nuesync.adapters import open_systems
from nuesync.adapters.base import OrderSystem
from nuesync.apply import ApplyReport, apply_plan
from nuesync.config import Settings
from nuesync.errors import ApiBudgetExhaustedError, ExitCode, UsageError
from nuesync.fetch import Scope, fetch_snapshot
from nuesync.journal import Journal
from nuesync.lock import RunLock, lock_path
from nuesync.model import System
from nuesync.plan import ActionKind, OrderAction, Plan, PlanSettings, plan_sync
from nuesync.reconcile import Direction, Reconciliation, reconcile

PLAN_FORMAT = 1
Progress = Callable[[str], None]


class DraftSyncOffError(UsageError):
    """Draft sync is off (Nue's setting or nuesync's): nothing may be written."""


@dataclass(frozen=True)
class RunOptions:
    command: str
    options: Mapping[str, Any]


class SyncRun:
    """`with SyncRun(settings, environ, RunOptions(...)) as run:` — one locked, journaled run."""

    def __init__(self, settings: Settings, environ: Mapping[str, str], run: RunOptions,
                 progress: Progress | None = None) -> None:
        self.settings = settings
        self.environ = environ
        self.run = run
        self.progress = progress or (lambda _message: None)
        self._stack = ExitStack()
        self.journal: Journal
        self.nue: OrderSystem
        self.salesforce: OrderSystem
        self.run_id = 0
        self.exit_code: int = ExitCode.INTERNAL_ERROR
        self.counts: dict[str, int] = {}
        self.reconciliation: Reconciliation = Reconciliation(())
        self.started_at = datetime.now(UTC)
        self.applied = False

    def __enter__(self) -> SyncRun:
        journal_path = self.settings.sync.journal_path()
        target = self.settings.salesforce.instance_url or self.settings.salesforce.domain
        lock = lock_path(journal_path.parent, self.settings.nue.base_url, target)
        try:
            self._stack.enter_context(RunLock(lock, self.run.command))
            self.journal = Journal(journal_path)
            self._stack.callback(self.journal.close)
            self.nue, self.salesforce = self._stack.enter_context(open_systems(self.settings, self.environ))
        except BaseException:
            self._stack.close()
            raise
        self.started_at = datetime.now(UTC)
        self.run_id = self.journal.start_run(self.run.command, self.run.options)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        code = self.exit_code
        if exc is not None:
            code = getattr(exc, "exit_code", ExitCode.INTERRUPTED if exc_type is KeyboardInterrupt
                           else ExitCode.INTERNAL_ERROR)
        try:
            usage = {s.system.value: _usage_text(s) for s in (self.nue, self.salesforce)}
            self.journal.finish_run(self.run_id, int(code), self.counts, usage)
            if code == ExitCode.OK and self.applied:
                self.journal.set_watermark(self._watermark, self.started_at.isoformat())
        finally:
            self._stack.close()

    def system(self, system: System) -> OrderSystem:
        return self.nue if system is System.NUE else self.salesforce

    # --- planning --------------------------------------------------------------------------

    @property
    def _watermark(self) -> str:
        return f"{self.run.command}.last_success"

    def plan(self, direction: Direction, scope: Scope, *, create_customers: bool = False) -> Plan:
        """Read both systems and plan the writes for `direction` (nothing is written).

        `--since last` reads from the start of this command's last fully successful run (the
        journal's watermark): a cron job then looks only at what changed since it last worked.
        """
        if scope.since_last_run:
            mark = self.journal.watermark(self._watermark)
            scope = replace(scope, since=datetime.fromisoformat(mark) if mark else None, since_last_run=False)
        snapshot = fetch_snapshot(self.nue, self.salesforce, scope, self.progress)
        result = reconcile(snapshot.nue, snapshot.salesforce, snapshot.problems)
        self.reconciliation = result
        receiver = self.system(direction.receiver)
        receiver_ids = [o.links.id_in(direction.receiver) or "" for o in snapshot.side(direction.receiver)]
        self.progress("checking the Sync Draft Orders setting and the receiver's catalogue")
        settings = PlanSettings(
            draft_sync=self.settings.sync.draft_sync and self.nue.draft_sync_enabled(),
            create_missing_customers=create_customers or self.settings.sync.create_missing_customers,
            receiver_products=receiver.product_codes(),
            receiver_price_tags=receiver.price_tag_codes(),
            last_synced=self.journal.synced_hashes(direction.receiver, receiver_ids),
        )
        return plan_sync(result, direction, settings)

    def apply(self, plan: Plan) -> ApplyReport:
        if plan.refused:
            raise DraftSyncOffError(plan.refused)
        if plan.writes:
            self.check_budget()
        report = apply_plan(plan, self.nue, self.salesforce, journal=self.journal, run_id=self.run_id,
                            progress=self.progress)
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

    def finish(self, exit_code: int, counts: Mapping[str, int]) -> None:
        """Record how a run that wrote nothing ended (dry run, nothing to do, declined)."""
        self.exit_code = exit_code
        self.counts = dict(counts)


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
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


@dataclass(frozen=True)
class SavedPlan:
    direction: Direction
    orders: dict[str, str]  # sender id → the sender's content hash when the plan was made

    @property
    def sender_ids(self) -> tuple[str, ...]:
        return tuple(self.orders)


def load_plan(path: Path) -> SavedPlan:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != PLAN_FORMAT:
            raise ValueError(f"unsupported plan format {document.get('format')!r}")
        orders = {o["sender_id"]: o["sender_hash"] for o in document["orders"]}
        return SavedPlan(Direction(document["direction"]), orders)
    except FileNotFoundError:
        raise UsageError(f"{path}: plan file not found") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path}: not a nuesync plan: {exc}") from None


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
