"""What may reach a terminal: text from either API with every control character shown as an escape.

Kept apart from the renderers so that error messages and log lines (written before anything
heavy is imported) go through the same function as the tables.
"""

from __future__ import annotations

import re

# What a terminal would act on rather than show: C0 controls (newline and tab included: they
# break a table's rows and columns), DEL, C1 controls (U+0085 and U+009B are a newline and a CSI to
# some terminals), Unicode bidi overrides and isolates (they reorder what follows on the line, so
# a name can show as something it is not), and the Unicode line and paragraph separators.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(value: str) -> str:
    """`value` with every character a terminal would act on shown as an escape (`\\x1b`, `\\u202e`).

    Order names, customer names, field values and error messages come from either API; an
    `ESC [2J` in an order name would otherwise clear the admin's screen, `--no-color` or not.
    """
    return _UNPRINTABLE.sub(_escape, value)
