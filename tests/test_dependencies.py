"""What gets installed is known to the byte: floors without known advisories, a hashed lock
used by the Docker build and by CI, base images pinned by digest."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.harness import ROOT

#: Floors at the first releases without known advisories (see pyproject.toml).
FLOORS = {"aiohttp": "3.14.3", "jinja2": "3.1.6", "cryptography": "50"}
_PINNED = re.compile(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)", re.MULTILINE)
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def project_requirements() -> list[Requirement]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [Requirement(line) for line in data["project"]["dependencies"]]


def locked(name: str) -> dict[str, str]:
    """{package: version} of a lock file, every entry checked to carry hashes."""
    text = (ROOT / name).read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    for entry in entries:
        assert "--hash=sha256:" in entry, entry.splitlines()[0]
    return {m.group(1).lower(): m.group(2) for m in _PINNED.finditer(text)}


@pytest.mark.parametrize(("package", "floor"), FLOORS.items())
def test_floors_exclude_releases_with_known_advisories(package: str, floor: str) -> None:
    [requirement] = [r for r in project_requirements() if r.name.lower() == package]
    lowest = min(Version(s.version) for s in requirement.specifier if s.operator == ">=")
    assert lowest >= Version(floor)


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_the_locks_pin_every_dependency_with_hashes(lock: str) -> None:
    pins = locked(lock)
    for requirement in project_requirements():
        name = requirement.name.lower()
        assert name in pins, name
        assert requirement.specifier.contains(pins[name]), (name, pins[name])


def test_the_tests_run_on_exactly_the_locked_versions() -> None:
    pins = locked("requirements-dev.lock")
    for requirement in project_requirements():
        assert version(requirement.name) == pins[requirement.name.lower()], requirement.name


def test_docker_and_ci_install_only_from_the_lock() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps --no-build-isolation ." in dockerfile
    script = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements-dev.lock" in script


def test_base_images_are_pinned_by_digest() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    images = re.findall(r"^ARG PYTHON_IMAGE=(\S+)", dockerfile, re.MULTILINE)
    images += [
        image
        for image in re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
        if image != "${PYTHON_IMAGE}"
    ]
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    images += [
        image
        for image in re.findall(r"^\s+image: (\S+)", compose, re.MULTILINE)
        if image != "ua-bot:latest"  # built here, from the Dockerfile above
    ]
    assert images
    for image in images:
        assert _DIGEST.search(image), image
