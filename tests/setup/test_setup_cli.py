"""The `setup` commands end to end through `nuesync.cli.run` (registered here for the test only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nuesync import cli
from nuesync.cli import setup_cmd
from nuesync.errors import ExitCode
from tests.helpers import invoke


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    cli.app.add_typer(setup_cmd.app, name="setup")
    yield
    cli.app.registered_groups[:] = [g for g in cli.app.registered_groups if g.typer_instance is not setup_cmd.app]


@pytest.mark.parametrize("command", ["salesforce", "nue"])
def test_help_has_examples_that_run_nuesync(command: str) -> None:
    result = invoke(["setup", command, "--help"])
    assert result.code == ExitCode.OK
    examples = result.stdout.split("Examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert examples and all(line.strip().startswith("nuesync ") for line in examples)


def test_salesforce_writes_the_project_and_says_what_is_next(config_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "sf"
    result = invoke(["--config", str(config_path), "setup", "salesforce", "--out", str(out)])
    assert result.code == ExitCode.OK, result.stderr
    assert result.stdout == ""
    assert (out / "force-app/main/default/objects/OrderItem/fields/Seats_Cap__c.field-meta.xml").is_file()
    assert "placeholder" in result.stderr and "Order.Ruby__Origin__c" in result.stderr
    assert "sf project deploy start" in result.stderr


def test_salesforce_refuses_a_non_empty_directory_without_force(config_path: Path, tmp_path: Path) -> None:
    stale = tmp_path / "sf" / "force-app/main/default/objects/Order/fields/Old__c.field-meta.xml"
    stale.parent.mkdir(parents=True)
    stale.write_text("<old/>")
    args = ["--config", str(config_path), "setup", "salesforce", "--out", str(tmp_path / "sf")]
    refused = invoke(args)
    assert refused.code == ExitCode.USAGE and "--force" in refused.stderr
    assert [p.name for p in (tmp_path / "sf").iterdir()] == ["force-app"]
    forced = invoke(["--json", *args, "--force", "--listen-url", "https://sync.acme.example"])
    assert forced.code == ExitCode.OK, forced.stderr
    document = forced.json()
    assert document["other_files"] == ["force-app/main/default/objects/Order/fields/Old__c.field-meta.xml"]
    assert document["endpoint_url"] == "https://sync.acme.example/webhooks/salesforce"
    assert not document["placeholder_url"]
    assert {"field": "Seats_Cap__c", "object": "OrderItem"}.items() <= next(
        f for f in document["fields"] if f["field"] == "Seats_Cap__c").items()


@pytest.mark.parametrize("option", [["--listen-url", "not a url"], ["--api-version", "62"]])
def test_salesforce_refuses_bad_values_in_a_sentence(option: list[str], tmp_path: Path) -> None:
    result = invoke(["setup", "salesforce", "--out", str(tmp_path / "sf"), *option])
    assert result.code == ExitCode.USAGE
    assert result.stderr.startswith(f"error: Invalid value for '{option[0]}'")
    assert not (tmp_path / "sf").exists()


def test_salesforce_uses_the_configs_api_version_by_default(tmp_path: Path) -> None:
    config = tmp_path / "nuesync.toml"
    config.write_text('[salesforce]\napi_version = "60.0"\n')
    result = invoke(["--config", str(config), "setup", "salesforce", "--out", str(tmp_path / "sf")])
    assert result.code == ExitCode.OK, result.stderr
    assert '"sourceApiVersion": "60.0"' in (tmp_path / "sf" / "sfdx-project.json").read_text()


def test_nue_prints_the_checklist_and_json(config_path: Path) -> None:
    shown = invoke(["--config", str(config_path), "setup", "nue", "--listen-url", "https://sync.acme.example"])
    assert shown.code == ExitCode.OK, shown.stderr
    assert "Sync Draft Orders" in shown.stdout and "https://sync.acme.example/webhooks/nue" in shown.stdout
    document = invoke(["--config", str(config_path), "--json", "setup", "nue"]).json()
    assert document["ok"] and document["placeholder_url"]
    assert document["checklist"][0]["setting"] == "Sync Draft Orders"
