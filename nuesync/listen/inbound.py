"""What arrives at the listener, read without I/O: Nue webhook deliveries and Salesforce Outbound Messages.

Nue documents its webhook event names (`order.created` — also fired for orders placed from
Salesforce, so nuesync's own pushes come back as echoes — `order.activated`,
`customer.created`, `customer.updated`) but not the payload, the signature or the retries.
ASSUMPTIONS, listed in the README: a JSON object with the event name in `event` (or `type` /
`eventType`), an event id in `id` (or `eventId`), a time in `createdAt` (or `timestamp`), and
the order's id in `data.order.id` (or `data.id`, `data.orderId`, `orderId`); signed with an
HMAC-SHA256 of the raw body under the shared secret, hex, in a configurable header (default
`X-Nue-Signature`, optionally prefixed `sha256=`). A tenant that cannot sign puts the secret in
the URL instead (`/webhooks/nue/<secret>`). Either is compared in constant time.

Salesforce documents Outbound Messages fully: a SOAP 1.1 `notifications` envelope (namespace
`http://soap.sforce.com/2005/09/outbound`) with `OrganizationId`, `ActionId`, `SessionId`,
`EnterpriseUrl`, `PartnerUrl` and up to 100 `Notification` elements (`Id`, and an `sObject`
holding the selected fields, always its `Id`), acknowledged by `notificationsResponse` with
`<Ack>true</Ack>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_BODY_BYTES = 1024 * 1024  # a Nue event or 100 notifications are a few KB; anything this big is not ours

ORDER_CREATED, ORDER_ACTIVATED = "order.created", "order.activated"
ORDER_EVENTS = frozenset({ORDER_CREATED, ORDER_ACTIVATED})
NOTED_EVENTS = frozenset({"customer.created", "customer.updated"})  # recorded; customers sync through orders
OUTBOUND_EVENT = "outbound"

ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}"><soapenv:Body>'
    f'<notificationsResponse xmlns="{OUTBOUND_NS}"><Ack>true</Ack></notificationsResponse>'
    "</soapenv:Body></soapenv:Envelope>"
)


class BadDelivery(ValueError):
    """A delivery that cannot be read: the message says what is wrong (never the body)."""


# --- Nue --------------------------------------------------------------------------------------------


def signature(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of the raw body: what a signing sender puts in the signature header."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_correctly(secret: str, body: bytes, header_value: str | None) -> bool:
    if not header_value:
        return False
    given = header_value.strip().removeprefix("sha256=").lower()
    return hmac.compare_digest(given.encode(), signature(secret, body).encode())


def secret_matches(secret: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), secret.encode())


@dataclass(frozen=True)
class NueEvent:
    event: str
    dedup_key: str
    order_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)


def _first(mapping: Mapping[str, Any], *paths: str) -> Any:
    for path in paths:
        node: Any = mapping
        for part in path.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if node not in (None, ""):
            return node
    return None


def nue_event(body: bytes) -> NueEvent:
    """A Nue delivery as nuesync keys it (see the module docstring for what is assumed)."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise BadDelivery("the body is not JSON") from None
    if not isinstance(payload, Mapping):
        raise BadDelivery("the body is not a JSON object")
    event = _first(payload, "event", "type", "eventType")
    if not isinstance(event, str) or not event.strip():
        raise BadDelivery("no event name (expected `event`)")
    event = event.strip().lower()
    order_id = _first(payload, "data.order.id", "data.id", "data.orderId", "orderId")
    if event in ORDER_EVENTS and not isinstance(order_id, str):
        raise BadDelivery(f"{event} names no order (expected data.order.id)")
    event_id = _first(payload, "id", "eventId")
    when = _first(payload, "createdAt", "timestamp", "occurredAt")
    key = str(event_id) if event_id is not None else f"{event}|{order_id}|{when}"
    order = order_id if isinstance(order_id, str) else None
    return NueEvent(event, key, order, {"event_id": event_id, "at": when})


# --- Salesforce --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    id: str
    object_id: str
    fields: dict[str, str]


@dataclass(frozen=True)
class OutboundMessage:
    organization_id: str
    action_id: str | None
    notifications: tuple[Notification, ...]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def outbound_message(body: bytes) -> OutboundMessage:
    """The notifications of one Outbound Message; a BadDelivery for anything else."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise BadDelivery("a document type declaration is not allowed in an Outbound Message")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise BadDelivery(f"not XML ({exc})") from None
    found = next((e for e in root.iter() if _local(e.tag) == "notifications"), None)
    if found is None:
        raise BadDelivery("no SOAP `notifications` element")
    organization = _child(found, "OrganizationId")
    if organization is None or not (organization.text or "").strip():
        raise BadDelivery("no OrganizationId")
    notifications = []
    for element in found:
        if _local(element.tag) != "Notification":
            continue
        notification_id, record = _child(element, "Id"), _child(element, "sObject")
        values = {_local(f.tag): (f.text or "").strip() for f in record} if record is not None else {}
        if notification_id is None or not (notification_id.text or "").strip() or not values.get("Id"):
            raise BadDelivery("a Notification without its Id or its sObject Id")
        notifications.append(Notification(notification_id.text.strip(), values["Id"], values))
    action = _child(found, "ActionId")
    return OutboundMessage((organization.text or "").strip(), action.text.strip() if action is not None and
                           action.text else None, tuple(notifications))


def same_org(one: str, other: str) -> bool:
    """Org ids compare on their 15 case-sensitive characters (the 18-character form only adds a checksum)."""
    return len(one) >= 15 and len(other) >= 15 and one[:15] == other[:15]
