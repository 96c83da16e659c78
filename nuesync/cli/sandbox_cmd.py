"""`nuesync sandbox serve`: both emulators on loopback until interrupted, with a ready config."""

from __future__ import annotations

import json
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from nuesync.cli.context import app_context
from nuesync.cli.options import whole_number
from nuesync.errors import ExitCode

app = typer.Typer(help="Local emulators of the Salesforce and Nue APIs.", no_args_is_help=True,
                  rich_markup_mode=None)


SANDBOX_JOURNAL = "nuesync-sandbox.journal.sqlite3"  # beside the written config: never a real deployment's


def _seed(value: str) -> str:
    if value in {"demo", "empty"} or re.fullmatch(r"\d{1,6}", value):
        return value
    raise typer.BadParameter(f"{value!r} is not a seed; expected demo, empty, or a number of orders (up to 999999)")


@contextmanager
def _stopped_by_signal() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM, which both end the sandbox cleanly (exit 0); installed before
    anything is printed, so a script that stops the sandbox as soon as it has read the URLs is obeyed."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command("serve")
def serve(
    ctx: typer.Context,
    seed: Annotated[str, typer.Option(help="demo, empty, or N orders mixed like a live pair (default: demo).",
                                      metavar="SEED", parser=_seed, show_default=False)] = "demo",
    port: Annotated[int, typer.Option(help="Salesforce port (Nue uses the next one); 0 picks free ports.",
                                      metavar="PORT", parser=whole_number(0, "a port number"),
                                      show_default=False)] = 0,
    write_config: Annotated[Path | None, typer.Option(help="Write a ready nuesync.toml here.", metavar="PATH",
                                                      show_default=False)] = None,
    info_file: Annotated[Path | None, typer.Option(help="Write URLs and sandbox credentials as JSON here.",
                                                   metavar="PATH", show_default=False)] = None,
    latency_ms: Annotated[int, typer.Option(help="Added latency per request, in ms.", metavar="MS",
                                            parser=whole_number(0), show_default=False)] = 0,
    webhook_url: Annotated[str | None, typer.Option(
        help="Deliver the Nue tenant's webhooks (order.created, order.activated …) here, signed.", metavar="URL",
        show_default=False)] = None,
    outbound_url: Annotated[str | None, typer.Option(
        help="Send the org's Sync Order Outbound Messages here.", metavar="URL", show_default=False)] = None,
) -> int:
    """Run both emulators until Ctrl-C / SIGTERM, printing how to point nuesync at them.

    \b
    Examples:
      nuesync sandbox serve --write-config sandbox.toml
      nuesync sandbox serve --seed 5000 --latency-ms 50 --write-config sandbox.toml
      nuesync --json sandbox serve --info-file sandbox.json   # for scripts
      nuesync sandbox serve --webhook-url http://127.0.0.1:8787/webhooks/nue
    """
    import tomli_w

    from nuesync.files import write_private
    from nuesync.sandbox.pair import running_sandbox

    state = app_context(ctx)
    with _stopped_by_signal() as stop, running_sandbox(seed, port=port, latency_ms=latency_ms,
                                                       webhook_url=webhook_url, outbound_url=outbound_url) as sandbox:
        if write_config is not None:
            journal = write_config.resolve().parent / SANDBOX_JOURNAL
            write_private(write_config, tomli_w.dumps(sandbox.config(state_path=journal)), "--write-config")
        if info_file is not None:
            write_private(info_file, json.dumps(sandbox.info(), indent=2), "--info-file")
        if state.json:
            state.emit_json({"sandbox": sandbox.info(), "config": sandbox.config()}, ExitCode.OK)
        else:
            def say(line: str) -> None:
                state.stdout.write(line + "\n")

            say(f"Salesforce sandbox: {sandbox.salesforce_server.url} (CA: {sandbox.salesforce_server.ca_file})")
            say(f"Nue sandbox:        {sandbox.nue_server.url}")
            say("Throwaway sandbox credentials for this run (the config names these variables):")
            for name, value in sandbox.environ().items():
                say(f"  export {name}={value}")
            if write_config is not None:
                say(f"Config written to {write_config}; try: nuesync --config {write_config} diff")
            if webhook_url or outbound_url:
                targets = ", ".join(f"{what} to {url}" for what, url in (("webhooks", webhook_url),
                                                                       ("Outbound Messages", outbound_url)) if url)
                say(f"Delivering {targets}; run the listener with: nuesync --config {write_config or 'CONFIG'} listen")
            state.err_console().print("Serving until Ctrl-C.")
        state.stdout.flush()
        while not stop.wait(0.5):
            pass
    return ExitCode.OK
