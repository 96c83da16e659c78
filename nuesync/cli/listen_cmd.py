"""`nuesync listen` (the service) and `nuesync retry` (replay deliveries that failed or were blocked)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nuesync.cli.context import app_context
from nuesync.cli.options import whole_number
from nuesync.errors import ExitCode, UsageError


def _port(value: str | int) -> int:
    port = whole_number(0, "a port number")(value)
    if port > 65535:
        raise typer.BadParameter(f"{port} is more than 65535")
    return port


def listen(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: listen.host).", metavar="HOST",
                                             show_default=False)] = None,
    port: Annotated[int | None, typer.Option(help="Port; 0 picks a free one (default: listen.port).", metavar="PORT",
                                             parser=_port, show_default=False)] = None,
    info_file: Annotated[Path | None, typer.Option(help='Write {"url": …} here once listening.', metavar="FILE",
                                                   show_default=False)] = None,
    reconcile_every: Annotated[str | None, typer.Option(
        help="Run the incremental pull and push this often: 15m, 1h, or 0 for never (default: "
             "listen.reconcile_every).", metavar="DURATION", show_default=False)] = None,
) -> int:
    """Serve Nue webhooks and Salesforce Outbound Messages, syncing each within seconds.

    POST /webhooks/nue (HMAC header, or /webhooks/nue/SECRET), POST /webhooks/salesforce
    (Outbound Messages of the configured org), GET /healthz, GET /readyz. One line per delivery
    and batch on stderr (JSON lines with --json). Stops on SIGTERM or Ctrl-C after the current
    batch (exit 0); what was acknowledged and not yet synced is processed at the next start.

    \b
    Examples:
      nuesync listen
      nuesync listen --host 0.0.0.0 --port 8787 --reconcile-every 5m
      nuesync --json listen --port 0 --info-file listen.json    # a free port, for scripts
    """
    from nuesync.config import parse_duration
    from nuesync.listen.events import configure, log
    from nuesync.listen.service import ListenOptions, serve

    state = app_context(ctx)
    settings = state.load_config().settings
    try:
        interval = parse_duration(reconcile_every if reconcile_every is not None else settings.listen.reconcile_every)
    except ValueError as exc:
        raise UsageError(f"--reconcile-every: {exc}") from None
    options = ListenOptions(host or settings.listen.host, settings.listen.port if port is None else port, info_file,
                            interval)
    handler = configure(state.stderr, as_json=state.json)
    try:
        return serve(settings, state.environ, options)
    finally:
        log.removeHandler(handler)


def retry(
    ctx: typer.Context,
    deliveries: Annotated[list[str] | None, typer.Argument(metavar="ID", hidden=True, show_default=False)] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every failed or blocked delivery.")] = False,
) -> int:
    """Replay deliveries the listener could not sync: failed ones, or blocked ones once a person acted.

    ID… are delivery ids, from `nuesync log --failed`. The running listener picks them up; when
    no listener runs for this org, retry processes them itself. Exit 4 when a replayed delivery
    still fails or is blocked (processed here).

    \b
    Examples:
      nuesync log --failed          # find the ids
      nuesync retry 17 18
      nuesync retry --all
    """
    from nuesync.listen.retry import replay
    from nuesync.render_reports import deliveries_table, delivery_json

    state = app_context(ctx)
    ids = tuple(whole_number(1, "a delivery id")(value) for value in deliveries or ())
    if not ids and not all_:
        raise UsageError("name the deliveries to replay (ids from `nuesync log --failed`) or use --all")
    settings = state.load_config().settings
    result = replay(settings, state.environ, ids)
    failing = result.processed_here and any(d.state.value in {"failed", "blocked"} for d in result.deliveries)
    code = ExitCode.PARTIAL_FAILURE if failing else ExitCode.OK
    if state.json:
        state.emit_json({"requeued": result.requeued, "processed_here": result.processed_here,
                         "deliveries": [delivery_json(d) for d in result.deliveries]}, code)
        return code
    where = "processed here (no listener runs for this org)" if result.processed_here else \
        "queued: the running listener processes them within seconds"
    state.err_console().print(f"{result.requeued} delivery(ies) {where}.")
    if result.deliveries:
        state.print(deliveries_table(result.deliveries))
    return code
