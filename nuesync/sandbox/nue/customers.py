"""Customers and their contacts: creation in batches, updates, and the `salesforceId` link rule.

Nue documents `POST /customers` as a batch (a JSON array of up to 200 customers, `recordType`
`Business` or `Consumer`) answering `data` as an array, and `POST /customers/{id}/contacts` the
same way. A batch is all-or-nothing here: every record is checked before any is stored.
"""

from __future__ import annotations

from typing import Any

from nuesync.sandbox.nue.errors import bad_request, not_found, required
from nuesync.sandbox.nue.store import Record, Store
from nuesync.sandbox.nue.values import FieldParser, custom_fields, parse_fields, parse_object, parse_text, picklist

MAX_BATCH = 200

CUSTOMER_FIELDS: dict[str, FieldParser] = {
    "name": parse_text,
    "recordType": picklist("Business", "Consumer"),
    "email": parse_text,
    "phone": parse_text,
    "description": parse_text,
    "currencyIsoCode": parse_text,
    "salesforceId": parse_text,
    "customFields": custom_fields,
}

CONTACT_FIELDS: dict[str, FieldParser] = {
    "name": parse_text,
    "firstName": parse_text,
    "lastName": parse_text,
    "email": parse_text,
    "phone": parse_text,
    "title": parse_text,
    "salesforceId": parse_text,
}


def batch(payload: object, what: str) -> list[dict[str, Any]]:
    """A documented batch body (array); a single object is taken as a batch of one."""
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise bad_request("INVALID_REQUEST", f"at least one {what} is required")
    if len(items) > MAX_BATCH:
        raise bad_request("TOO_MANY_RECORDS", f"at most {MAX_BATCH} {what}s per request, got {len(items)}")
    return [parse_object(item, f"[{index}]") for index, item in enumerate(items)]


def create_customers(store: Store, payload: object) -> list[Record]:
    with store.lock:
        parsed = [_new_customer_fields(item, f"[{i}]") for i, item in enumerate(batch(payload, "customer"))]
        placeholders = {f"new:{i}": fields.get("salesforceId") for i, fields in enumerate(parsed)}
        store.check_links("customer", placeholders, {key: f"[{key[4:]}].salesforceId" for key in placeholders})
        return [_store_customer(store, fields) for fields in parsed]


def update_customer(store: Store, ref: str, payload: object) -> Record:
    with store.lock:
        customer = store.customer_by_ref(ref)
        if customer is None:
            raise not_found("Customer", ref)
        fields = parse_fields(parse_object(payload, ""), CUSTOMER_FIELDS)
        if "name" in fields and not fields["name"]:
            raise required("name")
        if fields.get("customFields"):
            fields["customFields"] = {**customer["customFields"], **fields["customFields"]}
        if "salesforceId" in fields:
            store.check_links("customer", {customer["id"]: fields["salesforceId"]}, {customer["id"]: "salesforceId"})
            store.assign_links("customer", [(customer, fields.pop("salesforceId"))])
            customer["externalId"] = customer["salesforceId"]
        customer.update(fields)
        customer["lastModifiedDate"] = store.now()
        return customer


def _new_customer_fields(item: dict[str, Any], path: str) -> dict[str, Any]:
    fields = parse_fields(item, CUSTOMER_FIELDS, path)
    if not fields.get("name"):
        raise required(f"{path}.name")
    return fields


def _store_customer(store: Store, fields: dict[str, Any]) -> Record:
    now = store.now()
    customer: Record = {
        "id": store.new_id("customer"),
        "accountNumber": store.next_number("ACC"),
        "name": fields["name"],
        "recordType": fields.get("recordType") or "Business",
        "email": fields.get("email"),
        "phone": fields.get("phone"),
        "description": fields.get("description"),
        "currencyIsoCode": fields.get("currencyIsoCode") or "USD",
        "salesforceId": None,
        "externalId": None,
        "customFields": fields.get("customFields") or {},
        "createdDate": now,
        "lastModifiedDate": now,
    }
    store.assign_links("customer", [(customer, fields.get("salesforceId"))])
    customer["externalId"] = customer["salesforceId"]
    store.customers[customer["id"]] = customer
    return customer


def create_contacts(store: Store, customer_ref: str, payload: object) -> list[Record]:
    with store.lock:
        customer = store.customer_by_ref(customer_ref)
        if customer is None:
            raise not_found("Customer", customer_ref)
        parsed = [_new_contact_fields(item, f"[{i}]") for i, item in enumerate(batch(payload, "contact"))]
        placeholders = {f"new:{i}": fields.get("salesforceId") for i, fields in enumerate(parsed)}
        store.check_links("contact", placeholders, {key: f"[{key[4:]}].salesforceId" for key in placeholders})
        return [_store_contact(store, customer["id"], fields) for fields in parsed]


def update_contact(store: Store, contact_id: str, payload: object) -> Record:
    with store.lock:
        contact = store.contacts.get(contact_id)
        if contact is None:
            raise not_found("Contact", contact_id)
        fields = parse_fields(parse_object(payload, ""), CONTACT_FIELDS)
        if "salesforceId" in fields:
            store.check_links("contact", {contact_id: fields["salesforceId"]}, {contact_id: "salesforceId"})
            store.assign_links("contact", [(contact, fields.pop("salesforceId"))])
        contact.update(fields)
        contact["lastModifiedDate"] = store.now()
        return contact


def _new_contact_fields(item: dict[str, Any], path: str) -> dict[str, Any]:
    fields = parse_fields(item, CONTACT_FIELDS, path)
    full_name = " ".join(part for part in (fields.get("firstName"), fields.get("lastName")) if part)
    fields["name"] = fields.get("name") or full_name
    if not fields["name"]:
        raise required(f"{path}.name")
    if not fields.get("email"):
        raise required(f"{path}.email")
    return fields


def _store_contact(store: Store, customer_id: str, fields: dict[str, Any]) -> Record:
    now = store.now()
    contact: Record = {
        "id": store.new_id("contact"),
        "customerId": customer_id,
        "name": fields["name"],
        "firstName": fields.get("firstName"),
        "lastName": fields.get("lastName"),
        "email": fields["email"],
        "phone": fields.get("phone"),
        "title": fields.get("title"),
        "salesforceId": None,
        "createdDate": now,
        "lastModifiedDate": now,
    }
    store.assign_links("contact", [(contact, fields.get("salesforceId"))])
    store.contacts[contact["id"]] = contact
    return contact
