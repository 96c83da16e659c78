"""`NueSandbox`: one emulated Nue tenant, its HTTP app, and direct access for tests and the demo.

The direct methods (`insert_order`, `update_order`, `activate_order` …) apply the same rules as
the API and raise `NueApiError` when one is broken, but are not counted as requests: they play
what happens *inside* Nue (a customer checking out in the portal), not what a client does.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from nuesync.sandbox.nue.activation import activate_order
from nuesync.sandbox.nue.app import NueApi
from nuesync.sandbox.nue.customers import create_contacts, create_customers, link_to_account
from nuesync.sandbox.nue.faults import Faults, Instrumentation, is_write
from nuesync.sandbox.nue.orders import create_order, update_order
from nuesync.sandbox.nue.seed import seed_catalog, seed_synthetic
from nuesync.sandbox.nue.store import Store
from nuesync.sandbox.nue.views import order_view
from nuesync.sandbox.nue.web import dumps
from nuesync.sandbox.nue.webhooks import WebhookSender
from nuesync.sandbox.server import RunningServer, serving


def _wire(value: Any) -> Any:
    """Exactly what the API would send: amounts as JSON numbers, fresh containers."""
    return json.loads(dumps(value))


class NueSandbox:
    """One tenant: `app` (WSGI), `serve()`, `api_key`, `counters`, `faults` (see `faults.py`).

    `graphql_max_limit` caps a GraphQL page (clamped, as a Hasura row limit); `latency_ms` is
    added to every request and may be changed while serving; `now` replaces the clock in tests.
    """

    def __init__(
        self,
        api_key: str | None = None,
        latency_ms: int = 0,
        graphql_max_limit: int = 2000,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.api_key = api_key or f"sandbox-key-{secrets.token_hex(16)}"
        self.latency_ms = latency_ms
        self.graphql_max_limit = graphql_max_limit
        self.store = Store(now=now)
        self.faults = Faults()
        self.instrumentation = Instrumentation()
        self.app = NueApi(self)
        self.webhooks: WebhookSender | None = None

    def send_webhooks(self, url: str, secret: str) -> WebhookSender:
        """Subscribe `url` to the tenant's events (Settings → Webhooks): see `webhooks.py`."""
        self.webhooks = WebhookSender(url, secret)
        return self.webhooks

    def notify(self, event: str, record: dict[str, Any], key: str = "order") -> None:
        """An event happened in the tenant: deliver it to the subscription, if there is one."""
        if self.webhooks is not None:
            self.webhooks.emit(event, _wire(record), key)

    def __repr__(self) -> str:
        return f"NueSandbox(orders={len(self.store.orders)}, customers={len(self.store.customers)})"

    # -- serving and instrumentation ------------------------------------------------------
    @contextmanager
    def serve(self, port: int = 0) -> Iterator[RunningServer]:
        """Plain HTTP on 127.0.0.1 (a free port unless given) for the duration of a `with` block."""
        with serving(self.app, port=port) as running:
            yield running

    @property
    def counters(self) -> Counter[str]:
        """Requests per templated route, e.g. `PATCH /orders/{id}` (a snapshot)."""
        return self.instrumentation.snapshot()

    def request_count(self) -> int:
        return sum(self.counters.values())

    def write_count(self) -> int:
        return sum(count for route, count in self.counters.items() if is_write(route))

    def reset_counters(self) -> None:
        self.instrumentation.reset()

    @property
    def draft_sync_enabled(self) -> bool:
        return self.store.draft_sync_enabled

    @draft_sync_enabled.setter
    def draft_sync_enabled(self, enabled: bool) -> None:
        self.store.draft_sync_enabled = enabled

    # -- seeding --------------------------------------------------------------------------
    def seed_catalog(self) -> None:
        seed_catalog(self.store)

    def seed_synthetic(self, n_orders: int, lines_per_order: int = 3) -> list[str]:
        """Catalogue, customers with bill-to contacts, and `n_orders` drafts; returns their ids."""
        return seed_synthetic(self.store, n_orders, lines_per_order)

    # -- direct access (wire shape, rules apply, not counted) -----------------------------
    def orders(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return _wire([order_view(self.store, order) for order in self.store.orders.values()])

    def get_order(self, order_id: str) -> dict[str, Any]:
        with self.store.lock:
            return _wire(order_view(self.store, self.store.order(order_id), ("orderProducts", "subscriptions",
                                                                              "assets", "invoices")))

    def customers(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return _wire(list(self.store.customers.values()))

    def contacts(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return _wire(list(self.store.contacts.values()))

    def insert_customer(self, customer: dict[str, Any]) -> str:
        """A customer in the `POST /customers` shape. With `salesforceId` (an Account Id), it is a customer
        Nue's own Salesforce sync linked to that Account: the Account Id lands in the read-only
        `externalId`, as only that sync can set it (`link_customer_to_account`)."""
        fields = dict(customer)
        account = fields.pop("salesforceId", None)
        customer_id = str(create_customers(self.store, [fields])[0]["id"])
        if account is not None:
            self.link_customer_to_account(customer_id, account)
        return customer_id

    def link_customer_to_account(self, customer_id: str, account_id: str) -> None:
        """Play Nue's own Salesforce sync linking a customer to its Account: the one way a customer's
        `externalId` changes (the API refuses it in every write)."""
        link_to_account(self.store, customer_id, account_id)

    def insert_contact(self, customer_id: str, contact: dict[str, Any]) -> str:
        return str(create_contacts(self.store, customer_id, [contact])[0]["id"])

    def insert_order(self, order: dict[str, Any]) -> str:
        """A draft in the `POST /orders` shape (a cart left in the portal); a line may name its product
        by `productSku` here. Subscribers hear `order.created`, as for any order Nue creates."""
        created, _ = create_order(self.store, order, allow_sku=True)
        if self.webhooks is not None:
            with self.store.lock:
                self.notify("order.created", order_view(self.store, created))
        return str(created["id"])

    def update_order(self, order_id: str, changes: dict[str, Any]) -> None:
        update_order(self.store, order_id, changes, allow_sku=True)

    def activate_order(self, order_id: str, options: dict[str, bool] | None = None) -> dict[str, Any]:
        """Play "the customer checked out in the portal": activate a draft inside Nue."""
        with self.store.lock:
            result = activate_order(self.store, order_id, {"options": options or {}})
            result["order"] = order_view(self.store, result["order"])
            self.notify("order.activated", result["order"])
            return _wire(result)
