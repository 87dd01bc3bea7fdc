"""P4P profiles: every number is data, versions are effective-dated and selected by date."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from hiecheck.errors import InputError
from hiecheck.p4p.profile import OhhProfile, load_program_profiles, select_profile

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "src" / "hiecheck" / "profiles"


def _copy_profiles(tmp_path: Path) -> Path:
    target = tmp_path / "profiles"
    shutil.copytree(PROFILES / "p4p", target / "p4p")
    return target


def test_shipped_profiles_load_and_cite_seeds() -> None:
    for program in ("ohh", "bhh", "pcmh"):
        profiles = load_program_profiles(PROFILES, program)
        assert profiles, program
        for _, profile in profiles:
            assert profile.citations
            assert all(c.quote and c.section and c.source for c in profile.citations)


def test_ohh_profile_numbers(ohh_profile: OhhProfile) -> None:
    """Seed 000: "The “minimum performance threshold” is a composite score of 27%." /
    "The “excellence performance threshold” is a composite score of 34%." /
    "(the remaining 4% of the rate)" / footnote 1: "Using an assessment period of 4/1/2021 -
    3/31/2022." / "In August 2022, MaineCare introduced a Pay-for-Performance (P4P) provision"."""
    assert ohh_profile.minimum_threshold_percent == Decimal(27)
    assert ohh_profile.excellence_threshold_percent == Decimal(34)
    assert ohh_profile.withhold_percent == Decimal(4)
    assert ohh_profile.benchmark_assessment_period.start == date(2021, 4, 1)
    assert ohh_profile.benchmark_assessment_period.end == date(2022, 3, 31)
    assert ohh_profile.effective_from == date(2022, 8, 1)


def test_baseline_benchmarks_come_from_before_the_provision(ohh_profile: OhhProfile) -> None:
    """Seed 000: "These baseline benchmarks are based on data from OHH providers before the new
    P4P provision was effective." with footnote 1 "Using an assessment period of 4/1/2021 -
    3/31/2022." The assessment period ends before the profile takes effect."""
    assert ohh_profile.benchmark_assessment_period.end < ohh_profile.effective_from


def test_ohh_profile_names_the_three_measures(ohh_profile: OhhProfile) -> None:
    """Seed 000: "Continuity of Pharmacotherapy for OUD", "Community Engagement", "Access to
    Preventive and Ambulatory Care" — the composite of "the above performance measures"."""
    assert [m.name for m in ohh_profile.measures] == [
        "Continuity of Pharmacotherapy for OUD",
        "Community Engagement",
        "Access to Preventive and Ambulatory Care",
    ]


def test_no_ohh_profile_before_august_2022() -> None:
    """Seed 000: "In August 2022, MaineCare introduced a Pay-for-Performance (P4P) provision
    within the Opioid Health Home (OHH) model." """
    with pytest.raises(InputError, match="no ohh profile in force on 2022-07-31"):
        select_profile(PROFILES, "ohh", date(2022, 7, 31))


def test_rising_benchmarks_are_a_new_effective_dated_version(tmp_path: Path) -> None:
    """Seed 000: "OHH providers should expect to see benchmark expectations increase over time." /
    "This provision will be adapted over time as the Maine Department of Health and Human
    Services, stakeholders, and OHH providers collaboratively assess performance"
    A later version with higher thresholds is selected by date; the old one stays for old dates."""
    folder = _copy_profiles(tmp_path)
    old = (folder / "p4p" / "ohh.toml").read_text(encoding="utf-8")
    (folder / "p4p" / "ohh.toml").write_text(
        old.replace(
            "effective_from = 2022-08-01", "effective_from = 2022-08-01\neffective_to = 2024-06-30"
        ),
        encoding="utf-8",
    )
    newer = old.replace('version = "2022.08-initial"', 'version = "2024.07"')
    newer = newer.replace("effective_from = 2022-08-01", "effective_from = 2024-07-01")
    newer = newer.replace('minimum_threshold_percent = "27"', 'minimum_threshold_percent = "30"')
    (folder / "p4p" / "ohh-2024.toml").write_text(newer, encoding="utf-8")
    early = select_profile(folder, "ohh", date(2023, 1, 1))
    late = select_profile(folder, "ohh", date(2024, 7, 1))
    assert isinstance(early, OhhProfile) and isinstance(late, OhhProfile)
    assert (early.version, early.minimum_threshold_percent) == ("2022.08-initial", Decimal(27))
    assert (late.version, late.minimum_threshold_percent) == ("2024.07", Decimal(30))


def test_overlapping_versions_are_rejected(tmp_path: Path) -> None:
    folder = _copy_profiles(tmp_path)
    text = (folder / "p4p" / "ohh.toml").read_text(encoding="utf-8")
    (folder / "p4p" / "ohh-b.toml").write_text(
        text.replace("effective_from = 2022-08-01", "effective_from = 2023-01-01"),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="overlaps"):
        select_profile(folder, "ohh", date(2023, 6, 1))


def test_profile_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    folder = _copy_profiles(tmp_path)
    path = folder / "p4p" / "bhh.toml"
    path.write_text('colour = "red"\n' + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        select_profile(folder, "bhh", date(2020, 1, 1))
    assert info.value.source.endswith("bhh.toml")
    assert info.value.location == "colour"


def test_pcmh_profile_in_force_only_for_2020_payments() -> None:
    """Seed 004, ATTENTION: "The current program explained above will be effective for the 2020
    payments based on the practice’s performance during calendar year 2019." """
    profile = select_profile(PROFILES, "pcmh", date(2020, 1, 1))
    assert profile.version == "2020-payments"
    with pytest.raises(InputError, match="no pcmh profile in force on 2019-12-31"):
        select_profile(PROFILES, "pcmh", date(2019, 12, 31))


def test_pcmh_2021_methodology_change_means_no_profile() -> None:
    """Seed 004, ATTENTION: "New methodology for the PCMH Performance-Based Payment program will
    change with payments in 2021 based on the practice’s performance during calendar year 2020."
    The new methodology is not in our sources: hiecheck says so instead of reusing 2020 tables."""
    with pytest.raises(InputError) as info:
        select_profile(PROFILES, "pcmh", date(2021, 1, 1))
    message = info.value.one_line()
    assert "no pcmh profile in force on 2021-01-01" in message
    assert "changed with payments in 2021" in message
    assert "\n" not in message


def test_every_reading_cites_the_sentence_it_reads() -> None:
    """Issue 13: each choice cites its seed sentence in the profile (tests/test_citations.py
    checks the quotes word for word) and the report repeats it."""
    for program in ("ohh", "bhh", "pcmh"):
        for _, profile in load_program_profiles(PROFILES, program):
            assert profile.readings
            for reading in profile.readings:
                assert reading.source and reading.quote and reading.section, reading.id


def test_chosen_defaults_are_data_with_their_readings(pcmh_profile, ohh_profile) -> None:  # type: ignore[no-untyped-def]
    assert (pcmh_profile.default_percentile_peers, pcmh_profile.default_band_rounding,
            pcmh_profile.default_improvement_total) == ("others", "nearest", "like-for-like")
    ids = {r.id for r in pcmh_profile.readings}
    assert {"percentile-peers", "table-a-rounding", "borderline", "improvement-total"} <= ids
    assert {"not-scored", "bonus-pool", "withhold-basis"} <= {r.id for r in ohh_profile.readings}
    # The narrowest Table A band (91st – 100th) is 10 whole percentiles wide.
    lows = [int(b.lower) for b in pcmh_profile.table_a]
    assert pcmh_profile.meaningful_peers == min(
        (b - a for a, b in zip(lows[1:], [*lows[2:], 101], strict=True))
    )
