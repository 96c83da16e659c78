"""`nuesync config check`: resolved settings with sources, and secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from nuesync.errors import ExitCode
from tests.helpers import invoke

SECRETS = {
    "NUE_API_KEY": "nue-key-d0n0tl3ak-123456",
    "SF_USERNAME": "rep@example.com",
    "SF_PASSWORD": "hunter2-d0n0tl3ak",
    "SF_SECURITY_TOKEN": "tok-d0n0tl3ak-999",
}


@pytest.fixture
def password_config(tmp_path: Path) -> Path:
    path = tmp_path / "nuesync.toml"
    path.write_text('[nue]\nbase_url = "https://nue.example"\n\n[salesforce]\nauth = "password"\n')
    return path


def test_table_shows_sources_and_masks_secrets(password_config: Path) -> None:
    result = invoke(["config", "check", str(password_config)], env=SECRETS)
    assert result.code == ExitCode.OK, result.stderr
    lines = result.stdout.splitlines()
    assert any("nue.base_url" in line and "https://nue.example" in line and "file" in line for line in lines)
    assert any("nue.timeout_seconds" in line and "default" in line for line in lines)
    assert any("salesforce.password" in line and "********" in line and "env" in line for line in lines)
    for value in SECRETS.values():
        assert value not in result.stdout + result.stderr


def test_json_has_the_same_facts_and_no_secret(password_config: Path) -> None:
    result = invoke(["--json", "config", "check", str(password_config)], env=SECRETS)
    assert result.code == ExitCode.OK
    document = result.json()
    assert document["schema_version"] == 1
    assert document["valid"] is True
    settings = {row["key"]: row for row in document["settings"]}
    assert settings["nue.base_url"] == {"key": "nue.base_url", "value": "https://nue.example", "source": "file"}
    secrets = {row["key"]: row for row in document["secrets"]}
    assert secrets["salesforce.password"]["env_var"] == "SF_PASSWORD"
    assert secrets["salesforce.password"]["set"] is True
    for value in SECRETS.values():
        assert value not in result.stdout


def test_missing_secret_is_a_configuration_error_naming_the_variable(password_config: Path) -> None:
    env = {k: v for k, v in SECRETS.items() if k != "SF_SECURITY_TOKEN"}
    result = invoke(["--json", "config", "check", str(password_config)], env=env)
    assert result.code == ExitCode.USAGE
    assert result.json()["valid"] is False
    assert "$SF_SECURITY_TOKEN" in result.stderr


def test_json_output_is_plain_json_even_with_markup_like_values(tmp_path: Path) -> None:
    path = tmp_path / "nuesync.toml"
    path.write_text('[nue]\nbase_url = "https://nue.example/[bold]nue[/bold]"\n')
    table = invoke(["config", "check", str(path)], env={"NUE_API_KEY": "k", "SF_SESSION_ID": "s"})
    assert "https://nue.example/[bold]nue[/bold]" in table.stdout
    result = invoke(["--json", "config", "check", str(path)], env={"NUE_API_KEY": "k", "SF_SESSION_ID": "s"})
    assert "\x1b[" not in result.stdout
    assert result.json()["settings"][0]["value"] == "https://nue.example/[bold]nue[/bold]"
