"""Writing drafts: Collections upserts keyed by Nue ids, per-record outcomes, links and activation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from nuesync.adapters.base import ContactDetails, Outcome, WriteResult
from nuesync.adapters.salesforce import SalesforceAdapter
from nuesync.model import ContactRef, Customer, DraftOrder, LineItem, Links, System, synced_content
from tests.adapters.salesforce.sf_support import Org, linked_account, nue_cart
from tests.helpers import HeardProgress

ORDER_UPSERT = "PATCH composite/sobjects/Order/Nue_Order_Id__c"
LINE_UPSERT = "PATCH composite/sobjects/OrderItem/Nue_Order_Product_Id__c"
CREATE = "POST composite/sobjects"
UPDATE = "PATCH composite/sobjects"


def stored_orders(org: Org) -> dict[str, dict]:
    return {row["Nue_Order_Id__c"]: row for row in org.sandbox.records("Order")}


def test_new_carts_are_created_as_drafts_in_the_standard_book_with_their_origin(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    carts = [nue_cart(n, acme) for n in range(3)]

    results = adapter.upsert_orders(carts)

    assert [(r.key, r.outcome) for r in results] == [(c.links.nue_id, Outcome.CREATED) for c in carts]
    standard = next(r["Id"] for r in org.sandbox.records("Pricebook2") if r["IsStandard"])
    for cart, result in zip(carts, results, strict=True):
        row = org.sandbox.get("Order", str(result.record_id))
        assert (row["Status"], row["StatusCode"], row["Pricebook2Id"]) == ("Draft", "Draft", standard)
        assert row["Nue_Origin__c"] == "Nue"
        assert row["AccountId"] == acme.links.salesforce_id
        assert set(result.line_ids) == {line.links.nue_id for line in cart.lines}
        items = {org.sandbox.get("OrderItem", i)["Nue_Order_Product_Id__c"] for i in result.line_ids.values()}
        assert items == set(result.line_ids)


def test_a_written_cart_reads_back_as_the_same_content(org: Org, adapter: SalesforceAdapter, acme: Customer) -> None:
    cart = nue_cart(7, acme, description="Gift for the team", discount={"percent": Decimal("7.5")})

    (result,) = adapter.upsert_orders([cart])
    (read,) = adapter.fetch_orders(ids=[str(result.record_id)]).orders

    assert synced_content(read) == synced_content(cart)
    assert read.links == Links(nue_id=cart.links.nue_id, salesforce_id=result.record_id)


def linked(cart: DraftOrder, result: WriteResult) -> DraftOrder:
    """The cart as the next run hands it over once linked: it names its Salesforce Order."""
    return cart.model_copy(update={"links": Links(nue_id=cart.links.nue_id, salesforce_id=result.record_id)})


def test_a_thousand_new_carts_are_inserted_without_a_lookup_in_22_requests(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    carts = [nue_cart(n, acme) for n in range(1000)]
    org.sandbox.reset_counters()

    first = adapter.upsert_orders(carts)

    # the standard price book and its entries, then 200 records a call; nobody asks whether they exist
    assert dict(org.sandbox.counters) == {"GET query": 2, CREATE: 5, LINE_UPSERT: 15}
    assert Counter(r.outcome for r in first) == {Outcome.CREATED: 1000}
    assert len(org.sandbox.records("Order")) == 1000
    assert len(org.sandbox.records("OrderItem")) == 3000


def test_headers_then_lines_count_up_call_by_call_to_what_is_sent(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    carts = [nue_cart(n, acme) for n in range(201)]  # 201 headers and 603 lines: several calls each
    heard = HeardProgress()
    org.sandbox.reset_counters()

    adapter.upsert_orders(carts, progress=heard)

    headers, lines = "writing order headers to Salesforce", "writing order lines to Salesforce"
    assert heard.heard == [*((headers, done, 201) for done in (0, 200, 201)),
                           *((lines, done, 603) for done in (0, 200, 400, 600, 603))]
    assert dict(org.sandbox.counters) == {"GET query": 2, CREATE: 2, LINE_UPSERT: 4}  # counting sends nothing


def test_linked_carts_are_looked_up_then_upserted_in_place(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    carts = [nue_cart(n, acme) for n in range(1000)]
    first = adapter.upsert_orders(carts)
    org.sandbox.reset_counters()

    again = adapter.upsert_orders([linked(c, r) for c, r in zip(carts, first, strict=True)])

    assert dict(org.sandbox.counters) == {"GET query": 2, ORDER_UPSERT: 5, LINE_UPSERT: 15}  # 500 keys a look-up
    assert Counter(r.outcome for r in again) == {Outcome.UPDATED: 1000}
    assert [(r.record_id, r.line_ids) for r in again] == [(r.record_id, r.line_ids) for r in first]


def test_carts_written_but_never_linked_back_are_updated_not_created_twice(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    """A run died after writing here and before linking back in Nue: the next sends them as new again."""
    carts = [nue_cart(n, acme) for n in range(1000)]
    first = adapter.upsert_orders(carts)
    org.sandbox.reset_counters()
    heard = HeardProgress()

    again = adapter.upsert_orders(carts, progress=heard)

    # the inserts refused (and those not sent after them) are sent again as updates: the headers' total grows
    assert heard.counts("writing order headers to Salesforce") == [
        *((done, 1000) for done in range(0, 1001, 200)), *((done, 2000) for done in range(1000, 2001, 200))]
    # the first insert call is refused record by record (DUPLICATE_VALUE on the unique Nue id), the batch
    # stops sending inserts, and every cart is looked up and upserted instead
    assert dict(org.sandbox.counters) == {CREATE: 1, "GET query": 2, ORDER_UPSERT: 5, LINE_UPSERT: 15}
    assert Counter(r.outcome for r in again) == {Outcome.UPDATED: 1000}
    assert [(r.record_id, r.line_ids) for r in again] == [(r.record_id, r.line_ids) for r in first]
    assert len(org.sandbox.records("Order")) == 1000
    assert len(org.sandbox.records("OrderItem")) == 3000


def test_an_update_overwrites_changed_values_and_adds_new_lines(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    cart = nue_cart(1, acme, skus=("NUE-SEAT",))
    (created,) = adapter.upsert_orders([cart])
    seat = cart.lines[0].model_copy(update={"quantity": Decimal(40)})
    support = LineItem(
        links=Links(nue_id="OP-00001-9"), product_sku="NUE-SUPPORT-PREM", quantity=Decimal(1), unit_price=Decimal(150)
    )
    changed = cart.model_copy(update={"name": "Renamed in Nue", "description": None, "lines": [seat, support]})

    (updated,) = adapter.upsert_orders([changed])

    assert (updated.outcome, updated.record_id) == (Outcome.UPDATED, created.record_id)
    assert updated.line_ids["OP-00001-0"] == created.line_ids["OP-00001-0"]
    row = org.sandbox.get("Order", str(created.record_id))
    assert row["Name"] == "Renamed in Nue"
    items = {
        org.sandbox.get("OrderItem", i)["Nue_Order_Product_Id__c"]: org.sandbox.get("OrderItem", i)
        for i in updated.line_ids.values()
    }
    assert items["OP-00001-0"]["Quantity"] == 40
    assert items["OP-00001-9"]["OrderId"] == created.record_id


def test_a_record_breaking_a_rule_reports_salesforces_code_and_the_rest_is_written(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    carts = [nue_cart(n, acme) for n in range(5)]
    carts[2] = carts[2].model_copy(update={"effective_date": None})  # EffectiveDate is required

    results = adapter.upsert_orders(carts)

    failed = results[2]
    assert failed.outcome is Outcome.FAILED
    assert failed.error_code == "REQUIRED_FIELD_MISSING"
    assert "EffectiveDate" in str(failed.message)
    assert [r.outcome for r in results[:2] + results[3:]] == [Outcome.CREATED] * 4
    assert set(stored_orders(org)) == {c.links.nue_id for i, c in enumerate(carts) if i != 2}


def test_a_failed_line_fails_its_order_saying_the_header_was_written(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    carts = [nue_cart(n, acme) for n in range(2)]
    broken_line = carts[1].lines[1].model_copy(update={"quantity": None})  # Quantity is required
    carts[1] = carts[1].model_copy(update={"lines": [carts[1].lines[0], broken_line, carts[1].lines[2]]})

    ok, failed = adapter.upsert_orders(carts)

    assert ok.outcome is Outcome.CREATED
    assert failed.outcome is Outcome.FAILED
    assert failed.error_code == "REQUIRED_FIELD_MISSING"
    assert failed.record_id == stored_orders(org)["ORD-00001"]["Id"]
    assert f"order header written (Salesforce Order {failed.record_id})" in str(failed.message)
    assert "line OP-00001-1 was not" in str(failed.message)
    assert set(failed.line_ids) == {"OP-00001-0", "OP-00001-2"}


def test_an_injected_per_record_failure_is_reported_with_its_code_and_message(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    org.sandbox.faults.fail_record(2, status_code="FIELD_CUSTOM_VALIDATION_EXCEPTION", message="Credit hold")

    results = adapter.upsert_orders([nue_cart(n, acme) for n in range(3)])

    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.FAILED, Outcome.CREATED]
    assert results[1].error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert "Credit hold" in str(results[1].message)


def test_orders_that_cannot_be_written_fail_alone_before_any_write(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    stranger = Customer(links=Links(nue_id="CUS-NEW"), name="Not in Salesforce yet")
    unknown_contact = ContactRef(links=Links(nue_id="CON-NEW"), name="Nobody")
    carts = [
        nue_cart(0, stranger),
        nue_cart(1, acme, skus=("NUE-SEAT", "NO-SUCH-SKU")),
        nue_cart(2, acme, bill_to_contact=unknown_contact),
        nue_cart(3, acme, links=Links()),
        nue_cart(4, acme),
    ]
    org.sandbox.reset_counters()

    results = adapter.upsert_orders(carts)

    assert [r.error_code for r in results] == [
        "CUSTOMER_NOT_LINKED",
        "PRODUCT_NOT_FOUND",
        "CONTACT_NOT_LINKED",
        "MISSING_EXTERNAL_ID",
        None,
    ]
    assert "Not in Salesforce yet" in str(results[0].message)
    assert "NO-SUCH-SKU" in str(results[1].message)
    assert results[4].outcome is Outcome.CREATED
    assert set(stored_orders(org)) == {"ORD-00004"}
    assert org.sandbox.counters[CREATE] == 1


def test_an_activated_order_is_not_edited_by_draft_sync(org: Org, adapter: SalesforceAdapter, acme: Customer) -> None:
    cart = nue_cart(1, acme)
    (created,) = adapter.upsert_orders([cart])
    org.sandbox.update("Order", str(created.record_id), {"Status": "Activated"})
    org.sandbox.reset_counters()

    (result,) = adapter.upsert_orders([linked(cart, created).model_copy(update={"name": "late edit"})])

    assert (result.outcome, result.error_code) == (Outcome.FAILED, "ORDER_NOT_DRAFT")
    assert org.sandbox.write_count() == 0


def test_an_unlinked_order_activated_since_is_refused_by_its_unique_id_never_overwritten(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    """No draft read finds an activated order, so the cart arrives as new: the insert must not land."""
    cart = nue_cart(1, acme)
    (created,) = adapter.upsert_orders([cart])
    org.sandbox.update("Order", str(created.record_id), {"Status": "Activated"})
    org.sandbox.reset_counters()

    (result,) = adapter.upsert_orders([cart.model_copy(update={"name": "late edit"})])

    assert (result.outcome, result.error_code) == (Outcome.FAILED, "ORDER_NOT_DRAFT")
    assert created.record_id in str(result.message)
    assert dict(org.sandbox.counters) == {CREATE: 1, "GET query": 1}  # the refused insert, then the look-up
    (row,) = org.sandbox.records("Order")
    assert (row["StatusCode"], row["Name"]) == ("Activated", "Portal cart 1")


def test_a_product_change_on_an_existing_line_is_refused_not_half_applied(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    cart = nue_cart(1, acme, skus=("NUE-SEAT",))
    adapter.upsert_orders([cart])
    swapped = cart.lines[0].model_copy(update={"product_sku": "NUE-PLAT-ENT"})

    (result,) = adapter.upsert_orders([cart.model_copy(update={"lines": [swapped]})])

    assert result.error_code == "PRODUCT_CHANGED"
    assert "NUE-SEAT" in str(result.message)
    assert "NUE-PLAT-ENT" in str(result.message)


def test_new_orders_use_the_configured_draft_status_and_a_named_price_book(
    adapter_for: Callable[..., SalesforceAdapter], new_org_for: Callable[..., Org]
) -> None:
    org = new_org_for(order_statuses={"Open": "Draft", "Booked": "Activated"})
    customer = linked_account(org)
    book = org.sandbox.insert("Pricebook2", {"Name": "Partner Price Book", "IsActive": True})
    standard_seat = next(r for r in org.sandbox.records("PricebookEntry") if r["ProductCode"] == "NUE-SEAT")
    org.sandbox.insert(
        "PricebookEntry",
        {
            "Pricebook2Id": book,
            "Product2Id": standard_seat["Product2Id"],
            "UnitPrice": 10,
            "IsActive": True,
            "CurrencyIsoCode": "USD",
        },
    )
    adapter = adapter_for(org, sections={"sync": {"draft_status": "Open", "activated_status": "Booked"}})
    in_partner_book = nue_cart(1, customer, skus=("NUE-SEAT",), price_book="Partner Price Book")
    in_missing_book = nue_cart(2, customer, skus=("NUE-SEAT",), price_book="Gone Price Book")

    created, missing = adapter.upsert_orders([in_partner_book, in_missing_book])

    row = org.sandbox.get("Order", str(created.record_id))
    assert (row["Status"], row["Pricebook2Id"]) == ("Open", book)
    assert missing.error_code == "PRICE_BOOK_NOT_FOUND"
    assert adapter.activate_many([str(created.record_id)])[0].outcome is Outcome.UPDATED
    assert org.sandbox.get("Order", str(created.record_id))["Status"] == "Booked"


def test_set_links_writes_nue_ids_and_origin_onto_salesforce_orders(org: Org, adapter: SalesforceAdapter) -> None:
    org.sandbox.seed_synthetic(2, lines_per_order=2)
    fetched = adapter.fetch_orders().orders
    linked = [
        order.model_copy(
            update={
                "links": Links(salesforce_id=order.links.salesforce_id, nue_id=f"ORD-N{n}"),
                "origin": System.SALESFORCE,
                "lines": [
                    line.model_copy(
                        update={"links": Links(salesforce_id=line.links.salesforce_id, nue_id=f"OP-N{n}-{i}")}
                    )
                    for i, line in enumerate(order.lines)
                ],
            }
        )
        for n, order in enumerate(fetched)
    ]
    org.sandbox.reset_counters()
    heard = HeardProgress()

    results = adapter.set_links([*linked, DraftOrder(links=Links(nue_id="ORD-ORPHAN"))], progress=heard)

    assert [r.outcome for r in results] == [Outcome.UPDATED, Outcome.UPDATED, Outcome.FAILED]
    assert results[2].error_code == "MISSING_LINK"
    assert org.sandbox.counters == {"PATCH composite/sobjects": 2}  # one call for orders, one for lines
    # 2 orders, then their 4 lines; the orphan is not sent, so not counted
    assert heard.counts("writing links onto Salesforce orders and lines") == [(0, 6), (2, 6), (6, 6)]
    for order, result in zip(linked, results[:2], strict=True):
        row = org.sandbox.get("Order", str(order.links.salesforce_id))
        assert (row["Nue_Order_Id__c"], row["Nue_Origin__c"]) == (order.links.nue_id, "Salesforce")
        assert result.line_ids == {line.links.nue_id: line.links.salesforce_id for line in order.lines}
        for line in order.lines:
            assert org.sandbox.get("OrderItem", str(line.links.salesforce_id))["Nue_Order_Product_Id__c"] == (
                line.links.nue_id
            )


def test_activations_are_status_only_updates_200_a_call(org: Org, adapter: SalesforceAdapter, acme: Customer) -> None:
    created = adapter.upsert_orders([nue_cart(n, acme, skus=("NUE-SEAT",)) for n in range(201)])
    ids = [str(r.record_id) for r in created]
    org.sandbox.reset_counters()
    heard = HeardProgress()

    results = adapter.activate_many(ids, progress=heard)

    assert [(r.key, r.outcome, r.record_id) for r in results] == [(i, Outcome.UPDATED, i) for i in ids]
    assert org.sandbox.counters == {UPDATE: 2}  # the emulator, like Salesforce, refuses an activation changing more
    assert heard.counts("activating orders in Salesforce") == [(0, 201), (200, 201), (201, 201)]
    assert {row["StatusCode"] for row in org.sandbox.records("Order")} == {"Activated"}


def test_refused_activations_fail_alone_with_salesforces_code(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    (created,) = adapter.upsert_orders([nue_cart(1, acme)])
    (empty,) = adapter.upsert_orders([nue_cart(2, acme, skus=())])
    org.sandbox.reset_counters()

    missing, malformed, no_products, activated = adapter.activate_many(
        ["801000000000000AAA", "42", str(empty.record_id), str(created.record_id)]
    )

    assert (missing.outcome, missing.error_code) == (Outcome.FAILED, "INVALID_CROSS_REFERENCE_KEY")
    assert (malformed.outcome, malformed.error_code, malformed.record_id) == (Outcome.FAILED, "MALFORMED_ID", None)
    assert (no_products.error_code, no_products.record_id) == ("FAILED_ACTIVATION", empty.record_id)
    assert "no order products" in str(no_products.message)
    assert activated.outcome is Outcome.UPDATED
    assert org.sandbox.counters == {UPDATE: 1}  # the malformed id was never sent


def test_customers_are_upserted_by_their_nue_id(org: Org, adapter: SalesforceAdapter, acme: Customer) -> None:
    renamed = Customer(links=Links(nue_id=acme.links.nue_id), name="Acme Corporation")
    new = Customer(links=Links(nue_id="CUS-NEW"), name="Initech")

    results = adapter.upsert_customers([renamed, new, Customer(name="No Nue id")])

    assert [(r.key, r.outcome) for r in results] == [
        ("CUS-ACME", Outcome.UPDATED),
        ("CUS-NEW", Outcome.CREATED),
        ("", Outcome.FAILED),
    ]
    assert results[0].record_id == acme.links.salesforce_id
    names = {row["Nue_Customer_Id__c"]: row["Name"] for row in org.sandbox.records("Account")}
    assert names == {"CUS-ACME": "Acme Corporation", "CUS-NEW": "Initech"}


def test_link_customers_writes_nue_ids_onto_accounts_by_id(org: Org, adapter: SalesforceAdapter) -> None:
    unlinked = org.sandbox.insert("Account", {"Name": "Globex"})
    ghost = "001000000000000AAA"

    results = adapter.link_customers(
        [
            Customer(links=Links(salesforce_id=unlinked, nue_id="CUS-GLOBEX")),
            Customer(links=Links(salesforce_id=ghost, nue_id="CUS-GHOST")),
            Customer(links=Links(nue_id="CUS-NO-ACCOUNT")),
        ]
    )

    assert [(r.key, r.outcome) for r in results] == [
        (unlinked, Outcome.UPDATED),
        (ghost, Outcome.FAILED),
        ("CUS-NO-ACCOUNT", Outcome.FAILED),
    ]
    assert results[2].error_code == "MISSING_LINK"
    assert org.sandbox.get("Account", unlinked)["Nue_Customer_Id__c"] == "CUS-GLOBEX"


CONTACT_UPSERT = "PATCH composite/sobjects/Contact/Nue_Contact_Id__c"


def test_contacts_are_read_then_upserted_by_their_nue_id_in_one_call(org: Org, adapter: SalesforceAdapter,
                                                                      acme: Customer) -> None:
    account = str(acme.links.salesforce_id)
    rep = org.sandbox.insert("Contact", {"FirstName": "Road", "LastName": "Runner", "Email": "road@acme.example",
                                         "AccountId": account, "Nue_Contact_Id__c": "CON-ROAD"})
    org.sandbox.reset_counters()

    [read] = adapter.fetch_contacts([rep, "001000000000000AAA"])  # an Account id names no Contact
    results = adapter.upsert_contacts([
        ContactDetails(Links(nue_id=f"CON-{key}"), name=name, email=f"{key.lower()}@acme.example", customer_id=where)
        for key, name, where in (("ADA", "Ada King Lovelace", account), ("ROAD", "Road Runner", account),
                                 ("SOLO", "Cher", account), ("NOWHERE", "No Account", None))
    ])

    assert read == ContactDetails(Links(salesforce_id=rep, nue_id="CON-ROAD"), name="Road Runner",
                                  email="road@acme.example")
    assert [(r.key, r.outcome) for r in results] == [("CON-ADA", Outcome.CREATED), ("CON-ROAD", Outcome.UPDATED),
                                                     ("CON-SOLO", Outcome.CREATED), ("CON-NOWHERE", Outcome.FAILED)]
    assert results[1].record_id == rep  # a rerun after a crash finds the Contact it created, and creates none
    ada, cher = (org.sandbox.get("Contact", str(r.record_id)) for r in (results[0], results[2]))
    assert (ada["FirstName"], ada["LastName"], ada["Name"], ada["AccountId"]) == (
        "Ada King", "Lovelace", "Ada King Lovelace", account)
    assert (cher["FirstName"], cher["LastName"], cher["Email"]) == (None, "Cher", "solo@acme.example")
    assert org.sandbox.counters == {"GET query": 1, CONTACT_UPSERT: 1}


def test_link_contacts_writes_nue_ids_onto_contacts_by_id(org: Org, adapter: SalesforceAdapter) -> None:
    contact = org.sandbox.insert("Contact", {"LastName": "Gibbons", "Email": "peter@initrode.example"})

    results = adapter.link_contacts([ContactRef(links=Links(salesforce_id=contact, nue_id="CON-PETER")),
                                     ContactRef(links=Links(nue_id="CON-NO-CONTACT"))])

    assert [(r.key, r.outcome) for r in results] == [(contact, Outcome.UPDATED), ("CON-NO-CONTACT", Outcome.FAILED)]
    assert org.sandbox.get("Contact", contact)["Nue_Contact_Id__c"] == "CON-PETER"
