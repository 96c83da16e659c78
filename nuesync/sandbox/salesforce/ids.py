"""Salesforce record ids: 15-character case-sensitive keys and their 18-character case-safe form.

Clients compare ids as strings and some normalise 15 → 18 characters, so the emulator issues
real-looking ids (key prefix, pod, counter) with a correct suffix, and rejects an 18-character
id whose suffix does not match, as Salesforce does.
"""

from __future__ import annotations

import functools
import itertools
import re
import secrets
import threading

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_SHAPE = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_POD = "Hn"


def case_safe_suffix(id15: str) -> str:
    """The three characters that encode which of the 15 characters are upper case."""
    return "".join(
        _SUFFIX_ALPHABET[sum(1 << i for i, char in enumerate(id15[start : start + 5]) if "A" <= char <= "Z")]
        for start in (0, 5, 10)
    )


def looks_like_id(value: str) -> bool:
    """15 or 18 alphanumerics: what Salesforce tries to read as an id rather than a name."""
    return bool(_ID_SHAPE.match(value))


@functools.lru_cache(maxsize=65536)
def normalize_id(value: str) -> str | None:
    """The 18-character form of a valid 15/18-character id, or None when it is malformed."""
    if not looks_like_id(value):
        return None
    id15 = value[:15]
    suffix = case_safe_suffix(id15)
    if len(value) == 18 and value[15:].upper() != suffix:
        return None
    return id15 + suffix


def key_prefix(record_id: str) -> str:
    return record_id[:3]


class IdFactory:
    """Hands out ids per key prefix: `<prefix><pod>0<9-char base62 counter><suffix>`.

    The counter belongs to the pod, not the org: two orgs on one pod never share an id. A second
    emulated org starts its counter at `first` past the first org's numbers to stay unique too.
    """

    def __init__(self, first: int = 1) -> None:
        self._counter = itertools.count(first)
        self._lock = threading.Lock()

    def new_id(self, prefix: str) -> str:
        with self._lock:
            number = next(self._counter)
        digits = []
        for _ in range(9):
            number, remainder = divmod(number, 62)
            digits.append(_BASE62[remainder])
        id15 = f"{prefix}{_POD}0{''.join(reversed(digits))}"
        return id15 + case_safe_suffix(id15)


def random_id(prefix: str) -> str:
    """An id-shaped token that is not a record (query locators, org and user ids)."""
    body = "".join(secrets.choice(_BASE62) for _ in range(12))
    id15 = f"{prefix}{body}"
    return id15 + case_safe_suffix(id15)
