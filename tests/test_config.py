"""Configuration: search order, and every class of config error with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from nuesync.config import find_config, load_config
from nuesync.errors import ConfigError, ExitCode, MissingSecretError
from nuesync.mapping import MappedObject
from nuesync.model import System
from tests.helpers import invoke

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str, name: str = "nuesync.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.exit_code == ExitCode.USAGE
    return caught.value.message


def test_the_example_config_loads_and_sets_every_key() -> None:
    loaded = load_config(REPO / "nuesync.example.toml")
    settings = loaded.settings
    assert settings.salesforce.api_version == "62.0"
    assert settings.nue.api_key_env == "NUE_API_KEY"
    assert settings.field_mapping().custom("order")[0].salesforce == "Region__c"
    documented = {f"{section}.{key}" for section, table in loaded.raw.items() if section != "mapping"
                  for key in table}
    model_keys = {f"{section}.{key}" for section in ("nue", "salesforce", "sync")
                  for key in type(getattr(settings, section)).model_fields}
    commented_out = {"salesforce.ca_bundle", "sync.state_path"}
    assert model_keys - documented == commented_out
    text = (REPO / "nuesync.example.toml").read_text()
    for key in commented_out:
        assert f"# {key.split('.')[1]} = " in text


def test_toml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[nue]\nbase_url = "https://x"\ntimeout_seconds = = 3\n')
    message = config_error(path)
    assert str(path) in message
    assert "line 3" in message
    assert "column" in message


def test_unknown_key_names_dotted_path_line_and_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, '[nue]\nbase_url = "https://x"\n\n[salesforce]\napi_versoin = "62.0"\n')
    message = config_error(path)
    assert message == f"{path}:5: unknown key 'salesforce.api_versoin'; did you mean 'api_version'?"


def test_unknown_section_suggests_the_closest(tmp_path: Path) -> None:
    path = write(tmp_path, "[snyc]\ndraft_sync = true\n")
    assert config_error(path) == f"{path}:1: unknown key 'snyc'; did you mean 'sync'?"


def test_unknown_mapping_field_names_the_canonical_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[mapping.salesforce.order]\n"billing.payment_trem" = "Ruby__PaymentTerm__c"\n')
    message = config_error(path)
    assert message == (f"{path}:2: unknown key 'mapping.salesforce.order.billing.payment_trem'; "
                       "did you mean 'billing.payment_term'?")


def test_wrong_type_names_key_expected_type_and_value(tmp_path: Path) -> None:
    path = write(tmp_path, '[nue]\nmax_concurrency = "lots"\n')
    assert config_error(path) == f"{path}:2: 'nue.max_concurrency' must be an integer, got 'lots'"


def test_wrong_enum_lists_the_choices(tmp_path: Path) -> None:
    path = write(tmp_path, '[salesforce]\nauth = "oauth"\n')
    message = config_error(path)
    assert message.startswith(f"{path}:2: 'salesforce.auth' must be 'session', 'password'")
    assert "got 'oauth'" in message


def test_bad_api_version_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, '[salesforce]\napi_version = "v62"\n')
    assert "expected an API version like '62.0'" in config_error(path)


def test_missing_secret_names_the_env_var(tmp_path: Path) -> None:
    path = write(tmp_path, '[nue]\napi_key_env = "ACME_NUE_KEY"\n')
    settings = load_config(path).settings
    with pytest.raises(MissingSecretError) as caught:
        settings.nue.api_key({})
    assert "ACME_NUE_KEY" in caught.value.message
    assert caught.value.exit_code == ExitCode.USAGE
    assert settings.nue.api_key({"ACME_NUE_KEY": "k"}) == "k"


def test_password_auth_needs_its_three_secrets(tmp_path: Path) -> None:
    path = write(tmp_path, '[salesforce]\nauth = "password"\n')
    settings = load_config(path).settings
    with pytest.raises(MissingSecretError, match="SF_USERNAME"):
        settings.salesforce.secrets({})
    env = {"SF_USERNAME": "u", "SF_PASSWORD": "p", "SF_SECURITY_TOKEN": "t"}
    assert settings.salesforce.secrets(env) == {"username_env": "u", "password_env": "p", "security_token_env": "t"}


def test_mapping_overrides_replace_only_their_keys(tmp_path: Path) -> None:
    path = write(tmp_path, '[mapping.salesforce.order]\n"billing.payment_term" = "Ruby__PaymentTerm__c"\n')
    mapping = load_config(path).settings.field_mapping()
    table = mapping.table(System.SALESFORCE, MappedObject.ORDER)
    assert table["billing.payment_term"] == "Ruby__PaymentTerm__c"
    assert table["links.nue_id"] == "Nue_Order_Id__c"


@pytest.mark.parametrize("origin", ["explicit", "env", "cwd", "user"])
def test_search_order(tmp_path: Path, origin: str) -> None:
    explicit = write(tmp_path, "", "explicit.toml")
    env_file = write(tmp_path, "", "env.toml")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    user_dir = tmp_path / "xdg-config" / "nuesync"
    user_dir.mkdir(parents=True)
    user_file = write(user_dir, "")
    expected = {"explicit": explicit, "env": env_file, "cwd": cwd / "nuesync.toml", "user": user_file}[origin]
    if origin in {"explicit", "env", "cwd"}:
        write(cwd, "")
    environ = {"NUESYNC_CONFIG": str(env_file)} if origin in {"explicit", "env"} else {}
    found = find_config(explicit if origin == "explicit" else None, environ, cwd)
    assert found == expected


def test_no_config_anywhere_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nuesync init"):
        find_config(None, {}, tmp_path)


def test_cli_config_error_exits_with_usage_code(tmp_path: Path) -> None:
    path = write(tmp_path, "[nue]\ntimeout_seconds = -1\n")
    result = invoke(["--config", str(path), "config", "check"])
    assert result.code == ExitCode.USAGE
    assert result.stderr.startswith(f"error: {path}:2: 'nue.timeout_seconds'")
