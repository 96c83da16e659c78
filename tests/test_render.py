"""Rendering: untrusted text cannot drive the terminal, and totals hold for any amount the model takes."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console, RenderableType

from nuesync.adapters.base import RecordProblem
from nuesync.model import AMOUNT_INTEGER_DIGITS, DraftOrder, LineItem, System
from nuesync.plan import PlanSettings, plan_sync
from nuesync.reconcile import Direction, reconcile
from nuesync.render import diff_renderables, order_total, plan_renderables, printable, text
from tests import scenarios

NOW = datetime(2026, 12, 1, tzinfo=UTC)
HOSTILE = "Acme\x1b[2J\x1b]0;owned\x07 \u202eexe.txt\u202c\r\nfake row\tcell\x7f\x9b31m\u2066\u2028"


def rendered(renderable: RenderableType, *, color: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=color, color_system="truecolor" if color else None)
    console.print(renderable)
    return out.getvalue()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd"),
        ("\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b"),
        ("\u202aL\u202bR\u202cP\u202dO\u202eX", "\\u202aL\\u202bR\\u202cP\\u202dO\\u202eX"),
        ("\u2066i\u2067j\u2068k\u2069", "\\u2066i\\u2067j\\u2068k\\u2069"),
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("Café [bold]ünïcödé[/] 東京 😀", "Café [bold]ünïcödé[/] 東京 😀"),
    ],
)
def test_printable_shows_every_control_character_as_an_escape_and_leaves_text_alone(raw: str, shown: str) -> None:
    assert printable(raw) == shown


UNSAFE = frozenset(chr(code) for code in (*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F),
                                          *range(0x2066, 0x206A), 0x2028, 0x2029))


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_printable_leaves_nothing_a_terminal_would_act_on_and_changes_nothing_else(raw: str) -> None:
    shown = printable(raw)
    assert not UNSAFE.intersection(shown)
    assert (shown == raw) == (not UNSAFE.intersection(raw))


def test_text_is_printable_and_literal() -> None:
    assert text(HOSTILE).plain == printable(HOSTILE)
    assert text("[red]x[/red]").plain == "[red]x[/red]"


def hostile_world() -> tuple[list[DraftOrder], list[DraftOrder], list[RecordProblem]]:
    """Every kind of untrusted text `diff` and a plan show: names, customers, values, keys, problems."""
    customer = {"links": {"nue_id": "cust-1", "salesforce_id": "001000000000001AAA"}, "name": HOSTILE}
    nue, sf = scenarios.diverged_order()
    nue = [nue[0].model_copy(update={"name": HOSTILE, "description": HOSTILE})]
    cart = scenarios.build(scenarios.order(2, linked=False, customer=customer, name=HOSTILE,
                                           lines=[scenarios.line(21, linked=False)]))
    problem = RecordProblem(System.NUE, HOSTILE, HOSTILE, HOSTILE)
    return [*nue, cart], sf, [problem]


@pytest.mark.parametrize("color", [True, False], ids=["color", "no-color"])
def test_no_table_lets_an_escape_sequence_through(color: bool) -> None:
    nue, sf, problems = hostile_world()
    result = reconcile(nue, sf, problems)
    plan = plan_sync(result, Direction.PULL, PlanSettings())

    for output in (rendered(diff_renderables(result, NOW), color=color), rendered(plan_renderables(plan), color=color)):
        assert "\\x1b[2J" in output
        assert "\x1b[2J" not in output and "\x1b]" not in output and "\u202e" not in output and "\x9b" not in output
        if not color:
            assert "\x1b" not in output


def test_a_total_of_the_largest_amounts_is_exact() -> None:
    biggest = Decimal("9999999999999999.99")
    order = DraftOrder(lines=[LineItem(quantity=biggest, unit_price=biggest, discount={"percent": "0.01"})] * 3,
                       discount={"percent": "0.01", "amount": biggest})
    big, kept = Fraction(biggest), Fraction(9999, 10000)
    exact = 3 * big * big * kept * kept - big
    assert order_total(order) == Decimal(f"{round(exact * 100)}E-2")


def test_a_zero_total_is_never_negative_zero() -> None:
    order = DraftOrder(lines=[LineItem(quantity=1, unit_price=-5)], discount={"percent": 100})
    assert str(order_total(order)) == "0.00"


amounts = st.none() | st.decimals(min_value=-(10**AMOUNT_INTEGER_DIGITS) + 1, max_value=10**AMOUNT_INTEGER_DIGITS - 1,
                                  places=2, allow_nan=False, allow_infinity=False)
discounts = st.fixed_dictionaries({"percent": amounts, "amount": amounts})
lines = st.builds(LineItem, quantity=amounts, unit_price=amounts, discount=discounts)


@given(st.lists(lines, max_size=5), discounts)
@settings(max_examples=200, deadline=None)
def test_a_total_is_computed_for_any_amounts_the_model_takes(order_lines: list[LineItem], discount: dict) -> None:
    total = order_total(DraftOrder(lines=order_lines, discount=discount))
    assert total.as_tuple().exponent == -2
