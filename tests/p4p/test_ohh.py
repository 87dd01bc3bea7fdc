"""OHH pay-for-performance: composite, 27% minimum, 34% excellence, withhold and bonus pool."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from hiecheck.p4p.models import Counts, OhhProviderInput
from hiecheck.p4p.ohh import composite, score_ohh, status_for
from hiecheck.p4p.profile import OhhProfile

MEASURES = (
    "continuity_pharmacotherapy_oud",
    "community_engagement",
    "access_preventive_ambulatory_care",
)


def provider(
    provider_id: str, counts: tuple[tuple[int, int], ...], payments: str | None = "100000"
) -> OhhProviderInput:
    return OhhProviderInput(
        provider_id=provider_id,
        row=2,
        measures={
            m: Counts(numerator=n, denominator=d)
            for m, (n, d) in zip(MEASURES, counts, strict=True)
        },
        ohh_payments=Decimal(payments) if payments is not None else None,
    )


def score(providers: list[OhhProviderInput], profile: OhhProfile, **kw: str):  # type: ignore[no-untyped-def]
    return score_ohh(
        providers,
        profile,
        method=kw.get("method", "pooled"),  # type: ignore[arg-type]
        bonus_split=kw.get("split", "proportional"),  # type: ignore[arg-type]
        as_of=date(2023, 1, 1),
    )


def test_composite_is_pooled_over_the_three_measures_by_default() -> None:
    """Seed 000: "The initial roll-out of P4P utilizes two benchmarks (see below) which represent
    the composite score of the above performance measures."
    Pooled: Σ numerators / Σ denominators."""
    p = provider("A", ((10, 20), (5, 50), (15, 30)))
    assert composite(p, "pooled") == Fraction(30 * 100, 100)
    assert composite(p, "mean-of-rates") == (Fraction(50) + Fraction(10) + Fraction(50)) / 3


def test_mean_of_rates_skips_measures_without_members() -> None:
    p = provider("A", ((10, 20), (0, 0), (15, 30)))
    assert composite(p, "mean-of-rates") == 50
    assert composite(provider("Z", ((0, 0), (0, 0), (0, 0))), "pooled") is None


def test_exactly_27_percent_meets_the_minimum_and_releases_the_4_percent(
    ohh_profile: OhhProfile,
) -> None:
    """Seed 000: "The “minimum performance threshold” is a composite score of 27%." / "When an OHH
    provider meets this minimum, they will receive the balance of their full OHH reimbursement
    (the remaining 4% of the rate)." """
    at = provider("AT", ((27, 100), (27, 100), (27, 100)), "250000")
    below = provider("BELOW", ((27, 100), (27, 100), (26, 100)), "250000")
    report = score([at, below], ohh_profile)
    at_r, below_r = report.providers
    assert at_r.status == "meets-minimum"
    assert (at_r.withhold, at_r.withhold_released, at_r.withhold_kept) == (
        Decimal("10000.00"),
        Decimal("10000.00"),
        Decimal("0.00"),
    )
    assert below_r.status == "below-minimum"
    assert (below_r.withhold_released, below_r.withhold_kept) == (
        Decimal("0.00"),
        Decimal("10000.00"),
    )


def test_exactly_34_percent_is_bonus_eligible(ohh_profile: OhhProfile) -> None:
    """Seed 000: "The “excellence performance threshold” is a composite score of 34%." / "When an
    OHH provider meets this threshold, they are eligible to receive a bonus payment, when funding
    is available." """
    assert status_for(Fraction(34), ohh_profile) == "excellence"
    assert status_for(Fraction(3399, 100), ohh_profile) == "meets-minimum"
    assert status_for(Fraction(27), ohh_profile) == "meets-minimum"
    assert status_for(Fraction(2699, 100), ohh_profile) == "below-minimum"
    report = score([provider("X", ((34, 100), (34, 100), (34, 100)))], ohh_profile)
    assert report.providers[0].bonus_eligible
    assert "when funding is available" in report.profile.citations[4].quote


def test_bonus_pool_is_funded_by_providers_below_the_minimum(ohh_profile: OhhProfile) -> None:
    """Seed 000: "Eligible funding is dependent on how many OHHs, if any, are below the minimum
    performance threshold thereby releasing funds for higher performers." Proportional split."""
    low1 = provider("L1", ((10, 100), (10, 100), (10, 100)), "100000")  # withhold 4000 kept
    low2 = provider("L2", ((20, 100), (20, 100), (20, 100)), "50000")  # withhold 2000 kept
    mid = provider("M", ((30, 100), (30, 100), (30, 100)), "100000")
    top1 = provider("T1", ((40, 100), (40, 100), (40, 100)), "300000")
    top2 = provider("T2", ((50, 100), (50, 100), (50, 100)), "100000")
    report = score([low1, low2, mid, top1, top2], ohh_profile)
    assert report.bonus_pool == Decimal("6000.00")
    shares = {p.provider_id: p.bonus_share for p in report.providers}
    assert shares == {
        "L1": None,
        "L2": None,
        "M": None,
        "T1": Decimal("4500.00"),
        "T2": Decimal("1500.00"),
    }
    equal = score([low1, low2, mid, top1, top2], ohh_profile, split="equal")
    assert {p.provider_id: p.bonus_share for p in equal.providers if p.bonus_eligible} == {
        "T1": Decimal("3000.00"),
        "T2": Decimal("3000.00"),
    }
    assert "when funding is available" in report.bonus_pool_note


def test_no_provider_below_minimum_means_no_bonus_funding(ohh_profile: OhhProfile) -> None:
    """Seed 000: "Eligible funding is dependent on how many OHHs, if any, are below the minimum
    performance threshold" — none below, no pool."""
    report = score([provider("T", ((40, 100), (40, 100), (40, 100)))], ohh_profile)
    assert report.bonus_pool == Decimal("0.00")
    assert report.providers[0].bonus_share == Decimal("0.00")
    assert "no funds" in report.bonus_pool_note


def test_report_shows_assessment_period_method_and_thresholds(ohh_profile: OhhProfile) -> None:
    """Seed 000, footnote 1: "Using an assessment period of 4/1/2021 - 3/31/2022." """
    report = score([provider("A", ((1, 2), (1, 2), (1, 2)))], ohh_profile, method="mean-of-rates")
    assert report.benchmark_assessment_period == "2021-04-01..2022-03-31"
    assert report.composite_method == "mean-of-rates"
    assert (report.minimum_threshold_percent, report.excellence_threshold_percent) == (27, 34)
    assert report.profile.version == ohh_profile.version


def test_what_if_pooled_counts_members_to_each_threshold(ohh_profile: OhhProfile) -> None:
    report = score([provider("B", ((20, 100), (10, 100), (20, 100)))], ohh_profile)
    what_if = {w.target: w.add_members for w in report.providers[0].what_if}
    assert what_if == {"minimum": 31, "excellence": 52}  # 81/300 = 27%, 102/300 = 34%


def test_what_if_mean_of_rates_uses_smallest_denominators_first(ohh_profile: OhhProfile) -> None:
    p = provider("S", ((20, 100), (2, 10), (20, 100)))  # mean 20%
    report = score([p], ohh_profile, method="mean-of-rates")
    first = report.providers[0].what_if[0]
    assert first.target == "minimum"
    # Each member on the 10-member measure adds 10/3 points; 3 members lift the mean to 30%.
    assert first.add_members == 3
    assert [(a.measure, a.add_members) for a in first.allocations] == [("community_engagement", 3)]


def test_without_payments_amounts_are_not_computed(ohh_profile: OhhProfile) -> None:
    report = score([provider("A", ((1, 10), (1, 10), (1, 10)), None)], ohh_profile)
    assert report.bonus_pool is None and report.providers[0].withhold is None
    assert not report.payments_given
