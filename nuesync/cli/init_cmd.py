"""`nuesync init`: write a starter `nuesync.toml` from options, or from prompts at a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import tomli_w
import typer

from nuesync.cli.context import AppContext, app_context
from nuesync.config import CONFIG_FILENAME, NueSettings, SalesforceAuth, SalesforceSettings
from nuesync.errors import UsageError
from nuesync.files import ensure_private_dir, write_private


def starter_config(
    *, nue_url: str, nue_key_env: str, sf_auth: SalesforceAuth, sf_instance_url: str | None, sf_domain: str
) -> dict[str, Any]:
    """The smallest config that names everything a first run needs; other keys keep their defaults."""
    salesforce: dict[str, Any] = {"auth": sf_auth.value, "api_version": SalesforceSettings().api_version}
    if sf_instance_url:
        salesforce["instance_url"] = sf_instance_url
    if sf_auth in {SalesforceAuth.PASSWORD, SalesforceAuth.JWT}:
        salesforce["domain"] = sf_domain
    defaults = SalesforceSettings(auth=sf_auth)
    salesforce.update({key: getattr(defaults, key) for key in defaults.secret_keys()})
    return {
        "nue": {"base_url": nue_url, "api_key_env": nue_key_env},
        "salesforce": salesforce,
        "sync": {"draft_sync": True, "create_missing_customers": False, "activated_status": "Activated"},
    }


def _ask(state: AppContext, given: str | None, question: str, default: str) -> str:
    if given is not None:
        return given
    if state.is_interactive():
        return str(typer.prompt(question, default=default))
    return default


def init(
    ctx: typer.Context,
    path: Annotated[Path, typer.Option("--path", help="Where to write the config.")] = Path(CONFIG_FILENAME),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    nue_url: Annotated[str | None, typer.Option(help="Nue API base URL.")] = None,
    nue_key_env: Annotated[str | None, typer.Option(help="Env var that holds the Nue API key.")] = None,
    sf_auth: Annotated[SalesforceAuth | None, typer.Option(help="Salesforce auth method.")] = None,
    sf_instance_url: Annotated[str | None, typer.Option(help="Salesforce instance URL.")] = None,
    sf_domain: Annotated[str | None, typer.Option(help="Salesforce login domain (login, test, or My Domain).")] = None,
) -> None:
    """Write a starter nuesync.toml (asks at a terminal for what the options leave out)."""
    state = app_context(ctx)
    if (path.exists() or path.is_symlink()) and not force:
        raise UsageError(f"{path} already exists; use --force to overwrite it")
    auth = sf_auth or SalesforceAuth(
        _ask(state, None, "Salesforce auth (session/password/client_credentials/jwt)", SalesforceAuth.SESSION.value)
    )
    document = starter_config(
        nue_url=_ask(state, nue_url, "Nue API base URL", NueSettings().base_url),
        nue_key_env=_ask(state, nue_key_env, "Env var holding the Nue API key", NueSettings().api_key_env),
        sf_auth=auth,
        sf_instance_url=_ask(state, sf_instance_url, "Salesforce instance URL (blank for none)", "") or None,
        sf_domain=_ask(state, sf_domain, "Salesforce login domain", "login"),
    )
    ensure_private_dir(path.parent, "init")
    write_private(path, tomli_w.dumps(document), "init")
    if state.json:
        state.emit_json({"written": str(path), "config": document})
    else:
        state.err_console().print(f"wrote {path}; check it with: nuesync config check {path}")
