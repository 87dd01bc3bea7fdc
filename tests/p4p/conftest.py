"""Helpers for the P4P tests: the shipped profiles, input builders and a CLI runner."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hiecheck.p4p.models import Counts, PcmhPracticeInput
from hiecheck.p4p.profile import BhhProfile, OhhProfile, PcmhProfile, select_profile

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "src" / "hiecheck" / "profiles"
DATA = Path(__file__).resolve().parent / "data"


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


def practice(
    practice_id: str,
    measures: dict[str, tuple[int, int]],
    *,
    ncqa: bool = True,
    full_year: bool = True,
    members: str = "1000",
) -> PcmhPracticeInput:
    """A PCMH practice-year from (numerator, denominator) pairs."""
    from decimal import Decimal

    return PcmhPracticeInput(
        practice_id=practice_id,
        row=2,
        measures={m: Counts(numerator=n, denominator=d) for m, (n, d) in measures.items()},
        ncqa_recognized=ncqa,
        full_year=full_year,
        annualized_members=Decimal(members),
    )


@pytest.fixture()
def make_practice():  # type: ignore[no-untyped-def]
    return practice


@pytest.fixture()
def write_csv(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write CSV text (or bytes) to a temp file and return its path."""

    def write(text: str | bytes, name: str = "input.csv") -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write
