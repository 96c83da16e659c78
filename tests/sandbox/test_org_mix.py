"""`--seed N`: the org-like mix is exact, reproducible, linked both ways, and writable by nuesync."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from nuesync.errors import ExitCode
from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.org_mix import MAX_LINES, ORG_MIX, REPS, diff_counts, mix_counts, seed_org_mix
from nuesync.sandbox.pair import running_sandbox, seed_pair
from nuesync.sandbox.salesforce import SalesforceSandbox
from tests.helpers import invoke

N = 150


def seeded(n: int) -> tuple[SalesforceSandbox, NueSandbox]:
    salesforce, nue = SalesforceSandbox(), NueSandbox()
    seed_pair(salesforce, nue, str(n))
    return salesforce, nue


@pytest.fixture(scope="module")
def pair() -> tuple[SalesforceSandbox, NueSandbox]:
    return seeded(N)


@pytest.mark.parametrize("n", [0, 1, 7, 20, 150, 999, 5000])
def test_counts_add_up_to_n_and_follow_the_shares(n):
    counts = mix_counts(n)

    assert list(counts) == [cls.name for cls in ORG_MIX]
    assert sum(counts.values()) == n
    assert all(abs(counts[cls.name] - n * cls.percent / 100) < 1 for cls in ORG_MIX)
    assert sum(diff_counts(n).values()) == n


def test_the_shares_are_a_whole():
    assert sum(cls.percent for cls in ORG_MIX) == 100


def test_five_thousand_orders_give_the_documented_figures():
    assert mix_counts(5000) == {
        "in_sync": 2900, "header_differs": 350, "lines_differ": 350, "only_in_nue": 600,
        "only_in_salesforce": 500, "activated_in_nue_only": 150, "activated_in_salesforce_only": 150,
    }


def test_each_side_holds_the_orders_of_its_classes(pair):
    salesforce, nue = pair
    counts = mix_counts(N)

    assert len(nue.store.orders) == N - counts["only_in_salesforce"]
    assert len(salesforce.records("Order")) == N - counts["only_in_nue"]
    nue_status = Counter(o["status"] for o in nue.store.orders.values())
    sf_status = Counter(o["StatusCode"] for o in salesforce.records("Order"))
    assert nue_status["Activated"] == counts["activated_in_nue_only"]
    assert sf_status["Activated"] == counts["activated_in_salesforce_only"]


def test_the_same_n_gives_the_same_records():
    first, second = seeded(40), seeded(40)

    assert _content(*first) == _content(*second)


def test_the_reps_own_the_accounts_in_turn_and_one_of_them_has_left(pair):
    salesforce, _nue = pair
    users = {u["Id"]: u for u in salesforce.records("User")}
    owners = Counter((users[a["OwnerId"]]["LastName"], users[a["OwnerId"]]["IsActive"])
                     for a in salesforce.records("Account"))

    assert set(owners) == {(last, active) for _first, last, active in REPS}
    assert max(owners.values()) - min(owners.values()) <= 1


def test_customers_contacts_orders_and_lines_are_linked_both_ways(pair):
    salesforce, nue = pair
    customers, contacts = nue.store.customers, nue.store.contacts

    for account in salesforce.records("Account"):
        assert customers[account["Nue_Customer_Id__c"]]["externalId"] == account["Id"]  # as Nue's own sync links it
    for contact in salesforce.records("Contact"):
        assert contacts[contact["Nue_Contact_Id__c"]]["salesforceId"] == contact["Id"]
        assert contacts[contact["Nue_Contact_Id__c"]]["customerId"] == salesforce.get(
            "Account", contact["AccountId"])["Nue_Customer_Id__c"]
    sf_orders = {o["Id"]: o for o in salesforce.records("Order")}
    for order in nue.store.orders.values():
        assert customers[order["customerId"]]["externalId"] is not None
        assert contacts[order["billToContactId"]]["salesforceId"] is not None
        if order["salesforceId"] is not None:
            assert sf_orders[order["salesforceId"]]["Nue_Order_Id__c"] == order["id"]
    for item in salesforce.records("OrderItem"):
        if item["Nue_Order_Product_Id__c"] is not None:
            assert nue.store.lines[item["Nue_Order_Product_Id__c"]]["salesforceId"] == item["Id"]
    assert all(o["BillToContactId"] and o["Nue_Origin__c"] for o in sf_orders.values())


def test_every_order_has_one_to_ten_lines(pair):
    salesforce, nue = pair
    sf_lines = Counter(item["OrderId"] for item in salesforce.records("OrderItem"))

    assert {1, MAX_LINES} <= set(sf_lines.values()) and max(sf_lines.values()) <= MAX_LINES
    assert all(1 <= len(lines) <= MAX_LINES for lines in nue.store.order_lines.values())


def test_seeded_orders_carry_their_class_and_the_ids_of_the_sides_they_exist_on():
    orders = seed_org_mix(SalesforceSandbox(), NueSandbox(), 60)

    assert Counter(o.mix_class for o in orders) == Counter({k: v for k, v in mix_counts(60).items() if v})
    assert all((o.nue_id is None) == (o.mix_class == "only_in_salesforce") for o in orders)
    assert all((o.salesforce_id is None) == (o.mix_class == "only_in_nue") for o in orders)


def test_diff_reports_the_mix_and_pull_and_push_write_every_order(tmp_path: Path):
    with running_sandbox(str(N)) as sandbox:
        config = tmp_path / "nuesync.toml"
        config.write_text(tomli_w.dumps(sandbox.config(state_path=tmp_path / "journal.sqlite3")))

        def run(*args: str) -> Any:
            return invoke(["--config", str(config), "--json", *args], env=sandbox.environ())

        diff = run("diff")
        pulled, pushed = run("pull", "--yes"), run("push", "--yes")
        after = run("diff")

    assert diff.code == ExitCode.DIFFERENCES, diff.stderr
    assert {k: v for k, v in diff.json()["counts"].items() if v} == {k: v for k, v in diff_counts(N).items() if v}
    assert (pulled.code, pushed.code) == (ExitCode.OK, ExitCode.OK), pulled.stderr + pushed.stderr
    assert after.code == ExitCode.OK, after.stdout


def _content(salesforce: SalesforceSandbox, nue: NueSandbox) -> tuple[Any, ...]:
    """What a seed decides (ids, names, links, quantities), without the clock's timestamps."""
    sf_orders = sorted((o["Id"], o["Name"], o["AccountId"], o["Nue_Order_Id__c"], o["StatusCode"])
                       for o in salesforce.records("Order"))
    sf_items = sorted((i["Id"], i["OrderId"], i["Quantity"], i["Nue_Order_Product_Id__c"])
                      for i in salesforce.records("OrderItem"))
    nue_orders = sorted((o["id"], o["name"], o["customerId"], o["salesforceId"], o["status"], o["discount"])
                        for o in nue.store.orders.values())
    nue_lines = sorted((line["id"], line["orderId"], line["quantity"], line["salesforceId"])
                       for line in nue.store.lines.values())
    return sf_orders, sf_items, nue_orders, nue_lines
