"""The doctor's pure parts: exit codes, the type table, link rules, customer links, skipping."""

from __future__ import annotations

from typing import Any

import pytest

from nuesync.config import LoadedConfig, Settings
from nuesync.doctor import diagnose
from nuesync.doctor.checks import CHECK_NAMES, CONFIG, Check, Report, Status, exit_code, fail, ok, warn
from nuesync.doctor.connections import SalesforceSide
from nuesync.doctor.customers import unlinked_customers
from nuesync.doctor.salesforce_fields import EXPECTED_KIND, SALESFORCE_TYPES, field_problems, mapped_fields
from nuesync.doctor.system_checks import links_check
from nuesync.errors import ApiUnavailableError, ConfigError, ExitCode, MissingSecretError
from nuesync.mapping import DEFAULT_SALESFORCE, MappedObject
from nuesync.model import Customer, DraftOrder, Links

# --- exit codes -----------------------------------------------------------------------------------

API_DOWN = fail("nue.api", "cannot reach Nue", "", ExitCode.API_UNAVAILABLE)
BUDGET_SPENT = fail("salesforce.api_budget", "spent", "", ExitCode.NOT_RUN_NOW)
FIELD_MISSING = fail("salesforce.fields.order", "Order.X__c does not exist", "create it")
REQUEST_REFUSED = fail("salesforce.activated_status", "Salesforce refused", "", ExitCode.INTERNAL_ERROR)
FINE = ok("config", "valid")
LOW_BUDGET = warn("salesforce.api_budget", "below the floor", "wait")


@pytest.mark.parametrize(
    ("checks", "code"),
    [
        pytest.param([FINE, LOW_BUDGET], ExitCode.OK, id="warnings never fail"),
        pytest.param([FINE, FIELD_MISSING], ExitCode.USAGE, id="a setup failure is 2"),
        pytest.param([FIELD_MISSING, BUDGET_SPENT], ExitCode.NOT_RUN_NOW, id="a spent budget outranks setup"),
        pytest.param([FIELD_MISSING, BUDGET_SPENT, API_DOWN], ExitCode.API_UNAVAILABLE, id="an API down outranks all"),
        pytest.param([REQUEST_REFUSED], ExitCode.USAGE, id="a refused request is a failed check, never 1"),
        pytest.param([Check("x", Status.SKIP, "not checked")], ExitCode.OK, id="skips alone do not fail"),
    ],
)
def test_exit_code_is_the_most_specific_failure(checks: list[Check], code: ExitCode) -> None:
    assert exit_code(checks) == code


# --- the type table ------------------------------------------------------------------------------


@pytest.mark.parametrize("obj", list(MappedObject))
def test_every_default_salesforce_field_has_a_type_expectation(obj: MappedObject) -> None:
    assert set(EXPECTED_KIND[obj]) == set(DEFAULT_SALESFORCE[obj])


def test_salesforce_type_families_do_not_overlap() -> None:
    families = list(SALESFORCE_TYPES.values())
    assert sum(len(f) for f in families) == len(frozenset().union(*families))


# --- link fields -----------------------------------------------------------------------------------


def external_id(name: str, *, unique: bool) -> dict[str, Any]:
    return {"name": name, "type": "string", "externalId": True, "unique": unique,
            "createable": True, "updateable": True}


def described_org(*, unique_lines: bool) -> SalesforceSide:
    """An org already described (no connection needed): link fields as External IDs."""
    side = SalesforceSide()
    side.described.update({
        "Order": {"nue_order_id__c": external_id("Nue_Order_Id__c", unique=True)},
        "OrderItem": {"nue_order_product_id__c": external_id("Nue_Order_Product_Id__c", unique=unique_lines)},
        "Account": {"nue_customer_id__c": external_id("Nue_Customer_Id__c", unique=True)},
    })
    return side


def test_unique_external_ids_pass() -> None:
    check = links_check(Settings(), described_org(unique_lines=True))
    assert check.status is Status.OK


def test_an_external_id_that_is_not_unique_fails() -> None:
    """New orders are inserted; only the unique index refuses a second one after a crash."""
    check = links_check(Settings(), described_org(unique_lines=False))
    assert check.status is Status.FAIL
    assert check.detail.startswith("OrderItem.Nue_Order_Product_Id__c: External ID but not unique")
    assert check.fix.startswith("mark OrderItem.Nue_Order_Product_Id__c Unique in Setup")
    assert "nuesync setup salesforce" in check.fix


# --- what a field must hold ----------------------------------------------------------------------------


def order_field(name: str, **described: Any) -> dict[str, dict[str, Any]]:
    return {name.lower(): {"name": name, "createable": True, "updateable": True, **described}}


def order_problems(described: dict[str, dict[str, Any]]) -> list[str]:
    fields = [f for f in mapped_fields(Settings().field_mapping(), MappedObject.ORDER) if f.name.lower() in described]
    return [problem.detail for problem in field_problems(fields, described)]


def picklist(*values: str, restricted: bool = True, inactive: tuple[str, ...] = ()) -> dict[str, Any]:
    entries = [{"value": v, "active": True} for v in values] + [{"value": v, "active": False} for v in inactive]
    return {"type": "picklist", "restrictedPicklist": restricted, "picklistValues": entries}


@pytest.mark.parametrize(("described", "problems"), [
    (picklist("Nue", "Salesforce"), []),
    (picklist("Nue", "Salesforce", "Partner"), []),
    (picklist("Nue", restricted=False), []),  # an unrestricted picklist takes any value
    (picklist("Nue"), ["Order.Nue_Origin__c (origin) is a restricted picklist without 'Salesforce': an order with "
                       "that value is refused"]),
    (picklist("Nue", inactive=("Salesforce",)), ["Order.Nue_Origin__c (origin) is a restricted picklist without "
                                                  "'Salesforce': an order with that value is refused"]),
])
def test_a_restricted_picklist_must_hold_every_value_nue_sends(described: dict[str, Any],
                                                               problems: list[str]) -> None:
    assert order_problems(order_field("Nue_Origin__c", **described)) == problems


@pytest.mark.parametrize(("length", "problems"), [
    (255, []), (36, []),
    (20, ["Order.Nue_Order_Id__c (links.nue_id) holds 20 characters; Nue ids have 36"]),
])
def test_a_link_field_must_hold_a_nue_id(length: int, problems: list[str]) -> None:
    assert order_problems(order_field("Nue_Order_Id__c", type="string", length=length)) == problems


# --- customers of open drafts ------------------------------------------------------------------------


def draft(customer: Customer) -> DraftOrder:
    return DraftOrder(customer=customer)


ACME_IN_NUE = Customer(links=Links(nue_id="c-acme", salesforce_id="001A"), name="Acme")
ACME_ACCOUNT = Customer(links=Links(nue_id="c-acme", salesforce_id="001A"), name="Acme")
GLOBEX_IN_NUE = Customer(links=Links(nue_id="c-globex"), name="Globex")
INITECH_IN_NUE = Customer(links=Links(nue_id="c-initech", salesforce_id="001I"), name="Initech")
INITECH_ACCOUNT_OF_ANOTHER = Customer(links=Links(nue_id="c-other", salesforce_id="001I"), name="Initech")
HOOLI_ACCOUNT = Customer(links=Links(nue_id="c-hooli", salesforce_id="001H"), name="Hooli")
HOOLI_IN_NUE_UNLINKED = Customer(links=Links(nue_id="c-hooli"), name="Hooli")
UMBRELLA_ACCOUNT = Customer(links=Links(nue_id="c-gone", salesforce_id="001U"), name="Umbrella")


def test_unlinked_customers_are_counted_per_draft_with_the_reason() -> None:
    """Hooli is linked by its Account's Nue id alone, as a customer a pull created is: it pairs."""
    found = unlinked_customers(
        nue_orders=[draft(ACME_IN_NUE), draft(GLOBEX_IN_NUE), draft(GLOBEX_IN_NUE), draft(INITECH_IN_NUE)],
        sf_orders=[draft(ACME_ACCOUNT), draft(HOOLI_ACCOUNT), draft(UMBRELLA_ACCOUNT)],
        nue_customers={"c-acme": ACME_IN_NUE, "c-hooli": HOOLI_IN_NUE_UNLINKED},
        accounts={"001A": ACME_ACCOUNT, "001I": INITECH_ACCOUNT_OF_ANOTHER},
    )
    assert dict(found) == {
        ("Nue", "Globex", "not linked to Salesforce"): 2,
        ("Nue", "Initech", "Salesforce links elsewhere"): 1,
        ("Salesforce", "Umbrella", "linked to a Nue customer that does not exist"): 1,
    }


# --- running checks ------------------------------------------------------------------------------


def test_a_check_whose_prerequisite_failed_is_skipped_not_run() -> None:
    report = Report()
    report.add(API_DOWN)

    def must_not_run() -> Check:
        raise AssertionError("ran a check whose prerequisite failed")

    report.after("nue.fields", ["nue.api"], must_not_run)
    (_, skipped) = report.checks
    assert skipped == Check("nue.fields", Status.SKIP, "not checked: nue.api did not pass")


def test_an_expected_error_becomes_a_failed_check_with_its_exit_code() -> None:
    report = Report()

    def unreachable() -> Check:
        raise ApiUnavailableError("cannot reach Nue at http://127.0.0.1:1")

    report.after("nue.draft_sync", [], unreachable)
    assert report.checks == [
        Check("nue.draft_sync", Status.FAIL, "cannot reach Nue at http://127.0.0.1:1", "", ExitCode.API_UNAVAILABLE)
    ]


def test_a_bug_is_not_disguised_as_a_failed_check() -> None:
    def buggy() -> Check:
        raise KeyError("fields")

    with pytest.raises(KeyError):
        Report().after("salesforce.links", [], buggy)


@pytest.mark.parametrize("error", [ConfigError("no config file found"), MissingSecretError("set $X")])
def test_without_a_config_only_the_config_check_runs(error: ConfigError) -> None:
    def load() -> LoadedConfig:
        raise error

    checks = diagnose(load, {})
    assert [c.name for c in checks] == list(CHECK_NAMES)
    assert checks[0] == Check(CONFIG, Status.FAIL, error.message, checks[0].fix, ExitCode.USAGE)
    assert {c.status for c in checks[1:]} == {Status.SKIP}
    assert exit_code(checks) == ExitCode.USAGE
