"""Connecticut HUSKY PCMH: raw scores, percentiles, Table A and Table B, qualification.

A small reference implementation here follows the seed's words with Fractions (percentile among
the other practices, mean of percentiles, Table A and Table B amounts typed from the seed); the
code under test must agree with it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from hiecheck.p4p.inputs import PcmhInput, PcmhPractice
from hiecheck.p4p.models import PcmhDocument, document
from hiecheck.p4p.pcmh import (
    borderline_band,
    improvement_percent,
    raw_score,
    score_pcmh,
    table_a_band,
)
from hiecheck.p4p.profile import PcmhProfile

from .conftest import SEED_PCMH

# Seed 004, TABLE A and TABLE B, typed from the seed: (lower bound, inclusive, PMPM).
TABLE_A = [(0, True, "0"), (25, True, "0.15"), (51, True, "0.30"), (76, True, "0.45"),
           (91, True, "0.60")]
TABLE_B = [(1, True, "0.17"), (10, False, "0.34"), (25, False, "0.51"), (35, False, "0.68")]


def practice(pid: str, measures: Mapping[str, tuple[int, int]], **kw: object) -> PcmhPractice:
    return PcmhPractice(pid, measures, **kw)  # type: ignore[arg-type]


def run(
    profile: PcmhProfile,
    current: list[PcmhPractice],
    previous: list[PcmhPractice] | None = None,
    **kw: str,
) -> PcmhDocument:
    result = document(
        score_pcmh(
            PcmhInput.build(current),
            PcmhInput.build(previous) if previous is not None else None,
            profile,
            method=kw.get("method", "midrank"),  # type: ignore[arg-type]
            peers=kw.get("peers", "others"),  # type: ignore[arg-type]
            rounding=kw.get("rounding", "nearest"),  # type: ignore[arg-type]
            improvement_total=kw.get("improvement_total", "like-for-like"),  # type: ignore[arg-type]
            as_of=date(2020, 1, 1),
        )
    )
    assert isinstance(result, PcmhDocument)
    return result


def reference_percentile(own: Fraction, others: list[Fraction]) -> Fraction:
    """Seed 004: a percentile "relative to the other PCMH practices' scores": others strictly
    below, plus half of the others equal, over the number of others."""
    below = sum(1 for o in others if o < own)
    equal = sum(1 for o in others if o == own)
    return (below + Fraction(equal, 2)) * 100 / len(others)


def reference_pmpm(mean: Fraction, table: list[tuple[int, bool, str]]) -> Decimal | None:
    """The band of the mean rounded half-up to a whole percentile (reading table-a-rounding)."""
    whole = int(mean + Fraction(1, 2))
    found = None
    for lower, inclusive, pmpm in table:
        if whole > lower or (inclusive and whole == lower):
            found = Decimal(pmpm)
    return found


def test_no_raw_score_below_denominator_30(  # type: ignore[no-untyped-def]
    pcmh_profile: PcmhProfile, seed, seeds_dir: Path
) -> None:
    """Seed 004, Performance Payment: "Raw scores are not calculated for measures with a
    denominator of less than 30.\""""
    seed(seeds_dir, SEED_PCMH, "Raw scores are not calculated for measures with a denominator of "
         "less than 30.")
    assert raw_score(20, 29, pcmh_profile.min_denominator) is None
    assert raw_score(15, 30, pcmh_profile.min_denominator) == (1500, 30)


def test_raw_score_from_numerator_and_denominator(
    pcmh_profile: PcmhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 004: "The raw score is calculated by determining the number of attributed members
    that meet the conditions for the numerator and the denominator.\""""
    seed(seeds_dir, SEED_PCMH, "The raw score is calculated by determining the number of "
         "attributed members that meet the conditions for the numerator and the denominator.")
    report = run(pcmh_profile, [practice("P", {"m": (27, 36)}), practice("Q", {"m": (1, 36)})])
    assert report.practices[0].measures[0].raw_score == Decimal("75.0000")


def test_practice_without_a_measure_result_does_not_qualify(
    pcmh_profile: PcmhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 004: "Practices must have at least one health measure result to qualify for
    performance payments.\""""
    seed(seeds_dir, SEED_PCMH, "Practices must have at least one health measure result to "
         "qualify for performance payments.")
    report = run(pcmh_profile, [practice("SMALL", {"m": (20, 29)}), practice("A", {"m": (20, 30)}),
                                practice("B", {"m": (25, 30)})])
    small, a, _ = report.practices
    assert small.performance_reasons == ["no-measure-result"] and small.performance_payment == 0
    assert a.performance_qualified


def test_ncqa_recognition_and_full_year_are_required(
    pcmh_profile: PcmhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 004: "PCMH practices that receive National Committee for Quality Assurance (NCQA)
    PCMH recognition status and provide services for a full calendar year may qualify to receive
    a retrospective lump sum Per Member Per Month (PMPM) payment.\""""
    seed(seeds_dir, SEED_PCMH, "PCMH practices that receive National Committee for Quality "
         "Assurance (NCQA) PCMH recognition status and provide services for a full calendar year "
         "may qualify to receive a retrospective lump sum Per Member Per Month (PMPM) payment.")
    report = run(pcmh_profile, [
        practice("NO-NCQA", {"m": (90, 100)}, ncqa_recognized=False),
        practice("PART-YEAR", {"m": (95, 100)}, full_year=False),
        practice("OK", {"m": (99, 100)}),
    ])
    by_id = {p.practice_id: p for p in report.practices}
    assert by_id["NO-NCQA"].performance_reasons == ["no-ncqa"]
    assert by_id["PART-YEAR"].performance_reasons == ["not-full-year"]
    assert by_id["NO-NCQA"].performance_payment == 0
    assert by_id["OK"].performance_qualified


def test_percentile_is_relative_to_the_other_practices(
    pcmh_profile: PcmhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 004: "The raw score is converted to a percentile relative to the other PCMH practices’
    scores." The practice itself is not one of its peers; ties count half; 45/50 ties 90/100."""
    seed(seeds_dir, SEED_PCMH, "The raw score is converted to a percentile relative to the other "
         "PCMH practices’ scores.")
    counts = {"A": (50, 100), "B": (60, 100), "C": (30, 50), "D": (80, 100), "E": (45, 50)}
    report = run(pcmh_profile, [practice(p, {"m": c}) for p, c in counts.items()])
    scores = {p: Fraction(n * 100, d) for p, (n, d) in counts.items()}
    for result in report.practices:
        others = [s for p, s in scores.items() if p != result.practice_id]
        expected = reference_percentile(scores[result.practice_id], others)
        measure = result.measures[0]
        assert measure.peers == 4
        assert measure.percentile == Decimal(expected.numerator) / expected.denominator
    assert report.practices[1].measures[0].percentile == Decimal("37.5")  # B ties C: (1 + ½)/4


def test_alone_in_the_file_a_practice_has_no_percentile(pcmh_profile: PcmhProfile) -> None:
    """Issue 13: counting itself, a practice alone always got the 50th percentile ($0.15)."""
    report = run(pcmh_profile, [practice("ONLY", {"m": (90, 100)})])
    only = report.practices[0]
    assert only.mean_performance_percentile is None
    assert only.performance_reasons == ["no-percentile"] and only.performance_payment == 0
    assert only.measures[0].standing == "no-peers"
    assert [(c.kind, c.measure, c.count) for c in report.cautions] == [("few-peers", "m", 0)]
    counted = run(pcmh_profile, [practice("ONLY", {"m": (90, 100)})], peers="all")
    assert counted.practices[0].mean_performance_percentile == 50  # the former reading


def test_the_top_of_five_practices_reaches_the_top_band(pcmh_profile: PcmhProfile) -> None:
    """Issue 13: with five or fewer practices nobody could reach the 91st-100th band."""
    report = run(pcmh_profile, [practice(f"P{i}", {"m": (50 + i, 100)}) for i in range(5)])
    top = report.practices[-1]
    assert top.mean_performance_percentile == 100  # above all 4 others
    assert top.performance_band is not None and top.performance_band.pmpm == Decimal("0.60")
    assert report.cautions[0].count == 4 and report.cautions[0].meaningful == 10


def test_mean_performance_percentile_and_table_a_payment(
    pcmh_profile: PcmhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 004: "The “Mean Performance Percentile” is calculated by totaling the percentiles of
    each qualifying measure and dividing by the total number of qualifying measures." / "Payment
    is awarded for the annualized number of continuously attributed members\""""
    seed(seeds_dir, SEED_PCMH, "The “Mean Performance Percentile” is calculated by totaling the "
         "percentiles of each qualifying measure and dividing by the total number of qualifying "
         "measures.")
    rows = {
        "P1": {"a": (80, 100), "b": (30, 40), "c": (1, 10)},
        "P2": {"a": (60, 100), "b": (20, 40)},
        "P3": {"a": (70, 100), "b": (35, 40)},
        "P4": {"a": (90, 100)},
    }
    report = run(pcmh_profile, [practice(p, m, annualized_members="1200") for p, m in rows.items()])
    p1 = report.practices[0]
    a = reference_percentile(Fraction(80), [Fraction(60), Fraction(70), Fraction(90)])
    b = reference_percentile(Fraction(75), [Fraction(50), Fraction("87.5")])
    mean = (a + b) / 2  # c has denominator 10: no raw score, not a qualifying measure
    assert p1.qualifying_measures == 2
    assert p1.mean_performance_percentile == Decimal(int(mean * 10000)) / 10000
    pmpm = reference_pmpm(mean, TABLE_A)
    assert pmpm is not None
    assert p1.performance_payment == pmpm * 12 * 1200


def _mean_50_5() -> list[PcmhPractice]:
    """X at the 50th percentile on a (1 of 2 others below) and the 51st on b (25 of 50 others
    below, 1 equal: 25.5 / 50): a mean of exactly 50.5."""
    rows = [practice("X", {"a": (50, 100), "b": (50, 100)}, annualized_members="100")]
    rows += [practice("A1", {"a": (40, 100)}), practice("A2", {"a": (60, 100)})]
    rows += [practice(f"B{i}", {"b": (10 + i, 100)}) for i in range(25)]  # below
    rows += [practice("BEQ", {"b": (50, 100)})]
    rows += [practice(f"C{i}", {"b": (60 + i, 100)}) for i in range(24)]  # above
    return rows


def test_a_mean_between_the_bands_is_rounded_and_flagged_borderline(
    pcmh_profile: PcmhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 004: "Practices will have 15 days after the date of the notification letter to submit
    a written request with supporting documentation to DSS should a practice question their
    performance results." 50.5 is between "25th – 50th" and "51st – 75th": rounded to the 51st
    it is paid $0.30, not $0.15, and flagged borderline."""
    seed(seeds_dir, SEED_PCMH, "Practices will have 15 days after the date of the notification "
         "letter to submit a written request with supporting documentation to DSS should a "
         "practice question their performance results.")
    report = run(pcmh_profile, _mean_50_5())
    x = report.practices[0]
    assert x.mean_performance_percentile == Decimal("50.5")
    assert x.whole_percentile == 51 and x.performance_band is not None
    assert x.performance_band.pmpm == Decimal("0.30") and x.performance_payment == 360  # .3×12×100
    assert x.borderline and x.borderline_between == ["25th – 50th percentile",
                                                     "51st – 75th percentile"]
    assert report.counts["borderline"] == 1
    down = run(pcmh_profile, _mean_50_5(), rounding="down").practices[0]
    assert down.performance_band is not None and down.performance_band.pmpm == Decimal("0.15")
    assert down.borderline


@pytest.mark.parametrize(
    ("mean", "nearest", "down", "borderline"),
    [
        ("24.4", "0", "0", True), ("24.5", "0.15", "0", True), ("25", "0.15", "0.15", False),
        ("50", "0.15", "0.15", False), ("50.4", "0.15", "0.15", True),
        ("50.5", "0.30", "0.15", True), ("51", "0.30", "0.30", False),
        ("75.49", "0.30", "0.30", True), ("75.5", "0.45", "0.30", True),
        ("76", "0.45", "0.45", False), ("90.9", "0.60", "0.45", True),
        ("91", "0.60", "0.60", False), ("100", "0.60", "0.60", False), ("23.99", "0", "0", False),
    ],
)
def test_table_a_band_boundaries(
    pcmh_profile: PcmhProfile, mean: str, nearest: str, down: str, borderline: bool
) -> None:
    """Seed 004, TABLE A: "<25th percentile No Payment $0; 25th – 50th percentile $0.15; 51st –
    75th percentile $0.30; 76th – 90th percentile $0.45; 91st – 100th percentile $0.60"."""
    value = Fraction(Decimal(mean))
    ratio = (value.numerator, value.denominator)
    bands = pcmh_profile.table_a
    for rounding, pmpm in (("nearest", nearest), ("down", down)):
        index = table_a_band(ratio, bands, rounding)  # type: ignore[arg-type]
        assert index is not None and bands[index].pmpm == Decimal(pmpm), rounding
    assert reference_pmpm(value, TABLE_A) == Decimal(nearest)
    assert (borderline_band(ratio, bands) is not None) is borderline


@pytest.mark.parametrize(
    ("current_second", "band_pmpm"),
    [(509, None), (510, "0.17"), (600, "0.17"), (601, "0.34"), (850, "0.51"), (851, "0.68")],
)
def test_improvement_payment_end_to_end(
    pcmh_profile: PcmhProfile, seed, seeds_dir: Path, current_second: int, band_pmpm: str | None  # type: ignore[no-untyped-def]
) -> None:
    """Seed 004: "To determine the improvement payment, the raw scores for each measure with a
    valid result are totaled for the current and previous measurement year." / TABLE B: "1 – 10%
    $0.17; >10 – 25% $0.34; >25 – 35% $0.51; >35% or more $0.68". Previous 50 + 50 = 100; current
    50 + x/10, so x=510 → 1%, 601 → 10.1%, 851 → 35.1%."""
    seed(seeds_dir, SEED_PCMH, "the raw scores for each measure with a valid result are totaled "
         "for the current and previous measurement year.")
    current = [practice("P", {"a": (50, 100), "b": (current_second, 1000)},
                        annualized_members="250"), practice("Q", {"a": (1, 100)})]
    previous = [practice("P", {"a": (50, 100), "b": (500, 1000)})]
    result = run(pcmh_profile, current, previous).practices[0]
    assert result.improvement.qualified
    gain = Fraction(current_second - 500, 1000) * 100 / 100 * 100  # percent of the total 100
    expected = None
    for lower, inclusive, pmpm in TABLE_B:
        if gain > lower or (inclusive and gain == lower):
            expected = Decimal(pmpm)
    assert expected == (Decimal(band_pmpm) if band_pmpm else None)
    assert result.improvement.payment == (expected or 0) * 12 * 250


def test_improvement_only_when_current_total_is_more(
    pcmh_profile: PcmhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 004: "If the total raw score for the current measurement year is more than the total
    raw score for the previous measurement year, then the percentage of improvement is
    calculated.\""""
    seed(seeds_dir, SEED_PCMH, "If the total raw score for the current measurement year is more "
         "than the total raw score for the previous measurement year, then the percentage of "
         "improvement is calculated.")
    assert improvement_percent((100, 1), (100, 1)) is None
    assert improvement_percent((90, 1), (100, 1)) is None
    assert improvement_percent((101, 1), (100, 1)) == (100, 100)
    same = run(pcmh_profile, [practice("P", {"a": (50, 100)})],
               [practice("P", {"a": (50, 100)})]).practices[0]
    assert same.improvement.improvement_percent is None and same.improvement.payment == 0
    assert same.improvement.note == "not-more-than-previous"


def test_improvement_needs_full_current_and_previous_year(
    pcmh_profile: PcmhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 004: "PCMH practices that receive NCQA PCMH recognition status and provide services
    for the full current and previous calendar year may qualify to receive an additional
    retrospective lump sum PMPM payment\""""
    seed(seeds_dir, SEED_PCMH, "provide services for the full current and previous calendar year "
         "may qualify to receive an additional retrospective lump sum PMPM payment")
    current = [practice(p, {"m": (80, 100)}, **kw) for p, kw in
               (("A", {}), ("B", {}), ("C", {"ncqa_recognized": False}), ("D", {}))]
    previous = [practice("A", {"m": (50, 100)}), practice("B", {"m": (50, 100)}, full_year=False),
                practice("C", {"m": (50, 100)})]
    by_id = {p.practice_id: p.improvement for p in run(pcmh_profile, current, previous).practices}
    assert by_id["A"].qualified and by_id["A"].payment > 0
    assert by_id["B"].reasons == ["not-full-previous-year"] and by_id["B"].payment == 0
    assert by_id["C"].reasons == ["no-ncqa"]
    assert by_id["D"].reasons == ["no-previous-results"]


def test_improvement_counts_measures_valid_in_both_years_and_flags_changes(
    pcmh_profile: PcmhProfile, seed, seeds_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Seed 004: "PCMH health measures are reviewed and updated periodically. As a result, health
    measures may be retired, and new measures may be added." A new measure is not improvement;
    a dropped one does not hide a real gain."""
    seed(seeds_dir, SEED_PCMH, "As a result, health measures may be retired, and new measures may "
         "be added.")
    peers = [practice("Q", {"a": (1, 100), "new": (1, 100), "b": (1, 100)})]
    added = run(pcmh_profile, [practice("P", {"a": (50, 100), "new": (100, 100)}), *peers],
                [practice("P", {"a": (50, 100)})]).practices[0].improvement
    assert added.measures_counted == ["a"] and added.measures_added == ["new"]
    assert added.improvement_percent is None  # 50 vs 50; all-valid would say 200%
    literal = run(pcmh_profile, [practice("P", {"a": (50, 100), "new": (100, 100)}), *peers],
                  [practice("P", {"a": (50, 100)})], improvement_total="all-valid")
    assert literal.practices[0].improvement.improvement_percent == 200
    dropped_run = run(pcmh_profile, [practice("P", {"a": (60, 100)}), *peers],
                      [practice("P", {"a": (50, 100), "b": (90, 100)})])
    dropped = dropped_run.practices[0].improvement
    assert dropped.measures_dropped == ["b"] and dropped.improvement_percent == 20
    assert dropped.band is not None and dropped.band.pmpm == Decimal("0.34")
    assert dropped_run.counts["measure_set_changed"] == 1


def test_improvement_what_if_says_when_a_target_is_out_of_reach(pcmh_profile: PcmhProfile) -> None:
    """Issue 10: targets above 100 per measure, or with no valid measure, are not reachable."""
    peers = [practice("Q", {"a": (1, 100), "b": (1, 100)})]
    mid = run(pcmh_profile, [practice("P", {"a": (80, 100), "b": (81, 100)}), *peers],
              [practice("P", {"a": (75, 100), "b": (75, 100)})]).practices[0]
    # 161 vs 150: 7.3% → 1 – 10%; >10% needs more than 165: 4 more points, so 5 members alone.
    what = mid.table_b_what_if
    assert what is not None and what.target.pmpm == Decimal("0.34") and what.reachable
    assert what.needed_total_raw_score == 165 and what.strictly_above
    assert [(o.measure, o.add_members) for o in what.options] == [("a", 5), ("b", 5)]
    high = run(pcmh_profile, [practice("P", {"a": (95, 100), "b": (96, 100)}), *peers],
               [practice("P", {"a": (90, 100), "b": (90, 100)})]).practices[0]
    # 191 vs 180: >10% needs more than 198: reachable (max 200) but by neither measure alone.
    spread = high.table_b_what_if
    assert spread is not None and spread.reachable
    assert [o.add_members for o in spread.options] == [None, None]
    top = run(pcmh_profile, [practice("P", {"a": (100, 100), "b": (99, 100)}), *peers],
              [practice("P", {"a": (90, 100), "b": (90, 100)})]).practices[0]
    # 199 vs 180 = 10.5% → >10 – 25%; >25% needs more than 225 > 200: out of reach.
    out = top.table_b_what_if
    assert out is not None and not out.reachable and out.unreachable == "above-maximum"
    assert out.maximum_total_raw_score == 200 and out.options == []
    none = run(pcmh_profile, [practice("P", {"a": (50, 100)}), *peers],
               [practice("P", {"b": (40, 100)})]).practices[0]
    assert none.improvement.note == "no-common-measures"
    assert none.table_b_what_if is not None and not none.table_b_what_if.reachable
    assert none.table_b_what_if.unreachable == "no-measures"


def test_table_a_what_if_in_members_and_money(pcmh_profile: PcmhProfile) -> None:
    """Issue 13: per measure, members to reach the next Table A band, and what it pays."""
    rows = [practice("X", {"m": (50, 100)}, annualized_members="1000")]
    rows += [practice(f"O{i}", {"m": (40 + 5 * i, 100)}) for i in range(4)]  # 40 45 50 55
    x = run(pcmh_profile, rows).practices[0]
    # 50 among 40, 45, 50, 55: (2 + ½)/4 = 62.5 → 51st – 75th. The 76th needs a mean of 75.5
    # (rounded half-up): 54 → 3/4 = 75 is not enough; 55 ties: (3 + ½)/4 = 87.5. 5 members.
    assert x.mean_performance_percentile == Decimal("62.5")
    what = x.table_a_what_if
    assert what is not None and what.target.pmpm == Decimal("0.45")
    assert [(o.measure, o.add_members) for o in what.options] == [("m", 5)]
    assert what.payment_gain == (Decimal("0.45") - Decimal("0.30")) * 12 * 1000


def test_schedule_and_payment_years_are_reported(  # type: ignore[no-untyped-def]
    pcmh_profile: PcmhProfile, seed, seeds_dir: Path
) -> None:
    """Seed 004: "Each qualifying practice will receive a notification letter in the fourth
    quarter of the payment year" / "DSS will complete all reviews within 15 days after
    receipt.\""""
    seed(seeds_dir, SEED_PCMH, "DSS will complete all reviews within 15 days after receipt.")
    report = run(pcmh_profile, [practice("P", {"m": (1, 30)}), practice("Q", {"m": (2, 30)})])
    assert report.schedule.notification_quarter == 4 and report.schedule.review_request_days == 15
    assert report.schedule.review_completion_days == 15
    assert report.performance_year == 2019
