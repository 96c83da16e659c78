"""Totals and invoices, recomputed from an order's lines after every write.

What the emulator computes (Nue's pricing engine does much more; these are the parts a sync tool
sees):
- a line's `listTotal` is `listPrice × quantity`, times `subscriptionTerm` (months) for a
  recurring product, since catalogue prices are per month;
- a line's net (`totalAmount` = `totalPrice`) takes off its `discount` percent, then its
  `discountAmount`; the order's `subtotal` is the sum of the nets, and the order's own `discount`
  percent and `discountAmount` come off that to give `totalAmount` / `totalPrice`;
- `taxAmount` is `totalAmount × TAX_RATE` when the order was created with `calculateTax`, and
  `grandTotal = totalAmount + taxAmount`.
`discount` and `discountAmount` are stored exactly as written and never derived from each other:
they are synced fields, and a value that changed on the way back would look like an edit.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from nuesync.sandbox.nue.store import Record, Store
from nuesync.sandbox.nue.values import BILLING_PERIOD_MONTHS, add_months, money, payment_days

TAX_RATE = Decimal("0.08")
ZERO = Decimal(0)
HUNDRED = Decimal(100)


def _net(gross: Decimal, percent: Decimal | None, amount: Decimal | None) -> Decimal:
    after_percent = gross - gross * (percent or ZERO) / HUNDRED
    return max(ZERO, money(after_percent - (amount or ZERO)))


def price_line(line: Record) -> None:
    months = line["subscriptionTerm"] if line["chargeType"] == "Recurring" else None
    list_total = money(line["listPrice"] * line["quantity"] * (months or 1))
    net = _net(list_total, line["discount"], line["discountAmount"])
    line["listTotal"] = list_total
    line["salesPrice"] = money(line["listPrice"] * (HUNDRED - (line["discount"] or ZERO)) / HUNDRED)
    line["totalAmount"] = net
    line["totalPrice"] = net


def price_order(store: Store, order: Record) -> None:
    lines = store.lines_of(order["id"])
    for line in lines:
        price_line(line)
    subtotal = sum((line["totalAmount"] for line in lines), ZERO)
    total = _net(subtotal, order["discount"], order["discountAmount"])
    tax = money(total * TAX_RATE) if order["id"] in store.taxed_orders else ZERO
    order["listTotal"] = sum((line["listTotal"] for line in lines), ZERO)
    order["subtotal"] = subtotal
    order["totalAmount"] = total
    order["totalPrice"] = total
    order["taxAmount"] = tax
    order["grandTotal"] = total + tax
    starts = [line["subscriptionStartDate"] for line in lines if line["subscriptionStartDate"]]
    ends = [line["subscriptionEndDate"] for line in lines if line["subscriptionEndDate"]]
    order["orderStartDate"] = min(starts, default=order["effectiveDate"])
    order["orderEndDate"] = max(ends, default=None)


def _first_period_amount(line: Record, period_months: int) -> Decimal:
    """What the first invoice bills for a line: one billing period of a subscription, all of a one-off."""
    term = line["subscriptionTerm"]
    if line["chargeType"] != "Recurring" or not term:
        return line["totalAmount"]
    return money(line["totalAmount"] * min(Decimal(period_months), term) / term)


def _invoice_item(line: Record, period_months: int) -> Record:
    start = line["subscriptionStartDate"]
    recurring = line["chargeType"] == "Recurring" and start is not None
    period_end = add_months(date.fromisoformat(start), period_months) - timedelta(days=1) if recurring else None
    return {
        "orderProductId": line["id"],
        "productSku": line["productSku"],
        "productName": line["productName"],
        "quantity": line["quantity"],
        "amount": _first_period_amount(line, period_months),
        "servicePeriodStartDate": start,
        "servicePeriodEndDate": period_end.isoformat() if period_end else start,
    }


def invoice_for(store: Store, order: Record, *, status: str, persisted: bool) -> Record:
    """The order's first invoice; a preview (not stored, no number) when `persisted` is false."""
    lines = store.lines_of(order["id"])
    period = BILLING_PERIOD_MONTHS.get(order["billingPeriod"] or "Month", 1)
    invoice_date = date.fromisoformat(order["effectiveDate"])
    items = [_invoice_item(line, period) for line in lines]
    amount = _net(sum((item["amount"] for item in items), ZERO), order["discount"], order["discountAmount"])
    tax = money(amount * TAX_RATE) if order["id"] in store.taxed_orders else ZERO
    invoice: Record = {
        "id": store.new_id("invoice") if persisted else None,
        "invoiceNumber": store.next_number("INV") if persisted else None,
        "status": status,
        "customerId": order["customerId"],
        "orderId": order["id"],
        "currencyIsoCode": order["currencyIsoCode"],
        "invoiceDate": invoice_date.isoformat(),
        "dueDate": (invoice_date + timedelta(days=payment_days(order["paymentTerm"]))).isoformat(),
        "amount": amount,
        "taxAmount": tax,
        "totalAmount": amount + tax,
        "balance": amount + tax,
        "items": items,
    }
    if persisted:
        store.invoices[invoice["id"]] = invoice
    return invoice
