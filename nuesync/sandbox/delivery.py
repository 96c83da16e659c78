"""What both emulators' outgoing calls share: Nue's webhooks and Salesforce's Outbound Messages are
posted from one background thread in the order they were queued, so the API call that caused them
never waits for the receiver, and retried with pauses that end at once when the sandbox stops."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import httpx

Item = TypeVar("Item")


class BackgroundSender(Generic[Item]):
    """Runs `send(item)` for each queued item, in order, on a thread of its own."""

    def __init__(self, name: str, send: Callable[[Item], None]) -> None:
        self.client = httpx.Client(timeout=10.0)
        self._send = send
        self._stop = threading.Event()
        self._queue: queue.Queue[Item | None] = queue.Queue()
        self._thread = threading.Thread(target=self._send_all, name=name, daemon=True)
        self._thread.start()

    def put(self, item: Item) -> None:
        self._queue.put(item)

    def paused(self, seconds: float) -> bool:
        """Wait `seconds` before a retry; True when the sender was closed meanwhile (give up)."""
        return self._stop.wait(seconds)

    def close(self, timeout: float = 5.0) -> None:
        """Stop after what is queued has had its first attempt (bounded)."""
        self._queue.put(None)
        self._thread.join(timeout)
        self._stop.set()
        self._thread.join(timeout)  # a retry pause ends at once now; then the client can go
        self.client.close()

    def _send_all(self) -> None:
        while (item := self._queue.get()) is not None:
            self._send(item)
