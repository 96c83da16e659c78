"""The demo story (`--seed demo`): both emulators seeded with one of every situation `diff` knows.

Records are written straight into each emulator's store (its rules still apply), the way each
system would hold them after some history: orders synced earlier carry each other's ids, a cart
was abandoned in Nue, a rep left a draft in Salesforce, a customer checked out in the portal.
Orders that were "synced earlier" are built in Nue first and mirrored field by field into
Salesforce, so the in-sync pair really is identical on both sides.
"""

from __future__ import annotations

from typing import Any

from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.salesforce import SalesforceSandbox

DEMO_CUSTOM_FIELD = {"object": "order", "name": "region", "salesforce": "Region__c", "nue": "region",
                     "type": "string"}

# The names tests and the demo narration use for each order of the story.
ABANDONED_CART = "Self-service cart (abandoned)"
REP_DRAFT = "Rep draft: Initech expansion"
DIVERGED = "Acme seats top-up"
IN_SYNC = "Acme platform renewal"
PORTAL_CHECKOUT = "Initech support upgrade"
UNLINKED_CUSTOMER = "Globex starter cart"
CUSTOM_FIELDS = "Acme EU rollout"

_BILLING = {"billingPeriod": "Month", "billCycleDay": "1st Day of Month", "billingTiming": "In Advance",
            "paymentTerm": "Net 30"}


class _Story:
    def __init__(self, salesforce: SalesforceSandbox, nue: NueSandbox) -> None:
        self.sf = salesforce
        self.nue = nue
        self.sf_entries = salesforce.seed_catalog()
        self.sf_book = next(r["Id"] for r in salesforce.records("Pricebook2") if r.get("IsStandard"))
        nue.seed_catalog()
        self.nue_entries = {e["productSku"]: e["id"] for e in nue.store.price_book_entries.values()}

    # --- customers -------------------------------------------------------------------------

    def linked_customer(self, name: str, email: str) -> tuple[str, str]:
        """A customer present and linked in both systems: (Nue id, Account id)."""
        account = self.sf.insert("Account", {"Name": name, "CurrencyIsoCode": "USD"})
        nue_id = self.nue.insert_customer({"name": name, "recordType": "Business", "email": email,
                                           "salesforceId": account})
        self.sf.update("Account", account, {"Nue_Customer_Id__c": nue_id})
        return nue_id, account

    # --- orders ----------------------------------------------------------------------------

    def nue_order(self, customer: str, name: str, lines: list[dict[str, Any]], *, origin: str = "Nue",
                  **header: Any) -> dict[str, Any]:
        products = [{"priceBookEntryId": self.nue_entries[line.pop("sku")], **line} for line in lines]
        order_id = self.nue.insert_order({"customer": {"id": customer}, "name": name, "effectiveDate": "2026-12-01",
                                          "origin": origin, **_BILLING, **header, "orderProducts": products})
        return self.nue.get_order(order_id)

    def mirror(self, order: dict[str, Any], account: str, **overrides: Any) -> str:
        """Copy a Nue order into Salesforce as an earlier sync would have, and link both ways."""
        custom = order.get("customFields") or {}
        values = {
            "AccountId": account, "Pricebook2Id": self.sf_book, "Status": "Draft", "Name": order["name"],
            "EffectiveDate": order["effectiveDate"], "CurrencyIsoCode": order.get("currencyIsoCode") or "USD",
            "Nue_Order_Id__c": order["id"], "Nue_Origin__c": order["origin"],
            "Nue_Billing_Period__c": order.get("billingPeriod"), "Nue_Bill_Cycle_Day__c": order.get("billCycleDay"),
            "Nue_Billing_Timing__c": order.get("billingTiming"), "Nue_Payment_Term__c": order.get("paymentTerm"),
            "Nue_Discount_Percent__c": order.get("discount"), "Nue_Discount_Amount__c": order.get("discountAmount"),
            "Description": order.get("description"),
        }
        if custom.get("region"):
            values["Region__c"] = custom["region"]
        values.update(overrides)
        sf_order = self.sf.insert("Order", {k: v for k, v in values.items() if v is not None})
        links = []
        for product in order["orderProducts"]:
            item = self.sf.insert("OrderItem", {k: v for k, v in {
                "OrderId": sf_order, "PricebookEntryId": self.sf_entries[product["productSku"]],
                "Quantity": product["quantity"], "UnitPrice": product["listPrice"],
                "ServiceDate": product.get("subscriptionStartDate"), "EndDate": product.get("subscriptionEndDate"),
                "Nue_Subscription_Term__c": product.get("subscriptionTerm"),
                "Nue_Discount_Percent__c": product.get("discount"),
                "Nue_Discount_Amount__c": product.get("discountAmount"),
                "Nue_Price_Tags__c": ";".join(sorted(t["code"] for t in product.get("priceTags") or [])) or None,
                "Nue_Order_Product_Id__c": product["id"],
            }.items() if v is not None})
            links.append({"id": product["id"], "salesforceId": item})
        self.nue.update_order(order["id"], {"salesforceId": sf_order, "orderProducts": links})
        return sf_order

    def salesforce_order(self, account: str, name: str, skus: list[tuple[str, int]]) -> str:
        order = self.sf.insert("Order", {
            "AccountId": account, "Pricebook2Id": self.sf_book, "Status": "Draft", "Name": name,
            "EffectiveDate": "2026-12-15", "CurrencyIsoCode": "USD", "Nue_Origin__c": "Salesforce",
            "Nue_Billing_Period__c": "Annual", "Nue_Bill_Cycle_Day__c": "1st Day of Month",
            "Nue_Billing_Timing__c": "In Advance", "Nue_Payment_Term__c": "Net 30",
        })
        prices = {r["Id"]: r["UnitPrice"] for r in self.sf.records("PricebookEntry")}
        for sku, quantity in skus:
            entry = self.sf_entries[sku]
            self.sf.insert("OrderItem", {"OrderId": order, "PricebookEntryId": entry, "Quantity": quantity,
                                         "UnitPrice": prices[entry], "ServiceDate": "2026-12-15",
                                         "EndDate": "2027-12-14", "Nue_Subscription_Term__c": 12})
        return order


def seed_story(salesforce: SalesforceSandbox, nue: NueSandbox) -> None:
    """Seed both emulators with the demo story (see the module docstring)."""
    story = _Story(salesforce, nue)
    acme_nue, acme_sf = story.linked_customer("Acme Corp", "billing@acme.example")
    initech_nue, initech_sf = story.linked_customer("Initech", "ap@initech.example")
    globex_nue = nue.insert_customer({"name": "Globex", "recordType": "Business", "email": "ops@globex.example"})

    in_sync = story.nue_order(acme_nue, IN_SYNC, [{"sku": "NUE-PLAT-PRO", "quantity": 1, "subscriptionTerm": 12},
                                                  {"sku": "NUE-SEAT", "quantity": 25, "subscriptionTerm": 12}])
    story.mirror(in_sync, acme_sf)

    diverged = story.nue_order(acme_nue, DIVERGED, [{"sku": "NUE-SEAT", "quantity": 10, "subscriptionTerm": 12}])
    story.mirror(diverged, acme_sf)
    (seat,) = nue.get_order(diverged["id"])["orderProducts"]
    nue.update_order(diverged["id"], {"discount": 10, "orderProducts": [{"id": seat["id"], "quantity": 15}]})

    story.nue_order(initech_nue, ABANDONED_CART, [{"sku": "NUE-PLAT-STD", "quantity": 1, "subscriptionTerm": 12},
                                                  {"sku": "NUE-STORAGE-100", "quantity": 2, "subscriptionTerm": 12}])

    story.salesforce_order(initech_sf, REP_DRAFT, [("NUE-PLAT-ENT", 1), ("NUE-SEAT", 50)])

    checkout = story.nue_order(initech_nue, PORTAL_CHECKOUT, [{"sku": "NUE-SUPPORT-PREM", "quantity": 1,
                                                               "subscriptionTerm": 12}], origin="Salesforce")
    story.mirror(checkout, initech_sf)
    nue.activate_order(checkout["id"])

    story.nue_order(globex_nue, UNLINKED_CUSTOMER, [{"sku": "NUE-PLAT-STD", "quantity": 1, "subscriptionTerm": 12}])

    eu = story.nue_order(acme_nue, CUSTOM_FIELDS, [{"sku": "NUE-API-10K", "quantity": 3, "subscriptionTerm": 12,
                                                    "priceTags": ["REGION-EU", "VOLUME-TIER-1"]}],
                         customFields={"region": "EU"})
    story.mirror(eu, acme_sf, Region__c="EMEA")
