"""Follow-up tasks and the checkout link: Accounts' owners, tasks found by cart, Collections inserts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from nuesync.adapters.base import Outcome
from nuesync.adapters.salesforce import SalesforceAdapter
from nuesync.followup.task import AccountOwner, FollowUpTask
from nuesync.model import Customer, DraftOrder, Links, System
from tests.adapters.salesforce.sf_support import Org, linked_account, nue_cart
from tests.helpers import HeardProgress

CREATE = "POST composite/sobjects"
UPDATE = "PATCH composite/sobjects"


def user(org: Org) -> str:
    (integration,) = [u for u in org.sandbox.records("User") if u["LastName"] == "User"]
    return str(integration["Id"])


def orders(adapter: SalesforceAdapter, customer: Customer, count: int) -> list[str]:
    return [str(r.record_id) for r in adapter.upsert_orders([nue_cart(n, customer) for n in range(count)])]


def task(cart: str, order_id: str, owner: str, **changes: object) -> FollowUpTask:
    fields = {"cart_id": cart, "order_id": order_id, "owner_id": owner, "subject": f"Follow up {cart}",
              "description": "Total: 60 USD", "due": date(2026, 12, 12), "status": "Not Started",
              "priority": "Normal", **changes}
    return FollowUpTask(**fields)  # type: ignore[arg-type]


def test_account_owners_say_who_owns_each_account_and_whether_that_user_is_active(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    created = str(acme.links.salesforce_id)  # created by the integration user, who owns it as in any org
    rep, left = org.sandbox.insert_user("Joanna", "Smith"), org.sandbox.insert_user("Peter", "Gibbons", active=False)
    owned, orphaned = (str(linked_account(org, f"CUS-{n}", n).links.salesforce_id) for n in ("INITECH", "INITRODE"))
    org.sandbox.update("Account", owned, {"OwnerId": rep})
    org.sandbox.update("Account", orphaned, {"OwnerId": left})
    org.sandbox.reset_counters()

    owners = adapter.account_owners([created, owned, orphaned, "001000000000404AAA", "not-an-id"])

    assert owners == {created: AccountOwner(user(org), True, integration=True), owned: AccountOwner(rep, True),
                      orphaned: AccountOwner(left, False)}
    assert org.sandbox.counters == {"GET query": 1, "GET services/oauth2/userinfo": 1}


def test_an_org_that_will_not_say_who_logs_in_leaves_the_owners_as_they_are(
    org: Org, adapter: SalesforceAdapter, acme: Customer, caplog: pytest.LogCaptureFixture
) -> None:
    """A token without an identity scope gets no `userinfo` answer: no reason to stop a follow-up run."""
    account = str(acme.links.salesforce_id)
    org.sandbox.faults.fail_next(1, status=403, endpoint="GET services/oauth2/userinfo")

    owners = adapter.account_owners([account])

    assert owners == {account: AccountOwner(user(org), True, integration=False)}
    assert "could not tell which user nuesync logs in as" in caplog.text


def test_tasks_are_created_200_a_call_related_to_the_order_and_keyed_by_the_cart(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    (order_id,) = orders(adapter, acme, 1)
    contact = org.sandbox.insert("Contact", {"LastName": "Buyer", "AccountId": acme.links.salesforce_id})
    tasks = [task(f"cart-{n}", order_id, user(org), contact_id=contact if n == 0 else None) for n in range(201)]
    org.sandbox.reset_counters()

    heard = HeardProgress()
    results = adapter.create_tasks(tasks, progress=heard)

    assert [(r.key, r.outcome) for r in results] == [(f"cart-{n}", Outcome.CREATED) for n in range(201)]
    assert org.sandbox.counters == {CREATE: 2}
    assert heard.counts("creating tasks in Salesforce") == [(0, 201), (200, 201), (201, 201)]
    first = org.sandbox.get("Task", str(results[0].record_id))
    assert {k: first[k] for k in ("Subject", "Description", "WhatId", "WhoId", "OwnerId", "ActivityDate", "Status",
                                  "Priority", "Nue_Cart_Id__c")} == {
        "Subject": "Follow up cart-0", "Description": "Total: 60 USD", "WhatId": order_id, "WhoId": contact,
        "OwnerId": user(org), "ActivityDate": date(2026, 12, 12), "Status": "Not Started", "Priority": "Normal",
        "Nue_Cart_Id__c": "cart-0"}
    assert org.sandbox.get("Task", str(results[1].record_id))["WhoId"] is None


def test_a_task_salesforce_refuses_fails_alone_with_its_code(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    (order_id,) = orders(adapter, acme, 1)

    good, bad = adapter.create_tasks([task("cart-1", order_id, user(org)),
                                      task("cart-2", order_id, user(org), priority="Whenever")])

    assert good.outcome is Outcome.CREATED
    assert (bad.key, bad.outcome) == ("cart-2", Outcome.FAILED)
    assert bad.error_code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_cart_tasks_find_every_task_keyed_by_a_cart_deleted_ones_too(
    org: Org, adapter: SalesforceAdapter, acme: Customer
) -> None:
    (order_id,) = orders(adapter, acme, 1)
    kept, deleted = adapter.create_tasks([task("cart-1", order_id, user(org)), task("cart-2", order_id, user(org))])
    org.sandbox.delete("Task", str(deleted.record_id))
    org.sandbox.insert("Task", {"Subject": "A rep's own task", "WhatId": order_id})
    org.sandbox.reset_counters()

    found = adapter.cart_tasks(["cart-1", "cart-2", "cart-3"])

    assert found == {"cart-1": kept.record_id, "cart-2": deleted.record_id}
    assert org.sandbox.counters == {"GET queryAll": 1}
    assert adapter.cart_tasks([]) == {}


def test_the_cart_field_is_the_configured_one(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], acme: Customer
) -> None:
    adapter = adapter_for(org, sections={"followup": {"cart_field": "Subject"}})
    (order_id,) = orders(adapter, acme, 1)

    (created,) = adapter.create_tasks([task("cart-1", order_id, user(org), subject="ignored")])

    assert org.sandbox.get("Task", str(created.record_id))["Subject"] == "cart-1"
    assert adapter.cart_tasks(["cart-1"]) == {"cart-1": created.record_id}


# --- the checkout link rides on the link-back -----------------------------------------------------


def linked(order_id: str, n: int) -> DraftOrder:
    return DraftOrder(links=Links(salesforce_id=order_id, nue_id=f"ORD-N{n}"), origin=System.SALESFORCE)


def test_set_links_writes_a_checkout_link_in_the_same_call(org: Org, adapter: SalesforceAdapter,
                                                           acme: Customer) -> None:
    first, second = orders(adapter, acme, 2)
    org.sandbox.reset_counters()

    results = adapter.set_links([linked(first, 1), linked(second, 2)], {first: "https://portal.example.com/c/N1"})

    assert [r.outcome for r in results] == [Outcome.UPDATED, Outcome.UPDATED]
    assert org.sandbox.counters == {UPDATE: 1}
    assert org.sandbox.get("Order", first)["Nue_Checkout_URL__c"] == "https://portal.example.com/c/N1"
    assert org.sandbox.get("Order", second)["Nue_Checkout_URL__c"] is None


def test_the_checkout_link_goes_to_the_field_the_mapping_names(
    org: Org, adapter_for: Callable[..., SalesforceAdapter], acme: Customer
) -> None:
    adapter = adapter_for(org, sections={"mapping": {"salesforce": {"order": {"checkout_url": "Region__c"}}}})
    (order_id,) = orders(adapter, acme, 1)

    adapter.set_links([linked(order_id, 1)], {order_id: "https://portal.example.com/c/N1"})

    row = org.sandbox.get("Order", order_id)
    assert (row["Region__c"], row["Nue_Checkout_URL__c"]) == ("https://portal.example.com/c/N1", None)
