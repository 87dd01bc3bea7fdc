"""Helpers for the programs tests: write organization files, evaluate them, run the CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from hiecheck.programs.evaluate import evaluate
from hiecheck.programs.evidence_protocol import EvidenceSource
from hiecheck.programs.organization import load_organization
from hiecheck.programs.profile_loader import ProfileSet, load_profiles
from hiecheck.programs.report import Report

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2025, 6, 1)


@pytest.fixture(scope="session")
def profiles() -> ProfileSet:
    """The checkout's program profiles in force on AS_OF."""
    return load_profiles(ROOT / "src" / "hiecheck" / "profiles", AS_OF)


@pytest.fixture
def write_org(tmp_path: Path) -> Callable[[str], Path]:
    """Write an organization file from TOML text; returns its path."""
    counter = iter(range(1000))

    def write(text: str) -> Path:
        path = tmp_path / f"org{next(counter)}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def check_org(write_org: Callable[[str], Path], profiles: ProfileSet) -> Callable[..., Report]:
    """Evaluate organization TOML text against the checkout's profiles."""

    def run(text: str, evidence: EvidenceSource | None = None, strict: bool = False) -> Report:
        org = load_organization(write_org(text))
        return evaluate(org, profiles, AS_OF, evidence, strict=strict)

    return run


