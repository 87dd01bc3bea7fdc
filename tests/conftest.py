"""Shared fixtures: the project root, its profiles, and the shared public HL7 corpus."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS_ENV = "HIECHECK_CORPUS"
SEEDS_ENV = "HIECHECK_SEEDS"


@pytest.fixture(scope="session", autouse=True)
def _cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The command line's expression cache (hiecheck.hl7.cache) in a folder of this test run,
    never the user's ~/.cache; child processes inherit it. Set here unless the caller chose one."""
    if "HIECHECK_CACHE_DIR" not in os.environ:
        os.environ["HIECHECK_CACHE_DIR"] = str(tmp_path_factory.mktemp("hiecheck-cache"))


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The checkout's top folder."""
    return ROOT


def _shared_dir(env: str, default: Path) -> Path | None:
    """A shared folder: from ``env`` (must exist when set), else the default beside the checkout."""
    value = os.environ.get(env)
    if value:
        path = Path(value)
        if not path.is_dir():
            pytest.fail(f"{env}={value} is not a directory")
        return path
    return default if default.is_dir() else None


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared public HL7 v2 corpus (``$HIECHECK_CORPUS``; .ci/run sets it)."""
    path = _shared_dir(CORPUS_ENV, ROOT.parent / "shared" / "corpus" / "hl7")
    if path is None:
        pytest.skip(f"shared HL7 corpus not found; set {CORPUS_ENV}")
    return path


@pytest.fixture(scope="session")
def corpus_manifest(corpus_dir: Path) -> list[dict[str, str]]:
    """Rows of the corpus MANIFEST.tsv (file, message_type, version, notes, ...)."""
    with (corpus_dir / "MANIFEST.tsv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The source documents the rules come from (``$HIECHECK_SEEDS``; .ci/run sets it)."""
    path = _shared_dir(SEEDS_ENV, ROOT.parent / "shared" / "seeds")
    if path is None:
        pytest.skip(f"seed documents not found; set {SEEDS_ENV}")
    return path


CliRun = Callable[..., subprocess.CompletedProcess[str]]


def run_hiecheck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m hiecheck ARGS`` with the checkout's profiles and wide output; capture it."""
    env = {k: v for k, v in os.environ.items() if k != "HIECHECK_PROFILES"}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "hiecheck", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
    )


@pytest.fixture(scope="session")
def cli() -> CliRun:
    """The command line in a subprocess: ``cli("check", "org.toml", cwd=folder)``."""
    return run_hiecheck
