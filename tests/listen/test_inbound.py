"""Reading deliveries without I/O: Nue webhooks (assumed shape, liberal) and Outbound Messages (documented)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nuesync.listen.inbound import (
    ACK,
    BadDelivery,
    nue_event,
    outbound_message,
    same_org,
    secret_matches,
    signature,
    signed_correctly,
)
from nuesync.sandbox.salesforce.outbound import OutboundMessenger, acknowledged

SECRET = "s3cret-for-tests"


def test_the_signature_is_an_hmac_of_the_raw_body() -> None:
    body = b'{"event": "order.created"}'
    assert signed_correctly(SECRET, body, signature(SECRET, body))
    assert signed_correctly(SECRET, body, "sha256=" + signature(SECRET, body).upper())
    assert not signed_correctly(SECRET, body + b" ", signature(SECRET, body))
    assert not signed_correctly(SECRET, body, None)
    assert not signed_correctly("other", body, signature(SECRET, body))


@given(st.binary(max_size=200), st.text(max_size=40))
def test_only_the_right_signature_passes(body: bytes, forged: str) -> None:
    assert signed_correctly(SECRET, body, signature(SECRET, body))
    if forged.strip().removeprefix("sha256=").lower() != signature(SECRET, body):
        assert not signed_correctly(SECRET, body, forged)


def test_the_path_secret_is_compared_whole() -> None:
    assert secret_matches(SECRET, SECRET)
    assert not secret_matches(SECRET, SECRET[:-1])
    assert not secret_matches(SECRET, None)


@pytest.mark.parametrize("payload", [
    {"id": "evt_1", "event": "order.created", "data": {"order": {"id": "o-1"}}},
    {"eventId": "evt_1", "type": "ORDER.CREATED", "data": {"id": "o-1"}},
    {"id": "evt_1", "eventType": "order.created", "orderId": "o-1"},
])
def test_a_nue_event_is_read_in_each_spelling_we_accept(payload: dict) -> None:
    event = nue_event(json.dumps(payload).encode())
    assert (event.event, event.dedup_key, event.order_id) == ("order.created", "evt_1", "o-1")


def test_without_an_event_id_the_key_is_event_order_and_time() -> None:
    body = json.dumps({"event": "order.activated", "createdAt": "2026-11-30T10:00:00Z",
                       "data": {"order": {"id": "o-9"}}}).encode()
    assert nue_event(body).dedup_key == "order.activated|o-9|2026-11-30T10:00:00Z"


@pytest.mark.parametrize(("body", "says"), [
    (b"not json", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"data": {}}', "no event name"),
    (b'{"event": "order.created", "data": {}}', "names no order"),
    (b"[" * 10000 + b"]" * 10000, "not JSON"),
])
def test_unreadable_nue_deliveries_say_why(body: bytes, says: str) -> None:
    with pytest.raises(BadDelivery, match=says):
        nue_event(body)


def test_a_customer_event_needs_no_order() -> None:
    assert nue_event(b'{"id": "e", "event": "customer.updated", "data": {"customer": {"id": "c"}}}').order_id is None


ORG = "00D000000000001EAA"


def messenger_message(org: str = ORG, records: list[dict] | None = None) -> bytes:
    sender = OutboundMessenger("http://127.0.0.1:9/none", org, "https://org.example", "62.0")
    try:
        return sender.message(records or [{"Id": "801000000000001AAA", "Nue_Sync_Requested__c": True}])
    finally:
        sender.close(timeout=0.1)


def test_an_outbound_message_as_salesforce_sends_it() -> None:
    message = outbound_message(messenger_message(records=[
        {"Id": "801000000000001AAA", "Nue_Sync_Requested__c": True},
        {"Id": "801000000000002AAA", "Nue_Sync_Requested__c": True}]))
    assert message.organization_id == ORG
    assert [n.object_id for n in message.notifications] == ["801000000000001AAA", "801000000000002AAA"]
    assert message.notifications[0].fields["Nue_Sync_Requested__c"] == "true"
    assert message.notifications[0].id != message.notifications[1].id


@pytest.mark.parametrize(("body", "says"), [
    (b"<not-xml", "not XML"),
    (b"<Envelope/>", "no SOAP"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "document type"),
    (b'<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><Notification/></notifications>',
     "OrganizationId"),
])
def test_unreadable_outbound_messages_say_why(body: bytes, says: str) -> None:
    with pytest.raises(BadDelivery, match=says):
        outbound_message(body)


def test_org_ids_compare_on_their_first_15_characters() -> None:
    assert same_org("00D000000000001", ORG)
    assert not same_org("00D000000000002EAA", ORG)
    assert not same_org("", ORG)


def test_the_ack_is_what_salesforce_waits_for() -> None:
    assert acknowledged(ACK.encode())
    assert not acknowledged(ACK.replace("true", "false").encode())
    assert not acknowledged(b"OK")
