"""The emulated org's objects and fields, as data.

Standard fields follow Salesforce's Object Reference (types, create/update properties, which
references are create-only); the custom `Nue_…__c` fields are exactly those named by
`nuesync.mapping.DEFAULT_SALESFORCE` and `WRITE_ONLY_SALESFORCE` (plus `Contact.Nue_Contact_Id__c` and
the follow-up tasks' `Task.Nue_Cart_Id__c`), so the default config works against this org unchanged.
The org is multi-currency (`CurrencyIsoCode` everywhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from nuesync.sandbox.salesforce.schema import Field, Schema, SObjectType

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD")
CORPORATE_CURRENCY = "USD"
DEFAULT_ORDER_STATUSES: Mapping[str, str] = {"Draft": "Draft", "Activated": "Activated"}
_CENT = Decimal("0.01")


def _text(name: str, label: str, length: int = 255, **kw: Any) -> Field:
    return Field(name, label, kw.pop("type", "string"), length=length, **kw)


def _owner(label: str, to: tuple[str, ...]) -> Field:
    """`OwnerId`, as every org has it: never null, and the running user when a create leaves it out."""
    return _ref("OwnerId", label, to, "Owner", nillable=False, required=True, default_to_user=True)


def _long_text(name: str, label: str, length: int = 32000) -> Field:
    return Field(name, label, "textarea", length=length, filterable=False, sortable=False)


def _ref(name: str, label: str, to: str | tuple[str, ...], relationship: str, **kw: Any) -> Field:
    targets = (to,) if isinstance(to, str) else to
    return Field(name, label, "reference", length=18, reference_to=targets, relationship_name=relationship, **kw)


def _number(name: str, label: str, kind: str = "double", precision: int = 18, scale: int = 2, **kw: Any) -> Field:
    return Field(name, label, kind, precision=precision, scale=scale, **kw)  # type: ignore[arg-type]


def _picklist(name: str, label: str, values: tuple[str, ...], restricted: bool = False, **kw: Any) -> Field:
    return Field(name, label, "picklist", length=255, picklist=values, restricted=restricted, **kw)


def _boolean(name: str, label: str, default: bool = False, **kw: Any) -> Field:
    return Field(name, label, "boolean", nillable=False, default=default, **kw)


def _external_id(name: str, label: str, unique: bool = True) -> Field:
    return Field(
        name, label, "string", length=255, external_id=True, unique=unique, case_sensitive=unique, id_lookup=True
    )


def _currency_iso(label: str, createable: bool = True, updateable: bool = True) -> Field:
    return _picklist(
        "CurrencyIsoCode", label, CURRENCIES, restricted=True, nillable=False, default=CORPORATE_CURRENCY,
        createable=createable, updateable=updateable,
    )


def _system_fields(label: str) -> list[Field]:
    read_only = {"createable": False, "updateable": False, "nillable": False}
    return [
        Field("Id", f"{label} ID", "id", length=18, id_lookup=True, **read_only),
        _boolean("IsDeleted", "Deleted", createable=False, updateable=False),
        Field("CreatedDate", "Created Date", "datetime", **read_only),
        Field("LastModifiedDate", "Last Modified Date", "datetime", **read_only),
        Field("SystemModstamp", "System Modstamp", "datetime", **read_only),
    ]


def _object(name: str, label: str, plural: str, prefix: str, fields: list[Field], **kw: Any) -> SObjectType:
    all_fields = _system_fields(label) + fields
    return SObjectType(name, label, plural, prefix, {f.name: f for f in all_fields}, **kw)


def _line_total(row: Mapping[str, Any]) -> Decimal:
    quantity, price = row.get("Quantity"), row.get("UnitPrice")
    if quantity is None or price is None:
        return Decimal("0.00")
    return (Decimal(quantity) * Decimal(price)).quantize(_CENT)


def _order_total(store: Any, row: Mapping[str, Any]) -> Decimal:
    items = store.children("OrderItem", "OrderId", row["Id"])
    return sum((_line_total(item) for item in items), Decimal("0.00"))


def _entry_product_field(name: str) -> Any:
    def formula(store: Any, row: Mapping[str, Any]) -> Any:
        product = store.row("Product2", row.get("Product2Id"))
        return product.get(name) if product else None

    return formula


def _contact_name(_store: Any, row: Mapping[str, Any]) -> str:
    return " ".join(part for part in (row.get("FirstName"), row.get("LastName")) if part)


def _account() -> SObjectType:
    return _object("Account", "Account", "Accounts", "001", [
        _text("Name", "Account Name", nillable=False, required=True, name_field=True),
        _text("AccountNumber", "Account Number", 40),
        _picklist("Type", "Account Type", ("Customer - Direct", "Customer - Channel", "Prospect", "Partner", "Other")),
        _picklist("Industry", "Industry", ("Technology", "Finance", "Healthcare", "Retail", "Education", "Other")),
        _text("Phone", "Account Phone", 40, type="phone"),
        _text("BillingCity", "Billing City", 40),
        _text("BillingCountry", "Billing Country", 80),
        _long_text("Description", "Account Description"),
        _external_id("Nue_Customer_Id__c", "Nue Customer Id"),
        _currency_iso("Account Currency"),
        _owner("Owner ID", ("User",)),
    ])


def _contact() -> SObjectType:
    return _object("Contact", "Contact", "Contacts", "003", [
        _text("FirstName", "First Name", 40),
        _text("LastName", "Last Name", 80, nillable=False, required=True),
        _text("Name", "Full Name", 121, createable=False, updateable=False, nillable=False, name_field=True,
              formula=_contact_name),
        _text("Email", "Email", 80, type="email"),
        _text("Phone", "Business Phone", 40, type="phone"),
        _text("Title", "Title", 128),
        _ref("AccountId", "Account ID", "Account", "Account", on_delete="cascade"),
        _external_id("Nue_Contact_Id__c", "Nue Contact Id"),
        _currency_iso("Contact Currency"),
    ])


def _product() -> SObjectType:
    return _object("Product2", "Product", "Products", "01t", [
        _text("Name", "Product Name", nillable=False, required=True, name_field=True),
        _text("ProductCode", "Product Code"),
        _text("Description", "Product Description", 4000, type="textarea", filterable=False, sortable=False),
        _boolean("IsActive", "Active"),
        _picklist("Family", "Product Family", ("Subscription", "Usage", "Services", "None")),
        _external_id("ExternalId", "External ID", unique=False),
        _currency_iso("Product Currency"),
    ])


def _pricebook() -> SObjectType:
    return _object("Pricebook2", "Price Book", "Price Books", "01s", [
        _text("Name", "Price Book Name", nillable=False, required=True, name_field=True),
        _boolean("IsActive", "Active"),
        _boolean("IsStandard", "Is Standard Price Book", createable=False, updateable=False),
        _text("Description", "Description"),
    ])


def _pricebook_entry() -> SObjectType:
    return _object("PricebookEntry", "Price Book Entry", "Price Book Entries", "01u", [
        _text("Name", "Product Name", createable=False, updateable=False, name_field=True,
              formula=_entry_product_field("Name")),
        _ref("Pricebook2Id", "Price Book ID", "Pricebook2", "Pricebook2", nillable=False, required=True,
             updateable=False, on_delete="cascade"),
        _ref("Product2Id", "Product ID", "Product2", "Product2", nillable=False, required=True,
             updateable=False, on_delete="cascade"),
        _number("UnitPrice", "List Price", "currency", nillable=False, required=True),
        _boolean("IsActive", "Active"),
        _boolean("UseStandardPrice", "Use Standard Price"),
        _text("ProductCode", "Product Code", createable=False, updateable=False,
              formula=_entry_product_field("ProductCode")),
        _currency_iso("Price Book Entry Currency", updateable=False),
    ])


def _order(statuses: Mapping[str, str]) -> SObjectType:
    default_status = next(label for label, code in statuses.items() if code == "Draft")

    def status_code(_store: Any, row: Mapping[str, Any]) -> str | None:
        return statuses.get(row.get("Status") or "")

    return _object("Order", "Order", "Orders", "801", [
        _ref("AccountId", "Account ID", "Account", "Account", required=True, on_delete="restrict"),
        _ref("Pricebook2Id", "Price Book ID", "Pricebook2", "Pricebook2", on_delete="restrict"),
        _ref("BillToContactId", "Bill To Contact ID", "Contact", "BillToContact", on_delete="restrict"),
        _ref("ShipToContactId", "Ship To Contact ID", "Contact", "ShipToContact", on_delete="restrict"),
        Field("EffectiveDate", "Order Start Date", "date", nillable=False, required=True),
        Field("EndDate", "Order End Date", "date"),
        _picklist("Status", "Status", tuple(statuses), restricted=True, nillable=False, required=True,
                  default=default_status),
        _picklist("StatusCode", "Status Category", ("Draft", "Activated"), restricted=True, createable=False,
                  updateable=False, nillable=False, formula=status_code),
        _text("Name", "Order Name", 80),
        _long_text("Description", "Description"),
        _picklist("Type", "Order Type", ("New", "Renewal", "Upgrade")),
        _text("PoNumber", "PO Number", 80),
        _text("OrderNumber", "Order Number", 30, createable=False, updateable=False, nillable=False,
              auto_number=True, id_lookup=True, name_field=True),
        _number("TotalAmount", "Order Amount", "currency", createable=False, updateable=False, nillable=False,
                formula=_order_total),
        Field("ActivatedDate", "Activated Date", "datetime", createable=False),
        _currency_iso("Order Currency"),
        _external_id("Nue_Order_Id__c", "Nue Order Id"),
        _picklist("Nue_Origin__c", "Nue Origin", ("Nue", "Salesforce")),
        _picklist("Nue_Billing_Period__c", "Nue Billing Period", ("Month", "Quarter", "Semi-Annual", "Annual")),
        _picklist("Nue_Bill_Cycle_Day__c", "Nue Bill Cycle Day", ("1st Day of Month", "15th Day of Month",
                                                                 "Last Day of Month")),
        _picklist("Nue_Billing_Timing__c", "Nue Billing Timing", ("In Advance", "In Arrears")),
        _picklist("Nue_Payment_Term__c", "Nue Payment Term",
                  ("Due Upon Receipt", "Due on Receipt", "Net 15", "Net 30", "Net 45", "Net 60")),
        _number("Nue_Discount_Percent__c", "Nue Discount Percent", "percent", precision=5, scale=2),
        _number("Nue_Discount_Amount__c", "Nue Discount Amount", "currency"),
        _text("Region__c", "Region", 80),
        _boolean("Nue_Sync_Requested__c", "Nue Sync Requested"),
        _text("Nue_Checkout_URL__c", "Nue Checkout URL", type="url"),
    ])


def _order_item() -> SObjectType:
    return _object("OrderItem", "Order Product", "Order Products", "802", [
        _ref("OrderId", "Order ID", "Order", "Order", nillable=False, required=True, updateable=False,
             on_delete="cascade"),
        _ref("PricebookEntryId", "Price Book Entry ID", "PricebookEntry", "PricebookEntry", required=True,
             updateable=False, on_delete="restrict"),
        _ref("Product2Id", "Product ID", "Product2", "Product2", updateable=False, on_delete="restrict"),
        _number("Quantity", "Quantity", nillable=False, required=True),
        _number("UnitPrice", "Unit Price", "currency", required=True),
        _number("ListPrice", "List Price", "currency", updateable=False),
        _number("TotalPrice", "Total Price", "currency", createable=False, updateable=False,
                formula=lambda _store, row: _line_total(row)),
        Field("ServiceDate", "Start Date", "date"),
        Field("EndDate", "End Date", "date"),
        _text("Description", "Line Description"),
        _text("OrderItemNumber", "Order Product Number", 30, createable=False, updateable=False, nillable=False,
              auto_number=True, id_lookup=True, name_field=True),
        _currency_iso("Currency ISO Code", createable=False, updateable=False),
        _external_id("Nue_Order_Product_Id__c", "Nue Order Product Id"),
        _number("Nue_Discount_Percent__c", "Nue Discount Percent", "percent", precision=5, scale=2),
        _number("Nue_Discount_Amount__c", "Nue Discount Amount", "currency"),
        _number("Nue_Subscription_Term__c", "Nue Subscription Term", precision=10, scale=2),
        _text("Nue_Price_Tags__c", "Nue Price Tags"),
    ])


def _task() -> SObjectType:
    return _object("Task", "Task", "Tasks", "00T", [
        _text("Subject", "Subject"),
        _picklist("Status", "Status", ("Not Started", "In Progress", "Completed", "Deferred"), restricted=True,
                  nillable=False, default="Not Started"),
        _picklist("Priority", "Priority", ("High", "Normal", "Low"), restricted=True, nillable=False,
                  default="Normal"),
        Field("ActivityDate", "Due Date Only", "date"),
        _long_text("Description", "Description"),
        _ref("WhatId", "Related To ID", ("Account", "Order", "Product2"), "What", on_delete="cascade"),
        _ref("WhoId", "Name ID", ("Contact",), "Who", on_delete="cascade"),
        _currency_iso("Activity Currency"),
        _owner("Assigned To ID", ("Group", "User")),
        _text("Nue_Cart_Id__c", "Nue Cart Id", external_id=True),
    ])


def _order_status() -> SObjectType:
    read_only = {"createable": False, "updateable": False}
    fields = [
        Field("Id", "Order Status Value ID", "id", length=18, createable=False, updateable=False, nillable=False),
        Field("CreatedDate", "Created Date", "datetime", **read_only, nillable=False),
        Field("LastModifiedDate", "Last Modified Date", "datetime", **read_only, nillable=False),
        Field("SystemModstamp", "System Modstamp", "datetime", **read_only, nillable=False),
        _text("ApiName", "API Name", **read_only, nillable=False, id_lookup=True),
        _text("MasterLabel", "Master Label", **read_only, name_field=True),
        _picklist("StatusCode", "Status Code", ("Draft", "Activated"), restricted=True, **read_only),
        _number("SortOrder", "Sort Order", "int", precision=9, scale=0, **read_only),
        _boolean("IsDefault", "Is Default", **read_only),
    ]
    return SObjectType("OrderStatus", "Order Status Value", "Order Status Values", "0Ya",
                       {f.name: f for f in fields}, createable=False, updateable=False, deletable=False)


def _organization() -> SObjectType:
    """The org itself: one read-only record whose Id is the org id every session belongs to."""
    read_only = {"createable": False, "updateable": False}
    fields = [
        Field("Id", "Organization ID", "id", length=18, createable=False, updateable=False, nillable=False),
        _text("Name", "Name", **read_only, name_field=True),
        _text("OrganizationType", "Edition", **read_only),
        _boolean("IsSandbox", "Is Sandbox", **read_only),
        _text("InstanceName", "Instance Name", **read_only),
        _text("DefaultLocaleSidKey", "Locale", **read_only),
        _text("TimeZoneSidKey", "Default Time Zone", **read_only),
        _text("NamespacePrefix", "Namespace Prefix", 15, **read_only),
        Field("TrialExpirationDate", "Trial Expiration Date", "datetime", **read_only),
        Field("CreatedDate", "Created Date", "datetime", **read_only, nillable=False),
        Field("LastModifiedDate", "Last Modified Date", "datetime", **read_only, nillable=False),
        Field("SystemModstamp", "System Modstamp", "datetime", **read_only, nillable=False),
    ]
    return SObjectType("Organization", "Organization", "Organizations", "00D", {f.name: f for f in fields},
                       createable=False, updateable=False, deletable=False)


def _user() -> SObjectType:
    """The org's users: the integration user's record is what `GET sobjects/User/{id}` and the OpenID
    Connect userinfo endpoint describe. Read-only here: the integration user has no Manage Users
    permission, so the API refuses to create, edit or delete users for it."""
    read_only = {"createable": False, "updateable": False}
    fields = [
        Field("Id", "User ID", "id", length=18, createable=False, updateable=False, nillable=False, id_lookup=True),
        _text("Username", "Username", 80, **read_only, nillable=False, id_lookup=True),
        _text("FirstName", "First Name", 40, **read_only),
        _text("LastName", "Last Name", 80, **read_only, nillable=False),
        _text("Name", "Full Name", 121, **read_only, nillable=False, name_field=True, formula=_contact_name),
        _text("Email", "Email", 128, type="email", **read_only, nillable=False),
        _text("Alias", "Alias", 8, **read_only, nillable=False),
        _text("CommunityNickname", "Nickname", 40, **read_only, nillable=False),
        _boolean("IsActive", "Active", **read_only),
        _picklist("UserType", "User Type", ("Standard",), restricted=True, **read_only),
        _text("TimeZoneSidKey", "Time Zone", 40, **read_only, nillable=False),
        _text("LocaleSidKey", "Locale", 40, **read_only, nillable=False),
        _text("LanguageLocaleKey", "Language", 40, **read_only, nillable=False),
        _text("EmailEncodingKey", "Email Encoding", 40, **read_only, nillable=False),
        Field("CreatedDate", "Created Date", "datetime", **read_only, nillable=False),
        Field("LastModifiedDate", "Last Modified Date", "datetime", **read_only, nillable=False),
        Field("SystemModstamp", "System Modstamp", "datetime", **read_only, nillable=False),
    ]
    return SObjectType("User", "User", "Users", "005", {f.name: f for f in fields},
                       createable=False, updateable=False, deletable=False)


# Child relationship names as the org reports them (parent describe `childRelationships`).
CHILD_RELATIONSHIP_NAMES: dict[tuple[str, str], str] = {
    ("Contact", "AccountId"): "Contacts",
    ("Order", "AccountId"): "Orders",
    ("Order", "Pricebook2Id"): "Orders",
    ("Order", "BillToContactId"): "BillToContactOrders",
    ("OrderItem", "OrderId"): "OrderItems",
    ("OrderItem", "PricebookEntryId"): "OrderItems",
    ("OrderItem", "Product2Id"): "OrderItems",
    ("PricebookEntry", "Pricebook2Id"): "PricebookEntries",
    ("PricebookEntry", "Product2Id"): "PricebookEntries",
    ("Task", "WhatId"): "Tasks",
    ("Task", "WhoId"): "Tasks",
}


def build_schema(order_statuses: Mapping[str, str] = DEFAULT_ORDER_STATUSES) -> Schema:
    """The org's schema; `order_statuses` is the Order Status picklist (label → StatusCode)."""
    objects = [
        _account(), _contact(), _product(), _pricebook(), _pricebook_entry(),
        _order(order_statuses), _order_item(), _task(), _order_status(), _organization(), _user(),
    ]
    return Schema(objects, CHILD_RELATIONSHIP_NAMES)
