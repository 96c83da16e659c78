"""Masking the secrets nuesync holds out of any text it shows.

An API may echo what it was sent: a gateway that quotes the request's `nue-api-key` in its 403
page, an OAuth error that repeats the client secret, a SOAP fault that names the session. Such
text ends up in an error message or a per-record failure that is printed, journalled and mailed
by cron, so every text taken from an API answer goes through one `Redactor` built from the
secret values in play first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words and digits, not secrets


def _spellings(secret: str) -> set[str]:
    """The secret as sent (plain, in a URL or form, inside a JSON string), since an echo keeps that form."""
    return {secret, quote(secret, safe=""), quote_plus(secret, safe=""), json.dumps(secret)[1:-1]}


class Redactor:
    """Replaces every occurrence of the given secret values with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        kept = {secret for secret in secrets if len(secret) >= MIN_SECRET_LENGTH}
        self._secrets = frozenset(kept)
        spellings = {spelling for secret in kept for spelling in _spellings(secret)}
        self._spellings = sorted(spellings, key=len, reverse=True)  # longest first: no half-masked overlap

    def text(self, s: str) -> str:
        """`s` with every secret masked."""
        for spelling in self._spellings:
            s = s.replace(spelling, MASK)
        return s

    def with_secrets(self, *secrets: str) -> Redactor:
        """A redactor that also masks `secrets` (a session token obtained at login, for instance)."""
        return Redactor([*self._secrets, *secrets])
