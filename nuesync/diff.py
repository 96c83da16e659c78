"""The read-only comparison behind `nuesync diff` (and the first half of every writing command)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from nuesync.adapters import open_systems
from nuesync.config import Settings
from nuesync.fetch import Scope, check_scope_matched, fetch_snapshot
from nuesync.reconcile import Reconciliation, reconcile


def run_diff(
    settings: Settings, environ: Mapping[str, str], scope: Scope, progress: Callable[[str], None] | None = None
) -> Reconciliation:
    """Read both systems within `scope` and reconcile them; writes nothing anywhere."""
    with open_systems(settings, environ) as (nue, salesforce):
        snapshot = fetch_snapshot(nue, salesforce, scope, progress)
    check_scope_matched(scope, snapshot)
    return reconcile(snapshot.nue, snapshot.salesforce, snapshot.problems)
