"""Connecticut HUSKY PCMH: raw scores, peer percentiles, Table A and Table B payments.

All arithmetic is on integers: a practice's percentiles are half-unit ranks over a common
scale (the least common multiple of the measures' peer counts), so the mean performance
percentile, its band and every what-if are exact. Each measure's peers are sorted once and
every practice ranked from that order; each practice's standing and improvement are computed
once, for the report's totals, and kept; its what-ifs and figures are made while a renderer
writes it (``pcmh_figures``).
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import partial
from itertools import compress, repeat
from operator import add, and_, ge, itemgetter, mul, or_

from hiecheck.p4p import exact
from hiecheck.p4p.exact import Ratio
from hiecheck.p4p.forked import Later, worth_forking
from hiecheck.p4p.inputs import ABSENT, PcmhInput
from hiecheck.p4p.models import (
    BandRounding,
    Caution,
    ImprovementNote,
    ImprovementReason,
    ImprovementTotal,
    PcmhReport,
    PcmhSchedule,
    PercentileMethod,
    PercentilePeers,
    PerformanceReason,
    Unreachable,
    profile_used,
)
from hiecheck.p4p.pcmh_figures import (
    NO_SCORE,
    NOT_RANKED,
    ImprovementFigures,
    MeasureFigures,
    OptionFigures,
    PcmhFrame,
    PcmhScoring,
    PracticeFigures,
    TableAFigures,
    TableBFigures,
)
from hiecheck.p4p.percentile import Peers, Ranking
from hiecheck.p4p.profile import Band, PcmhProfile


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


def band_for(value: Ratio, bands: list[Band]) -> int | None:
    """``band_index`` on a band table."""
    return band_index(value, bounds_of(bands))


def _a_band(mean: Ratio, bounds: Bounds, rounding: BandRounding) -> int | None:
    value = (exact.round_half_up(*mean), 1) if rounding == "nearest" else mean
    return band_index(value, bounds)


def table_a_band(mean: Ratio, bands: list[Band], rounding: BandRounding) -> int | None:
    """The Table A band of a mean performance percentile: 'nearest' rounds it half-up to a whole
    percentile first, 'down' compares the exact mean."""
    return _a_band(mean, bounds_of(bands), rounding)


def _borderline(mean: Ratio, bounds: Bounds) -> int | None:
    below = band_index(mean, bounds)
    index = 0 if below is None else below + 1
    if index == 0 or index >= len(bounds):
        return None  # below the first band's edge, or in the top band
    low, per, _ = bounds[index]
    num, den = mean
    return index if low * den > num * per > (low - per) * den else None


def borderline_band(mean: Ratio, bands: list[Band]) -> int | None:
    """The band whose lower edge L has L − 1 < mean < L: the mean lies between two bands'
    whole-number edges, where the reading of the gap decides the payment."""
    return _borderline(mean, bounds_of(bands))


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


def _payment(pmpm: Ratio | None, members: Ratio | None, months: int) -> int:
    """PMPM × months × members in cents, half-up (0 without a band or members)."""
    if pmpm is None or members is None:
        return 0
    return exact.money((pmpm[0] * months * members[0], pmpm[1] * members[1]))



_Sets = tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...], tuple[int, ...]]
# (measure, its half units and group starts per practice, peers, the Table A what-if's
# divisor for one band, the most half units the other peers can give)
_RankedMeasure = tuple[int, "array[int]", "array[int]", Peers, int, int]
_ORDER = itemgetter(3)  # options: fewest members first, then by measure id
_LAST = 1 << 62  # the order of an option without room: after every number of members
_NO_NCQA, _PART_YEAR, _NO_RESULT, _NO_PERCENTILE = 1, 2, 4, 8
_REASON_BITS: tuple[tuple[int, PerformanceReason], ...] = (
    (_NO_NCQA, "no-ncqa"), (_PART_YEAR, "not-full-year"), (_NO_RESULT, "no-measure-result"),
    (_NO_PERCENTILE, "no-percentile"),
)
_REASONS: dict[int, tuple[PerformanceReason, ...]] = {
    code: tuple(reason for bit, reason in _REASON_BITS if code & bit) for code in range(16)
}


def _consume(values: Iterator[object]) -> None:
    deque(values, maxlen=0)


class _BandFinder:
    """Table A band and borderline flag of exact means; with whole-number band edges (every
    profile so far) both depend only on the mean's whole part and whether it has a fraction,
    so each answer is computed once and looked up after."""

    def __init__(self, bounds: Bounds, rounding: BandRounding) -> None:
        self.bounds = bounds
        self.rounding = rounding
        self.whole_edges = all(per == 1 for _, per, _ in bounds)
        # lower edge L → index of its band, for the borderline test L − 1 < mean < L
        self.edges = {low: k for k, (low, _, _) in enumerate(bounds) if k}
        self._bands: dict[tuple[int, bool], int | None] = {}

    def __call__(self, num: int, den: int) -> tuple[int | None, int | None]:
        """(band, borderline band) of the mean num / den (num ≥ 0)."""
        if not self.whole_edges:
            return _a_band((num, den), self.bounds, self.rounding), _borderline(
                (num, den), self.bounds
            )
        floor, rest = divmod(num, den)
        if self.rounding == "nearest":
            key = ((2 * num + den) // (2 * den), False)
        else:
            key = (floor, rest > 0)
        band = self._bands.get(key, -1)
        if band == -1:
            whole, fraction = key  # a value with that whole part (and ½ if a fraction)
            band = self._bands[key] = band_index((2 * whole + fraction, 2), self.bounds)
        return band, self.edges.get(floor + 1) if rest else None


def _peers_of(given: PcmhInput, measures: range, min_den: int) -> list[Peers | None]:
    """Each of ``measures``' peers (None: no practice has a valid result for it)."""
    width = len(given.measures)
    made: list[Peers | None] = []
    for m in measures:
        dens = given.denominators[m::width]
        flags = list(map(ge, dens, repeat(min_den)))  # ABSENT is -1
        made.append(
            Peers(list(compress(given.numerators[m::width], flags)), list(compress(dens, flags)))
            if any(flags) else None
        )
    return made


class _Scorer:
    """Every practice's standing, computed once and kept in columns (lists by practice), and
    each practice's figures, what-ifs included, on demand."""

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
        self.peers: list[Peers | None] = []
        self.others: list[int] = []  # per measure: peers each practice is ranked against
        self.half: list[array[int]] = []  # per measure, per practice: half units (0: none)
        self.below: list[array[int]] = []  # per measure, per practice: where its group starts
        self.valid: list[int] = [0] * len(given)  # per practice: bit m set, a raw score for m
        self._rank()
        counts = [p for p in self.others if p]
        self.scale = math.lcm(*counts) if counts else 1
        self.units = [self.scale // p if p else 0 for p in self.others]
        self.ranked_mask = sum(1 << m for m, p in enumerate(self.others) if p)
        self.table_a = profile.table_a
        self.table_b = profile.table_b
        self.thresholds = [mean_threshold(b, rounding) for b in self.table_a]
        self.a_bounds = bounds_of(self.table_a)
        self.b_bounds = bounds_of(self.table_b)
        self.a_pmpm = [exact.ratio(b.pmpm) for b in self.table_a]
        self.b_pmpm = [exact.ratio(b.pmpm) for b in self.table_b]
        # Per Table B band: 1 + lower / 100, what last year's total is multiplied by
        self.b_factors = [(low[1] * 100 + low[0], low[1] * 100)
                          for low in (exact.ratio(b.lower) for b in self.table_b)]
        self.months = profile.months_per_year
        # One ratio per distinct member count, shared (a tuple and two ints per practice
        # were 11 MB at 100,000 practices, and pages a forked renderer copies)
        ratios: dict[Decimal, Ratio] = {}
        self.members = [
            (ratios.get(m) or ratios.setdefault(m, exact.ratio(m))) if m is not None else None
            for m in given.annualized_members
        ]
        self._sets: dict[int, _Sets] = {}
        names = given.measures
        self.name_order = [sorted(names).index(name) for name in names]
        # Per Table A band: the ranked measures with what the what-if divides by.
        self.a_measures: list[list[_RankedMeasure]] = [
            [
                (m, self.half[m], self.below[m], peers, 50 * e_den * self.units[m],
                 2 * (len(peers) - 1))
                for m, peers in enumerate(self.peers)
                if peers is not None and self.units[m]
            ]
            for (_, e_den), _ in self.thresholds
        ]
        self.frame = PcmhFrame(
            measures=list(given.measures),
            peers=self.others,
            table_a=list(self.table_a),
            table_b=list(self.table_b),
            rounding=rounding,
            improvement_total=improvement_total,
        )
        # Per practice (lists by practice index):
        self.ranked: list[int] = []  # measures with a percentile
        self.total_units: list[int] = []  # Σ half units × scale / peers
        self.band: list[int | None] = []
        self.borderline: list[int | None] = []  # the band whose lower edge the mean is below
        self.reasons: list[tuple[PerformanceReason, ...]] = []
        self.payment: list[int] = []
        self._stand()
        self.improvement: list[ImprovementFigures] = []
        # each practice's row in the previous year (None: none) and its valid measures there
        # (bit m: this year's measure m); the exact totals are recomputed from them for the
        # what-if rather than kept (100,000 pairs of big fractions)
        self.previous_row: list[int | None] = []
        self.was: list[int] = []
        self.slots: list[int] = []  # this year's measure m → its slot in the previous year
        self._improve()

    def _rank(self) -> None:
        """Each measure's peers sorted once; every practice's half units and group start."""
        given, width, count = self.given, self.width, len(self.given)
        practices = range(count)
        # the later half of the measures sorted in a forked child meanwhile (large files)
        later = Later(partial(_peers_of, given, range(width // 2, width), self.min_den),
                      fork=worth_forking(count) and width > 1)
        try:
            made = _peers_of(given, range(width // 2), self.min_den)
        except BaseException:
            later.cancel()
            raise
        made += later.get()
        for m in range(width):
            flags = list(map(ge, given.denominators[m::width], repeat(self.min_den)))
            self.valid = list(map(or_, self.valid, map(mul, flags, repeat(1 << m))))
            half = array("i", [0]) * count
            below = array("i", [-1]) * count
            peers = made[m]
            others = peers.others(self.ranking) if peers is not None else 0
            if peers is not None and others:
                rows = list(compress(practices, flags))
                _consume(map(half.__setitem__, rows, peers.half_units(self.ranking)))
                _consume(map(below.__setitem__, rows, peers.below))
            self.peers.append(peers)
            self.others.append(others)
            self.half.append(half)
            self.below.append(below)

    # ---------------------------------------------------------------- the year

    def _stand(self) -> None:
        """Ranked measures, the mean's band and borderline flag, reasons and payment."""
        given, count = self.given, len(self.given)
        ranked = list(map(int.bit_count, map(and_, self.valid, repeat(self.ranked_mask))))
        total = [0] * count
        for half, units in zip(self.half, self.units, strict=True):
            if units:
                total = list(map(add, total, map(mul, half, repeat(units))))
        self.ranked, self.total_units = ranked, total
        find = _BandFinder(self.a_bounds, self.rounding)
        scale, months, members, pmpm = self.scale, self.months, self.members, self.a_pmpm
        for i, (valid, c, units) in enumerate(zip(self.valid, ranked, total, strict=True)):
            code = (0 if given.ncqa_recognized[i] else _NO_NCQA) | (
                0 if given.full_year[i] else _PART_YEAR
            )
            band = borderline = None
            if c:
                band, borderline = find(50 * units, c * scale)
            elif valid:
                code |= _NO_PERCENTILE
            else:
                code |= _NO_RESULT
            self.band.append(band)
            self.borderline.append(borderline)
            self.reasons.append(_REASONS[code])
            self.payment.append(
                _payment(pmpm[band], members[i], months) if not code and band is not None
                else 0
            )

    def _measure_sets(self, now: int, was: int) -> _Sets:
        """Measures added and dropped (ids, sorted), and the measure indexes totalled this year
        and last year, for the sets of valid measures ``now`` and ``was`` (bit masks)."""
        key = now << self.width | was
        found = self._sets.get(key)
        if found is None:
            names = self.given.measures
            bits = range(self.width)
            added = tuple(sorted(names[m] for m in bits if now >> m & 1 and not was >> m & 1))
            dropped = tuple(sorted(names[m] for m in bits if was >> m & 1 and not now >> m & 1))
            if self.improvement_total == "like-for-like":
                counted = tuple(m for m in bits if now >> m & 1 and was >> m & 1)
                before = counted
            else:
                counted = tuple(m for m in bits if now >> m & 1)
                before = tuple(m for m in bits if was >> m & 1)
            found = self._sets[key] = (added, dropped, counted, before)
        return found

    def _improve(self) -> None:
        """Each practice's improvement: totals, gain, Table B band and payment."""
        given, before = self.given, self.previous
        count = len(given)
        empty: dict[tuple[ImprovementReason, ...], ImprovementFigures] = {}
        if before is None:
            rows: list[int | None] = [None] * count
            was = [0] * count
        else:
            index = before.index()
            rows = list(map(index.get, given.ids))
            # each practice's previous-year valid measures (bit m: this year's measure m)
            at = [len(before) if j is None else j for j in rows]
            was = [0] * count
            before_width = len(before.measures)
            for m, name in enumerate(given.measures):
                if name not in before.measures:
                    continue
                dens = before.denominators[before.measures.index(name)::before_width]
                dens.append(ABSENT)  # where a practice has no previous year
                flags = map(ge, map(dens.__getitem__, at), repeat(self.min_den))
                was = list(map(or_, was, map(mul, flags, repeat(1 << m))))
        self.previous_row, self.was = rows, was
        self.slots = (
            [before.measures.index(m) if m in before.measures else -1 for m in given.measures]
            if before is not None
            else []
        )
        reasons_of: dict[tuple[ImprovementReason, ...], tuple[ImprovementReason, ...]] = {}
        for i, (j, now, then) in enumerate(zip(rows, self.valid, was, strict=True)):
            reasons: list[ImprovementReason] = []
            if not given.ncqa_recognized[i]:
                reasons.append("no-ncqa")
            if not given.full_year[i]:
                reasons.append("not-full-year")
            if before is None or j is None:
                reasons.append("no-previous-file" if before is None else "no-previous-results")
                key = tuple(reasons)
                figures = empty.get(key)
                if figures is None:
                    figures = empty[key] = ImprovementFigures(
                        False, key, None, (), (), (), None, None, None, None, 0
                    )
                self.improvement.append(figures)
                continue
            if not before.full_year[j]:
                reasons.append("not-full-previous-year")
            added, dropped, counted, counted_before = self._measure_sets(now, then)
            current, previous = self._totals(i, j, counted, counted_before)
            (current_num, current_den), (previous_num, previous_den) = current, previous
            gain = improvement_percent(current, previous)
            band = band_index(gain, self.b_bounds) if gain is not None else None
            note: ImprovementNote | None = None
            if not counted and self.improvement_total == "like-for-like":
                note = "no-common-measures"
            elif previous_num == 0:
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
            key = tuple(reasons)
            self.improvement.append(ImprovementFigures(
                qualified=not reasons,
                reasons=reasons_of.setdefault(key, key),
                note=note,
                counted=counted,
                added=added,
                dropped=dropped,
                current=current_num * 10000 // current_den,
                previous=previous_num * 10000 // previous_den,
                gain=exact.percent_units(gain) if gain is not None else None,
                band=band,
                payment=cents,
            ))

    # ---------------------------------------------------------------- what-ifs

    def _table_a(self, i: int) -> TableAFigures | None:
        ranked = self.ranked[i]
        if not ranked:
            return None
        band = self.band[i]
        target = 0 if band is None else band + 1
        if target >= len(self.table_a):
            return None
        (e_num, e_den), inclusive = self.thresholds[target]
        # The mean with measure m at ``need`` half units, the others unchanged, is
        # 50 (total − rank · u + need · u) / (count · scale); it reaches e_num / e_den from
        # need = rank + ⌈gap / (50 · e_den · u)⌉ on (one more if the bound is exclusive).
        gap = e_num * ranked * self.scale - 50 * e_den * self.total_units[i]
        order = self.name_order
        given = self.given
        nums, dens = given.numerators, given.denominators
        start = i * self.width
        tie, own = self.ranking.tie, self.ranking.own
        valid = self.valid[i]
        options: list[OptionFigures] = []
        for m, half, below, peers, bottom, most in self.a_measures[target]:
            if not valid >> m & 1:
                continue
            rank = half[i]
            need = rank + (-(-gap // bottom) if inclusive else gap // bottom + 1) - own
            if need > most:  # more than every other peer below it
                continue
            num, den = nums[start + m], dens[start + m]
            if need <= 0:
                add = 1
            else:
                # The peer score v to reach (or pass): the ⌈need / 2⌉-th of the others.
                at = below[i]
                index = (need + 1) // 2 - 1
                index += 1 if index >= at else 0  # skip the practice's own score
                first = peers.starts[index]
                v_below = first - (1 if index >= peers.ends[at] else 0)
                v_equal = peers.ends[index] - first - (1 if first == at else 0)
                v_den = peers.dens[index]
                ahead = peers.nums[index] * den - num * v_den  # (v − own) × den × v_den
                if 2 * v_below + tie * v_equal >= need:
                    add = -(-ahead // v_den)  # reach v
                else:
                    add = ahead // v_den + 1  # pass v
                if add < 1:
                    add = 1
            if add <= den - num:
                options.append((m, add, -(-add * 1000000 // den), add * self.width + order[m]))
        options.sort(key=_ORDER)
        gain = None
        if not self.reasons[i]:
            gain = _payment(self.a_pmpm[target], self.members[i], self.months) - self.payment[i]
        return TableAFigures(target, options, gain)

    def _totals(
        self, i: int, j: int, counted: tuple[int, ...], counted_before: tuple[int, ...]
    ) -> tuple[Ratio, Ratio]:
        """Practice ``i``'s total raw score over ``counted``, and its previous year's (row
        ``j``) over ``counted_before``, exactly (unreduced fractions)."""
        given, before = self.given, self.previous
        assert before is not None
        nums, dens, base = given.numerators, given.denominators, i * self.width
        current_num, current_den = 0, 1
        for m in counted:
            den = dens[base + m]
            current_num = current_num * den + 100 * nums[base + m] * current_den
            current_den *= den
        nums, dens, base = before.numerators, before.denominators, j * len(before.measures)
        slots = self.slots
        previous_num, previous_den = 0, 1
        for m in counted_before:
            den = dens[base + slots[m]]
            previous_num = previous_num * den + 100 * nums[base + slots[m]] * previous_den
            previous_den *= den
        return (current_num, current_den), (previous_num, previous_den)

    def _table_b(self, i: int) -> TableBFigures | None:
        j = self.previous_row[i]
        if j is None:
            return None
        imp = self.improvement[i]
        current, previous = self._totals(
            i, j, imp.counted, self._measure_sets(self.valid[i], self.was[i])[3]
        )
        target = 0 if imp.band is None else imp.band + 1
        if target >= len(self.table_b):
            return None
        band = self.table_b[target]
        counted = imp.counted
        maximum = (100 * len(counted), 1)
        unreachable: Unreachable | None = None
        if not counted:
            unreachable = "no-measures"
        elif previous[0] == 0:
            unreachable = "no-previous-score"
        if unreachable is not None:
            return TableBFigures(target, None, not band.inclusive, None, False, unreachable,
                                 exact.percent_units(maximum), [], None)
        factor = self.b_factors[target]
        needed = (previous[0] * factor[0], previous[1] * factor[1])
        short = exact.sub(needed, current)
        if short[0] < 0:
            short = (0, 1)
        reachable = exact.reaches(maximum, needed, band.inclusive)
        options: list[OptionFigures] = []
        if reachable:
            given = self.given
            nums, dens = given.numerators, given.denominators
            start = i * self.width
            # 100 · add / den must reach short (≥ or >): add = ⌈short · den / 100⌉ at least 1
            top, bottom = short
            bottom *= 100
            inclusive = band.inclusive
            order = self.name_order
            for m in counted:
                num, den = nums[start + m], dens[start + m]
                add = -(-top * den // bottom) if inclusive else top * den // bottom + 1
                if add < 1:
                    add = 1
                points = -(-add * 1000000 // den)
                if add <= den - num:
                    options.append((m, add, points, add * self.width + order[m]))
                else:
                    options.append((m, None, points, _LAST + order[m]))
            options.sort(key=_ORDER)
        gain = None
        if imp.qualified:
            gain = _payment(self.b_pmpm[target], self.members[i], self.months) - imp.payment
        return TableBFigures(
            target=target,
            needed=exact.up_units(*needed),
            strictly_above=not band.inclusive,
            short=exact.up_units(*short),
            reachable=reachable,
            unreachable=None if reachable else "above-maximum",
            maximum=exact.percent_units(maximum),
            options=options,
            gain=gain,
        )

    # ---------------------------------------------------------------- figures

    def figures(self, i: int) -> PracticeFigures:
        given = self.given
        start = i * self.width
        valid = self.valid[i]
        ranked_mask = self.ranked_mask
        measures: list[MeasureFigures] = []
        for m in range(self.width):
            den = given.denominators[start + m]
            if den == ABSENT:
                continue
            num = given.numerators[start + m]
            if valid >> m & 1:
                raw = 1000000 * num // den
                percentile = (
                    500000 * self.half[m][i] // self.others[m] if ranked_mask >> m & 1
                    else NOT_RANKED
                )
            else:
                raw = NO_SCORE
                percentile = NOT_RANKED
            measures.append((m, num, den, raw, percentile))
        ranked = self.ranked[i]
        mean = whole = None
        if ranked:
            top, bottom = 50 * self.total_units[i], ranked * self.scale
            mean = top * 10000 // bottom
            if self.rounding == "nearest":
                whole = (2 * top + bottom) // (2 * bottom)
            else:
                whole = top // bottom
        return PracticeFigures(
            practice_id=given.ids[i],
            row=given.rows[i],
            measures=measures,
            ranked=ranked,
            mean=mean,
            whole=whole,
            borderline=self.borderline[i],
            reasons=self.reasons[i],
            band=self.band[i],
            members=given.annualized_members[i],
            payment=self.payment[i],
            improvement=self.improvement[i],
            table_a=self._table_a(i),
            table_b=self._table_b(i),
        )


def score_pcmh(
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
    improvement = 0
    for imp in scorer.improvement:
        counts["improvement_qualified"] += imp.qualified
        counts["with_improvement_payment"] += imp.payment > 0
        counts["measure_set_changed"] += bool(imp.added or imp.dropped)
        improvement += imp.payment
    counts["performance_qualified"] = scorer.reasons.count(())
    counts["with_performance_payment"] = len(scorer.payment) - scorer.payment.count(0)
    counts["borderline"] = len(scorer.borderline) - scorer.borderline.count(None)
    counts["no_percentile"] = scorer.ranked.count(0)
    performance = sum(scorer.payment)
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

    count = len(given)
    return PcmhScoring(
        report, lambda: map(scorer.frame.result, map(scorer.figures, range(count))),
        scorer.frame, count, scorer.figures,
    )
