"""What each Salesforce field nuesync maps must be, as data: the table the DX project is generated
from and `doctor` compares an org with.

A spec belongs to a canonical field (`"links.nue_id"` on order), not to a field name: the mapping
decides the name (`Nue_Order_Id__c` by default, anything the config overrides it with), the spec
decides what that field is — type, size, External ID, picklist values, label and description.
Every key of the default mapping has a spec, so an override that points a standard field's key at
a custom field (`"name" = "Order_Title__c"`) is generated as well. The picklist values are the
emulated org's (`nuesync.sandbox.salesforce.objects`), which is built to be deployable-equivalent
to what this table generates (a test compares them).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from nuesync.mapping import CHECKOUT_URL, MappedObject

MetadataType = Literal[
    "Text", "LongTextArea", "Number", "Percent", "Currency", "Date", "Checkbox", "Picklist", "Url", "Lookup",
]

# The type `describe` reports for a field of each metadata type: what `doctor` reads from an org.
DESCRIBE_TYPE: dict[MetadataType, str] = {
    "Text": "string", "LongTextArea": "textarea", "Number": "double", "Percent": "percent",
    "Currency": "currency", "Date": "date", "Checkbox": "boolean", "Picklist": "picklist", "Url": "url",
    "Lookup": "reference",
}


@dataclass(frozen=True)
class FieldSpec:
    """What a field must be, whatever the config names it."""

    type: MetadataType
    label: str
    description: str
    length: int = 0
    precision: int = 0
    scale: int = 0
    external_id: bool = False
    unique: bool = False
    values: tuple[str, ...] = ()
    reference_to: str = ""


@dataclass(frozen=True)
class SObject:
    """A Salesforce object nuesync uses, and whether nuesync writes its records (else it only reads them).

    `metadata` is the object a custom field of it is deployed under: an activity's (a Task's) fields
    live on the shared `Activity` object in the Metadata API, while describe and field permissions
    name them on `Task`.
    """

    name: str
    plural: str
    writes: bool
    metadata: str = ""

    @property
    def metadata_name(self) -> str:
        return self.metadata or self.name


class Unmapped(StrEnum):
    """Objects nuesync writes outside the mapping: the follow-up tasks for abandoned carts."""

    TASK = "task"


SObjectKey = MappedObject | Unmapped

# nuesync upserts orders, lines and accounts, upserts contacts and writes their links (`--create-customers`),
# and creates tasks (`nuesync followup`).
SOBJECTS: dict[SObjectKey, SObject] = {
    MappedObject.ORDER: SObject("Order", "Orders", writes=True),
    MappedObject.LINE: SObject("OrderItem", "Order Products", writes=True),
    MappedObject.CUSTOMER: SObject("Account", "Accounts", writes=True),
    MappedObject.CONTACT: SObject("Contact", "Contacts", writes=True),
    Unmapped.TASK: SObject("Task", "Tasks", writes=True, metadata="Activity"),
}

ORIGIN_VALUES = ("Nue", "Salesforce")
BILLING_PERIODS = ("Month", "Quarter", "Semi-Annual", "Annual")
BILL_CYCLE_DAYS = ("1st Day of Month", "15th Day of Month", "Last Day of Month")
BILLING_TIMINGS = ("In Advance", "In Arrears")
PAYMENT_TERMS = ("Due Upon Receipt", "Due on Receipt", "Net 15", "Net 30", "Net 45", "Net 60")

# Keys outside the mapping's read tables: the Sync Order checkbox (named by `listen.trigger_field`)
# and the mapping's write-only fields (the billing-portal checkout link, `checkout_url` on order).
TRIGGER_KEY = "listen.trigger_field"
CHECKOUT_KEY = CHECKOUT_URL
CART_KEY = "followup.cart_field"  # the follow-up Task's cart id, named by `[followup] cart_field`


def _link(label: str, what: str) -> FieldSpec:
    return FieldSpec("Text", label, f"The {what} id in Nue. nuesync keys its writes by it (External ID, unique), "
                                    "so re-running a sync never creates a record twice.", length=255, external_id=True,
                     unique=True)


def _discount_percent() -> FieldSpec:
    return FieldSpec("Percent", "Nue Discount Percent", "Discount percent, kept in step with Nue by nuesync.",
                     precision=5, scale=2)


def _discount_amount() -> FieldSpec:
    return FieldSpec("Currency", "Nue Discount Amount", "Discount amount, kept in step with Nue by nuesync.",
                     precision=18, scale=2)


def _date(label: str, what: str) -> FieldSpec:
    return FieldSpec("Date", label, f"{what}, kept in step with Nue by nuesync.")


def _name(label: str) -> FieldSpec:
    return FieldSpec("Text", label, "Name, kept in step with Nue by nuesync.", length=255)


def _picklist(label: str, values: tuple[str, ...], what: str) -> FieldSpec:
    return FieldSpec("Picklist", label, f"{what}, kept in step with Nue by nuesync; the values are Nue's.",
                     values=values)


SPECS: dict[tuple[SObjectKey, str], FieldSpec] = {
    (MappedObject.ORDER, "links.nue_id"): _link("Nue Order Id", "order's"),
    (MappedObject.ORDER, "origin"): FieldSpec(
        "Picklist", "Nue Origin", "Where the order was created. Activation happens in that system first, then is "
        "mirrored (set by nuesync on both sides).", values=ORIGIN_VALUES),
    (MappedObject.ORDER, "name"): FieldSpec("Text", "Nue Order Name", "Order name, kept in step with Nue by nuesync.",
                                            length=80),
    (MappedObject.ORDER, "description"): FieldSpec(
        "LongTextArea", "Nue Order Description", "Order description, kept in step with Nue by nuesync.", length=32000),
    (MappedObject.ORDER, "effective_date"): _date("Nue Effective Date", "Order start date"),
    (MappedObject.ORDER, "currency"): FieldSpec("Text", "Nue Currency", "ISO currency code of the order, kept in step "
                                                "with Nue by nuesync.", length=3),
    (MappedObject.ORDER, "customer"): FieldSpec("Lookup", "Nue Customer", "The order's customer, kept in step with "
                                                "Nue by nuesync.", reference_to="Account"),
    (MappedObject.ORDER, "bill_to_contact"): FieldSpec("Lookup", "Nue Bill To Contact", "The order's bill-to contact, "
                                                       "kept in step with Nue by nuesync.", reference_to="Contact"),
    (MappedObject.ORDER, "billing.billing_period"): _picklist("Nue Billing Period", BILLING_PERIODS, "Billing period"),
    (MappedObject.ORDER, "billing.bill_cycle_day"): _picklist("Nue Bill Cycle Day", BILL_CYCLE_DAYS, "Bill cycle day"),
    (MappedObject.ORDER, "billing.billing_timing"): _picklist("Nue Billing Timing", BILLING_TIMINGS, "Billing timing"),
    (MappedObject.ORDER, "billing.payment_term"): _picklist("Nue Payment Term", PAYMENT_TERMS, "Payment term"),
    (MappedObject.ORDER, "discount.percent"): _discount_percent(),
    (MappedObject.ORDER, "discount.amount"): _discount_amount(),
    (MappedObject.ORDER, TRIGGER_KEY): FieldSpec(
        "Checkbox", "Nue Sync Requested", "Set by the Sync to Nue button: a Flow then sends the order to nuesync, "
        "which pushes it to Nue and clears the box so the button can be pressed again."),
    (MappedObject.ORDER, CHECKOUT_KEY): FieldSpec(
        "Url", "Nue Checkout URL", "The Nue billing-portal link where the customer checks this order out "
        "(written by nuesync)."),
    (MappedObject.LINE, "links.nue_id"): _link("Nue Order Product Id", "order product's"),
    (MappedObject.LINE, "quantity"): FieldSpec("Number", "Nue Quantity", "Quantity, kept in step with Nue by nuesync.",
                                               precision=18, scale=2),
    (MappedObject.LINE, "unit_price"): FieldSpec("Currency", "Nue Unit Price", "Unit price, kept in step with Nue by "
                                                 "nuesync.", precision=18, scale=2),
    (MappedObject.LINE, "discount.percent"): _discount_percent(),
    (MappedObject.LINE, "discount.amount"): _discount_amount(),
    (MappedObject.LINE, "subscription_start"): _date("Nue Subscription Start", "Subscription start date"),
    (MappedObject.LINE, "subscription_end"): _date("Nue Subscription End", "Subscription end date"),
    (MappedObject.LINE, "subscription_term"): FieldSpec(
        "Number", "Nue Subscription Term", "Subscription term, kept in step with Nue by nuesync.",
        precision=10, scale=2),
    (MappedObject.LINE, "price_tags"): FieldSpec("Text", "Nue Price Tags", "Nue price tags of the line, kept in step "
                                                 "with Nue by nuesync.", length=255),
    (MappedObject.CUSTOMER, "links.nue_id"): _link("Nue Customer Id", "customer's"),
    (MappedObject.CUSTOMER, "name"): _name("Nue Customer Name"),
    (MappedObject.CONTACT, "links.nue_id"): _link("Nue Contact Id", "contact's"),
    (MappedObject.CONTACT, "name"): _name("Nue Contact Name"),
    # An External ID for the index (`nuesync followup` looks tasks up by it before creating one), not
    # unique: the look-up, not the field, keeps a cart to one task, and a rep may copy a task.
    (Unmapped.TASK, CART_KEY): FieldSpec(
        "Text", "Nue Cart Id", "The abandoned Nue cart (order id) this follow-up task is for: nuesync creates at "
        "most one task per cart.", length=255, external_id=True),
}

# `[[mapping.custom_fields]]` types: what a custom field of each type is created as.
CUSTOM_TYPE_SPECS: dict[str, FieldSpec] = {
    "string": FieldSpec("Text", "", "", length=255),
    "number": FieldSpec("Number", "", "", precision=18, scale=2),
    "date": FieldSpec("Date", "", ""),
    "boolean": FieldSpec("Checkbox", "", ""),
}  # labelled and described per entry by `custom_field_spec`
LABEL_MAX = 40  # Salesforce's limit on a field label


@dataclass(frozen=True)
class ExpectedField:
    """One Salesforce field nuesync needs: where it lives, what it must be, and where the config names it.

    `packaged` fields carry another namespace's prefix (`Ruby__Origin__c`): an installed package
    provides them, so they are expected but never generated.
    """

    obj: SObjectKey
    key: str  # the canonical field (`links.nue_id`), a config key (`followup.cart_field`), `custom_fields.<name>`
    name: str
    spec: FieldSpec
    where: str

    @property
    def sobject(self) -> str:
        return SOBJECTS[self.obj].name

    @property
    def metadata_object(self) -> str:
        """The object whose `fields/` folder the field is deployed from (`Activity` for a Task's)."""
        return SOBJECTS[self.obj].metadata_name

    @property
    def qualified(self) -> str:
        return f"{self.sobject}.{self.name}"

    @property
    def type(self) -> MetadataType:
        return self.spec.type

    @property
    def describe_type(self) -> str:
        return DESCRIBE_TYPE[self.spec.type]

    @property
    def external_id(self) -> bool:
        return self.spec.external_id

    @property
    def unique(self) -> bool:
        """Every External ID nuesync keys writes by must also be unique (rule 4 in docs/design.md)."""
        return self.spec.unique

    @property
    def editable(self) -> bool:
        return SOBJECTS[self.obj].writes

    @property
    def packaged(self) -> bool:
        return "__" in self.name.removesuffix("__c")

    def as_dict(self) -> dict[str, object]:
        """The field as `--json` shows it and `doctor` reads it."""
        return {"object": self.sobject, "field": self.name, "key": self.key, "type": self.type,
                "describe_type": self.describe_type, "external_id": self.external_id, "unique": self.unique,
                "editable": self.editable, "packaged": self.packaged, "where": self.where}


def is_custom(name: str) -> bool:
    """Only custom fields are created; a standard field (`Name`, `AccountId`) already exists in every org."""
    return name.endswith("__c")


def custom_field_spec(name: str, kind: str) -> FieldSpec:
    """The spec of a `[[mapping.custom_fields]]` entry: its type's, labelled after its canonical name."""
    label = name.replace("_", " ").strip().title()[:LABEL_MAX]
    description = f"The Nue custom field '{name}', kept in step with Nue by nuesync ([[mapping.custom_fields]])."
    return replace(CUSTOM_TYPE_SPECS[kind], label=label, description=description)
