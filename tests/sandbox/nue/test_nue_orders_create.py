"""`POST /orders` (documented): a draft from customer, date and price-book entries, with its totals."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from nuesync.sandbox.nue import NueSandbox

from .conftest import Tenant
from .scenarios import created_order, draft, error_of, onboarding_line, platform_line, seats_line, tag_id


def test_a_draft_is_created_with_number_status_and_line_details(
    nue: NueSandbox, client: httpx.Client, tenant: Tenant
) -> None:
    body = draft(tenant.acme, platform_line(nue), billToContact={"id": tenant.acme_contact})
    response = client.post("/orders", json=body)
    body = response.json()
    assert body["status"] == "success"
    order = created_order(response)
    assert re.fullmatch(r"O-\d{8}", order["orderNumber"])
    assert order["status"] == "Draft"
    assert order["customerId"] == tenant.acme
    assert order["customer"]["name"] == "Acme Corp"
    assert order["billToContactId"] == tenant.acme_contact
    assert order["billToContact"]["email"] == "wile@acme.example"
    assert (order["name"], order["description"]) == ("Annual platform licence", "Customer's annual subscription order")
    assert order["currencyIsoCode"] == "USD"
    assert order["createdDate"].endswith("Z") and order["lastModifiedDate"] == order["createdDate"]
    [product] = order["orderProducts"]
    assert product["productSku"] == "NUE-PLAT-STD"
    assert product["productName"] == "Platform Standard"
    assert product["listPrice"] == 49
    assert product["quantity"] == 5
    assert product["orderId"] == order["id"]
    assert [o["id"] for o in nue.orders()] == [order["id"]]


def test_totals_are_computed_from_the_lines(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    order = created_order(
        client.post("/orders", json=draft(tenant.acme, platform_line(nue), seats_line(nue), onboarding_line(nue)))
    )
    # 49 × 5 × 12 + 12.50 × 10 × 12 + 1500 (one-off: no term)
    assert [p["listTotal"] for p in order["orderProducts"]] == [2940, 1500, 1500]
    assert order["listTotal"] == order["subtotal"] == order["totalAmount"] == order["totalPrice"] == 5940
    assert order["taxAmount"] == 0
    assert order["grandTotal"] == 5940


def test_line_and_order_discounts_reduce_the_total(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    body = draft(
        tenant.acme,
        platform_line(nue, discount=10),  # 2940 - 294 = 2646
        seats_line(nue, discountAmount=100),  # 1500 - 100 = 1400
        discount=5,  # (2646 + 1400) × 0.95 = 3843.70
        discountAmount=43.7,  # 3800
    )
    order = created_order(client.post("/orders", json=body))
    assert [p["totalAmount"] for p in order["orderProducts"]] == [2646, 1400]
    assert order["orderProducts"][0]["salesPrice"] == 44.1
    assert order["listTotal"] == 4440
    assert order["subtotal"] == 4046
    assert order["totalAmount"] == 3800
    assert (order["discount"], order["discountAmount"]) == (5, 43.7), "discounts read back exactly as written"


def test_calculate_tax_adds_tax_at_the_sandbox_rate(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    order = created_order(
        client.post("/orders", json=draft(tenant.acme, platform_line(nue), options={"calculateTax": True}))
    )
    assert order["taxAmount"] == 235.2  # 8 % of 2940
    assert order["grandTotal"] == 3175.2


def test_preview_invoice_adds_an_unsaved_invoice(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    body = draft(tenant.acme, platform_line(nue), onboarding_line(nue), billingPeriod="Month", paymentTerm="Net 30",
                 options={"previewInvoice": True, "calculateTax": False})
    data = client.post("/orders", json=body).json()["data"]
    [invoice] = data["invoices"]
    assert invoice["id"] is None and invoice["invoiceNumber"] is None
    assert invoice["orderId"] == data["order"]["id"]
    assert invoice["amount"] == 245 + 1500  # one month of platform (2940 / 12) plus the one-off
    assert (invoice["invoiceDate"], invoice["dueDate"]) == ("2026-01-01", "2026-01-31")
    assert nue.store.invoices == {}
    assert client.post("/orders", json=draft(tenant.acme, platform_line(nue))).json()["data"]["invoices"] == []


def test_subscription_dates_are_derived_from_start_and_term(nue: NueSandbox, client: httpx.Client,
                                                            tenant: Tenant) -> None:
    body = draft(
        tenant.acme,
        platform_line(nue),  # start + 12 months
        seats_line(nue, subscriptionTerm=None, subscriptionEndDate="2027-07-01"),  # term from the end date
        {**seats_line(nue), "subscriptionTerm": None, "subscriptionStartDate": None},  # product default, order date
        onboarding_line(nue),
    )
    products = created_order(client.post("/orders", json=body))["orderProducts"]
    dates = [(p["subscriptionStartDate"], p["subscriptionEndDate"], p["subscriptionTerm"]) for p in products]
    assert dates == [
        ("2026-01-01", "2027-01-01", 12),
        ("2026-01-01", "2027-07-01", 18),
        ("2026-01-01", "2027-01-01", 12),
        ("2026-01-01", None, None),
    ]
    assert [p["chargeType"] for p in products] == ["Recurring", "Recurring", "Recurring", "One-Time"]


def test_billing_settings_custom_fields_and_links_are_stored(nue: NueSandbox, client: httpx.Client,
                                                             tenant: Tenant) -> None:
    billing = {"billingPeriod": "Quarter", "billCycleDay": "15th Day of Month", "billingTiming": "In Arrears",
               "paymentTerm": "Net 45"}
    body = draft(tenant.acme, platform_line(nue, salesforceId="802LINE1", customFields={"Seats_Note__c": "x"}),
                 salesforceId="801ORDER1", origin="Salesforce", customFields={"Region__c": "EMEA"}, **billing)
    order = created_order(client.post("/orders", json=body))
    assert {name: order[name] for name in billing} == billing
    assert (order["salesforceId"], order["origin"], order["customFields"]) == ("801ORDER1", "Salesforce",
                                                                             {"Region__c": "EMEA"})
    product = order["orderProducts"][0]
    assert (product["salesforceId"], product["customFields"]) == ("802LINE1", {"Seats_Note__c": "x"})


def test_price_tags_are_written_by_code_or_id(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    tags = ["VOLUME-TIER-1", tag_id(nue, "REGION-EU"), {"code": "NONPROFIT"}]
    product = created_order(client.post("/orders", json=draft(tenant.acme, platform_line(nue, priceTags=tags))))[
        "orderProducts"][0]
    assert [tag["code"] for tag in product["priceTags"]] == ["VOLUME-TIER-1", "REGION-EU", "NONPROFIT"]
    assert set(product["priceTags"][0]) == {"id", "code", "name"}
    assert product["priceTags"][1]["id"] == tag_id(nue, "REGION-EU")


def test_a_list_price_override_is_kept(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    product = created_order(client.post("/orders", json=draft(tenant.acme, platform_line(nue, listPrice=45))))[
        "orderProducts"][0]
    assert (product["listPrice"], product["listTotal"]) == (45, 2700)


MISSING: list[tuple[str, Any]] = [
    ("customer.id", lambda body: body.pop("customer")),
    ("effectiveDate", lambda body: body.pop("effectiveDate")),
    ("orderProducts", lambda body: body.pop("orderProducts")),
    ("orderProducts", lambda body: body.update(orderProducts=[])),
    ("orderProducts[0].priceBookEntryId", lambda body: body["orderProducts"][0].pop("priceBookEntryId")),
    ("orderProducts[0].quantity", lambda body: body["orderProducts"][0].pop("quantity")),
]


@pytest.mark.parametrize(("field", "remove"), MISSING, ids=[f for f, _ in MISSING])
def test_a_missing_required_field_is_named(nue: NueSandbox, client: httpx.Client, tenant: Tenant, field: str,
                                           remove: Any) -> None:
    body = draft(tenant.acme, platform_line(nue))
    remove(body)
    error = error_of(client.post("/orders", json=body), 400)
    assert (error["errorCode"], error["field"]) == ("REQUIRED_FIELD_MISSING", field)
    assert nue.orders() == []


REFERENCES = [
    ("CUSTOMER_NOT_FOUND", "customer.id", lambda nue, body: body.update(customer={"id": "no-such-customer"})),
    ("CONTACT_NOT_FOUND", "billToContact.id", lambda nue, body: body.update(billToContact={"id": "nobody"})),
    ("PRICE_BOOK_ENTRY_NOT_FOUND", "orderProducts[0].priceBookEntryId",
     lambda nue, body: body["orderProducts"][0].update(priceBookEntryId="01uNOSUCHENTRY")),
    ("PRICE_TAG_NOT_FOUND", "orderProducts[0].priceTags[1]",
     lambda nue, body: body["orderProducts"][0].update(priceTags=["REGION-EU", "NO-SUCH-TAG"])),
]


@pytest.mark.parametrize(("code", "field", "corrupt"), REFERENCES, ids=[code for code, _, _ in REFERENCES])
def test_a_reference_to_a_missing_record_is_refused(nue: NueSandbox, client: httpx.Client, tenant: Tenant,
                                                    code: str, field: str, corrupt: Any) -> None:
    body = draft(tenant.acme, platform_line(nue))
    corrupt(nue, body)
    error = error_of(client.post("/orders", json=body), 400)
    assert (error["errorCode"], error["field"]) == (code, field)
    assert nue.orders() == []


INVALID = [
    ("billingPeriod", {"billingPeriod": "Fortnight"}),
    ("billCycleDay", {"billCycleDay": "32nd Day of Month"}),
    ("billingTiming", {"billingTiming": "Whenever"}),
    ("paymentTerm", {"paymentTerm": "Net thirty"}),
    ("origin", {"origin": "SAP"}),
    ("effectiveDate", {"effectiveDate": "01/02/2026"}),
    ("discount", {"discount": 120}),
    ("discountAmount", {"discountAmount": "lots"}),
    ("billToContact.id", {"billToContact": {"id": "globex-contact"}}),
]


@pytest.mark.parametrize(("field", "change"), INVALID, ids=[field for field, _ in INVALID])
def test_an_invalid_value_is_refused_by_field(nue: NueSandbox, client: httpx.Client, tenant: Tenant, field: str,
                                              change: dict[str, Any]) -> None:
    if field == "billToContact.id":
        change = {"billToContact": {"id": tenant.globex_contact}}  # a contact of another customer
    error = error_of(client.post("/orders", json=draft(tenant.acme, platform_line(nue), **change)), 400)
    assert (error["errorCode"], error["field"]) == ("INVALID_VALUE", field)


def test_line_values_are_checked_too(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    bad_end = platform_line(nue, subscriptionTerm=None, subscriptionEndDate="2025-06-01")
    error = error_of(client.post("/orders", json=draft(tenant.acme, bad_end)), 400)
    assert (error["errorCode"], error["field"]) == ("INVALID_VALUE", "orderProducts[0].subscriptionEndDate")
    error = error_of(client.post("/orders", json=draft(tenant.acme, platform_line(nue, quantity=-1))), 400)
    assert error["field"] == "orderProducts[0].quantity"
    under_a_month = platform_line(nue, subscriptionTerm=None, subscriptionEndDate="2026-01-20")
    error = error_of(client.post("/orders", json=draft(tenant.acme, under_a_month)), 400)
    assert error["field"] == "orderProducts[0].subscriptionTerm"


def test_products_must_be_priced_in_the_order_currency(nue: NueSandbox, client: httpx.Client,
                                                       tenant: Tenant) -> None:
    error = error_of(client.post("/orders", json=draft(tenant.acme, platform_line(nue), currencyIsoCode="EUR")), 400)
    assert (error["errorCode"], error["field"]) == ("INVALID_VALUE", "orderProducts[0].priceBookEntryId")
    assert "USD" in error["message"]


@pytest.mark.parametrize(("field", "extra"), [
    ("status", {"status": "Activated"}),
    ("totalAmount", {"totalAmount": 1}),
    ("orderProducts[0].productSku", {}),
])
def test_unknown_and_read_only_fields_are_refused_not_ignored(nue: NueSandbox, client: httpx.Client, tenant: Tenant,
                                                              field: str, extra: dict[str, Any]) -> None:
    on_line = field.startswith("orderProducts")
    lines = [platform_line(nue, productSku="NUE-PLAT-STD")] if on_line else [platform_line(nue)]
    error = error_of(client.post("/orders", json=draft(tenant.acme, *lines, **extra)), 400)
    assert (error["errorCode"], error["field"]) == ("INVALID_FIELD", field)


def test_customer_id_is_accepted_in_the_read_shape_too(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    body = draft(tenant.acme, platform_line(nue))
    del body["customer"]
    body["customerId"] = tenant.acme
    assert created_order(client.post("/orders", json=body))["customerId"] == tenant.acme
    body["customer"] = {"id": tenant.globex}
    assert error_of(client.post("/orders", json=body), 400)["field"] == "customerId"


def test_a_duplicate_order_salesforce_id_is_409(nue: NueSandbox, client: httpx.Client, tenant: Tenant) -> None:
    first = created_order(client.post("/orders", json=draft(tenant.acme, platform_line(nue), salesforceId="801A")))
    error = error_of(client.post("/orders", json=draft(tenant.globex, seats_line(nue), salesforceId="801A")), 409)
    assert (error["errorCode"], error["field"]) == ("DUPLICATE_VALUE", "salesforceId")
    assert first["id"] in error["message"]
    assert len(nue.orders()) == 1


def test_a_duplicate_order_product_salesforce_id_is_409(nue: NueSandbox, client: httpx.Client,
                                                        tenant: Tenant) -> None:
    twice = draft(tenant.acme, platform_line(nue, salesforceId="802X"), seats_line(nue, salesforceId="802X"))
    assert error_of(client.post("/orders", json=twice), 409)["field"] == "orderProducts[1].salesforceId"
    created_order(client.post("/orders", json=draft(tenant.acme, platform_line(nue, salesforceId="802X"))))
    again = draft(tenant.globex, seats_line(nue, salesforceId="802X"))
    assert error_of(client.post("/orders", json=again), 409)["field"] == "orderProducts[0].salesforceId"
    assert len(nue.orders()) == 1
