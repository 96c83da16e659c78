"""Webhook deliveries from the emulated tenant, as Nue sends them from Settings → Webhooks.

Documented by Nue: the event names `order.created` (fired for every order created, those placed
from Salesforce included), `order.activated`, `customer.created`, `customer.updated`, and that
subscriptions point at a URL. Not documented — the emulator's ASSUMPTIONS, matching what the
listener checks by default and listed in the README: the body is
`{"id": "evt_…", "event": "order.created", "createdAt": "…", "data": {"order": {…}}}`, signed
with an HMAC-SHA256 of the raw body under the subscription's secret in the `X-Nue-Signature`
header (hex, `sha256=` prefix); a non-2xx answer or no answer is retried a few times with
growing pauses (1, 2, 4, 8 s), then the event is given up (Nue's guide asks admins to monitor
webhook logs for failed attempts).

Events are sent in order from one background thread (`BackgroundSender`), so the API call that
caused them is never slowed down by the receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from nuesync.sandbox.delivery import BackgroundSender

SIGNATURE_HEADER = "X-Nue-Signature"
RETRY_PAUSES = (1.0, 2.0, 4.0, 8.0)


@dataclass
class WebhookSender:
    """Posts events to one subscription URL (see the module docstring); `sent` and `given_up` count them."""

    url: str
    secret: str
    retry_pauses: tuple[float, ...] = RETRY_PAUSES
    sent: int = 0
    given_up: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sender: BackgroundSender[tuple[str, bytes]] = BackgroundSender("nue-webhooks", self._deliver_event)

    def emit(self, event: str, record: dict[str, Any], key: str = "order") -> str:
        """Queue one event about `record`; returns its event id."""
        event_id = f"evt_{uuid.uuid4().hex}"
        body = json.dumps({"id": event_id, "event": event, "createdAt": datetime.now(UTC).isoformat(),
                           "data": {key: record}}, default=str).encode()
        self._sender.put((event_id, body))
        return event_id

    def close(self, timeout: float = 5.0) -> None:
        """Stop after what is queued has had its first attempt (bounded)."""
        self._sender.close(timeout)

    def _deliver_event(self, item: tuple[str, bytes]) -> None:
        event_id, body = item
        if not self._deliver(body):
            self.given_up.append(event_id)

    def _deliver(self, body: bytes) -> bool:
        signature = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"content-type": "application/json", SIGNATURE_HEADER: f"sha256={signature}"}
        for pause in (0.0, *self.retry_pauses):
            if pause and self._sender.paused(pause):
                return False
            try:
                if self._sender.client.post(self.url, content=body, headers=headers).is_success:
                    self.sent += 1
                    return True
            except httpx.HTTPError:
                continue
        return False
