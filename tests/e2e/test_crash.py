"""Crash safety of `pull` and `push` (rule 4 in docs/design.md): kill a run mid-way, run it again.

Each case arms an emulator's `abort_after_writes(n)`: the first `n` write requests succeed and
every later one answers 503, as if the run died there. Cases cover every step of a run —
creating a missing customer, writing the receiver's orders and lines, and writing the links
back to the sender. The interrupted run must exit 4 or 7 (never 1) and name, per order, what
it did not finish; the run after it must leave both emulators exactly as one clean run does
(compared record by record, with ids replaced by what they point at) with no order, line or
customer twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nuesync.config import load_config
from nuesync.errors import ExitCode
from nuesync.fetch import Scope
from nuesync.reconcile import Direction
from nuesync.sandbox.pair import RunningSandbox
from nuesync.sync import RunOptions, SyncRun
from tests.e2e.conftest import World
from tests.e2e.test_volume import linked_world, reset_counters, seed_nue_carts, seed_salesforce_drafts
from tests.helpers import invoke

# --- what "the same final state" means ----------------------------------------------------------

# Fields that name a record rather than describe it: they differ between two equal runs.
_RECORD_ONLY = frozenset({
    "Id", "CreatedDate", "LastModifiedDate", "SystemModstamp", "OrderNumber", "OrderItemNumber",
    "id", "createdDate", "lastModifiedDate", "modifiedDate", "orderNumber", "accountNumber",
})


def record_labels(sandbox: RunningSandbox) -> dict[str, str]:
    """Every order, line, customer, contact and user id in both systems → what it is, by content."""
    salesforce, nue = sandbox.salesforce, sandbox.nue
    sf_orders = {o["Id"]: o["Name"] for o in salesforce.records("Order")}
    skus = {p["Id"]: p["ProductCode"] for p in salesforce.records("Product2")}
    labels = {order_id: f"Salesforce Order {name!r}" for order_id, name in sf_orders.items()}
    labels |= {i["Id"]: f"Salesforce OrderItem {sf_orders[i['OrderId']]!r}/{skus[i['Product2Id']]}"
               for i in salesforce.records("OrderItem")}
    labels |= {a["Id"]: f"Salesforce Account {a['Name']!r}" for a in salesforce.records("Account")}
    labels |= {c["Id"]: f"Salesforce Contact {c['Email']}" for c in salesforce.records("Contact")}
    labels |= {u["Id"]: f"Salesforce User {u['LastName']!r}" for u in salesforce.records("User")}  # owners
    for order in nue.orders():
        labels[order["id"]] = f"Nue order {order['name']!r}"
        labels |= {p["id"]: f"Nue order product {order['name']!r}/{p['productSku']}" for p in order["orderProducts"]}
    labels |= {c["id"]: f"Nue customer {c['name']!r}" for c in nue.customers()}
    labels |= {c["id"]: f"Nue contact {c['email']}" for c in nue.contacts()}
    return labels


def _content(value: Any, labels: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _content(item, labels) for key, item in sorted(value.items()) if key not in _RECORD_ONLY}
    if isinstance(value, list):
        return sorted((_content(item, labels) for item in value), key=repr)
    if isinstance(value, str):
        return labels.get(value, value)
    return value


def system_content(sandbox: RunningSandbox) -> dict[str, list[Any]]:
    """Both emulators' orders, lines, customers and contacts by content; a link reads as what it points at."""
    salesforce, nue = sandbox.salesforce, sandbox.nue
    labels = record_labels(sandbox)
    tables = {
        "Salesforce Order": salesforce.records("Order"),
        "Salesforce OrderItem": salesforce.records("OrderItem"),
        "Salesforce Account": salesforce.records("Account"),
        "Salesforce Contact": salesforce.records("Contact"),
        "Nue order (with its products)": nue.orders(),
        "Nue customer": nue.customers(),
        "Nue contact": nue.contacts(),
    }
    return {table: _content(rows, labels) for table, rows in tables.items()}


def duplicates(sandbox: RunningSandbox) -> dict[str, list[Any]]:
    """Orders, lines and customers present twice in either system, counted by link and by name."""
    salesforce, nue = sandbox.salesforce, sandbox.nue
    sf_orders, sf_items, accounts = (salesforce.records(obj) for obj in ("Order", "OrderItem", "Account"))
    nue_orders, customers = nue.orders(), nue.customers()
    nue_lines = [line for order in nue_orders for line in order["orderProducts"]]
    keys: dict[str, list[Any]] = {
        "Salesforce Order by Nue id": [o["Nue_Order_Id__c"] for o in sf_orders],
        "Salesforce Order by name": [o["Name"] for o in sf_orders],
        "Salesforce OrderItem by Nue id": [i["Nue_Order_Product_Id__c"] for i in sf_items],
        "Salesforce OrderItem by order and product": [(i["OrderId"], i["Product2Id"]) for i in sf_items],
        "Salesforce Account by Nue id": [a["Nue_Customer_Id__c"] for a in accounts],
        "Salesforce Account by name": [a["Name"] for a in accounts],
        "Nue order by Salesforce id": [o["salesforceId"] for o in nue_orders],
        "Nue order by name": [o["name"] for o in nue_orders],
        "Nue order product by Salesforce id": [line["salesforceId"] for line in nue_lines],
        "Nue order product by order and product": [(line["orderId"], line["productSku"]) for line in nue_lines],
        "Nue customer by Salesforce id": [c["externalId"] for c in customers],
        "Nue customer by name": [c["name"] for c in customers],
    }
    found = {what: sorted(v for v, n in Counter(values).items() if v is not None and n > 1)
             for what, values in keys.items()}
    return {what: values for what, values in found.items() if values}


def linked_both_ways(sandbox: RunningSandbox) -> dict[Direction, set[str]]:
    """Per direction, the sender's orders whose counterpart exists and links back, order and every line."""
    sf_orders = {o["Id"]: o for o in sandbox.salesforce.records("Order")}
    sf_items: dict[str, dict[str, str | None]] = defaultdict(dict)
    for item in sandbox.salesforce.records("OrderItem"):
        sf_items[item["OrderId"]][item["Id"]] = item["Nue_Order_Product_Id__c"]
    linked: dict[Direction, set[str]] = {Direction.PULL: set(), Direction.PUSH: set()}
    for order in sandbox.nue.orders():
        counterpart = sf_orders.get(order["salesforceId"])
        if counterpart is None or counterpart["Nue_Order_Id__c"] != order["id"]:
            continue
        lines = {line["salesforceId"]: line["id"] for line in order["orderProducts"]}
        if lines == sf_items[counterpart["Id"]]:
            linked[Direction.PULL].add(order["id"])
            linked[Direction.PUSH].add(counterpart["Id"])
    return linked


# --- scenarios: what each direction sends -------------------------------------------------------

NEW_CUSTOMER = "Brand New Customer Ltd"


def carts_with_a_new_customer(sandbox: RunningSandbox) -> set[str]:
    """Pull: 4 linked carts, and one cart whose customer Salesforce does not have yet."""
    order_ids = seed_nue_carts(sandbox, 4)
    nue = sandbox.nue
    customer = nue.insert_customer({"name": NEW_CUSTOMER, "recordType": "Business", "email": "ap@new.example"})
    order_ids.append(nue.insert_order({
        "customer": {"id": customer}, "name": "Cart of a new customer", "effectiveDate": "2026-03-01",
        "origin": "Nue", "billingPeriod": "Month", "paymentTerm": "Net 30",
        "orderProducts": [{"productSku": "NUE-PLAT-STD", "quantity": 2, "subscriptionTerm": 12}],
    }))
    return set(order_ids)


def drafts_with_a_new_customer(sandbox: RunningSandbox) -> set[str]:
    """Push: 5 linked rep drafts, and one draft whose Account Nue does not have yet."""
    order_ids = seed_salesforce_drafts(sandbox, 5)
    salesforce = sandbox.salesforce
    book = next(r["Id"] for r in salesforce.records("Pricebook2") if r["IsStandard"])
    entry = next(e["Id"] for e in salesforce.records("PricebookEntry")
                 if salesforce.get("Product2", e["Product2Id"])["ProductCode"] == "NUE-SEAT")
    account = salesforce.insert("Account", {"Name": NEW_CUSTOMER, "CurrencyIsoCode": "USD"})
    order = salesforce.insert("Order", {
        "AccountId": account, "Pricebook2Id": book, "Status": "Draft", "Name": "Draft for a new customer",
        "EffectiveDate": "2026-03-01", "CurrencyIsoCode": "USD", "Nue_Billing_Period__c": "Annual",
    })
    salesforce.insert("OrderItem", {"OrderId": order, "PricebookEntryId": entry, "Quantity": 7, "UnitPrice": 12.5,
                                    "ServiceDate": "2026-03-01", "EndDate": "2027-02-28",
                                    "Nue_Subscription_Term__c": 12})
    return {*order_ids, order}


@dataclass(frozen=True)
class Scenario:
    direction: Direction
    seed: Callable[[RunningSandbox], set[str]]  # returns the sender's order ids

    @property
    def command(self) -> tuple[str, ...]:
        return ("--json", self.direction.value, "--yes", "--create-customers")


SCENARIOS = {Direction.PULL: Scenario(Direction.PULL, carts_with_a_new_customer),
             Direction.PUSH: Scenario(Direction.PUSH, drafts_with_a_new_customer)}


@pytest.fixture(scope="module")
def clean_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[Direction, dict[str, list[Any]]]:
    """What one uninterrupted run leaves behind, per direction (the reference every resumed run must equal)."""
    finals = {}
    for direction, scenario in SCENARIOS.items():
        with linked_world(tmp_path_factory.mktemp(f"clean-{direction.value}")) as world:
            senders = scenario.seed(world.sandbox)
            result = world.run(*scenario.command)
            assert result.code == ExitCode.OK, result.stdout
            assert linked_both_ways(world.sandbox)[direction] == senders
            finals[direction] = system_content(world.sandbox)
    return finals


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with linked_world(tmp_path) as linked:
        yield linked


def failed_orders(document: dict[str, Any]) -> dict[str, str]:
    return {o["key"]: o["message"] for o in document["result"]["orders"] if o["result"] == "failed"}


def assert_resumes_to_the_clean_state(world: World, scenario: Scenario, clean: dict[str, list[Any]]) -> None:
    world.sandbox.salesforce.faults.clear()
    world.sandbox.nue.faults.clear()
    resumed = world.run(*scenario.command)
    assert resumed.code == ExitCode.OK, resumed.stdout
    assert duplicates(world.sandbox) == {}
    assert system_content(world.sandbox) == clean
    reset_counters(world)
    assert world.run(*scenario.command).code == ExitCode.OK
    assert world.writes() == 0


# --- the cases ----------------------------------------------------------------------------------

# (direction, emulator that dies, writes it still takes, the exit code of the interrupted run)
# Pull writes: Salesforce Account upsert, Salesforce Order upsert, Salesforce OrderItem upsert,
# then one Nue link-back per order (a Nue customer's link is Nue's own Salesforce sync's: never
# written). Push writes: Nue customer create, Salesforce Account link, one Nue order create per
# order, then Salesforce Order links and OrderItem links.
CRASHES = [
    pytest.param(Direction.PULL, "salesforce", 0, ExitCode.API_UNAVAILABLE, id="pull-dies-creating-the-customer"),
    pytest.param(Direction.PULL, "salesforce", 2, ExitCode.API_UNAVAILABLE, id="pull-dies-between-orders-and-lines"),
    pytest.param(Direction.PULL, "nue", 0, ExitCode.PARTIAL_FAILURE, id="pull-dies-linking-the-first-order-back"),
    pytest.param(Direction.PULL, "nue", 3, ExitCode.PARTIAL_FAILURE, id="pull-dies-linking-orders-back"),
    pytest.param(Direction.PUSH, "nue", 1, ExitCode.PARTIAL_FAILURE, id="push-dies-after-the-customer"),
    pytest.param(Direction.PUSH, "nue", 4, ExitCode.PARTIAL_FAILURE, id="push-dies-among-the-orders"),
    pytest.param(Direction.PUSH, "salesforce", 2, ExitCode.API_UNAVAILABLE, id="push-dies-between-order-and-lines"),
]


@pytest.mark.parametrize(("direction", "dies", "writes", "exit_code"), CRASHES)
def test_an_interrupted_run_reports_what_it_did_not_finish_and_the_next_run_completes_it(
        world: World, clean_runs: dict[Direction, dict[str, list[Any]]], direction: Direction, dies: str,
        writes: int, exit_code: ExitCode) -> None:
    scenario = SCENARIOS[direction]
    senders = scenario.seed(world.sandbox)
    getattr(world.sandbox, dies).faults.abort_after_writes(writes)

    interrupted = world.run(*scenario.command)

    assert interrupted.code == exit_code, interrupted.stdout
    unfinished = senders - linked_both_ways(world.sandbox)[direction]
    assert unfinished, "the fault should have cut the run short"
    failed = failed_orders(interrupted.json())
    assert set(failed) == unfinished
    assert all(message for message in failed.values())
    assert duplicates(world.sandbox) == {}
    assert_resumes_to_the_clean_state(world, scenario, clean_runs[direction])


def test_a_push_that_dies_before_linking_a_new_customer_back_links_it_on_the_rerun(
        world: World, clean_runs: dict[Direction, dict[str, list[Any]]]) -> None:
    """A Nue customer cannot carry its Account's id (Nue's own Salesforce sync sets it), so nothing in either
    system ties a customer created just before a crash to its Account: the journal does, and the rerun links
    that customer instead of creating a second one."""
    scenario = SCENARIOS[Direction.PUSH]
    scenario.seed(world.sandbox)
    world.sandbox.salesforce.faults.abort_after_writes(0)  # the Account link, the first Salesforce write

    interrupted = world.run(*scenario.command)

    assert interrupted.code == ExitCode.API_UNAVAILABLE, interrupted.stdout
    (customer,) = [c for c in world.sandbox.nue.customers() if c["name"] == NEW_CUSTOMER]
    (message,) = [m for m in failed_orders(interrupted.json()).values() if customer["id"] in m]
    assert message.endswith("the next run links it")
    world.sandbox.salesforce.faults.clear()
    assert_resumes_to_the_clean_state(world, scenario, clean_runs[Direction.PUSH])
    assert [c["id"] for c in world.sandbox.nue.customers() if c["name"] == NEW_CUSTOMER] == [customer["id"]]


def test_a_stopped_run_names_each_unfinished_order_in_the_table_and_the_journal(world: World) -> None:
    senders = carts_with_a_new_customer(world.sandbox)
    world.sandbox.salesforce.faults.abort_after_writes(2)  # order headers land, their lines do not
    table = invoke(["--config", str(world.config), "pull", "--yes", "--create-customers"],
                   env={**world.sandbox.environ(), "COLUMNS": "400"})
    assert table.code == ExitCode.API_UNAVAILABLE
    results = table.stdout.split("Results (pull)")[1]
    for order_id in senders:
        (row,) = [line for line in results.splitlines() if order_id in line]
        assert "failed" in row and "RUN_STOPPED: order header written" in row and "but lines" in row
    log = world.run("--json", "log", "--failed").json()["runs"][0]
    assert log["exit_code"] == ExitCode.API_UNAVAILABLE
    assert {o["key"] for o in log["orders"]} == senders


def test_ctrl_c_while_linking_back_is_reported_per_order_and_the_next_run_completes_it(
        world: World, clean_runs: dict[Direction, dict[str, list[Any]]]) -> None:
    scenario = SCENARIOS[Direction.PULL]
    senders = scenario.seed(world.sandbox)

    def press_ctrl_c(step: str, done: int | None = None, total: int | None = None) -> None:
        if step.startswith("writing links back"):
            raise KeyboardInterrupt

    settings = load_config(world.config).settings
    with SyncRun(settings, world.sandbox.environ(), RunOptions("pull", {}), press_ctrl_c) as run:
        report = run.apply(run.plan(Direction.PULL, Scope(), create_customers=True))

    assert report.exit_code == ExitCode.INTERRUPTED
    outcomes = {o.key: o for o in report.outcomes}
    assert set(outcomes) == senders
    assert all(o.error_code == "RUN_STOPPED" and "not linked back in Nue" in (o.message or "")
               for o in outcomes.values())
    assert world.run("--json", "log").json()["runs"][0]["exit_code"] == ExitCode.INTERRUPTED
    assert_resumes_to_the_clean_state(world, scenario, clean_runs[Direction.PULL])
