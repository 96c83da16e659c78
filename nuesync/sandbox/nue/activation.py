"""Activating a draft: `POST /orders/{id}` with `{"options": {...}}` (documented).

Activation turns the draft's products into subscriptions (recurring products) and assets
(one-off products), optionally generates the first invoice (`generateInvoice`, left Draft unless
`activateInvoice`), and answers with the activated order and what it created. Only a Draft
order can be activated (a draft always has products: they are required and never deleted); any
other body key is refused, so a request
meant as an update can never activate an order by accident.
"""

from __future__ import annotations

from typing import Any

from nuesync.sandbox.nue.errors import bad_request, invalid_value, unknown_field
from nuesync.sandbox.nue.orders import ACTIVATED, DRAFT
from nuesync.sandbox.nue.pricing import invoice_for
from nuesync.sandbox.nue.store import Record, Store
from nuesync.sandbox.nue.values import parse_date, parse_object, parse_options, parse_text

ACTIVATION_OPTIONS = ("generateInvoice", "activateInvoice")
_BODY_FIELDS = {"options": None, "poNumber": parse_text, "poDate": parse_date}


def activate_order(store: Store, order_id: str, payload: object) -> dict[str, Any]:
    body = parse_object(payload if payload is not None else {}, "")
    for name in body:
        if name not in _BODY_FIELDS:
            raise unknown_field(name)
    options = _activation_options(body.get("options"))
    po_number = parse_text(body.get("poNumber"), "poNumber")
    po_date = parse_date(body.get("poDate"), "poDate")
    with store.lock:
        order = store.order(order_id)
        if order["status"] != DRAFT:
            raise bad_request("ORDER_NOT_DRAFT", f"Order {order['orderNumber']} is {order['status']}; "
                              "only Draft orders can be activated")
        lines = store.lines_of(order_id)
        now = store.now()
        order.update(status=ACTIVATED, activatedDate=now, orderPlacedDate=now[:10], lastModifiedDate=now,
                     poNumber=po_number, poDate=po_date)
        subscriptions = [_subscription(store, order, line) for line in lines if line["chargeType"] == "Recurring"]
        assets = [_asset(store, order, line) for line in lines if line["chargeType"] != "Recurring"]
        invoices = []
        if options.get("generateInvoice"):
            status = "Active" if options.get("activateInvoice") else "Draft"
            invoices.append(invoice_for(store, order, status=status, persisted=True))
        return {"order": order, "subscriptions": subscriptions, "assets": assets, "invoices": invoices}


def _activation_options(value: object) -> dict[str, bool]:
    options = parse_options(value, "options", ACTIVATION_OPTIONS)
    if options.get("activateInvoice") and not options.get("generateInvoice"):
        raise invalid_value("options.activateInvoice", "activating an invoice needs generateInvoice")
    return options


def _provisioned(order: Record, line: Record) -> Record:
    """What a subscription and an asset share: who owns it and which order product made it."""
    now = order["lastModifiedDate"]
    return {
        "customerId": order["customerId"],
        "orderId": order["id"],
        "orderProductId": line["id"],
        "productId": line["productId"],
        "productSku": line["productSku"],
        "productName": line["productName"],
        "priceBookEntryId": line["priceBookEntryId"],
        "quantity": line["quantity"],
        "listPrice": line["listPrice"],
        "totalAmount": line["totalAmount"],
        "status": "Active",
        "createdDate": now,
        "lastModifiedDate": now,
    }


def _subscription(store: Store, order: Record, line: Record) -> Record:
    subscription = {
        "id": store.new_id("subscription"),
        "name": store.next_number("SUB", 6),
        **_provisioned(order, line),
        "subscriptionStartDate": line["subscriptionStartDate"],
        "subscriptionEndDate": line["subscriptionEndDate"],
        "subscriptionTerm": line["subscriptionTerm"],
        **{name: order[name] for name in ("billingPeriod", "billCycleDay", "billingTiming")},
    }
    store.subscriptions[subscription["id"]] = subscription
    return subscription


def _asset(store: Store, order: Record, line: Record) -> Record:
    asset = {
        "id": store.new_id("asset"),
        "assetNumber": store.next_number("AST", 6),
        **_provisioned(order, line),
        "installDate": line["subscriptionStartDate"],
    }
    store.assets[asset["id"]] = asset
    return asset
