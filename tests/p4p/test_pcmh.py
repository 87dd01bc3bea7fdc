"""Connecticut HUSKY PCMH: raw scores, percentiles, Table A and Table B, qualification."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from hiecheck.p4p.exact import band_for
from hiecheck.p4p.models import Counts
from hiecheck.p4p.pcmh import improvement_percent, raw_score, score_pcmh, totals
from hiecheck.p4p.percentile import PeerScores, percentile_rank
from hiecheck.p4p.profile import PcmhProfile

AS_OF = date(2020, 1, 1)


def run(current, previous=None, profile=None, **kw):  # type: ignore[no-untyped-def]
    return score_pcmh(
        current,
        previous,
        profile,
        method=kw.get("method", "midrank"),
        improvement_total=kw.get("improvement_total", "all-valid"),
        as_of=AS_OF,
    )


def test_no_raw_score_below_denominator_30(pcmh_profile: PcmhProfile) -> None:
    """Seed 004, Performance Payment: "Raw scores are not calculated for measures with a
    denominator of less than 30." """
    assert raw_score(Counts(numerator=20, denominator=29), pcmh_profile.min_denominator) is None
    assert raw_score(Counts(numerator=15, denominator=30), pcmh_profile.min_denominator) == 50


def test_raw_score_from_numerator_and_denominator(pcmh_profile: PcmhProfile, make_practice) -> None:  # type: ignore[no-untyped-def]
    """Seed 004, Performance Payment: "Each health measure has a set of specifications that
    comprise, but are not limited to, meeting certain criteria for the numerator and denominator.
    The methodology for calculating the performance payment results include a raw score (or
    measure result) for each health measure. The raw score is calculated by determining the number
    of attributed members that meet the conditions for the numerator and the denominator." """
    report = run([make_practice("P", {"m": (27, 36)})], profile=pcmh_profile)
    assert report.practices[0].measures[0].raw_score == Decimal("75.0000")


def test_practice_without_a_measure_result_does_not_qualify(
    pcmh_profile: PcmhProfile, make_practice
) -> None:  # type: ignore[no-untyped-def]
    """Seed 004, Performance Payment: "Practices must have at least one health measure result to
    qualify for performance payments." """
    report = run(
        [make_practice("SMALL", {"m": (20, 29)}), make_practice("OK", {"m": (20, 30)})],
        profile=pcmh_profile,
    )
    small, ok = report.practices
    assert not small.performance_qualified
    assert "no health measure result" in small.performance_reasons
    assert small.performance_payment == Decimal("0.00")
    assert ok.performance_qualified


def test_ncqa_recognition_and_full_year_are_required(
    pcmh_profile: PcmhProfile, make_practice
) -> None:  # type: ignore[no-untyped-def]
    """Seed 004: "PCMH practices that receive National Committee for Quality Assurance (NCQA) PCMH
    recognition status and provide services for a full calendar year may qualify to receive a
    retrospective lump sum Per Member Per Month (PMPM) payment." """
    practices = [
        make_practice("NO-NCQA", {"m": (90, 100)}, ncqa=False),
        make_practice("PART-YEAR", {"m": (95, 100)}, full_year=False),
        make_practice("OK", {"m": (99, 100)}),
    ]
    report = run(practices, profile=pcmh_profile)
    by_id = {p.practice_id: p for p in report.practices}
    assert by_id["NO-NCQA"].performance_reasons == ["no NCQA PCMH recognition"]
    assert by_id["PART-YEAR"].performance_reasons == [
        "did not provide services for a full calendar year"
    ]
    assert by_id["NO-NCQA"].performance_payment == Decimal("0.00")
    assert by_id["OK"].performance_qualified


def test_percentile_relative_to_other_practices_with_ties() -> None:
    """Seed 004: "The raw score is converted to a percentile relative to the other PCMH practices’
    scores." Ties are explicit: equal raw scores (exactly) share a rank."""
    peers = PeerScores(Fraction(x) for x in (50, 60, 60, 80))
    assert percentile_rank(peers, Fraction(60), "midrank") == Fraction(2 * 100, 4) * Fraction(
        1
    )  # (1+1)/4
    assert percentile_rank(peers, Fraction(60), "strict-below") == 25
    assert percentile_rank(peers, Fraction(60), "inclusive") == 75
    assert percentile_rank(peers, Fraction(80), "midrank") == Fraction(350, 4)
    assert percentile_rank(peers, Fraction(80), "inclusive") == 100
    assert percentile_rank(peers, Fraction(50), "strict-below") == 0
    # 45/50 and 90/100 are the same raw score, so they tie.
    tied = PeerScores([Fraction(45 * 100, 50), Fraction(90 * 100, 100)])
    assert percentile_rank(tied, Fraction(90), "midrank") == 50


def test_peer_search_is_exact_where_floats_coincide() -> None:
    tiny = Fraction(1, 10**30)
    peers = PeerScores([Fraction(50) - tiny, Fraction(50), Fraction(50), Fraction(50) + tiny])
    assert float(Fraction(50) - tiny) == float(Fraction(50)) == float(Fraction(50) + tiny)
    assert peers.bounds(Fraction(50)) == (1, 3)
    assert peers.bounds(Fraction(50) + tiny) == (3, 4)
    assert peers.bounds(Fraction(50) - 2 * tiny) == (0, 0)


def test_percentile_what_if_moves_own_score_with_peers_fixed() -> None:
    peers = PeerScores(Fraction(x) for x in (50, 60, 70, 80))
    # Moving 50 to 75: 2 peers below (60, 70) out of 4, midrank → (2 + 0.5) / 4.
    assert percentile_rank(peers, Fraction(75), "midrank", moved_from=Fraction(50)) == Fraction(
        250, 4
    )
    # Moving 50 to 70 ties the 70: 1 below (60), 1 equal other → (1 + 1) / 4.
    assert percentile_rank(peers, Fraction(70), "midrank", moved_from=Fraction(50)) == 50


def test_mean_performance_percentile_and_table_a_payment(
    pcmh_profile: PcmhProfile, make_practice
) -> None:  # type: ignore[no-untyped-def]
    """Seed 004: "The “Mean Performance Percentile” is calculated by totaling the percentiles of
    each qualifying measure and dividing by the total number of qualifying measures." / "The
    performance payment is awarded for the annualized number of continuously attributed members
    for practices determined by the level of mean performance percentile depicted in Table A
    below." """
    practices = [
        make_practice("P1", {"a": (80, 100), "b": (30, 40), "c": (1, 10)}, members="1200"),
        make_practice("P2", {"a": (60, 100), "b": (20, 40)}),
        make_practice("P3", {"a": (70, 100), "b": (35, 40)}),
        make_practice("P4", {"a": (90, 100)}),
    ]
    report = run(practices, profile=pcmh_profile)
    p1 = report.practices[0]
    # a: 80 among 60,70,80,90 → (2 + ½)/4 = 62.5; b: 75 among 50,75,87.5 → (1 + ½)/3 = 50.
    assert [m.percentile for m in p1.measures[:2]] == [Decimal("62.5000"), Decimal("50.0000")]
    assert p1.qualifying_measures == 2  # c has denominator 10
    assert p1.mean_performance_percentile == Decimal("56.2500")
    assert p1.performance_band is not None and p1.performance_band.pmpm == Decimal("0.30")
    # Seed 004: "Payment is awarded for the annualized number of continuously attributed members"
    assert p1.performance_payment == Decimal("4320.00")  # 0.30 × 12 × 1200


@pytest.mark.parametrize(
    ("mean", "pmpm"),
    [
        ("24.9", "0"),
        ("25", "0.15"),
        ("50", "0.15"),
        ("50.5", "0.15"),
        ("51", "0.30"),
        ("75", "0.30"),
        ("76", "0.45"),
        ("90", "0.45"),
        ("90.9", "0.45"),
        ("91", "0.60"),
        ("100", "0.60"),
    ],
)
def test_table_a_band_boundaries(pcmh_profile: PcmhProfile, mean: str, pmpm: str) -> None:
    """Seed 004, TABLE A: "<25th percentile No Payment $0; 25th – 50th percentile $0.15;
    51st – 75th percentile $0.30; 76th – 90th percentile $0.45; 91st – 100th percentile $0.60".
    Reading: the band with the greatest lower bound at or below the mean (so 50.5 is in the
    25th–50th band)."""
    band = band_for(Fraction(Decimal(mean)), pcmh_profile.table_a)
    assert band is not None and band.pmpm == Decimal(pmpm)


@pytest.mark.parametrize(
    ("improvement", "pmpm"),
    [
        ("0.9", None),
        ("1", "0.17"),
        ("10", "0.17"),
        ("10.1", "0.34"),
        ("25", "0.34"),
        ("25.1", "0.51"),
        ("35", "0.51"),
        ("35.1", "0.68"),
        ("80", "0.68"),
    ],
)
def test_table_b_band_boundaries(
    pcmh_profile: PcmhProfile, improvement: str, pmpm: str | None
) -> None:
    """Seed 004, TABLE B: "1 – 10% $0.17; >10 – 25% $0.34; >25 – 35% $0.51; >35% or more $0.68"."""
    band = band_for(Fraction(Decimal(improvement)), pcmh_profile.table_b)
    assert (band.pmpm if band else None) == (Decimal(pmpm) if pmpm else None)


@pytest.mark.parametrize(
    ("current_second", "band_pmpm"),
    [(509, None), (510, "0.17"), (600, "0.17"), (601, "0.34"), (850, "0.51"), (851, "0.68")],
)
def test_improvement_payment_end_to_end(
    pcmh_profile: PcmhProfile,
    make_practice,
    current_second: int,
    band_pmpm: str | None,  # type: ignore[no-untyped-def]
) -> None:
    """Seed 004, Improvement Payment: "To determine the improvement payment, the raw scores for each
    measure with a valid result are totaled for the current and previous measurement year. If the
    total raw score for the current measurement year is more than the total raw score for the
    previous measurement year, then the percentage of improvement is calculated." / "Performance
    improvement payment is awarded for the annualized number of continuously attributed members for
    practices determined by the level of improvement percentage depicted in Table B below."
    Previous total 50 + 50 = 100; current 50 + x/10, so x=510 → 1%, 601 → 10.1%, 851 → 35.1%."""
    current = [make_practice("P", {"a": (50, 100), "b": (current_second, 1000)}, members="250")]
    previous = [make_practice("P", {"a": (50, 100), "b": (500, 1000)})]
    result = run(current, previous, pcmh_profile).practices[0]
    assert result.improvement_qualified
    expected = Decimal(band_pmpm) * 12 * 250 if band_pmpm else Decimal(0)
    assert result.improvement_payment == expected.quantize(Decimal("0.01"))


def test_improvement_only_when_current_total_is_more(
    pcmh_profile: PcmhProfile, make_practice
) -> None:  # type: ignore[no-untyped-def]
    """Seed 004: "If the total raw score for the current measurement year is more than the total raw
    score for the previous measurement year, then the percentage of improvement is calculated." """
    assert improvement_percent(Fraction(100), Fraction(100)) is None
    assert improvement_percent(Fraction(90), Fraction(100)) is None
    assert improvement_percent(Fraction(101), Fraction(100)) == 1
    same = run(
        [make_practice("P", {"a": (50, 100)})], [make_practice("P", {"a": (50, 100)})], pcmh_profile
    ).practices[0]
    assert same.improvement_percent is None and same.improvement_payment == Decimal("0.00")
    assert "not more than" in same.improvement_note


def test_improvement_needs_full_current_and_previous_year(
    pcmh_profile: PcmhProfile, make_practice
) -> None:  # type: ignore[no-untyped-def]
    """Seed 004: "PCMH practices that receive NCQA PCMH recognition status and provide services for
    the full current and previous calendar year may qualify to receive an additional retrospective
    lump sum PMPM payment based on their improved performance results" """
    current = [
        make_practice("A", {"m": (80, 100)}),
        make_practice("B", {"m": (80, 100)}),
        make_practice("C", {"m": (80, 100)}, ncqa=False),
        make_practice("D", {"m": (80, 100)}),
    ]
    previous = [
        make_practice("A", {"m": (50, 100)}),
        make_practice("B", {"m": (50, 100)}, full_year=False),
        make_practice("C", {"m": (50, 100)}),
    ]
    by_id = {p.practice_id: p for p in run(current, previous, pcmh_profile).practices}
    assert by_id["A"].improvement_qualified and by_id["A"].improvement_payment == Decimal("8160.00")
    assert by_id["B"].improvement_reasons == [
        "did not provide services for the full previous calendar year"
    ]
    assert by_id["C"].improvement_reasons == ["no NCQA PCMH recognition"]
    assert by_id["D"].improvement_reasons == ["no previous-year results for this practice"]
    assert all(by_id[x].improvement_payment == Decimal("0.00") for x in "BCD")
    no_previous = run(current, None, pcmh_profile).practices[0]
    assert no_previous.improvement_reasons == ["no previous-year file (--previous)"]


def test_improvement_totals_all_valid_versus_like_for_like() -> None:
    """Seed 004: "the raw scores for each measure with a valid result are totaled for the current
    and previous measurement year" — literal 'all-valid'; 'like-for-like' is the named option."""
    current = {"a": Fraction(60), "b": Fraction(40)}
    previous = {"a": Fraction(50)}
    assert totals(current, previous, "all-valid") == (100, 50)
    assert totals(current, previous, "like-for-like") == (60, 50)


def test_table_a_what_if_lifts_mean_into_next_band(
    pcmh_profile: PcmhProfile, make_practice
) -> None:  # type: ignore[no-untyped-def]
    practices = [make_practice(f"P{i}", {"a": (50 + i, 100)}) for i in range(10)]
    report = run(practices, profile=pcmh_profile)
    p0 = report.practices[0]  # lowest of 10: midrank (0 + ½)/10 = 5 → no payment
    assert p0.mean_performance_percentile == Decimal("5.0000")
    what_if = p0.what_if[0]
    assert what_if.target.startswith("Table A: 25th")
    # Peers 51..59 held fixed. At 52 (tie with P2): (1 below + ½ × 2 equal)/10 = 20 < 25.
    # At 53 (tie with P3): (2 below + ½ × 2 equal)/10 = 30 ≥ 25; so 3 more members are the fewest.
    assert what_if.add_members == 3
    assert what_if.allocations[0].add_raw_score_points == Decimal("3.0000")


def test_table_b_what_if_total_needed(pcmh_profile: PcmhProfile, make_practice) -> None:  # type: ignore[no-untyped-def]
    current = [make_practice("P", {"a": (105, 200)})]  # 52.5
    previous = [make_practice("P", {"a": (50, 100)})]  # 50 → 5% (first band)
    result = run(current, previous, pcmh_profile).practices[0]
    target = next(w for w in result.what_if if w.target.startswith("Table B"))
    assert target.target == "Table B: >10 – 25%"
    assert target.needed_total_raw_score == Decimal("55.0000") and target.strictly_above
    assert target.add_raw_score_points == Decimal("2.5000")


def test_two_components_performance_and_improvement(
    pcmh_profile: PcmhProfile, make_practice
) -> None:  # type: ignore[no-untyped-def]
    """Seed 004: "Qualifying practices can earn performance-based payments for their participation
    in the HUSKY Health Person-Centered Medical Home (PCMH) program based on results of select PCMH
    health measures. There are two components to the Performance-Based Payment program: the
    performance payment and the improvement payment." """
    current = [make_practice("A", {"m": (90, 100)}), make_practice("B", {"m": (40, 100)})]
    previous = [make_practice("A", {"m": (60, 100)})]
    a = run(current, previous, pcmh_profile).practices[0]
    assert a.performance_payment == Decimal("3600.00")  # midrank (1 + ½)/2 = 75 → $0.30 × 12 × 1000
    assert a.improvement_payment == Decimal("8160.00")  # 50% → $0.68 × 12 × 1000


def test_payment_uses_annualized_continuously_attributed_members(
    pcmh_profile: PcmhProfile, make_practice
) -> None:  # type: ignore[no-untyped-def]
    """Seed 004, Performance Payment: "Payment is awarded for the annualized number of continuously
    attributed members, excluding members dually eligible for Medicare and Medicaid and those with
    other commercial insurance. A practice’s attribution for performance-based payments may differ
    somewhat from the attribution established in the monthly roster." The annualized count (duals
    and commercially insured already excluded) is an input column; payment = PMPM × 12 × members."""
    practices = [make_practice("TOP", {"m": (99, 100)}, members="1234.5")]
    practices += [make_practice(f"P{i}", {"m": (50 + i, 100)}) for i in range(19)]
    top = run(practices, profile=pcmh_profile).practices[0]
    assert top.mean_performance_percentile == Decimal("97.5000")  # (19 + ½) / 20
    assert top.performance_band is not None and top.performance_band.pmpm == Decimal("0.60")
    assert top.performance_payment == Decimal("8888.40")  # 0.60 × 12 × 1234.5
    assert pcmh_profile.months_per_year == 12


def test_actual_performance_against_other_practices(
    pcmh_profile: PcmhProfile, make_practice
) -> None:  # type: ignore[no-untyped-def]
    """Seed 004, Performance Payment: "PMPM performance-based payments are calculated by measuring
    your practice’s actual performance against other PCMH practices." The same raw score earns a
    different percentile against different peers."""
    weak_peers = [make_practice("X", {"m": (70, 100)}), make_practice("W", {"m": (10, 100)})]
    strong_peers = [make_practice("X", {"m": (70, 100)}), make_practice("S", {"m": (95, 100)})]
    assert run(weak_peers, profile=pcmh_profile).practices[0].mean_performance_percentile == 75
    assert run(strong_peers, profile=pcmh_profile).practices[0].mean_performance_percentile == 25


def test_notification_review_and_payment_schedule(pcmh_profile: PcmhProfile, make_practice) -> None:  # type: ignore[no-untyped-def]
    """Seed 004: "Each qualifying practice will receive a notification letter in the fourth quarter
    of the payment year, detailing annual performance results for services provided in the previous
    year. Practices will have 15 days after the date of the notification letter to submit a written
    request with supporting documentation to DSS should a practice question their performance
    results. DSS will complete all reviews within 15 days after receipt." / "Final payment will
    be issued during the fourth quarter of the year by way of a remittance advice to all
    practices." """
    schedule = pcmh_profile.schedule
    assert (schedule.notification_quarter, schedule.final_payment_quarter) == (4, 4)
    assert (schedule.review_request_days, schedule.review_completion_days) == (15, 15)
    report = run([make_practice("A", {"m": (1, 30)})], profile=pcmh_profile)
    assert "Q4" in report.schedule and "15 days" in report.schedule
    assert pcmh_profile.performance_year == 2019  # "services provided in the previous year"


def test_measures_may_change_so_the_list_is_open_by_default(pcmh_profile: PcmhProfile) -> None:
    """Seed 004: "PCMH health measures are reviewed and updated periodically. As a result, health
    measures may be retired, and new measures may be added." The shipped profile lists none (the
    list is in a document we do not have); a profile that lists measures rejects others (see
    test_csv_input)."""
    assert pcmh_profile.measures == []
