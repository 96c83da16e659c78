"""A target is one Nue tenant + Salesforce org, whatever the config's spelling of its URLs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nuesync.target import Target, canonical_url, is_loopback

ORG = "00D000000000001AAA"


@pytest.mark.parametrize(("spelling", "canonical"), [
    ("https://api.nue.io", "https://api.nue.io"),
    ("https://API.Nue.IO/", "https://api.nue.io"),
    ("HTTPS://api.nue.io:443//", "https://api.nue.io"),
    ("https://api.nue.io:8443/tenant/", "https://api.nue.io:8443/tenant"),
    ("http://localhost:8080", "http://127.0.0.1:8080"),
    ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
    ("http://[::1]:8080", "http://127.0.0.1:8080"),
    ("http://localhost", "http://127.0.0.1"),
])
def test_one_spelling_per_endpoint(spelling: str, canonical: str) -> None:
    assert canonical_url(spelling) == canonical


def test_different_endpoints_stay_different() -> None:
    assert Target.of("https://api.nue.io", ORG) != Target.of("https://eu.api.nue.io", ORG)
    assert Target.of("http://127.0.0.1:1", ORG).key != Target.of("http://127.0.0.1:2", ORG).key
    assert Target.of("https://api.nue.io", ORG).key != Target.of("https://api.nue.io", "00D000000000002AAA").key


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "LOCALHOST"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["api.nue.io", "10.0.0.1", "localhost.evil.com", "128.0.0.1"])
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


@given(st.sampled_from(["https://api.nue.io", "http://localhost:9", "https://x.nue.io:8443/t"]),
       st.sampled_from(["", "/", "//"]))
def test_canonical_spelling_is_stable(url: str, tail: str) -> None:
    once = canonical_url(url + tail)
    assert canonical_url(once) == once
