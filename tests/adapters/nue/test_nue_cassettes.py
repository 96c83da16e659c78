"""Secrets never reach a cassette: every committed cassette is scanned, and a fresh recording made
here proves the scrubbing works end to end (request headers, bodies, and the emulator's host)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import vcr
from nue_scenarios import NUE_KEY_ENV, RECORDING_KEY, nue_settings

from nuesync.adapters.nue import NueAdapter
from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.server import RunningServer
from tests.conftest import SCRUBBED

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes"

_SCRUBBED = re.escape(SCRUBBED)
# Anything that looks like a live credential, whichever system recorded it.
SECRET_PATTERNS = {
    "an emulator API key": re.compile(r"sandbox-key-[0-9a-z-]+"),
    "a nue-api-key header value": re.compile(rf"nue-api-key:\s*\n\s*-\s*(?!'?{_SCRUBBED})\S"),
    "a bearer token": re.compile(rf"Bearer\s+(?!{_SCRUBBED})[\w.!-]{{8,}}"),
    "a Salesforce session id": re.compile(r"00D\w{12,15}![\w.]{20,}"),
    "a secret JSON field": re.compile(
        r'"(?:access_token|sessionId|session_id|api_key|apiKey|client_secret|password|refresh_token)"\s*:\s*'
        rf'"(?!{_SCRUBBED})[^"]+'
    ),
}


def cassette_files() -> list[Path]:
    return sorted(path for path in CASSETTES.rglob("*") if path.is_file())


def leaks(text: str) -> list[str]:
    return [what for what, pattern in SECRET_PATTERNS.items() if pattern.search(text)]


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: str(p.relative_to(CASSETTES)))
def test_no_cassette_holds_a_secret(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")

    assert leaks(text) == []
    assert RECORDING_KEY not in text


@pytest.mark.parametrize("path", sorted(CASSETTES.glob("test_nue_*/*")), ids=lambda p: p.name)
def test_nue_cassettes_name_no_local_host(path: Path) -> None:
    assert "127.0.0.1" not in path.read_text(encoding="utf-8")


def test_the_scanner_finds_what_it_looks_for() -> None:
    planted = 'nue-api-key:\n      - live-key-123\n{"apiKey": "abc"} Authorization: Bearer 00Dxx0000001gPL!AQ4AQ.x'

    assert set(leaks(planted)) == {"a nue-api-key header value", "a bearer token", "a secret JSON field"}
    assert leaks("nue-api-key:\n      - 'REDACTED'") == []


def test_a_fresh_recording_is_scrubbed(
    tmp_path: Path,
    nue: NueSandbox,
    served: RunningServer,
    vcr_config: dict[str, Any],
) -> None:
    nue.seed_synthetic(1, lines_per_order=1)
    recorder = vcr.VCR(**vcr_config, record_mode="all")

    with (
        recorder.use_cassette(str(tmp_path / "fresh.yaml")),
        NueAdapter(nue_settings(served.url), environ={NUE_KEY_ENV: nue.api_key}) as adapter,
    ):
        assert len(adapter.fetch_orders().orders) == 1
    text = (tmp_path / "fresh.yaml").read_text()

    assert nue.api_key not in text and SCRUBBED in text
    assert "127.0.0.1" not in text and "https://sandbox.invalid/async/graphql" in text
    assert leaks(text) == []
