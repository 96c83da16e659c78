"""The billing-portal checkout link: written onto the Salesforce Order by `push`, in the link-back call."""

from __future__ import annotations

import tomli_w

from nuesync.apply import ApplyReport
from nuesync.config import load_config
from nuesync.errors import ExitCode
from nuesync.fetch import Scope
from nuesync.outcome import Result
from nuesync.reconcile import Direction
from nuesync.sandbox import story
from nuesync.sync import RunOptions, SyncRun
from tests.e2e.conftest import World
from tests.helpers import invoke

TEMPLATE = "https://portal.example.com/checkout/{order_id}?number={order_number}&customer={customer_id}"
LINK_WRITES = "PATCH composite/sobjects"


def use_template(world: World, template: str) -> None:
    document = world.sandbox.config(state_path=world.config.parent / "journal.sqlite3")
    document["nue"]["checkout_url_template"] = template
    world.config.write_text(tomli_w.dumps(document))


def sf_order(world: World, name: str) -> dict:
    (order,) = [o for o in world.sandbox.salesforce.records("Order") if o["Name"] == name]
    return order


def nue_order(world: World, name: str) -> dict:
    return next(o for o in world.sandbox.nue.orders() if o["name"] == name)


def expected_link(world: World, name: str) -> str:
    order = nue_order(world, name)
    return (f"https://portal.example.com/checkout/{order['id']}?number={order['orderNumber']}"
            f"&customer={order['customerId']}")


def test_push_writes_the_checkout_link_of_a_new_nue_draft_in_the_link_back_call(demo: World) -> None:
    use_template(demo, TEMPLATE)
    demo.sandbox.salesforce.reset_counters()

    result = demo.run("push", "--yes", "--order", sf_order(demo, story.REP_DRAFT)["Id"])

    assert result.code == ExitCode.OK, result.stderr
    assert sf_order(demo, story.REP_DRAFT)["Nue_Checkout_URL__c"] == expected_link(demo, story.REP_DRAFT)
    assert demo.sandbox.salesforce.counters[LINK_WRITES] == 2  # the link-back's orders and lines, as without a link


def test_push_writes_the_link_of_an_updated_draft_with_the_order_header_alone(demo: World) -> None:
    use_template(demo, TEMPLATE)
    diverged = sf_order(demo, story.DIVERGED)
    demo.sandbox.salesforce.reset_counters()

    result = demo.run("--json", "push", "--yes", "--order", diverged["Id"])

    assert result.code == ExitCode.OK, result.stderr
    (outcome,) = result.json()["result"]["orders"]
    assert outcome["result"] == "updated"
    assert sf_order(demo, story.DIVERGED)["Nue_Checkout_URL__c"] == expected_link(demo, story.DIVERGED)
    assert demo.sandbox.salesforce.counters[LINK_WRITES] == 1  # its lines are linked already: not sent again


def test_without_a_template_push_writes_no_checkout_link(demo: World) -> None:
    assert demo.run("push", "--yes").code == ExitCode.OK
    orders = demo.sandbox.salesforce.records("Order")
    assert [o["Nue_Checkout_URL__c"] for o in orders] == [None] * len(orders)


def test_pull_writes_no_checkout_link_even_with_a_template(demo: World) -> None:
    use_template(demo, TEMPLATE)
    demo.sandbox.nue.reset_counters()

    assert demo.run("pull", "--yes", "--order", nue_order(demo, story.DIVERGED)["id"]).code == ExitCode.OK

    assert sf_order(demo, story.DIVERGED)["Nue_Checkout_URL__c"] is None
    assert demo.sandbox.nue.write_count() == 0  # linked both ways already: nothing is written back to Nue


def test_an_unknown_placeholder_is_a_config_error_naming_file_line_and_key(demo: World) -> None:
    use_template(demo, "https://portal.example.com/checkout/{order_nr}")
    line = demo.config.read_text().splitlines().index(
        'checkout_url_template = "https://portal.example.com/checkout/{order_nr}"') + 1

    result = demo.run("push", "--dry-run")

    assert result.code == ExitCode.USAGE
    assert result.stderr.startswith(f"error: {demo.config}:{line}: 'nue.checkout_url_template': unknown placeholder "
                                    "{order_nr} (did you mean {order_number}?)")


def push_report(world: World, *order_ids: str) -> ApplyReport:
    settings = load_config(world.config).settings
    with SyncRun(settings, world.sandbox.environ(), RunOptions("push", {})) as run:
        return run.apply(run.plan(Direction.PUSH, Scope(order_ids=order_ids)))


def test_the_report_holds_each_written_link_by_order_and_none_whose_link_back_failed(demo: World) -> None:
    use_template(demo, "https://portal.example.com/checkout/{order_id}")
    diverged, rep = sf_order(demo, story.DIVERGED), sf_order(demo, story.REP_DRAFT)
    demo.sandbox.salesforce.faults.fail_record(1, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "not now")

    report = push_report(demo, diverged["Id"], rep["Id"])

    failed = {o.key for o in report.outcomes if o.result is Result.FAILED}
    written = {o.key for o in report.outcomes if o.result in (Result.CREATED, Result.UPDATED)}
    assert len(failed) == 1 and len(written) == 1
    (key,) = written
    nue_id = next(o.nue_id for o in report.outcomes if o.key == key)
    assert report.checkout_urls == {key: f"https://portal.example.com/checkout/{nue_id}"}


def test_the_link_is_in_push_json_results(demo: World) -> None:
    use_template(demo, "https://portal.example.com/checkout/{order_id}")
    rep = sf_order(demo, story.REP_DRAFT)["Id"]
    document = demo.run("--json", "push", "--yes", "--order", rep).json()
    (outcome,) = document["result"]["orders"]
    assert outcome["checkout_url"] == f"https://portal.example.com/checkout/{nue_order(demo, story.REP_DRAFT)['id']}"


def test_the_link_is_in_the_push_results_table(demo: World) -> None:
    use_template(demo, "https://portal.example.com/checkout/{order_id}")
    rep = sf_order(demo, story.REP_DRAFT)["Id"]
    table = invoke(["--config", str(demo.config), "push", "--yes", "--order", rep],
                   env={**demo.sandbox.environ(), "COLUMNS": "200"})
    assert "checkout link" in table.stdout
    assert "https://portal.example.com/checkout/" in table.stdout
