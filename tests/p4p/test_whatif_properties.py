"""What-if answers are exact: the members found reach the target and one fewer does not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from hiecheck.p4p.exact import reaches
from hiecheck.p4p.models import Counts, PcmhPracticeInput
from hiecheck.p4p.pcmh import peer_scores, score_pcmh
from hiecheck.p4p.percentile import METHODS, PeerScores, percentile_rank
from hiecheck.p4p.profile import PcmhProfile, select_profile
from hiecheck.p4p.whatif import members_to_mean_rate, members_to_rate

TARGETS = st.sampled_from([Fraction(27), Fraction(34), Fraction(75), Fraction(1, 3), Fraction(100)])


@st.composite
def counts(draw: st.DrawFn) -> Counts:
    denominator = draw(st.integers(min_value=1, max_value=500))
    return Counts(numerator=draw(st.integers(0, denominator)), denominator=denominator)


@given(counts(), TARGETS)
def test_members_to_rate_is_the_fewest(c: Counts, target: Fraction) -> None:
    need = members_to_rate(c.numerator, c.denominator, target)
    assert need is not None  # targets ≤ 100% are always reachable by adding members
    assert Fraction((c.numerator + need) * 100, c.denominator) >= target
    if need:
        assert Fraction((c.numerator + need - 1) * 100, c.denominator) < target


def _mean(measures: dict[str, Counts], added: dict[str, int]) -> Fraction:
    rates = [Fraction(c.numerator + added.get(m, 0), c.denominator) for m, c in measures.items()]
    return sum(rates, Fraction(0)) * 100 / len(rates)


@given(st.lists(counts(), min_size=1, max_size=4), TARGETS)
def test_members_to_mean_rate_reaches_and_is_minimal(items: list[Counts], target: Fraction) -> None:
    measures = {f"m{i}": c for i, c in enumerate(items)}
    plan = members_to_mean_rate(measures, target)
    assert plan is not None
    assert _mean(measures, plan) >= target
    assert all(plan[m] <= measures[m].denominator - measures[m].numerator for m in plan)
    total = sum(plan.values())
    if total:
        # No plan with one member fewer reaches the target: the best such plan takes members
        # from the largest per-member gains first, i.e. the smallest denominators.
        best: dict[str, int] = {}
        left = total - 1
        for m, c in sorted(measures.items(), key=lambda kv: kv[1].denominator):
            take = min(left, c.denominator - c.numerator)
            best[m] = take
            left -= take
        assert _mean(measures, best) < target


PROFILES = Path(__file__).resolve().parents[2] / "src" / "hiecheck" / "profiles"
SIZES = st.tuples(
    st.integers(30, 120), st.integers(0, 120), st.integers(30, 120), st.integers(0, 120)
)


def _mean_with(
    peers: dict[str, PeerScores],
    practice: PcmhPracticeInput,
    measure: str,
    add: int,
    method: str,
) -> Fraction:
    """The two-measure mean percentile after adding ``add`` members to ``measure`` alone."""
    total = Fraction(0)
    for name, c in practice.measures.items():
        old = Fraction(c.numerator * 100, c.denominator)
        extra = add if name == measure else 0
        new = Fraction((c.numerator + extra) * 100, c.denominator)
        total += percentile_rank(peers[name], new, method, moved_from=old)  # type: ignore[arg-type]
    return total / len(practice.measures)


@given(st.lists(SIZES, min_size=2, max_size=12), st.sampled_from(METHODS))
def test_table_a_what_if_reaches_band_and_one_fewer_does_not(
    rows: list[tuple[int, int, int, int]], method: str
) -> None:
    profile = select_profile(PROFILES, "pcmh", date(2020, 1, 1))
    assert isinstance(profile, PcmhProfile)
    practices = [
        PcmhPracticeInput(
            practice_id=f"P{i}",
            row=i + 2,
            measures={
                "a": Counts(numerator=min(na, da), denominator=da),
                "b": Counts(numerator=min(nb, db), denominator=db),
            },
            ncqa_recognized=True,
            full_year=True,
            annualized_members=Decimal(100),
        )
        for i, (da, na, db, nb) in enumerate(rows)
    ]
    report = score_pcmh(
        practices,
        None,
        profile,
        method=method,
        improvement_total="all-valid",  # type: ignore[arg-type]
        as_of=date(2020, 1, 1),
    )
    peers = peer_scores(practices, profile.min_denominator)
    for practice, result in zip(practices, report.practices, strict=True):
        for what_if in result.what_if:
            band = next(b for b in profile.table_a if f"Table A: {b.label}" == what_if.target)
            for option in what_if.allocations:
                k = option.add_members
                assert reaches(_mean_with(peers, practice, option.measure, k, method), band)
                assert not reaches(_mean_with(peers, practice, option.measure, k - 1, method), band)
