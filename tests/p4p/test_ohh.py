"""OHH pay-for-performance: composite, 27% minimum, 34% excellence, withhold and bonus pool.

Expected values are worked out here from the seed's numbers (27%, 34%, the remaining 4%), not
taken from the code under test."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hiecheck.p4p.inputs import Counts, OhhInput
from hiecheck.p4p.models import OhhDocument, document
from hiecheck.p4p.ohh import composite, score_ohh, status_for
from hiecheck.p4p.profile import OhhProfile

from .conftest import OHH_MEASURES, SEED_OHH

CENT = Decimal("0.01")


def score(
    profile: OhhProfile,
    providers: list[tuple[str, tuple[tuple[int, int], ...], str | None]],
    **kw: str,
) -> OhhDocument:
    given = OhhInput.build(OHH_MEASURES, providers, basis=kw.get("basis", "gross"))  # type: ignore[arg-type]
    result = document(
        score_ohh(
            given,
            profile,
            method=kw.get("method", "pooled"),  # type: ignore[arg-type]
            bonus_split=kw.get("split", "proportional"),  # type: ignore[arg-type]
            as_of=date(2023, 1, 1),
        )
    )
    assert isinstance(result, OhhDocument)
    return result


def same(rate: int) -> tuple[tuple[int, int], ...]:
    return ((rate, 100), (rate, 100), (rate, 100))


def test_composite_is_pooled_over_the_three_measures_by_default(seed, seeds_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Seed 000: "The initial roll-out of P4P utilizes two benchmarks (see below) which represent
    the composite score of the above performance measures." Pooled: Σ numerators / Σ
    denominators; mean-of-rates: the mean of the rates."""
    seed(seeds_dir, SEED_OHH, "which represent the composite score of the above performance "
         "measures.")
    counts = [Counts(10, 20), Counts(5, 50), Counts(15, 30)]
    pooled = composite(counts, "pooled")
    assert pooled is not None and pooled[0] * 100 == 30 * 100 * pooled[1]  # 30/100 = 30%
    mean = composite(counts, "mean-of-rates")
    assert mean is not None and mean[0] * 3 == (50 + 10 + 50) * mean[1]


def test_exactly_27_percent_meets_the_minimum_and_releases_the_4_percent(
    ohh_profile: OhhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 000: "The “minimum performance threshold” is a composite score of 27%." / "When an OHH
    provider meets this minimum, they will receive the balance of their full OHH reimbursement
    (the remaining 4% of the rate).\""""
    seed(seeds_dir, SEED_OHH, "The “minimum performance threshold” is a composite score of 27%.")
    seed(seeds_dir, SEED_OHH, "(the remaining 4% of the rate)")
    gross = Decimal("250000.01")
    withhold = (gross * 4 / 100).quantize(CENT, ROUND_HALF_UP)  # 10000.0004 → 10000.00
    report = score(
        ohh_profile, [("AT", same(27), str(gross)), ("BELOW", ((27, 100), (27, 100), (26, 100)),
                                                     str(gross))]
    )
    at, below = report.providers
    assert at.status == "meets-minimum"
    assert (at.withhold, at.withhold_released, at.withhold_kept) == (withhold, withhold, 0)
    assert below.status == "below-minimum"
    assert (below.withhold_released, below.withhold_kept) == (0, withhold)
    assert at.net_payments == gross.quantize(CENT) - withhold


def test_exactly_34_percent_is_bonus_eligible(  # type: ignore[no-untyped-def]
    ohh_profile: OhhProfile, seed, seeds_dir: Path
) -> None:
    """Seed 000: "The “excellence performance threshold” is a composite score of 34%." / "When an
    OHH provider meets this threshold, they are eligible to receive a bonus payment, when funding
    is available.\""""
    seed(seeds_dir, SEED_OHH, "The “excellence performance threshold” is a composite score of 34%.")
    assert status_for((34, 1), ohh_profile) == "excellence"
    assert status_for((3399, 100), ohh_profile) == "meets-minimum"
    assert status_for((27, 1), ohh_profile) == "meets-minimum"
    assert status_for((2699, 100), ohh_profile) == "below-minimum"
    assert status_for(None, ohh_profile) == "not-scored"
    report = score(ohh_profile, [("X", ((34, 100), (34, 100), (34, 100)), "100")])
    assert report.providers[0].bonus_eligible


def test_bonus_pool_is_funded_by_providers_below_the_minimum(
    ohh_profile: OhhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 000: "Eligible funding is dependent on how many OHHs, if any, are below the minimum
    performance threshold thereby releasing funds for higher performers." Proportional split."""
    seed(seeds_dir, SEED_OHH, "Eligible funding is dependent on how many OHHs, if any, are below "
         "the minimum performance threshold thereby releasing funds for higher performers.")
    providers = [
        ("L1", same(10), "100000"),  # 4000 kept
        ("L2", same(20), "50000"),  # 2000 kept
        ("M", same(30), "100000"),
        ("T1", same(40), "300000"),
        ("T2", same(50), "100000"),
    ]
    report = score(ohh_profile, providers)
    assert report.bonus_pool == Decimal("6000.00") and report.total_kept == Decimal("6000.00")
    shares = {p.provider_id: p.bonus_share for p in report.providers}
    assert shares == {"L1": None, "L2": None, "M": None, "T1": Decimal("4500.00"),
                      "T2": Decimal("1500.00")}
    equal = score(ohh_profile, providers, split="equal")
    assert [p.bonus_share for p in equal.providers if p.bonus_eligible] == [3000, 3000]
    assert report.bonus_pool_state == "shared"


def test_shares_add_up_to_the_pool_exactly(ohh_profile: OhhProfile) -> None:
    """Issue 13: $10,000.00 split three ways must not total $9,999.99 (largest remainder)."""
    low = ("LOW", same(10), "250000")  # 4% = 10,000.00 kept
    tops = [(f"T{i}", same(40), "1000") for i in range(3)]
    report = score(ohh_profile, [low, *tops], split="equal")
    shares = [p.bonus_share for p in report.providers if p.bonus_eligible]
    assert shares == [Decimal("3333.34"), Decimal("3333.33"), Decimal("3333.33")]
    assert sum(shares) == report.bonus_pool == Decimal("10000.00")  # type: ignore[arg-type]
    assert report.bonus_shared == report.bonus_pool


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 10**9), min_size=1, max_size=12),
    st.integers(1, 10**8),
    st.sampled_from(["proportional", "equal"]),
)
def test_shares_are_whole_cents_within_a_cent_and_sum_to_the_pool(
    payments: list[int], kept_cents: int, split: str
) -> None:
    from hiecheck.p4p.exact import largest_remainder

    weights = payments if split == "proportional" else [1] * len(payments)
    parts = largest_remainder(kept_cents, weights)
    assert sum(parts) == kept_cents
    for part, weight in zip(parts, weights, strict=True):
        exact = kept_cents * weight / sum(weights)
        assert abs(part - exact) < 1


def test_the_share_is_an_upper_bound_when_funding_is_available(ohh_profile: OhhProfile) -> None:
    from hiecheck.p4p.letters import OhhLetters, ohh_overview
    from hiecheck.p4p.ohh import score_ohh as run

    given = OhhInput.build(OHH_MEASURES, [("LOW", same(10), "1000"), ("TOP", same(40), "1000")])
    scoring = run(given, ohh_profile, method="pooled", bonus_split="equal", as_of=date(2023, 1, 1))
    letter = [OhhLetters(scoring.report)(p) for p in scoring.providers()][1]
    assert "Bonus share up to $40.00, paid when funding is available." in letter.earned
    assert "upper bound, paid when funding is available" in " ".join(
        ohh_overview(scoring.report).summary
    )


def test_a_provider_with_no_members_is_not_scored_as_bhh_reads_it(
    ohh_profile: OhhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 000: "Eligible funding is dependent on how many OHHs, if any, are below the minimum
    performance threshold" — a provider with every denominator 0 is not below it: its withhold is
    released, it funds no pool and is not eligible (reading not-scored, the same as BHH)."""
    seed(seeds_dir, SEED_OHH, "are below the minimum performance threshold")
    report = score(ohh_profile, [("EMPTY", ((0, 0), (0, 0), (0, 0)), "100000"),
                                 ("TOP", same(40), "100000")])
    empty, top = report.providers
    assert empty.status == "not-scored" and empty.composite_percent is None
    assert (empty.withhold_kept, empty.withhold_released) == (0, Decimal("4000.00"))
    assert not empty.bonus_eligible and report.bonus_pool == 0 and top.bonus_share == 0
    assert report.counts["not-scored"] == 1
    readings = {r.id for r in ohh_profile.readings}
    assert "not-scored" in readings


def test_net_payments_give_the_gross_and_the_withhold(ohh_profile: OhhProfile) -> None:
    """Remittances show net amounts: net = 96% of gross, so the withhold is net × 4 / 96."""
    report = score(ohh_profile, [("A", same(10), "96000"), ("B", same(10), "1.00")], basis="net")
    a, b = report.providers
    assert (a.gross_payments, a.withhold, a.net_payments) == (100000, 4000, 96000)
    withhold = (Decimal("1.00") * 4 / 96).quantize(CENT, ROUND_HALF_UP)  # 0.041666 → 0.04
    assert (b.withhold, b.gross_payments) == (withhold, Decimal("1.00") + withhold)
    assert report.payments_basis == "net"


def test_what_if_in_members_per_measure_and_money(ohh_profile: OhhProfile) -> None:
    """Issue 13: per measure, members to lift the composite to 27% (releasing the withhold) and
    34%. 50 of 300 now; 27% of 300 = 81 → 31 more; 34% of 300 = 102 → 52 more."""
    report = score(ohh_profile, [("B", ((20, 100), (10, 100), (20, 100)), "180000")])
    low, high = report.providers[0].what_if
    assert (low.target, low.add_members, low.withhold_released) == ("minimum", 31, 7200)
    assert low.by_measure == dict.fromkeys(OHH_MEASURES, 31)
    assert (high.target, high.add_members) == ("excellence", 52)
    # A measure with too little room cannot carry them alone: 95/100 leaves room for 5.
    tight = score(ohh_profile, [("T", ((95, 100), (0, 100), (0, 100)), "1000")])
    first = tight.providers[0].what_if[0]  # 95/300 = 31.67%: only excellence is left
    assert first.target == "excellence" and first.add_members == 7  # 102 − 95
    assert first.by_measure == {OHH_MEASURES[0]: None, OHH_MEASURES[1]: 7,
                                OHH_MEASURES[2]: 7}


def test_what_if_mean_of_rates_uses_smallest_denominators_first(ohh_profile: OhhProfile) -> None:
    report = score(ohh_profile, [("S", ((20, 100), (2, 10), (20, 100)), "1000")],
                   method="mean-of-rates")  # mean 20%
    first = report.providers[0].what_if[0]
    # Each member on the 10-member measure adds 10/3 points: 3 lift the mean to 30% ≥ 27%.
    assert (first.target, first.add_members) == ("minimum", 3)
    assert first.plan == {"community_engagement": 3}
    # Alone: 21 more on a 100-member measure (+21/3 = 7 points), 3 on the 10-member one.
    assert first.by_measure == {OHH_MEASURES[0]: 21, OHH_MEASURES[1]: 3, OHH_MEASURES[2]: 21}


def test_unreachable_target(ohh_profile: OhhProfile) -> None:
    report = score(ohh_profile, [("U", ((0, 0), (0, 0), (1, 5)), "1000")],
                   method="mean-of-rates")
    assert report.providers[0].status == "below-minimum"
    assert report.providers[0].what_if[0].reachable  # 1/5 → 2/5 = 40%


def test_few_providers_caution(ohh_profile: OhhProfile) -> None:
    """Issue 13: a warning when the file has too few providers for a bonus pool to mean much."""
    report = score(ohh_profile, [("A", same(10), "1000")])
    assert [(c.kind, c.count, c.meaningful) for c in report.cautions] == [
        ("few-providers", 1, ohh_profile.meaningful_providers)
    ]
    many = score(ohh_profile, [(f"P{i}", same(10), "1000") for i in range(10)])
    assert many.cautions == []


def test_report_shows_assessment_period_method_and_thresholds(
    ohh_profile: OhhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 000, footnote 1: "Using an assessment period of 4/1/2021 - 3/31/2022.\""""
    seed(seeds_dir, SEED_OHH, "Using an assessment period of 4/1/2021 - 3/31/2022.")
    report = score(ohh_profile, [("A", ((1, 2), (1, 2), (1, 2)), None)], method="mean-of-rates")
    assert report.benchmark_assessment_period == "2021-04-01..2022-03-31"
    assert report.composite_method == "mean-of-rates"
    assert (report.minimum_threshold_percent, report.excellence_threshold_percent) == (27, 34)
    assert not report.payments_given and report.providers[0].withhold is None
