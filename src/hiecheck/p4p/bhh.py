"""Behavioral Health Home P4P: diabetes screening rate, 75% threshold, 1% recoupment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from fractions import Fraction

from hiecheck.p4p.exact import cents, frac, percent, rate_percent
from hiecheck.p4p.models import BhhProviderInput, BhhProviderResult, BhhReport, WhatIf, profile_used
from hiecheck.p4p.profile import BhhProfile
from hiecheck.p4p.whatif import members_to_rate


def score_bhh(
    providers: Sequence[BhhProviderInput], profile: BhhProfile, *, as_of: date
) -> BhhReport:
    """Score every provider: rate, meets/below, the 1% at risk and the recoupment, what-if."""
    threshold = frac(profile.threshold_percent)
    at_risk_rate = frac(profile.at_risk_percent) / 100
    payments_given = all(p.bhh_payments is not None for p in providers)
    results = []
    total = Fraction(0)
    for provider in providers:
        counts = provider.counts
        rate = rate_percent(counts.numerator, counts.denominator)
        status = "not-scored" if rate is None else ("meets" if rate >= threshold else "below")
        at_risk = recoup = None
        if provider.bhh_payments is not None:
            at_risk = frac(provider.bhh_payments) * at_risk_rate
            recoup = at_risk if status == "below" else Fraction(0)
            total += recoup
        what_if = []
        if status == "below":
            need = members_to_rate(counts.numerator, counts.denominator, threshold)
            what_if.append(
                WhatIf(
                    target="threshold",
                    target_percent=percent(threshold),
                    reachable=need is not None,
                    add_members=need,
                    note="more denominator members with an HbA1c or glucose test",
                )
            )
        results.append(
            BhhProviderResult(
                provider_id=provider.provider_id,
                numerator=counts.numerator,
                denominator=counts.denominator,
                rate_percent=percent(rate) if rate is not None else None,
                status=status,
                bhh_payments=provider.bhh_payments,
                at_risk=cents(at_risk) if at_risk is not None else None,
                recoupment=cents(recoup) if recoup is not None else None,
                what_if=what_if,
            )
        )
    statuses = [r.status for r in results]
    return BhhReport(
        profile=profile_used(profile, as_of),
        measure=profile.measure.name,
        measure_definition=(
            f"denominator: {profile.measure.denominator}; numerator: {profile.measure.numerator}"
        ),
        threshold_percent=profile.threshold_percent,
        at_risk_percent=profile.at_risk_percent,
        providers=results,
        payments_given=payments_given,
        total_recoupment=cents(total) if payments_given else None,
        counts={s: statuses.count(s) for s in ("meets", "below", "not-scored")},
    )
