"""Order products: how one line of a write is checked and turned into a record.

A line names its product by `priceBookEntryId` (the documented way); the product, SKU, name and
list price come from that entry. `listPrice` may be written to override the entry's price (a
sales-price override, so a price edited in Salesforce survives the trip). Recurring products get
a subscription term (the product's default, 12 months, when none is written) and an end date
derived from start + term when none is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from nuesync.sandbox.nue.errors import invalid_value, reference_missing, required, unknown_field
from nuesync.sandbox.nue.store import Record, Store
from nuesync.sandbox.nue.values import (
    FieldParser,
    custom_fields,
    decimal_between,
    field_path,
    months_between,
    parse_date,
    parse_fields,
    parse_object,
    parse_text,
    subscription_end,
)

LINE_FIELDS: dict[str, FieldParser] = {
    "quantity": decimal_between(Decimal(0)),
    "listPrice": decimal_between(Decimal(0)),
    "discount": decimal_between(Decimal(0), Decimal(100)),
    "discountAmount": decimal_between(Decimal(0)),
    "subscriptionStartDate": parse_date,
    "subscriptionEndDate": parse_date,
    "subscriptionTerm": decimal_between(Decimal(0)),
    "customFields": custom_fields,
    "salesforceId": parse_text,
}
_REFERENCES = frozenset({"priceBookEntryId", "priceTags", "productSku"})
LINK_ONLY_KEYS = frozenset({"id", "salesforceId"})


def new_line(
    store: Store, item: object, path: str, *, effective_date: str, currency: str, allow_sku: bool
) -> Record:
    """A complete line record (without id/order/timestamps) from a create entry."""
    entry = parse_object(item, path)
    fields = parse_fields(entry, LINE_FIELDS, path, handled=_REFERENCES)
    entry_record = _price_book_entry(store, entry, path, allow_sku=allow_sku)
    _check_currency(entry_record, currency, path)
    product = store.products[entry_record["productId"]]
    if fields.get("quantity") is None:
        raise required(field_path(path, "quantity"))
    line: Record = {
        "priceBookEntryId": entry_record["id"],
        "productId": product["id"],
        "productSku": product["sku"],
        "productName": product["name"],
        "chargeType": product["priceModel"],
        "uom": entry_record["uom"],
        "quantity": fields["quantity"],
        "listPrice": fields["listPrice"] if fields.get("listPrice") is not None else entry_record["listPrice"],
        "discount": fields.get("discount"),
        "discountAmount": fields.get("discountAmount"),
        "subscriptionStartDate": fields.get("subscriptionStartDate") or effective_date,
        "subscriptionEndDate": fields.get("subscriptionEndDate"),
        "subscriptionTerm": fields.get("subscriptionTerm"),
        "priceTags": price_tags(store, entry.get("priceTags"), field_path(path, "priceTags")),
        "customFields": fields.get("customFields") or {},
        "salesforceId": fields.get("salesforceId"),
    }
    _settle_term(line, path, product)
    return line


def changed_line(store: Store, line: Record, item: dict[str, Any], path: str, *, effective_date: str) -> Record:
    """The line as it will be after an update entry (a copy; the stored line is untouched)."""
    fields = parse_fields(item, LINE_FIELDS, path, handled=_REFERENCES | {"id"})
    for name, current in (("priceBookEntryId", line["priceBookEntryId"]), ("productSku", line["productSku"])):
        if name in item and item[name] != current:
            raise invalid_value(
                field_path(path, name), "an order product's product cannot change; add a new order product"
            )
    if "quantity" in fields and fields["quantity"] is None:
        raise required(field_path(path, "quantity"))
    updated = {**line, **fields}
    if "customFields" in fields:
        updated["customFields"] = {**line["customFields"], **fields["customFields"]} if fields["customFields"] else {}
    if "priceTags" in item:
        updated["priceTags"] = price_tags(store, item["priceTags"], field_path(path, "priceTags"))
    if "listPrice" in fields and fields["listPrice"] is None:
        updated["listPrice"] = store.price_book_entries[line["priceBookEntryId"]]["listPrice"]
    updated["subscriptionStartDate"] = updated["subscriptionStartDate"] or effective_date
    end_written = fields.get("subscriptionEndDate") is not None
    if ("subscriptionStartDate" in fields or "subscriptionTerm" in fields) and not end_written:
        updated["subscriptionEndDate"] = None  # re-derived from the new start / term
    if end_written and "subscriptionTerm" not in fields:
        updated["subscriptionTerm"] = None  # re-derived from the new end date
    _settle_term(updated, path, store.products[line["productId"]])
    return updated


def is_link_only(item: object) -> bool:
    return isinstance(item, dict) and "id" in item and set(item) <= LINK_ONLY_KEYS


def price_tags(store: Store, value: object, path: str) -> list[Record]:
    """Price tags written as ids or codes (strings, or objects with `id` or `code`)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid_value(path, f"expected a list of price tag ids or codes, got {value!r}")
    tags: list[Record] = []
    for index, ref in enumerate(value):
        tag_path = f"{path}[{index}]"
        key = _tag_reference(ref, tag_path)
        tag = store.price_tag_by_ref(key)
        if tag is None:
            raise reference_missing("PRICE_TAG_NOT_FOUND", tag_path, "Price tag", key)
        if all(existing["id"] != tag["id"] for existing in tags):
            tags.append({"id": tag["id"], "code": tag["code"], "name": tag["name"]})
    return tags


def _tag_reference(ref: object, path: str) -> str:
    if isinstance(ref, str):
        return ref
    if isinstance(ref, Mapping) and isinstance(ref.get("id") or ref.get("code"), str):
        return str(ref.get("id") or ref.get("code"))
    raise invalid_value(path, f"expected a price tag id or code, got {ref!r}")


def _price_book_entry(store: Store, entry: dict[str, Any], path: str, *, allow_sku: bool) -> Record:
    entry_id = entry.get("priceBookEntryId")
    sku = entry.get("productSku")
    if sku is not None and not allow_sku:
        raise unknown_field(field_path(path, "productSku"))
    if entry_id is None and sku is not None:
        match = next((pbe for pbe in store.price_book_entries.values() if pbe["productSku"] == sku), None)
        if match is None:
            raise reference_missing("PRODUCT_NOT_FOUND", field_path(path, "productSku"), "Product", sku)
        return match
    if entry_id is None:
        raise required(field_path(path, "priceBookEntryId"))
    if not isinstance(entry_id, str) or entry_id not in store.price_book_entries:
        raise reference_missing(
            "PRICE_BOOK_ENTRY_NOT_FOUND", field_path(path, "priceBookEntryId"), "Price book entry", entry_id
        )
    return store.price_book_entries[entry_id]


def _check_currency(entry: Record, currency: str, path: str) -> None:
    if entry["currencyIsoCode"] != currency:
        raise invalid_value(
            field_path(path, "priceBookEntryId"),
            f"the price book entry is in {entry['currencyIsoCode']}, the order in {currency}",
        )


def _settle_term(line: Record, path: str, product: Record) -> None:
    """Fill the term and end date a recurring line needs (whichever is missing); refuse dates that cannot be."""
    start, end = line["subscriptionStartDate"], line["subscriptionEndDate"]
    if end is not None and end < start:
        raise invalid_value(field_path(path, "subscriptionEndDate"), f"{end} is before the start date {start}")
    if product["priceModel"] != "Recurring":
        return
    if line["subscriptionTerm"] is None:
        line["subscriptionTerm"] = months_between(start, end) if end else product["defaultSubscriptionTerm"]
    if line["subscriptionTerm"] <= 0:
        raise invalid_value(field_path(path, "subscriptionTerm"), "a subscription needs a term of at least one month")
    if end is None:
        line["subscriptionEndDate"] = subscription_end(start, line["subscriptionTerm"])
