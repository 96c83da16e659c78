"""`FittedTable`: whole columns stay whole; the least important go first; stacked when nothing else fits."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from nuesync.tables import Column, FittedTable
from tests.rendering import assert_nothing_split, render

ORDER_ID = "801Hn000000000WIAQ"
NUE_ID = "1b152352-a8ef-4c4d-a053-5f3f8b6cca9d"
COLUMNS = (Column("Nue id"), Column("Salesforce id"), Column("origin", drop=1),
           Column("detail", wrap=True, min_width=20))
ROWS = [[Text(NUE_ID), Text(ORDER_ID), Text("Salesforce"),
         Text(f"activated in Nue outside nuesync: run `nuesync activate {ORDER_ID}` to finish in Salesforce")]]


def test_a_plain_rich_table_splits_ids_which_is_why_this_exists() -> None:
    table = Table()
    for header in ("Nue id", "Salesforce id", "origin", "detail"):
        table.add_column(header, overflow="fold")
    table.add_row(*ROWS[0])
    out = io.StringIO()
    Console(file=out, width=70, no_color=True).print(table)
    assert NUE_ID not in out.getvalue() and ORDER_ID not in out.getvalue()  # each folded in two


def test_everything_shown_when_it_fits() -> None:
    output = render(FittedTable(COLUMNS, ROWS), 200)
    assert "origin" in output and "not shown" not in output
    assert len(output.splitlines()) == 3  # header, rule, one row: the detail did not need to wrap


def test_the_least_important_column_goes_first_and_the_table_says_so() -> None:
    output = render(FittedTable(COLUMNS, ROWS), 90)
    assert "origin not shown at this width" in output
    assert "Salesforce id" in output.splitlines()[0]
    assert_nothing_split(output, [NUE_ID, ORDER_ID], 90)


def test_stacked_when_even_the_essential_columns_do_not_fit() -> None:
    output = render(FittedTable(COLUMNS, ROWS, heading=(0, 1)), 70)
    lines = output.splitlines()
    assert lines[0] == f"{NUE_ID}  {ORDER_ID}"
    assert lines[1].split() == ["origin", "Salesforce"]  # stacked hides nothing
    assert_nothing_split(output, [NUE_ID, ORDER_ID], 70)


def test_an_id_inside_free_text_is_not_split_either() -> None:
    for width in range(60, 140):
        assert_nothing_split(render(FittedTable(COLUMNS, ROWS), width), [NUE_ID, ORDER_ID], width)


def test_a_table_without_rows_is_its_title() -> None:
    assert render(FittedTable(COLUMNS, [], title="Run 41: orders — Nue was unavailable"), 80).split("\n")[1:3] == [
        "Run 41: orders — Nue was unavailable", ""]
