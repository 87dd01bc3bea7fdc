"""Opioid Health Home P4P: composite of three measures, 4% withhold, excellence bonus pool."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from hiecheck.p4p.exact import cents, frac, percent, rate_percent
from hiecheck.p4p.models import (
    Allocation,
    MeasureResult,
    OhhProviderInput,
    OhhProviderResult,
    OhhReport,
    WhatIf,
    profile_used,
)
from hiecheck.p4p.profile import OhhProfile
from hiecheck.p4p.whatif import members_to_mean_rate, members_to_rate

CompositeMethod = Literal["pooled", "mean-of-rates"]
BonusSplit = Literal["proportional", "equal"]
Status = Literal["not-scored", "below-minimum", "meets-minimum", "excellence"]


def composite(provider: OhhProviderInput, method: CompositeMethod) -> Fraction | None:
    """The provider's composite score in percent, exactly; None with no member in any measure."""
    counts = list(provider.measures.values())
    if method == "pooled":
        return rate_percent(sum(c.numerator for c in counts), sum(c.denominator for c in counts))
    rates = [rate_percent(c.numerator, c.denominator) for c in counts]
    known = [r for r in rates if r is not None]
    return sum(known, Fraction(0)) / len(known) if known else None


def status_for(score: Fraction | None, profile: OhhProfile) -> Status:
    """Below the minimum, meeting it, or at/above the excellence threshold (≥, exact)."""
    if score is None:
        return "not-scored"
    if score >= frac(profile.excellence_threshold_percent):
        return "excellence"
    if score >= frac(profile.minimum_threshold_percent):
        return "meets-minimum"
    return "below-minimum"


def what_if(
    provider: OhhProviderInput, method: CompositeMethod, targets: Sequence[tuple[str, Fraction]]
) -> list[WhatIf]:
    """Fewest additional numerator members to reach each target, denominators held."""
    out = []
    for name, target in targets:
        if method == "pooled":
            counts = provider.measures.values()
            need = members_to_rate(
                sum(c.numerator for c in counts), sum(c.denominator for c in counts), target
            )
            out.append(
                WhatIf(
                    target=name,
                    target_percent=percent(target),
                    reachable=need is not None,
                    add_members=need,
                    note="pooled: the members may be added to any measure with room",
                )
            )
        else:
            plan = members_to_mean_rate(provider.measures, target)
            out.append(
                WhatIf(
                    target=name,
                    target_percent=percent(target),
                    reachable=plan is not None,
                    add_members=sum(plan.values()) if plan is not None else None,
                    allocations=[
                        Allocation(measure=m, add_members=k) for m, k in (plan or {}).items()
                    ],
                    note="mean-of-rates: members go to the smallest denominators first",
                )
            )
    return out


def score_ohh(
    providers: Sequence[OhhProviderInput],
    profile: OhhProfile,
    *,
    method: CompositeMethod,
    bonus_split: BonusSplit,
    as_of: date,
) -> OhhReport:
    """Score every provider: composite, status, withhold kept/released, bonus share, what-if."""
    minimum = frac(profile.minimum_threshold_percent)
    excellence = frac(profile.excellence_threshold_percent)
    withhold_rate = frac(profile.withhold_percent) / 100
    payments_given = all(p.ohh_payments is not None for p in providers)

    scored = [(p, composite(p, method)) for p in providers]
    statuses = [status_for(score, profile) for _, score in scored]
    pool = Fraction(0)
    for (provider, _), status in zip(scored, statuses, strict=True):
        if status == "below-minimum" and provider.ohh_payments is not None:
            pool += frac(provider.ohh_payments) * withhold_rate
    eligible = [p for (p, _), s in zip(scored, statuses, strict=True) if s == "excellence"]
    eligible_payments = sum((frac(p.ohh_payments or 0) for p in eligible), Fraction(0))

    results = []
    for (provider, score), status in zip(scored, statuses, strict=True):
        gross = frac(provider.ohh_payments) if provider.ohh_payments is not None else None
        withhold = gross * withhold_rate if gross is not None else None
        met = status in ("meets-minimum", "excellence")
        share: Fraction | None = None
        if payments_given and status == "excellence":
            if bonus_split == "equal":
                share = pool / len(eligible)
            else:
                share = pool * gross / eligible_payments if eligible_payments else Fraction(0)
        targets = []
        if status == "below-minimum":
            targets.append(("minimum", minimum))
        if status in ("below-minimum", "meets-minimum"):
            targets.append(("excellence", excellence))
        results.append(
            OhhProviderResult(
                provider_id=provider.provider_id,
                measures=[
                    MeasureResult(
                        measure=m,
                        numerator=c.numerator,
                        denominator=c.denominator,
                        rate_percent=_pct(rate_percent(c.numerator, c.denominator)),
                    )
                    for m, c in provider.measures.items()
                ],
                composite_percent=_pct(score),
                status=status,
                ohh_payments=provider.ohh_payments,
                withhold=cents(withhold) if withhold is not None else None,
                withhold_released=cents(withhold if met else Fraction(0))
                if withhold is not None
                else None,
                withhold_kept=cents(Fraction(0) if met else withhold)
                if withhold is not None
                else None,
                bonus_eligible=status == "excellence",
                bonus_share=cents(share) if share is not None else None,
                what_if=what_if(provider, method, targets),
            )
        )

    period = profile.benchmark_assessment_period
    if not payments_given:
        note = "no ohh_payments column: withholds, the bonus pool and shares are not computed"
    elif pool == 0:
        note = "no provider is below the minimum threshold: no funds for a bonus pool"
    elif not eligible:
        note = "no provider reached the excellence threshold: the pool is not distributed"
    else:
        note = (
            f"bonus paid when funding is available; pool split {bonus_split} among "
            f"{len(eligible)} bonus-eligible provider(s)"
        )
    return OhhReport(
        profile=profile_used(profile, as_of),
        composite_method=method,
        bonus_split=bonus_split,
        minimum_threshold_percent=profile.minimum_threshold_percent,
        excellence_threshold_percent=profile.excellence_threshold_percent,
        withhold_percent=profile.withhold_percent,
        benchmark_assessment_period=f"{period.start.isoformat()}..{period.end.isoformat()}",
        measures=[m.id for m in profile.measures],
        providers=results,
        payments_given=payments_given,
        bonus_pool=cents(pool) if payments_given else None,
        bonus_pool_note=note,
        counts={
            s: statuses.count(s)
            for s in ("below-minimum", "meets-minimum", "excellence", "not-scored")
        },
    )


def _pct(value: Fraction | None) -> Decimal | None:
    return percent(value) if value is not None else None
