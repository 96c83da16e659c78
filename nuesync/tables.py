"""Tables that fit the terminal they are printed on, without splitting what must stay whole.

rich squeezes a table that is too wide by folding its widest columns, so at 80 columns an order
id came out as `801Hn000000000` / `WIAQ` and a timestamp in two halves — useless to copy, easy to
misread. A `FittedTable` decides its layout when it is rendered, from the width it is given:

1. every column, ids, timestamps, numbers and labels whole, free text (`wrap=True`) given what
   is left but never less than its `min_width`;
2. else the same without the least important columns (highest `drop` first), saying which;
3. else stacked: one block per record, `header  value` per line, nothing hidden.

Rendering stays pure — data in, a renderable out — and the same table prints correctly at 80,
120 or 200 columns, so it can be snapshot-tested at each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

GAP = 3  # between two columns: a space of padding each side of the (blank) divider
TITLE_STYLE = "bold"
HEADER_STYLE = "bold"
WHOLE_WORD = 40  # a uuid with punctuation around it; longer words in free text may fold


@dataclass(frozen=True)
class Column:
    """One column. Anything not `wrap` (ids, timestamps, numbers, status words) is never split."""

    header: str
    wrap: bool = False
    min_width: int = 12
    drop: int = 0  # 0: always shown; when the table does not fit, the highest `drop` goes first
    justify: str = "left"
    whole_words: bool = True  # a wrapping column keeps its words whole (up to WHOLE_WORD): ids in messages


@dataclass(frozen=True)
class FittedTable:
    """A table that chooses its layout at render time (see the module docstring)."""

    columns: Sequence[Column]
    rows: Sequence[Sequence[Text]]
    title: str | None = None
    show_header: bool = True
    footer: tuple[Text, ...] = field(default=())
    heading: tuple[int, ...] = (0,)  # the columns a stacked record is headed by (they are left out below it)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        if self.title:
            yield Text("")
            yield Text(self.title, style=TITLE_STYLE)
        if not self.rows:  # a title says it all ("Run 41: orders — Nue was unavailable")
            yield from self.footer
            return
        shown = list(range(len(self.columns)))
        for level in [*sorted({c.drop for c in self.columns if c.drop}, reverse=True), None]:
            widths = fit_widths([self.columns[i] for i in shown], [[row[i] for i in shown] for row in self.rows],
                                width, show_header=self.show_header)
            if widths is not None:
                yield self._table(shown, widths)
                hidden = [c.header for i, c in enumerate(self.columns) if i not in shown]
                if hidden and self.rows:
                    yield Text(f"{' and '.join(hidden)} not shown at this width (widen the terminal, or use --json)",
                               style="dim")
                break
            if level is not None:
                shown = [i for i in shown if self.columns[i].drop != level]
        else:
            yield stacked(self.columns, self.rows, self.heading)
        yield from self.footer

    def _table(self, shown: Sequence[int], widths: Sequence[int]) -> Table:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, show_header=self.show_header,
                      header_style=HEADER_STYLE, collapse_padding=False)
        for i, width in zip(shown, widths, strict=True):
            column = self.columns[i]
            table.add_column(column.header, width=width, justify=column.justify,  # type: ignore[arg-type]
                             no_wrap=not column.wrap, overflow="fold")
        for row in self.rows:
            table.add_row(*(row[i] for i in shown))
        return table


def text_width(value: Text | str) -> int:
    """The widest line of a cell, in terminal cells (a CJK character takes two)."""
    plain = value.plain if isinstance(value, Text) else value
    return max((cell_len(line) for line in plain.split("\n")), default=0)


def longest_word(value: Text) -> int:
    """The widest word of a cell up to `WHOLE_WORD`: an id or a time inside free text must fit on a line
    too, while a longer word (a path, a URL) may fold rather than push the table into stacked form."""
    return min(max((cell_len(word) for word in value.plain.split()), default=0), WHOLE_WORD)


def fit_widths(columns: Sequence[Column], rows: Sequence[Sequence[Text]], width: int, *,
               show_header: bool = True) -> list[int] | None:
    """Content widths that fit `width` with every whole column whole, or None when none do.

    Whole columns get their widest cell; wrapping columns start at their `min_width` (or their
    longest word, when longer; or less, when nothing in them is that wide) and share what is
    left, up to their widest cell.
    """
    widest = [max([text_width(c.header) if show_header else 0, *(text_width(row[i]) for row in rows)])
              for i, c in enumerate(columns)]
    words = [max((longest_word(row[i]) for row in rows), default=0) if c.wrap and c.whole_words else 0
             for i, c in enumerate(columns)]
    need = [min(w, max(c.min_width, word)) if c.wrap else w
            for w, word, c in zip(widest, words, columns, strict=True)]
    spare = width - sum(need) - GAP * (len(columns) - 1)
    if spare < 0:
        return None
    widths = list(need)
    growing = [i for i, c in enumerate(columns) if c.wrap and widths[i] < widest[i]]
    while spare > 0 and growing:
        share = max(1, spare // len(growing))
        for i in growing:
            grow = min(share, widest[i] - widths[i], spare)
            widths[i] += grow
            spare -= grow
        growing = [i for i in growing if widths[i] < widest[i]]
    return [max(w, 1) for w in widths]


def stacked(columns: Sequence[Column], rows: Iterable[Sequence[Text]], heading: Sequence[int] = (0,)) -> Group:
    """One block per record: the `heading` cells on one line, then `header  value` for each other filled cell."""
    rest = [i for i in range(len(columns)) if i not in heading]
    label_width = max((text_width(columns[i].header) for i in rest), default=0)
    blocks: list[RenderableType] = []
    for row in rows:
        block = Table.grid(padding=(0, 2), pad_edge=False)
        block.add_column(no_wrap=True, width=label_width + 2)
        block.add_column(overflow="fold")
        for i in rest:
            if row[i].plain:
                block.add_row(Text("  " + columns[i].header, style="dim"), row[i])
        title = Text("  ").join(row[i] for i in heading)
        title.stylize("bold")
        blocks.append(Group(title, block))
    return Group(*blocks)
