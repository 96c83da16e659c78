"""The package installs where admins work: metadata complete, the container recipe sound."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_every_runtime_dependency_has_a_lower_and_an_upper_bound() -> None:
    for requirement in PROJECT["dependencies"]:
        assert re.search(r">=[\d.]+", requirement) and re.search(r",<[\d.]+", requirement), requirement


def test_metadata_names_a_licence_platforms_and_python_versions() -> None:
    assert (ROOT / PROJECT["license"]["file"]).is_file()
    classifiers = PROJECT["classifiers"]
    assert {"Operating System :: POSIX :: Linux", "Operating System :: MacOS",
            "Operating System :: Microsoft :: Windows"} <= set(classifiers)
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert PROJECT["urls"]


def test_the_container_runs_the_listener_as_a_non_root_user_with_a_health_check() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert re.search(r'^CMD \[.*"listen"', dockerfile, re.MULTILINE)


def _container_runtime() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    info = subprocess.run([docker, "info"], capture_output=True, timeout=30, check=False)
    return docker if info.returncode == 0 else None


def test_the_image_builds_and_answers_its_health_check(tmp_path: Path) -> None:
    docker = _container_runtime()
    if docker is None:
        pytest.skip("no container runtime here (`docker info` fails): the image is built and smoke-tested only "
                    "where one runs")
    tag = "nuesync-test:latest"
    subprocess.run([docker, "build", "-t", tag, str(ROOT)], check=True, timeout=900)
    version = subprocess.run([docker, "run", "--rm", tag, "--version"], capture_output=True, text=True,
                             check=True, timeout=120)
    assert version.stdout.startswith("nuesync ")
