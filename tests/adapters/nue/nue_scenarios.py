"""Named scenarios for the Nue adapter tests: Nue records as the API returns them, sender orders.

Each builder returns a fresh object so a test can change one field and say which; the names say
what situation they stand for.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from nuesync.adapters.nue_wire import Catalog
from nuesync.config import Settings
from nuesync.model import ContactRef, Customer, DraftOrder, LineItem, Links, PricingDimension, System
from nuesync.sandbox.nue import NueSandbox

NUE_KEY_ENV = "NUE_TEST_API_KEY"
PLACEHOLDER_URL = "https://sandbox.invalid"
DUMMY_KEY = "dummy-nue-key-for-replay"
# Set both to re-record the contract cassettes against a real Nue sandbox tenant (cassettes/README.md).
REAL_TENANT_URL_ENV = "NUESYNC_RECORD_NUE_URL"
REAL_TENANT_KEY_ENV = "NUESYNC_RECORD_NUE_KEY"
# Contract tests that seed or fault the emulator cannot record against a real tenant; skipping them at
# collection (not in a fixture) leaves their cassettes untouched.
emulator_only = pytest.mark.skipif(
    bool(os.environ.get(REAL_TENANT_URL_ENV) and os.environ.get(REAL_TENANT_KEY_ENV)),
    reason="seeds or faults the emulator; not recordable against a real Nue tenant",
)
# The key the emulator accepts while recording; the hygiene test proves no cassette holds it.
RECORDING_KEY = "sandbox-key-nue-adapter-recording-5f3c9a"

_SELF_SERVICE_CART: dict[str, Any] = {
    "id": "9b2f6c1e-0000-4000-8000-000000000001",
    "orderNumber": "O-00000042",
    "status": "Draft",
    "lastModifiedDate": "2025-03-04T10:15:30.123Z",
    "salesforceId": None,
    "origin": "Nue",
    "name": "Acme self-service cart",
    "description": "Abandoned at checkout",
    "effectiveDate": "2025-03-01",
    "currencyIsoCode": "USD",
    "customerId": "cust-acme",
    "customer": {"id": "cust-acme", "name": "Acme Corp", "email": "billing@acme.test", "externalId": "001ACME"},
    "billToContactId": "contact-ada",
    "billToContact": {"id": "contact-ada", "name": "Ada Lovelace", "salesforceId": "003ADA"},
    "billingPeriod": "Month",
    "billCycleDay": "1st Day of Month",
    "billingTiming": "In Advance",
    "paymentTerm": "Net 30",
    "discount": Decimal("5"),
    "discountAmount": None,
    "customFields": {"Region__c": "EMEA", "Seats_Committed__c": 25},
    "orderProducts": [
        {
            "id": "line-platform",
            "salesforceId": None,
            "productSku": "NUE-PLAT-PRO",
            "quantity": 1,
            "listPrice": Decimal("99.0"),
            "discount": None,
            "discountAmount": Decimal("10.50"),
            "subscriptionStartDate": "2025-03-01",
            "subscriptionEndDate": "2026-02-28",
            "subscriptionTerm": 12,
            "priceTags": [{"id": "tag-1", "code": "PROMO-LAUNCH", "name": "Launch promotion 10%"}],
            "customFields": {},
        },
        {
            "id": "line-seats",
            "salesforceId": None,
            "productSku": "NUE-SEAT",
            "quantity": 25,
            "listPrice": Decimal("12.5"),
            "discount": Decimal("12.5"),
            "discountAmount": None,
            "subscriptionStartDate": "2025-03-01",
            "subscriptionEndDate": "2026-02-28",
            "subscriptionTerm": 12,
            "priceTags": [],
            "customFields": {"Seat_Type__c": "named"},
        },
    ],
}


def self_service_cart(**changes: Any) -> dict[str, Any]:
    """A Nue draft created in the billing portal, not yet linked to Salesforce (the GraphQL read shape)."""
    record = copy.deepcopy(_SELF_SERVICE_CART)
    record.update(changes)
    return record


def line_of(record: dict[str, Any], index: int, **changes: Any) -> dict[str, Any]:
    """`record` with order product `index` changed."""
    record["orderProducts"][index].update(changes)
    return record


def rep_created_order(
    sf_id: str = "801REP000001", customer_nue_id: str | None = "cust-acme", lines: int = 2, **changes: Any
) -> DraftOrder:
    """A draft a sales rep created in Salesforce (the sender in a push), as the Salesforce adapter gives it."""
    skus = ["NUE-PLAT-PRO", "NUE-SEAT", "NUE-STORAGE-100", "NUE-API-10K"]
    order = DraftOrder(
        links=Links(salesforce_id=sf_id),
        name=f"Rep order {sf_id}",
        description="Created by a rep",
        customer=Customer(links=Links(nue_id=customer_nue_id, salesforce_id="001ACME"), name="Acme Corp"),
        effective_date=date(2025, 4, 1),
        currency="USD",
        origin=System.SALESFORCE,
        billing={"billing_period": "Month", "bill_cycle_day": "1st Day of Month", "payment_term": "Net 30"},
        discount={"percent": Decimal("2.5")},
        lines=[
            LineItem(
                links=Links(salesforce_id=f"{sf_id}-L{index}"),
                product_sku=skus[index % len(skus)],
                quantity=Decimal(index + 1),
                unit_price=Decimal("10.25"),
                subscription_start=date(2025, 4, 1),
                subscription_term=Decimal(12),
                price_tags=[PricingDimension(code="VOLUME-TIER-1")] if index == 0 else [],
            )
            for index in range(lines)
        ],
    )
    return order.model_copy(update=changes)


def with_contact(order: DraftOrder, nue_id: str | None) -> DraftOrder:
    return order.model_copy(update={"bill_to_contact": ContactRef(links=Links(nue_id=nue_id, salesforce_id="003X"))})


def small_catalog() -> Catalog:
    """Price-book entries and price tags as `catalog_from_wire` indexes them."""
    return Catalog(
        entries={
            "NUE-PLAT-PRO": {"USD": "01uPRO-USD", "EUR": "01uPRO-EUR"},
            "NUE-SEAT": {"USD": "01uSEAT-USD"},
            "NUE-STORAGE-100": {"USD": "01uSTORAGE-USD"},
            "NUE-API-10K": {"USD": "01uAPI-USD"},
        },
        tag_ids={"VOLUME-TIER-1": "tag-vol-1", "PROMO-LAUNCH": "tag-promo"},
    )


def nue_settings(base_url: str = PLACEHOLDER_URL, **nue: Any) -> Settings:
    """Settings pointing the adapter at `base_url`, reading its key from NUE_KEY_ENV."""
    return Settings.model_validate({"nue": {"base_url": base_url, "api_key_env": NUE_KEY_ENV, **nue}})


@dataclass(frozen=True)
class ContractTarget:
    """Where contract tests send their requests: the placeholder (replay), the emulator or a real
    Nue sandbox tenant (recording)."""

    url: str
    key: str
    sandbox: NueSandbox | None = None
    real_tenant: bool = False

    def emulator(self) -> NueSandbox | None:
        """The emulator to seed or fault while recording; None on replay (tests using it are `emulator_only`)."""
        assert not self.real_tenant, "mark the test emulator_only"
        return self.sandbox
