"""`--create-customers` both ways: a missing customer and a missing bill-to contact are created before their orders.

Customers first (rule 7 in docs/design.md): without `--create-customers` an order whose bill-to contact has no
counterpart on the receiver is blocked with the fix; with it, the contact is created (batched: one Collections
upsert in Salesforce, one `POST /customers/{customerId}/contacts` per customer in Nue), keyed by the sender's
contact id so that a rerun after a crash creates none twice, and linked both ways. A Nue customer's link is its
`externalId`, which only Nue's own Salesforce sync sets: a pull links a customer it created from the Account's
side alone, and a second run finds everything in sync.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from nuesync.errors import ExitCode
from nuesync.sandbox.linked import PairBuilder
from tests.e2e.conftest import World

CONTACT_UPSERT = "PATCH composite/sobjects/Contact/Nue_Contact_Id__c"
CONTACTS_POST = "POST /customers/{id}/contacts"


def seats() -> list[dict[str, object]]:
    return [{"sku": "NUE-SEAT", "quantity": 3, "subscriptionTerm": 12}]


def outcomes(result) -> dict[str, dict]:
    return {o["key"]: o for o in result.json()["result"]["orders"]}


def planned(result) -> dict[str, dict]:
    return {a["key"]: a for a in result.json()["plan"]["actions"]}


@dataclass(frozen=True)
class Carts:
    """Pull: carts in Nue whose bill-to contacts Salesforce lacks."""

    new_customer: str  # Nue customer id: a self-service customer Nue's own sync never linked
    new_contact: str  # its bill-to contact
    acme_contact: str  # a new bill-to contact of Acme, a customer linked both ways
    orders: tuple[str, ...]  # the new customer's cart, then two Acme carts sharing the new contact


def seed_carts(world: World) -> Carts:
    nue = world.sandbox.nue
    pair = PairBuilder(world.sandbox.salesforce, nue)
    acme, _ = pair.linked_customer("Acme Corp", "billing@acme.example")
    umbrella = nue.insert_customer({"name": "Umbrella", "recordType": "Business", "email": "ap@umbrella.example"})
    alice = nue.insert_contact(umbrella, {"name": "Alice Abernathy", "email": "alice@umbrella.example"})
    wile = nue.insert_contact(acme, {"name": "Wile E. Coyote", "email": "wile@acme.example"})
    orders = [pair.nue_order(umbrella, "Umbrella cart", seats(), billToContact={"id": alice})["id"]]
    orders += [pair.nue_order(acme, f"Acme cart {n}", seats(), billToContact={"id": wile})["id"] for n in (1, 2)]
    return Carts(umbrella, alice, wile, tuple(orders))


@dataclass(frozen=True)
class Drafts:
    """Push: rep drafts in Salesforce whose bill-to Contacts Nue lacks."""

    new_account: str  # an Account Nue has no customer for
    new_contact: str  # its Contact
    acme_contact: str  # a new Contact of Acme, linked both ways
    globex_contact: str  # a new Contact of Globex, linked both ways
    orders: tuple[str, ...]


def seed_drafts(world: World) -> Drafts:
    salesforce = world.sandbox.salesforce
    pair = PairBuilder(salesforce, world.sandbox.nue)
    _, acme = pair.linked_customer("Acme Corp", "billing@acme.example")
    _, globex = pair.linked_customer("Globex", "ap@globex.example")
    initrode = salesforce.insert("Account", {"Name": "Initrode", "CurrencyIsoCode": "USD"})
    contacts = {account: salesforce.insert("Contact", {"FirstName": first, "LastName": last, "Email": email,
                                                        "AccountId": account})
                for account, first, last, email in ((initrode, "Peter", "Gibbons", "peter@initrode.example"),
                                                    (acme, "Road", "Runner", "road@acme.example"),
                                                    (globex, "Hank", "Scorpio", "hank@globex.example"))}
    orders = [pair.salesforce_order(account, f"Draft {n}", [("NUE-SEAT", 5)], contact=contacts[account])
              for n, account in enumerate((initrode, acme, acme, globex))]
    return Drafts(initrode, contacts[initrode], contacts[acme], contacts[globex], tuple(orders))


def test_a_pull_creates_missing_bill_to_contacts_in_one_call_and_links_them_both_ways(empty: World) -> None:
    carts = seed_carts(empty)
    salesforce, nue = empty.sandbox.salesforce, empty.sandbox.nue

    blocked = empty.run("--json", "pull", "--yes")
    assert blocked.code == ExitCode.CONFLICTS, blocked.stdout
    assert {outcomes(blocked)[key]["result"] for key in carts.orders} == {"blocked"}
    assert "--create-customers" in planned(blocked)[carts.orders[1]]["fix"]
    assert "bill-to contact Wile E. Coyote is not linked in Salesforce" in outcomes(blocked)[carts.orders[1]]["message"]
    salesforce.reset_counters()
    nue.reset_counters()

    pulled = empty.run("--json", "pull", "--yes", "--create-customers")

    assert pulled.code == ExitCode.OK, pulled.stdout
    assert {outcomes(pulled)[key]["result"] for key in carts.orders} == {"created"}
    assert (pulled.json()["result"]["customers_created"], pulled.json()["result"]["contacts_created"]) == (1, 2)
    contacts = {c["Nue_Contact_Id__c"]: c for c in salesforce.records("Contact") if c["Nue_Contact_Id__c"]}
    alice, wile = contacts[carts.new_contact], contacts[carts.acme_contact]
    (account,) = [a for a in salesforce.records("Account") if a["Nue_Customer_Id__c"] == carts.new_customer]
    assert (alice["Name"], alice["Email"], alice["AccountId"]) == ("Alice Abernathy", "alice@umbrella.example",
                                                                   account["Id"])
    assert (wile["FirstName"], wile["LastName"]) == ("Wile E.", "Coyote")
    linked = {c["id"]: c["salesforceId"] for c in nue.contacts()}
    assert (linked[carts.new_contact], linked[carts.acme_contact]) == (alice["Id"], wile["Id"])
    by_nue_id = {o["Nue_Order_Id__c"]: o for o in salesforce.records("Order")}
    assert [by_nue_id[key]["BillToContactId"] for key in carts.orders] == [alice["Id"], wile["Id"], wile["Id"]]
    assert by_nue_id[carts.orders[0]]["AccountId"] == account["Id"]
    # One Collections call for both contacts; the Nue customer's link is Nue's own sync's, never written.
    assert salesforce.counters[CONTACT_UPSERT] == 1
    assert nue.counters["PATCH /contacts/{id}"] == 2
    assert "PATCH /orders/customers/{id}" not in nue.counters and "PATCH /customers/{id}" not in nue.counters
    assert next(c for c in nue.customers() if c["id"] == carts.new_customer)["externalId"] is None

    salesforce.reset_counters()
    nue.reset_counters()
    again = empty.run("--json", "pull", "--yes", "--create-customers")
    assert again.code == ExitCode.OK, again.stdout
    assert empty.writes() == 0
    assert empty.run("--json", "diff").json()["in_sync"] is True

    # A later cart of the customer linked from the Account's side only: the Account is found by its Nue id.
    later = PairBuilder(salesforce, nue).nue_order(carts.new_customer, "Umbrella cart 2", seats(),
                                                   billToContact={"id": carts.new_contact})["id"]
    assert empty.run("--json", "pull", "--yes", "--create-customers").code == ExitCode.OK
    assert [a["Id"] for a in salesforce.records("Account") if a["Name"] == "Umbrella"] == [account["Id"]]
    assert next(o for o in salesforce.records("Order") if o["Nue_Order_Id__c"] == later)["AccountId"] == account["Id"]


def test_a_push_creates_missing_customers_and_bill_to_contacts_one_request_per_customer(empty: World) -> None:
    drafts = seed_drafts(empty)
    salesforce, nue = empty.sandbox.salesforce, empty.sandbox.nue

    blocked = empty.run("--json", "push", "--yes")
    assert blocked.code == ExitCode.CONFLICTS, blocked.stdout
    assert "bill-to contact Road Runner is not linked in Nue" in outcomes(blocked)[drafts.orders[1]]["message"]
    assert not [c for c in nue.contacts() if c["salesforceId"] in (drafts.acme_contact, drafts.globex_contact)]
    nue.reset_counters()

    pushed = empty.run("--json", "push", "--yes", "--create-customers")

    assert pushed.code == ExitCode.OK, pushed.stdout
    assert {outcomes(pushed)[key]["result"] for key in drafts.orders} == {"created"}
    assert (pushed.json()["result"]["customers_created"], pushed.json()["result"]["contacts_created"]) == (1, 3)
    customer = salesforce.get("Account", drafts.new_account)["Nue_Customer_Id__c"]
    contacts = {c["salesforceId"]: c for c in nue.contacts() if c["salesforceId"]}
    peter = contacts[drafts.new_contact]
    assert (peter["name"], peter["email"], peter["customerId"]) == ("Peter Gibbons", "peter@initrode.example",
                                                                    customer)
    for contact in (drafts.new_contact, drafts.acme_contact, drafts.globex_contact):
        assert salesforce.get("Contact", contact)["Nue_Contact_Id__c"] == contacts[contact]["id"]
    by_link = {o["salesforceId"]: o for o in nue.orders()}
    assert [by_link[key]["billToContactId"] for key in drafts.orders] == [
        contacts[drafts.new_contact]["id"], contacts[drafts.acme_contact]["id"], contacts[drafts.acme_contact]["id"],
        contacts[drafts.globex_contact]["id"]]
    assert next(c for c in nue.customers() if c["id"] == customer)["externalId"] is None
    assert nue.counters[CONTACTS_POST] == 3  # Initrode, Acme and Globex: one array each

    nue.reset_counters()
    salesforce.reset_counters()
    again = empty.run("--json", "push", "--yes", "--create-customers")
    assert again.code == ExitCode.OK, again.stdout
    assert empty.writes() == 0
    assert (again.json()["result"]["customers_created"], again.json()["result"]["contacts_created"]) == (0, 0)


def test_a_run_says_which_customers_and_contacts_it_created(empty: World) -> None:
    seed_drafts(empty)

    pushed = empty.run("push", "--yes", "--create-customers")

    assert pushed.code == ExitCode.OK, pushed.stdout
    assert "created 1 customer and 3 bill-to contacts in Nue" in pushed.stderr
    assert "created" not in empty.run("push", "--yes", "--create-customers").stderr


def test_a_salesforce_contact_without_an_email_fails_alone_since_nue_requires_one(empty: World) -> None:
    drafts = seed_drafts(empty)
    salesforce = empty.sandbox.salesforce
    salesforce.update("Contact", drafts.globex_contact, {"Email": None})

    pushed = empty.run("--json", "push", "--yes", "--create-customers")

    assert pushed.code == ExitCode.PARTIAL_FAILURE, pushed.stdout
    done = outcomes(pushed)
    assert done[drafts.orders[3]]["result"] == "failed"
    why = done[drafts.orders[3]]["message"]
    assert f"Salesforce Contact {drafts.globex_contact} (Hank Scorpio) has no email" in why
    assert {done[key]["result"] for key in drafts.orders[:3]} == {"created"}


@pytest.mark.parametrize("direction", ["pull", "push"])
def test_a_run_that_dies_before_linking_a_new_contact_back_creates_no_second_one(empty: World,
                                                                                  direction: str) -> None:
    """Pull: Nue dies at its first write, the contact link-back. Push: Salesforce dies at its first write after
    the Nue customer's, the Contact link-back. The rerun finds the contact by the sender's id."""
    salesforce, nue = empty.sandbox.salesforce, empty.sandbox.nue
    if direction == "pull":
        carts = seed_carts(empty)
        nue.faults.abort_after_writes(0)
    else:
        drafts = seed_drafts(empty)
        salesforce.faults.abort_after_writes(1)  # the new Account's Nue id lands; the Contact links do not

    interrupted = empty.run("--json", direction, "--yes", "--create-customers")

    assert interrupted.code not in (ExitCode.OK, ExitCode.INTERNAL_ERROR), interrupted.stdout
    if direction == "pull":  # created in Salesforce, keyed by their Nue ids, not linked back in Nue
        keyed = {c["Nue_Contact_Id__c"] for c in salesforce.records("Contact")}
        assert {carts.new_contact, carts.acme_contact} <= keyed
        assert {c["salesforceId"] for c in nue.contacts()} == {None}
    else:  # created in Nue, keyed by their Salesforce ids, not linked back in Salesforce
        assert {drafts.new_contact, drafts.acme_contact, drafts.globex_contact} <= {
            c["salesforceId"] for c in nue.contacts()}
        assert salesforce.get("Contact", drafts.acme_contact)["Nue_Contact_Id__c"] is None
    before = (len(salesforce.records("Contact")), len(nue.contacts()))
    salesforce.faults.clear()
    nue.faults.clear()
    resumed = empty.run("--json", direction, "--yes", "--create-customers")
    assert resumed.code == ExitCode.OK, resumed.stdout
    assert (len(salesforce.records("Contact")), len(nue.contacts())) == before
    sf_links = {c["Id"]: c["Nue_Contact_Id__c"] for c in salesforce.records("Contact")}
    assert all(sf_links[c["salesforceId"]] == c["id"] for c in nue.contacts())
    assert empty.run("--json", "diff").json()["in_sync"] is True


def test_a_contact_created_for_orders_that_then_fail_counts_as_written(empty: World) -> None:
    """Exit 4 (something was written), not 8: the run created the contact before its order was refused."""
    salesforce, nue = empty.sandbox.salesforce, empty.sandbox.nue
    pair = PairBuilder(salesforce, nue)
    _, acme = pair.linked_customer("Acme Corp", "billing@acme.example")
    contact = salesforce.insert("Contact", {"LastName": "Runner", "Email": "road@acme.example", "AccountId": acme})
    draft = pair.salesforce_order(acme, "Draft", [("NUE-SEAT", 5)], contact=contact)
    nue.faults.fail_order(draft, status=422, error_code="VALIDATION_FAILED", message="tax region missing")

    pushed = empty.run("--json", "push", "--yes", "--create-customers")

    assert pushed.code == ExitCode.PARTIAL_FAILURE, pushed.stdout
    assert outcomes(pushed)[draft]["result"] == "failed"
    assert [c["salesforceId"] for c in nue.contacts()] == [contact]


def test_a_push_that_dies_before_linking_a_new_nue_customer_back_creates_no_second_one(empty: World) -> None:
    """A Nue customer cannot hold its Account's id (its `externalId` is Nue's own sync's), so only the journal
    knows the pair until the Account's Nue id is written: Salesforce dies at that very write, and the rerun
    updates and links the customer the journal remembers."""
    drafts = seed_drafts(empty)
    salesforce, nue = empty.sandbox.salesforce, empty.sandbox.nue
    salesforce.faults.abort_after_writes(0)

    interrupted = empty.run("--json", "push", "--yes", "--create-customers")

    assert interrupted.code not in (ExitCode.OK, ExitCode.INTERNAL_ERROR), interrupted.stdout
    (created,) = [c for c in nue.customers() if c["name"] == "Initrode"]
    assert salesforce.get("Account", drafts.new_account)["Nue_Customer_Id__c"] is None
    assert "the next run links it" in outcomes(interrupted)[drafts.orders[0]]["message"]
    salesforce.faults.clear()

    resumed = empty.run("--json", "push", "--yes", "--create-customers")

    assert resumed.code == ExitCode.OK, resumed.stdout
    assert [c["id"] for c in nue.customers() if c["name"] == "Initrode"] == [created["id"]]
    assert salesforce.get("Account", drafts.new_account)["Nue_Customer_Id__c"] == created["id"]
    assert next(o for o in nue.orders() if o["salesforceId"] == drafts.orders[0])["customerId"] == created["id"]
    assert empty.run("--json", "diff").json()["in_sync"] is True


def test_a_customer_linked_from_one_side_only_needs_no_customer_creation(empty: World) -> None:
    """A Nue customer's own link is Nue's sync's to set. An Account that names its Nue customer pairs the
    customer for a pull, and a Nue customer that names its Account pairs it for a push, without
    `--create-customers`: the link is found on the other side (one query there), and nothing is created."""
    salesforce, nue = empty.sandbox.salesforce, empty.sandbox.nue
    pair = PairBuilder(salesforce, nue)
    # Pull: the Account carries the Nue id; the Nue customer carries nothing (as after a pull created it).
    umbrella = nue.insert_customer({"name": "Umbrella", "recordType": "Business", "email": "ap@umbrella.example"})
    account = salesforce.insert("Account", {"Name": "Umbrella", "Nue_Customer_Id__c": umbrella})
    cart = pair.nue_order(umbrella, "Umbrella cart", seats())["id"]
    # Push: the Nue customer carries the Account id (Nue's sync linked it); the Account carries nothing.
    initech = salesforce.insert("Account", {"Name": "Initech"})
    initech_nue = nue.insert_customer({"name": "Initech", "recordType": "Business", "email": "ap@initech.example",
                                       "salesforceId": initech})
    draft = pair.salesforce_order(initech, "Initech draft", [("NUE-SEAT", 5)])

    pulled = empty.run("--json", "pull", "--yes")
    pushed = empty.run("--json", "push", "--yes")

    assert (pulled.code, pushed.code) == (ExitCode.OK, ExitCode.OK), (pulled.stdout, pushed.stdout)
    assert outcomes(pulled)[cart]["result"] == outcomes(pushed)[draft]["result"] == "created"
    assert next(o for o in salesforce.records("Order") if o["Nue_Order_Id__c"] == cart)["AccountId"] == account
    assert next(o for o in nue.orders() if o["salesforceId"] == draft)["customerId"] == initech_nue
    assert (len(salesforce.records("Account")), len(nue.customers())) == (2, 2)
    assert empty.run("--json", "diff").json()["in_sync"] is True
