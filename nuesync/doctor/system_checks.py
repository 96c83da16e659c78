"""The checks of each system's settings and schema: the API budget, Sync Draft Orders, the activated
Order status, the mapped fields, the link fields and the fields of the listener and follow-ups in
Salesforce, and the mapped fields in Nue.
Each reads through a connection already made and returns a `Check`.
"""

from __future__ import annotations

from nuesync.config import Settings
from nuesync.doctor.checks import (
    ACTIVATED_STATUS,
    DRAFT_SYNC,
    NUE_FIELDS,
    SF_BUDGET,
    SF_FEATURE_FIELDS,
    SF_FIELDS,
    SF_LINKS,
    Check,
    Status,
    fail,
    failed_with,
    ok,
    warn,
)
from nuesync.doctor.connections import NueSide, SalesforceSide
from nuesync.doctor.feature_fields import feature_field_problems
from nuesync.doctor.salesforce_fields import (
    LINK,
    SOBJECT,
    UPSERT_KEYS,
    WRITE_FLAGS,
    Problem,
    detail_and_fix,
    field_problems,
    mapped_fields,
    missing_field,
)
from nuesync.errors import ExitCode
from nuesync.mapping import MappedObject


def budget_check(settings: Settings, side: SalesforceSide) -> Check:
    """Salesforce's daily API allowance, as `Sforce-Limit-Info` last reported it."""
    floor = settings.sync.min_api_remaining
    later = "wait for the org's rolling 24-hour allowance to recover, or ask Salesforce for a higher API limit"
    if side.spent is not None:
        return failed_with(SF_BUDGET, side.spent, later)
    usage = side.connected().api_usage()
    if usage is None:
        return warn(SF_BUDGET, "Salesforce reported no API usage (no Sforce-Limit-Info header)",
                    "check that salesforce.instance_url points at the org's API, not a proxy")
    left = f"{usage.remaining:,} of {usage.limit:,} API calls left today"
    if usage.remaining <= 0:
        return fail(SF_BUDGET, f"{left}: the org refuses further calls", later, ExitCode.NOT_RUN_NOW)
    if usage.remaining < floor:
        return warn(SF_BUDGET, f"{left}, below sync.min_api_remaining = {floor:,}: runs stop at the floor", later)
    return ok(SF_BUDGET, f"{left} (runs stop at {floor:,})")


# (nuesync.toml says draft sync, Nue says draft sync) → status, detail, fix
_TURN_ON_IN_NUE = "turn on Nue's Sync Draft Orders setting (Nue Settings → Salesforce integration)"
DRAFT_SYNC_STATES: dict[tuple[bool, bool], tuple[Status, str, str]] = {
    (True, True): (Status.OK, "Sync Draft Orders is on in Nue and sync.draft_sync = true", ""),
    (True, False): (Status.FAIL, "Nue's Sync Draft Orders setting is off: pull and push will refuse to write "
                                 "drafts", f"{_TURN_ON_IN_NUE}, or set sync.draft_sync = false"),
    (False, True): (Status.WARN, "sync.draft_sync = false in nuesync.toml: pull and push write no drafts",
                    "set sync.draft_sync = true to sync drafts"),
    (False, False): (Status.WARN, "draft sync is off in Nue and in nuesync.toml: pull and push write no drafts",
                     f"{_TURN_ON_IN_NUE} and set sync.draft_sync = true to sync drafts"),
}


def draft_sync_check(settings: Settings, side: NueSide) -> Check:
    """The Sync Draft Orders setting (rule 6 in docs/design.md), in Nue and in the config."""
    adapter = side.adapter
    if adapter is None:
        raise RuntimeError("a Nue check ran without a connection")
    status, detail, fix = DRAFT_SYNC_STATES[(settings.sync.draft_sync, adapter.draft_sync_enabled())]
    return Check(DRAFT_SYNC, status, detail, fix, ExitCode.USAGE if status is Status.FAIL else ExitCode.OK)


def activated_status_check(settings: Settings, side: SalesforceSide) -> Check:
    """`activate` sets Order.Status to this value; it must be one of the org's Activated statuses."""
    wanted = settings.sync.activated_status
    values = side.connected().fetch_activated_status_values()
    if wanted in values:
        return ok(ACTIVATED_STATUS, f"'{wanted}' is an Activated value of the org's Order Status picklist")
    listed = ", ".join(f"'{value}'" for value in values) or "none"
    return fail(ACTIVATED_STATUS,
                f"the org has no Activated Order Status '{wanted}' (sync.activated_status); it has {listed}",
                f"set sync.activated_status to one of {listed}, or add '{wanted}' to the Order Status picklist "
                "with the status category Activated")


def fields_check(settings: Settings, side: SalesforceSide, obj: MappedObject) -> Check:
    """Every mapped field of one object exists, has the canonical field's type and can be written."""
    name, sobject = SF_FIELDS[obj], SOBJECT[obj]
    fields = mapped_fields(settings.field_mapping(), obj)
    problems = field_problems(fields, side.fields(sobject))
    if problems:
        return fail(name, *detail_and_fix(problems))
    written = "and writable" if WRITE_FLAGS[obj] else "(read only)"
    return ok(name, f"{sobject}: all {len(fields)} mapped fields exist, typed {written}")


def links_check(settings: Settings, side: SalesforceSide) -> Check:
    """The fields writes are keyed by are unique External IDs: an External ID, else Salesforce refuses the
    upsert; unique, because new orders are inserted and the unique index is what refuses a second one
    after a crash (rule 4 in docs/design.md) — so a non-unique one fails the check."""
    mapping = settings.field_mapping()
    keys = [next(f for f in mapped_fields(mapping, obj) if f.label == LINK) for obj in UPSERT_KEYS]
    described = [(key, side.fields(SOBJECT[key.obj]).get(key.name.lower())) for key in keys]
    problems = [
        missing_field(key, d)
        or Problem(f"{key.qualified} ({LINK}) is not an External ID: writes keyed by it are refused",
                   f"mark {key.qualified} External ID and Unique in Setup, or set {key.where} to an External ID field")
        for key, d in described if d is None or not d.get("externalId")
    ]
    if problems:
        return fail(SF_LINKS, *detail_and_fix(problems))
    shared = [key for key, d in described if d is not None and not d.get("unique")]
    if shared:
        names = ", ".join(key.qualified for key in shared)
        return fail(SF_LINKS, f"{names}: External ID but not unique, so a rerun after a crash could create a "
                              "second record with the same Nue id",
                    f"mark {names} Unique in Setup (`nuesync setup salesforce` generates them so)")
    return ok(SF_LINKS, f"{', '.join(key.qualified for key in keys)} are unique External IDs")


def feature_fields_check(settings: Settings, side: SalesforceSide) -> Check:
    """The fields only the listener's Sync Order button and `followup` use. A problem warns rather than
    fails: a deployment without that feature runs without the field."""
    problems, checked = feature_field_problems(settings, side.fields)
    if problems:
        return warn(SF_FEATURE_FIELDS, *detail_and_fix(problems))
    return ok(SF_FEATURE_FIELDS, f"{', '.join(checked)} exist, typed and writable")


def nue_fields_check(side: NueSide) -> Check:
    """Nue's GraphQL accepted every mapped field (the drafts read selects them all)."""
    if side.refused is not None:
        return fail(NUE_FIELDS, side.refused.message,
                    "correct the Nue field names in [mapping.nue.*] and the nue names in [[mapping.custom_fields]]")
    count = len(side.drafts.orders) if side.drafts else 0
    return ok(NUE_FIELDS, f"Nue returned {count} open drafts with every mapped field")
