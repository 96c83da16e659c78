"""Outbound Messages from the emulated org: the Sync Order button, as a record-triggered Flow sends it.

Documented by Salesforce and emulated as documented: a SOAP 1.1 `notifications` message
(namespace `http://soap.sforce.com/2005/09/outbound`) with `OrganizationId`, `ActionId`,
`SessionId` (nil: the action does not send one), `EnterpriseUrl`, `PartnerUrl` and up to 100
`Notification` elements, each with its own `Id` and an `sObject` (`xsi:type="sf:Order"`) holding
the selected fields — always the record `Id`. Delivery is at least once: a message is sent again,
with growing pauses, until the endpoint answers `notificationsResponse` with `<Ack>true</Ack>`
(Salesforce keeps trying for 24 hours; the emulator's pauses are seconds, capped at a minute, so
tests see the retry). Messages are queued when the triggering write commits and sent by one
background thread (`BackgroundSender`), so the write itself never waits for the endpoint.

The trigger, as the sandbox org's Flow is configured: an Order whose checkbox
`Nue_Sync_Requested__c` becomes true through any committed write.
"""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import httpx

from nuesync.sandbox.delivery import BackgroundSender
from nuesync.sandbox.salesforce.ids import case_safe_suffix
from nuesync.sandbox.salesforce.store import Row

TRIGGER_FIELD = "Nue_Sync_Requested__c"
MAX_NOTIFICATIONS = 100
RETRY_PAUSES = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0)
GIVE_UP_AFTER_SECONDS = 24 * 3600
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"


def _id(prefix: str) -> str:
    id15 = prefix + uuid.uuid4().hex[:12]
    return id15 + case_safe_suffix(id15)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


@dataclass
class OutboundMessenger:
    """Sends the org's Outbound Messages to one endpoint; `acked` counts acknowledged messages."""

    url: str
    organization_id: str
    instance_url: str
    api_version: str
    fields: tuple[str, ...] = ("Id", TRIGGER_FIELD)
    trigger_field: str = TRIGGER_FIELD
    retry_pauses: tuple[float, ...] = RETRY_PAUSES
    acked: int = 0
    attempts: int = 0
    action_id: str = field(default_factory=lambda: _id("04k"))

    def __post_init__(self) -> None:
        self._sender: BackgroundSender[list[Row]] = BackgroundSender(
            "sf-outbound", lambda records: self._deliver(self.message(records)))

    def on_commit(self, changes: list[tuple[str, str, Row | None, Row | None]]) -> None:
        """The store's commit listener: Orders whose trigger became true get a notification."""
        fired = [after for obj, _id_, before, after in changes
                 if obj == "Order" and after is not None and after.get(self.trigger_field) is True
                 and not (before or {}).get(self.trigger_field)]
        for start in range(0, len(fired), MAX_NOTIFICATIONS):
            self._sender.put(fired[start:start + MAX_NOTIFICATIONS])

    def close(self, timeout: float = 5.0) -> None:
        self._sender.close(timeout)

    def message(self, records: list[Row]) -> bytes:
        """The SOAP envelope for these records (a fresh notification id each)."""
        notifications = "".join(
            f"<Notification><Id>{_id('04l')}</Id><sObject xsi:type=\"sf:Order\">"
            + "".join(f"<sf:{name}>{_value(record.get(name))}</sf:{name}>" for name in self.fields
                      if record.get(name) is not None)
            + "</sObject></Notification>"
            for record in records
        )
        org = self.organization_id
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<soapenv:Body><notifications xmlns="{OUTBOUND_NS}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"<OrganizationId>{org}</OrganizationId><ActionId>{self.action_id}</ActionId>"
            '<SessionId xsi:nil="true"/>'
            f"<EnterpriseUrl>{self.instance_url}/services/Soap/c/{self.api_version}/{org}</EnterpriseUrl>"
            f"<PartnerUrl>{self.instance_url}/services/Soap/u/{self.api_version}/{org}</PartnerUrl>"
            f"{notifications}</notifications></soapenv:Body></soapenv:Envelope>"
        ).encode()

    def _deliver(self, body: bytes) -> None:
        """Send until acknowledged (or 24 hours pass, or the org stops): pauses grow, then repeat the last."""
        headers = {"content-type": "text/xml; charset=utf-8", "SOAPAction": '""'}
        deadline = time.monotonic() + GIVE_UP_AFTER_SECONDS
        pauses = itertools.chain((0.0, *self.retry_pauses), itertools.repeat(self.retry_pauses[-1]))
        for pause in pauses:
            if time.monotonic() > deadline or (pause and self._sender.paused(pause)):
                return
            self.attempts += 1
            try:
                answer = self._sender.client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError:
                continue
            if answer.is_success and acknowledged(answer.content):
                self.acked += 1
                return


def acknowledged(body: bytes) -> bool:
    """Whether an answer is a `notificationsResponse` whose `Ack` is true (any namespace prefix)."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return False
    return any(element.tag.rsplit("}", 1)[-1] == "Ack" and (element.text or "").strip() == "true"
               for element in root.iter())
