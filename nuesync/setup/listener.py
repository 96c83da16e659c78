"""Where the org and the tenant send their deliveries: the `nuesync listen` service's public URL.

Both `setup` commands take it as `--listen-url` (the base the reverse proxy exposes, e.g.
`https://sync.acme.example`, possibly with a path prefix) and append the listener's own paths.
Without it a placeholder under `.invalid` is used: a name that never resolves (RFC 2606), so a
project deployed before the URL is known sends nothing anywhere rather than to a stranger.
"""

from __future__ import annotations

from urllib.parse import urlsplit

PLACEHOLDER = "https://nuesync-listener.invalid"
SALESFORCE_PATH = "/webhooks/salesforce"
NUE_PATH = "/webhooks/nue"


def listen_url_problem(url: str) -> str | None:
    """Why `url` cannot be the listener's base URL (None when it can)."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number from 0 to 65535 raises here
    except ValueError:
        return "expected an absolute http(s) URL like https://sync.example.com"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "expected an absolute http(s) URL with a host, like https://sync.example.com"
    if parts.query or parts.fragment:
        return "expected the listener's base URL without a query or fragment"
    return None


def endpoint(base: str | None, path: str) -> str:
    """The listener URL for `path` under `base` (the placeholder when no base is given)."""
    return (base or PLACEHOLDER).rstrip("/") + path
