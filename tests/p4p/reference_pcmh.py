"""The PCMH scorer, letter writer and CSV rows as they were before the columnar rewrite, kept
as the reference the fast implementation must agree with, output for output.

This is the plain per-practice version: every practice's standing, improvement and what-ifs
computed one practice at a time from its own values (percentiles by bisect over each measure's
sorted peers), results built as the report dataclasses and rendered by the shared renderers.
It is frozen here on purpose (not imported from ``hiecheck.p4p``): ``tests/p4p/test_pcmh_fast.py``
runs it and the shipped implementation on many random files and compares every format byte for
byte. Its own correctness is what ``test_pcmh.py`` (Fractions, seed sentences) and
``test_whatif_properties.py`` (brute force) established for it.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from hiecheck.p4p import exact
from hiecheck.p4p.exact import Ratio, ceil_div
from hiecheck.p4p.inputs import ABSENT, PcmhInput
from hiecheck.p4p.letters import Letter
from hiecheck.p4p.models import (
    BandResult,
    BandRounding,
    Caution,
    ImprovementNote,
    ImprovementReason,
    ImprovementTotal,
    MeasureMembers,
    MeasureStanding,
    PcmhImprovement,
    PcmhMeasureResult,
    PcmhPracticeResult,
    PcmhReport,
    PcmhSchedule,
    PercentileMethod,
    PercentilePeers,
    PerformanceReason,
    Scoring,
    TableAWhatIf,
    TableBWhatIf,
    Unreachable,
    profile_used,
)
from hiecheck.p4p.profile import Band, PcmhProfile
from hiecheck.p4p.words import (
    IMPROVEMENT_NOTE,
    IMPROVEMENT_REASON,
    PERFORMANCE_REASON,
    UNREACHABLE,
    money,
    number,
    pct,
    plural,
    score,
)

# ---------------------------------------------------------------- percentile ranks

# Half units an equal peer counts for: ½, nothing, all of it.
_TIE_WEIGHT: dict[PercentileMethod, int] = {"midrank": 1, "strict-below": 0, "inclusive": 2}


class Ranking:
    """How ranks are counted: the method, and whether the practice counts among its peers."""

    def __init__(self, method: PercentileMethod, peers: PercentilePeers) -> None:
        self.method = method
        self.peers = peers
        self.tie = _TIE_WEIGHT[method]
        # With 'all', the practice is one of the equal peers (and one more peer).
        self.own = self.tie if peers == "all" else 0
        self.extra = 1 if peers == "all" else 0


class Peers:
    """One measure's raw scores from every practice with a valid result, sorted."""

    def __init__(self, nums: Sequence[int], dens: Sequence[int]) -> None:
        keys = [n / d for n, d in zip(nums, dens, strict=True)]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self.keys = array("d", [keys[i] for i in order])
        self.nums = array("q", [nums[i] for i in order])
        self.dens = array("q", [dens[i] for i in order])

    def __len__(self) -> int:
        return len(self.keys)

    def others(self, ranking: Ranking) -> int:
        """The number of peers a practice in this group is ranked against."""
        return len(self.keys) - 1 + ranking.extra

    def half_units(self, num: int, den: int, ranking: Ranking) -> int:
        """2 × (peers below + the tie's share of equal peers) for the practice's own score."""
        key = num / den
        below = bisect_left(self.keys, key)
        equal_others = bisect_right(self.keys, key) - below - 1
        return 2 * below + ranking.tie * equal_others + ranking.own

    def fewest_members(
        self, own: tuple[int, int], need: int, ranking: Ranking, room: int
    ) -> int | None:
        """Fewest members added to the numerator of ``own`` (others fixed) for its half units
        to reach ``need``; None if more than ``room`` would be needed or none can suffice."""
        need_from_others = need - ranking.own
        others = len(self.keys) - 1
        if need_from_others > 2 * others:
            return None
        num, den = own
        if need_from_others <= 0:
            return 1 if room else None
        own_key = num / den
        position = bisect_left(self.keys, own_key)
        index = ceil_div(need_from_others, 2) - 1  # among the others, sorted
        index += 1 if index >= position else 0  # skip the practice's own score
        v_key, v_num, v_den = self.keys[index], self.nums[index], self.dens[index]
        below = bisect_left(self.keys, v_key) - (1 if own_key < v_key else 0)
        equal = bisect_right(self.keys, v_key) - bisect_left(self.keys, v_key)
        equal -= 1 if own_key == v_key else 0
        gap = v_num * den - num * v_den  # (v − own) × den × v_den
        if 2 * below + ranking.tie * equal >= need_from_others:
            add = ceil_div(gap, v_den)  # reach v
        else:
            add = gap // v_den + 1  # pass v
        add = max(add, 1)
        return add if add <= room else None


# ---------------------------------------------------------------- scorer

PcmhScoring = Scoring[PcmhReport, PcmhPracticeResult]


def raw_score(numerator: int, denominator: int, min_denominator: int) -> Ratio | None:
    """numerator / denominator × 100, exactly; None when the denominator is below the minimum."""
    if denominator < min_denominator:
        return None
    return 100 * numerator, denominator


def improvement_percent(current: Ratio, previous: Ratio) -> Ratio | None:
    """(current − previous) / previous × 100 when current > previous > 0; else None."""
    if previous[0] <= 0 or not exact.more_than(current, previous):
        return None
    diff = exact.sub(current, previous)
    return 100 * diff[0] * previous[1], diff[1] * previous[0]


Bounds = tuple[tuple[int, int, bool], ...]  # each band's lower bound (num, den) and inclusive


def bounds_of(bands: list[Band]) -> Bounds:
    return tuple((*exact.ratio(b.lower), b.inclusive) for b in bands)


def band_index(value: Ratio, bounds: Bounds) -> int | None:
    """The index of the band with the greatest lower bound ``value`` reaches (≥ if inclusive)."""
    num, den = value
    for index in range(len(bounds) - 1, -1, -1):
        low, per, inclusive = bounds[index]
        if num * per > low * den or (inclusive and num * per == low * den):
            return index
    return None


def _a_band(mean: Ratio, bounds: Bounds, rounding: BandRounding) -> int | None:
    value = (exact.round_half_up(*mean), 1) if rounding == "nearest" else mean
    return band_index(value, bounds)


def _borderline(mean: Ratio, bounds: Bounds) -> int | None:
    below = band_index(mean, bounds)
    index = 0 if below is None else below + 1
    if index == 0 or index >= len(bounds):
        return None  # below the first band's edge, or in the top band
    low, per, _ = bounds[index]
    num, den = mean
    return index if low * den > num * per > (low - per) * den else None


def mean_threshold(band: Band, rounding: BandRounding) -> tuple[Ratio, bool]:
    """(value, inclusive): what the exact mean must reach for ``band`` under ``rounding``.

    'nearest' rounds the mean half-up to a whole percentile R first: R ≥ L holds from
    ⌈L⌉ − ½ on, R > L from ⌊L⌋ + ½ on.
    """
    lower = exact.ratio(band.lower)
    if rounding == "down":
        return lower, band.inclusive
    whole = exact.ceil_div(*lower) if band.inclusive else lower[0] // lower[1] + 1
    return (2 * whole - 1, 2), True


def _band(band: Band | None) -> BandResult | None:
    return BandResult(band.label, band.level, band.pmpm) if band else None


def _payment(pmpm: Ratio | None, members: Ratio | None, months: int) -> int:
    """PMPM × months × members in cents, half-up (0 without a band or members)."""
    if pmpm is None or members is None:
        return 0
    return exact.money((pmpm[0] * months * members[0], pmpm[1] * members[1]))


@dataclass(slots=True)
class _Standing:
    """A practice's year before any what-if: its measures, ranks and performance payment."""

    practice: int
    valid: dict[int, Ratio]  # measure index → raw score
    ranks: dict[int, int]  # measure index → half units (ranked measures only)
    total_units: int  # Σ half units × scale / peers
    mean: Ratio | None
    whole: int | None
    band: int | None
    borderline: int | None  # index of the band whose lower edge the mean sits just below
    reasons: list[PerformanceReason]
    payment: int


@dataclass(slots=True)
class _Improvement:
    result: PcmhImprovement | None  # None when only the totals were asked for
    qualified: bool
    changed: bool  # the set of valid measures differs from last year's
    current: Ratio | None
    previous: Ratio | None
    counted: list[int]  # measure indexes totalled
    band: int | None
    cents: int


class _Scorer:
    def __init__(
        self,
        given: PcmhInput,
        previous: PcmhInput | None,
        profile: PcmhProfile,
        ranking: Ranking,
        rounding: BandRounding,
        improvement_total: ImprovementTotal,
    ) -> None:
        self.given = given
        self.previous = previous
        self.profile = profile
        self.ranking = ranking
        self.rounding = rounding
        self.improvement_total = improvement_total
        self.width = len(given.measures)
        self.min_den = profile.min_denominator
        self.peers = self._peers()
        counts = [p.others(ranking) for p in self.peers if p is not None and p.others(ranking)]
        self.scale = math.lcm(*counts) if counts else 1
        self.units = [
            self.scale // p.others(ranking) if p is not None and p.others(ranking) else 0
            for p in self.peers
        ]
        self.table_a = profile.table_a
        self.table_b = profile.table_b
        self.thresholds = [mean_threshold(b, rounding) for b in self.table_a]
        self.a_bounds = bounds_of(self.table_a)
        self.b_bounds = bounds_of(self.table_b)
        self.a_pmpm = [exact.ratio(b.pmpm) for b in self.table_a]
        self.b_pmpm = [exact.ratio(b.pmpm) for b in self.table_b]
        self.months = profile.months_per_year
        self.members = [
            exact.ratio(m) if m is not None else None for m in given.annualized_members
        ]
        self.previous_index = previous.index() if previous is not None else {}
        self.previous_slot = (
            [previous.measures.index(m) if m in previous.measures else -1 for m in given.measures]
            if previous is not None
            else []
        )

    def _peers(self) -> list[Peers | None]:
        nums: list[list[int]] = [[] for _ in range(self.width)]
        dens: list[list[int]] = [[] for _ in range(self.width)]
        given = self.given
        for slot, den in enumerate(given.denominators):
            if den >= self.min_den:
                nums[slot % self.width].append(given.numerators[slot])
                dens[slot % self.width].append(den)
        return [Peers(n, d) if d else None for n, d in zip(nums, dens, strict=True)]

    # ---------------------------------------------------------------- one practice

    def standing(self, i: int) -> _Standing:
        given, width = self.given, self.width
        start = i * width
        valid: dict[int, Ratio] = {}
        ranks: dict[int, int] = {}
        total = 0
        for m in range(width):
            den = given.denominators[start + m]
            if den == ABSENT or den < self.min_den:
                continue
            num = given.numerators[start + m]
            valid[m] = (100 * num, den)
            peers = self.peers[m]
            if peers is not None and self.units[m]:
                ranks[m] = peers.half_units(num, den, self.ranking)
                total += ranks[m] * self.units[m]
        mean = (50 * total, len(ranks) * self.scale) if ranks else None
        whole = exact.round_half_up(*mean) if mean is not None else None
        band = None
        borderline = None
        if mean is not None:
            band = _a_band(mean, self.a_bounds, self.rounding)
            borderline = _borderline(mean, self.a_bounds)
        reasons: list[PerformanceReason] = []
        if not given.ncqa_recognized[i]:
            reasons.append("no-ncqa")
        if not given.full_year[i]:
            reasons.append("not-full-year")
        if not valid:
            reasons.append("no-measure-result")
        elif not ranks:
            reasons.append("no-percentile")
        payment = (
            _payment(self.a_pmpm[band], self.members[i], self.months)
            if not reasons and band is not None
            else 0
        )
        return _Standing(i, valid, ranks, total, mean, whole, band, borderline, reasons, payment)

    def improvement(self, i: int, standing: _Standing, *, detail: bool = True) -> _Improvement:
        given = self.given
        reasons: list[ImprovementReason] = []
        if not given.ncqa_recognized[i]:
            reasons.append("no-ncqa")
        if not given.full_year[i]:
            reasons.append("not-full-year")
        empty = PcmhImprovement(False, reasons, None, [], [], [], None, None, None, None,
                                exact.cents(0))
        if self.previous is None:
            reasons.append("no-previous-file")
            return _Improvement(empty, False, False, None, None, [], None, 0)
        j = self.previous_index.get(given.ids[i])
        if j is None:
            reasons.append("no-previous-results")
            return _Improvement(empty, False, False, None, None, [], None, 0)
        before = self.previous
        if not before.full_year[j]:
            reasons.append("not-full-previous-year")
        base = j * len(before.measures)
        was: dict[int, Ratio] = {}
        for m, slot in enumerate(self.previous_slot):
            den = before.denominators[base + slot] if slot >= 0 else ABSENT
            if den != ABSENT and den >= self.min_den:
                was[m] = (100 * before.numerators[base + slot], den)
        now = standing.valid
        measures = given.measures
        added = sorted(measures[m] for m in now.keys() - was.keys())
        dropped = sorted(measures[m] for m in was.keys() - now.keys())
        if self.improvement_total == "like-for-like":
            counted = sorted(now.keys() & was.keys())
            current, previous = _total(now, counted), _total(was, counted)
        else:
            counted = sorted(now)
            current, previous = _total(now, counted), _total(was, sorted(was))
        gain = improvement_percent(current, previous)
        note: ImprovementNote | None = None
        band = band_index(gain, self.b_bounds) if gain is not None else None
        if not counted and self.improvement_total == "like-for-like":
            note = "no-common-measures"
        elif previous[0] == 0:
            note = "no-previous-score"
        elif gain is None:
            note = "not-more-than-previous"
        elif band is None:
            note = "below-first-band"
        cents = (
            _payment(self.b_pmpm[band], self.members[i], self.months)
            if not reasons and band is not None
            else 0
        )
        changed = bool(added or dropped)
        if not detail:
            return _Improvement(None, not reasons, changed, current, previous, counted, band,
                                cents)
        chosen = self.table_b[band] if band is not None else None
        result = PcmhImprovement(
            qualified=not reasons,
            reasons=reasons,
            note=note,
            measures_counted=[measures[m] for m in counted],
            measures_added=added,
            measures_dropped=dropped,
            current_total_raw_score=exact.percent(current),
            previous_total_raw_score=exact.percent(previous),
            improvement_percent=exact.percent(gain) if gain is not None else None,
            band=_band(chosen),
            payment=exact.cents(cents),
        )
        return _Improvement(result, not reasons, changed, current, previous, counted, band, cents)

    # ---------------------------------------------------------------- what-ifs

    def table_a_what_if(self, s: _Standing) -> TableAWhatIf | None:
        if s.mean is None:
            return None
        target = 0 if s.band is None else s.band + 1
        if target >= len(self.table_a):
            return None
        (e_num, e_den), inclusive = self.thresholds[target]
        count = len(s.ranks)
        given = self.given
        start = s.practice * self.width
        options = []
        for m, rank in s.ranks.items():
            rest = s.total_units - rank * self.units[m]
            # 50 (rest + c · u) / (count · scale) must reach e_num / e_den
            top = e_num * count * self.scale - 50 * e_den * rest
            bottom = 50 * e_den * self.units[m]
            need = exact.ceil_div(top, bottom) if inclusive else top // bottom + 1
            num, den = given.numerators[start + m], given.denominators[start + m]
            peers = self.peers[m]
            assert peers is not None
            add = peers.fewest_members((num, den), need, self.ranking, den - num)
            if add is not None:
                options.append(
                    MeasureMembers(given.measures[m], add, exact.decimal_up(100 * add, den, 4))
                )
        options.sort(key=lambda o: (o.add_members, o.measure))
        band = self.table_a[target]
        gain = None
        if not s.reasons:
            paid = _payment(self.a_pmpm[target], self.members[s.practice], self.months)
            gain = exact.cents(paid - s.payment)
        return TableAWhatIf(_band(band), bool(options), options, gain)  # type: ignore[arg-type]

    def table_b_what_if(self, i: int, imp: _Improvement) -> TableBWhatIf | None:
        if imp.current is None or imp.previous is None:
            return None
        target = 0 if imp.band is None else imp.band + 1
        if target >= len(self.table_b):
            return None
        band = self.table_b[target]
        maximum = (100 * len(imp.counted), 1)
        unreachable: Unreachable | None = None
        if not imp.counted:
            unreachable = "no-measures"
        elif imp.previous[0] == 0:
            unreachable = "no-previous-score"
        if unreachable is not None:
            return TableBWhatIf(_band(band), None, not band.inclusive, None, False,  # type: ignore[arg-type]
                                unreachable, exact.percent(maximum), [], None)
        lower = exact.ratio(band.lower)
        factor = (lower[1] * 100 + lower[0], lower[1] * 100)
        needed = (imp.previous[0] * factor[0], imp.previous[1] * factor[1])
        short = exact.sub(needed, imp.current)
        if short[0] < 0:
            short = (0, 1)
        reachable = exact.reaches(maximum, needed, band.inclusive)
        given = self.given
        start = i * self.width
        options = []
        for m in imp.counted:
            num, den = given.numerators[start + m], given.denominators[start + m]
            # 100 · add / den must reach short (≥ or >)
            top, bottom = short[0] * den, short[1] * 100
            add = exact.ceil_div(top, bottom) if band.inclusive else top // bottom + 1
            add = max(add, 1)
            options.append(MeasureMembers(given.measures[m], add if add <= den - num else None,
                                          exact.decimal_up(100 * add, den, 4)))
        options.sort(key=lambda o: (o.add_members is None, o.add_members or 0, o.measure))
        gain = None
        if imp.qualified:
            paid = _payment(self.b_pmpm[target], self.members[i], self.months)
            gain = exact.cents(paid - imp.cents)
        return TableBWhatIf(
            target=_band(band),  # type: ignore[arg-type]
            needed_total_raw_score=exact.decimal_up(*needed, 4),
            strictly_above=not band.inclusive,
            add_raw_score_points=exact.decimal_up(*short, 4),
            reachable=reachable,
            unreachable=None if reachable else "above-maximum",
            maximum_total_raw_score=exact.percent(maximum),
            options=options if reachable else [],
            payment_gain=gain,
        )

    # ---------------------------------------------------------------- result

    def result(self, i: int) -> PcmhPracticeResult:
        s = self.standing(i)
        imp = self.improvement(i, s)
        assert imp.result is not None
        given = self.given
        start = i * self.width
        measures = []
        for m, name in enumerate(given.measures):
            den = given.denominators[start + m]
            if den == ABSENT:
                continue
            num = given.numerators[start + m]
            standing: MeasureStanding
            peers = self.peers[m]
            pct = None
            count = None
            if m in s.ranks:
                standing = "ranked"
                count = peers.others(self.ranking) if peers is not None else None
                pct = exact.percent((50 * s.ranks[m], count or 1))
            elif m in s.valid:
                standing = "no-peers"
            else:
                standing = "small-denominator"
            measures.append(
                PcmhMeasureResult(
                    name, num, den,
                    exact.percent(s.valid[m]) if m in s.valid else None,
                    standing, count, pct,
                )
            )
        between = []
        if s.borderline is not None:
            between = [self.table_a[s.borderline - 1].label, self.table_a[s.borderline].label]
        band = self.table_a[s.band] if s.band is not None else None
        return PcmhPracticeResult(
            practice_id=given.ids[i],
            row=given.rows[i],
            measures=measures,
            qualifying_measures=len(s.ranks),
            mean_performance_percentile=exact.percent(s.mean) if s.mean is not None else None,
            whole_percentile=s.whole if self.rounding == "nearest" else (
                s.mean[0] // s.mean[1] if s.mean is not None else None
            ),
            borderline=s.borderline is not None,
            borderline_between=between,
            performance_qualified=not s.reasons,
            performance_reasons=s.reasons,
            performance_band=_band(band),
            annualized_members=given.annualized_members[i],
            performance_payment=exact.cents(s.payment),
            improvement=imp.result,
            table_a_what_if=self.table_a_what_if(s),
            table_b_what_if=self.table_b_what_if(i, imp),
        )


def _total(scores: dict[int, Ratio], measures: list[int]) -> Ratio:
    total: Ratio = (0, 1)
    for m in measures:
        total = exact.add(total, scores[m])
    return total


def reference_score_pcmh(
    given: PcmhInput,
    previous: PcmhInput | None,
    profile: PcmhProfile,
    *,
    method: PercentileMethod,
    peers: PercentilePeers,
    rounding: BandRounding,
    improvement_total: ImprovementTotal,
    as_of: date,
) -> PcmhScoring:
    """Every practice's percentiles, Table A and Table B payments, borderline flags, what-if."""
    ranking = Ranking(method, peers)
    scorer = _Scorer(given, previous, profile, ranking, rounding, improvement_total)
    counts = {
        "performance_qualified": 0,
        "with_performance_payment": 0,
        "improvement_qualified": 0,
        "with_improvement_payment": 0,
        "borderline": 0,
        "measure_set_changed": 0,
        "no_percentile": 0,
    }
    performance = improvement = 0
    for i in range(len(given)):
        s = scorer.standing(i)
        imp = scorer.improvement(i, s, detail=False)
        counts["performance_qualified"] += not s.reasons
        counts["with_performance_payment"] += s.payment > 0
        counts["improvement_qualified"] += imp.qualified
        counts["with_improvement_payment"] += imp.cents > 0
        counts["borderline"] += s.borderline is not None
        counts["measure_set_changed"] += imp.changed
        counts["no_percentile"] += s.mean is None
        performance += s.payment
        improvement += imp.cents
    cautions = [
        Caution(kind="few-peers", measure=name, count=len(p) - 1 if p else 0,
                meaningful=profile.meaningful_peers)
        for name, p in zip(given.measures, scorer.peers, strict=True)
        if (len(p) - 1 if p else 0) < profile.meaningful_peers
    ]
    schedule = profile.schedule
    report = PcmhReport(
        source=given.source,
        previous_source=previous.source if previous is not None else None,
        profile=profile_used(profile, as_of),
        payment_year_range=profile.period,
        performance_year=profile.performance_year,
        percentile_method=method,
        percentile_peers=peers,
        band_rounding=rounding,
        improvement_total=improvement_total,
        min_denominator=profile.min_denominator,
        meaningful_peers=profile.meaningful_peers,
        schedule=PcmhSchedule(
            notification_quarter=schedule.notification_quarter,
            review_request_days=schedule.review_request_days,
            review_completion_days=schedule.review_completion_days,
            final_payment_quarter=schedule.final_payment_quarter,
        ),
        practice_count=len(given),
        counts=counts,
        total_performance_payment=exact.cents(performance),
        total_improvement_payment=exact.cents(improvement),
        cautions=cautions,
    )

    def practices() -> Iterator[PcmhPracticeResult]:
        for i in range(len(given)):
            yield scorer.result(i)

    return Scoring(report, practices)


# ---------------------------------------------------------------- letters


def _table_a(what: TableAWhatIf) -> str:
    gain = f" (+{money(what.payment_gain)})" if what.payment_gain is not None else ""
    head = f"Next Table A band, {what.target.label}{gain}"
    if not what.reachable:
        return f"{head}: not reachable by improving any single measure."
    options = "; or ".join(
        f"{plural(o.add_members or 0, 'more member')} meeting {o.measure} "
        f"(+{score(o.add_raw_score_points)} raw-score points)"
        for o in what.options
    )
    return f"{head}: {options}; each alone, other measures and practices unchanged."


def _table_b(what: TableBWhatIf) -> str:
    gain = f" (+{money(what.payment_gain)})" if what.payment_gain is not None else ""
    head = f"Next Table B band, {what.target.label}{gain}"
    if not what.reachable:
        return f"{head}: {UNREACHABLE[what.unreachable or 'above-maximum']}."
    word = "more than" if what.strictly_above else "at least"
    options = [o for o in what.options if o.add_members is not None]
    alone = (
        "; ".join(f"{plural(o.add_members or 0, 'more member')} meeting {o.measure}"
                  for o in options)
        if options
        else "no single measure has room for it"
    )
    return (
        f"{head}: a total raw score of {word} {score(what.needed_total_raw_score)} "
        f"(+{score(what.add_raw_score_points)} points): {alone}."
    )


def _pcmh_measures(p: PcmhPracticeResult, report: PcmhReport) -> str:
    parts = []
    others = "others" if report.percentile_peers == "others" else "practices"
    for m in p.measures:
        if m.standing == "ranked":
            parts.append(
                f"{m.measure} raw score {score(m.raw_score)}, percentile "
                f"{score(m.percentile)} among {m.peers:,} {others}"
            )
        elif m.standing == "no-peers":
            parts.append(
                f"{m.measure} raw score {score(m.raw_score)} (no other practice to rank against)"
            )
        else:
            parts.append(f"{m.measure} (denominator {m.denominator} < {report.min_denominator}: "
                         "no raw score)")
    return "; ".join(parts)


def reference_letter(report: PcmhReport, p: PcmhPracticeResult) -> Letter:
    earned = []
    band = p.performance_band
    if p.performance_qualified and band is not None and band.pmpm == 0:
        earned.append(f"No performance payment: the mean is in the {band.label} band.")
    elif p.performance_qualified and band is not None:
        earned.append(
            f"Performance payment {money(p.performance_payment)}: {band.label}, "
            f"{money(band.pmpm)} PMPM x 12 x {number(p.annualized_members)} members."
        )
    else:
        reasons = "; ".join(PERFORMANCE_REASON[r] for r in p.performance_reasons)
        earned.append(f"No performance payment: {reasons or 'below every band'}.")
    imp = p.improvement
    if imp.qualified and imp.band is not None:
        earned.append(
            f"Improvement payment {money(imp.payment)}: {pct(imp.improvement_percent)} "
            f"improvement, {imp.band.label}, {money(imp.band.pmpm)} PMPM x 12 x "
            f"{number(p.annualized_members)} members."
        )
    else:
        why_not = [IMPROVEMENT_REASON[r] for r in imp.reasons]
        if imp.note is not None:
            why_not.append(IMPROVEMENT_NOTE[imp.note])
        earned.append(f"No improvement payment: {'; '.join(why_not) or 'no improvement'}.")
    why = []
    if p.mean_performance_percentile is not None:
        rounded = (
            f", rounded to {p.whole_percentile}" if report.band_rounding == "nearest" else ""
        )
        why.append(
            f"Mean performance percentile {score(p.mean_performance_percentile)}{rounded}, over "
            f"{plural(p.qualifying_measures, 'ranked measure')}: {_pcmh_measures(p, report)}."
        )
    else:
        why.append(f"Measures: {_pcmh_measures(p, report)}.")
    if imp.current_total_raw_score is not None:
        counted = ", ".join(imp.measures_counted) or "none"
        why.append(
            f"Total raw score {score(imp.current_total_raw_score)} this year vs "
            f"{score(imp.previous_total_raw_score)} last year ({report.improvement_total}: "
            f"{counted})."
        )
    change = []
    if p.table_a_what_if is not None:
        change.append(_table_a(p.table_a_what_if))
    if p.table_b_what_if is not None:
        change.append(_table_b(p.table_b_what_if))
    if p.table_a_what_if is None:
        change.append(
            "Already in the top Table A band."
            if p.mean_performance_percentile is not None
            else "No percentile in this file: nothing to improve against."
        )
    notes = []
    if p.borderline:
        low, high = p.borderline_between
        how = (
            f"hiecheck rounds it to the nearest whole percentile ({p.whole_percentile})"
            if report.band_rounding == "nearest"
            else "hiecheck takes the band at or below it"
        )
        notes.append(
            f"Borderline: the mean {score(p.mean_performance_percentile)} lies between {low} "
            f"and {high}; {how}. The practice has {report.schedule.review_request_days} days "
            "after the notification letter to ask DSS for a review."
        )
    if imp.measures_added or imp.measures_dropped:
        parts = []
        if imp.measures_added:
            parts.append("added " + ", ".join(imp.measures_added))
        if imp.measures_dropped:
            parts.append("dropped " + ", ".join(imp.measures_dropped))
        counted = (
            "only measures valid in both years count"
            if report.improvement_total == "like-for-like"
            else "each year's total counts its own measures (all-valid)"
        )
        notes.append(f"Measures changed since last year: {'; '.join(parts)} ({counted}).")
    paid = p.performance_payment > 0 or imp.payment > 0
    tone = "good" if paid else ("bad" if p.performance_qualified else "neutral")
    status = band.label if band is not None and p.performance_qualified else "no payment"
    return Letter(p.practice_id, status, tone, earned, why, change, notes)


# ---------------------------------------------------------------- CSV rows


def _t(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def reference_csv_rows(
    report: PcmhReport, items: Iterable[PcmhPracticeResult]
) -> Iterable[list[str]]:
    yield [
        "practice_id", "row", "profile_version", "percentile_method", "percentile_peers",
        "band_rounding", "improvement_total", "qualifying_measures",
        "mean_performance_percentile", "whole_percentile", "borderline", "performance_qualified",
        "performance_reasons", "performance_band", "performance_pmpm", "annualized_members",
        "performance_payment", "measures_counted", "measures_added", "measures_dropped",
        "current_total_raw_score", "previous_total_raw_score", "improvement_percent",
        "improvement_qualified", "improvement_reasons", "improvement_band", "improvement_pmpm",
        "improvement_payment", "next_band", "members_to_next_band", "measure_for_next_band",
        "payment_gain_next_band", "next_improvement_band", "improvement_target_reachable",
        "improvement_needed_total", "payment_gain_next_improvement_band",
    ]
    settings = [
        report.profile.version, report.percentile_method, report.percentile_peers,
        report.band_rounding, report.improvement_total,
    ]
    for p in items:
        imp = p.improvement
        a, b = p.table_a_what_if, p.table_b_what_if
        best = a.options[0] if a is not None and a.options else None
        band = p.performance_band
        yield [
            p.practice_id, str(p.row), *settings, str(p.qualifying_measures),
            _t(p.mean_performance_percentile), _t(p.whole_percentile), _t(p.borderline),
            _t(p.performance_qualified), " ".join(p.performance_reasons),
            band.label if band else "", _t(band.pmpm) if band else "",
            _t(p.annualized_members), _t(p.performance_payment),
            " ".join(imp.measures_counted), " ".join(imp.measures_added),
            " ".join(imp.measures_dropped), _t(imp.current_total_raw_score),
            _t(imp.previous_total_raw_score), _t(imp.improvement_percent), _t(imp.qualified),
            " ".join([*imp.reasons, *([imp.note] if imp.note else [])]),
            imp.band.label if imp.band else "", _t(imp.band.pmpm) if imp.band else "",
            _t(imp.payment),
            a.target.label if a else "", _t(best.add_members) if best else "",
            best.measure if best else "", _t(a.payment_gain) if a else "",
            b.target.label if b else "", _t(b.reachable) if b else "",
            _t(b.needed_total_raw_score) if b else "", _t(b.payment_gain) if b else "",
        ]


