"""The outside world a command sees: consoles, environment, global options.

Injected from the edge (`nuesync.cli.run`) so tests can swap stdout/stderr, the environment and
the working directory without touching the real ones.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from nuesync.config import LoadedConfig, find_config, load_config
from nuesync.errors import UsageError
from nuesync.redact import Redactor

JSON_SCHEMA_VERSION = 1


class PipeSafeStream(io.TextIOBase):
    """A stdout/stderr that a closed pipe cannot crash (`nuesync push --dry-run | head -3`).

    Once the reader has gone, output is dropped quietly and the command runs on to its own end
    and exit code — stopping a writing run half way because `head` stopped reading would be worse.
    The real descriptor is pointed at the null device so Python's last flush at exit stays quiet.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.stream.write(text)
            except BrokenPipeError:
                self._reader_gone()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._reader_gone()

    def isatty(self) -> bool:
        return not self.broken and self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", None) or "utf-8"

    def _reader_gone(self) -> None:
        self.broken = True
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)


@dataclass
class AppContext:
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    config_path: Path | None = None
    json: bool = False
    verbose: int = 0
    no_color: bool = False
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    quiet: bool = False
    held: io.StringIO = field(default_factory=io.StringIO)
    live: Progress | None = None  # the progress display while one is on screen
    redactor: Redactor = field(default_factory=Redactor)  # masks the loaded config's secrets in messages

    def now(self) -> datetime:
        return self.clock()

    @property
    def color(self) -> bool:
        return not self.no_color and not self.environ.get("NO_COLOR")

    def console(self) -> Console:
        """Rich console for data on stdout; markup off so customer text is printed as written.

        With `--quiet` (and no `--json`) the tables are held back and shown only if the command
        does not succeed: cron mails nothing when all is well, and everything when it is not.
        """
        return self._console(self.held if self._holding else self.stdout)

    def err_console(self) -> Console:
        return self._console(self.held if self._holding else self.stderr)

    @property
    def _holding(self) -> bool:
        return self.quiet and not self.json

    def release_held(self) -> None:
        """Show what `--quiet` held back (called when the command did not succeed)."""
        if self.held.getvalue():
            self.stdout.write(self.held.getvalue())
            self.stdout.flush()
            self.held.seek(0)
            self.held.truncate()

    def _console(self, stream: TextIO) -> Console:
        width = int(self.environ["COLUMNS"]) if self.environ.get("COLUMNS", "").isdigit() else None
        if width is None and not stream.isatty():
            width = 120  # logs and pipes: wide enough for ids, still a fixed, predictable width
        return Console(
            file=stream,
            no_color=not self.color,
            color_system="auto" if self.color else None,
            markup=False,
            emoji=False,
            highlight=False,
            width=width,
        )

    def emit_json(self, payload: dict[str, Any]) -> None:
        """Machine output: plain JSON on stdout, never through rich; ASCII-escaped, so text from an API
        (a bidi override, a C1 control) cannot drive a terminal the JSON is piped to."""
        document = {"schema_version": JSON_SCHEMA_VERSION, **payload}
        self.stdout.write(json.dumps(document, indent=2, default=str, ensure_ascii=True) + "\n")
        self.stdout.flush()

    def load_config(self, explicit: Path | None = None) -> LoadedConfig:
        loaded = load_config(find_config(explicit or self.config_path, self.environ))
        self.redactor = Redactor(loaded.settings.secret_values(self.environ))
        return loaded

    @contextmanager
    def progress(self) -> Iterator[Callable[[str], None]]:
        """A progress bar with the current step on stderr at a terminal; nothing elsewhere (cron, CI,
        --json), where it would only be noise in a log. The bar pulses: the APIs do not say up
        front how many pages a read will take."""
        console = self.err_console()
        if not console.is_terminal or self.json:
            yield lambda _message: None
            return
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("starting", total=None)
            self.live = bar
            try:
                yield lambda message: bar.update(task, description=message)
            finally:
                self.live = None

    def is_interactive(self) -> bool:
        return bool(getattr(sys.stdin, "isatty", lambda: False)()) and self.stdout.isatty()

    def require_confirmation_possible(self, yes: bool, what: str) -> None:
        """Refuse a writing command that could neither ask nor was told `--yes` — before it reads anything."""
        if not yes and not self.is_interactive():
            raise UsageError(f"refusing to {what} without --yes: there is no terminal to confirm on "
                             "(use --dry-run to only look)")

    def confirm(self, question: str) -> bool:
        """Ask on stderr with every live display stopped first: a spinner redrawn over the question
        would hide it, and the run would look hung."""
        bar = self.live
        if bar is not None:
            bar.stop()
        try:
            return bool(typer.confirm(question, default=False, err=True))
        finally:
            if bar is not None:
                bar.start()


def app_context(ctx: typer.Context) -> AppContext:
    """The AppContext `run` passed in as click's `obj`."""
    obj = ctx.find_root().obj
    if not isinstance(obj, AppContext):
        raise RuntimeError("nuesync commands must be run through nuesync.cli.run")
    return obj
