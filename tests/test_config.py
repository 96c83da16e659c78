"""Configuration: search order, and every class of config error with file, line and key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from nuesync.config import MappingSettings, Settings, checkout_url, find_config, load_config
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
    model_keys = {f"{section}.{key}" for section in ("nue", "salesforce", "sync", "followup")
                  for key in type(getattr(settings, section)).model_fields}
    commented_out = {"nue.ca_bundle", "salesforce.ca_bundle", "sync.state_path", "nue.checkout_url_template",
                     "followup.owner_fallback"}
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


def _bool_keys() -> list[str]:
    """Every bool setting of every section, so a new one cannot slip in as a lax bool."""
    return [
        f"{section}.{name}"
        for section, field in Settings.model_fields.items()
        if field.annotation is not MappingSettings and field.annotation is not None
        for name, inner in field.annotation.model_fields.items()
        if inner.annotation is bool
    ]


def test_the_bool_settings_are_the_known_ones() -> None:
    assert set(_bool_keys()) == {"nue.allow_insecure_http", "sync.draft_sync", "sync.create_missing_customers"}


@pytest.mark.parametrize("key", _bool_keys())
@pytest.mark.parametrize("value", ['"yes"', "1", '"true"', "0"])
def test_bool_settings_take_only_true_or_false(tmp_path: Path, key: str, value: str) -> None:
    section, name = key.split(".")
    path = write(tmp_path, f"[{section}]\n{name} = {value}\n")
    shown = repr(value.strip('"')) if value.startswith('"') else value
    assert config_error(path) == f"{path}:2: '{key}' must be true or false, got {shown}"


@pytest.mark.parametrize("url", ["api.nue.io", "ftp://api.nue.io", "https://", "/v1", "https://api.nue.io:99999"])
def test_nue_base_url_must_be_an_absolute_http_url(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, f'[nue]\napi_key_env = "K"\nbase_url = "{url}"\n')
    assert config_error(path) == (
        f"{path}:3: 'nue.base_url': expected an absolute http(s) URL with a host, like 'https://api.nue.io' "
        f"(got '{url}')"
    )


def test_plain_http_to_another_host_is_refused_naming_the_key_and_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path, '[nue]\ntimeout_seconds = 5.0\nbase_url = "http://nue.internal.example"\n')
    message = config_error(path)
    assert message.startswith(f"{path}:3: 'nue.base_url': plain http:// would send the Nue API key in clear text")
    assert "nue.allow_insecure_http = true" in message


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.20.30.40", "[::1]"])
def test_plain_http_to_this_machine_is_allowed(tmp_path: Path, host: str) -> None:
    path = write(tmp_path, f'[nue]\nbase_url = "http://{host}:8080"\n')
    assert load_config(path).settings.nue.base_url == f"http://{host}:8080"


def test_allow_insecure_http_permits_plain_http(tmp_path: Path) -> None:
    path = write(tmp_path, '[nue]\nbase_url = "http://nue.lab.example"\nallow_insecure_http = true\n')
    assert load_config(path).settings.nue.allow_insecure_http is True


@pytest.mark.parametrize("section", ["nue", "salesforce"])
def test_a_ca_bundle_that_does_not_exist_names_the_key_and_the_path(tmp_path: Path, section: str) -> None:
    missing = tmp_path / "corp-ca.pem"
    path = write(tmp_path, f'[{section}]\nca_bundle = "{missing}"\n')
    assert config_error(path) == (
        f"{path}:2: '{section}.ca_bundle': no such file; expected a readable PEM file of CA certificates "
        f"(got '{missing}')"
    )


def test_a_ca_bundle_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, f'[salesforce]\nca_bundle = "{tmp_path}"\n')
    assert "'salesforce.ca_bundle': not a file" in config_error(path)


def test_config_check_reports_a_missing_ca_bundle(tmp_path: Path) -> None:
    path = write(tmp_path, f'[nue]\nca_bundle = "{tmp_path / "gone.pem"}"\n')
    result = invoke(["--config", str(path), "config", "check"])
    assert result.code == ExitCode.USAGE
    assert "'nue.ca_bundle': no such file" in result.stderr


@pytest.mark.parametrize("value", ["clé-1234", "key✓1234", "key-1234\n", "\tkey-1234"])
def test_a_header_secret_that_http_cannot_carry_names_the_variable_not_the_value(tmp_path: Path, value: str) -> None:
    settings = load_config(write(tmp_path, "")).settings
    for read in (
        lambda: settings.nue.api_key({"NUE_API_KEY": value}),
        lambda: settings.salesforce.secrets({"SF_SESSION_ID": value}),
    ):
        with pytest.raises(ConfigError) as caught:
            read()
        assert caught.value.exit_code == ExitCode.USAGE
        assert "NUE_API_KEY" in caught.value.message or "SF_SESSION_ID" in caught.value.message
        assert value.strip() not in caught.value.message


def test_secrets_sent_in_a_body_may_hold_any_character(tmp_path: Path) -> None:
    settings = load_config(write(tmp_path, '[salesforce]\nauth = "password"\n')).settings
    env = {"SF_USERNAME": "zoë@acme.example", "SF_PASSWORD": "pass✓wörd", "SF_SECURITY_TOKEN": "tok"}
    assert settings.salesforce.secrets(env)["password_env"] == "pass✓wörd"


def test_secret_values_are_those_of_the_configured_variables_that_are_set(tmp_path: Path) -> None:
    settings = load_config(write(tmp_path, '[salesforce]\nauth = "client_credentials"\n')).settings
    env = {"NUE_API_KEY": "nue-key", "SF_CLIENT_ID": "client", "SF_SESSION_ID": "not-this-method", "OTHER": "x"}
    assert settings.secret_values(env) == ("nue-key", "client")


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("salesforce", "Region__c FROM Order --", "a Salesforce API name"),
        ("salesforce", "_Region__c", "a Salesforce API name"),
        ("salesforce", "Account.Region__c", "a Salesforce API name"),
        ("nue", "region { id }", "a GraphQL name"),
        ("nue", "9region", "a GraphQL name"),
        ("name", "sales region", "a name of letters, digits and underscores"),
    ],
)
def test_custom_field_names_must_be_api_names(tmp_path: Path, key: str, value: str, expected: str) -> None:
    fields = {"name": "region", "salesforce": "Region__c", "nue": "region", key: value}
    body = "\n".join(f'{k} = "{v}"' for k, v in fields.items())
    first = '[[mapping.custom_fields]]\nobject = "order"\nname = "ok"\nsalesforce = "Ok__c"\nnue = "ok"\n'
    path = write(tmp_path, f'{first}\n[[mapping.custom_fields]]\nobject = "line"\n{body}\n')
    line = 9 + list(fields).index(key)
    message = config_error(path)
    assert message.startswith(f"{path}:{line}: 'mapping.custom_fields.1.{key}': expected {expected}")
    assert message.endswith(f"(got '{value}')")


@pytest.mark.parametrize(
    ("system", "value", "expected"),
    [
        ("salesforce", "Name, (SELECT Id FROM User)", "a Salesforce API name"),
        ("salesforce", "Account.Name", "a Salesforce API name"),
        ("nue", "name } secret { key", "a GraphQL name"),
    ],
)
def test_mapping_overrides_must_be_api_names(tmp_path: Path, system: str, value: str, expected: str) -> None:
    path = write(tmp_path, f'[mapping.{system}.order]\ndescription = "Description"\nname = "{value}"\n')
    message = config_error(path)
    assert message.startswith(f"{path}:3: 'mapping.{system}.order.name': expected {expected}")
    assert message.endswith(f"(got '{value}')")


# --- the checkout link and [followup] ----------------------------------------------------------------------


def test_an_unknown_checkout_placeholder_names_file_line_key_and_the_closest(tmp_path: Path) -> None:
    path = write(tmp_path, '[nue]\nbase_url = "https://x"\ncheckout_url_template = "https://pay.example/{order_nr}"\n')
    assert config_error(path) == (
        f"{path}:3: 'nue.checkout_url_template': unknown placeholder {{order_nr}} (did you mean {{order_number}}?); "
        "the placeholders are {order_id}, {order_number}, {customer_id} (got 'https://pay.example/{order_nr}')")


@pytest.mark.parametrize(("template", "expected"), [
    ("https://pay.example/{0}", "'{0}' is not a placeholder"),
    ("https://pay.example/{order_id!r}", "'{order_id!r}' is not a placeholder"),
    ("https://pay.example/{order_id", "not a template: expected '}' before end of string"),
    ("/checkout/{order_id}", "expected an absolute http(s) URL with placeholders"),
])
def test_a_checkout_template_must_be_a_url_with_plain_placeholders(tmp_path: Path, template: str,
                                                                   expected: str) -> None:
    path = write(tmp_path, f'[nue]\ncheckout_url_template = "{template}"\n')
    assert expected in config_error(path)


def test_the_checkout_link_fills_each_value_url_encoded_and_needs_every_value_it_names() -> None:
    template = "https://pay.example/{customer_id}/{order_number}?o={order_id}&x={{literal}}"
    assert checkout_url(template, order_id="a b", order_number="O-1/2", customer_id="c&d") == (
        "https://pay.example/c%26d/O-1%2F2?o=a%20b&x={literal}")
    assert checkout_url(template, order_id="a", order_number=None, customer_id="c") is None
    assert checkout_url("https://pay.example/{order_id}", order_id="a", order_number=None, customer_id=None) == (
        "https://pay.example/a")


def test_the_checkout_link_field_is_overridden_like_any_mapped_field_and_never_read(tmp_path: Path) -> None:
    path = write(tmp_path, '[mapping.salesforce.order]\ncheckout_url = "Portal_Link__c"\n')
    mapping = load_config(path).settings.field_mapping()
    assert mapping.write_only_field(MappedObject.ORDER, "checkout_url") == "Portal_Link__c"
    assert "checkout_url" not in mapping.table(System.SALESFORCE, MappedObject.ORDER)
    typo = write(tmp_path, '[mapping.salesforce.order]\ncheckout_ulr = "Portal_Link__c"\n', "typo.toml")
    assert config_error(typo).endswith("did you mean 'checkout_url'?")
    nue = write(tmp_path, '[mapping.nue.order]\ncheckout_url = "portalLink"\n', "nue.toml")
    assert "unknown key 'mapping.nue.order.checkout_url'" in config_error(nue)


def test_followup_defaults() -> None:
    followup = Settings().followup
    assert (followup.age, followup.interval, followup.owner_fallback) == (timedelta(hours=24), timedelta(0), None)
    assert (followup.due_in_days, followup.status, followup.priority) == (1, "Not Started", "Normal")
    assert followup.subject_template == "Follow up abandoned cart {order_name} ({total} {currency})"


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("older_than", '"0"', "expected an age longer than 0"),
    ("every", '"soon"', "expected a duration like 30s"),
    ("owner_fallback", '"001000000000001AAA"', "expected a Salesforce User Id"),
    ("subject_template", '"Call {customer_name}"', "unknown placeholder {customer_name} (did you mean {customer}?)"),
    ("cart_field", '"Cart Id"', "a Salesforce API name"),
    ("due_in_days", "-1", "greater than or equal to 0"),
])
def test_followup_settings_are_checked_naming_the_line(tmp_path: Path, key: str, value: str, expected: str) -> None:
    path = write(tmp_path, f"[followup]\nstatus = \"Not Started\"\n{key} = {value}\n")
    message = config_error(path)
    assert message.startswith(f"{path}:3: 'followup.{key}'")
    assert expected in message
