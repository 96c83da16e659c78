"""`nuesync listen` as a process: the HTTP side on uvicorn, the worker on a thread, one per target.

Startup logs in to both systems (a bad credential fails at once, exit 7), learns the target (the
org id Salesforce reports: Outbound Messages from any other org are refused) and takes the
listener lock, so two listeners never drain one queue. Deliveries a killed predecessor had
claimed go back to pending. SIGTERM/SIGINT (uvicorn's handlers) stop accepting; the worker then
finishes its current batch within `listen.drain_seconds` and the process exits 0 — whatever it
could not finish stays queued for the next start.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn

from nuesync.adapters import connect
from nuesync.config import Settings
from nuesync.errors import UsageError
from nuesync.files import write_private
from nuesync.journal import Journal
from nuesync.listen.app import Inbox, create_app
from nuesync.listen.events import log_event
from nuesync.listen.queue import DeliveryQueue
from nuesync.listen.worker import Systems, Worker
from nuesync.lock import RunLock, default_lock_dir
from nuesync.sync import resolve_target
from nuesync.target import Target

READY_WITHIN = timedelta(minutes=5)  # both APIs must have answered this recently for /readyz
PROBE_EVERY = timedelta(seconds=60)  # at most one API probe a minute, however often /readyz is asked


@dataclass(frozen=True)
class ListenOptions:
    host: str
    port: int
    info_file: Path | None
    reconcile_every: timedelta


def listen_lock_path(target: Target) -> Path:
    """The service's own lock (held while it runs): one listener per target drains the queue."""
    return default_lock_dir() / f"listen-{target.digest}.lock"


def open_queue(settings: Settings, target: Target) -> DeliveryQueue:
    journal = Journal(settings.sync.journal_path())
    journal.bind(target)
    journal.durable()
    return DeliveryQueue(journal)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    return sock


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class Readiness:
    """`/readyz`: the journal takes a write, and both APIs answered within READY_WITHIN (probed if not)."""

    def __init__(self, settings: Settings, environ: Mapping[str, str], queue: DeliveryQueue, worker: Worker) -> None:
        self.settings, self.environ, self.queue, self.worker = settings, environ, queue, worker
        self._probed_at = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, object]:
        journal_ok = self._journal_writable()
        apis = self._apis()
        return {"ready": journal_ok and all(apis.values()), "journal": journal_ok, "apis": apis,
                "queue": self.queue.counts()}

    def _journal_writable(self) -> bool:
        try:
            with self.queue.journal.transaction():
                return True
        except Exception:  # any failure to take the write lock means not ready
            return False

    def _apis(self) -> dict[str, bool]:
        self._probe_if_stale()
        now = datetime.now(UTC)
        return {system: now - self.worker.contact.last_ok.get(system, datetime.min.replace(tzinfo=UTC)) < READY_WITHIN
                for system in ("nue", "salesforce")}

    def _probe_if_stale(self) -> None:
        now = datetime.now(UTC)
        contacted = self.worker.contact.last_ok.values()
        if contacted and min(contacted) > now - READY_WITHIN:
            return
        with self._lock:
            if now - self._probed_at < PROBE_EVERY:
                return
            self._probed_at = now
            try:
                nue, salesforce = connect(self.settings, self.environ)
                try:
                    salesforce.organization_id()
                    nue.draft_sync_enabled()
                    self.worker.contact.ok("nue", "salesforce")
                finally:
                    nue.close()
                    salesforce.close()
            except Exception as exc:  # an unreachable API is "not ready", never a crash
                log_event("probe failed", error=getattr(exc, "message", None) or type(exc).__name__)


def serve(settings: Settings, environ: Mapping[str, str], options: ListenOptions) -> int:
    """Run the listener until SIGTERM/SIGINT; returns the exit code (0 after a clean drain)."""
    secret = settings.listen.nue_secret(environ)
    systems: Systems = connect(settings, environ)
    try:
        target = resolve_target(settings, systems[1])  # type: ignore[arg-type]
    except BaseException:
        for system in systems:
            system.close()
        raise
    with RunLock(listen_lock_path(target), "listen"):
        inbound, queue = open_queue(settings, target), open_queue(settings, target)
        released = queue.release_claims()
        worker = Worker(settings, environ, queue, target, lambda: connect(settings, environ), systems=systems,
                        reconcile_every=options.reconcile_every)
        worker.contact.ok("nue", "salesforce")  # both just answered the login
        stop, wake = threading.Event(), threading.Event()
        inbox = Inbox(inbound, secret, settings.listen.nue_signature_header, target.salesforce_org, wake,
                      Readiness(settings, environ, inbound, worker))
        sock = _bind(options.host, options.port)
        url = _url(options.host, sock)
        thread = threading.Thread(target=worker.run, args=(stop, wake), name="listen-worker", daemon=True)
        thread.start()
        if options.info_file is not None:
            write_private(options.info_file, f'{{"url": "{url}"}}\n', "--info-file")
        log_event("listening", url=url, target=target.key, requeued=released or None)
        server = uvicorn.Server(uvicorn.Config(create_app(inbox), lifespan="off", log_level="warning",
                                               access_log=False, timeout_graceful_shutdown=5))
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:  # uvicorn hands SIGTERM/SIGINT back once it has stopped: a clean stop
            pass
        finally:
            stop.set()
            wake.set()
            drained = _drain(thread, worker, settings.listen.drain_seconds)
            log_event("stopped", drained=drained, queue=str(queue.counts()))
            inbound.journal.close()
            if drained:
                queue.journal.close()
    return 0


def _drain(thread: threading.Thread, worker: Worker, seconds: float) -> bool:
    """Let the current batch finish (bounded); what it could not finish stays queued."""
    deadline = time.monotonic() + seconds
    while thread.is_alive() and time.monotonic() < deadline:
        thread.join(0.1)
    return not thread.is_alive() and not worker.busy.is_set()
