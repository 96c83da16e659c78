"""The Nue API emulator's HTTP surface: WSGI routing and the REST endpoints.

Documented by Nue (api-docs.nue.io), emulated as documented:
- auth: the `nue-api-key` header; missing or wrong -> 401;
- `POST /orders`: create a draft from `customer.id`, `effectiveDate`, `orderProducts[…]`,
  `billToContact.id`, `name`, `description`, `options{previewInvoice, calculateTax}` -> 201
  `{"status": "success", "data": {"order": {…, "orderProducts": […]}, "invoices": [preview…]}}`;
- `POST /orders/{id}` with `{"options": {generateInvoice, activateInvoice}}`: activate a draft ->
  201 `data: {order, subscriptions, assets, invoices}`;
- `GET /orders?customerIds=<JSON array>&status=…&includes=…`: a customer's orders, `data` an array;
- `POST /customers` (a JSON array, ≤ 200): `data` an array;
- `POST /customers/{customerId}/contacts`: a JSON array of contacts, each with `name` and `email`, the
  email unique within the tenant (another contact's email: 409 `DUPLICATE_VALUE` naming the field),
  `data` an array;
- `PATCH /orders/customers/{id}`: update a customer (id or Salesforce id), `data` an array;
- a customer's `externalId` is its Salesforce Account Id, set by Nue's own Salesforce sync (null until
  then) and read-only through the API; customers are stamped `createdDate` / `modifiedDate`;
- `GET /catalog/products` (each with `priceBookEntries`) and `GET /catalog/price-tags`: a bare
  JSON array, as Nue's catalogue examples iterate the answer directly;
- `POST /async/graphql`: see `graphql_schema`.

ASSUMPTIONS (not documented by Nue; nuesync's adapter depends on these, the README lists them):
1. `PATCH /orders/{id}` updates a Draft: header fields, billing settings, discounts, custom fields,
   link/origin fields, and `orderProducts` (an entry with `id` updates that product, one without
   `id` adds a product; none is ever deleted) -> 200 `data: {order}`. An Activated order refuses
   it (400 `ORDER_NOT_DRAFT`) unless the body only writes links (see `orders.py`).
2. `GET /orders/{id}` -> 200 `data: {order}` with its `orderProducts`.
3. `PATCH /customers/{id}` -> like Nue's `PATCH /orders/customers/{id}`; `PATCH /contacts/{id}`
   updates a contact (`data` an array).
4. `GET /settings/sync` -> `data: {"syncDraftOrders": bool}`, the Sync Draft Orders setting.
5. Link/origin fields: `salesforceId` on orders, order products and contacts (unique per object type,
   like a customer's documented `externalId`: a duplicate is 409 `DUPLICATE_VALUE`), `origin`
   (`Nue` / `Salesforce`) on orders.
6. Errors use the success envelope's shape: `{"status": "error", "errorCode", "message", "field"?}`
   (see `errors.py`); 429 carries `Retry-After` in seconds.
7. Status casing: records say `Draft` / `Activated` (REST and GraphQL alike); the REST `status`
   filter is case-insensitive and takes Nue's lower-case spellings (`draft`, `active`,
   `activated`, `canceled`); a GraphQL `where` on `status` is case-sensitive, as any Hasura
   string comparison.
8. Unknown or read-only fields in a write (a customer's `externalId` among them) are refused by name
   (400 `INVALID_FIELD`) rather than ignored, so a client never believes it wrote what was dropped.
"""

from __future__ import annotations

import hmac
import json
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any, Protocol

from nuesync.sandbox.nue.activation import activate_order
from nuesync.sandbox.nue.customers import create_contacts, create_customers, update_contact, update_customer
from nuesync.sandbox.nue.errors import NueApiError, error_body, invalid_value, required, success_body
from nuesync.sandbox.nue.faults import Faults, Instrumentation, Verdict
from nuesync.sandbox.nue.graphql_schema import run_graphql
from nuesync.sandbox.nue.orders import create_order, update_order
from nuesync.sandbox.nue.store import Store
from nuesync.sandbox.nue.views import order_view, parse_includes, product_view
from nuesync.sandbox.nue.web import Request, Response, Route, dumps, match, read_request, write

# The REST `status` filter's spellings -> the stored status.
STATUS_FILTERS = {
    "draft": "Draft",
    "active": "Activated",
    "activated": "Activated",
    "canceled": "Canceled",
    "cancelled": "Canceled",
}
_ORDER_WRITE_ROUTES = frozenset({"POST /orders", "POST /orders/{id}", "PATCH /orders/{id}"})


class SandboxState(Protocol):
    api_key: str
    latency_ms: int
    graphql_max_limit: int
    store: Store
    faults: Faults
    instrumentation: Instrumentation

    def notify(self, event: str, record: dict[str, Any], key: str = "order") -> None: ...


class NueApi:
    """The WSGI application of one sandbox tenant."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.routes: tuple[Route, ...] = (
            Route("POST", "/orders", self.create_order),
            Route("GET", "/orders", self.list_orders),
            Route("GET", "/orders/{id}", self.get_order),
            Route("POST", "/orders/{id}", self.activate_order),
            Route("PATCH", "/orders/{id}", self.update_order),
            Route("PATCH", "/orders/customers/{id}", self.update_customer),
            Route("POST", "/customers", self.create_customers),
            Route("PATCH", "/customers/{id}", self.update_customer),
            Route("POST", "/customers/{id}/contacts", self.create_contacts),
            Route("PATCH", "/contacts/{id}", self.update_contact),
            Route("GET", "/catalog/products", self.products),
            Route("GET", "/catalog/price-tags", self.price_tags),
            Route("GET", "/settings/sync", self.sync_settings),
            Route("POST", "/async/graphql", self.graphql),
        )

    @property
    def store(self) -> Store:
        return self.state.store

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = read_request(environ)
        route, params, allowed = match(self.routes, request.method, request.path)
        request.params = params
        key = route.key if route else f"{request.method} {request.path}"
        self.state.instrumentation.record(key)
        if self.state.latency_ms:
            time.sleep(self.state.latency_ms / 1000)
        verdict = self.state.faults.check(key)
        response = self._respond(request, route, allowed, verdict)
        payload = dumps(response.body)
        if verdict.hold_seconds:
            time.sleep(verdict.hold_seconds)
        return write(response, start_response, payload)

    def _respond(self, request: Request, route: Route | None, allowed: list[str], verdict: Verdict) -> Response:
        try:
            if verdict.error is not None:
                raise verdict.error
            self._authenticate(request)
            if route is None:
                raise _no_route(request, allowed)
            if route.key in _ORDER_WRITE_ROUTES:
                injected = self.state.faults.order_error(self._order_keys(request))
                if injected is not None:
                    raise injected
            with self.store.lock:
                return route.handler(request)
        except NueApiError as error:
            return Response(error.status, error.body(), error.headers)
        except Exception as error:  # a bug in the emulator: answer like a server would, and say where
            traceback.print_exc(file=sys.stderr)
            return Response(HTTPStatus.INTERNAL_SERVER_ERROR, error_body("INTERNAL_ERROR", type(error).__name__))

    def _authenticate(self, request: Request) -> None:
        given = request.headers.get("nue-api-key")
        if given is None:
            raise NueApiError(HTTPStatus.UNAUTHORIZED, "UNAUTHORIZED", "Missing API key: send the nue-api-key header")
        if not hmac.compare_digest(given.encode(), self.state.api_key.encode()):
            raise NueApiError(HTTPStatus.UNAUTHORIZED, "UNAUTHORIZED", "Invalid API key")

    def _order_keys(self, request: Request) -> set[str]:
        """Ids and Salesforce ids of the order a write touches, for `faults.fail_order`."""
        keys: set[str] = set()
        order_id = request.params.get("id")
        if order_id is not None:
            keys.add(order_id)
            with self.store.lock:
                link = self.store.orders.get(order_id, {}).get("salesforceId")
            if link:
                keys.add(link)
        body = request.json_or_none()
        if isinstance(body, dict) and isinstance(body.get("salesforceId"), str):
            keys.add(body["salesforceId"])
        return keys

    # -- orders ---------------------------------------------------------------------------
    def create_order(self, request: Request) -> Response:
        order, invoices = create_order(self.store, request.json())
        view = order_view(self.store, order)
        self.state.notify("order.created", view)
        return Response(HTTPStatus.CREATED, success_body({"order": view, "invoices": invoices}))

    def get_order(self, request: Request) -> Response:
        include = {"orderProducts"} | parse_includes(request.query.get("includes"))
        order = self.store.order(request.params["id"])
        return Response(HTTPStatus.OK, success_body({"order": order_view(self.store, order, include)}))

    def list_orders(self, request: Request) -> Response:
        customers = self._customer_ids(request.query.get("customerIds"))
        status = request.query.get("status")
        wanted = STATUS_FILTERS.get(status.lower()) if status else None
        if status and wanted is None:
            raise invalid_value("status", f"{status!r} is not one of {', '.join(STATUS_FILTERS)}")
        include = parse_includes(request.query.get("includes"))
        orders = [
            order_view(self.store, order, include)
            for order in self.store.orders.values()
            if order["customerId"] in customers and wanted in (None, order["status"])
        ]
        return Response(HTTPStatus.OK, success_body(orders))

    def _customer_ids(self, text: str | None) -> set[str]:
        if text is None:
            raise required("customerIds")
        try:
            refs = json.loads(text)
        except ValueError:
            refs = None
        if not isinstance(refs, list) or not all(isinstance(ref, str) for ref in refs):
            raise invalid_value("customerIds", 'expected a JSON array of customer ids, e.g. ["id-1","id-2"]')
        return {customer["id"] for ref in refs if (customer := self.store.customer_by_ref(ref))}

    def activate_order(self, request: Request) -> Response:
        result = activate_order(self.store, request.params["id"], request.json())
        result["order"] = order_view(self.store, result["order"])
        self.state.notify("order.activated", result["order"])
        return Response(HTTPStatus.CREATED, success_body(result))

    def update_order(self, request: Request) -> Response:
        order = update_order(self.store, request.params["id"], request.json())
        return Response(HTTPStatus.OK, success_body({"order": order_view(self.store, order)}))

    # -- customers and contacts -----------------------------------------------------------
    def create_customers(self, request: Request) -> Response:
        customers = create_customers(self.store, request.json())
        for customer in customers:
            self.state.notify("customer.created", dict(customer), key="customer")
        return Response(HTTPStatus.CREATED, success_body([dict(customer) for customer in customers]))

    def update_customer(self, request: Request) -> Response:
        customer = update_customer(self.store, request.params["id"], request.json())
        self.state.notify("customer.updated", dict(customer), key="customer")
        return Response(HTTPStatus.OK, success_body([dict(customer)]))

    def create_contacts(self, request: Request) -> Response:
        contacts = create_contacts(self.store, request.params["id"], request.json())
        return Response(HTTPStatus.CREATED, success_body([dict(contact) for contact in contacts]))

    def update_contact(self, request: Request) -> Response:
        contact = update_contact(self.store, request.params["id"], request.json())
        return Response(HTTPStatus.OK, success_body([dict(contact)]))

    # -- catalogue, settings, GraphQL -----------------------------------------------------
    def products(self, _request: Request) -> Response:
        return Response(HTTPStatus.OK, [product_view(self.store, item) for item in self.store.products.values()])

    def price_tags(self, _request: Request) -> Response:
        return Response(HTTPStatus.OK, [dict(tag) for tag in self.store.price_tags.values()])

    def sync_settings(self, _request: Request) -> Response:
        return Response(HTTPStatus.OK, success_body({"syncDraftOrders": self.store.draft_sync_enabled}))

    def graphql(self, request: Request) -> Response:
        try:
            body = request.json()
        except NueApiError as error:
            invalid = {"message": error.message, "extensions": {"code": "invalid-json"}}
            return Response(HTTPStatus.OK, {"errors": [invalid]})
        return Response(HTTPStatus.OK, run_graphql(self.store, body, max_limit=self.state.graphql_max_limit))


def _no_route(request: Request, allowed: list[str]) -> NueApiError:
    if allowed:
        return NueApiError(
            HTTPStatus.METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
            f"{request.method} is not allowed on {request.path}", headers={"Allow": ", ".join(allowed)},
        )
    return NueApiError(HTTPStatus.NOT_FOUND, "NOT_FOUND", f"No such endpoint: {request.method} {request.path}")
