"""BHH pay-for-performance: screening rate on antipsychotics, 75% threshold, 1% at risk."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from hiecheck.p4p.bhh import score_bhh
from hiecheck.p4p.models import BhhProviderInput, Counts
from hiecheck.p4p.profile import BhhProfile, select_profile

PROFILES = Path(__file__).resolve().parents[2] / "src" / "hiecheck" / "profiles"


def bhh(
    provider_id: str, numerator: int, denominator: int, payments: str = "1000000"
) -> BhhProviderInput:
    return BhhProviderInput(
        provider_id=provider_id,
        row=2,
        counts=Counts(numerator=numerator, denominator=denominator),
        bhh_payments=Decimal(payments),
    )


def test_exactly_75_percent_meets_and_below_recoups_one_percent(bhh_profile: BhhProfile) -> None:
    """Seed 002: "The performance threshold for the quality measure has been set at 75%."
    / "placing one percent of total BHH payments at risk pending performance on a quality
    measure." """
    report = score_bhh(
        [bhh("AT", 75, 100, "400000"), bhh("BELOW", 749, 1000, "123456.78")],
        bhh_profile,
        as_of=date(2020, 1, 1),
    )
    at, below = report.providers
    assert (at.status, at.at_risk, at.recoupment) == ("meets", Decimal("4000.00"), Decimal("0.00"))
    assert below.status == "below"
    assert below.recoupment == Decimal("1234.57")  # 1% of 123,456.78, half-up to cents
    assert report.total_recoupment == Decimal("1234.57")


def test_measure_definition_is_in_the_profile_and_report(bhh_profile: BhhProfile) -> None:
    """Seed 002: "Of the MaineCare members assigned to the BHHO who had two or more fills of
    antipsychotic medication, the percentage of members who had at least one HbA1c or fasting blood
    glucose test." """
    assert "two or more fills of antipsychotic" in bhh_profile.measure.denominator
    assert "HbA1c or fasting blood glucose" in bhh_profile.measure.numerator
    assert (
        "4548-4" in bhh_profile.measure.hba1c_loinc
        and "1558-6" in bhh_profile.measure.glucose_loinc
    )
    report = score_bhh([bhh("A", 1, 2)], bhh_profile, as_of=date(2020, 1, 1))
    assert "two or more fills" in report.measure_definition
    assert report.providers[0].rate_percent == Decimal("50.0000")


def test_p4p_in_force_from_april_2018() -> None:
    """Seed 002: "In April 2018, a Pay-for-Performance (P4P) provision for Behavioral Health Home
    (BHH) providers was implemented" """
    assert select_profile(PROFILES, "bhh", date(2018, 4, 1)).effective_from == date(2018, 4, 1)
    try:
        select_profile(PROFILES, "bhh", date(2018, 3, 31))
    except Exception as exc:
        assert "no bhh profile in force" in str(exc)
    else:
        raise AssertionError("no BHH profile before April 2018")


def test_what_if_members_to_75_percent(bhh_profile: BhhProfile) -> None:
    report = score_bhh([bhh("S", 140, 200), bhh("Z", 0, 0)], bhh_profile, as_of=date(2020, 1, 1))
    below, empty = report.providers
    assert below.what_if[0].add_members == 10  # 150/200 = 75%
    assert empty.status == "not-scored" and empty.recoupment == Decimal("0.00")


def test_measure_basis_and_pmpm_payments_are_recorded(bhh_profile: BhhProfile) -> None:
    """Seed 002: "This measure was designed based upon the American Diabetes Association’s (ADA)
    recommendation: "Annually screen people who are prescribed atypical antipsychotic medications
    for prediabetes or diabetes."" / "Both organizations receive a per member, per month (PMPM)
    payment for Health Home services provided to enrolled members." — the recoupment base is the
    provider's total BHH (PMPM) payments, an input column."""
    assert "Annually screen people" in bhh_profile.measure.basis
    assert any("bhh_payments" in r.text and "PMPM" in r.text for r in bhh_profile.readings)
