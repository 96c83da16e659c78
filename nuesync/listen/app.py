"""The listener's HTTP surface (Starlette): verify, record, answer — nothing else.

A handler never calls Nue or Salesforce: it checks who sent the delivery, commits it to the
queue and answers, well under a second even when both APIs are slow. The worker does the rest.
Every refusal is recorded (without the body) so `nuesync log --failed` shows what was turned
away, and no input can crash the service: the worst answer is a 4xx.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from nuesync.listen.events import log_event
from nuesync.listen.inbound import (
    ACK,
    MAX_BODY_BYTES,
    NOTED_EVENTS,
    ORDER_EVENTS,
    OUTBOUND_EVENT,
    BadDelivery,
    nue_event,
    outbound_message,
    same_org,
    secret_matches,
    signed_correctly,
)
from nuesync.listen.queue import DeliveryQueue, Source, State

Readiness = Callable[[], dict[str, object]]


@dataclass
class Inbox:
    """What the handlers need: the queue, the secrets to check, and who to wake."""

    queue: DeliveryQueue
    nue_secret: str
    signature_header: str
    organization_id: str
    wake: threading.Event
    readiness: Readiness


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadDelivery(f"the body is larger than {MAX_BODY_BYTES // 1024} KB")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise BadDelivery(f"the body is larger than {MAX_BODY_BYTES // 1024} KB")
    return body


def _too_large_or_bad(inbox: Inbox, source: Source, exc: BadDelivery, started: float) -> Response:
    delivery = inbox.queue.reject(source, "unreadable", str(exc))
    log_event("rejected", source=source.value, delivery=delivery, status=400, reason=str(exc), started=started)
    return JSONResponse({"status": "rejected", "error": str(exc)}, status_code=400)


def _nue_handler(inbox: Inbox) -> Callable[[Request], object]:
    async def receive(request: Request) -> Response:
        started = time.perf_counter()
        try:
            body = await _body(request)
        except BadDelivery as exc:
            return _too_large_or_bad(inbox, Source.NUE, exc, started)
        in_path = request.path_params.get("secret")
        if not (secret_matches(inbox.nue_secret, in_path) if in_path is not None else
                signed_correctly(inbox.nue_secret, body, request.headers.get(inbox.signature_header))):
            reason = "wrong secret in the URL" if in_path is not None else f"missing or wrong {inbox.signature_header}"
            delivery = inbox.queue.reject(Source.NUE, "unauthenticated", reason)
            log_event("rejected", source="nue", delivery=delivery, status=401, reason=reason, started=started)
            return JSONResponse({"status": "unauthorized"}, status_code=401)
        try:
            event = nue_event(body)
        except BadDelivery as exc:
            return _too_large_or_bad(inbox, Source.NUE, exc, started)
        acted_on = event.event in ORDER_EVENTS
        delivery, new = await run_in_threadpool(inbox.queue.record, Source.NUE, event.dedup_key, event.event,
                                                event.order_id, event.detail,
                                                state=State.PENDING if acted_on else State.IGNORED)
        if new and acted_on:
            inbox.wake.set()
        outcome = ("received" if acted_on else "ignored") if new else "duplicate"
        log_event(outcome, source="nue", delivery=delivery, topic=event.event, order=event.order_id, started=started)
        known = acted_on or event.event in NOTED_EVENTS  # an event nuesync does not know is accepted, not acted on
        return JSONResponse({"status": outcome, "delivery": delivery}, status_code=200 if known else 202)

    return receive


def _salesforce_handler(inbox: Inbox) -> Callable[[Request], object]:
    async def receive(request: Request) -> Response:
        started = time.perf_counter()
        try:
            message = outbound_message(await _body(request))
        except BadDelivery as exc:
            return _too_large_or_bad(inbox, Source.SALESFORCE, exc, started)
        if not same_org(message.organization_id, inbox.organization_id):
            reason = f"Outbound Message from org {message.organization_id}, not {inbox.organization_id}"
            delivery = inbox.queue.reject(Source.SALESFORCE, OUTBOUND_EVENT, reason)
            log_event("rejected", source="salesforce", delivery=delivery, status=403, reason=reason, started=started)
            return Response("Forbidden: not the configured org", status_code=403, media_type="text/plain")
        for notification in message.notifications:
            delivery, new = await run_in_threadpool(
                inbox.queue.record, Source.SALESFORCE, notification.id, OUTBOUND_EVENT, notification.object_id,
                {"notification": notification.id, "fields": notification.fields, "action": message.action_id})
            log_event("received" if new else "duplicate", source="salesforce", delivery=delivery,
                      topic=OUTBOUND_EVENT, order=notification.object_id, started=started)
        if message.notifications:
            inbox.wake.set()
        return Response(ACK, media_type="text/xml; charset=utf-8")

    return receive


def _healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _readyz(inbox: Inbox) -> Callable[[Request], Response]:
    def ready(_request: Request) -> Response:
        report = inbox.readiness()
        return JSONResponse(report, status_code=200 if report.get("ready") else 503)

    return ready


def create_app(inbox: Inbox) -> Starlette:
    nue = _nue_handler(inbox)
    return Starlette(routes=[
        Route("/webhooks/nue", nue, methods=["POST"]),
        Route("/webhooks/nue/{secret}", nue, methods=["POST"]),
        Route("/webhooks/salesforce", _salesforce_handler(inbox), methods=["POST"]),
        Route("/healthz", _healthz, methods=["GET"]),
        Route("/readyz", _readyz(inbox), methods=["GET"]),
    ])
