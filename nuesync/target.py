"""Which Nue tenant and Salesforce org a run talks to: the key of every piece of state.

Everything nuesync remembers — watermarks, last-synced hashes, runs and outcomes, the run lock —
belongs to one target, so nothing learnt against one org is ever used against another (a
`--since last` mark from org A would otherwise hide org B's drafts). The Salesforce half is the
org id the API reports, not the URL in the config: a My Domain URL and an instance URL reach the
same org. Nue's API reports no tenant id, so the Nue half is the base URL in one spelling:
scheme and host lower-case, default port and trailing slash dropped, loopback names folded
(`localhost` and `127.0.0.1` are one host).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "::1", "0:0:0:0:0:0:0:1"})
CANONICAL_LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (127.0.0.0/8, ::1, localhost)."""
    host = host.strip("[]").lower()
    return host in _LOOPBACK_NAMES or host.startswith("127.")


def canonical_url(url: str) -> str:
    """The one spelling of a base URL, so two spellings of the same endpoint are one target."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if is_loopback(host):
        host = CANONICAL_LOOPBACK
    elif ":" in host:
        host = f"[{host}]"
    port = parts.port if parts.port and parts.port != _DEFAULT_PORTS.get(scheme) else None
    path = parts.path.rstrip("/")
    return f"{scheme}://{host}{f':{port}' if port else ''}{path}"


@dataclass(frozen=True)
class Target:
    """One Nue tenant + Salesforce org pair."""

    nue: str  # canonical Nue base URL
    salesforce_org: str  # the org id Salesforce reports (00D…)

    @classmethod
    def of(cls, nue_base_url: str, salesforce_org_id: str) -> Target:
        return cls(canonical_url(nue_base_url), salesforce_org_id)

    @property
    def key(self) -> str:
        """The journal's key for this target."""
        return f"{self.nue} | {self.salesforce_org}"

    @property
    def digest(self) -> str:
        """A short file-name-safe fingerprint of the key (the lock file's name)."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:16]

    def describe(self) -> str:
        return f"Nue {self.nue} and Salesforce org {self.salesforce_org}"
