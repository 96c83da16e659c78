"""Malformed input on either side blocks that order only, naming the record and the field.

Both emulators validate what the API writes, so data no client could write (a February 30th, a
line whose product is gone) is planted straight into an emulator's store, as a buggy
integration or a hand edit in the database would leave it; each plant says so. Everything else
is written through the emulators' rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from nuesync.errors import ExitCode
from nuesync.reconcile import Direction
from nuesync.sandbox.pair import RunningSandbox
from tests.e2e.conftest import World
from tests.e2e.test_volume import linked_world, seed_nue_carts, seed_salesforce_drafts

IMPOSSIBLE_DATE = "2026-02-30"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with linked_world(tmp_path) as linked:
        yield linked


def outcomes(result: Any) -> dict[str, dict[str, Any]]:
    return {o["key"]: o for o in result.json()["result"]["orders"]}


def salesforce_items(sandbox: RunningSandbox, order_id: str) -> list[dict[str, Any]]:
    return [item for item in sandbox.salesforce.records("OrderItem") if item["OrderId"] == order_id]


def nue_counterpart(sandbox: RunningSandbox, salesforce_id: str) -> dict[str, Any] | None:
    return next((o for o in sandbox.nue.orders() if o["salesforceId"] == salesforce_id), None)


def salesforce_counterpart(sandbox: RunningSandbox, nue_id: str) -> dict[str, Any] | None:
    return next((o for o in sandbox.salesforce.records("Order") if o["Nue_Order_Id__c"] == nue_id), None)


# --- malformed senders: one plant per kind of bad input ------------------------------------------


def nue_cart_with_an_impossible_date(sandbox: RunningSandbox, order_id: str) -> str:
    """Planted: Nue's API refuses such a date, so it goes into the store directly."""
    sandbox.nue.store.orders[order_id]["effectiveDate"] = IMPOSSIBLE_DATE
    return "effectiveDate"


def nue_cart_with_a_line_without_product(sandbox: RunningSandbox, order_id: str) -> str:
    """Planted: a line whose product was removed behind the API's back."""
    line = sandbox.nue.store.lines_of(order_id)[0]
    line["productId"] = line["productSku"] = None
    return "orderProducts[0].productSku"


def salesforce_draft_with_an_impossible_date(sandbox: RunningSandbox, order_id: str) -> str:
    """Planted: Salesforce refuses such a date, so it goes into the org's store directly."""
    sandbox.salesforce.store.row("Order", order_id)["EffectiveDate"] = IMPOSSIBLE_DATE
    return "EffectiveDate"


def salesforce_draft_with_a_line_without_product(sandbox: RunningSandbox, order_id: str) -> str:
    """Through the API: Salesforce lets a product have no ProductCode, and nuesync matches products by it."""
    salesforce = sandbox.salesforce
    book = next(r["Id"] for r in salesforce.records("Pricebook2") if r["IsStandard"])
    product = salesforce.insert("Product2", {"Name": "Consulting day (no code)", "IsActive": True})
    entry = salesforce.insert("PricebookEntry", {"Pricebook2Id": book, "Product2Id": product, "UnitPrice": 900,
                                                 "IsActive": True, "CurrencyIsoCode": "USD"})
    salesforce.insert("OrderItem", {"OrderId": order_id, "PricebookEntryId": entry, "Quantity": 1, "UnitPrice": 900})
    return "OrderItems.PricebookEntry.Product2.ProductCode"


@dataclass(frozen=True)
class BadSender:
    direction: Direction
    plant: Callable[[RunningSandbox, str], str]  # spoils one sender order, returns the wire field to name

    def seed(self, sandbox: RunningSandbox) -> list[str]:
        seed = seed_nue_carts if self.direction is Direction.PULL else seed_salesforce_drafts
        return seed(sandbox, 3)

    def counterpart(self, sandbox: RunningSandbox, order_id: str) -> dict[str, Any] | None:
        find = salesforce_counterpart if self.direction is Direction.PULL else nue_counterpart
        return find(sandbox, order_id)


BAD_SENDERS = {
    "nue-bad-date": BadSender(Direction.PULL, nue_cart_with_an_impossible_date),
    "nue-line-without-product": BadSender(Direction.PULL, nue_cart_with_a_line_without_product),
    "salesforce-bad-date": BadSender(Direction.PUSH, salesforce_draft_with_an_impossible_date),
    "salesforce-line-without-product": BadSender(Direction.PUSH, salesforce_draft_with_a_line_without_product),
}


@pytest.mark.parametrize("case", BAD_SENDERS.values(), ids=BAD_SENDERS.keys())
def test_a_malformed_sender_order_is_blocked_alone_naming_record_and_field(world: World, case: BadSender) -> None:
    spoiled, *good = case.seed(world.sandbox)
    field = case.plant(world.sandbox, spoiled)

    result = world.run("--json", case.direction.value, "--yes")

    assert result.code == ExitCode.CONFLICTS, result.stdout
    done = outcomes(result)
    assert done[spoiled]["result"] == "blocked"
    assert spoiled in done[spoiled]["message"] and field in done[spoiled]["message"]
    assert case.counterpart(world.sandbox, spoiled) is None
    assert {done[key]["result"] for key in good} == {"created"}
    assert all(case.counterpart(world.sandbox, key) for key in good)


def test_diff_names_each_malformed_record_once_even_when_its_counterpart_links_to_it(world: World) -> None:
    carts = seed_nue_carts(world.sandbox, 2)
    drafts = seed_salesforce_drafts(world.sandbox, 2)
    assert world.run("pull", "--yes").code == world.run("push", "--yes").code == ExitCode.OK
    nue_cart_with_an_impossible_date(world.sandbox, carts[0])
    salesforce_draft_with_a_line_without_product(world.sandbox, drafts[0])

    result = world.run("--json", "diff")

    assert result.code == ExitCode.DIFFERENCES
    problems = [(p["system"], p["record_id"], p["field"]) for p in result.json()["problems"]]
    assert sorted(problems) == [("nue", carts[0], "effectiveDate"),
                                ("salesforce", drafts[0], "OrderItems.PricebookEntry.Product2.ProductCode")]


# --- price tags: Nue knows its tags, Salesforce takes any code -----------------------------------


def test_a_salesforce_line_with_a_price_tag_nue_lacks_blocks_only_its_order(world: World) -> None:
    tagged, *good = seed_salesforce_drafts(world.sandbox, 3)
    line = salesforce_items(world.sandbox, tagged)[0]
    world.sandbox.salesforce.update("OrderItem", line["Id"], {"Nue_Price_Tags__c": "NO-SUCH-TAG"})

    result = world.run("--json", "push", "--yes")

    assert result.code == ExitCode.CONFLICTS, result.stdout
    done = outcomes(result)
    assert done[tagged]["result"] == "blocked"
    assert line["Id"] in done[tagged]["message"]
    assert "price tag NO-SUCH-TAG is unknown in Nue" in done[tagged]["message"]
    assert nue_counterpart(world.sandbox, tagged) is None
    assert {done[key]["result"] for key in good} == {"created"}


def test_a_nue_price_tag_salesforce_has_never_seen_is_written_as_its_code(world: World) -> None:
    nue = world.sandbox.nue
    nue.store.add_price_tag({"id": nue.store.new_id("priceTag"), "code": "PARTNER-2026", "name": "Partner price",
                             "type": "Price", "active": True})
    cart, _other = seed_nue_carts(world.sandbox, 2)
    line = nue.get_order(cart)["orderProducts"][0]
    nue.update_order(cart, {"orderProducts": [{"id": line["id"], "priceTags": ["PARTNER-2026"]}]})

    result = world.run("--json", "pull", "--yes")

    assert result.code == ExitCode.OK, result.stdout
    assert {o["result"] for o in result.json()["result"]["orders"]} == {"created"}
    counterpart = salesforce_counterpart(world.sandbox, cart)
    assert counterpart is not None
    items = salesforce_items(world.sandbox, counterpart["Id"])
    (item,) = [i for i in items if i["Nue_Order_Product_Id__c"] == line["id"]]
    assert item["Nue_Price_Tags__c"] == "PARTNER-2026"


# --- a value the receiver refuses, and a malformed receiver ---------------------------------------


def test_a_value_the_receiver_refuses_fails_that_order_alone_naming_the_field(world: World) -> None:
    refused, *good = seed_salesforce_drafts(world.sandbox, 3)
    world.sandbox.salesforce.update("Order", refused, {"Nue_Payment_Term__c": "Due on Receipt"})

    result = world.run("--json", "push", "--yes")

    assert result.code == ExitCode.PARTIAL_FAILURE
    done = outcomes(result)
    assert done[refused]["result"] == "failed"
    assert "paymentTerm" in done[refused]["message"] and "Due on Receipt" in done[refused]["message"]
    assert {done[key]["result"] for key in good} == {"created"}


@pytest.mark.parametrize("direction", [Direction.PULL, Direction.PUSH])
def test_a_malformed_counterpart_blocks_its_pair_and_is_not_overwritten_unseen(
        world: World, direction: Direction) -> None:
    sandbox = world.sandbox
    senders = (seed_nue_carts if direction is Direction.PULL else seed_salesforce_drafts)(sandbox, 3)
    assert world.run(direction.value, "--yes").code == ExitCode.OK
    changed = senders[0]
    if direction is Direction.PULL:
        receiver_id = sandbox.nue.get_order(changed)["salesforceId"]
        sandbox.nue.update_order(changed, {"name": "Renamed in Nue"})
        field = salesforce_draft_with_an_impossible_date(sandbox, receiver_id)
        spoiled = sandbox.salesforce.store.row("Order", receiver_id)
        date_field = "EffectiveDate"
    else:
        receiver_id = sandbox.salesforce.get("Order", changed)["Nue_Order_Id__c"]
        sandbox.salesforce.update("Order", changed, {"Name": "Renamed in Salesforce"})
        field = nue_cart_with_an_impossible_date(sandbox, receiver_id)
        spoiled = sandbox.nue.store.orders[receiver_id]
        date_field = "effectiveDate"
    world.sandbox.salesforce.reset_counters()
    world.sandbox.nue.reset_counters()

    result = world.run("--json", direction.value, "--yes")

    assert result.code == ExitCode.CONFLICTS, result.stdout
    assert world.writes() == 0
    assert spoiled[date_field] == IMPOSSIBLE_DATE
    blocked = [o["message"] for o in result.json()["result"]["orders"] if o["result"] == "blocked"]
    assert len(blocked) == 2  # the pair, and the unreadable record itself
    assert all(receiver_id in message and field in message for message in blocked)
    assert any(message.startswith("its counterpart") for message in blocked)


# --- numbers Salesforce cannot store, and values that must not be written through ------------------

# Planted (Nue's API refuses them): amounts as an import behind the API would leave them.
ODD_NUMBERS = {
    "huge quantity": ("quantity", Decimal("1E+30"), "too large"),
    "huge quantity as a float": ("quantity", 1e30, "too large"),
    "huge unit price": ("listPrice", Decimal("1E+30"), "too large"),
    "NaN text": ("listPrice", "NaN", "not a finite number"),
    "a quantity with 3 decimals": ("quantity", Decimal("2.125"), "more than 2 decimals"),
}


@pytest.mark.parametrize(("field", "value", "why"), ODD_NUMBERS.values(), ids=ODD_NUMBERS.keys())
def test_a_number_salesforce_cannot_store_is_one_malformed_record_and_the_rest_syncs(
        world: World, field: str, value: object, why: str) -> None:
    spoiled, *good = seed_nue_carts(world.sandbox, 3)
    world.sandbox.nue.store.lines_of(spoiled)[0][field] = value
    [draft] = seed_salesforce_drafts(world.sandbox, 1)

    diff = world.run("--json", "diff")
    pulled = world.run("--json", "pull", "--yes")
    pushed = world.run("--json", "push", "--yes")

    assert diff.code == ExitCode.DIFFERENCES, diff.stderr
    [problem] = diff.json()["problems"]
    assert (problem["record_id"], problem["field"]) == (spoiled, f"orderProducts[0].{field}")
    assert why in problem["message"]
    assert pulled.code == ExitCode.CONFLICTS, pulled.stderr
    done = outcomes(pulled)
    assert done[spoiled]["result"] == "blocked" and f"orderProducts[0].{field}" in done[spoiled]["message"]
    assert {done[key]["result"] for key in good} == {"created"}
    assert salesforce_counterpart(world.sandbox, spoiled) is None
    assert pushed.code == ExitCode.CONFLICTS, pushed.stderr  # the unreadable Nue record is still reported
    assert outcomes(pushed)[draft]["result"] == "created"


REFUSED_VALUES = {
    "negative quantity": ("quantity", Decimal(-2), "quantity is -2; it must be above 0"),
    "negative zero quantity": ("quantity", Decimal("-0"), "quantity is 0; it must be above 0"),
    "negative unit price": ("listPrice", Decimal(-5), "unit_price is -5; it must be 0 or more"),
    "discount above 100 %": ("discount", Decimal(120), "discount.percent is 120; it must be between 0 and 100"),
    "negative discount amount": ("discountAmount", Decimal(-1), "discount.amount is -1; it must be 0 or more"),
}


@pytest.mark.parametrize(("field", "value", "why"), REFUSED_VALUES.values(), ids=REFUSED_VALUES.keys())
def test_a_value_that_must_not_be_written_through_blocks_its_order_naming_line_and_field(
        world: World, field: str, value: Decimal, why: str) -> None:
    spoiled, *good = seed_nue_carts(world.sandbox, 3)
    line = world.sandbox.nue.store.lines_of(spoiled)[1]
    line[field] = value  # planted: Nue's API refuses these too

    result = world.run("--json", "pull", "--yes")

    assert result.code == ExitCode.CONFLICTS, result.stdout + result.stderr
    done = outcomes(result)
    assert done[spoiled]["result"] == "blocked"
    assert f"line 2 ({line['id']}): {why}" in done[spoiled]["message"]
    assert salesforce_counterpart(world.sandbox, spoiled) is None
    assert {done[key]["result"] for key in good} == {"created"}


# --- status spellings -----------------------------------------------------------------------------------


def test_a_nue_draft_is_seen_however_its_status_is_spelled(world: World) -> None:
    spellings = ["DRAFT ", "DRAFT", "dRaFt", "\tdraft"]
    carts = seed_nue_carts(world.sandbox, len(spellings) + 1)
    for cart, spelling in zip(carts, spellings, strict=False):
        world.sandbox.nue.store.orders[cart]["status"] = spelling  # planted: Nue's API writes its own spelling

    diff = world.run("--json", "diff")
    pulled = world.run("--json", "pull", "--yes")

    assert diff.code == ExitCode.DIFFERENCES, diff.stderr
    assert {o["nue_id"] for o in diff.json()["orders"] if o["class"] == "only_in_nue"} == set(carts)
    assert pulled.code == ExitCode.OK, pulled.stdout + pulled.stderr
    assert {key: o["result"] for key, o in outcomes(pulled).items()} == dict.fromkeys(carts, "created")
    assert world.run("--json", "diff").code == ExitCode.OK


# --- text that would drive the terminal ---------------------------------------------------------------

CLEAR_SCREEN = "\x1b[2J"


@pytest.mark.parametrize("options", [(), ("--no-color",)], ids=["default", "no-color"])
def test_an_escape_sequence_in_an_order_name_reaches_no_terminal(world: World, options: tuple[str, ...]) -> None:
    cart, _other = seed_nue_carts(world.sandbox, 2)
    world.sandbox.nue.update_order(cart, {"name": f"Cart {CLEAR_SCREEN}\u202eevil"})

    diff = world.run(*options, "diff")
    plan = world.run(*options, "pull", "--dry-run")

    for result in (diff, plan):
        assert result.code == ExitCode.DIFFERENCES, result.stderr
        assert "\x1b" not in result.stdout + result.stderr and "\u202e" not in result.stdout
        assert "\\x1b[2J" in result.stdout  # shown as the escape, so the admin sees what is there


def test_json_output_carries_the_name_unchanged(world: World) -> None:
    cart, _other = seed_nue_carts(world.sandbox, 2)
    world.sandbox.nue.update_order(cart, {"name": f"Cart {CLEAR_SCREEN}"})

    result = world.run("--json", "diff")

    assert "\x1b" not in result.stdout
    assert {o["name"] for o in result.json()["orders"] if o["nue_id"] == cart} == {f"Cart {CLEAR_SCREEN}"}


# --- links to receiver records that do not exist ------------------------------------------------------

NO_SUCH_ACCOUNT = "001Hn00000ZZZZZIA5"  # well-formed (its case-safe suffix matches), never issued


def test_a_push_to_nue_customers_that_do_not_exist_blocks_each_order_before_any_write(world: World) -> None:
    dangling, dead_contact, *good = (seed_salesforce_drafts(world.sandbox, 1)[0] for _ in range(4))  # own Accounts
    salesforce = world.sandbox.salesforce
    account = salesforce.get("Account", salesforce.get("Order", dangling)["AccountId"])
    salesforce.update("Account", account["Id"], {"Nue_Customer_Id__c": "cust-that-was-never-there"})
    contact = salesforce.get("Order", dead_contact)["BillToContactId"]
    salesforce.update("Contact", contact, {"Nue_Contact_Id__c": "contact-that-was-never-there"})
    world.sandbox.nue.reset_counters()

    result = world.run("--json", "push", "--yes")

    assert result.code == ExitCode.CONFLICTS, result.stdout + result.stderr
    done = outcomes(result)
    assert done[dangling]["result"] == done[dead_contact]["result"] == "blocked"
    assert (f"customer {account['Name']} is linked to Nue customer cust-that-was-never-there, which does not "
            "exist in Nue") in done[dangling]["message"]
    assert "Nue contact contact-that-was-never-there, which does not exist in Nue" in done[dead_contact]["message"]
    assert {done[key]["result"] for key in good} == {"created"}
    assert world.sandbox.nue.counters["POST /orders"] == len(good)


def test_a_pull_to_accounts_that_do_not_exist_or_cannot_blocks_those_orders(world: World) -> None:
    dangling, malformed, *good = (seed_nue_carts(world.sandbox, 1)[0] for _ in range(4))  # own customers
    nue = world.sandbox.nue
    for cart, account in ((dangling, NO_SUCH_ACCOUNT), (malformed, "not-an-account-id")):
        nue.link_customer_to_account(nue.get_order(cart)["customerId"], account)

    result = world.run("--json", "pull", "--yes")

    assert result.code == ExitCode.CONFLICTS, result.stdout + result.stderr
    done = outcomes(result)
    assert f"linked to Salesforce customer {NO_SUCH_ACCOUNT}, which does not exist" in done[dangling]["message"]
    assert "linked to Salesforce customer not-an-account-id, which does not exist" in done[malformed]["message"]
    assert {done[key]["result"] for key in good} == {"created"}


def test_customer_creation_replaces_a_dead_customer_link_with_a_new_customer(world: World) -> None:
    [draft] = seed_salesforce_drafts(world.sandbox, 1)
    salesforce = world.sandbox.salesforce
    order = salesforce.get("Order", draft)
    salesforce.update("Order", draft, {"BillToContactId": None})  # its contact belongs to the old customer
    salesforce.update("Account", order["AccountId"], {"Nue_Customer_Id__c": "cust-that-was-deleted"})

    result = world.run("--json", "push", "--yes", "--create-customers")

    assert result.code == ExitCode.OK, result.stdout + result.stderr
    assert outcomes(result)[draft]["result"] == "created"
    relinked = salesforce.get("Account", order["AccountId"])["Nue_Customer_Id__c"]
    assert relinked != "cust-that-was-deleted"
    pushed = nue_counterpart(world.sandbox, draft)
    assert pushed is not None and pushed["customerId"] == relinked
