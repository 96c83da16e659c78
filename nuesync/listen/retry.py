"""`nuesync retry`: failed or blocked deliveries back into the queue, and processed if no listener runs.

Usable while the service runs: requeued deliveries are due at once and the running listener's
worker picks them up within a second. When no listener holds this target's listener lock, the
command takes it and drains those deliveries itself through the same worker, so a replay never
depends on the service being up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nuesync.adapters import connect
from nuesync.config import Settings
from nuesync.errors import NotRunNowError, UsageError
from nuesync.listen.queue import Delivery
from nuesync.listen.service import listen_lock_path, open_queue
from nuesync.listen.worker import Worker
from nuesync.lock import RunLock
from nuesync.sync import resolve_target


@dataclass(frozen=True)
class Replay:
    requeued: int
    processed_here: bool
    deliveries: tuple[Delivery, ...]


def replay(settings: Settings, environ: Mapping[str, str], ids: tuple[int, ...]) -> Replay:
    """Requeue these deliveries (all failed/blocked ones when `ids` is empty) and process them if no
    listener runs; returns what became of them."""
    systems = connect(settings, environ)
    try:
        target = resolve_target(settings, systems[1])
        queue = open_queue(settings, target)
        requeued = queue.requeue(ids)
        if ids and len(requeued) < len(set(ids)):
            missing = sorted(set(ids) - set(requeued))
            queue.journal.close()
            raise UsageError(f"no failed or blocked delivery {', '.join(map(str, missing))} for "
                             f"{target.describe()}; see `nuesync log --failed`")
        try:
            with RunLock(listen_lock_path(target), "retry"):
                worker = Worker(settings, environ, queue, target, lambda: connect(settings, environ),
                                systems=systems)
                worker.drain()
                processed = True
        except NotRunNowError:
            processed = False
        shown = tuple(queue.by_ids(requeued))
        queue.journal.close()
        return Replay(len(requeued), processed, shown)
    finally:
        for system in systems:
            system.close()
