"""Customers and their contacts: creation in batches, updates, and the link rules.

Nue documents `POST /customers` as a batch (a JSON array of up to 200 customers, `recordType`
`Business` or `Consumer`) answering `data` as an array, and `POST /customers/{customerId}/contacts`
the same way: a JSON array whose every contact has a `name` and an `email`, the email unique within
the tenant. A batch is all-or-nothing here: every record is checked before any is stored.

A customer's link to Salesforce is its `externalId`, documented as the Salesforce Account Id and
set only by Nue's own Salesforce sync: read-only through the API (a write naming it is refused by
name, like any field not in `CUSTOMER_FIELDS`). `link_to_account` plays that sync. A contact's link
is the assumed, writable `salesforceId`. Customers are stamped `createdDate` / `modifiedDate`, as
documented.
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
    return _items(payload if isinstance(payload, list) else [payload], what)


def _items(items: list[Any], what: str) -> list[dict[str, Any]]:
    if not items:
        raise bad_request("INVALID_REQUEST", f"at least one {what} is required")
    if len(items) > MAX_BATCH:
        raise bad_request("TOO_MANY_RECORDS", f"at most {MAX_BATCH} {what}s per request, got {len(items)}")
    return [parse_object(item, f"[{index}]") for index, item in enumerate(items)]


def create_customers(store: Store, payload: object) -> list[Record]:
    with store.lock:
        parsed = [_new_customer_fields(item, f"[{i}]") for i, item in enumerate(batch(payload, "customer"))]
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
        customer.update(fields)
        customer["modifiedDate"] = store.now()
        return customer


def link_to_account(store: Store, customer_id: str, account_id: str) -> Record:
    """What Nue's own Salesforce sync does, and only it: set a customer's `externalId` to its Account Id.

    Not an API call (the API refuses `externalId` in any write); seeds and tests use it through
    `NueSandbox.link_customer_to_account`. The value stays unique, as one Account is one customer.
    """
    with store.lock:
        customer = store.customers.get(customer_id)
        if customer is None:
            raise not_found("Customer", customer_id)
        store.check_links("customer", {customer_id: account_id}, {customer_id: "externalId"})
        store.assign_links("customer", [(customer, account_id)])
        customer["modifiedDate"] = store.now()
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
        "externalId": None,
        "customFields": fields.get("customFields") or {},
        "createdDate": now,
        "modifiedDate": now,
    }
    store.customers[customer["id"]] = customer
    return customer


def create_contacts(store: Store, customer_ref: str, payload: object) -> list[Record]:
    """`POST /customers/{customerId}/contacts`: a JSON array (documented; no single object), each
    contact with a `name` (or first and last names) and an `email` no other contact has."""
    with store.lock:
        customer = store.customer_by_ref(customer_ref)
        if customer is None:
            raise not_found("Customer", customer_ref)
        if not isinstance(payload, list):
            raise bad_request("INVALID_REQUEST", f"expected a JSON array of contacts, got {type(payload).__name__}")
        parsed = [_new_contact_fields(item, f"[{i}]") for i, item in enumerate(_items(payload, "contact"))]
        placeholders = {f"new:{i}": fields.get("salesforceId") for i, fields in enumerate(parsed)}
        store.check_links("contact", placeholders, {key: f"[{key[4:]}].salesforceId" for key in placeholders})
        emails = {f"new:{i}": fields["email"] for i, fields in enumerate(parsed)}
        store.check_emails(emails, {key: f"[{key[4:]}].email" for key in emails})
        return [_store_contact(store, customer["id"], fields) for fields in parsed]


def update_contact(store: Store, contact_id: str, payload: object) -> Record:
    with store.lock:
        contact = store.contacts.get(contact_id)
        if contact is None:
            raise not_found("Contact", contact_id)
        fields = parse_fields(parse_object(payload, ""), CONTACT_FIELDS)
        for required_field in ("name", "email"):
            if required_field in fields and not fields[required_field]:
                raise required(required_field)
        if "salesforceId" in fields:
            store.check_links("contact", {contact_id: fields["salesforceId"]}, {contact_id: "salesforceId"})
            store.assign_links("contact", [(contact, fields.pop("salesforceId"))])
        if "email" in fields:
            store.check_emails({contact_id: fields["email"]}, {contact_id: "email"})
            store.assign_email(contact, fields.pop("email"))
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
        "email": None,
        "phone": fields.get("phone"),
        "title": fields.get("title"),
        "salesforceId": None,
        "createdDate": now,
        "lastModifiedDate": now,
    }
    store.assign_links("contact", [(contact, fields.get("salesforceId"))])
    store.assign_email(contact, fields["email"])
    store.contacts[contact["id"]] = contact
    return contact
