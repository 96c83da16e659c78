"""The progress display's parts: a count column, a rate column, and the reporter commands call.

A step either pulses (its size is unknown until an API says how many records a read will
return) or, once it reports `done` of `total`, shows a bar, `done/total` and the rate, on a line
of its own so its rate and elapsed time are its own.
"""

from __future__ import annotations

import threading

from rich.progress import Progress, ProgressColumn, Task, TaskID
from rich.text import Text


class CountColumn(ProgressColumn):
    """`1,200/5,000` for a step with a total; nothing while it pulses."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{int(task.completed):,}/{int(task.total):,}", style="progress.download")


class RateColumn(ProgressColumn):
    """`850/s` once a counted step has moved; nothing before."""

    def render(self, task: Task) -> Text:
        if task.total is None or not task.speed:
            return Text("")
        return Text(f"{task.speed:,.0f}/s", style="progress.data.speed")


class Reporter:
    """`report(message, done=None, total=None)` on one rich `Progress`: what `AppContext.progress` yields.

    A step without a total updates the one pulsing line. A step with a total gets a line of its
    own, kept while steps with totals follow — two reads counted at once (Nue and Salesforce
    are read in parallel) show two lines — and cleared when the next pulsing step starts.
    Callable from several threads.
    """

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.pulse: TaskID = bar.add_task("starting", total=None)
        self.counted: dict[str, TaskID] = {}
        self.lock = threading.Lock()

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        with self.lock:
            if total is None:
                for task in self.counted.values():
                    self.bar.remove_task(task)
                self.counted.clear()
                self.bar.update(self.pulse, description=message, visible=True)
                return
            task = self.counted.get(message)
            if task is None:
                task = self.counted[message] = self.bar.add_task(message, total=total)
                self.bar.update(self.pulse, visible=False)
            self.bar.update(task, total=total, completed=done or 0)
