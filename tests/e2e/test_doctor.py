"""`nuesync doctor` against both emulators: a healthy deployment, then one broken thing at a time."""

from __future__ import annotations

import re
import socket
import tomllib
from typing import Any

import pytest
import tomli_w

from nuesync.doctor.checks import CHECK_NAMES, CUSTOMERS, SF_FIELDS
from nuesync.errors import ExitCode
from nuesync.mapping import MappedObject
from nuesync.sandbox.pair import NUE_KEY_ENV, SF_SESSION_ENV
from tests.e2e.conftest import World
from tests.helpers import CliResult, invoke

WRONG_SECRET = "wrong-secret-5f1c2e9a7b"
SALESFORCE_CHECKS = ("salesforce.api_budget", "salesforce.activated_status", *SF_FIELDS.values(), "salesforce.links")
NUE_CHECKS = ("nue.draft_sync", "nue.fields")


def reconfigure(world: World, changes: dict[str, Any]) -> None:
    """Lay `changes` over the world's config file, table by table."""
    document = tomllib.loads(world.config.read_text())

    def merge(into: dict[str, Any], update: dict[str, Any]) -> None:
        for key, value in update.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value

    merge(document, changes)
    world.config.write_text(tomli_w.dumps(document))


def doctor(world: World, *, env: dict[str, str] | None = None, json: bool = True) -> CliResult:
    args = ["--config", str(world.config), *(["--json"] if json else []), "doctor"]
    return invoke(args, env={**world.sandbox.environ(), **(env or {})})


def by_name(result: CliResult) -> dict[str, dict[str, str]]:
    return {check["name"]: check for check in result.json()["checks"]}


def statuses(result: CliResult) -> dict[str, str]:
    return {name: check["status"] for name, check in by_name(result).items()}


def secrets_of(world: World) -> list[str]:
    return [world.sandbox.salesforce.session_id, world.sandbox.nue.api_key, WRONG_SECRET]


def assert_no_secret(world: World, result: CliResult) -> None:
    for secret in secrets_of(world):
        assert secret not in result.stdout
        assert secret not in result.stderr


# --- healthy ------------------------------------------------------------------------------------


def test_demo_sandbox_passes_with_one_unlinked_customer(demo: World) -> None:
    result = doctor(demo)
    assert result.code == ExitCode.OK, result.stdout + result.stderr
    document = result.json()
    assert document["schema_version"] == 1
    assert document["ok"] is True
    assert [check["name"] for check in document["checks"]] == list(CHECK_NAMES)
    assert {name for name, status in statuses(result).items() if status != "ok"} == {CUSTOMERS}
    customers = by_name(result)[CUSTOMERS]
    assert customers["status"] == "warn"
    assert "Globex (Nue customer, not linked to Salesforce, 1 draft)" in customers["detail"]
    assert "create_missing_customers" in customers["fix"]
    assert by_name(result)["config"]["fix"] is None  # nothing to fix is null, never ""
    assert_no_secret(demo, result)


def test_empty_sandbox_prints_one_ok_line_per_check(empty: World) -> None:
    result = doctor(empty, json=False, env={"COLUMNS": "200"})
    assert result.code == ExitCode.OK, result.stdout
    for name in CHECK_NAMES:
        assert re.search(rf"^ok\s+{re.escape(name)}\s", result.stdout, re.MULTILINE), name
    assert f"doctor: {len(CHECK_NAMES)} ok (exit 0)" in result.stdout
    assert "fix:" not in result.stdout
    assert_no_secret(empty, result)


def test_doctor_writes_nothing(demo: World) -> None:
    demo.sandbox.salesforce.reset_counters()
    demo.sandbox.nue.reset_counters()
    assert doctor(demo).code == ExitCode.OK
    assert demo.writes() == 0


# --- the Salesforce mapping ---------------------------------------------------------------------

MISSING_ORDER_FIELD = {"salesforce": {"order": {"billing.payment_term": "Nue_Payment_Terms__c"}}}
NUMBER_WHERE_TEXT = {"salesforce": {"order": {"billing.payment_term": "Nue_Discount_Percent__c"}}}
READ_ONLY_FIELD = {"salesforce": {"order": {"discount.amount": "TotalAmount"}}}
LOOKUP_TO_CONTACT = {"salesforce": {"order": {"customer": "BillToContactId"}}}
MISSING_LINE_FIELD = {"salesforce": {"line": {"subscription_term": "Term__c"}}}
TEXT_CUSTOM_FIELD_AS_NUMBER = {
    "custom_fields": [{"object": "order", "name": "region", "salesforce": "Region__c", "nue": "region",
                       "type": "number"}],
}


@pytest.mark.parametrize(
    ("mapping", "obj", "detail", "fix"),
    [
        pytest.param(MISSING_ORDER_FIELD, MappedObject.ORDER,
                     "Order.Nue_Payment_Terms__c (billing.payment_term) does not exist",
                     "generate Nue_Payment_Terms__c with `nuesync setup salesforce --out DIR` and deploy DIR, or set "
                     '"billing.payment_term" in [mapping.salesforce.order] to an existing field', id="missing field"),
        pytest.param(NUMBER_WHERE_TEXT, MappedObject.ORDER,
                     "Order.Nue_Discount_Percent__c (billing.payment_term) is percent, expected text",
                     '"billing.payment_term" in [mapping.salesforce.order] to a field of text type',
                     id="number where the canonical field is text"),
        pytest.param(READ_ONLY_FIELD, MappedObject.ORDER,
                     "Order.TotalAmount (discount.amount) cannot be set on create or updated by this user",
                     "field-level security", id="read-only field"),
        pytest.param(LOOKUP_TO_CONTACT, MappedObject.ORDER,
                     "Order.BillToContactId (customer) looks up Contact, expected Account",
                     "to a lookup to Account", id="lookup to the wrong object"),
        pytest.param(MISSING_LINE_FIELD, MappedObject.LINE, "OrderItem.Term__c (subscription_term) does not exist",
                     "[mapping.salesforce.line]", id="missing line field"),
        pytest.param(TEXT_CUSTOM_FIELD_AS_NUMBER, MappedObject.ORDER,
                     "Order.Region__c (custom_fields.region) is string, expected a number",
                     '[[mapping.custom_fields]] entry "region"', id="custom field of the wrong type"),
    ],
)
def test_a_bad_mapped_field_fails_naming_it_and_the_fix(
    demo: World, mapping: dict[str, Any], obj: MappedObject, detail: str, fix: str
) -> None:
    reconfigure(demo, {"mapping": mapping})
    result = doctor(demo)
    assert result.code == ExitCode.USAGE
    check = by_name(result)[SF_FIELDS[obj]]
    assert check["status"] == "fail"
    assert check["detail"] == detail
    assert fix in check["fix"]
    failed = {name for name, status in statuses(result).items() if status == "fail"}
    assert failed == {SF_FIELDS[obj]}
    assert by_name(result)[CUSTOMERS]["status"] == "skip"
    assert SF_FIELDS[obj] in by_name(result)[CUSTOMERS]["detail"]


def test_a_link_field_that_is_not_an_external_id_fails(demo: World) -> None:
    reconfigure(demo, {"mapping": {"salesforce": {"order": {"links.nue_id": "Description"}}}})
    result = doctor(demo)
    assert result.code == ExitCode.USAGE
    links = by_name(result)["salesforce.links"]
    assert links["status"] == "fail"
    assert links["detail"].startswith("Order.Description (links.nue_id) is not an External ID")
    assert "mark Order.Description External ID and Unique" in links["fix"]
    assert by_name(result)[SF_FIELDS[MappedObject.ORDER]]["status"] == "ok"  # it exists and is writable text


# --- APIs and credentials -----------------------------------------------------------------------


def test_a_wrong_nue_key_fails_with_exit_7_naming_the_variable_not_the_key(demo: World) -> None:
    result = doctor(demo, env={NUE_KEY_ENV: WRONG_SECRET})
    assert result.code == ExitCode.API_UNAVAILABLE
    nue_api = by_name(result)["nue.api"]
    assert nue_api["status"] == "fail"
    assert NUE_KEY_ENV in nue_api["detail"]
    assert {name: statuses(result)[name] for name in (*NUE_CHECKS, CUSTOMERS)} == dict.fromkeys(
        (*NUE_CHECKS, CUSTOMERS), "skip")
    assert {statuses(result)[name] for name in SALESFORCE_CHECKS} == {"ok"}
    assert_no_secret(demo, result)
    assert_no_secret(demo, doctor(demo, env={NUE_KEY_ENV: WRONG_SECRET}, json=False))


def test_a_missing_nue_key_is_a_config_failure(demo: World) -> None:
    result = doctor(demo, env={NUE_KEY_ENV: ""})
    assert result.code == ExitCode.USAGE
    assert f"the environment variable {NUE_KEY_ENV} is not set" in by_name(result)["nue.api"]["detail"]


def test_a_rejected_salesforce_session_fails_with_exit_7(demo: World) -> None:
    result = doctor(demo, env={SF_SESSION_ENV: WRONG_SECRET})
    assert result.code == ExitCode.API_UNAVAILABLE
    sf_api = by_name(result)["salesforce.api"]
    assert sf_api["status"] == "fail"
    assert SF_SESSION_ENV in sf_api["detail"]
    assert {statuses(result)[name] for name in (*SALESFORCE_CHECKS, CUSTOMERS)} == {"skip"}
    assert {statuses(result)[name] for name in ("nue.api", *NUE_CHECKS)} == {"ok"}
    assert_no_secret(demo, result)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_nue_fails_with_exit_7(empty: World) -> None:
    reconfigure(empty, {"nue": {"base_url": f"http://127.0.0.1:{closed_port()}"}})
    result = doctor(empty)
    assert result.code == ExitCode.API_UNAVAILABLE
    assert "cannot reach Nue" in by_name(result)["nue.api"]["detail"]
    assert by_name(result)["salesforce.api"]["status"] == "ok"


# --- the API budget -----------------------------------------------------------------------------


def exhaust_by_fault(world: World) -> None:
    world.sandbox.salesforce.faults.exhaust_api_limit()


def exhaust_by_usage(world: World) -> None:
    world.sandbox.salesforce.api_usage = world.sandbox.salesforce.app.daily_api_limit


@pytest.mark.parametrize("exhaust", [exhaust_by_fault, exhaust_by_usage], ids=["fault", "usage at the limit"])
def test_a_spent_budget_fails_with_exit_6_and_skips_salesforce_checks(demo: World, exhaust: Any) -> None:
    exhaust(demo)
    result = doctor(demo)
    assert result.code == ExitCode.NOT_RUN_NOW
    budget = by_name(result)["salesforce.api_budget"]
    assert budget["status"] == "fail"
    assert "API request limit is spent" in budget["detail"]
    assert by_name(result)["salesforce.api"]["status"] == "ok"
    assert {statuses(result)[name] for name in (*SALESFORCE_CHECKS[1:], CUSTOMERS)} == {"skip"}
    assert "salesforce.api_budget did not pass" in by_name(result)["salesforce.links"]["detail"]


def test_a_budget_below_the_floor_warns(demo: World) -> None:
    demo.sandbox.salesforce.api_usage = demo.sandbox.salesforce.app.daily_api_limit - 100
    result = doctor(demo)
    assert result.code == ExitCode.OK
    budget = by_name(result)["salesforce.api_budget"]
    assert budget["status"] == "warn"
    assert "99 of 100,000 API calls left today, below sync.min_api_remaining = 500" in budget["detail"]


# --- settings in Nue and in the org -------------------------------------------------------------


@pytest.mark.parametrize(
    ("in_config", "in_nue", "status", "code"),
    [(True, False, "fail", ExitCode.USAGE), (False, True, "warn", ExitCode.OK), (False, False, "warn", ExitCode.OK)],
)
def test_draft_sync_off_says_where_to_turn_it_on(
    demo: World, in_config: bool, in_nue: bool, status: str, code: ExitCode
) -> None:
    reconfigure(demo, {"sync": {"draft_sync": in_config}})
    demo.sandbox.nue.draft_sync_enabled = in_nue
    result = doctor(demo)
    assert result.code == code
    check = by_name(result)["nue.draft_sync"]
    assert check["status"] == status
    place = "Nue Settings → Salesforce integration" if not in_nue else "sync.draft_sync = true"
    assert place in check["fix"]


def test_an_activated_status_the_org_lacks_fails(demo: World) -> None:
    reconfigure(demo, {"sync": {"activated_status": "Live"}})
    result = doctor(demo)
    assert result.code == ExitCode.USAGE
    check = by_name(result)["salesforce.activated_status"]
    assert check["status"] == "fail"
    assert "no Activated Order Status 'Live'" in check["detail"]
    assert "set sync.activated_status to one of 'Activated'" in check["fix"]


def test_customers_are_listed_with_their_drafts_on_the_side_that_has_no_link(demo: World) -> None:
    """Acme's Nue customer still names its Account (its drafts pull), but the Account no longer names the Nue
    customer, so Acme's Salesforce drafts cannot be pushed: only those are listed."""
    (acme,) = [a for a in demo.sandbox.salesforce.records("Account") if a["Name"] == "Acme Corp"]
    demo.sandbox.salesforce.update("Account", acme["Id"], {"Nue_Customer_Id__c": None})
    check = by_name(doctor(demo))[CUSTOMERS]
    assert check["status"] == "warn"
    assert "Acme Corp (Salesforce customer, not linked to Nue, 3 drafts)" in check["detail"]
    assert "Acme Corp (Nue customer" not in check["detail"]


# --- the config ---------------------------------------------------------------------------------


def test_an_invalid_config_fails_and_skips_everything_else(empty: World) -> None:
    reconfigure(empty, {"sync": {"min_api_remaining": -1}})
    result = doctor(empty)
    assert result.code == ExitCode.USAGE
    config, *rest = result.json()["checks"]
    assert config["status"] == "fail"
    assert "sync.min_api_remaining" in config["detail"]
    assert {check["status"] for check in rest} == {"skip"}
    assert len(rest) == len(CHECK_NAMES) - 1


def test_help_documents_the_exit_codes() -> None:
    help_text = invoke(["doctor", "--help"]).stdout
    for code, meaning in ((0, "nothing failed"), (7, "could not be reached"), (6, "budget is spent"),
                          (2, "any other failed check")):
        assert re.search(rf"^\s+{code}\s+.*{meaning}", help_text, re.MULTILINE), code


@pytest.mark.parametrize(("changes", "detail", "fix"), [
    ({"followup": {"cart_field": "Abandoned_Cart__c"}},
     "Task.Abandoned_Cart__c (followup.cart_field) does not exist: nuesync followup needs it",
     "generate it with `nuesync setup salesforce --out DIR`"),
    ({"listen": {"trigger_field": "Description"}},
     "Order.Description (listen.trigger_field) is textarea, expected boolean: the Sync to Nue button (nuesync "
     "listen) needs it", "set listen.trigger_field to a Checkbox field"),
])
def test_a_missing_or_mistyped_feature_field_warns_and_points_at_the_fix(demo: World, changes: dict[str, Any],
                                                                          detail: str, fix: str) -> None:
    """Only the listener's button and follow-ups need these fields: the rest of nuesync runs without them."""
    assert by_name(doctor(demo))["salesforce.fields.features"]["status"] == "ok"
    reconfigure(demo, changes)

    result = doctor(demo)

    assert result.code == ExitCode.OK
    check = by_name(result)["salesforce.fields.features"]
    assert (check["status"], check["detail"]) == ("warn", detail)
    assert fix in check["fix"]
