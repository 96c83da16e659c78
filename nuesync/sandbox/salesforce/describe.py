"""`describe` and global describe, generated from the schema so they never drift from the rules."""

from __future__ import annotations

from typing import Any

from nuesync.sandbox.salesforce.schema import Field, Schema, SObjectType

_SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "string": "xsd:string", "textarea": "xsd:string",
    "picklist": "xsd:string", "email": "xsd:string", "phone": "xsd:string", "url": "xsd:string", "date": "xsd:date",
    "datetime": "xsd:dateTime", "double": "xsd:double", "currency": "xsd:double", "percent": "xsd:double",
    "int": "xsd:int", "boolean": "xsd:boolean",
}
_UNGROUPABLE = frozenset({"textarea", "double", "currency", "percent", "datetime"})


def _urls(version: str, name: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def object_summary(otype: SObjectType, version: str) -> dict[str, Any]:
    return {
        "activateable": False, "createable": otype.createable, "custom": False, "customSetting": False,
        "deletable": otype.deletable, "deprecatedAndHidden": False, "feedEnabled": False,
        "keyPrefix": otype.key_prefix, "label": otype.label, "labelPlural": otype.label_plural, "layoutable": True,
        "mergeable": False, "mruEnabled": True, "name": otype.name, "queryable": True, "replicateable": True,
        "retrieveable": True, "searchable": otype.createable, "triggerable": otype.createable,
        "undeletable": otype.deletable, "updateable": otype.updateable, "urls": _urls(version, otype.name),
    }


def global_describe(schema: Schema, version: str) -> dict[str, Any]:
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [object_summary(o, version) for o in schema.objects.values()],
    }


def describe_object(otype: SObjectType, version: str) -> dict[str, Any]:
    summary = object_summary(otype, version)
    return {
        **summary,
        "childRelationships": [
            {
                "cascadeDelete": relation.on_delete == "cascade",
                "childSObject": relation.child,
                "deprecatedAndHidden": False,
                "field": relation.field,
                "relationshipName": relation.name,
                "restrictedDelete": relation.on_delete == "restrict",
            }
            for relation in otype.child_relationships
        ],
        "fields": [describe_field(f) for f in otype.fields.values()],
        "recordTypeInfos": [],
        "supportedScopes": [{"label": "All", "name": "everything"}],
    }


def describe_field(f: Field) -> dict[str, Any]:
    calculated = f.formula is not None
    return {
        "aggregatable": f.type not in ("textarea",),
        "autoNumber": f.auto_number,
        "byteLength": f.length * 3 if f.length else 0,
        "calculated": calculated,
        "cascadeDelete": f.on_delete == "cascade" and f.type == "reference",
        "caseSensitive": f.case_sensitive,
        "createable": f.createable,
        "custom": f.custom,
        "defaultValue": f.default if isinstance(f.default, str | bool) else None,
        "defaultedOnCreate": f.defaulted_on_create,
        "dependentPicklist": False,
        "digits": f.precision if f.type == "int" else 0,
        "externalId": f.external_id,
        "filterable": f.filterable,
        "groupable": f.type not in _UNGROUPABLE,
        "idLookup": f.id_lookup,
        "label": f.label,
        "length": f.length if f.type not in ("date", "datetime", "boolean", "double", "currency", "percent",
                                             "int") else 0,
        "name": f.name,
        "nameField": f.name_field,
        "nillable": f.nillable,
        "picklistValues": [
            {"active": True, "defaultValue": value == f.default, "label": value, "validFor": None, "value": value}
            for value in f.picklist
        ],
        "polymorphicForeignKey": f.polymorphic,
        "precision": f.precision if f.type in ("double", "currency", "percent") else 0,
        "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name,
        "restrictedDelete": f.on_delete == "restrict" and f.type == "reference",
        "restrictedPicklist": f.restricted,
        "scale": f.scale if f.type in ("double", "currency", "percent") else 0,
        "soapType": _SOAP_TYPES[f.type],
        "sortable": f.sortable,
        "type": f.type,
        "unique": f.unique,
        "updateable": f.updateable,
    }
