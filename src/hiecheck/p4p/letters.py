"""What each provider is told, and the program summary, in words (text, markdown and HTML).

A letter says what the provider earned or lost, why, and what would change it, plus notes where
hiecheck had to read the sources (not scored, borderline, a changed set of measures). The
renderers only lay these sentences out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hiecheck.p4p.models import (
    BhhProviderResult,
    BhhReport,
    OhhProviderResult,
    OhhReport,
    OhhTarget,
    PcmhReport,
)
from hiecheck.p4p.words import (
    BHH_STATUS,
    OHH_STATUS,
    caution,
    limit,
    money,
    pct,
    plural,
    profile_line,
)

Tone = str  # "good" | "bad" | "neutral": how a renderer may colour the status


@dataclass(slots=True)
class Letter:
    """One provider's letter."""

    provider_id: str
    status: str
    tone: Tone
    earned: list[str]
    why: list[str]
    change: list[str]
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Overview:
    """The program's heading, settings, summary and cautions."""

    title: str
    settings: list[str]
    summary: list[str]
    cautions: list[str]


def _members(count: int) -> str:
    return plural(count, "more member")


def _alone(options: dict[str, int | None], total: int) -> str:
    """How the members may be placed: any measure, or which measures alone suffice."""
    fits = {m: k for m, k in options.items() if k is not None}
    if len(fits) == len(options) and all(k == total for k in fits.values()):
        return "in any one measure or spread over several"
    if not fits:
        return "spread over the measures (no single measure has room for them all)"
    return "or in one measure alone: " + ", ".join(f"{m} +{k:,}" for m, k in fits.items())


# ---------------------------------------------------------------- OHH


class OhhLetters:
    """Writes each OHH provider's letter; the program's sentences are made once."""

    def __init__(self, report: OhhReport) -> None:
        self.report = report
        self.rate = limit(report.withhold_percent)
        low, high = limit(report.minimum_threshold_percent), limit(
            report.excellence_threshold_percent
        )
        self.how = (
            "pooled" if report.composite_method == "pooled" else "mean of the measures' rates"
        )
        self.side = {
            "excellence": f"at or above the {high} excellence threshold",
            "meets-minimum": f"at or above the {low} minimum, below {high}",
            "below-minimum": f"below the {low} minimum",
        }
        self.heads = {
            "minimum": f"To reach the {low} minimum",
            "excellence": f"To reach the {high} excellence threshold (bonus-eligible, paid "
            "when funding is available)",
        }

    def target(self, target: OhhTarget) -> str:
        head = self.heads[target.target]
        if target.target == "minimum":
            released = money(target.withhold_released) if target.withhold_released else "the"
            head += f" (releases {released} withhold)"
        if not target.reachable or target.add_members is None:
            return f"{head}: not reachable, even with every eligible member meeting every measure."
        if target.plan:
            where = ", ".join(f"{m} +{k:,}" for m, k in target.plan.items())
            return (
                f"{head}: {_members(target.add_members)} meeting a measure, fewest as {where}; "
                f"{_alone(target.by_measure, -1)}."
            )
        return (
            f"{head}: {_members(target.add_members)} meeting a measure, "
            f"{_alone(target.by_measure, target.add_members)}."
        )

    def __call__(self, p: OhhProviderResult) -> Letter:
        earned: list[str] = []
        if p.withhold is None:
            earned.append("No payments given: the withhold and bonus are not computed.")
        else:
            what = "kept" if p.status == "below-minimum" else "released"
            earned.append(
                f"Withhold of {money(p.withhold)} {what} ({self.rate} of gross OHH payments of "
                f"{money(p.gross_payments)})."
            )
        if p.status == "excellence":
            if p.bonus_share:
                earned.append(
                    f"Bonus share up to {money(p.bonus_share)}, paid when funding is available."
                )
            else:
                earned.append("Bonus-eligible; no bonus funds to share in this file.")
        why = []
        if p.composite_percent is None:
            why.append("No eligible member in any measure (every denominator is 0): no "
                       "composite.")
        else:
            why.append(
                f"Composite {pct(p.composite_percent)} ({self.how}; numerators "
                f"{p.numerator_total:,} of denominators {p.denominator_total:,} across the "
                f"measures), {self.side[p.status]}."
            )
        why.append(
            "Measures: "
            + ", ".join(
                f"{m.measure} {m.numerator:,}/{m.denominator:,} ({pct(m.rate_percent)})"
                if m.rate_percent is not None
                else f"{m.measure} {m.numerator:,}/{m.denominator:,}"
                for m in p.measures
            )
            + "."
        )
        change = [self.target(t) for t in p.what_if]
        notes = []
        if p.status == "excellence":
            change.append("Already at the excellence threshold.")
        elif p.status == "not-scored":
            change.append("Eligible members in the denominators are needed before any "
                          "composite.")
            notes.append(
                "Not scored: hiecheck shows the withhold as released and leaves the provider "
                "out of the bonus pool (reading not-scored, as for BHH); the Department decides."
            )
        return Letter(p.provider_id, OHH_STATUS[p.status], _OHH_TONE.get(p.status, "neutral"),
                      earned, why, change, notes)


_OHH_TONE = {"excellence": "good", "meets-minimum": "good", "below-minimum": "bad"}


def ohh_overview(report: OhhReport) -> Overview:
    method = (
        "pooled (all members meeting a measure over all eligible members, the three measures "
        "together)"
        if report.composite_method == "pooled"
        else "mean of the measures' rates"
    )
    settings = [
        profile_line(report.profile),
        f"Input: {report.source}, {plural(report.provider_count, 'provider')}; composite: "
        f"{method}.",
        f"A composite of {limit(report.minimum_threshold_percent)} releases the "
        f"{limit(report.withhold_percent)} withhold; {limit(report.excellence_threshold_percent)} "
        "is bonus-eligible, paid when funding is available. Benchmarks set from the "
        f"assessment period {report.benchmark_assessment_period}.",
    ]
    if report.payments_basis == "net":
        settings.append(
            "Payments were given net (as remitted, after the withhold, --net-payments); gross = "
            "net + withhold."
        )
    counts = report.counts
    summary = [
        f"{counts['excellence']:,} excellence, {counts['meets-minimum']:,} meets minimum, "
        f"{counts['below-minimum']:,} below minimum, {counts['not-scored']:,} not scored."
    ]
    if report.payments_given:
        summary.append(
            f"Withholds {money(report.total_withhold)}: {money(report.total_released)} "
            f"released, {money(report.total_kept)} kept."
        )
        state = report.bonus_pool_state
        eligible = counts["excellence"]
        pool = {
            "no-pool": "no provider is below the minimum, so no funds for a bonus",
            "no-eligible": "no provider reached the excellence threshold: the pool is not "
            "shared",
            "no-eligible-payments": "the bonus-eligible providers have no payments to share "
            "in proportion to",
            "shared": f"shared {report.bonus_split}ly among "
            f"{plural(eligible, 'bonus-eligible provider')}; each share is an upper bound, "
            "paid when funding is available",
        }.get(state, "")
        summary.append(f"Bonus pool {money(report.bonus_pool)} (the kept withholds): {pool}.")
    else:
        summary.append("No payments column: withholds, the bonus pool and shares are not "
                       "computed.")
    return Overview(report.profile.title, settings, summary,
                    [caution(c) for c in report.cautions])


# ---------------------------------------------------------------- BHH


def bhh_letter(report: BhhReport, p: BhhProviderResult) -> Letter:
    earned = []
    if p.at_risk is None:
        earned.append("No payments given: the recoupment is not computed.")
    elif p.status == "below":
        earned.append(
            f"Recoupment of {money(p.recoupment)}: {limit(report.at_risk_percent)} of total BHH "
            f"payments of {money(p.bhh_payments)}."
        )
    else:
        earned.append(f"Nothing recouped ({money(p.at_risk)} was at risk).")
    why = []
    if p.rate_percent is None:
        why.append("No member in the denominator: no rate, not scored.")
    else:
        side = "at or above" if p.status == "meets" else "below"
        why.append(
            f"Screening rate {pct(p.rate_percent)}: {p.numerator:,} of {p.denominator:,} "
            f"members with two or more antipsychotic fills had an HbA1c or glucose test, {side} "
            f"the {limit(report.threshold_percent)} threshold."
        )
    change = []
    notes = []
    target = p.what_if
    if target is not None:
        if target.reachable and target.add_members is not None:
            avoided = (
                f", avoiding the {money(target.recoupment_avoided)} recoupment"
                if target.recoupment_avoided is not None
                else ""
            )
            change.append(
                f"{plural(target.add_members, 'more member')} of the {p.denominator:,} in the "
                f"denominator need a test to reach {limit(target.target_percent)}{avoided}."
            )
        else:
            change.append(f"{limit(target.target_percent)} is not reachable.")
    elif p.status == "meets":
        change.append("At or above the threshold.")
    else:
        change.append("Members in the denominator are needed before any rate.")
        notes.append(
            "Not scored: hiecheck recoups nothing (reading not-scored, as for OHH); the "
            "Department decides."
        )
    tone = {"meets": "good", "below": "bad"}.get(p.status, "neutral")
    return Letter(p.provider_id, BHH_STATUS[p.status], tone, earned, why, change, notes)


def bhh_overview(report: BhhReport) -> Overview:
    settings = [
        profile_line(report.profile),
        f"Input: {report.source}, {plural(report.provider_count, 'provider')}.",
        f"Measure: {report.measure} ({report.measure_definition}).",
        f"Threshold {limit(report.threshold_percent)}; below it {limit(report.at_risk_percent)} of "
        "total BHH payments is recouped.",
    ]
    counts = report.counts
    summary = [
        f"{counts['meets']:,} meet, {counts['below']:,} below, {counts['not-scored']:,} not "
        "scored."
    ]
    if report.payments_given:
        summary.append(
            f"At risk {money(report.total_at_risk)}; recouped {money(report.total_recoupment)}."
        )
    else:
        summary.append("No bhh_payments column: amounts at risk and recoupments are not "
                       "computed.")
    return Overview(report.profile.title, settings, summary, [])


# ---------------------------------------------------------------- PCMH


def pcmh_overview(report: PcmhReport) -> Overview:
    peers = "the other practices" if report.percentile_peers == "others" else (
        "all practices, itself included"
    )
    rounding = (
        "rounded half-up to a whole percentile" if report.band_rounding == "nearest"
        else "the band at or below it"
    )
    previous = (
        f"; previous year: {report.previous_source}" if report.previous_source else
        "; no previous year (--previous): no improvement payment"
    )
    schedule = report.schedule
    settings = [
        profile_line(report.profile),
        f"Payments {report.payment_year_range} for performance year {report.performance_year}.",
        f"Input: {report.source}, {plural(report.practice_count, 'practice')}{previous}.",
        f"Percentiles: {report.percentile_method} against {peers}; Table A: the mean "
        f"{rounding}; improvement totals: {report.improvement_total}; no raw score below a "
        f"denominator of {report.min_denominator}.",
        f"Schedule: notification letter in Q{schedule.notification_quarter} of the payment "
        f"year; {schedule.review_request_days} days to request a review; reviews done within "
        f"{schedule.review_completion_days} days; final payment in "
        f"Q{schedule.final_payment_quarter}.",
    ]
    c = report.counts
    summary = [
        f"{c['with_performance_payment']:,} of {plural(report.practice_count, 'practice')} earn a "
        f"performance payment, {money(report.total_performance_payment)} in all "
        f"({c['performance_qualified']:,} qualify).",
        f"{c['with_improvement_payment']:,} earn an improvement payment, "
        f"{money(report.total_improvement_payment)} in all ({c['improvement_qualified']:,} "
        "qualify).",
    ]
    if c["borderline"]:
        summary.append(
            f"{plural(c['borderline'], 'practice')} borderline between two Table A bands "
            f"(a review may be requested within {schedule.review_request_days} days)."
        )
    if c["measure_set_changed"]:
        summary.append(
            f"{plural(c['measure_set_changed'], 'practice')} with a different set of valid "
            "measures than last year."
        )
    if c["no_percentile"]:
        summary.append(f"{plural(c['no_percentile'], 'practice')} without any percentile.")
    return Overview(report.profile.title, settings, summary,
                    [caution(x) for x in report.cautions])

