"""BHH pay-for-performance: screening rate on antipsychotics, 75% threshold, 1% at risk."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from hiecheck.errors import InputError
from hiecheck.p4p.bhh import score_bhh
from hiecheck.p4p.inputs import BhhInput
from hiecheck.p4p.models import BhhDocument, document
from hiecheck.p4p.profile import BhhProfile, select_profile

from .conftest import PROFILES, SEED_BHH


def score(profile: BhhProfile, rows: list[tuple[str, int, int, str | None]]) -> BhhDocument:
    result = document(score_bhh(BhhInput.build(rows), profile, as_of=date(2020, 1, 1)))
    assert isinstance(result, BhhDocument)
    return result


def test_exactly_75_percent_meets_and_below_recoups_one_percent(
    bhh_profile: BhhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 002: "The performance threshold for the quality measure has been set at 75%." /
    "placing one percent of total BHH payments at risk pending performance on a quality
    measure.\""""
    seed(seeds_dir, SEED_BHH, "The performance threshold for the quality measure has been set "
         "at 75%.")
    seed(seeds_dir, SEED_BHH, "placing one percent of total BHH payments at risk pending "
         "performance on a quality measure.")
    payments = Decimal("123456.78")
    one_percent = (payments / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)  # 1234.5678 → .57
    report = score(bhh_profile, [("AT", 75, 100, "400000"), ("BELOW", 749, 1000, str(payments))])
    at, below = report.providers
    assert (at.status, at.at_risk, at.recoupment) == ("meets", Decimal("4000.00"), 0)
    assert (below.status, below.recoupment) == ("below", one_percent)
    assert report.total_recoupment == one_percent
    assert report.total_at_risk == Decimal("4000.00") + one_percent


def test_measure_definition_is_in_the_profile_and_report(
    bhh_profile: BhhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 002: "Of the MaineCare members assigned to the BHHO who had two or more fills of
    antipsychotic medication, the percentage of members who had at least one HbA1c or fasting
    blood glucose test.\""""
    seed(seeds_dir, SEED_BHH, "Of the MaineCare members assigned to the BHHO who had two or more "
         "fills of antipsychotic medication, the percentage of members who had at least one "
         "HbA1c or fasting blood glucose test.")
    assert "two or more fills of antipsychotic" in bhh_profile.measure.denominator
    assert "HbA1c or fasting blood glucose" in bhh_profile.measure.numerator
    assert "4548-4" in bhh_profile.measure.hba1c_loinc
    assert "1558-6" in bhh_profile.measure.glucose_loinc
    report = score(bhh_profile, [("A", 1, 2, None)])
    assert "two or more fills" in report.measure_definition
    assert report.providers[0].rate_percent == Decimal("50.0000")


def test_p4p_in_force_from_april_2018(seed, seeds_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Seed 002: "In April 2018, a Pay-for-Performance (P4P) provision for Behavioral Health Home
    (BHH) providers was implemented\""""
    seed(seeds_dir, SEED_BHH, "In April 2018, a Pay-for-Performance (P4P) provision for "
         "Behavioral Health Home (BHH) providers was implemented")
    assert select_profile(PROFILES, "bhh", date(2018, 4, 1)).effective_from == date(2018, 4, 1)
    with pytest.raises(InputError, match="no bhh profile in force"):
        select_profile(PROFILES, "bhh", date(2018, 3, 31))


def test_what_if_members_to_75_percent_and_the_recoupment_avoided(
    bhh_profile: BhhProfile,
) -> None:
    """Issue 13: how many more of the members already in the denominator need a test for 75%,
    and the recoupment that avoids. 140/200 now; 75% of 200 = 150 → 10 more."""
    report = score(bhh_profile, [("S", 140, 200, "980000"), ("T", 149, 199, "100")])
    s, t = report.providers
    assert s.what_if is not None
    assert (s.what_if.add_members, s.what_if.recoupment_avoided) == (10, Decimal("9800.00"))
    assert t.what_if is not None and t.what_if.add_members == 1  # 150/199 = 75.4%


def test_no_member_in_the_denominator_is_not_scored_as_ohh_reads_it(
    bhh_profile: BhhProfile,
) -> None:
    """A provider without denominator members: no performance to measure, nothing recouped;
    the same reading (not-scored) as an OHH provider with every denominator 0."""
    report = score(bhh_profile, [("Z", 0, 0, "500000")])
    z = report.providers[0]
    assert (z.status, z.recoupment, z.what_if) == ("not-scored", 0, None)
    assert "not-scored" in {r.id for r in bhh_profile.readings}


def test_measure_basis_and_pmpm_payments_are_recorded(
    bhh_profile: BhhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 002: "This measure was designed based upon the American Diabetes Association’s (ADA)
    recommendation" / "Both organizations receive a per member, per month (PMPM) payment for
    Health Home services provided to enrolled members." — the recoupment base is the provider's
    total BHH (PMPM) payments, an input column."""
    seed(seeds_dir, SEED_BHH, "Both organizations receive a per member, per month (PMPM) payment "
         "for Health Home services provided to enrolled members.")
    assert "Annually screen people" in bhh_profile.measure.basis
    assert any("bhh_payments" in r.text and "PMPM" in r.text for r in bhh_profile.readings)
