"""The outside world a command sees: prompts that can be read, and pipes that can close."""

from __future__ import annotations

import io

import pytest
import typer

from nuesync.cli.context import AppContext, PipeSafeStream
from nuesync.errors import UsageError


class FakeLive:
    """Stands in for rich's live progress display: records whether it is drawing."""

    def __init__(self) -> None:
        self.drawing = True

    def stop(self) -> None:
        self.drawing = False

    def start(self) -> None:
        self.drawing = True


def test_no_live_display_is_drawing_while_the_question_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    live = FakeLive()
    seen: dict[str, object] = {}

    def confirm(question: str, default: bool, err: bool) -> bool:
        seen.update(drawing=live.drawing, question=question, err=err)
        return True

    monkeypatch.setattr(typer, "confirm", confirm)
    state = AppContext(live=live)  # type: ignore[arg-type]
    assert state.confirm("Write 3 order(s) to Salesforce?") is True
    assert seen == {"drawing": False, "question": "Write 3 order(s) to Salesforce?", "err": True}
    assert live.drawing  # the progress display resumes for the writes


def test_without_a_terminal_a_writing_command_refuses_before_anything_else() -> None:
    state = AppContext(stdout=io.StringIO())
    with pytest.raises(UsageError, match="--yes"):
        state.require_confirmation_possible(False, "write")
    state.require_confirmation_possible(True, "write")


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_swallows_output_instead_of_crashing() -> None:
    stream = PipeSafeStream(ClosedPipe())
    assert stream.write("a table\n") == len("a table\n")
    stream.flush()
    assert stream.broken
    assert not stream.isatty()
