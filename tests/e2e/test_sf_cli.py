"""Salesforce's own CLI (`sf`) against the emulator: login, records, describe, limits, queries, Bulk API 2.0.

`sf` is found through `NUESYNC_SF_CLI` (the path of the executable, as `.ci/install-sf` prints it)
or on PATH; without it the module is skipped and says so. `sf` trusts the emulator's throwaway
certificate through `NODE_EXTRA_CA_CERTS`, keeps its state in a temporary HOME, and logs in with
`org login access-token`, which reads OpenID Connect userinfo and then the user's `User` record.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nuesync.sandbox.salesforce import SalesforceSandbox
from nuesync.sandbox.server import RunningServer

SF = os.environ.get("NUESYNC_SF_CLI") or shutil.which("sf")
pytestmark = pytest.mark.skipif(
    SF is None or not Path(SF).exists(),
    reason="the Salesforce CLI is not installed: run .ci/install-sf and set NUESYNC_SF_CLI to the path it prints",
)
ALIAS = "nuesync-sandbox"


class Cli:
    def __init__(self, executable: str, env: dict[str, str], cwd: Path) -> None:
        self.executable, self.env, self.cwd = executable, env, cwd

    def run(self, *args: str, status: int = 0) -> Any:
        """The command's JSON `result` (or, when it is expected to fail, its whole JSON answer)."""
        done = subprocess.run([self.executable, *args, "--json"], env=self.env, cwd=self.cwd, capture_output=True,
                              text=True, timeout=180, check=False)
        answer = json.loads(done.stdout)
        assert answer["status"] == status, done.stdout + done.stderr
        return answer["result"] if status == 0 else answer


@pytest.fixture(scope="module")
def org() -> SalesforceSandbox:
    sandbox = SalesforceSandbox()
    sandbox.seed_synthetic(3)
    return sandbox


@pytest.fixture(scope="module")
def served(org: SalesforceSandbox) -> Iterator[RunningServer]:
    with org.serve() as running:
        yield running


@pytest.fixture(scope="module")
def cli(org: SalesforceSandbox, served: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    assert SF is not None
    home = tmp_path_factory.mktemp("sf-home")
    env = {
        "HOME": str(home), "PATH": f"{Path(SF).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "NODE_EXTRA_CA_CERTS": str(served.ca_file), "SF_ACCESS_TOKEN": org.session_id,
        "SF_DISABLE_TELEMETRY": "true", "SF_AUTOUPDATE_DISABLE": "true", "SF_SKIP_NEW_VERSION_CHECK": "true",
        "SF_USE_GENERIC_UNIX_KEYCHAIN": "true", "SF_CONTAINER_MODE": "true",
    }
    return Cli(SF, env, home)


@pytest.fixture(scope="module")
def login(cli: Cli, served: RunningServer) -> Any:
    return cli.run("org", "login", "access-token", "--instance-url", served.url, "--no-prompt", "--alias", ALIAS)


def test_login_with_an_access_token_reads_userinfo_and_the_user(login: Any, org: SalesforceSandbox) -> None:
    assert (login["username"], login["orgId"]) == (org.username, org.org_id)
    assert org.counters["GET services/oauth2/userinfo"] == 1
    assert any(key.startswith("GET sobjects/User/") for key in org.counters)


def test_org_display_shows_a_connected_org(cli: Cli, login: Any, org: SalesforceSandbox) -> None:
    shown = cli.run("org", "display", "--target-org", ALIAS)

    assert (shown["connectedStatus"], shown["id"], shown["username"]) == ("Connected", org.org_id, org.username)


def test_data_query_reads_orders_with_their_order_products(cli: Cli, login: Any, org: SalesforceSandbox) -> None:
    result = cli.run("data", "query", "--target-org", ALIAS, "--query",
                     "SELECT Id, Name, Account.Name, (SELECT Id, Quantity FROM OrderItems) FROM Order")

    assert result["totalSize"] == 3
    assert all(record["OrderItems"]["totalSize"] == 3 for record in result["records"])


def test_records_are_created_read_and_updated(cli: Cli, login: Any, org: SalesforceSandbox) -> None:
    created = cli.run("data", "create", "record", "--target-org", ALIAS, "--sobject", "Account",
                      "--values", "Name='Made by sf' BillingCity=Oslo")
    cli.run("data", "update", "record", "--target-org", ALIAS, "--sobject", "Account", "--record-id", created["id"],
            "--values", "BillingCity=Bergen")

    read = cli.run("data", "get", "record", "--target-org", ALIAS, "--sobject", "Account", "--record-id", created["id"])

    assert (read["Name"], read["BillingCity"]) == ("Made by sf", "Bergen")
    assert org.get("Account", created["id"])["BillingCity"] == "Bergen"


def test_sobject_describe_lists_the_mapped_fields(cli: Cli, login: Any) -> None:
    described = cli.run("sobject", "describe", "--target-org", ALIAS, "--sobject", "Order")

    fields = {field["name"]: field for field in described["fields"]}
    assert fields["Nue_Order_Id__c"]["externalId"] is True and described["name"] == "Order"


def test_limits_api_display_lists_the_allocations(cli: Cli, login: Any) -> None:
    limits = {item["name"]: item for item in cli.run("limits", "api", "display", "--target-org", ALIAS)}

    assert {"DailyApiRequests", "DailyBulkApiBatches", "DailyBulkV2QueryJobs"} <= set(limits)


def test_bulk_upsert_writes_every_row(cli: Cli, login: Any, org: SalesforceSandbox, tmp_path: Path) -> None:
    data = tmp_path / "accounts.csv"
    data.write_text("Name,Nue_Customer_Id__c\nBulk One,SF-BULK-1\nBulk Two,SF-BULK-2\n")

    result = cli.run("data", "upsert", "bulk", "--target-org", ALIAS, "--sobject", "Account", "--file", str(data),
                     "--external-id", "Nue_Customer_Id__c", "--wait", "2")

    assert (result["jobInfo"]["state"], result["jobInfo"]["numberRecordsProcessed"]) == ("JobComplete", 2)
    assert [row["Nue_Customer_Id__c"] for row in result["records"]["successfulResults"]] == ["SF-BULK-1", "SF-BULK-2"]
    assert {a["Nue_Customer_Id__c"] for a in org.records("Account")} >= {"SF-BULK-1", "SF-BULK-2"}


def test_bulk_upsert_reports_the_rows_salesforce_refused(cli: Cli, login: Any, org: SalesforceSandbox,
                                                         tmp_path: Path) -> None:
    data = tmp_path / "accounts.csv"
    data.write_text("Name,Nue_Customer_Id__c\nBulk Three,SF-BULK-3\n,SF-BULK-4\n")

    answer = cli.run("data", "upsert", "bulk", "--target-org", ALIAS, "--sobject", "Account", "--file", str(data),
                     "--external-id", "Nue_Customer_Id__c", "--wait", "2", status=1)

    assert answer["name"] == "FailedRecordDetailsError"
    (job,) = [job for job in org.bulk.jobs.values() if job.failed]
    assert job.failures[0][1].startswith("REQUIRED_FIELD_MISSING") and job.processed == 2


def test_bulk_export_reads_a_query_job(cli: Cli, login: Any, org: SalesforceSandbox, tmp_path: Path) -> None:
    out = tmp_path / "orders.csv"

    result = cli.run("data", "export", "bulk", "--target-org", ALIAS, "--wait", "2", "--output-file", str(out),
                     "--query", "SELECT Id, Nue_Origin__c, Account.Name FROM Order")

    rows = list(csv.DictReader(out.open()))
    assert result["totalSize"] == len(rows) == 3
    assert {row["Id"] for row in rows} == {o["Id"] for o in org.records("Order")}
    assert org.counters["POST jobs/query"] == 1
