"""`nuesync sandbox serve`: starts both emulators, writes a working config, ends cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from nuesync.errors import ExitCode
from tests.helpers import invoke


def test_serve_writes_config_and_info_and_stops_cleanly(tmp_path: Path) -> None:
    config, info = tmp_path / "sandbox.toml", tmp_path / "sandbox.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "nuesync", "sandbox", "serve", "--seed", "demo", "--write-config", str(config),
         "--info-file", str(info)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        details = json.loads(info.read_text())
        assert details["salesforce"]["instance_url"].startswith("https://127.0.0.1:")
        assert details["salesforce"]["api_version"] == "62.0"
        assert details["nue"]["base_url"].startswith("http://127.0.0.1:")
        env = {"NUESYNC_SANDBOX_SF_SESSION_ID": details["salesforce"]["session_id"],
               "NUESYNC_SANDBOX_NUE_API_KEY": details["nue"]["api_key"]}
        result = invoke(["--config", str(config), "--json", "diff"], env=env)
        assert result.code == ExitCode.DIFFERENCES, result.stderr
        assert result.json()["counts"]["only_in_nue"] == 1
        assert details["salesforce"]["session_id"] not in config.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "export NUESYNC_SANDBOX_NUE_API_KEY=" in out


def test_a_bad_seed_is_a_usage_error() -> None:
    result = invoke(["sandbox", "serve", "--seed", "lots"])
    assert result.code == ExitCode.USAGE
    assert "--seed" in result.stderr
