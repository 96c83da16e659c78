"""Draft orders: creation (documented), draft updates (assumed), and the rules both enforce.

Every write is checked completely before anything is stored, so a refused request leaves no
half-written order behind. Rules: the customer, bill-to contact (of that customer), price-book
entries and price tags must exist; required fields must be present; `salesforceId` is unique per
object type; an activated order refuses draft updates. The one exception is a link-only update
(`salesforceId` / `origin` on the order, `{id, salesforceId}` entries for its products): links are
not draft content, and a sync tool must be able to link an order that was activated before it
was ever synced.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nuesync.sandbox.catalog import CURRENCY
from nuesync.sandbox.nue.errors import bad_request, invalid_value, reference_missing, required
from nuesync.sandbox.nue.lines import changed_line, is_link_only, new_line
from nuesync.sandbox.nue.pricing import invoice_for, price_order
from nuesync.sandbox.nue.store import Record, Store
from nuesync.sandbox.nue.values import (
    FieldParser,
    billing,
    custom_fields,
    decimal_between,
    parse_date,
    parse_fields,
    parse_object,
    parse_options,
    parse_origin,
    parse_text,
    picklist,
)

DRAFT, ACTIVATED = "Draft", "Activated"

ORDER_FIELDS: dict[str, FieldParser] = {
    "name": parse_text,
    "description": parse_text,
    "effectiveDate": parse_date,
    "currencyIsoCode": picklist("USD", "EUR", "GBP", "CAD", "AUD", "JPY"),
    "billingPeriod": billing("billingPeriod"),
    "billCycleDay": billing("billCycleDay"),
    "billingTiming": billing("billingTiming"),
    "paymentTerm": billing("paymentTerm"),
    "discount": decimal_between(Decimal(0), Decimal(100)),
    "discountAmount": decimal_between(Decimal(0)),
    "customFields": custom_fields,
    "salesforceId": parse_text,
    "origin": parse_origin,
}
_REFERENCES = frozenset({"customer", "customerId", "billToContact", "billToContactId", "orderProducts"})
CREATE_OPTIONS = ("previewInvoice", "calculateTax")
_LINK_ONLY_KEYS = frozenset({"salesforceId", "origin", "orderProducts"})


def create_order(store: Store, payload: object, *, allow_sku: bool = False) -> tuple[Record, list[Record]]:
    """Store a new draft; returns it and, when `options.previewInvoice`, its invoice preview."""
    body = parse_object(payload, "")
    with store.lock:
        header = parse_fields(body, ORDER_FIELDS, handled=_REFERENCES | {"options"})
        options = parse_options(body.get("options"), "options", CREATE_OPTIONS)
        customer_id = _reference(body, "customer", "customerId")
        if customer_id is None:
            raise required("customer.id")
        _check_customer(store, customer_id, "customer.id")
        contact_id = _reference(body, "billToContact", "billToContactId")
        _check_contact(store, contact_id, customer_id)
        if header.get("effectiveDate") is None:
            raise required("effectiveDate")
        currency = header.get("currencyIsoCode") or CURRENCY
        items = body.get("orderProducts")
        if not isinstance(items, list) or not items:
            raise required("orderProducts")
        lines = [
            new_line(store, item, f"orderProducts[{i}]", effective_date=header["effectiveDate"],
                     currency=currency, allow_sku=allow_sku)
            for i, item in enumerate(items)
        ]
        store.check_links("order", {"new": header.get("salesforceId")}, {"new": "salesforceId"})
        _check_line_links(store, {f"new:{i}": (f"orderProducts[{i}]", line) for i, line in enumerate(lines)})
        order = _store_order(store, header, customer_id, contact_id, currency)
        _attach_lines(store, order, lines)
        if options.get("calculateTax"):
            store.taxed_orders.add(order["id"])
        price_order(store, order)
        preview = [invoice_for(store, order, status="Draft", persisted=False)] if options.get("previewInvoice") else []
        return order, preview


def update_order(store: Store, order_id: str, payload: object, *, allow_sku: bool = False) -> Record:
    """Apply a draft update: header fields, and order products updated by `id` or added without one."""
    body = parse_object(payload, "")
    with store.lock:
        order = store.order(order_id)
        if order["status"] != DRAFT and not _is_link_only(body):
            raise bad_request("ORDER_NOT_DRAFT", f"Order {order['orderNumber']} is {order['status']}; "
                              "only Draft orders can be updated")
        header = parse_fields(body, ORDER_FIELDS, handled=_REFERENCES)
        if "effectiveDate" in header and header["effectiveDate"] is None:
            raise required("effectiveDate")
        customer_id = _updated_customer(store, body, order)
        contact_id = _reference(body, "billToContact", "billToContactId", default=order["billToContactId"])
        _check_contact(store, contact_id, customer_id)
        currency = header.get("currencyIsoCode") or order["currencyIsoCode"]
        _check_order_currency(store, order, currency)
        effective_date = header.get("effectiveDate") or order["effectiveDate"]
        changed, added = _line_changes(store, order, body.get("orderProducts"), effective_date, currency, allow_sku)
        if "salesforceId" in header:
            store.check_links("order", {order_id: header["salesforceId"]}, {order_id: "salesforceId"})
        _check_line_links(store, {**{line["id"]: (path, line) for path, line in changed.items()}, **added})
        if header.get("customFields"):
            header["customFields"] = {**order["customFields"], **header["customFields"]}
        if "salesforceId" in header:
            store.assign_links("order", [(order, header.pop("salesforceId"))])
        now = store.now()
        order.update(header, customerId=customer_id, billToContactId=contact_id, lastModifiedDate=now)
        for line in changed.values():
            _save_changed_line(store, line, now)
        _attach_lines(store, order, [line for _, line in added.values()])
        price_order(store, order)
        return order


def _store_order(store: Store, header: dict[str, Any], customer_id: str, contact_id: str | None,
                 currency: str) -> Record:
    now = store.now()
    order: Record = {
        "id": store.new_id("order"),
        "orderNumber": store.next_number("O"),
        "name": header.get("name"),
        "description": header.get("description"),
        "status": DRAFT,
        "customerId": customer_id,
        "billToContactId": contact_id,
        "effectiveDate": header["effectiveDate"],
        "currencyIsoCode": currency,
        "priceBookId": next(iter(store.price_books), None),
        **{name: header.get(name) for name in ("billingPeriod", "billCycleDay", "billingTiming", "paymentTerm")},
        "discount": header.get("discount"),
        "discountAmount": header.get("discountAmount"),
        **dict.fromkeys(("listTotal", "subtotal", "totalAmount", "totalPrice", "taxAmount", "grandTotal")),
        "orderStartDate": None,
        "orderEndDate": None,
        "customFields": header.get("customFields") or {},
        "salesforceId": None,
        "origin": header.get("origin"),
        "activatedDate": None,
        "orderPlacedDate": None,
        "poNumber": None,
        "poDate": None,
        "createdDate": now,
        "lastModifiedDate": now,
    }
    store.assign_links("order", [(order, header.get("salesforceId"))])
    store.orders[order["id"]] = order
    store.order_lines[order["id"]] = []
    return order


def _attach_lines(store: Store, order: Record, lines: list[Record]) -> None:
    now = order["lastModifiedDate"]
    for fields in lines:
        link = fields.pop("salesforceId")
        line = {"id": store.new_id("orderProduct"), "orderId": order["id"], **fields, "salesforceId": None,
                "createdDate": now, "lastModifiedDate": now}
        store.assign_links("orderProduct", [(line, link)])
        store.lines[line["id"]] = line
        store.order_lines[order["id"]].append(line["id"])


def _save_changed_line(store: Store, updated: Record, now: str) -> None:
    line = store.lines[updated["id"]]
    link = updated.pop("salesforceId")
    if link != line["salesforceId"]:
        store.assign_links("orderProduct", [(line, link)])
    line.update(updated, lastModifiedDate=now)


def _line_changes(store: Store, order: Record, items: object, effective_date: str, currency: str,
                  allow_sku: bool) -> tuple[dict[str, Record], dict[str, tuple[str, Record]]]:
    """Order product entries: changed existing lines by request path, new lines by placeholder."""
    if items is None:
        return {}, {}
    if not isinstance(items, list):
        raise invalid_value("orderProducts", "expected a list of order products")
    own = set(store.order_lines[order["id"]])
    changed: dict[str, Record] = {}
    added: dict[str, tuple[str, Record]] = {}
    for index, item in enumerate(items):
        path = f"orderProducts[{index}]"
        entry = parse_object(item, path)
        if "id" not in entry:
            added[f"new:{index}"] = (path, new_line(store, entry, path, effective_date=effective_date,
                                                    currency=currency, allow_sku=allow_sku))
        elif entry["id"] in own:
            changed[path] = changed_line(store, store.lines[entry["id"]], entry, path, effective_date=effective_date)
        else:
            raise reference_missing("ORDER_PRODUCT_NOT_FOUND", f"{path}.id", "Order product of this order",
                                    entry["id"])
    return changed, added


def _check_line_links(store: Store, lines: dict[str, tuple[str, Record]]) -> None:
    """`lines`: record id (or placeholder) -> (request path, line as it will be)."""
    paths = {key: f"{path}.salesforceId" for key, (path, _) in lines.items()}
    store.check_links("orderProduct", {key: line.get("salesforceId") for key, (_, line) in lines.items()}, paths)


def _check_order_currency(store: Store, order: Record, currency: str) -> None:
    """An order cannot move to a currency its products are not priced in."""
    priced_in = {store.price_book_entries[line["priceBookEntryId"]]["currencyIsoCode"]
                 for line in store.lines_of(order["id"])}
    if priced_in - {currency}:
        raise invalid_value("currencyIsoCode", f"the order's products are priced in {', '.join(sorted(priced_in))}")


def _is_link_only(body: dict[str, Any]) -> bool:
    items = body.get("orderProducts") or []
    return set(body) <= _LINK_ONLY_KEYS and isinstance(items, list) and all(map(is_link_only, items))


def _reference(body: dict[str, Any], object_key: str, id_key: str, default: str | None = None) -> str | None:
    """`customer: {"id": …}` (documented) or `customerId` (the read shape); both must agree."""
    values: list[object] = []
    if object_key in body:
        ref = body[object_key]
        if ref is not None and not (isinstance(ref, dict) and set(ref) <= {"id"}):
            raise invalid_value(object_key, 'expected {"id": …}')
        values.append(ref.get("id") if ref else None)
    if id_key in body:
        values.append(body[id_key])
    if not values:
        return default
    if len(values) == 2 and values[0] != values[1]:
        raise invalid_value(id_key, f"{object_key}.id and {id_key} disagree")
    value = values[0]
    if value is not None and not isinstance(value, str):
        raise invalid_value(f"{object_key}.id", f"expected an id, got {value!r}")
    return value


def _updated_customer(store: Store, body: dict[str, Any], order: Record) -> str:
    customer_id = _reference(body, "customer", "customerId", default=order["customerId"])
    if customer_id is None:
        raise required("customer.id")
    _check_customer(store, customer_id, "customer.id")
    return customer_id


def _check_customer(store: Store, customer_id: str, field: str) -> None:
    if customer_id not in store.customers:
        raise reference_missing("CUSTOMER_NOT_FOUND", field, "Customer", customer_id)


def _check_contact(store: Store, contact_id: str | None, customer_id: str) -> None:
    if contact_id is None:
        return
    contact = store.contacts.get(contact_id)
    if contact is None:
        raise reference_missing("CONTACT_NOT_FOUND", "billToContact.id", "Contact", contact_id)
    if contact["customerId"] != customer_id:
        raise invalid_value("billToContact.id", f"contact {contact_id} belongs to another customer")

