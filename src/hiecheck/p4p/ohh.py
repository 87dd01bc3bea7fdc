"""Opioid Health Home P4P: composite of three measures, 4% withhold, excellence bonus pool.

Two passes: the first decides each provider's status and money (the pool needs every kept
withhold, the shares every eligible provider); the second, run while a renderer writes, makes
each provider's result with its what-if.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from datetime import date
from fractions import Fraction

from hiecheck.p4p import exact
from hiecheck.p4p.exact import Ratio
from hiecheck.p4p.inputs import Counts, OhhInput
from hiecheck.p4p.models import (
    OHH_STATUSES,
    BonusSplit,
    Caution,
    CompositeMethod,
    MeasureCounts,
    OhhProviderResult,
    OhhReport,
    OhhStatus,
    OhhTarget,
    PoolState,
    Scoring,
    profile_used,
)
from hiecheck.p4p.profile import OhhProfile
from hiecheck.p4p.whatif import members_to_mean_rate, members_to_rate

_CODES: tuple[OhhStatus, ...] = ("not-scored", "below-minimum", "meets-minimum", "excellence")
OhhScoring = Scoring[OhhReport, OhhProviderResult]


def composite(counts: list[Counts], method: CompositeMethod) -> Ratio | None:
    """The composite score in percent, exactly; None with no member in any measure."""
    if method == "pooled":
        den = sum(c.denominator for c in counts)
        return (100 * sum(c.numerator for c in counts), den) if den else None
    rated = [c for c in counts if c.denominator]
    if not rated:
        return None
    total: Ratio = (0, 1)
    for c in rated:
        total = exact.add(total, (c.numerator, c.denominator))
    return 100 * total[0], len(rated) * total[1]


def status_for(score: Ratio | None, profile: OhhProfile) -> OhhStatus:
    """Below the minimum, meeting it, or at/above the excellence threshold (≥, exact)."""
    if score is None:
        return "not-scored"
    if exact.at_least(score, exact.ratio(profile.excellence_threshold_percent)):
        return "excellence"
    if exact.at_least(score, exact.ratio(profile.minimum_threshold_percent)):
        return "meets-minimum"
    return "below-minimum"


def withhold_cents(payments: int, basis: str, percent: Ratio) -> tuple[int, int]:
    """(gross, withhold) in cents from the payments given: the withhold is ``percent`` of gross
    (net amounts are gross minus the withhold, so the withhold is net × p / (100 − p))."""
    p, q = percent
    if basis == "net":
        withheld = exact.round_half_up(payments * p, 100 * q - p)
        return payments + withheld, withheld
    return payments, exact.round_half_up(payments * p, 100 * q)


def what_if(
    counts: list[Counts],
    measures: tuple[str, ...],
    method: CompositeMethod,
    target: Ratio,
) -> tuple[int | None, dict[str, int | None], dict[str, int]]:
    """(fewest members in total, members per measure alone, where the fewest go)."""
    if method == "pooled":
        need = members_to_rate(
            sum(c.numerator for c in counts), sum(c.denominator for c in counts), target
        )
        alone = {
            m: need if need is not None and need <= c.denominator - c.numerator else None
            for m, c in zip(measures, counts, strict=True)
        }
        return need, alone, {}
    goal = Fraction(*target)
    plan = members_to_mean_rate(dict(zip(measures, counts, strict=True)), goal)
    rated = [c for c in counts if c.denominator]
    short = goal * len(rated) / 100 - sum(
        (Fraction(c.numerator, c.denominator) for c in rated), Fraction(0)
    )
    by_measure: dict[str, int | None] = {}
    for m, c in zip(measures, counts, strict=True):
        k = exact.ceil_div(short.numerator * c.denominator, short.denominator)
        by_measure[m] = k if c.denominator and k <= c.denominator - c.numerator else None
    total = sum(plan.values()) if plan is not None else None
    return total, by_measure, plan or {}


def _statuses(given: OhhInput, method: CompositeMethod, profile: OhhProfile) -> bytearray:
    """Every provider's status code (index in ``_CODES``); pooled sums run column-wise."""
    if method != "pooled":
        return bytearray(
            _CODES.index(status_for(composite(given.counts(i), method), profile))
            for i in range(len(given))
        )
    width = len(given.measures)
    nums = map(sum, zip(*(given.numerators[m::width] for m in range(width)), strict=True))
    dens = map(sum, zip(*(given.denominators[m::width] for m in range(width)), strict=True))
    lo_n, lo_d = exact.ratio(profile.minimum_threshold_percent)
    hi_n, hi_d = exact.ratio(profile.excellence_threshold_percent)
    return bytearray(
        0 if not d else 3 if 100 * n * hi_d >= hi_n * d else 2 if 100 * n * lo_d >= lo_n * d
        else 1
        for n, d in zip(nums, dens, strict=True)
    )


def score_ohh(
    given: OhhInput,
    profile: OhhProfile,
    *,
    method: CompositeMethod,
    bonus_split: BonusSplit,
    as_of: date,
) -> OhhScoring:
    """Every provider's composite, status, withhold kept or released, bonus share, what-if."""
    minimum = exact.ratio(profile.minimum_threshold_percent)
    excellence = exact.ratio(profile.excellence_threshold_percent)
    rate = exact.ratio(profile.withhold_percent)
    basis = given.payments_basis
    count = len(given)
    statuses = _statuses(given, method, profile)
    gross = array("q", [0]) * count
    withheld = array("q", [0]) * count
    if basis is not None:
        for i, paid in enumerate(given.payments):
            if paid is not None:
                gross[i], withheld[i] = withhold_cents(paid, basis, rate)
    below, excellent = _CODES.index("below-minimum"), _CODES.index("excellence")
    pool = sum(w for s, w in zip(statuses, withheld, strict=True) if s == below)
    eligible = [i for i in range(count) if statuses[i] == excellent]
    weights = [gross[i] if bonus_split == "proportional" else 1 for i in eligible]
    state = _pool_state(basis is not None, pool, eligible, weights)
    shares = dict(zip(eligible, exact.largest_remainder(pool, weights), strict=True))
    money = basis is not None
    met = {_CODES.index("meets-minimum"), excellent, _CODES.index("not-scored")}
    released = sum(w for s, w in zip(statuses, withheld, strict=True) if s in met)
    period = profile.benchmark_assessment_period
    cautions = []
    if count < profile.meaningful_providers:
        cautions.append(
            Caution(kind="few-providers", count=count, meaningful=profile.meaningful_providers)
        )
    report = OhhReport(
        source=given.source,
        profile=profile_used(profile, as_of),
        composite_method=method,
        bonus_split=bonus_split,
        payments_basis=basis,
        minimum_threshold_percent=profile.minimum_threshold_percent,
        excellence_threshold_percent=profile.excellence_threshold_percent,
        withhold_percent=profile.withhold_percent,
        benchmark_assessment_period=f"{period.start.isoformat()}..{period.end.isoformat()}",
        measures=list(given.measures),
        provider_count=count,
        counts={s: statuses.count(_CODES.index(s)) for s in OHH_STATUSES},
        payments_given=money,
        total_withhold=exact.cents(sum(withheld)) if money else None,
        total_released=exact.cents(released) if money else None,
        total_kept=exact.cents(pool) if money else None,
        bonus_pool=exact.cents(pool) if money else None,
        bonus_pool_state=state,
        bonus_shared=exact.cents(sum(shares.values())) if money else None,
        cautions=cautions,
    )

    results = _Results(given, method, minimum, excellence)

    def providers() -> Iterator[OhhProviderResult]:
        for i in range(count):
            status = _CODES[statuses[i]]
            if not money:
                yield results.make(i, status, None, None, None)
                continue
            share = shares.get(i) if status == "excellence" else None
            yield results.make(i, status, gross[i], withheld[i], share)

    return Scoring(report, providers)


def _pool_state(money: bool, pool: int, eligible: list[int], weights: list[int]) -> PoolState:
    if not money:
        return "no-payments"
    if not pool:
        return "no-pool"
    if not eligible:
        return "no-eligible"
    return "shared" if sum(weights) else "no-eligible-payments"


class _Results:
    """Makes one provider's result; what every provider shares is computed once."""

    def __init__(
        self, given: OhhInput, method: CompositeMethod, minimum: Ratio, excellence: Ratio
    ) -> None:
        self.given = given
        self.method = method
        self.width = len(given.measures)
        self.targets = {
            "below-minimum": [("minimum", minimum), ("excellence", excellence)],
            "meets-minimum": [("excellence", excellence)],
        }
        self.shown = {name: exact.percent(t) for name, t in (("minimum", minimum),
                                                               ("excellence", excellence))}

    def make(
        self, i: int, status: OhhStatus, gross: int | None, withhold: int | None,
        share: int | None,
    ) -> OhhProviderResult:
        given, width = self.given, self.width
        start = i * width
        nums = given.numerators[start : start + width]
        dens = given.denominators[start : start + width]
        num_total, den_total = sum(nums), sum(dens)
        pooled = self.method == "pooled"
        counts = [] if pooled else [Counts(n, d) for n, d in zip(nums, dens, strict=True)]
        what_ifs = []
        for name, target in self.targets.get(status, ()):
            if pooled:  # the same as what_if(), without a Counts per measure
                total = members_to_rate(num_total, den_total, target)
                alone = {
                    m: total if total is not None and total <= d - n else None
                    for m, n, d in zip(given.measures, nums, dens, strict=True)
                }
                plan: dict[str, int] = {}
            else:
                total, alone, plan = what_if(counts, given.measures, self.method, target)
            what_ifs.append(
                OhhTarget(
                    name,  # type: ignore[arg-type]
                    self.shown[name],
                    total is not None,
                    total,
                    alone,
                    plan,
                    exact.cents(withhold) if name == "minimum" and withhold is not None
                    else None,
                )
            )
        score = (
            ((100 * num_total, den_total) if den_total else None)
            if pooled
            else composite(counts, self.method)
        )
        measures = [
            MeasureCounts(m, n, d, exact.percent((100 * n, d)) if d else None)
            for m, n, d in zip(given.measures, nums, dens, strict=True)
        ]
        money = withhold is not None and gross is not None
        kept = status == "below-minimum"
        held = exact.cents(withhold) if money else None  # type: ignore[arg-type]
        zero = exact.cents(0) if money else None
        return OhhProviderResult(
            given.ids[i],
            given.rows[i],
            measures,
            num_total,
            den_total,
            exact.percent(score) if score is not None else None,
            status,
            exact.cents(gross) if money else None,  # type: ignore[arg-type]
            exact.cents(gross - withhold) if money else None,  # type: ignore[operator]
            held,
            zero if kept else held,
            held if kept else zero,
            status == "excellence",
            exact.cents(share) if share is not None else None,
            what_ifs,
        )
