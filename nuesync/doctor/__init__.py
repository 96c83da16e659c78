"""`nuesync doctor`: is this deployment ready to sync? One small function per check, each returning a `Check`.

The person reading the report is fixing a deployment, so every problem found is a *result* — a
failed check naming the field, variable or setting and how to fix it — never an exception. A
check that cannot run because an earlier one failed (an API unreachable, the budget spent) is
reported as `skip` rather than piling a second, misleading error onto the first. Doctor only
reads: it describes objects and reads drafts, never writes.

`run_checks` and `diagnose` put the report together; the parts live by concern: `checks` (the
check model, exit code and skip rule), `connections` (reaching each system once),
`system_checks` (each system's settings and schema), `salesforce_fields` (the pure field rules
and type table) and `customers` (draft customers linked both ways).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack

from nuesync.config import LoadedConfig, Settings
from nuesync.doctor.checks import (
    ACTIVATED_STATUS,
    CHECK_NAMES,
    CONFIG,
    CUSTOMERS,
    DRAFT_SYNC,
    NUE_API,
    NUE_FIELDS,
    SF_API,
    SF_BUDGET,
    SF_FEATURE_FIELDS,
    SF_FIELDS,
    SF_LINKS,
    Check,
    Report,
    Status,
    exit_code,
    failed_with,
    ok,
)
from nuesync.doctor.connections import connect_nue, connect_salesforce
from nuesync.doctor.customers import customers_check
from nuesync.doctor.system_checks import (
    activated_status_check,
    budget_check,
    draft_sync_check,
    feature_fields_check,
    fields_check,
    links_check,
    nue_fields_check,
)
from nuesync.errors import ConfigError
from nuesync.progress import Progress, no_progress

__all__ = ["Check", "Status", "diagnose", "exit_code", "run_checks"]



def run_checks(settings: Settings, environ: Mapping[str, str], progress: Progress | None = None) -> list[Check]:
    """Every check after `config`, in report order; expected problems are results, never raised."""
    say = progress or no_progress
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
        report.after(SF_FEATURE_FIELDS, on_salesforce, lambda: feature_fields_check(settings, sf))
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
