"""`SalesforceSandbox`: one emulated org — its data, its credentials, its HTTPS server.

Tests, the demo and `nuesync sandbox serve` build one of these, seed it, serve it on loopback
and point simple-salesforce (or the adapter) at `running.url`. Direct helpers (`records`,
`insert`, `update`, `get`) reach the store without a request being counted, so a test can set
the scene and check the outcome without disturbing the numbers it measures.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from nuesync.sandbox.salesforce import identity, seed, writes
from nuesync.sandbox.salesforce.app import SalesforceApp
from nuesync.sandbox.salesforce.auth import Credentials, Sessions
from nuesync.sandbox.salesforce.bulk_jobs import MAX_UPLOAD_BYTES, BulkJobs
from nuesync.sandbox.salesforce.faults import Faults
from nuesync.sandbox.salesforce.objects import DEFAULT_ORDER_STATUSES, build_schema
from nuesync.sandbox.salesforce.outbound import OutboundMessenger
from nuesync.sandbox.salesforce.query import QueryEngine
from nuesync.sandbox.salesforce.store import OrgSettings, Row, Store, utc_now
from nuesync.sandbox.salesforce.values import format_datetime
from nuesync.sandbox.server import RunningServer, serving


class SalesforceSandbox:
    """An emulated Salesforce org (REST API v`api_version` subset) with faults and counters.

    `order_statuses` is the org's Order Status picklist (label → StatusCode); the default is
    Draft → Draft, Activated → Activated. `edit_activated_orders` grants the integration user the
    Edit Activated Orders permission (off: an activated order's fields are locked).
    `query_batch_size` is the records a query page holds, child rows inline included (2,000, as
    in an org; tests may set it lower than the 200 a client can ask for), and `child_batch_size`
    the child rows one relationship shows inline before it pages on. `bulk_upload_limit` is the
    base64-encoded job data one Bulk API 2.0 ingest job may hold (150 MB, as documented).
    """

    def __init__(
        self,
        api_version: str = "62.0",
        query_batch_size: int = 2000,
        daily_api_limit: int = 100_000,
        latency_ms: int = 0,
        child_batch_size: int = 200,
        order_statuses: Mapping[str, str] = DEFAULT_ORDER_STATUSES,
        edit_activated_orders: bool = False,
        clock: Callable[[], dt.datetime] = utc_now,
        max_query_cursors: int = 10,
        first_record_number: int = 1,
        bulk_upload_limit: int = MAX_UPLOAD_BYTES,
    ) -> None:
        self.api_version = api_version
        self._credentials = Credentials.generate()
        self._sessions = Sessions(self._credentials)
        self.store = Store(build_schema(order_statuses), clock, OrgSettings(edit_activated_orders),
                           first_record_number)
        self.engine = QueryEngine(self.store, query_batch_size, child_batch_size, max_query_cursors)
        self.faults = Faults()
        self.app = SalesforceApp(self.store, self.engine, self._sessions, self.faults, api_version,
                                 daily_api_limit, latency_ms, bulk_upload_limit)
        self._create_org_records(order_statuses)

    # --- credentials -----------------------------------------------------------------------------

    @property
    def session_id(self) -> str:
        """A valid session id for `Authorization: Bearer`; a new one once sessions were expired."""
        return self._sessions.primary

    @property
    def username(self) -> str:
        return self._credentials.username

    @property
    def password(self) -> str:
        return self._credentials.password

    @property
    def security_token(self) -> str:
        return self._credentials.security_token

    @property
    def client_id(self) -> str:
        return self._credentials.client_id

    @property
    def client_secret(self) -> str:
        return self._credentials.client_secret

    @property
    def org_id(self) -> str:
        return self._credentials.org_id

    # --- serving and instrumentation -------------------------------------------------------------

    def send_outbound_messages(self, url: str, instance_url: str) -> OutboundMessenger:
        """Wire the Sync Order button: an Order whose `Nue_Sync_Requested__c` becomes true sends an
        Outbound Message to `url` (see `outbound.py`)."""
        messenger = OutboundMessenger(url, self.org_id, instance_url, self.api_version)
        self.store.commit_listeners.append(messenger.on_commit)
        return messenger

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[RunningServer]:
        """HTTPS on 127.0.0.1 with a throwaway certificate: `running.url`, `running.ca_file`."""
        with serving(self.app, tls=True, port=port) as running:
            yield running

    @property
    def counters(self) -> Counter[str]:
        return self.app.counters

    @property
    def subrequest_counters(self) -> Counter[str]:
        """Composite subrequests by endpoint (they are not API calls of their own)."""
        return self.app.subrequest_counters

    def request_count(self) -> int:
        return sum(self.app.counters.values())

    def write_count(self) -> int:
        return self.app.write_requests

    def reset_counters(self) -> None:
        self.app.counters.clear()
        self.app.subrequest_counters.clear()
        self.app.write_requests = 0

    @property
    def api_usage(self) -> int:
        """API calls counted today (what `Sforce-Limit-Info` reports); settable to stage a test."""
        return self.app.api_usage

    @api_usage.setter
    def api_usage(self, value: int) -> None:
        self.app.api_usage = value

    @property
    def latency_ms(self) -> int:
        return self.app.latency_ms

    @latency_ms.setter
    def latency_ms(self, value: int) -> None:
        self.app.latency_ms = value

    @property
    def bulk(self) -> BulkJobs:
        """The org's Bulk API 2.0 jobs: `hold()` / `release()` keep jobs in progress, `wait_idle()`."""
        return self.app.jobs

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of emulator bugs answered as 500 UNKNOWN_EXCEPTION (should stay empty)."""
        return self.app.internal_errors

    # --- seeding and direct store access --------------------------------------------------------

    def seed_catalog(self) -> dict[str, str]:
        """Standard price book entries for `catalog.PRODUCTS` (idempotent); returns SKU → entry id."""
        return self._write(lambda: seed.seed_catalog(self.store))

    def seed_synthetic(self, n_orders: int, lines_per_order: int = 3, seed_value: int = 0) -> list[str]:
        """Catalogue, accounts, contacts and `n_orders` Draft orders with lines; returns order ids."""
        return self._write(lambda: seed.seed_synthetic(self.store, n_orders, lines_per_order, seed_value))

    def records(self, obj: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        otype = self._type(obj)
        with self.store.lock:
            return [self._full_row(otype.name, row) for row in self.store.rows(otype.name, include_deleted)]

    def get(self, obj: str, record_id: str) -> dict[str, Any]:
        otype = self._type(obj)
        with self.store.lock:
            row = self.store.row(otype.name, record_id)
            if row is None:
                raise LookupError(f"no {otype.name} with id {record_id}")
            return self._full_row(otype.name, row)

    def insert(self, obj: str, values: Mapping[str, Any]) -> str:
        """Create a record as the API would (rules apply); raises `ApiError` when Salesforce would refuse."""
        otype = self._type(obj)
        return self._write(lambda: writes.insert(self.store, otype, _wire(values)))

    def update(self, obj: str, record_id: str, values: Mapping[str, Any]) -> None:
        otype = self._type(obj)
        self._write(lambda: writes.update(self.store, otype, record_id, _wire(values)))

    def delete(self, obj: str, record_id: str) -> None:
        otype = self._type(obj)
        self._write(lambda: writes.delete(self.store, otype, record_id))

    def insert_user(self, first_name: str, last_name: str, *, active: bool = True) -> str:
        """Another user of the org (a rep, or one who left: `active=False`), as an admin would create it in
        Setup: the API refuses users to the integration user, so this writes the store directly."""
        now = self.store.clock()
        user_id = self.store.new_id("User")
        alias = (first_name[:1] + last_name)[:8].lower()
        username = f"{alias}.{user_id[-6:].lower()}@sandbox.example"
        with self.store.lock:
            self.store.put("User", {
                **identity.INTEGRATION_USER, "Id": user_id, "Username": username, "Email": username,
                "FirstName": first_name, "LastName": last_name, "Alias": alias, "CommunityNickname": username,
                "IsActive": active, "IsDeleted": False, "CreatedDate": now, "LastModifiedDate": now,
                "SystemModstamp": now})
        return user_id

    def soql(self, query: str, include_deleted: bool = False) -> dict[str, Any]:
        """The first page of a SOQL query, as `/query` would answer it (not counted)."""
        with self.store.lock:
            return self.engine.query(query, include_deleted=include_deleted, version=self.api_version)

    # --- internals -------------------------------------------------------------------------------

    def _type(self, obj: str) -> Any:
        otype = self.store.schema.get(obj)
        if otype is None:
            raise LookupError(f"the org has no sObject type {obj!r}")
        return otype

    def _full_row(self, obj: str, row: Row) -> dict[str, Any]:
        fields = self.store.schema.objects[obj].fields
        return {name: self.store.value(obj, row, name) for name in fields}

    def _write(self, action: Callable[[], Any]) -> Any:
        with self.store.lock:
            self.store.begin()
            try:
                result = action()
            except BaseException:
                self.store.rollback()
                raise
            self.store.commit()
            return result

    def _create_org_records(self, order_statuses: Mapping[str, str]) -> None:
        """What every org has before anyone writes: itself, its integration user, the standard price book and the
        status picklist."""
        now = self.store.clock()
        system = {"IsDeleted": False, "CreatedDate": now, "LastModifiedDate": now, "SystemModstamp": now}
        self.store.put("Organization", {"Id": self.org_id, "Name": "nuesync sandbox org",
                                        "OrganizationType": "Developer Edition", "IsSandbox": True,
                                        "InstanceName": "LOCAL", "DefaultLocaleSidKey": "en_US",
                                        "TimeZoneSidKey": "GMT", **system})
        self.store.put("User", {**identity.integration_user(self._credentials), **system})
        self.store.running_user = self._credentials.user_id
        self.store.put("Pricebook2", {"Id": self.store.new_id("Pricebook2"), "Name": "Standard Price Book",
                                      "IsActive": True, "IsStandard": True, **system})
        first_draft = next(label for label, code in order_statuses.items() if code == "Draft")
        for position, (label, code) in enumerate(order_statuses.items(), start=1):
            self.store.put("OrderStatus", {
                "Id": self.store.new_id("OrderStatus"), "ApiName": label, "MasterLabel": label, "StatusCode": code,
                "SortOrder": Decimal(position), "IsDefault": label == first_draft, **system,
            })


def _wire(values: Mapping[str, Any]) -> dict[str, Any]:
    """Python values (dates, datetimes) as the JSON a client would have sent."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dt.datetime):
            out[key] = format_datetime(value)
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out
