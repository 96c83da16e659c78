"""The two connections: each is reached once, with one real read, and what it found is kept for the
checks that follow (a connection that failed leaves an empty side, and the checks needing it skip).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from nuesync.adapters.base import FetchResult
from nuesync.adapters.nue import NueAdapter
from nuesync.adapters.nue_http import NueGraphQLError
from nuesync.adapters.retry import RetryPolicy
from nuesync.adapters.salesforce import SalesforceAdapter
from nuesync.config import Settings
from nuesync.doctor.checks import NUE_API, SF_API, Check, failed_with, ok
from nuesync.doctor.salesforce_fields import SOBJECT
from nuesync.errors import ApiBudgetExhaustedError, ApiUnavailableError, ConfigError, NuesyncError
from nuesync.mapping import MappedObject

DOCTOR_RETRIES = 2  # a health check reports a struggling API quickly instead of backing off for minutes


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
