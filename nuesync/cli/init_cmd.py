"""`nuesync init`: write a starter `nuesync.toml` from options, or from prompts at a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from nuesync.cli.context import AppContext, app_context
from nuesync.cli.options import completing, one_of
from nuesync.errors import ExitCode, UsageError

# `nuesync.config.SalesforceAuth`, spelled out so `--help` need not load the config (a test keeps them equal).
SALESFORCE_AUTHS = ("session", "password", "client_credentials", "jwt")
DEFAULT_PATH = "nuesync.toml"  # `nuesync.config.CONFIG_FILENAME`, likewise
parse_auth = one_of(SALESFORCE_AUTHS, "a Salesforce auth method")
SfAuthOpt = Annotated[str | None, typer.Option(
    help=f"Salesforce auth method: {', '.join(SALESFORCE_AUTHS)}.", metavar="METHOD", parser=parse_auth,
    autocompletion=completing(SALESFORCE_AUTHS))]


def starter_config(
    *, nue_url: str, nue_key_env: str, sf_auth: str, sf_instance_url: str | None, sf_domain: str
) -> dict[str, Any]:
    """The smallest config that names everything a first run needs; other keys keep their defaults."""
    from nuesync.config import SalesforceAuth, SalesforceSettings

    auth = SalesforceAuth(sf_auth)
    salesforce: dict[str, Any] = {"auth": auth.value, "api_version": SalesforceSettings().api_version}
    if sf_instance_url:
        salesforce["instance_url"] = sf_instance_url
    if auth in {SalesforceAuth.PASSWORD, SalesforceAuth.JWT}:
        salesforce["domain"] = sf_domain
    defaults = SalesforceSettings(auth=auth)
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
    path: Annotated[Path, typer.Option("--path", help=f"Where to write the config (default: {DEFAULT_PATH}).",
                                       metavar="PATH", show_default=False)] = Path(DEFAULT_PATH),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    nue_url: Annotated[str | None, typer.Option(help="Nue API base URL.", metavar="URL")] = None,
    nue_key_env: Annotated[str | None, typer.Option(help="Env var that holds the Nue API key.",
                                                    metavar="VAR")] = None,
    sf_auth: SfAuthOpt = None,
    sf_instance_url: Annotated[str | None, typer.Option(help="Salesforce instance URL.", metavar="URL")] = None,
    sf_domain: Annotated[str | None, typer.Option(help="Salesforce login domain (login, test, or My Domain).",
                                                  metavar="DOMAIN")] = None,
) -> int:
    """Write a starter nuesync.toml (asks at a terminal for what the options leave out).

    \b
    Examples:
      nuesync init
      nuesync init --nue-url https://api.nue.io --sf-auth jwt --sf-domain login
      nuesync init --path prod.toml --force
    """
    import tomli_w

    from nuesync.config import NueSettings
    from nuesync.files import ensure_private_dir, write_private

    state = app_context(ctx)
    if (path.exists() or path.is_symlink()) and not force:
        raise UsageError(f"{path} already exists; use --force to overwrite it")
    question = f"Salesforce auth ({'/'.join(SALESFORCE_AUTHS)})"
    auth = sf_auth or parse_auth(_ask(state, None, question, SALESFORCE_AUTHS[0]))
    document = starter_config(
        nue_url=_ask(state, nue_url, "Nue API base URL", NueSettings().base_url),
        nue_key_env=_ask(state, nue_key_env, "Env var holding the Nue API key", NueSettings().api_key_env),
        sf_auth=auth,
        sf_instance_url=_ask(state, sf_instance_url, "Salesforce instance URL (blank for none)", "") or None,
        sf_domain=_ask(state, sf_domain, "Salesforce login domain", "login"),
    )
    ensure_private_dir(path.parent, "init")
    write_private(path, tomli_w.dumps(document), "init")
    steps = next_steps(path, document)
    if state.json:
        state.emit_json({"written": str(path), "config": document, "next": steps}, ExitCode.OK)
    else:
        state.err_console().print(f"wrote {path}. Next:\n" + "\n".join(f"  {n}. {step}" for n, step in
                                                                      enumerate(steps, start=1)))
    return ExitCode.OK


def next_steps(path: Path, document: dict[str, Any]) -> list[str]:
    """The first-run path from a fresh config to a running sync, as the README's connect guide lays it out."""
    config = "" if path.name == DEFAULT_PATH and path.parent == Path() else f"--config {path} "
    secrets = [document["nue"]["api_key_env"], *(v for k, v in document["salesforce"].items() if k.endswith("_env"))]
    return [
        f"export the secrets the config names: {', '.join(secrets)}",
        f"nuesync {config}setup salesforce --out nuesync-sf --listen-url https://YOUR-HOST "
        "(then deploy it with `sf project deploy start`); nuesync setup nue for the Nue settings",
        f"nuesync {config}doctor",
        f"nuesync {config}diff",
        f"nuesync {config}pull --dry-run (and push --dry-run)",
        f"cron: nuesync {config}--quiet push --since last --yes, or the service: nuesync {config}listen",
    ]
