"""`nuesync diff` against the demo story in both emulators."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta

from nuesync.cli import run
from nuesync.errors import ExitCode
from nuesync.render import DETAIL_LIMIT
from nuesync.sandbox import story
from tests.e2e.conftest import World
from tests.e2e.test_volume import seed_nue_carts
from tests.helpers import invoke


def by_name(document: dict) -> dict[str, dict]:
    return {order["name"]: order for order in document["orders"]}


def test_diff_reports_every_class_of_the_story(demo: World) -> None:
    result = demo.run("--json", "diff")
    assert result.code == ExitCode.DIFFERENCES, result.stderr
    document = result.json()
    assert document["schema_version"] == 1
    assert document["in_sync"] is False
    counts = {k: v for k, v in document["counts"].items() if v}
    assert counts == {"in_sync": 1, "differs": 2, "only_in_nue": 1, "only_in_salesforce": 1,
                      "activated_in_nue_only": 1, "customer_unlinked": 1}
    orders = by_name(document)
    assert orders[story.ABANDONED_CART]["class"] == "only_in_nue"
    assert orders[story.ABANDONED_CART]["origin"] == "nue"
    assert orders[story.REP_DRAFT]["class"] == "only_in_salesforce"
    assert orders[story.REP_DRAFT]["origin"] == "salesforce"
    assert orders[story.PORTAL_CHECKOUT]["class"] == "activated_in_nue_only"
    assert orders[story.PORTAL_CHECKOUT]["status"] == {"nue": "activated", "salesforce": "draft"}
    assert orders[story.UNLINKED_CUSTOMER]["class"] == "customer_unlinked"


def test_diverged_order_shows_quantity_and_discount(demo: World) -> None:
    orders = by_name(demo.run("--json", "diff").json())
    diverged = orders[story.DIVERGED]
    assert diverged["class"] == "differs"
    assert [(f["field"], f["nue"], f["salesforce"]) for f in diverged["fields"]] == [("discount.percent", "10", None)]
    (line,) = diverged["lines"]
    assert line["sku"] == "NUE-SEAT"
    assert [(f["field"], f["nue"], f["salesforce"]) for f in line["fields"]] == [("quantity", "15", "10")]


def test_custom_field_difference_is_shown_and_pricing_dimensions_agree(demo: World) -> None:
    orders = by_name(demo.run("--json", "diff").json())
    eu = orders[story.CUSTOM_FIELDS]
    assert [(f["field"], f["nue"], f["salesforce"]) for f in eu["fields"]] == [("custom_fields.region", "EU", "EMEA")]
    assert eu["lines"] == []


def test_diff_writes_nothing(demo: World) -> None:
    demo.sandbox.salesforce.reset_counters()
    demo.sandbox.nue.reset_counters()
    assert demo.run("diff").code == ExitCode.DIFFERENCES
    assert demo.writes() == 0
    assert demo.sandbox.salesforce.request_count() > 0


def test_only_filters_and_scoping_by_order(demo: World) -> None:
    result = demo.run("--json", "diff", "--only", "differs")
    assert {o["class"] for o in result.json()["orders"]} == {"differs"}
    cart = by_name(demo.run("--json", "diff").json())[story.ABANDONED_CART]
    scoped = demo.run("--json", "diff", "--order", cart["nue_id"])
    assert [o["name"] for o in scoped.json()["orders"]] == [story.ABANDONED_CART]


def test_empty_sandbox_is_in_sync(empty: World) -> None:
    result = empty.run("--json", "diff")
    assert result.code == ExitCode.OK
    assert result.json()["in_sync"] is True


def test_scoping_by_customer_and_since(demo: World) -> None:
    everything = by_name(demo.run("--json", "diff").json())
    acme = everything[story.DIVERGED]["customer"]
    by_nue_customer = demo.run("--json", "diff", "--customer", acme["nue_id"]).json()
    by_account = demo.run("--json", "diff", "--customer", acme["salesforce_id"]).json()
    for document in (by_nue_customer, by_account):
        assert {o["customer"]["name"] for o in document["orders"]} == {"Acme Corp"}
        assert story.DIVERGED in by_name(document)
    assert demo.run("--json", "diff", "--since", "2h").json()["counts"] == demo.run("--json", "diff").json()["counts"]
    future = demo.run("--json", "diff", "--since", "2099-01-01")
    assert future.code == ExitCode.OK
    assert future.json()["orders"] == []


def test_a_bad_since_is_a_usage_error(demo: World) -> None:
    result = demo.run("diff", "--since", "last tuesday")
    assert result.code == ExitCode.USAGE
    assert "--since" in result.stderr


# --- large output: the summary first, a few orders per class, and how to see the rest -------------

CARTS = 30  # more than a class shows at a terminal (DETAIL_LIMIT)


def carts_only_in_nue(world: World) -> list[str]:
    return seed_nue_carts(world.sandbox, CARTS)


def shown_ids(output: str, ids: list[str]) -> int:
    return sum(1 for i in ids if i in output)


def test_a_large_class_shows_its_first_orders_and_how_to_see_all(empty: World) -> None:
    carts = carts_only_in_nue(empty)
    capped = empty.run("diff")
    assert capped.code == ExitCode.DIFFERENCES
    assert capped.stdout.index("only in Nue") < capped.stdout.index("Orders on one side only")  # summary first
    assert shown_ids(capped.stdout, carts) == DETAIL_LIMIT
    assert f"… and {CARTS - DETAIL_LIMIT} more orders: add --only only_in_nue" in capped.stdout
    for every in (empty.run("diff", "--all"), empty.run("diff", "--only", "only_in_nue")):
        assert shown_ids(every.stdout, carts) == CARTS
        assert "more orders" not in every.stdout
    assert len(empty.run("--json", "diff").json()["orders"]) == CARTS  # JSON is never capped


def test_older_than_keeps_the_orders_nobody_touched_since(empty: World) -> None:
    carts = carts_only_in_nue(empty)
    seeded = datetime.now(UTC)
    later = invoke(["--config", str(empty.config), "--json", "diff", "--older-than", "1h"],
                   env=empty.sandbox.environ(), clock=lambda: seeded + timedelta(hours=2))
    assert {o["key"] for o in later.json()["orders"]} == set(carts)
    now = empty.run("--json", "diff", "--older-than", "1h")
    assert now.code == ExitCode.OK and now.json()["orders"] == []
    assert empty.run("diff", "--older-than", "soon").code == ExitCode.USAGE


def test_the_summary_reaches_stdout_before_the_orders_are_rendered(empty: World) -> None:
    carts_only_in_nue(empty)
    writes: list[str] = []

    class Recording(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return super().write(text)

    code = run(["--config", str(empty.config), "diff"], stdout=Recording(), stderr=io.StringIO(),
               environ={**os.environ, **empty.sandbox.environ()})
    assert code == ExitCode.DIFFERENCES
    first = next(i for i, text in enumerate(writes) if "only in Nue" in text)
    assert not any("Orders on one side only" in text for text in writes[: first + 1])
