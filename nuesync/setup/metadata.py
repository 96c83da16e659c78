"""The Metadata API documents of the setup project, written with `xml.etree.ElementTree` from data.

Each document is a tree of plain values — text, a flag, a number, a nested mapping (a child
element), or a tuple (the same element repeated once per item) — so it is well formed by
construction and any text from the config is escaped. Deploy validates each type's elements
against the Metadata API's schema *in order* ("Element … invalid at this location"): the types
written here declare theirs as `fullName` first, then alphabetically, which `in_schema_order`
applies. Flow nodes are the exception (a node's inherited `name`, `label`, `locationX/Y` come
before its own elements), so the Flow is written in its exact order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeAlias
from xml.etree import ElementTree

from nuesync.setup.fields import SOBJECTS, ExpectedField

NS = "http://soap.sforce.com/2006/04/metadata"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

Value: TypeAlias = "str | bool | int | Elements | tuple[Value, ...]"
Elements: TypeAlias = "Mapping[str, Value]"

PERMISSION_SET = "Nuesync_Integration"
BUTTON_PERMISSION_SET = "Nuesync_Sync_Button"
QUICK_ACTION = "Sync_to_Nue"
OUTBOUND_MESSAGE = "Nue_Sync_Order"
FLOW = "Nue_Sync_Order"
FLOW_ACTION = "Send_to_nuesync"
INTEGRATION_USER_PLACEHOLDER = "REPLACE_WITH_INTEGRATION_USERNAME"

READ = ("allowRead",)
READ_CREATE_EDIT = ("allowRead", "allowCreate", "allowEdit")
OBJECT_FLAGS = ("allowCreate", "allowDelete", "allowEdit", "allowRead", "modifyAllRecords", "viewAllRecords")
# What the integration user does with each object: upsert orders, lines, accounts (and contacts when
# customers are created); read the catalogue. Never delete (rule 3 in docs/design.md), never "all records".
OBJECT_ACCESS: dict[str, tuple[str, ...]] = {
    "Account": READ_CREATE_EDIT, "Contact": READ_CREATE_EDIT, "Order": READ_CREATE_EDIT,
    "OrderItem": READ_CREATE_EDIT, "Pricebook2": READ, "PricebookEntry": READ, "Product2": READ,
}
# Task has no object settings: creating tasks (the follow-up feature) is the Edit Tasks user
# permission, and reading them follows their parent record. API access is the integration's whole job.
USER_PERMISSIONS = ("ApiEnabled", "EditTask")


def document(root: str, elements: Elements) -> str:
    """A metadata file: the declaration, then `root` in the metadata namespace with `elements`, indented."""
    tree = ElementTree.Element(f"{{{NS}}}{root}")
    _append(tree, elements)
    ElementTree.indent(tree, space="    ")
    return DECLARATION + ElementTree.tostring(tree, encoding="unicode", default_namespace=NS) + "\n"


def _append(parent: ElementTree.Element, elements: Elements) -> None:
    for tag, value in elements.items():
        for item in value if isinstance(value, tuple) else (value,):
            child = ElementTree.SubElement(parent, f"{{{NS}}}{tag}")
            if isinstance(item, Mapping):
                _append(child, item)
            else:
                child.text = _text(item)


def _text(value: str | bool | int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def in_schema_order(elements: Elements) -> Elements:
    """`fullName` first, then alphabetically, at every level: the order these types' schema declares."""
    ordered = sorted(elements.items(), key=lambda item: (item[0] != "fullName", item[0]))
    return {tag: _ordered(value) for tag, value in ordered}


def _ordered(value: Value) -> Value:
    if isinstance(value, tuple):
        return tuple(_ordered(item) for item in value)
    return in_schema_order(value) if isinstance(value, Mapping) else value


# --- CustomField --------------------------------------------------------------------------------------


def _text_field(field: ExpectedField) -> Elements:
    unique = {"unique": field.unique, **({"caseSensitive": False} if field.unique else {})}
    return {"length": field.spec.length, "required": False, **unique}


def _long_text(field: ExpectedField) -> Elements:
    return {"length": field.spec.length, "visibleLines": 3}


def _decimal(field: ExpectedField) -> Elements:
    return {"precision": field.spec.precision, "scale": field.spec.scale, "required": False}


def _number(field: ExpectedField) -> Elements:
    return {**_decimal(field), "unique": False}


def _optional(_field: ExpectedField) -> Elements:
    return {"required": False}


def _checkbox(_field: ExpectedField) -> Elements:
    return {"defaultValue": "false"}


def _picklist(field: ExpectedField) -> Elements:
    values = tuple({"fullName": value, "default": False, "label": value} for value in field.spec.values)
    return {"required": False, "valueSet": {"valueSetDefinition": {"sorted": False, "value": values}}}


def _lookup(field: ExpectedField) -> Elements:
    children = SOBJECTS[field.obj].plural.replace(" ", "_")
    return {"deleteConstraint": "SetNull", "referenceTo": field.spec.reference_to, "required": False,
            "relationshipLabel": f"{children} ({field.spec.label})",
            "relationshipName": f"{field.name.removesuffix('__c')}_{children}"}


TYPE_ELEMENTS: dict[str, Callable[[ExpectedField], Elements]] = {
    "Text": _text_field, "LongTextArea": _long_text, "Number": _number, "Percent": _decimal,
    "Currency": _decimal, "Date": _optional, "Url": _optional, "Checkbox": _checkbox, "Picklist": _picklist,
    "Lookup": _lookup,
}


def custom_field(field: ExpectedField) -> str:
    """`objects/<Object>/fields/<Field>.field-meta.xml`."""
    spec = field.spec
    elements = {"fullName": field.name, "label": spec.label, "description": spec.description, "type": spec.type,
                "externalId": spec.external_id, **TYPE_ELEMENTS[spec.type](field)}
    return document("CustomField", in_schema_order(elements))


# --- PermissionSet ------------------------------------------------------------------------------------


def _field_permission(field: ExpectedField, editable: bool) -> Elements:
    return {"editable": editable, "field": field.qualified, "readable": True}


def _object_permission(sobject: str, granted: tuple[str, ...]) -> Elements:
    return {"object": sobject, **{flag: flag in granted for flag in OBJECT_FLAGS}}


def integration_permission_set(fields: list[ExpectedField]) -> str:
    """What the integration user needs: every generated field (edit where nuesync writes it) and the objects."""
    elements = {
        "label": "Nuesync Integration",
        "description": "The nuesync integration user: read and write the Nue fields of orders, order products "
                       "and accounts, read the catalogue, create follow-up tasks. Assign it to the user nuesync "
                       "logs in as.",
        "hasActivationRequired": False,
        "fieldPermissions": tuple(_field_permission(field, field.editable) for field in fields),
        "objectPermissions": tuple(_object_permission(name, granted) for name, granted in OBJECT_ACCESS.items()),
        "userPermissions": tuple({"enabled": True, "name": name} for name in USER_PERMISSIONS),
    }
    return document("PermissionSet", in_schema_order(elements))


def button_permission_set(trigger: ExpectedField, readable: list[ExpectedField]) -> str:
    """What a user pressing Sync to Nue needs: edit the checkbox the button sets, read the checkout link."""
    permissions = (_field_permission(trigger, True), *(_field_permission(field, False) for field in readable))
    elements = {
        "label": "Nuesync Sync Button",
        "description": "For users who press Sync to Nue on an Order: the button sets the Sync Order checkbox, "
                       "which needs edit access to it.",
        "hasActivationRequired": False,
        "fieldPermissions": permissions,
    }
    return document("PermissionSet", in_schema_order(elements))


# --- The Sync Order trigger: button, Outbound Message, Flow ------------------------------------------


def quick_action(trigger: str) -> str:
    """`quickActions/Order.Sync_to_Nue.quickAction-meta.xml`: an Update action that only sets the checkbox.

    The checkbox is a predefined value and not on the action's layout, so it is set on save whatever
    the user sees.
    """
    elements = {
        "label": "Sync to Nue",
        "description": "Sends this order to Nue through nuesync: sets the Sync Order checkbox, which the "
                       "Nue Sync Order flow turns into an Outbound Message to the nuesync listener.",
        "fieldOverrides": {"field": trigger, "formula": "true"},
        "optionsCreateFeedItem": False,
        "successMessage": "Sent to nuesync: the order is synced to Nue within seconds.",
        "type": "Update",
    }
    return document("QuickAction", in_schema_order(elements))


def workflow(trigger: str, endpoint_url: str, api_version: str) -> str:
    """`workflows/Order.workflow-meta.xml`: the Outbound Message (Workflow `outboundMessages`) to the listener."""
    message = {
        "fullName": OUTBOUND_MESSAGE,
        "name": "Nue Sync Order",
        "description": "The Order id and the Sync Order checkbox, to the nuesync listener, which pushes the "
                       "order to Nue. Sent by the Nue Sync Order flow.",
        "apiVersion": api_version,
        "endpointUrl": endpoint_url,
        "fields": ("Id", trigger),
        "includeSessionId": False,
        "integrationUser": INTEGRATION_USER_PLACEHOLDER,
        "protected": False,
        "useDeadLetterQueue": False,
    }
    return document("Workflow", in_schema_order({"outboundMessages": message}))


def _builder(name: str, value: str) -> Elements:
    return {"name": name, "value": {"stringValue": value}}


def flow(trigger: str, api_version: str) -> str:
    """`flows/Nue_Sync_Order.flow-meta.xml`: after an Order is saved with the checkbox newly true, send the
    Outbound Message. Written in the Flow schema's exact order (see the module docstring)."""
    elements = {
        "actionCalls": {
            "name": FLOW_ACTION, "label": "Send to nuesync", "locationX": 176, "locationY": 323,
            "actionName": f"Order.{OUTBOUND_MESSAGE}", "actionType": "outboundMessage",
            "flowTransactionModel": "CurrentTransaction",
        },
        "apiVersion": api_version,
        "description": "When an Order's Sync Order checkbox becomes true (the Sync to Nue button), send the "
                       "Nue Sync Order Outbound Message to the nuesync listener.",
        "label": "Nue Sync Order",
        "processMetadataValues": (_builder("BuilderType", "LightningFlowBuilder"),
                                  _builder("CanvasMode", "AUTO_LAYOUT_CANVAS"),
                                  _builder("OriginBuilderType", "LightningFlowBuilder")),
        "processType": "AutoLaunchedFlow",
        "start": {
            "locationX": 50, "locationY": 0,
            "connector": {"targetReference": FLOW_ACTION},
            "doesRequireRecordChangedToMeetCriteria": True,
            "filterLogic": "and",
            "filters": {"field": trigger, "operator": "EqualTo", "value": {"booleanValue": True}},
            "object": "Order",
            "recordTriggerType": "CreateAndUpdate",
            "triggerType": "RecordAfterSave",
        },
        "status": "Active",
    }
    return document("Flow", elements)
