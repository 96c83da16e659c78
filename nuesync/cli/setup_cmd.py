"""`nuesync setup salesforce` and `nuesync setup nue`: what a real org and tenant need before nuesync runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from nuesync.cli.context import AppContext, app_context
from nuesync.errors import ExitCode

if TYPE_CHECKING:
    from nuesync.setup.salesforce import Project, Written

app = typer.Typer(help="Prepare a real Salesforce org and Nue tenant for nuesync.", no_args_is_help=True,
                  rich_markup_mode=None)


def _listen_url(value: str) -> str:
    from nuesync.setup.listener import listen_url_problem

    if problem := listen_url_problem(value):
        raise typer.BadParameter(f"{value!r}: {problem}")
    return value


def _api_version(value: str) -> str:
    from nuesync.setup.salesforce import api_version_problem

    if problem := api_version_problem(value):
        raise typer.BadParameter(problem)
    return value


ListenUrlOpt = Annotated[str | None, typer.Option(
    help="Public base URL of the `nuesync listen` service; deliveries go to its /webhooks paths "
         "(default: a placeholder to replace).", metavar="URL", parser=_listen_url, show_default=False)]


@app.command("salesforce")
def salesforce(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory to write the Salesforce DX project to.",
                                      metavar="DIR", show_default=False)],
    listen_url: ListenUrlOpt = None,
    api_version: Annotated[str | None, typer.Option(
        help="Metadata API version of the project (default: salesforce.api_version).", metavar="VERSION",
        parser=_api_version, show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty DIR (its generated files are "
                                                        "replaced; nothing is deleted).")] = False,
) -> int:
    """Write a Salesforce DX project that prepares an org for nuesync: every custom field the mapping
    names (with type, External ID, picklist values), the Sync to Nue button, the Outbound Message and
    Flow that send it to the listener, and the permission sets. Deploy it with `sf`; DIR/README.md
    lists the steps that are not metadata.

    \b
    Examples:
      nuesync setup salesforce --out nuesync-sf --listen-url https://sync.example.com
      nuesync setup salesforce --out nuesync-sf --api-version 61.0 --force
      nuesync --json setup salesforce --out nuesync-sf | jq '.fields[].field'
    """
    from nuesync.setup.salesforce import build_project, write_project

    state = app_context(ctx)
    settings = state.load_config().settings
    project = build_project(settings, listen_url, api_version or settings.salesforce.api_version)
    written = write_project(project, out, force=force)
    if state.json:
        state.emit_json(_project_json(project, written), ExitCode.OK)
    else:
        _report(state, project, written)
    return ExitCode.OK


def _project_json(project: Project, written: Written) -> dict[str, Any]:
    return {"out": str(written.out), "files": list(written.files), "other_files": list(written.others),
            "endpoint_url": project.endpoint_url, "placeholder_url": project.placeholder_url,
            "fields": [field.as_dict() for field in project.fields]}


def _report(state: AppContext, project: Project, written: Written) -> None:
    """What was written and what to do next, on stderr: the project itself is the command's output."""
    from nuesync.setup.metadata import INTEGRATION_USER_PLACEHOLDER

    err = state.err_console()
    err.print(f"wrote {len(written.files)} files to {written.out}: {len(project.generated)} custom fields, the "
              "Sync to Nue button with its Outbound Message and Flow, and the permission sets", markup=False)
    if project.placeholder_url:
        err.print(f"warning: no --listen-url: the Outbound Message goes to the placeholder {project.endpoint_url}",
                  markup=False)
    if written.others:
        err.print(f"warning: {written.out} also holds metadata this run did not write, which deploys too: "
                  f"{', '.join(written.others)}", markup=False)
    if project.packaged:
        names = ", ".join(field.qualified for field in project.packaged)
        err.print(f"note: expected from an installed package, not created: {names}", markup=False)
    err.print(f"next: replace {INTEGRATION_USER_PLACEHOLDER} in the workflow file, then `cd {written.out} && "
              "sf project deploy start --source-dir force-app --target-org YOUR_ORG`; the rest is in "
              f"{written.out / 'README.md'}", markup=False)


@app.command("nue")
def nue(ctx: typer.Context, listen_url: ListenUrlOpt = None) -> int:
    """Print the Nue tenant settings nuesync needs — Sync Draft Orders, the webhook subscriptions to the
    listener, the signing secret, the API key — with where to set each and why. Nue documents no API
    for them, so they are set by hand; nothing is changed.

    \b
    Examples:
      nuesync setup nue --listen-url https://sync.example.com
      nuesync --json setup nue | jq -r '.checklist[] | .setting + ": " + .value'
    """
    from nuesync.setup.listener import NUE_PATH, endpoint
    from nuesync.setup.nue import checklist_view, nue_checklist

    state = app_context(ctx)
    items = nue_checklist(state.load_config().settings, listen_url)
    if state.json:
        state.emit_json({"webhook_url": endpoint(listen_url, NUE_PATH), "placeholder_url": listen_url is None,
                         "checklist": [item.as_dict() for item in items]}, ExitCode.OK)
    else:
        state.print(checklist_view(items))
    return ExitCode.OK
