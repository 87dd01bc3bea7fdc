"""Helpers for the P4P tests: the shipped profiles, input builders and a CLI runner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from hiecheck.p4p.profile import BhhProfile, OhhProfile, PcmhProfile, select_profile

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "src" / "hiecheck" / "profiles"
DATA = Path(__file__).resolve().parent / "data"
OHH_MEASURES = [
    "continuity_pharmacotherapy_oud",
    "community_engagement",
    "access_preventive_ambulatory_care",
]
SEED_OHH = "000_8121c563a748908a.txt"
SEED_BHH = "002_9cfae78d672a94ec.txt"
SEED_PCMH = "004_cf336f47c070f5cf.txt"


@pytest.fixture(scope="session")
def ohh_profile() -> OhhProfile:
    profile = select_profile(PROFILES, "ohh", date(2022, 8, 1))
    assert isinstance(profile, OhhProfile)
    return profile


@pytest.fixture(scope="session")
def bhh_profile() -> BhhProfile:
    profile = select_profile(PROFILES, "bhh", date(2018, 4, 1))
    assert isinstance(profile, BhhProfile)
    return profile


@pytest.fixture(scope="session")
def pcmh_profile() -> PcmhProfile:
    profile = select_profile(PROFILES, "pcmh", date(2020, 1, 1))
    assert isinstance(profile, PcmhProfile)
    return profile


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture()
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write CSV text (or bytes) to a temp file and return its path."""

    def write(text: str | bytes, name: str = "input.csv") -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


def seed_text(seeds_dir: Path, name: str) -> str:
    """A seed document as one line of single-spaced text (quotes straightened)."""
    text = (seeds_dir / name).read_text(encoding="utf-8")
    text = text.translate(str.maketrans({"“": '"', "”": '"', "’": "'", "–": "-"}))
    return " ".join(text.replace("\\$", "$").replace("*", "").split())


@pytest.fixture(scope="session")
def seed() -> Callable[[Path, str, str], None]:
    """Assert that a test's quoted sentence is in the seed (the rule it tests comes from it)."""

    def check(seeds_dir: Path, name: str, sentence: str) -> None:
        wanted = " ".join(
            sentence.translate(str.maketrans({"“": '"', "”": '"', "’": "'", "–": "-"})).split()
        )
        assert wanted in seed_text(seeds_dir, name), f"not in {name}: {sentence}"

    return check
