"""`nuesync sandbox serve`: both emulators on loopback until interrupted, with a ready config."""

from __future__ import annotations

import json
import re
import signal
import threading
from pathlib import Path
from typing import Annotated

import tomli_w
import typer

from nuesync.cli.context import app_context
from nuesync.errors import UsageError
from nuesync.files import write_private
from nuesync.sandbox.pair import running_sandbox

app = typer.Typer(help="Local emulators of the Salesforce and Nue APIs.", no_args_is_help=True,
                  rich_markup_mode=None)


SANDBOX_JOURNAL = "nuesync-sandbox.journal.sqlite3"  # beside the written config: never a real deployment's


def _check_seed(value: str) -> str:
    if value in {"demo", "empty"} or re.fullmatch(r"\d{1,6}", value):
        return value
    raise UsageError(f"--seed {value!r}: expected demo, empty, or a number of synthetic orders")


def _wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM; both end the sandbox cleanly (exit 0)."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command("serve")
def serve(
    ctx: typer.Context,
    seed: Annotated[str, typer.Option(help="demo, empty, or N synthetic draft orders per system.")] = "demo",
    port: Annotated[int, typer.Option(help="Salesforce port (Nue uses the next one); 0 picks free ports.")] = 0,
    write_config: Annotated[Path | None, typer.Option(help="Write a ready nuesync.toml here.")] = None,
    info_file: Annotated[Path | None, typer.Option(help="Write URLs and sandbox credentials as JSON here.")] = None,
    latency_ms: Annotated[int, typer.Option(help="Added latency per request, in ms.")] = 0,
) -> None:
    """Run both emulators until Ctrl-C / SIGTERM, printing how to point nuesync at them."""
    state = app_context(ctx)
    with running_sandbox(_check_seed(seed), port=port, latency_ms=latency_ms) as sandbox:
        if write_config is not None:
            journal = write_config.resolve().parent / SANDBOX_JOURNAL
            write_private(write_config, tomli_w.dumps(sandbox.config(state_path=journal)), "--write-config")
        if info_file is not None:
            write_private(info_file, json.dumps(sandbox.info(), indent=2), "--info-file")
        if state.json:
            state.emit_json({"sandbox": sandbox.info(), "config": sandbox.config()})
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
            state.err_console().print("Serving until Ctrl-C.")
        state.stdout.flush()
        _wait_for_signal()
