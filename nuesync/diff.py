"""The read-only comparison behind `nuesync diff` (and the first half of every writing command)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from nuesync.adapters import open_systems
from nuesync.config import Settings
from nuesync.fetch import Scope, check_scope_matched, fetch_snapshot
from nuesync.progress import Progress
from nuesync.reconcile import OrderComparison, Reconciliation, reconcile


def run_diff(
    settings: Settings, environ: Mapping[str, str], scope: Scope, progress: Progress | None = None
) -> Reconciliation:
    """Read both systems within `scope` and reconcile them; writes nothing anywhere."""
    with open_systems(settings, environ) as (nue, salesforce):
        snapshot = fetch_snapshot(nue, salesforce, scope, progress)
    check_scope_matched(scope, snapshot)
    return reconcile(snapshot.nue, snapshot.salesforce, snapshot.problems)


def unchanged_since(result: Reconciliation, cutoff: datetime) -> Reconciliation:
    """The orders nobody touched after `cutoff`, on any side they exist on (`diff --older-than`: abandoned carts).

    An order whose system does not say when it last changed, and a record that could not be read,
    have no age: they are left out rather than guessed old.
    """

    def untouched(comparison: OrderComparison) -> bool:
        stamps = [order.last_modified for order in (comparison.nue, comparison.salesforce) if order is not None]
        return bool(stamps) and all(stamp is not None and stamp <= cutoff for stamp in stamps)

    return Reconciliation(tuple(c for c in result.orders if untouched(c)))
