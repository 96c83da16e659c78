"""`nuesync setup salesforce`: the generated DX project, file by file, parsed as the Metadata API reads it."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from xml.etree import ElementTree

import pytest

from nuesync.config import Settings
from nuesync.errors import ConfigError, UsageError
from nuesync.mapping import DEFAULT_SALESFORCE
from nuesync.setup.fields import SPECS
from nuesync.setup.metadata import NS
from nuesync.setup.salesforce import (
    SOURCE,
    Project,
    build_project,
    expected_fields,
    missing_field_fix,
    write_project,
)

M = {"m": NS}
FIELDS = f"{SOURCE}/objects"
WORKFLOW = f"{SOURCE}/workflows/Order.workflow-meta.xml"
FLOW = f"{SOURCE}/flows/Nue_Sync_Order.flow-meta.xml"
QUICK_ACTION = f"{SOURCE}/quickActions/Order.Sync_to_Nue.quickAction-meta.xml"
INTEGRATION = f"{SOURCE}/permissionsets/Nuesync_Integration.permissionset-meta.xml"
BUTTON = f"{SOURCE}/permissionsets/Nuesync_Sync_Button.permissionset-meta.xml"
LISTENER = "https://sync.acme.example/nuesync"

# The default mapping's custom fields as the Metadata API must receive them (elements checked by name).
LINK = {"type": "Text", "length": "255", "externalId": "true", "unique": "true", "caseSensitive": "false"}
DEFAULT_FIELDS: dict[str, dict[str, str]] = {
    "Order/Nue_Order_Id__c": LINK,
    "Order/Nue_Origin__c": {"type": "Picklist", "externalId": "false"},
    "Order/Nue_Billing_Period__c": {"type": "Picklist"},
    "Order/Nue_Bill_Cycle_Day__c": {"type": "Picklist"},
    "Order/Nue_Billing_Timing__c": {"type": "Picklist"},
    "Order/Nue_Payment_Term__c": {"type": "Picklist"},
    "Order/Nue_Discount_Percent__c": {"type": "Percent", "precision": "5", "scale": "2", "externalId": "false"},
    "Order/Nue_Discount_Amount__c": {"type": "Currency", "precision": "18", "scale": "2"},
    "Order/Nue_Sync_Requested__c": {"type": "Checkbox", "defaultValue": "false"},
    "Order/Nue_Checkout_URL__c": {"type": "Url", "externalId": "false"},
    "OrderItem/Nue_Order_Product_Id__c": LINK,
    "OrderItem/Nue_Discount_Percent__c": {"type": "Percent", "precision": "5", "scale": "2"},
    "OrderItem/Nue_Discount_Amount__c": {"type": "Currency", "precision": "18", "scale": "2"},
    "OrderItem/Nue_Subscription_Term__c": {"type": "Number", "precision": "10", "scale": "2", "unique": "false"},
    "OrderItem/Nue_Price_Tags__c": {"type": "Text", "length": "255", "unique": "false", "externalId": "false"},
    "Account/Nue_Customer_Id__c": LINK,
    "Contact/Nue_Contact_Id__c": LINK,
    # Task fields are deployed on the Activity object, which Task and Event share.
    "Activity/Nue_Cart_Id__c": {"type": "Text", "length": "255", "externalId": "true", "unique": "false"},
}


def parse(text: str) -> ElementTree.Element:
    return ElementTree.fromstring(text.encode("utf-8"))


def local(element: ElementTree.Element) -> str:
    return element.tag.removeprefix(f"{{{NS}}}")


def texts(element: ElementTree.Element) -> dict[str, str]:
    """The element's leaf children by name (the last one wins for repeated names)."""
    return {local(child): child.text or "" for child in element if len(child) == 0}


def field_file(project: Project, sobject: str, name: str) -> ElementTree.Element:
    return parse(project.files[f"{FIELDS}/{sobject}/fields/{name}.field-meta.xml"])


@pytest.fixture
def project() -> Project:
    return build_project(Settings(), LISTENER, "62.0")


@pytest.fixture
def custom_project(custom_settings: Settings) -> Project:
    return build_project(custom_settings, LISTENER, "62.0")


def test_every_metadata_file_parses_in_the_metadata_namespace(project: Project) -> None:
    xml_files = {path: text for path, text in project.files.items() if path.endswith("-meta.xml")}
    assert len(xml_files) == len(DEFAULT_FIELDS) + 5
    for path, text in xml_files.items():
        assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<'), path
        root = parse(text)
        assert root.tag.startswith(f"{{{NS}}}"), path
        assert all(element.tag.startswith(f"{{{NS}}}") for element in root.iter()), path


def test_the_project_file_names_the_package_directory_and_api_version() -> None:
    project = build_project(Settings(), None, "61.0")
    document = json.loads(project.files["sfdx-project.json"])
    assert document["packageDirectories"] == [{"path": "force-app", "default": True}]
    assert document["sourceApiVersion"] == "61.0"
    assert texts(parse(project.files[FLOW]))["apiVersion"] == "61.0"


@pytest.mark.parametrize(("where", "expected"), DEFAULT_FIELDS.items(), ids=list(DEFAULT_FIELDS))
def test_each_default_custom_field_has_its_type_size_and_keys(project: Project, where: str,
                                                             expected: dict[str, str]) -> None:
    sobject, name = where.split("/")
    elements = texts(field_file(project, sobject, name))
    assert elements["fullName"] == name
    assert elements["label"] and elements["description"]
    assert {key: elements.get(key) for key in expected} == expected


def test_the_generated_fields_are_exactly_the_default_mappings_custom_fields(project: Project) -> None:
    generated = {path.removeprefix(f"{FIELDS}/").removesuffix(".field-meta.xml").replace("/fields/", "/")
                 for path in project.files if path.startswith(FIELDS)}
    assert generated == set(DEFAULT_FIELDS)


def test_link_fields_are_unique_case_insensitive_external_ids_and_nothing_else_is(project: Project) -> None:
    """The follow-up Task's cart id is an External ID only for its index: the look-up keeps one task per cart."""
    for field in project.generated:
        elements = texts(field_file(project, field.metadata_object, field.name))
        is_link = field.key == "links.nue_id"
        assert (elements["externalId"] == "true") is (is_link or field.key == "followup.cart_field"), field.qualified
        assert (elements.get("unique") == "true") is is_link, field.qualified


def test_picklists_carry_the_values_nue_sends(project: Project) -> None:
    origin = field_file(project, "Order", "Nue_Origin__c")
    values = origin.findall("m:valueSet/m:valueSetDefinition/m:value", M)
    assert [texts(v)["fullName"] for v in values] == ["Nue", "Salesforce"]
    assert all(texts(v)["label"] == texts(v)["fullName"] and texts(v)["default"] == "false" for v in values)
    terms = field_file(project, "Order", "Nue_Payment_Term__c").findall("m:valueSet/m:valueSetDefinition/m:value", M)
    assert "Net 30" in [texts(v)["fullName"] for v in terms]


@pytest.mark.parametrize("path", [INTEGRATION, BUTTON, QUICK_ACTION, WORKFLOW,
                                  f"{FIELDS}/Order/fields/Nue_Order_Id__c.field-meta.xml",
                                  f"{FIELDS}/Order/fields/Nue_Origin__c.field-meta.xml"])
def test_elements_follow_the_schema_order_deploy_enforces(project: Project, path: str) -> None:
    """These types declare `fullName` first, then their elements alphabetically, at every level."""
    for element in parse(project.files[path]).iter():
        names = [local(child) for child in element]
        keys = [(name != "fullName", name) for name in names]
        assert keys == sorted(keys), (path, local(element), names)


def test_the_integration_permission_set_covers_every_generated_field_and_the_objects(project: Project) -> None:
    root = parse(project.files[INTEGRATION])
    granted = {texts(p)["field"]: texts(p) for p in root.findall("m:fieldPermissions", M)}
    assert set(granted) == {field.qualified for field in project.generated}
    assert all(p["readable"] == "true" for p in granted.values())
    assert granted["Order.Nue_Order_Id__c"]["editable"] == "true"
    assert granted["Order.Nue_Sync_Requested__c"]["editable"] == "true"  # the listener clears it
    assert granted["Contact.Nue_Contact_Id__c"]["editable"] == "true"  # --create-customers links contacts
    assert granted["Task.Nue_Cart_Id__c"]["editable"] == "true"  # named on Task, though deployed on Activity
    objects = {texts(p)["object"]: texts(p) for p in root.findall("m:objectPermissions", M)}
    for sobject in ("Order", "OrderItem", "Account", "Contact"):
        assert {k: objects[sobject][k] for k in ("allowRead", "allowCreate", "allowEdit", "allowDelete")} == {
            "allowRead": "true", "allowCreate": "true", "allowEdit": "true", "allowDelete": "false"}
    for sobject in ("Product2", "Pricebook2", "PricebookEntry"):
        assert objects[sobject]["allowRead"] == "true" and objects[sobject]["allowEdit"] == "false"
    assert all(p["viewAllRecords"] == "false" and p["modifyAllRecords"] == "false" for p in objects.values())
    users = {texts(p)["name"] for p in root.findall("m:userPermissions", M)}
    assert users == {"ApiEnabled", "EditTask"}  # tasks are a user permission, not object settings
    assert texts(root)["label"] == "Nuesync Integration"


def test_the_button_permission_set_lets_users_set_the_checkbox(project: Project) -> None:
    granted = {texts(p)["field"]: texts(p)["editable"] for p in parse(project.files[BUTTON]).findall(
        "m:fieldPermissions", M)}
    assert granted == {"Order.Nue_Sync_Requested__c": "true", "Order.Nue_Checkout_URL__c": "false"}


def test_the_button_is_an_update_action_that_sets_the_checkbox(project: Project) -> None:
    root = parse(project.files[QUICK_ACTION])
    assert texts(root)["type"] == "Update"
    assert texts(root.find("m:fieldOverrides", M)) == {"field": "Nue_Sync_Requested__c", "formula": "true"}


def test_the_outbound_message_sends_the_id_and_checkbox_to_the_listener(project: Project) -> None:
    message = parse(project.files[WORKFLOW]).find("m:outboundMessages", M)
    assert message is not None
    elements = texts(message)
    assert elements["fullName"] == "Nue_Sync_Order"
    assert elements["endpointUrl"] == "https://sync.acme.example/nuesync/webhooks/salesforce"
    assert [f.text for f in message.findall("m:fields", M)] == ["Id", "Nue_Sync_Requested__c"]
    assert elements["protected"] == "false" and elements["useDeadLetterQueue"] == "false"
    assert elements["integrationUser"] == "REPLACE_WITH_INTEGRATION_USERNAME"
    assert "REPLACE_WITH_INTEGRATION_USERNAME" in project.files["README.md"]


def test_the_flow_fires_after_save_when_the_checkbox_becomes_true(project: Project) -> None:
    root = parse(project.files[FLOW])
    assert texts(root)["processType"] == "AutoLaunchedFlow"
    start = root.find("m:start", M)
    assert start is not None
    assert {k: texts(start)[k] for k in ("object", "triggerType", "doesRequireRecordChangedToMeetCriteria")} == {
        "object": "Order", "triggerType": "RecordAfterSave", "doesRequireRecordChangedToMeetCriteria": "true"}
    condition = start.find("m:filters", M)
    assert condition is not None
    assert texts(condition) == {"field": "Nue_Sync_Requested__c", "operator": "EqualTo"}
    assert condition.findtext("m:value/m:booleanValue", namespaces=M) == "true"
    action = root.find("m:actionCalls", M)
    assert action is not None
    assert texts(action)["actionType"] == "outboundMessage"
    assert texts(action)["actionName"] == "Order.Nue_Sync_Order"
    assert start.findtext("m:connector/m:targetReference", namespaces=M) == texts(action)["name"]


def test_overrides_custom_fields_and_the_trigger_name_come_from_the_config(custom_project: Project) -> None:
    terms = texts(field_file(custom_project, "Order", "Payment_Terms__c"))
    assert terms["type"] == "Picklist" and terms["fullName"] == "Payment_Terms__c"
    seats = texts(field_file(custom_project, "OrderItem", "Seats_Cap__c"))
    assert {k: seats[k] for k in ("type", "precision", "scale", "label")} == {
        "type": "Number", "precision": "18", "scale": "2", "label": "Seats Cap"}
    region = texts(field_file(custom_project, "Order", "Region__c"))
    assert {k: region[k] for k in ("type", "length")} == {"type": "Text", "length": "255"}
    assert texts(field_file(custom_project, "Order", "Sync_To_Nue__c"))["type"] == "Checkbox"
    assert f"{FIELDS}/Order/fields/Nue_Payment_Term__c.field-meta.xml" not in custom_project.files
    assert texts(parse(custom_project.files[QUICK_ACTION]).find("m:fieldOverrides", M))["field"] == "Sync_To_Nue__c"
    assert "Sync_To_Nue__c" in custom_project.files[FLOW] and "Sync_To_Nue__c" in custom_project.files[WORKFLOW]
    granted = {texts(p)["field"] for p in parse(custom_project.files[INTEGRATION]).findall("m:fieldPermissions", M)}
    assert {"Order.Payment_Terms__c", "OrderItem.Seats_Cap__c", "Order.Region__c"} <= granted


def test_a_packaged_field_is_expected_but_never_generated(custom_project: Project) -> None:
    (packaged,) = custom_project.packaged
    assert packaged.qualified == "Order.Ruby__Origin__c"
    assert not any("Ruby__" in path for path in custom_project.files)
    assert "Ruby__Origin__c" not in custom_project.files[INTEGRATION]
    assert "Order.Ruby__Origin__c" in custom_project.files["README.md"]
    assert "installed package" in missing_field_fix(packaged)


def test_expected_fields_give_doctor_the_type_keys_and_a_fix(custom_settings: Settings) -> None:
    fields = {field.qualified: field for field in expected_fields(custom_settings)}
    link = fields["Order.Nue_Order_Id__c"]
    assert (link.describe_type, link.external_id, link.unique) == ("string", True, True)
    assert fields["OrderItem.Seats_Cap__c"].as_dict() == {
        "object": "OrderItem", "field": "Seats_Cap__c", "key": "custom_fields.seats_cap", "type": "Number",
        "describe_type": "double", "external_id": False, "unique": False, "editable": True, "packaged": False,
        "where": 'salesforce in the [[mapping.custom_fields]] entry "seats_cap"'}
    fix = missing_field_fix(fields["Order.Payment_Terms__c"])
    assert "nuesync setup salesforce" in fix and '"billing.payment_term" in [mapping.salesforce.order]' in fix
    assert "Name" not in {field.name for field in fields.values()}  # standard fields exist in every org


def test_every_default_mapping_key_has_a_field_spec() -> None:
    """An override may point any key at a custom field, so each needs a definition to generate."""
    assert {(obj, key) for obj, table in DEFAULT_SALESFORCE.items() for key in table} <= set(SPECS)


def test_a_standard_key_overridden_to_a_custom_lookup_is_generated_as_a_lookup() -> None:
    settings = Settings.model_validate({"mapping": {"salesforce": {"order": {"customer": "Billing_Account__c"}}}})
    elements = texts(field_file(build_project(settings, None, "62.0"), "Order", "Billing_Account__c"))
    assert {k: elements[k] for k in ("type", "referenceTo", "relationshipName", "deleteConstraint")} == {
        "type": "Lookup", "referenceTo": "Account", "relationshipName": "Billing_Account_Orders",
        "deleteConstraint": "SetNull"}


def test_one_field_named_for_two_things_is_a_config_error() -> None:
    settings = Settings.model_validate({"listen": {"trigger_field": "Nue_Origin__c"}})
    with pytest.raises(ConfigError, match=r"Order.Nue_Origin__c is named by .*origin.* and by listen.trigger_field"):
        expected_fields(settings)


def test_without_a_listen_url_the_endpoint_is_a_placeholder_that_never_resolves() -> None:
    project = build_project(Settings(), None, "62.0")
    assert project.placeholder_url
    assert project.endpoint_url == "https://nuesync-listener.invalid/webhooks/salesforce"
    assert "placeholder" in project.files["README.md"]


@pytest.mark.parametrize(("url", "version"), [("ftp://x", "62.0"), ("https://x?y=1", "62.0"), (None, "62")])
def test_bad_options_are_usage_errors(url: str | None, version: str) -> None:
    with pytest.raises(UsageError):
        build_project(Settings(), url, version)


def test_text_from_the_config_is_escaped_not_interpreted() -> None:
    project = build_project(Settings(), "https://sync.example.com/a&b<c", "62.0")
    message = parse(project.files[WORKFLOW]).find("m:outboundMessages", M)
    assert message is not None
    assert texts(message)["endpointUrl"] == "https://sync.example.com/a&b<c/webhooks/salesforce"


def test_the_readme_says_how_to_deploy_and_what_is_left_by_hand(project: Project) -> None:
    readme = project.files["README.md"]
    assert "sf project deploy start --source-dir force-app" in readme
    for step in ("Nuesync_Integration", "Outbound Message's user", "page layout", "nuesync doctor"):
        assert step in readme
    assert all(path in readme for path in project.files if "/fields/" not in path and path != "README.md")


def test_write_project_writes_every_file_owner_readable(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "sf"
    written = write_project(project, out)
    assert set(written.files) == set(project.files)
    for relative, text in project.files.items():
        path = out / relative
        assert path.read_text(encoding="utf-8") == text
        assert path.stat().st_mode & stat.S_IRUSR
    assert written.others == ()


def test_a_non_empty_directory_is_refused_without_force(project: Project, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(UsageError, match="not empty; use --force"):
        write_project(project, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_force_replaces_the_generated_files_and_reports_the_others(project: Project, tmp_path: Path) -> None:
    stale = tmp_path / FIELDS / "Order" / "fields" / "Old__c.field-meta.xml"
    stale.parent.mkdir(parents=True)
    stale.write_text("<old/>")
    (tmp_path / "sfdx-project.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("not deployed")
    (tmp_path / "force-app" / ".sf").mkdir()
    (tmp_path / "force-app" / ".sf" / "config.json").write_text("{}")
    written = write_project(project, tmp_path, force=True)
    assert json.loads((tmp_path / "sfdx-project.json").read_text())["name"] == "nuesync-salesforce-setup"
    assert written.others == (f"{FIELDS}/Order/fields/Old__c.field-meta.xml",)
    assert stale.exists()  # reported, never deleted


def test_a_file_where_the_directory_should_be_is_refused(project: Project, tmp_path: Path) -> None:
    target = tmp_path / "sf"
    target.write_text("")
    with pytest.raises(UsageError, match="not a directory"):
        write_project(project, target, force=True)


def test_an_overridden_checkout_field_is_generated_under_its_own_name() -> None:
    settings = Settings.model_validate({"mapping": {"salesforce": {"order": {"checkout_url": "Portal_Link__c"}}}})
    names = {f.qualified for f in expected_fields(settings)}
    assert "Order.Portal_Link__c" in names and "Order.Nue_Checkout_URL__c" not in names


def test_the_follow_up_tasks_cart_field_is_the_configured_one_on_activity() -> None:
    project = build_project(Settings.model_validate({"followup": {"cart_field": "Abandoned_Cart__c"}}), LISTENER,
                            "62.0")
    elements = texts(field_file(project, "Activity", "Abandoned_Cart__c"))
    assert (elements["type"], elements["externalId"]) == ("Text", "true")
    assert not [path for path in project.files if "Nue_Cart_Id__c" in path or "/Task/" in path]
    (cart,) = [field for field in project.generated if field.key == "followup.cart_field"]
    assert (cart.qualified, cart.where) == ("Task.Abandoned_Cart__c", "followup.cart_field")
