"""Helpers for the evidence tests: organization files, sample message sets, check with messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from hiecheck.evidence.assess import MessageEvidence, role_titles
from hiecheck.evidence.collect import Collected, collect
from hiecheck.evidence.profile import load_evidence_profile
from hiecheck.programs.evaluate import evaluate
from hiecheck.programs.organization import load_organization
from hiecheck.programs.profile_loader import ProfileSet, load_profiles
from hiecheck.programs.report import Report

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_messages"
SETS = SAMPLES / "sets"
EXAMPLE_ORG = SAMPLES / "example-family-practice.toml"
AS_OF = date(2025, 6, 1)

# Distinctive values from the sample messages: they must never appear in a report (PHI).
PHI_VALUES = ("TESTPATIENT", "ALPHA", "EXAMPLE ST", "19580312", "EX1001", "5550101", "PORTLAND")

PARTICIPANT = "[hie]\nparticipant = true\n"
REALTIME_ADT = (
    '[hie]\nparticipant = true\ninterfaces = [{ kind = "adt", realtime = true, content = '
    '["demographics", "encounter", "diagnosis_coding", "procedure_coding"] }]\n'
)
ALL_DECLARED = (
    "[hie]\nparticipant = true\nclinical_portal_access = true\nletter_of_direction = true\n"
    'interfaces = [{ kind = "adt", realtime = true, content = ["demographics", "encounter", '
    '"diagnosis_coding", "procedure_coding", "vital_signs", "lab_results"] }]\n'
)

ENROLLMENT = {
    "ac": 'program = "ac"\nincentives_sought = ["harp-attributed-members"]',
    "cct": 'program = "cct"\nhome_provider = false',
    "cct-home": 'program = "cct"\nhome_provider = true',
    "bhh": 'program = "bhh"',
    "ohh-uninsured": 'program = "ohh"\ncontract = "uninsured"',
    "ohh-insured": 'program = "ohh"\ncontract = "insured"',
    "pcplus-tier1": 'program = "pcplus"\ntier_sought = 1',
    "pcplus-tier2": 'program = "pcplus"\ntier_sought = 2',
    "pcplus-tier3": 'program = "pcplus"\ntier_sought = 3',
    "dsnp-ma-payer": 'program = "dsnp"\nrole = "ma_payer"',
    "dsnp-ltc": 'program = "dsnp"\nrole = "ltc_facility"',
    "dsnp-sca": 'program = "dsnp"\nrole = "sca_provider"',
}


def org_text(role: str, hie: str = REALTIME_ADT, name: str = "Test Org") -> str:
    """An organization file enrolled in the program of ``role`` with the [hie] table ``hie``."""
    return f'name = "{name}"\n[[enrollment]]\n{ENROLLMENT[role]}\n{hie}'


@pytest.fixture(scope="session")
def profiles() -> ProfileSet:
    """The checkout's program profiles in force on AS_OF."""
    return load_profiles(ROOT / "src" / "hiecheck" / "profiles", AS_OF)


@pytest.fixture(scope="session")
def collected() -> Callable[..., Collected]:
    """Tally message paths (cached per tuple of paths)."""
    cache: dict[tuple[str, ...], Collected] = {}
    profile = load_evidence_profile(ROOT / "src" / "hiecheck" / "profiles")

    def run(*paths: Path | str, jobs: int = 1) -> Collected:
        key = (*map(str, paths), str(jobs))
        if key not in cache:
            cache[key] = collect([str(p) for p in paths], profile, jobs=jobs)
        return cache[key]

    return run


@pytest.fixture
def check(
    tmp_path: Path, profiles: ProfileSet, collected: Callable[..., Collected]
) -> Callable[..., Report]:
    """Evaluate organization TOML text, with evidence from ``messages`` when given."""
    counter = iter(range(1000))

    def run(text: str, *messages: Path | str, strict: bool = False) -> Report:
        path = tmp_path / f"org{next(counter)}.toml"
        path.write_text(text, encoding="utf-8")
        org = load_organization(path)
        evidence = None
        if messages:
            evidence = MessageEvidence(collected(*messages), org.org, role_titles(profiles))
        return evaluate(org, profiles, AS_OF, evidence, strict=strict)

    return run




@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The constants and helpers above, for test modules (conftest is not importable)."""
    return SimpleNamespace(
        ROOT=ROOT,
        SAMPLES=SAMPLES,
        SETS=SETS,
        EXAMPLE_ORG=EXAMPLE_ORG,
        PHI_VALUES=PHI_VALUES,
        PARTICIPANT=PARTICIPANT,
        REALTIME_ADT=REALTIME_ADT,
        ALL_DECLARED=ALL_DECLARED,
        org_text=org_text,
    )
