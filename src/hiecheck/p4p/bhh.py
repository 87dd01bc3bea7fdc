"""Behavioral Health Home P4P: diabetes screening rate, 75% threshold, 1% recoupment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from hiecheck.p4p import exact
from hiecheck.p4p.inputs import BhhInput
from hiecheck.p4p.models import (
    BHH_STATUSES,
    BhhProviderResult,
    BhhReport,
    BhhStatus,
    BhhTarget,
    Scoring,
    profile_used,
)
from hiecheck.p4p.profile import BhhProfile
from hiecheck.p4p.whatif import members_to_rate

BhhScoring = Scoring[BhhReport, BhhProviderResult]


def status_for(numerator: int, denominator: int, threshold: exact.Ratio) -> BhhStatus:
    """``meets`` at rate ≥ threshold (exact), ``below`` under it, ``not-scored`` without members."""
    if not denominator:
        return "not-scored"
    return "meets" if exact.at_least((100 * numerator, denominator), threshold) else "below"


def score_bhh(given: BhhInput, profile: BhhProfile, *, as_of: date) -> BhhScoring:
    """Every provider's rate, meets/below, the 1% at risk and the recoupment, what-if."""
    threshold = exact.ratio(profile.threshold_percent)
    p, q = exact.ratio(profile.at_risk_percent)
    money = all(pay is not None for pay in given.payments)
    statuses = [
        status_for(n, d, threshold)
        for n, d in zip(given.numerators, given.denominators, strict=True)
    ]
    at_risk = [exact.round_half_up(pay * p, 100 * q) if pay is not None else 0
               for pay in given.payments]
    recouped = sum(a for a, s in zip(at_risk, statuses, strict=True) if s == "below")
    report = BhhReport(
        source=given.source,
        profile=profile_used(profile, as_of),
        measure=profile.measure.name,
        measure_definition=(
            f"denominator: {profile.measure.denominator}; numerator: {profile.measure.numerator}"
        ),
        threshold_percent=profile.threshold_percent,
        at_risk_percent=profile.at_risk_percent,
        provider_count=len(given),
        counts={s: statuses.count(s) for s in BHH_STATUSES},
        payments_given=money,
        total_at_risk=exact.cents(sum(at_risk)) if money else None,
        total_recoupment=exact.cents(recouped) if money else None,
    )

    def providers() -> Iterator[BhhProviderResult]:
        for i, status in enumerate(statuses):
            num, den = given.numerators[i], given.denominators[i]
            risk = at_risk[i] if given.payments[i] is not None else None
            target = None
            if status == "below":
                need = members_to_rate(num, den, threshold)
                target = BhhTarget(
                    target_percent=exact.percent(threshold),
                    reachable=need is not None,
                    add_members=need,
                    recoupment_avoided=exact.cents(risk) if risk is not None else None,
                )
            pay = given.payments[i]
            yield BhhProviderResult(
                provider_id=given.ids[i],
                row=given.rows[i],
                numerator=num,
                denominator=den,
                rate_percent=exact.percent((100 * num, den)) if den else None,
                status=status,
                bhh_payments=exact.cents(pay) if pay is not None else None,
                at_risk=exact.cents(risk) if risk is not None else None,
                recoupment=exact.cents(risk if status == "below" else 0)
                if risk is not None
                else None,
                what_if=target,
            )

    return Scoring(report, providers)
