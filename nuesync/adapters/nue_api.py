"""What nuesync assumes about Nue beyond its public documentation, in one place.

Nue documents only part of its API, so every path, root field, envelope and limit the adapter
relies on is named here as data (with `documented` marking what Nue's reference shows). Both the
adapter (`nuesync.adapters.nue`) and its HTTP door (`nuesync.adapters.nue_http`) read it; neither
imports the other for it. The README lists these assumptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus

# ================================================================================================
# ASSUMPTIONS — what this adapter believes about Nue beyond its public documentation.
# Nue documents: base URL + `nue-api-key` header, POST /orders (create a draft), POST /orders/{id}
# with {"options"} (activate), GET /orders?customerIds=…, POST /customers, PATCH
# /orders/customers/{id}, POST /customers/{customerId}/contacts, a customer's read-only
# `externalId` (its Salesforce Account Id, set by Nue's own Salesforce sync), GraphQL at POST
# /async/graphql with Hasura-style filters, the {"status": "success", "data": …} envelope, and
# varying status casing. Everything else below is an assumption; the README lists them. The
# link and origin *field names* (`salesforceId` on orders / order products / contacts, `origin`
# on orders) are assumptions too, kept as data in `nuesync.mapping.DEFAULT_NUE` (with the
# customer's documented `externalId`) and overridable from config.
# ================================================================================================


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    documented: bool


@dataclass(frozen=True)
class NueAssumptions:
    """The one place the adapter names Nue's paths, roots, shapes and limits (`documented` marks
    the endpoints Nue's API reference shows; every comment below says which parts are assumed)."""

    endpoints: Mapping[str, Endpoint] = field(
        default_factory=lambda: {
            "graphql": Endpoint("POST", "/async/graphql", True),
            "create_order": Endpoint("POST", "/orders", True),
            "activate_order": Endpoint("POST", "/orders/{id}", True),
            "update_order": Endpoint("PATCH", "/orders/{id}", False),
            "get_order": Endpoint("GET", "/orders/{id}", False),
            "create_customers": Endpoint("POST", "/customers", True),
            "update_customer": Endpoint("PATCH", "/orders/customers/{id}", True),
            "create_contacts": Endpoint("POST", "/customers/{id}/contacts", True),
            "update_contact": Endpoint("PATCH", "/contacts/{id}", False),
            "sync_setting": Endpoint("GET", "/settings/sync", False),
        }
    )
    # Assumed GraphQL root fields and their Hasura-style arguments (where / limit / offset /
    # order_by, plus `<root>_aggregate { aggregate { count } }`, used when present to know that a
    # paged read is complete); the catalogue is read through the same endpoint.
    graphql_roots: Mapping[str, str] = field(
        default_factory=lambda: {
            "order": "Order",
            "customer": "Customer",
            "contact": "Contact",
            "product": "Product",
            "price_tag": "PriceTag",
        }
    )
    stable_order_by: str = "{id: asc}"
    # Order products carry their own `lastModifiedDate`, and an order can be filtered through its
    # `orderProducts` (a Hasura array-relationship filter: any product matching): an incremental
    # read must see an edit that touched one product and not its order.
    line_modified_field: str = "lastModifiedDate"
    catalog_selections: Mapping[str, str] = field(
        default_factory=lambda: {
            "product": "{ sku priceBookEntries { id currencyIsoCode active } }",
            "price_tag": "{ id code }",
        }
    )
    # Status values vary in casing across Nue's APIs (documented) and may carry stray whitespace
    # (`"DRAFT "`, seen in imported data): reads filter with a case-insensitive `_ilike` pattern
    # around each label `Status.parse` reads, then keep only the records whose status parses to
    # one asked for (the pattern also lets through e.g. `Inactive`, which that drops).
    status_pattern: str = "%{label}%"
    # POST /orders refuses an order without order products (`orderProducts` is required and may
    # not be empty); an update may leave an order with none.
    create_needs_order_products: bool = True
    # Writes answer {"status": "success", "data": {"order": {...}}} (documented for create and
    # activate, assumed for update and GET /orders/{id}).
    order_envelope_key: str = "order"
    # Documented: POST /customers takes an array of ≤ 200, each with a `recordType`, answering
    # `data` as an array in request order. Customers from Salesforce Accounts are businesses.
    customer_batch_size: int = 200
    new_customer_fields: Mapping[str, str] = field(default_factory=lambda: {"recordType": "Business"})
    # Documented: POST /customers/{customerId}/contacts takes an array of contacts, each with a
    # `name` and an `email` (unique within the tenant), answering `data` as an array in request
    # order. Assumed: PATCH /contacts/{id} writes a contact's link onto it (`data` an array).
    contact_required_fields: tuple[str, ...] = ("name", "email")
    # GET /settings/sync answers {"data": {"syncDraftOrders": true|false}}.
    sync_setting_field: str = "syncDraftOrders"
    # Custom fields live in one free-form object on orders and order products.
    custom_fields_key: str = "customFields"
    # Error body: {"status": "error", "errorCode": …, "message": …, "field": …}.
    error_code_key: str = "errorCode"
    error_message_key: str = "message"
    error_field_key: str = "field"
    # A second record with the same `salesforceId` is refused with 409 (the link is unique), and so
    # is a contact whose email another contact has (documented: unique within the tenant).
    duplicate_status: int = HTTPStatus.CONFLICT
    # Load shedding: 429 (with Retry-After) and 5xx are transient and safe to retry.
    retryable_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    # Rate-limit headers, if the tenant sends them, feed `api_usage()`.
    rate_limit_headers: tuple[str, str] = ("X-RateLimit-Limit", "X-RateLimit-Remaining")
    activation_options: Mapping[str, bool] = field(
        default_factory=lambda: {
            "generateInvoice": True,
            "activateInvoice": False,
        }
    )


ASSUMPTIONS = NueAssumptions()
# ================================================================================================
