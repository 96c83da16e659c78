"""The outside world a command sees: consoles, pager, progress, logging, environment, global options.

Injected from the edge (`nuesync.cli.run`) so tests can swap stdout/stderr, the environment and
the working directory without touching the real ones. Imports here stay light (rich, the config,
the pager are loaded when first used): every `nuesync --version` and `--help` pays for them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import typer

from nuesync.errors import ExitCode, Interrupted, NuesyncError, UsageError
from nuesync.progress import Progress, no_progress
from nuesync.redact import Redactor

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress as RichProgress

    from nuesync.config import LoadedConfig
    from nuesync.logs import RunLogging

JSON_SCHEMA_VERSION = 1
PIPE_WIDTH = 120  # logs and pipes: wide enough for ids, still a fixed, predictable width
SUCCESS_CODES = frozenset({ExitCode.OK, ExitCode.DIFFERENCES})  # the command did its job; 3 is a finding

# What to do about an error, by the exit code it carries (its message says what happened).
FIXES: dict[int, str] = {
    ExitCode.INTERNAL_ERROR: "this is a bug in nuesync: run the command again with -v and report the traceback",
    ExitCode.USAGE: "correct the command line or the config: `nuesync COMMAND --help` shows the options, "
                    "`nuesync config check` every setting",
    ExitCode.NOT_RUN_NOW: "run it again later: another run holds the lock, or the Salesforce API budget is below "
                          "sync.min_api_remaining",
    ExitCode.API_UNAVAILABLE: "check the network, the URLs and the credentials the config names; `nuesync doctor` "
                              "checks each",
    ExitCode.INTERRUPTED: "run the same command again to finish what was left",
    ExitCode.TERMINATED: "run the same command again to finish what was left",
}


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


def error_kind(exc: BaseException) -> str:
    """A stable name for what went wrong (`usage`, `config`, `api_unavailable`, `internal` …), for `--json`."""
    if isinstance(exc, Interrupted):
        return "terminated" if exc.exit_code == ExitCode.TERMINATED else "interrupted"
    if isinstance(exc, NuesyncError):
        name = type(exc).__name__.removesuffix("Error") or "nuesync"
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
    return "internal"


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
    live: RichProgress | None = None  # the progress display while one is on screen
    redactor: Redactor = field(default_factory=Redactor)  # masks the loaded config's secrets in messages
    log_file: Path | None = None  # --log-file
    argv: tuple[str, ...] = ()
    json_emitted: bool = False  # a document is on stdout: an error after it adds no second one
    logs: RunLogging | None = None
    _consoles: dict[int, Console] = field(default_factory=dict)
    _pager: TextIO | None = None
    _pager_width: int | None = None

    def now(self) -> datetime:
        return self.clock()

    @property
    def color(self) -> bool:
        return not self.no_color and not self.environ.get("NO_COLOR")

    # --- output ------------------------------------------------------------------------------

    def console(self) -> Console:
        """Rich console for data on stdout (or the pager); markup off so customer text is printed as written.

        With `--quiet` (and no `--json`) the tables are held back and shown only if the command
        does not succeed: cron mails nothing when all is well, and everything when it is not.
        """
        if self._pager is not None:
            return self._console(self._pager, width=self._pager_width, terminal=True)
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

    def _console(self, stream: TextIO, *, width: int | None = None, terminal: bool | None = None) -> Console:
        """One console per stream, so the progress display and log lines on stderr share it (and never
        draw over each other)."""
        cached = self._consoles.get(id(stream))
        if cached is not None:
            return cached
        from rich.console import Console

        if width is None:
            width = int(self.environ["COLUMNS"]) if self.environ.get("COLUMNS", "").isdigit() else None
        if width is None and not stream.isatty():
            width = PIPE_WIDTH
        console = Console(
            file=stream,
            no_color=not self.color,
            color_system="auto" if self.color else None,
            force_terminal=terminal and self.color,
            markup=False,
            emoji=False,
            highlight=False,
            width=width,
        )
        self._consoles[id(stream)] = console
        return console

    def print(self, *renderables: Any) -> None:
        """Print to stdout (or the pager) one part at a time, flushing each: the first lines show before the
        last are rendered."""
        out = self.console()
        for renderable in renderables:
            out.print(renderable)
            out.file.flush()

    def emit_json(self, payload: Mapping[str, Any], exit_code: int = ExitCode.OK,
                  error: BaseException | None = None) -> None:
        """Machine output: plain JSON on stdout, never through rich; ASCII-escaped, so text from an API
        (a bidi override, a C1 control) cannot drive a terminal the JSON is piped to.

        Every document says whether the command did its job (`ok`: exit 0, or 3 for differences
        found) and its exit code; `error` adds what ended it, as in the error envelope.
        """
        document: dict[str, Any] = {"schema_version": JSON_SCHEMA_VERSION, "ok": exit_code in SUCCESS_CODES,
                                    "exit_code": int(exit_code), **payload}
        if error is not None:
            message = error.message if isinstance(error, NuesyncError) else str(error)
            document["error"] = self.error_json(error_kind(error), message, exit_code)
        self.stdout.write(json.dumps(document, indent=2, default=str, ensure_ascii=True) + "\n")
        self.stdout.flush()
        self.json_emitted = True

    def error_json(self, kind: str, message: str, exit_code: int, fix: str | None = None) -> dict[str, Any]:
        return {"kind": kind, "message": self.redactor.text(message), "fix": fix or FIXES.get(exit_code)}

    @contextmanager
    def paged(self) -> Iterator[None]:
        """Long output at a terminal goes through a pager, the way `gh` does it: `$NUESYNC_PAGER`, else
        `$PAGER`, else `less` with `LESS=FRX` (quits at once when it fits, keeps colour). Never when
        stdout is piped, with --json or --quiet; an empty or `cat` pager turns it off."""
        command = self._pager_command()
        if command is None:
            yield
            return
        environ = {**self.environ, "LESS": self.environ.get("LESS", "FRX"), "LV": self.environ.get("LV", "-c")}
        try:
            process = subprocess.Popen(command, stdin=subprocess.PIPE, env=environ, text=True, encoding="utf-8",
                                       errors="replace")
        except OSError:
            yield  # a pager that cannot start is no reason to fail: print directly
            return
        assert process.stdin is not None
        self._pager = PipeSafeStream(process.stdin)
        self._pager_width = self._console(self.stdout).width
        try:
            yield
        finally:
            pager, self._pager = self._pager, None
            self._consoles.pop(id(pager), None)
            pager.flush()
            with contextlib.suppress(OSError):
                process.stdin.close()
            process.wait()

    def _pager_command(self) -> list[str] | None:
        if self.json or self.quiet or not self.stdout.isatty():
            return None
        chosen = self.environ.get("NUESYNC_PAGER", self.environ.get("PAGER"))
        if chosen is None:
            return ["less"] if shutil.which("less") else None
        words = shlex.split(chosen)
        return words if words and words != ["cat"] else None

    # --- config and logging -----------------------------------------------------------------

    def load_config(self, explicit: Path | None = None) -> LoadedConfig:
        from nuesync.config import find_config, load_config

        loaded = load_config(find_config(explicit or self.config_path, self.environ))
        self.redactor = Redactor(loaded.settings.secret_values(self.environ))
        logged = getattr(loaded.settings, "log", None)  # the [log] section; --log-file takes precedence
        if logged is not None and logged.file is not None and self.logs is not None and not self.logs.writes_file:
            self.logs.to_file(logged.file, 2 if logged.level == "debug" else self.verbose, "log.file")
        return loaded

    def start_logging(self) -> None:
        """Install this run's log handlers: stderr (rich at a terminal) and, with --log-file, JSON lines."""
        from nuesync.logs import RunLogging

        self.logs = RunLogging(lambda: self.redactor)
        console = self._console(self.stderr)
        handler = None
        if console.is_terminal:
            from rich.logging import RichHandler

            handler = RichHandler(console=console, show_path=False, markup=False, rich_tracebacks=False,
                                  log_time_format="%H:%M:%S")
        self.logs.to_stderr(self.stderr, self.verbose, handler)
        if self.log_file is not None:
            self.logs.to_file(self.log_file, self.verbose, "--log-file")

    def stop_logging(self) -> None:
        if self.logs is not None:
            self.logs.close()
            self.logs = None

    # --- progress and prompts ----------------------------------------------------------------

    @contextmanager
    def progress(self) -> Iterator[Progress]:
        """A progress display with the current step on stderr at a terminal; nothing elsewhere (cron, CI,
        --json), where it would only be noise in a log. It pulses while the size of a step is unknown,
        and shows `done/total`, the rate and a bar once a step reports its total."""
        console = self.err_console()
        if not console.is_terminal or self.json:
            yield no_progress
            return
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from nuesync.cli.progress import CountColumn, RateColumn, Reporter

        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), CountColumn(), RateColumn(),
                   TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            self.live = bar
            try:
                yield Reporter(bar)
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
