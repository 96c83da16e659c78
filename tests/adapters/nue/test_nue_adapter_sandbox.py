"""The Nue adapter against the served emulator: request counts, idempotency, faults, every operation.

Counts come from the emulator's per-route counters, so a test fails if the adapter makes one
request more than the design says.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from nue_scenarios import NUE_KEY_ENV, rep_created_order, with_contact

from nuesync.adapters.base import SINCE_OVERLAP, ContactDetails, Outcome
from nuesync.adapters.nue import NueAdapter
from nuesync.errors import AuthenticationError
from nuesync.model import ContactRef, Customer, DraftOrder, Links, PricingDimension, Status, System, synced_content
from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.nue.store import Clock
from tests.helpers import HeardProgress

GRAPHQL = "POST /async/graphql"


def linked_customer(nue: NueSandbox, sf_id: str = "001ACME") -> str:
    """A Nue customer already linked to Salesforce account `sf_id` (the state after a customer sync)."""
    return nue.insert_customer({"name": f"Customer {sf_id}", "recordType": "Business", "salesforceId": sf_id})


def rep_orders(nue: NueSandbox, count: int, lines: int = 3) -> list[DraftOrder]:
    customer = linked_customer(nue)
    return [rep_created_order(f"801{i:05d}", customer_nue_id=customer, lines=lines) for i in range(count)]


def orders_per_link(nue: NueSandbox) -> Counter[str]:
    return Counter(order["salesforceId"] for order in nue.orders() if order["salesforceId"])


# --- reads --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("drafts", "page_size"), [(0, 5), (4, 5), (5, 5), (23, 5), (10, 3)])
def test_reading_costs_one_graphql_request_per_page(
    nue: NueSandbox, adapter_for: Callable[..., NueAdapter], drafts: int, page_size: int
) -> None:
    nue.seed_synthetic(drafts, lines_per_order=3)
    nue.reset_counters()

    result = adapter_for(page_size=page_size).fetch_orders()

    assert len(result.orders) == drafts and not result.problems
    assert all(len(order.lines) == 3 for order in result.orders)
    assert nue.counters == Counter({GRAPHQL: max(1, math.ceil(drafts / page_size))})


def test_a_server_page_cap_below_the_page_size_loses_nothing(
    nue: NueSandbox, adapter_for: Callable[..., NueAdapter]
) -> None:
    nue.graphql_max_limit = 4
    nue.seed_synthetic(10, lines_per_order=2)
    nue.reset_counters()

    result = adapter_for(page_size=6).fetch_orders()

    assert len({o.links.nue_id for o in result.orders}) == 10
    assert nue.counters[GRAPHQL] == 3  # 4 + 4 + 2 rows: the count tells the read it is complete


def test_filters_by_id_customer_and_status(nue: NueSandbox, adapter: NueAdapter) -> None:
    ids = nue.seed_synthetic(6, lines_per_order=1)
    orders = {order["id"]: order for order in nue.orders()}
    nue.activate_order(ids[0])
    customer = orders[ids[1]]["customerId"]
    of_customer = {i for i in ids[1:] if orders[i]["customerId"] == customer}

    assert {o.links.nue_id for o in adapter.fetch_orders().orders} == set(ids[1:])
    assert {o.links.nue_id for o in adapter.fetch_orders(include_activated=True).orders} == set(ids)
    assert {o.links.nue_id for o in adapter.fetch_orders(ids=[ids[0], ids[2]]).orders} == {ids[2]}
    activated = adapter.fetch_orders(ids=[ids[0]], include_activated=True).orders
    assert [(o.links.nue_id, o.status) for o in activated] == [(ids[0], Status.ACTIVATED)]
    assert {o.links.nue_id for o in adapter.fetch_orders(customer_ids=[customer]).orders} == of_customer
    assert adapter.fetch_orders(ids=[]).orders == []


class MovableClock:
    """The tenant's clock, set by the test (`lastModifiedDate` comes from it)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def edit_product_alone(nue: NueSandbox, order_id: str, quantity: int) -> None:
    """An order product changed on its own record: only the product's `lastModifiedDate` moves (Nue
    does not document that such an edit re-stamps the order)."""
    with nue.store.lock:
        line = nue.store.lines[nue.store.order_lines[order_id][0]]
        line.update(quantity=Decimal(quantity), lastModifiedDate=nue.store.now())


def test_changed_since_returns_header_and_product_changes_from_a_little_before_the_mark(
    nue: NueSandbox, adapter: NueAdapter
) -> None:
    clock = MovableClock()
    nue.store.clock = Clock(clock)
    untouched, header, product, just_before = nue.seed_synthetic(4, lines_per_order=2)
    since = clock.now + timedelta(hours=1)
    clock.now = since - SINCE_OVERLAP + timedelta(seconds=30)  # the tenant's clock a little behind nuesync's
    nue.update_order(just_before, {"description": "saved just before the mark"})
    clock.now = since + timedelta(minutes=5)
    nue.update_order(header, {"description": "changed in the portal"})
    edit_product_alone(nue, product, 42)
    nue.reset_counters()

    changed = {o.links.nue_id: o for o in adapter.fetch_orders(since=since).orders}

    assert set(changed) == {header, product, just_before}
    assert changed[product].last_modified is not None and changed[product].last_modified < since  # only its line knew
    assert nue.counters == Counter({GRAPHQL: 1})  # one query, whatever the tenant holds
    assert untouched not in changed


def test_orders_are_read_by_their_numbers_in_one_query(nue: NueSandbox, adapter: NueAdapter) -> None:
    first, second, third = nue.seed_synthetic(3, lines_per_order=1)
    nue.activate_order(third)
    numbers = {order["id"]: order["orderNumber"] for order in nue.orders()}
    nue.reset_counters()

    found = adapter.fetch_orders(numbers=[numbers[first], numbers[third], "O-99999999"], include_activated=True)

    assert {o.links.nue_id: o.order_number for o in found.orders} == {first: numbers[first], third: numbers[third]}
    assert nue.counters == Counter({GRAPHQL: 1})
    assert adapter.fetch_orders(numbers=[]).orders == []
    assert second not in {o.links.nue_id for o in found.orders}


def test_customers_one_order_and_the_sync_setting(nue: NueSandbox, adapter: NueAdapter) -> None:
    customer_id = linked_customer(nue, "001GLOBEX")
    ids = nue.seed_synthetic(1, lines_per_order=2)

    customers = adapter.fetch_customers([customer_id])
    assert customers == [
        Customer(links=Links(nue_id=customer_id, salesforce_id="001GLOBEX"), name="Customer 001GLOBEX")
    ]
    assert len(adapter.fetch_customers()) == len(nue.customers())
    one = adapter.fetch_order(ids[0])
    assert one is not None and len(one.lines) == 2
    assert adapter.fetch_order("no-such-order") is None
    assert adapter.draft_sync_enabled() is True
    nue.draft_sync_enabled = False
    assert adapter.draft_sync_enabled() is False


# --- writes -------------------------------------------------------------------------------------


def test_pushed_drafts_read_back_as_sent(nue: NueSandbox, adapter: NueAdapter) -> None:
    sent = [
        order.model_copy(
            update={"lines": [line.model_copy(update={"subscription_end": date(2026, 3, 31)}) for line in order.lines]}
        )
        for order in rep_orders(nue, 3)
    ]

    results = adapter.upsert_orders(sent)

    assert [r.outcome for r in results] == [Outcome.CREATED] * 3
    read = {o.links.salesforce_id: o for o in adapter.fetch_orders(ids=[r.record_id for r in results]).orders}
    for order, result in zip(sent, results, strict=True):
        back = read[order.links.salesforce_id]
        assert back.links.nue_id == result.record_id
        assert synced_content(back) == synced_content(order)
        assert {line.links.salesforce_id: line.links.nue_id for line in back.lines} == result.line_ids


def test_each_order_written_moves_the_count_of_the_orders_given(
    nue: NueSandbox, adapter_for: Callable[..., NueAdapter]
) -> None:
    orders = rep_orders(nue, 7, lines=1)
    unlinked = rep_created_order("801UNLINKED", customer_nue_id=None)  # refused before sending: counted too
    heard = HeardProgress()
    nue.reset_counters()

    results = adapter_for(max_concurrency=4, page_size=3).upsert_orders([*orders, unlinked], progress=heard)

    assert [r.outcome for r in results] == [Outcome.CREATED] * 7 + [Outcome.FAILED]
    assert heard.counts("writing orders to Nue") == [(done, 8) for done in range(9)]  # across 3 pages, in order
    assert nue.counters["POST /orders"] == 7  # counting sends nothing


def test_pushing_again_updates_and_never_duplicates(nue: NueSandbox, adapter_for: Callable[..., NueAdapter]) -> None:
    orders = rep_orders(nue, 4, lines=2)
    first = adapter_for().upsert_orders(orders)
    grown = orders[0].model_copy(update={"lines": [*orders[0].lines, rep_created_order("801X", lines=3).lines[2]]})
    nue.reset_counters()

    second = adapter_for().upsert_orders([grown, *orders[1:]])

    assert [r.outcome for r in second] == [Outcome.UPDATED] * 4
    assert [r.record_id for r in second] == [r.record_id for r in first]
    assert second[0].line_ids == {**first[0].line_ids, "801X-L2": second[0].line_ids["801X-L2"]}
    assert orders_per_link(nue) == Counter({o.links.salesforce_id: 1 for o in orders})
    assert len(nue.get_order(first[0].record_id or "")["orderProducts"]) == 3
    assert nue.counters == Counter({GRAPHQL: 3, "PATCH /orders/{id}": 4})  # lookup + catalog (2 roots)


def test_a_run_interrupted_halfway_and_repeated_creates_each_order_once(
    nue: NueSandbox, adapter_for: Callable[..., NueAdapter]
) -> None:
    orders = rep_orders(nue, 20, lines=2)
    nue.faults.abort_after_writes(8)

    interrupted = adapter_for(max_concurrency=4).upsert_orders(orders)
    nue.faults.clear()
    repeated = adapter_for(max_concurrency=4).upsert_orders(orders)

    assert Counter(r.outcome for r in interrupted) == Counter({Outcome.CREATED: 8, Outcome.FAILED: 12})
    assert Counter(r.outcome for r in repeated) == Counter({Outcome.UPDATED: 8, Outcome.CREATED: 12})
    assert orders_per_link(nue) == Counter({o.links.salesforce_id: 1 for o in orders})
    assert len(nue.orders()) == 20


def test_a_create_whose_answer_was_lost_is_not_duplicated(
    nue: NueSandbox, adapter_for: Callable[..., NueAdapter]
) -> None:
    order = rep_orders(nue, 1)[0]
    nue.faults.timeout(times=1, seconds=1.0, route="POST /orders")
    nue.reset_counters()

    [result] = adapter_for(timeout_seconds=0.3).upsert_orders([order])

    assert (result.outcome, result.error_code) == (Outcome.CREATED, None)
    assert orders_per_link(nue) == Counter({order.links.salesforce_id: 1})
    assert nue.counters["POST /orders"] == 2  # the retry met the unique link (409) …
    assert nue.counters["PATCH /orders/{id}"] == 1  # … and updated what the lost answer had created


def test_rate_limits_and_outages_are_retried(nue: NueSandbox, adapter: NueAdapter, sleeps: list[float]) -> None:
    nue.seed_synthetic(2, lines_per_order=1)
    nue.faults.rate_limit(times=2, retry_after=3, route=GRAPHQL)
    nue.faults.unavailable(times=1, route=GRAPHQL)
    nue.reset_counters()

    assert len(adapter.fetch_orders().orders) == 2
    assert nue.counters[GRAPHQL] == 4
    assert sleeps[:2] == [3.0, 3.0] and 0 <= sleeps[2] <= 0.2


def test_a_wrong_key_is_refused_with_the_env_var_named(adapter_for: Callable[..., NueAdapter]) -> None:
    wrong = "not-the-right-key-7c1e"

    with pytest.raises(AuthenticationError) as caught:
        adapter_for(key=wrong).fetch_orders()

    assert NUE_KEY_ENV in caught.value.message and wrong not in caught.value.message


def test_one_rejected_order_fails_alone_with_nues_error(nue: NueSandbox, adapter: NueAdapter) -> None:
    orders = rep_orders(nue, 3)
    nue.faults.fail_order("80100001", status=422, error_code="VALIDATION_FAILED", message="tax region missing")
    bad_period = orders[2].model_copy(
        update={"billing": orders[2].billing.model_copy(update={"billing_period": "Fortnight"})}
    )

    results = adapter.upsert_orders([orders[0], orders[1], bad_period])

    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.FAILED, Outcome.FAILED]
    assert (results[1].error_code, results[1].message) == ("VALIDATION_FAILED", "tax region missing")
    assert results[2].error_code == "INVALID_VALUE" and "billingPeriod" in (results[2].message or "")
    assert orders_per_link(nue) == Counter({"80100000": 1})


def test_orders_nue_cannot_take_fail_without_a_request(nue: NueSandbox, adapter: NueAdapter) -> None:
    good, unlinked, unknown_sku, unknown_tag = rep_orders(nue, 4, lines=1)
    unlinked = unlinked.model_copy(update={"customer": Customer(links=Links(salesforce_id="001NEW"), name="New Co")})
    unknown_sku = unknown_sku.model_copy(
        update={"lines": [unknown_sku.lines[0].model_copy(update={"product_sku": "GONE"})]}
    )
    unknown_tag = unknown_tag.model_copy(
        update={"lines": [unknown_tag.lines[0].model_copy(update={"price_tags": [PricingDimension(code="NOPE")]})]}
    )
    nue.reset_counters()

    results = adapter.upsert_orders([good, unlinked, unknown_sku, unknown_tag])

    assert [r.error_code for r in results] == [None, "CUSTOMER_NOT_LINKED", "PRODUCT_NOT_FOUND", "PRICE_TAG_NOT_FOUND"]
    assert "New Co" in (results[1].message or "") and "GONE" in (results[2].message or "")
    assert nue.counters["POST /orders"] == 1


def test_an_order_without_lines_is_not_created_but_an_existing_one_is_still_updated(
    nue: NueSandbox, adapter: NueAdapter
) -> None:
    existing, empty = rep_orders(nue, 2, lines=1)
    adapter.upsert_orders([existing])
    nue.reset_counters()

    renamed = existing.model_copy(update={"lines": [], "name": "Renamed"})
    results = adapter.upsert_orders([empty.model_copy(update={"lines": []}), renamed])

    outcomes = [(r.outcome, r.error_code) for r in results]
    assert outcomes == [(Outcome.FAILED, "NO_ORDER_PRODUCTS"), (Outcome.UPDATED, None)]
    assert "add a product to the order in Salesforce" in (results[0].message or "")
    assert nue.counters["POST /orders"] == 0 and nue.counters["PATCH /orders/{id}"] == 1


def test_an_activated_order_is_not_edited_by_draft_sync(nue: NueSandbox, adapter: NueAdapter) -> None:
    order = rep_orders(nue, 1)[0]
    [created] = adapter.upsert_orders([order])
    nue.activate_order(created.record_id or "")
    nue.reset_counters()

    [again] = adapter.upsert_orders([order])

    assert (again.outcome, again.error_code, again.record_id) == (Outcome.FAILED, "ORDER_NOT_DRAFT", created.record_id)
    assert "PATCH /orders/{id}" not in nue.counters


def test_links_and_origin_are_written_onto_pulled_orders(nue: NueSandbox, adapter: NueAdapter) -> None:
    draft_id, activated_id = nue.seed_synthetic(2, lines_per_order=2)
    nue.activate_order(activated_id)
    pulled = adapter.fetch_orders(include_activated=True).orders
    linked = [
        order.model_copy(
            update={
                "links": Links(nue_id=order.links.nue_id, salesforce_id=f"801PULL{i}"),
                "lines": [
                    line.model_copy(update={"links": Links(nue_id=line.links.nue_id, salesforce_id=f"802PULL{i}{j}")})
                    for j, line in enumerate(order.lines)
                ],
            }
        )
        for i, order in enumerate(pulled)
    ]

    heard = HeardProgress()

    results = adapter.set_links(linked, progress=heard)

    assert [r.outcome for r in results] == [Outcome.UPDATED, Outcome.UPDATED]
    assert heard.counts("writing links onto Nue orders") == [(0, 2), (1, 2), (2, 2)]
    assert [r.key for r in results] == [o.links.nue_id for o in linked]
    assert results[0].line_ids == {line.links.salesforce_id: line.links.nue_id for line in linked[0].lines}
    for order in adapter.fetch_orders(include_activated=True).orders:
        expected = next(o for o in linked if o.links.nue_id == order.links.nue_id)
        assert order.links == expected.links and order.origin is System.NUE
        assert [line.links for line in order.lines] == [line.links for line in expected.lines]
    assert {o["id"] for o in nue.orders()} == {draft_id, activated_id}


def test_activation_and_its_repeat(nue: NueSandbox, adapter: NueAdapter) -> None:
    order_ids = nue.seed_synthetic(12, lines_per_order=1)
    nue.reset_counters()
    heard = HeardProgress()

    first = adapter.activate_many(order_ids, progress=heard)
    second, missing = adapter.activate_many([order_ids[0], "no-such-id"])

    assert [(r.key, r.outcome, r.record_id) for r in first] == [(i, Outcome.UPDATED, i) for i in order_ids]
    assert {nue.get_order(i)["status"] for i in order_ids} == {"Activated"}
    assert second.outcome is Outcome.UNCHANGED
    assert (missing.outcome, missing.error_code) == (Outcome.FAILED, "NOT_FOUND")
    # one request per order (no bulk activation), and one read for the two Nue refused
    assert nue.counters == Counter({"POST /orders/{id}": 14, GRAPHQL: 1})
    assert heard.counts("activating orders in Nue") == [(done, 12) for done in range(13)]


def test_customers_are_created_in_one_batch_without_a_link_and_updated_where_nue_linked_them(
    nue: NueSandbox, adapter: NueAdapter
) -> None:
    synced = linked_customer(nue, "001SYNCED")  # linked by Nue's own Salesforce sync
    accounts = [
        Customer(links=Links(salesforce_id=f"001NEW{i}"), name=f"New {i}", email=f"n{i}@x.test") for i in range(3)
    ]
    nue.reset_counters()

    created = adapter.upsert_customers([*accounts, Customer(links=Links(salesforce_id="001SYNCED"), name="Synced Ltd")])
    renamed = adapter.upsert_customers(
        [
            Customer(links=Links(nue_id=created[1].record_id, salesforce_id="001NEW1"), name="New 1 Ltd"),
            Customer(name="No link"),
            Customer(links=Links(salesforce_id="001TWICE"), name="Twice"),
            Customer(links=Links(salesforce_id="001TWICE"), name="Twice"),
        ]
    )

    assert [r.outcome for r in created] == [Outcome.CREATED] * 3 + [Outcome.UPDATED]
    assert created[3].record_id == synced
    assert [r.outcome for r in renamed] == [Outcome.UPDATED, Outcome.FAILED, Outcome.CREATED, Outcome.FAILED]
    assert (renamed[1].error_code, renamed[3].error_code) == ("MISSING_SALESFORCE_ID", "DUPLICATE_KEY")
    customers = {c["id"]: c for c in nue.customers()}
    assert (customers[synced]["name"], customers[created[1].record_id or ""]["name"]) == ("Synced Ltd", "New 1 Ltd")
    # Nothing nuesync sends carries the link (Nue refuses externalId in a write): Nue's sync sets it.
    assert [customers[r.record_id or ""]["externalId"] for r in created] == [None, None, None, "001SYNCED"]
    assert nue.counters == Counter({"POST /customers": 2, "PATCH /orders/customers/{id}": 2, GRAPHQL: 2})


def test_an_update_keeps_what_the_account_does_not_say(nue: NueSandbox, adapter: NueAdapter) -> None:
    """An Account carries no email: updating the customer Nue's sync linked to it must not clear Nue's."""
    synced = nue.insert_customer({"name": "Synced", "recordType": "Business", "email": "ap@synced.example",
                                  "salesforceId": "001SYNCED"})

    (updated,) = adapter.upsert_customers([Customer(links=Links(salesforce_id="001SYNCED"), name="Synced Ltd")])

    assert (updated.outcome, updated.record_id) == (Outcome.UPDATED, synced)
    customer = next(c for c in nue.customers() if c["id"] == synced)
    assert (customer["name"], customer["email"]) == ("Synced Ltd", "ap@synced.example")


def test_a_customer_link_is_never_written_to_nue(nue: NueSandbox, adapter: NueAdapter) -> None:
    customer = nue.insert_customer({"name": "Self-service Co"})
    nue.reset_counters()

    [result] = adapter.link_customers([Customer(links=Links(nue_id=customer, salesforce_id="001SELF"))])

    assert (result.key, result.outcome, result.record_id) == (customer, Outcome.UNCHANGED, customer)
    assert "Nue's own Salesforce sync" in (result.message or "")
    assert nue.counters == Counter() and nue.customers()[0]["externalId"] is None


def test_concurrent_writes_overlap_latency(nue: NueSandbox, adapter_for: Callable[..., NueAdapter]) -> None:
    import time

    orders = rep_orders(nue, 16, lines=1)
    nue.latency_ms = 40

    started = time.perf_counter()
    results = adapter_for(max_concurrency=8).upsert_orders(orders)
    elapsed = time.perf_counter() - started

    assert all(r.outcome is Outcome.CREATED for r in results)
    assert elapsed < 16 * 0.040  # sequential would take at least 16 × 40 ms


def test_amounts_keep_their_exact_value(nue: NueSandbox, adapter: NueAdapter) -> None:
    order = rep_orders(nue, 1, lines=1)[0]
    line = order.lines[0].model_copy(update={"unit_price": Decimal("1234567.89"), "quantity": Decimal("0.33")})

    [result] = adapter.upsert_orders([order.model_copy(update={"lines": [line]})])
    [back] = adapter.fetch_orders(ids=[result.record_id or ""]).orders

    assert (back.lines[0].unit_price, back.lines[0].quantity) == (Decimal("1234567.89"), Decimal("0.33"))


# Held by Nue, refused by the model: Salesforce could not store them (see model.AMOUNT_INTEGER_DIGITS).
ODD_AMOUNTS = {
    "huge quantity": ("quantity", Decimal("1E+30"), "too large"),
    "huge unit price": ("listPrice", Decimal("1E+30"), "too large"),
    "quantity with 3 decimals": ("quantity", Decimal("0.333"), "more than 2 decimals"),
    "unit price with 4 decimals": ("listPrice", Decimal("12.3456"), "more than 2 decimals"),
    "NaN text": ("quantity", "NaN", "not a finite number"),
}


@pytest.mark.parametrize(("field", "value", "why"), ODD_AMOUNTS.values(), ids=ODD_AMOUNTS.keys())
def test_an_amount_salesforce_cannot_store_makes_that_order_one_malformed_record(
    nue: NueSandbox, adapter: NueAdapter, field: str, value: object, why: str
) -> None:
    spoiled, *good = nue.seed_synthetic(3, lines_per_order=2)
    nue.store.lines_of(spoiled)[1][field] = value  # planted: as an import behind the API would leave it

    result = adapter.fetch_orders()

    assert {o.links.nue_id for o in result.orders} == set(good)
    [problem] = result.problems
    assert (problem.record_id, problem.field) == (spoiled, f"orderProducts[1].{field}")
    assert why in problem.message


def test_negative_zero_is_zero(nue: NueSandbox, adapter: NueAdapter) -> None:
    [order_id] = nue.seed_synthetic(1, lines_per_order=1)
    nue.store.lines_of(order_id)[0]["listPrice"] = Decimal("-0")

    [order] = adapter.fetch_orders().orders

    assert str(order.lines[0].unit_price) == "0"


# --- status spellings ------------------------------------------------------------------------------

ODD_SPELLINGS = ["DRAFT ", "DRAFT", "dRaFt", " draft\t"]


@pytest.mark.parametrize("spelling", ODD_SPELLINGS)
def test_a_draft_is_read_however_its_status_is_spelled(nue: NueSandbox, adapter: NueAdapter, spelling: str) -> None:
    odd, plain = nue.seed_synthetic(2, lines_per_order=1)
    nue.store.orders[odd]["status"] = spelling  # planted: Nue's API writes only its own spelling

    orders = {o.links.nue_id: o for o in adapter.fetch_orders().orders}

    assert set(orders) == {odd, plain}
    assert orders[odd].status is Status.DRAFT


def test_a_status_filter_keeps_only_the_statuses_asked_for(nue: NueSandbox, adapter: NueAdapter) -> None:
    draft, active, inactive, drafted = nue.seed_synthetic(4, lines_per_order=1)
    spellings = {active: " ACTIVE", inactive: "Inactive", drafted: "Drafted"}
    for order_id, status in spellings.items():
        nue.store.orders[order_id]["status"] = status  # planted, as above

    assert {o.links.nue_id for o in adapter.fetch_orders().orders} == {draft}
    everything = adapter.fetch_orders(include_activated=True)
    assert {o.links.nue_id for o in everything.orders} == {draft, active} and not everything.problems


def test_a_draft_spelled_oddly_is_sent_to_nue_not_refused_as_no_longer_a_draft(
    nue: NueSandbox, adapter: NueAdapter
) -> None:
    [order] = rep_orders(nue, 1, lines=1)
    [created] = adapter.upsert_orders([order])
    nue.store.orders[created.record_id or ""]["status"] = "DRAFT "  # planted, as above
    nue.reset_counters()

    adapter.upsert_orders([order.model_copy(update={"name": "Renamed"})])

    assert nue.counters["PATCH /orders/{id}"] == 1  # what Nue then answers is Nue's business


# --- contacts (`--create-customers` creates a missing bill-to contact) --------------------------------


def sf_contact(salesforce_id: str, customer: str | None, name: str = "Ada Lovelace",
               email: str | None = None) -> ContactDetails:
    return ContactDetails(Links(salesforce_id=salesforce_id), name=name,
                          email=email if email is not None else f"{salesforce_id.lower()}@x.test", customer_id=customer)


def test_contacts_are_created_one_array_per_customer_and_found_by_their_link_again(
    nue: NueSandbox, adapter: NueAdapter
) -> None:
    acme, globex = linked_customer(nue, "001ACME"), linked_customer(nue, "001GLOBEX")
    linked = nue.insert_contact(acme, {"name": "Wile E. Coyote", "email": "wile@acme.test", "salesforceId": "003WILE"})
    nue.reset_counters()

    results = adapter.upsert_contacts([
        sf_contact("003ADA", acme), sf_contact("003WILE", acme), sf_contact("003HANK", globex),
        sf_contact("003GRACE", acme), sf_contact("003NOMAIL", acme, email=""), sf_contact("003HANK", globex),
        sf_contact("003ORPHAN", None),
    ])

    assert [(r.key, r.outcome, r.error_code) for r in results] == [
        ("003ADA", Outcome.CREATED, None), ("003WILE", Outcome.UNCHANGED, None), ("003HANK", Outcome.CREATED, None),
        ("003GRACE", Outcome.CREATED, None), ("003NOMAIL", Outcome.FAILED, "REQUIRED_FIELD_MISSING"),
        ("003HANK", Outcome.FAILED, "DUPLICATE_KEY"), ("003ORPHAN", Outcome.FAILED, "CUSTOMER_NOT_LINKED"),
    ]
    assert results[1].record_id == linked
    assert "no email, which Nue requires" in (results[4].message or "")
    stored = {c["salesforceId"]: c for c in nue.contacts()}
    assert {key: (stored[key]["id"], stored[key]["customerId"]) for key in ("003ADA", "003GRACE", "003HANK")} == {
        "003ADA": (results[0].record_id, acme), "003GRACE": (results[3].record_id, acme),
        "003HANK": (results[2].record_id, globex)}
    assert nue.counters == Counter({"POST /customers/{id}/contacts": 2, GRAPHQL: 1})  # Acme's two, Globex's one
    assert [r.outcome for r in adapter.upsert_contacts([sf_contact("003ADA", acme)])] == [Outcome.UNCHANGED]


def test_a_refused_array_is_sent_again_contact_by_contact(nue: NueSandbox, adapter: NueAdapter) -> None:
    acme = linked_customer(nue)
    nue.insert_contact(acme, {"name": "Wile E. Coyote", "email": "wile@acme.test"})
    nue.reset_counters()

    taken, fine = adapter.upsert_contacts([sf_contact("003TAKEN", acme, email="WILE@acme.test"),
                                           sf_contact("003FINE", acme)])

    assert (taken.outcome, taken.error_code) == (Outcome.FAILED, "DUPLICATE_VALUE")
    assert "email" in (taken.message or "")
    assert fine.outcome is Outcome.CREATED
    assert nue.counters["POST /customers/{id}/contacts"] == 3


def test_a_contact_create_whose_answer_was_lost_is_not_duplicated(
    nue: NueSandbox, adapter_for: Callable[..., NueAdapter]
) -> None:
    acme = linked_customer(nue)
    nue.faults.timeout(times=1, seconds=1.0, route="POST /customers/{id}/contacts")

    [result] = adapter_for(timeout_seconds=0.3).upsert_contacts([sf_contact("003LOST", acme)])

    assert (result.outcome, result.error_code) == (Outcome.CREATED, None)
    assert [c["id"] for c in nue.contacts() if c["salesforceId"] == "003LOST"] == [result.record_id]


def test_contacts_are_read_by_id_and_linked_one_write_each(nue: NueSandbox, adapter: NueAdapter) -> None:
    acme = linked_customer(nue)
    ada = nue.insert_contact(acme, {"name": "Ada Lovelace", "email": "ada@acme.test"})
    nue.reset_counters()

    read = adapter.fetch_contacts([ada, "no-such-contact"])
    results = adapter.link_contacts([ContactRef(links=Links(nue_id=ada, salesforce_id="003ADA")),
                                     ContactRef(links=Links(nue_id="no-such-contact", salesforce_id="003X")),
                                     ContactRef(links=Links(salesforce_id="003Y"))])

    assert read == [ContactDetails(Links(nue_id=ada), name="Ada Lovelace", email="ada@acme.test")]
    assert [(r.key, r.outcome, r.error_code) for r in results] == [
        (ada, Outcome.UPDATED, None), ("no-such-contact", Outcome.FAILED, "NOT_FOUND"),
        ("", Outcome.FAILED, "MISSING_LINK")]
    assert nue.contacts()[0]["salesforceId"] == "003ADA"
    assert nue.counters == Counter({GRAPHQL: 1, "PATCH /contacts/{id}": 2})


# --- which customers and contacts exist ------------------------------------------------------------


def test_existing_customers_and_contacts_are_asked_one_query_per_page(
    nue: NueSandbox, adapter_for: Callable[..., NueAdapter]
) -> None:
    customers = [linked_customer(nue, f"001{i:012d}") for i in range(5)]
    contact = nue.insert_contact(customers[0], {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@x.io"})
    nue.reset_counters()
    adapter = adapter_for(page_size=2)

    assert adapter.existing_customer_ids([*customers, "no-such-customer", ""]) == frozenset(customers)
    assert nue.counters[GRAPHQL] == 3  # 6 non-empty ids, 2 per page
    assert adapter.existing_contact_ids([contact, customers[1]]) == {contact}
    assert adapter.existing_customer_ids([]) == frozenset()
    assert nue.counters[GRAPHQL] == 4


def test_the_customers_nue_linked_to_accounts_are_found_one_query_per_page(
    nue: NueSandbox, adapter_for: Callable[..., NueAdapter]
) -> None:
    linked = {f"001{i:012d}": linked_customer(nue, f"001{i:012d}") for i in range(3)}
    nue.insert_customer({"name": "Not synced", "recordType": "Business"})
    nue.reset_counters()
    adapter = adapter_for(page_size=2)

    assert adapter.customers_linked_to([*linked, "001NONE", ""]) == linked
    assert nue.counters[GRAPHQL] == 2  # 4 non-empty ids, 2 per page
    assert adapter.customers_linked_to([]) == {}
    assert nue.counters[GRAPHQL] == 2


def test_links_that_disagree_are_reported_never_fixed(nue: NueSandbox, adapter: NueAdapter) -> None:
    first, second = rep_orders(nue, 2, lines=1)
    [created, _] = adapter.upsert_orders([first, second])
    nue.reset_counters()
    claims_other = second.model_copy(update={"links": Links(nue_id=created.record_id, salesforce_id="80100001")})
    stale = first.model_copy(update={"links": Links(nue_id="deleted-in-nue", salesforce_id="801STALE")})
    no_key = first.model_copy(update={"links": Links()})
    no_line_key = first.model_copy(
        update={
            "links": Links(salesforce_id="801NOLINE"),
            "lines": [first.lines[0].model_copy(update={"links": Links()})],
        }
    )
    contact = with_contact(first.model_copy(update={"links": Links(salesforce_id="801CONTACT")}), None)

    results = adapter.upsert_orders([claims_other, stale, no_key, no_line_key, contact, first, first])

    assert [r.error_code for r in results] == [
        "LINK_CONFLICT",
        "NUE_ORDER_NOT_FOUND",
        "MISSING_SALESFORCE_ID",
        "MISSING_LINE_ID",
        "CONTACT_NOT_LINKED",
        None,
        "DUPLICATE_KEY",
    ]
    assert nue.counters["PATCH /orders/{id}"] == 1 and "POST /orders" not in nue.counters
