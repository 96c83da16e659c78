"""Request budgets of `pull`, `push` and `diff` at volume, end to end through both emulators.

Sizes here are modest so the suite stays fast, but large enough that a per-order request
pattern would blow every budget; `tests/benchmarks/bench_sync_e2e.py` runs the 1,000- and
5,000-order cases the brief names.

The module also holds the scenarios the other acceptance tests and the benchmark share: both
emulators with customers already linked both ways (as an earlier customer sync would leave
them), so every seeded draft is one that `pull` / `push` may write.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from nuesync.errors import ExitCode
from nuesync.sandbox.nue.customers import update_contact
from nuesync.sandbox.pair import RunningSandbox, running_sandbox
from tests.e2e.conftest import World

COLLECTION_SIZE = 200  # records per sObject Collections call
QUERY_PAGE = 2000  # records per query page, child rows included
LINES_PER_ORDER = 3  # what both emulators' synthetic seeds put on each draft

# --- scenarios ---------------------------------------------------------------------------------


@contextmanager
def linked_world(state_dir: Path, *, retries: int = 1, latency_ms: int = 0) -> Iterator[World]:
    """Both emulators (catalogues only) and a config whose adapters retry `retries` times.

    One retry keeps a test that kills the emulators mid-run fast; the default five retries with
    backoff would only make it slower, not different.
    """
    with running_sandbox("empty", latency_ms=latency_ms) as sandbox:
        document = sandbox.config(state_path=state_dir / "journal.sqlite3")
        document["nue"]["max_retries"] = document["salesforce"]["max_retries"] = retries
        config = state_dir / "nuesync.toml"
        config.write_text(tomli_w.dumps(document))
        yield World(sandbox, config)


def seed_nue_carts(sandbox: RunningSandbox, count: int) -> list[str]:
    """`count` self-service carts (3 lines each) in Nue whose customers and contacts are linked in Salesforce."""
    before = {customer["id"] for customer in sandbox.nue.customers()}
    order_ids = sandbox.nue.seed_synthetic(count)
    link_nue_customers(sandbox, [c for c in sandbox.nue.customers() if c["id"] not in before])
    return order_ids


def link_nue_customers(sandbox: RunningSandbox, customers: list[dict[str, Any]]) -> None:
    """Give Nue customers (and their contacts) an Account (Contact) in Salesforce, linked both ways."""
    salesforce, nue = sandbox.salesforce, sandbox.nue
    contacts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for contact in nue.contacts():
        contacts[contact["customerId"]].append(contact)
    for customer in customers:
        account = salesforce.insert("Account", {"Name": customer["name"], "Nue_Customer_Id__c": customer["id"],
                                                "CurrencyIsoCode": "USD"})
        nue.link_customer_to_account(customer["id"], account)
        for contact in contacts[customer["id"]]:
            linked = salesforce.insert("Contact", {
                "FirstName": contact["firstName"], "LastName": contact["lastName"], "Email": contact["email"],
                "AccountId": account, "Nue_Contact_Id__c": contact["id"],
            })
            update_contact(nue.store, contact["id"], {"salesforceId": linked})


def seed_salesforce_drafts(sandbox: RunningSandbox, count: int) -> list[str]:
    """`count` rep drafts (3 lines each) in Salesforce whose Accounts and Contacts are linked in Nue."""
    salesforce, nue = sandbox.salesforce, sandbox.nue
    before = {account["Id"] for account in salesforce.records("Account")}
    order_ids = salesforce.seed_synthetic(count)
    accounts = {a["Id"]: a for a in salesforce.records("Account") if a["Id"] not in before}
    for account in accounts.values():
        customer = nue.insert_customer({"name": account["Name"], "recordType": "Business",
                                        "salesforceId": account["Id"]})
        salesforce.update("Account", account["Id"], {"Nue_Customer_Id__c": customer})
    for contact in salesforce.records("Contact"):
        if contact["AccountId"] in accounts:
            customer = salesforce.get("Account", contact["AccountId"])["Nue_Customer_Id__c"]
            linked = nue.insert_contact(customer, {"firstName": contact["FirstName"], "lastName": contact["LastName"],
                                                   "email": contact["Email"], "salesforceId": contact["Id"]})
            salesforce.update("Contact", contact["Id"], {"Nue_Contact_Id__c": linked})
    return order_ids


def collection_calls(records: int) -> int:
    """The fewest sObject Collections calls that can write `records` records."""
    return math.ceil(records / COLLECTION_SIZE)


def reset_counters(world: World) -> None:
    world.sandbox.salesforce.reset_counters()
    world.sandbox.nue.reset_counters()


def results(document: dict[str, Any]) -> Counter[str]:
    return Counter(order["result"] for order in document["result"]["orders"])


def query_pages(records: int) -> int:
    """The fewest query pages that read `records` records, child rows included (at least one query)."""
    return max(1, math.ceil(records / QUERY_PAGE))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with linked_world(tmp_path) as linked:
        yield linked


# --- the budgets ---------------------------------------------------------------------------------

CARTS = 200
DRAFTS = 200
DIFF_ORDERS = 1000  # per side
READ_ROUND_BUDGET = 12  # requests per adapter per read round of `diff`


def test_pulling_carts_batches_salesforce_writes_within_budget_and_a_rerun_writes_nothing(world: World) -> None:
    seed_nue_carts(world.sandbox, CARTS)
    salesforce, nue = world.sandbox.salesforce, world.sandbox.nue
    reset_counters(world)

    result = world.run("--json", "pull", "--yes")

    assert result.code == ExitCode.OK, result.stderr
    assert results(result.json()) == {"created": CARTS}
    lines = CARTS * LINES_PER_ORDER
    assert salesforce.counters == {
        # the org id, the drafts, the standard book's entries, the accounts (their linked contacts with
        # them), and the verification; no order is looked up before it is inserted
        "GET query": 3 + query_pages(CARTS + lines) + 1,
        "POST composite/sobjects": collection_calls(CARTS),
        "PATCH composite/sobjects/OrderItem/Nue_Order_Product_Id__c": collection_calls(lines),
    }
    assert nue.write_count() == nue.counters["PATCH /orders/{id}"] == CARTS  # a link-back each: Nue has no bulk write

    reset_counters(world)
    again = world.run("--json", "pull", "--yes")

    assert again.code == ExitCode.OK
    assert results(again.json()) == {"skipped": CARTS}
    assert world.writes() == 0
    # the org id and the drafts: no catalogue, no customers, no settings when nothing is to be written
    assert salesforce.counters == {"GET query": 1 + query_pages(CARTS + lines)}
    assert nue.counters == {"POST /async/graphql": 1}


def test_pushing_drafts_writes_each_once_to_nue_links_back_in_batches_and_a_rerun_writes_nothing(
        world: World) -> None:
    seed_salesforce_drafts(world.sandbox, DRAFTS)
    salesforce, nue = world.sandbox.salesforce, world.sandbox.nue
    reset_counters(world)

    result = world.run("--json", "push", "--yes")

    assert result.code == ExitCode.OK, result.stderr
    assert results(result.json()) == {"created": DRAFTS}
    assert nue.write_count() == nue.counters["POST /orders"] == DRAFTS
    # the drafts, products, price tags, customers, contacts, the orders already linked, the verification
    assert nue.counters["POST /async/graphql"] == 7
    lines = DRAFTS * LINES_PER_ORDER
    assert salesforce.counters == {
        "GET query": 1 + 2 * query_pages(DRAFTS + lines),  # the org id, the drafts, the verification
        "PATCH composite/sobjects": collection_calls(DRAFTS) + collection_calls(lines),  # the links back
    }

    reset_counters(world)
    again = world.run("--json", "push", "--yes")

    assert again.code == ExitCode.OK
    assert results(again.json()) == {"skipped": DRAFTS}
    assert world.writes() == 0
    assert salesforce.counters == {"GET query": 1 + query_pages(DRAFTS + lines)}
    assert nue.counters == {"POST /async/graphql": 1}


def test_diff_reads_each_side_in_a_handful_of_requests(world: World) -> None:
    seed_nue_carts(world.sandbox, DIFF_ORDERS)
    seed_salesforce_drafts(world.sandbox, DIFF_ORDERS)
    reset_counters(world)

    result = world.run("--json", "diff")

    assert result.code == ExitCode.DIFFERENCES
    counts = {k: v for k, v in result.json()["counts"].items() if v}
    assert counts == {"only_in_nue": DIFF_ORDERS, "only_in_salesforce": DIFF_ORDERS}
    assert world.writes() == 0
    assert world.sandbox.salesforce.request_count() <= READ_ROUND_BUDGET
    assert world.sandbox.nue.request_count() <= READ_ROUND_BUDGET
