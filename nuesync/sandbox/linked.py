"""Records in both emulators as an earlier sync would have left them: the one way seeds build pairs.

The demo story and the org-like mix (`--seed N`) both build their orders here. Records go
through each emulator's own insert and update calls, so every rule of both APIs holds (price
books, draft-only edits, unique links). An order "synced earlier" is built in Nue and mirrored
field by field into Salesforce, then linked both ways, so an in-sync pair really is identical on
both sides; customers and bill-to contacts are linked both ways the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from nuesync.sandbox import catalog
from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.nue.values import add_months
from nuesync.sandbox.salesforce import SalesforceSandbox

NUE_BILLING = {"billingPeriod": "Month", "billCycleDay": "1st Day of Month", "billingTiming": "In Advance",
               "paymentTerm": "Net 30"}
REP_BILLING = {"Nue_Billing_Period__c": "Annual", "Nue_Bill_Cycle_Day__c": "1st Day of Month",
               "Nue_Billing_Timing__c": "In Advance", "Nue_Payment_Term__c": "Net 30"}
SUBSCRIPTION_MONTHS = 12
_RECURRING = {product.sku: product.recurring for product in catalog.PRODUCTS}


class PairBuilder:
    """Writes customers, contacts and orders into a Salesforce org and a Nue tenant, linked as a sync links them."""

    def __init__(self, salesforce: SalesforceSandbox, nue: NueSandbox) -> None:
        self.sf = salesforce
        self.nue = nue
        self.sf_entries = salesforce.seed_catalog()
        self.sf_book = next(r["Id"] for r in salesforce.records("Pricebook2") if r.get("IsStandard"))
        self.sf_prices = {r["Id"]: r["UnitPrice"] for r in salesforce.records("PricebookEntry")}
        nue.seed_catalog()
        self.nue_entries = {e["productSku"]: e["id"] for e in nue.store.price_book_entries.values()}
        self.contact_links: dict[str, str] = {}  # Nue contact id → Salesforce Contact id

    # --- customers -------------------------------------------------------------------------

    def linked_customer(self, name: str, email: str, owner: str | None = None) -> tuple[str, str]:
        """A customer present and linked in both systems: (Nue id, Account id). Its Account is owned by
        `owner` (a User id), else by the user the sandbox's API runs as, as in an org."""
        account = self.sf.insert("Account", {"Name": name, "CurrencyIsoCode": "USD",
                                             **({"OwnerId": owner} if owner else {})})
        nue_id = self.nue.insert_customer({"name": name, "recordType": "Business", "email": email,
                                           "salesforceId": account})
        self.sf.update("Account", account, {"Nue_Customer_Id__c": nue_id})
        return nue_id, account

    def linked_contact(self, customer: str, account: str, first: str, last: str, email: str) -> tuple[str, str]:
        """A bill-to contact of a linked customer, present and linked in both systems: (Nue id, Contact id)."""
        contact = self.sf.insert("Contact", {"FirstName": first, "LastName": last, "Email": email,
                                             "AccountId": account})
        nue_id = self.nue.insert_contact(customer, {"firstName": first, "lastName": last, "email": email,
                                                    "salesforceId": contact})
        self.sf.update("Contact", contact, {"Nue_Contact_Id__c": nue_id})
        self.contact_links[nue_id] = contact
        return nue_id, contact

    # --- orders ----------------------------------------------------------------------------

    def nue_order(self, customer: str, name: str, lines: list[dict[str, Any]], *, origin: str = "Nue",
                  **header: Any) -> dict[str, Any]:
        """A draft in Nue; each line names its product by `sku`. Returns the order as Nue shows it."""
        products = [{"priceBookEntryId": self.nue_entries[line.pop("sku")], **line} for line in lines]
        order_id = self.nue.insert_order({"customer": {"id": customer}, "name": name, "effectiveDate": "2026-12-01",
                                          "origin": origin, **NUE_BILLING, **header, "orderProducts": products})
        return self.nue.get_order(order_id)

    def mirror(self, order: dict[str, Any], account: str, **overrides: Any) -> str:
        """Copy a Nue order into Salesforce as an earlier sync would have, and link both ways."""
        custom = order.get("customFields") or {}
        values = {
            "AccountId": account, "Pricebook2Id": self.sf_book, "Status": "Draft", "Name": order["name"],
            "EffectiveDate": order["effectiveDate"], "CurrencyIsoCode": order.get("currencyIsoCode") or "USD",
            "Nue_Order_Id__c": order["id"], "Nue_Origin__c": order["origin"],
            "BillToContactId": self.contact_links.get(order.get("billToContactId") or ""),
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

    def salesforce_order(self, account: str, name: str, skus: list[tuple[str, int]], *,
                         effective: dt.date = dt.date(2026, 12, 15), contact: str | None = None,
                         billing: dict[str, str] | None = None, tags: dict[int, str] | None = None) -> str:
        """A rep's draft in Salesforce only (origin Salesforce), with one product per `(sku, quantity)`.

        Recurring products run for a year from the order's start, ending the day before its
        anniversary as Salesforce dates do; `tags` gives line positions a price tag code.
        """
        header = {
            "AccountId": account, "Pricebook2Id": self.sf_book, "Status": "Draft", "Name": name,
            "EffectiveDate": effective.isoformat(), "CurrencyIsoCode": "USD", "Nue_Origin__c": "Salesforce",
            **(billing or REP_BILLING),
        }
        if contact is not None:
            header["BillToContactId"] = contact
        order = self.sf.insert("Order", header)
        end = add_months(effective, SUBSCRIPTION_MONTHS) - dt.timedelta(days=1)
        for position, (sku, quantity) in enumerate(skus):
            entry = self.sf_entries[sku]
            line: dict[str, Any] = {"OrderId": order, "PricebookEntryId": entry, "Quantity": quantity,
                                    "UnitPrice": self.sf_prices[entry], "ServiceDate": effective.isoformat()}
            if _RECURRING[sku]:
                line |= {"EndDate": end.isoformat(), "Nue_Subscription_Term__c": SUBSCRIPTION_MONTHS}
            if tags and position in tags:
                line["Nue_Price_Tags__c"] = tags[position]
            self.sf.insert("OrderItem", line)
        return order
