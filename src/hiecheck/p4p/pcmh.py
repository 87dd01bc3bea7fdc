"""Connecticut HUSKY PCMH: raw scores, peer percentiles, Table A and Table B payments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import Literal

from hiecheck.p4p.exact import (
    band_for,
    cents,
    frac,
    next_band,
    percent,
    percent_up,
    reaches,
)
from hiecheck.p4p.models import (
    Allocation,
    BandResult,
    Counts,
    PcmhMeasureResult,
    PcmhPracticeInput,
    PcmhPracticeResult,
    PcmhReport,
    WhatIf,
    profile_used,
)
from hiecheck.p4p.percentile import PeerScores, PercentileMethod, percentile_rank
from hiecheck.p4p.profile import Band, PcmhProfile

ImprovementTotal = Literal["all-valid", "like-for-like"]


def raw_score(counts: Counts, min_denominator: int) -> Fraction | None:
    """numerator / denominator × 100, exactly; None when the denominator is below the minimum."""
    if counts.denominator < min_denominator:
        return None
    return Fraction(counts.numerator * 100, counts.denominator)


def raw_scores(practice: PcmhPracticeInput, min_denominator: int) -> dict[str, Fraction]:
    """The practice's valid raw scores by measure."""
    out = {}
    for measure, counts in practice.measures.items():
        score = raw_score(counts, min_denominator)
        if score is not None:
            out[measure] = score
    return out


def peer_scores(
    practices: Sequence[PcmhPracticeInput], min_denominator: int
) -> dict[str, PeerScores]:
    """Per measure, the raw scores of every practice with a valid result."""
    found: dict[str, list[Fraction]] = {}
    for practice in practices:
        for measure, score in raw_scores(practice, min_denominator).items():
            found.setdefault(measure, []).append(score)
    return {measure: PeerScores(scores) for measure, scores in found.items()}


def improvement_percent(current: Fraction, previous: Fraction) -> Fraction | None:
    """(current − previous) / previous × 100 when current > previous > 0; else None."""
    if previous <= 0 or current <= previous:
        return None
    return (current - previous) * 100 / previous


def totals(
    current: dict[str, Fraction], previous: dict[str, Fraction], how: ImprovementTotal
) -> tuple[Fraction, Fraction]:
    """Total raw scores of the current and previous year ('all-valid' or 'like-for-like')."""
    if how == "like-for-like":
        both = current.keys() & previous.keys()
        return sum((current[m] for m in both), Fraction(0)), sum(
            (previous[m] for m in both), Fraction(0)
        )
    return sum(current.values(), Fraction(0)), sum(previous.values(), Fraction(0))


def _band(band: Band | None) -> BandResult | None:
    return BandResult(label=band.label, level=band.level, pmpm=band.pmpm) if band else None


def _payment(band: Band | None, members: Decimal | None, months: int) -> Fraction:
    if band is None or members is None:
        return Fraction(0)
    return frac(band.pmpm) * months * frac(members)


@dataclass(frozen=True)
class _Standing:
    scores: dict[str, Fraction]
    percentiles: dict[str, Fraction]


def _mean_reaches(
    peers: PeerScores,
    score: Fraction,
    counts: Counts,
    add: int,
    *,
    others: Fraction,
    count: int,
    method: PercentileMethod,
    target: Band,
) -> bool:
    """Whether adding ``add`` numerator members to one measure lifts the mean into ``target``."""
    new = Fraction((counts.numerator + add) * 100, counts.denominator)
    pct = percentile_rank(peers, new, method, moved_from=score)
    return reaches((others + pct) / count, target)


def table_a_what_if(
    practice: PcmhPracticeInput,
    standing: _Standing,
    peers: dict[str, PeerScores],
    method: PercentileMethod,
    target: Band,
) -> WhatIf:
    """For each measure alone, the fewest added numerator members that reach ``target``."""
    count = len(standing.percentiles)
    total = sum(standing.percentiles.values(), Fraction(0))
    options = []
    for measure, score in standing.scores.items():
        counts = practice.measures[measure]
        others = total - standing.percentiles[measure]

        enough = partial(
            _mean_reaches,
            peers[measure],
            score,
            counts,
            others=others,
            count=count,
            method=method,
            target=target,
        )
        room = counts.denominator - counts.numerator
        if room == 0 or not enough(room):
            continue
        low, high = 1, room  # smallest k in [1, room] with enough(k); enough(room) holds
        while low < high:
            mid = (low + high) // 2
            if enough(mid):
                high = mid
            else:
                low = mid + 1
        options.append(
            Allocation(
                measure=measure,
                add_members=low,
                add_raw_score_points=percent_up(Fraction(low * 100, counts.denominator)),
            )
        )
    options.sort(key=lambda a: (a.add_members, a.measure))
    return WhatIf(
        target=f"Table A: {target.label}",
        target_percent=target.lower,
        reachable=bool(options),
        add_members=options[0].add_members if options else None,
        allocations=options,
        note=(
            "each allocation alone is enough (alternatives, not a sum); other measures and "
            "peer scores held fixed"
            if options
            else "not reachable by improving any single measure"
        ),
    )


def table_b_what_if(current: Fraction, previous: Fraction, target: Band) -> WhatIf:
    """The current total raw score that reaches the improvement band ``target``."""
    needed = previous * (1 + frac(target.lower) / 100)
    short = max(Fraction(0), needed - current)
    return WhatIf(
        target=f"Table B: {target.label}",
        target_percent=target.lower,
        reachable=True,
        add_raw_score_points=percent_up(short),
        needed_total_raw_score=percent_up(needed),
        strictly_above=not target.inclusive,
        note=(
            f"current total raw score {'more than' if not target.inclusive else 'at least'} "
            f"{percent_up(needed)} (previous {percent(previous)}, now {percent(current)})"
        ),
    )


def score_pcmh(
    practices: Sequence[PcmhPracticeInput],
    previous: Sequence[PcmhPracticeInput] | None,
    profile: PcmhProfile,
    *,
    method: PercentileMethod,
    improvement_total: ImprovementTotal,
    as_of: date,
) -> PcmhReport:
    """Score every practice on performance (Table A) and improvement (Table B), with what-if."""
    min_den = profile.min_denominator
    peers = peer_scores(practices, min_den)
    before = {p.practice_id: p for p in previous or []}
    results = []
    for practice in practices:
        scores = raw_scores(practice, min_den)
        pcts = {m: percentile_rank(peers[m], s, method) for m, s in scores.items()}
        standing = _Standing(scores, pcts)
        measures = [
            PcmhMeasureResult(
                measure=m,
                numerator=c.numerator,
                denominator=c.denominator,
                raw_score=percent(scores[m]) if m in scores else None,
                note="" if m in scores else f"denominator < {min_den}: no raw score",
                peers=len(peers[m]) if m in scores else None,
                percentile=percent(pcts[m]) if m in pcts else None,
            )
            for m, c in practice.measures.items()
        ]
        mean = sum(pcts.values(), Fraction(0)) / len(pcts) if pcts else None

        reasons = []
        if not practice.ncqa_recognized:
            reasons.append("no NCQA PCMH recognition")
        if not practice.full_year:
            reasons.append("did not provide services for a full calendar year")
        if not scores:
            reasons.append("no health measure result")
        band = band_for(mean, profile.table_a) if mean is not None else None
        performance = (
            _payment(band, practice.annualized_members, profile.months_per_year)
            if not reasons
            else Fraction(0)
        )

        what_if = []
        if mean is not None:
            target = next_band(band, profile.table_a)
            if target is not None:
                what_if.append(table_a_what_if(practice, standing, peers, method, target))

        prev = before.get(practice.practice_id)
        imp_reasons = []
        if not practice.ncqa_recognized:
            imp_reasons.append("no NCQA PCMH recognition")
        if not practice.full_year:
            imp_reasons.append("did not provide services for the full current calendar year")
        current_total = previous_total = improvement = None
        imp_band = None
        imp_note = ""
        if previous is None:
            imp_reasons.append("no previous-year file (--previous)")
        elif prev is None:
            imp_reasons.append("no previous-year results for this practice")
        else:
            if not prev.full_year:
                imp_reasons.append("did not provide services for the full previous calendar year")
            current_total, previous_total = totals(
                scores, raw_scores(prev, min_den), improvement_total
            )
            improvement = improvement_percent(current_total, previous_total)
            if previous_total == 0:
                imp_note = "no valid previous-year raw score to improve on"
            elif improvement is None:
                imp_note = "current total raw score is not more than the previous"
            imp_band = band_for(improvement, profile.table_b) if improvement is not None else None
            if improvement is not None and imp_band is None:
                imp_note = "improvement below the first Table B band"
            if previous_total > 0:
                target_b = next_band(imp_band, profile.table_b)
                if target_b is not None:
                    what_if.append(table_b_what_if(current_total, previous_total, target_b))
        improvement_ok = not imp_reasons
        improvement_pay = (
            _payment(imp_band, practice.annualized_members, profile.months_per_year)
            if improvement_ok
            else Fraction(0)
        )
        results.append(
            PcmhPracticeResult(
                practice_id=practice.practice_id,
                measures=measures,
                qualifying_measures=len(scores),
                mean_performance_percentile=percent(mean) if mean is not None else None,
                performance_qualified=not reasons,
                performance_reasons=reasons,
                performance_band=_band(band),
                annualized_members=practice.annualized_members,
                performance_payment=cents(performance),
                current_total_raw_score=percent(current_total)
                if current_total is not None
                else None,
                previous_total_raw_score=percent(previous_total)
                if previous_total is not None
                else None,
                improvement_percent=percent(improvement) if improvement is not None else None,
                improvement_qualified=improvement_ok,
                improvement_reasons=imp_reasons,
                improvement_note=imp_note,
                improvement_band=_band(imp_band),
                improvement_payment=cents(improvement_pay),
                what_if=what_if,
            )
        )
    return PcmhReport(
        profile=profile_used(profile, as_of),
        payment_year_range=(
            profile.period
        ),
        performance_year=profile.performance_year,
        percentile_method=method,
        improvement_total=improvement_total,
        min_denominator=min_den,
        previous_given=previous is not None,
        schedule=(
            f"notification letter in Q{profile.schedule.notification_quarter} of the payment "
            f"year; {profile.schedule.review_request_days} days to request a review; reviews "
            f"done within {profile.schedule.review_completion_days} days; final payment in "
            f"Q{profile.schedule.final_payment_quarter}"
        ),
        practices=results,
        counts={
            "practices": len(results),
            "performance_qualified": sum(r.performance_qualified for r in results),
            "improvement_qualified": sum(r.improvement_qualified for r in results),
            "with_performance_payment": sum(bool(r.performance_payment) for r in results),
            "with_improvement_payment": sum(bool(r.improvement_payment) for r in results),
        },
    )
