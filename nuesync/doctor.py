"""`nuesync doctor`: is this deployment ready to sync? One small function per check, each returning a `Check`.

The person reading the report is fixing a deployment, so every problem found is a *result* — a
failed check naming the field, variable or setting and how to fix it — never an exception. A
check that cannot run because an earlier one failed (an API unreachable, the budget spent) is
reported as `skip` rather than piling a second, misleading error onto the first. Doctor only
reads: it describes objects and reads drafts, never writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from nuesync.adapters.base import FetchResult
from nuesync.adapters.nue import NueAdapter
from nuesync.adapters.nue_http import NueGraphQLError
from nuesync.adapters.retry import RetryPolicy
from nuesync.adapters.salesforce import SalesforceAdapter
from nuesync.config import LoadedConfig, Settings
from nuesync.errors import ApiBudgetExhaustedError, ApiUnavailableError, ConfigError, ExitCode, NuesyncError
from nuesync.mapping import FieldMapping, MappedObject
from nuesync.model import Customer, DraftOrder, System

Progress = Callable[[str], None]
SF = System.SALESFORCE
DOCTOR_RETRIES = 2  # a health check reports a struggling API quickly instead of backing off for minutes


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Check:
    """One line of the report; `exit_code` is what a failure of this check means (DESIGN §7)."""

    name: str
    status: Status
    detail: str
    fix: str = ""
    exit_code: ExitCode = ExitCode.OK

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status.value, "detail": self.detail, "fix": self.fix}


def ok(name: str, detail: str) -> Check:
    return Check(name, Status.OK, detail)


def warn(name: str, detail: str, fix: str) -> Check:
    return Check(name, Status.WARN, detail, fix)


def fail(name: str, detail: str, fix: str, code: ExitCode = ExitCode.USAGE) -> Check:
    return Check(name, Status.FAIL, detail, fix, code)


def failed_with(name: str, error: NuesyncError, fix: str = "") -> Check:
    """A check that an expected error stopped: the error's message, and the exit code it carries."""
    return fail(name, error.message, fix, error.exit_code)


# The check names, in report order.
CONFIG, NUE_API, SF_API, SF_BUDGET = "config", "nue.api", "salesforce.api", "salesforce.api_budget"
DRAFT_SYNC, ACTIVATED_STATUS = "nue.draft_sync", "salesforce.activated_status"
SF_FIELDS: dict[MappedObject, str] = {obj: f"salesforce.fields.{obj.value}" for obj in MappedObject}
SF_LINKS, NUE_FIELDS, CUSTOMERS = "salesforce.links", "nue.fields", "customers.linked"
CHECK_NAMES = (CONFIG, NUE_API, SF_API, SF_BUDGET, DRAFT_SYNC, ACTIVATED_STATUS, *SF_FIELDS.values(), SF_LINKS,
               NUE_FIELDS, CUSTOMERS)

# A run exits with the most specific failure's code; any other failed check means "fix the setup" (2).
EXIT_PRECEDENCE = (ExitCode.API_UNAVAILABLE, ExitCode.NOT_RUN_NOW)


def exit_code(checks: Iterable[Check]) -> ExitCode:
    """0 when nothing failed (warnings included), else 7 (API) > 6 (budget spent) > 2 (anything else)."""
    codes = {check.exit_code for check in checks if check.status is Status.FAIL}
    if not codes:
        return ExitCode.OK
    return next((code for code in EXIT_PRECEDENCE if code in codes), ExitCode.USAGE)


# --- what the Salesforce mapping must point at ------------------------------------------------


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "a number"
    DATE = "a date"
    BOOLEAN = "a checkbox"
    REFERENCE = "a lookup"


SALESFORCE_TYPES: dict[Kind, frozenset[str]] = {
    Kind.TEXT: frozenset({"string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone", "url",
                          "encryptedstring"}),
    Kind.NUMBER: frozenset({"double", "currency", "percent", "int", "long"}),
    Kind.DATE: frozenset({"date"}),
    Kind.BOOLEAN: frozenset({"boolean"}),
    Kind.REFERENCE: frozenset({"reference"}),
}
_T, _N, _D = Kind.TEXT, Kind.NUMBER, Kind.DATE
EXPECTED_KIND: dict[MappedObject, dict[str, Kind]] = {
    MappedObject.ORDER: {
        "links.nue_id": _T, "origin": _T, "name": _T, "description": _T, "effective_date": _D, "currency": _T,
        "customer": Kind.REFERENCE, "bill_to_contact": Kind.REFERENCE, "billing.billing_period": _T,
        "billing.bill_cycle_day": _T, "billing.billing_timing": _T, "billing.payment_term": _T,
        "discount.percent": _N, "discount.amount": _N,
    },
    MappedObject.LINE: {
        "links.nue_id": _T, "quantity": _N, "unit_price": _N, "discount.percent": _N, "discount.amount": _N,
        "subscription_start": _D, "subscription_end": _D, "subscription_term": _N, "price_tags": _T,
    },
    MappedObject.CUSTOMER: {"links.nue_id": _T, "name": _T},
    MappedObject.CONTACT: {"links.nue_id": _T, "name": _T},
}
CUSTOM_KIND: dict[str, Kind] = {"string": Kind.TEXT, "number": Kind.NUMBER, "date": Kind.DATE,
                                "boolean": Kind.BOOLEAN}
REFERENCE_TARGET: dict[tuple[MappedObject, str], str] = {
    (MappedObject.ORDER, "customer"): "Account",
    (MappedObject.ORDER, "bill_to_contact"): "Contact",
}
SOBJECT: dict[MappedObject, str] = {
    MappedObject.ORDER: "Order", MappedObject.LINE: "OrderItem",
    MappedObject.CUSTOMER: "Account", MappedObject.CONTACT: "Contact",
}
# nuesync upserts orders, lines and accounts (create and update) but only reads contacts.
WRITE_FLAGS: dict[MappedObject, tuple[str, ...]] = {
    MappedObject.ORDER: ("createable", "updateable"),
    MappedObject.LINE: ("createable", "updateable"),
    MappedObject.CUSTOMER: ("createable", "updateable"),
    MappedObject.CONTACT: (),
}
FLAG_WORDS = {"createable": "set on create", "updateable": "updated"}
# The link fields Salesforce upserts are keyed by (DESIGN §2 rule 4): they must be External IDs.
UPSERT_KEYS = (MappedObject.ORDER, MappedObject.LINE, MappedObject.CUSTOMER)
LINK = "links.nue_id"


@dataclass(frozen=True)
class MappedField:
    """One Salesforce field the config maps, with what it must be and where the config names it."""

    obj: MappedObject
    label: str  # the canonical path, or custom_fields.<name>
    name: str
    kind: Kind | None
    where: str

    @property
    def qualified(self) -> str:
        return f"{SOBJECT[self.obj]}.{self.name}"


def mapped_fields(mapping: FieldMapping, obj: MappedObject) -> list[MappedField]:
    expected = EXPECTED_KIND[obj]
    fields = [
        MappedField(obj, path, name, expected.get(path), f'"{path}" in [mapping.salesforce.{obj.value}]')
        for path, name in mapping.table(SF, obj).items()
    ]
    if obj in (MappedObject.ORDER, MappedObject.LINE):
        fields += [
            MappedField(obj, f"custom_fields.{c.name}", c.salesforce, CUSTOM_KIND[c.type],
                        f'salesforce in the [[mapping.custom_fields]] entry "{c.name}"')
            for c in mapping.custom(obj.value)
        ]
    return fields


@dataclass(frozen=True)
class Problem:
    detail: str
    fix: str


Described = Mapping[str, Any] | None
FieldRule = Callable[[MappedField, Described], Problem | None]


def _missing(f: MappedField, described: Described) -> Problem | None:
    if described is not None:
        return None
    return Problem(f"{f.qualified} ({f.label}) does not exist",
                   f"create {f.name} on {SOBJECT[f.obj]} in Salesforce, or set {f.where} to an existing field")


def _wrong_type(f: MappedField, described: Described) -> Problem | None:
    kind = described and described.get("type")
    if f.kind is None or kind in SALESFORCE_TYPES[f.kind]:
        return None
    return Problem(f"{f.qualified} ({f.label}) is {kind}, expected {f.kind.value}",
                   f"set {f.where} to a field of {f.kind.value} type")


def _wrong_target(f: MappedField, described: Described) -> Problem | None:
    target = REFERENCE_TARGET.get((f.obj, f.label))
    refers_to = list((described or {}).get("referenceTo") or [])
    if target is None or target in refers_to:
        return None
    return Problem(f"{f.qualified} ({f.label}) looks up {', '.join(refers_to) or 'nothing'}, expected {target}",
                   f"set {f.where} to a lookup to {target}")


def _read_only(f: MappedField, described: Described) -> Problem | None:
    refused = [FLAG_WORDS[flag] for flag in WRITE_FLAGS[f.obj] if not (described or {}).get(flag)]
    if not refused:
        return None
    return Problem(f"{f.qualified} ({f.label}) cannot be {' or '.join(refused)} by this user",
                   f"give the integration user edit access to {f.qualified} (field-level security), "
                   f"or set {f.where} to a writable field")


# Applied in order; a field's first problem is the one reported.
FIELD_RULES: tuple[FieldRule, ...] = (_missing, _wrong_type, _wrong_target, _read_only)


def field_problems(fields: Iterable[MappedField], described: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """Each mapped field's first problem against the describe (field names compared case-insensitively)."""
    found = ((f, described.get(f.name.lower())) for f in fields)
    return [problem for f, d in found if (problem := next((p for rule in FIELD_RULES if (p := rule(f, d))), None))]


def _joined(problems: Sequence[Problem]) -> tuple[str, str]:
    return "; ".join(p.detail for p in problems), "; ".join(dict.fromkeys(p.fix for p in problems))


# --- the two connections --------------------------------------------------------------------


@dataclass
class NueSide:
    """Nue as the first request found it: the open adapter, its open drafts, or why the read was refused."""

    adapter: NueAdapter | None = None
    drafts: FetchResult | None = None
    refused: NueGraphQLError | None = None


@dataclass
class SalesforceSide:
    """Salesforce as the first request found it, and each object's describe (fetched once).

    `described` maps an sObject to its fields by lower-cased name (Salesforce names are case-insensitive).
    """

    adapter: SalesforceAdapter | None = None
    spent: ApiBudgetExhaustedError | None = None
    described: dict[str, dict[str, Mapping[str, Any]]] = field(default_factory=dict)

    def connected(self) -> SalesforceAdapter:
        if self.adapter is None:
            raise RuntimeError("a Salesforce check ran without a connection")
        return self.adapter

    def fields(self, sobject: str) -> dict[str, Mapping[str, Any]]:
        if sobject not in self.described:
            answer = self.connected().describe(sobject)
            self.described[sobject] = {f["name"].lower(): f for f in answer.get("fields") or []}
        return self.described[sobject]


def _retry(max_retries: int) -> RetryPolicy:
    return RetryPolicy(max_retries=min(max_retries, DOCTOR_RETRIES))


def connect_nue(settings: Settings, environ: Mapping[str, str], stack: ExitStack) -> tuple[Check, NueSide]:
    """Reach Nue with one real read (its open drafts, every mapped field selected)."""
    nue = settings.nue
    fix = f"check nue.base_url and the API key in ${nue.api_key_env} (named by nue.api_key_env)"
    try:
        adapter = stack.enter_context(NueAdapter(settings, environ=environ, retry=_retry(nue.max_retries)))
    except ConfigError as exc:
        return failed_with(NUE_API, exc, fix), NueSide()
    try:
        drafts = adapter.fetch_orders()
    except NueGraphQLError as exc:  # Nue accepted the key but not the mapped fields: see nue.fields
        return ok(NUE_API, f"reached {nue.base_url}; API key accepted"), NueSide(adapter, refused=exc)
    except ApiUnavailableError as exc:
        return failed_with(NUE_API, exc, fix), NueSide()
    detail = f"reached {nue.base_url}; API key accepted; {len(drafts.orders)} open drafts"
    return ok(NUE_API, detail), NueSide(adapter, drafts)


def connect_salesforce(settings: Settings, environ: Mapping[str, str],
                       stack: ExitStack) -> tuple[Check, SalesforceSide]:
    """Log in (when the auth method does) and describe Order: the first call proves the session."""
    sf = settings.salesforce
    variables = ", ".join(f"${getattr(sf, key)}" for key in sf.secret_keys())
    fix = f"check salesforce.instance_url / salesforce.domain and the credentials in {variables}"
    try:
        adapter = SalesforceAdapter(settings, environ=environ, retry=_retry(sf.max_retries))
    except NuesyncError as exc:
        return failed_with(SF_API, exc, fix), SalesforceSide()
    stack.callback(adapter.close)
    side = SalesforceSide(adapter)
    try:
        side.fields(SOBJECT[MappedObject.ORDER])
    except ApiBudgetExhaustedError as exc:
        side.spent = exc
    except ApiUnavailableError as exc:
        return failed_with(SF_API, exc, fix), SalesforceSide()
    except NuesyncError:
        pass  # Salesforce answered; the Order fields check reports what it said
    return ok(SF_API, f"reached {adapter.connection.origin}; {sf.auth.value} credentials accepted"), side


# --- the checks -------------------------------------------------------------------------------


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
    """The Sync Draft Orders setting (DESIGN §2 rule 6), in Nue and in the config."""
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
        return fail(name, *_joined(problems))
    written = "and writable" if WRITE_FLAGS[obj] else "(read only)"
    return ok(name, f"{sobject}: all {len(fields)} mapped fields exist, typed {written}")


def links_check(settings: Settings, side: SalesforceSide) -> Check:
    """The fields upserts are keyed by are External IDs (else Salesforce refuses the write), ideally unique."""
    mapping = settings.field_mapping()
    keys = [next(f for f in mapped_fields(mapping, obj) if f.label == LINK) for obj in UPSERT_KEYS]
    described = [(key, side.fields(SOBJECT[key.obj]).get(key.name.lower())) for key in keys]
    problems = [
        _missing(key, d) or Problem(f"{key.qualified} ({LINK}) is not an External ID: writes keyed by it are refused",
                                    f"mark {key.qualified} External ID and Unique in Setup, or set {key.where} to "
                                    "an External ID field")
        for key, d in described if d is None or not d.get("externalId")
    ]
    if problems:
        return fail(SF_LINKS, *_joined(problems))
    shared = [key for key, d in described if d is not None and not d.get("unique")]
    if shared:
        names = ", ".join(key.qualified for key in shared)
        return warn(SF_LINKS, f"{names}: External ID but not unique, so two records could carry the same Nue id",
                    f"mark {names} Unique in Setup")
    return ok(SF_LINKS, f"{', '.join(key.qualified for key in keys)} are unique External IDs")


def nue_fields_check(side: NueSide) -> Check:
    """Nue's GraphQL accepted every mapped field (the drafts read selects them all)."""
    if side.refused is not None:
        return fail(NUE_FIELDS, side.refused.message,
                    "correct the Nue field names in [mapping.nue.*] and the nue names in [[mapping.custom_fields]]")
    count = len(side.drafts.orders) if side.drafts else 0
    return ok(NUE_FIELDS, f"Nue returned {count} open drafts with every mapped field")


# --- customers of open drafts ------------------------------------------------------------------

SHOWN_CUSTOMERS = 5


def _link_state(other: System, claimed: str | None, back: str | None, own: str | None) -> str | None:
    """Why a customer is not linked both ways, or None when it is."""
    if not claimed:
        return f"not linked to {other.label}"
    if back is None:
        return f"{other.label} does not link back"
    return None if back == own else f"{other.label} links elsewhere"


def unlinked_customers(nue_orders: Sequence[DraftOrder], sf_orders: Sequence[DraftOrder],
                       nue_customers: Mapping[str, Customer],
                       accounts: Mapping[str, Customer]) -> Counter[tuple[str, str, str]]:
    """(system, customer, reason) → open drafts, for every draft customer not linked on both sides."""
    found: Counter[tuple[str, str, str]] = Counter()
    for system, orders in ((System.NUE, nue_orders), (System.SALESFORCE, sf_orders)):
        others = accounts if system is System.NUE else nue_customers
        for order in orders:
            links = order.customer.links
            claimed = links.id_in(system.other)
            partner = others.get(claimed or "")
            back = partner.links.id_in(system) if partner else None
            reason = _link_state(system.other, claimed, back, links.id_in(system))
            if reason:
                who = order.customer.name or links.id_in(system) or "(unnamed)"
                found[(system.label, who, reason)] += 1
    return found


def customers_check(nue: NueSide, salesforce: SalesforceSide) -> Check:
    """Customers first (DESIGN §2 rule 7): a draft whose customer is not linked both ways is not written."""
    if nue.adapter is None or nue.drafts is None:
        raise RuntimeError("the customers check ran without Nue's drafts")
    sf = salesforce.connected()
    nue_orders, sf_orders = nue.drafts.orders, sf.fetch_orders().orders
    claimed_accounts = sorted({i for o in nue_orders if (i := o.customer.links.salesforce_id)})
    claimed_nue = sorted({i for o in sf_orders if (i := o.customer.links.nue_id)})
    accounts = {c.links.salesforce_id or "": c for c in sf.fetch_customers(claimed_accounts)}
    nue_customers = {c.links.nue_id or "": c for c in nue.adapter.fetch_customers(claimed_nue)}
    unlinked = unlinked_customers(nue_orders, sf_orders, nue_customers, accounts)
    total = len(nue_orders) + len(sf_orders)
    if not unlinked:
        return ok(CUSTOMERS, f"the customers of all {total} open drafts are linked on both sides")
    shown = [f"{who} ({system} customer, {reason}, {n} draft{'s' if n > 1 else ''})"
             for (system, who, reason), n in unlinked.most_common(SHOWN_CUSTOMERS)]
    more = len(unlinked) - len(shown)
    listed = "; ".join(shown) + (f"; and {more} more customers" if more > 0 else "")
    drafts = sum(unlinked.values())
    return warn(CUSTOMERS,
                f"open drafts whose customer is not linked on both sides: {drafts} of {total}: {listed}",
                "link each customer (the Nue customer's Salesforce id and the Account's Nue id), or let pull/push "
                "create them: `sync.create_missing_customers = true` (or --create-customers)")


# --- running them ------------------------------------------------------------------------------


class Report:
    """The checks so far; a check runs only when the checks it needs did not fail or skip."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def add(self, check: Check) -> None:
        self.checks.append(check)

    def after(self, name: str, needs: Sequence[str], run: Callable[[], Check]) -> None:
        status = {check.name: check.status for check in self.checks}
        blocked = [need for need in needs if status.get(need) in (Status.FAIL, Status.SKIP)]
        if blocked:
            self.add(Check(name, Status.SKIP, f"not checked: {', '.join(blocked)} did not pass"))
            return
        try:
            self.add(run())
        except NuesyncError as exc:
            self.add(failed_with(name, exc))


def run_checks(settings: Settings, environ: Mapping[str, str], progress: Progress | None = None) -> list[Check]:
    """Every check after `config`, in report order; expected problems are results, never raised."""
    say = progress or (lambda _message: None)
    report = Report()
    with ExitStack() as stack:
        say("reaching Nue")
        nue_api, nue = connect_nue(settings, environ, stack)
        say("reaching Salesforce")
        sf_api, sf = connect_salesforce(settings, environ, stack)
        report.add(nue_api)
        report.add(sf_api)
        report.after(SF_BUDGET, [SF_API], lambda: budget_check(settings, sf))
        say("checking the org's settings and fields")
        report.after(DRAFT_SYNC, [NUE_API], lambda: draft_sync_check(settings, nue))
        on_salesforce = [SF_API, SF_BUDGET]
        report.after(ACTIVATED_STATUS, on_salesforce, lambda: activated_status_check(settings, sf))
        for obj, name in SF_FIELDS.items():
            report.after(name, on_salesforce, lambda obj=obj: fields_check(settings, sf, obj))
        report.after(SF_LINKS, on_salesforce, lambda: links_check(settings, sf))
        report.after(NUE_FIELDS, [NUE_API], lambda: nue_fields_check(nue))
        say("reading open drafts' customers")
        report.after(CUSTOMERS, [NUE_FIELDS, *on_salesforce, *SF_FIELDS.values()], lambda: customers_check(nue, sf))
    return report.checks


def diagnose(load: Callable[[], LoadedConfig], environ: Mapping[str, str],
             progress: Progress | None = None) -> list[Check]:
    """The whole report: the config first; nothing else can be checked without it."""
    try:
        loaded = load()
    except ConfigError as exc:
        config = failed_with(CONFIG, exc, "correct the file, or create one with `nuesync init`; `nuesync config check` "
                             "shows every resolved setting")
        return [config, *(Check(name, Status.SKIP, f"not checked: {CONFIG} did not pass") for name in CHECK_NAMES[1:])]
    return [ok(CONFIG, f"{loaded.path} is valid"), *run_checks(loaded.settings, environ, progress)]
