"""What-if answers are exact: the members found reach the target, one fewer does not, and a
measure is left out only when no number of members would do (checked by brute force)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from hiecheck.p4p.inputs import Counts, PcmhInput, PcmhPractice
from hiecheck.p4p.models import PcmhDocument, document
from hiecheck.p4p.pcmh import score_pcmh
from hiecheck.p4p.percentile import METHODS
from hiecheck.p4p.profile import PcmhProfile, select_profile
from hiecheck.p4p.whatif import members_to_mean_rate, members_to_rate

from .conftest import PROFILES

TARGETS = st.sampled_from([Fraction(27), Fraction(34), Fraction(75), Fraction(1, 3), Fraction(100)])


@st.composite
def counts(draw: st.DrawFn) -> Counts:
    denominator = draw(st.integers(min_value=1, max_value=500))
    return Counts(draw(st.integers(0, denominator)), denominator)


@given(counts(), TARGETS)
def test_members_to_rate_is_the_fewest(c: Counts, target: Fraction) -> None:
    need = members_to_rate(c.numerator, c.denominator, (target.numerator, target.denominator))
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
        best: dict[str, int] = {}
        left = total - 1
        for m, c in sorted(measures.items(), key=lambda kv: kv[1].denominator):
            take = min(left, c.denominator - c.numerator)
            best[m] = take
            left -= take
        assert _mean(measures, best) < target


def _percentile(own: Fraction, others: list[Fraction], method: str, peers: str) -> Fraction:
    """The percentile by its definition (reading 'percentile'), with Fractions."""
    below = sum(1 for o in others if o < own)
    equal = sum(1 for o in others if o == own)
    share = {"midrank": Fraction(1, 2), "strict-below": Fraction(0), "inclusive": Fraction(1)}
    count = len(others)
    if peers == "all":
        equal += 1
        count += 1
    return (below + share[method] * equal) * 100 / count


def _band(mean: Fraction, profile: PcmhProfile, rounding: str) -> int:
    value = Fraction(int(mean + Fraction(1, 2))) if rounding == "nearest" else mean
    return max(i for i, b in enumerate(profile.table_a) if value >= Fraction(b.lower))


SIZES = st.tuples(st.integers(30, 90), st.integers(0, 90), st.integers(30, 90), st.integers(0, 90))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(SIZES, min_size=2, max_size=9),
    st.sampled_from(METHODS),
    st.sampled_from(["others", "all"]),
    st.sampled_from(["nearest", "down"]),
)
def test_table_a_what_if_is_the_fewest_and_complete(
    rows: list[tuple[int, int, int, int]], method: str, peers: str, rounding: str
) -> None:
    profile = select_profile(PROFILES, "pcmh", date(2020, 1, 1))
    assert isinstance(profile, PcmhProfile)
    practices = [
        PcmhPractice(f"P{i}", {"a": (min(na, da), da), "b": (min(nb, db), db)})
        for i, (da, na, db, nb) in enumerate(rows)
    ]
    report = document(score_pcmh(
        PcmhInput.build(practices), None, profile, method=method, peers=peers,  # type: ignore[arg-type]
        rounding=rounding, improvement_total="like-for-like", as_of=date(2020, 1, 1),  # type: ignore[arg-type]
    ))
    assert isinstance(report, PcmhDocument)
    scores = {p.practice_id: {m: Fraction(n * 100, d) for m, (n, d) in p.measures.items()}
              for p in practices}

    def mean_with(pid: str, measure: str, add: int) -> Fraction:
        total = Fraction(0)
        for m in ("a", "b"):
            n, d = next(p for p in practices if p.practice_id == pid).measures[m]
            own = Fraction((n + (add if m == measure else 0)) * 100, d)
            others = [s[m] for q, s in scores.items() if q != pid]
            total += _percentile(own, others, method, peers)
        return total / 2

    for practice, result in zip(practices, report.practices, strict=True):
        what = result.table_a_what_if
        if what is None:
            continue
        target = next(i for i, b in enumerate(profile.table_a) if b.label == what.target.label)
        found = {o.measure: o.add_members for o in what.options}
        for m in ("a", "b"):
            n, d = practice.measures[m]
            fewest = next(
                (k for k in range(1, d - n + 1)
                 if _band(mean_with(practice.practice_id, m, k), profile, rounding) >= target),
                None,
            )
            assert found.get(m) == fewest, (practice.practice_id, m)
