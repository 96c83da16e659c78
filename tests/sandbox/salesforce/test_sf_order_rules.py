"""The org's order rules, driven through simple-salesforce, with Salesforce's error codes."""

from __future__ import annotations

import pytest
from simple_salesforce import SalesforceMalformedRequest

from nuesync.sandbox.salesforce import SalesforceSandbox

from . import scenarios


def _refused(call, *args) -> dict:
    with pytest.raises(SalesforceMalformedRequest) as refused:
        call(*args)
    [error] = refused.value.content
    return error


def test_order_requires_effective_date_and_account(client, sandbox):
    account = scenarios.customer(sandbox)

    no_date = _refused(client.Order.create, {"AccountId": account, "Status": "Draft"})
    no_account = _refused(client.Order.create, {"EffectiveDate": "2026-01-01"})

    assert no_date == {"message": "Required fields are missing: [EffectiveDate]", "errorCode": "REQUIRED_FIELD_MISSING",
                       "fields": ["EffectiveDate"]}
    assert no_account["errorCode"] == "REQUIRED_FIELD_MISSING" and no_account["fields"] == ["AccountId"]


def test_order_is_created_only_in_a_draft_status(client, sandbox):
    account = scenarios.customer(sandbox)

    error = _refused(client.Order.create, {"AccountId": account, "EffectiveDate": "2026-01-01", "Status": "Activated"})

    assert error["errorCode"] == "FAILED_ACTIVATION" and error["fields"] == ["Status"]


def test_new_order_gets_derived_and_read_only_fields(client, sandbox):
    account = scenarios.customer(sandbox)

    order_id = client.Order.create({"AccountId": account, "EffectiveDate": "2026-01-01"})["id"]
    order = client.Order.get(order_id)

    assert order_id.startswith("801")
    assert (order["Status"], order["StatusCode"], order["TotalAmount"]) == ("Draft", "Draft", 0.0)
    assert len(order["OrderNumber"]) == 8 and order["OrderNumber"].isdigit()
    assert order["Pricebook2Id"] is None and order["ActivatedDate"] is None
    assert _refused(client.Order.update, order_id, {"TotalAmount": 5})["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_order_item_takes_product_list_price_and_currency_from_its_entry(client, sandbox):
    order = scenarios.draft_order(sandbox)

    item_id = client.OrderItem.create({"OrderId": order.order_id, "PricebookEntryId": order.entry_id,
                                       "Quantity": 3, "UnitPrice": 80})["id"]
    item = client.OrderItem.get(item_id)

    assert item_id.startswith("802")
    assert (item["ListPrice"], item["TotalPrice"], item["CurrencyIsoCode"]) == (99.0, 240.0, "USD")
    assert item["Product2Id"] == sandbox.get("PricebookEntry", order.entry_id)["Product2Id"]
    assert client.Order.get(order.order_id)["TotalAmount"] == 240.0


def test_order_item_needs_the_order_price_book(client, sandbox):
    no_book = scenarios.draft_order(sandbox, Pricebook2Id=None)
    other_book = sandbox.insert("Pricebook2", {"Name": "Partner Prices", "IsActive": True})
    on_other_book = scenarios.draft_order(sandbox, Pricebook2Id=other_book)
    line = {"PricebookEntryId": no_book.entry_id, "Quantity": 1, "UnitPrice": 1}

    for order in (no_book, on_other_book):
        error = _refused(client.OrderItem.create, {"OrderId": order.order_id, **line})
        assert error["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
        assert error["fields"] == ["PricebookEntryId"]
        assert "pricebook entry is in a different pricebook than the one assigned to the Order" in error["message"]


def test_order_item_create_only_fields_cannot_be_updated(client, sandbox):
    order = scenarios.draft_order(sandbox, lines=1)
    item = sandbox.records("OrderItem")[-1]["Id"]
    other = scenarios.draft_order(sandbox)

    error = _refused(client.OrderItem.update, item, {"OrderId": other.order_id, "PricebookEntryId": order.entry_id})

    assert error["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error["fields"] == ["OrderId", "PricebookEntryId"]
    assert error["message"].startswith("Unable to create/update fields: OrderId, PricebookEntryId.")


def test_activation_changes_status_alone_and_needs_products(client, sandbox):
    empty = scenarios.draft_order(sandbox)
    with_lines = scenarios.draft_order(sandbox, lines=1)

    no_products = _refused(client.Order.update, empty.order_id, {"Status": "Activated"})
    with_other_field = _refused(client.Order.update, with_lines.order_id, {"Status": "Activated", "Name": "x"})
    client.Order.update(with_lines.order_id, {"Status": "Activated"})
    activated = client.Order.get(with_lines.order_id)

    assert no_products["errorCode"] == "FAILED_ACTIVATION"
    assert with_other_field["errorCode"] == "FAILED_ACTIVATION"
    assert (activated["Status"], activated["StatusCode"]) == ("Activated", "Activated")
    assert activated["ActivatedDate"].endswith("+0000")


def test_activated_order_is_locked(client, sandbox):
    order = scenarios.activated_order(sandbox)
    item = next(i["Id"] for i in sandbox.records("OrderItem") if i["OrderId"] == order.order_id)
    line = {"OrderId": order.order_id, "PricebookEntryId": order.entry_id, "Quantity": 1, "UnitPrice": 1}

    add = _refused(client.OrderItem.create, line)
    remove = _refused(client.OrderItem.delete, item)
    delete_order = _refused(client.Order.delete, order.order_id)
    edit = _refused(client.Order.update, order.order_id, {"Name": "late edit"})

    assert {e["errorCode"] for e in (add, remove, delete_order, edit)} == {"ENTITY_IS_LOCKED"}
    assert "cannot delete Order, or add or remove Order Products" in add["message"]


def test_activated_order_can_go_back_to_draft(client, sandbox):
    order = scenarios.activated_order(sandbox)

    client.Order.update(order.order_id, {"Status": "Draft"})

    assert client.Order.get(order.order_id)["StatusCode"] == "Draft"
    assert client.Order.delete(order.order_id) == 204


def test_edit_activated_orders_permission_unlocks_header_edits():
    org = SalesforceSandbox(edit_activated_orders=True)
    org.seed_catalog()
    order = scenarios.activated_order(org)

    org.update("Order", order.order_id, {"Name": "allowed"})

    assert org.get("Order", order.order_id)["Name"] == "allowed"


def test_custom_status_labels_map_to_status_codes():
    org = SalesforceSandbox(order_statuses={"Open": "Draft", "Ready": "Draft", "Live": "Activated"})
    org.seed_catalog()
    order = scenarios.draft_order(org, lines=1, Status="Ready")

    org.update("Order", order.order_id, {"Status": "Live"})

    assert org.get("Order", order.order_id)["StatusCode"] == "Activated"
    assert org.soql("SELECT ApiName FROM OrderStatus WHERE StatusCode = 'Draft'")["totalSize"] == 2


def test_price_book_and_currency_fixed_once_order_has_products(client, sandbox):
    order = scenarios.draft_order(sandbox, lines=1)

    error = _refused(client.Order.update, order.order_id, {"CurrencyIsoCode": "EUR"})

    assert error["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_order_product_dates_stay_inside_the_order(client, sandbox):
    order = scenarios.draft_order(sandbox, EndDate="2026-12-31")
    line = {"OrderId": order.order_id, "PricebookEntryId": order.entry_id, "Quantity": 1, "UnitPrice": 1}

    early = _refused(client.OrderItem.create, {**line, "ServiceDate": "2026-02-01"})
    late = _refused(client.OrderItem.create, {**line, "EndDate": "2027-01-01"})
    zero = _refused(client.OrderItem.create, {**line, "Quantity": 0})

    assert (early["errorCode"], early["fields"]) == ("FIELD_INTEGRITY_EXCEPTION", ["ServiceDate"])
    assert (late["errorCode"], late["fields"]) == ("FIELD_INTEGRITY_EXCEPTION", ["EndDate"])
    assert (zero["errorCode"], zero["fields"]) == ("FIELD_INTEGRITY_EXCEPTION", ["Quantity"])


def test_custom_price_needs_a_standard_price_first(client, sandbox):
    product = client.Product2.create({"Name": "Unpriced", "ProductCode": "UNPRICED", "IsActive": True})["id"]
    custom_book = client.Pricebook2.create({"Name": "Reseller", "IsActive": True})["id"]
    entry = {"Product2Id": product, "UnitPrice": 10, "IsActive": True}

    missing = _refused(client.PricebookEntry.create, {**entry, "Pricebook2Id": custom_book})
    client.PricebookEntry.create({**entry, "Pricebook2Id": scenarios.standard_book(sandbox)})
    custom = client.PricebookEntry.create({**entry, "Pricebook2Id": custom_book, "UnitPrice": 8})
    duplicate = _refused(client.PricebookEntry.create, {**entry, "Pricebook2Id": custom_book})

    assert missing == {"message": "No standard price defined for this product",
                       "errorCode": "STANDARD_PRICE_NOT_DEFINED", "fields": []}
    assert custom["success"] is True
    assert duplicate["errorCode"] == "DUPLICATE_VALUE"
    assert client.PricebookEntry.get(custom["id"])["ProductCode"] == "UNPRICED"


def test_updates_bump_last_modified_and_item_changes_bump_the_order(client, sandbox):
    order = scenarios.draft_order(sandbox)
    before = sandbox.get("Order", order.order_id)["SystemModstamp"]

    client.OrderItem.create({"OrderId": order.order_id, "PricebookEntryId": order.entry_id, "Quantity": 1,
                             "UnitPrice": 1})

    assert sandbox.get("Order", order.order_id)["SystemModstamp"] >= before
    assert sandbox.get("Order", order.order_id)["LastModifiedDate"] >= before
