"""`nuesync init`: a starter config that loads, and never a silent overwrite."""

from __future__ import annotations

from pathlib import Path

from nuesync.config import load_config
from nuesync.errors import ExitCode
from tests.helpers import invoke


def test_init_writes_a_config_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "nuesync.toml"
    result = invoke(["init", "--path", str(path), "--nue-url", "https://nue.example", "--sf-auth", "password",
                     "--sf-domain", "test"])
    assert result.code == ExitCode.OK, result.stderr
    settings = load_config(path).settings
    assert settings.nue.base_url == "https://nue.example"
    assert settings.salesforce.auth == "password"
    assert settings.salesforce.domain == "test"


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "nuesync.toml"
    path.write_text("# my precious config\n")
    result = invoke(["init", "--path", str(path)])
    assert result.code == ExitCode.USAGE
    assert "--force" in result.stderr
    assert path.read_text() == "# my precious config\n"


def test_init_force_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "nuesync.toml"
    path.write_text("# old\n")
    result = invoke(["init", "--path", str(path), "--force", "--nue-key-env", "ACME_KEY"])
    assert result.code == ExitCode.OK
    assert load_config(path).settings.nue.api_key_env == "ACME_KEY"


def test_init_ends_with_the_first_run_path(tmp_path: Path) -> None:
    path = tmp_path / "prod.toml"
    result = invoke(["init", "--path", str(path), "--nue-url", "https://api.nue.io", "--nue-key-env", "NUE_API_KEY",
                     "--sf-auth", "jwt", "--sf-domain", "login"])
    assert result.code == 0, result.stderr
    steps = [line for line in result.stderr.splitlines() if line.strip()[:2] in {f"{n}." for n in range(1, 7)}]
    assert ["setup salesforce" in steps[1], "doctor" in steps[2], "pull --dry-run" in steps[4]] == [True] * 3
    assert "NUE_API_KEY" in steps[0] and "SF_PRIVATE_KEY" in steps[0]
    assert f"--config {path}" in steps[2]
