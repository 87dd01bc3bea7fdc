"""PCMH practice results as plain integers: what the scorer computes, before any Decimal.

Scores and percentiles are × 10⁴ rounded toward zero (``exact.percent_units``: exactly the
digits the report shows), needed amounts × 10⁴ rounded up (``exact.up_units``), money in
cents; measures and bands are indexes. ``PcmhFrame`` holds what every practice shares (measure
names, peer counts, bands, settings) and turns a practice's figures into the report's
``PcmhPracticeResult``; the renderers write straight from the figures, which is what lets
100,000 practices be written in a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from hiecheck.p4p.exact import cents, from_percent_units, from_up_units
from hiecheck.p4p.models import (
    BandResult,
    BandRounding,
    ImprovementNote,
    ImprovementReason,
    ImprovementTotal,
    MeasureMembers,
    MeasureStanding,
    PcmhImprovement,
    PcmhMeasureResult,
    PcmhPracticeResult,
    PcmhReport,
    PerformanceReason,
    Scoring,
    TableAWhatIf,
    TableBWhatIf,
    Unreachable,
)
from hiecheck.p4p.profile import Band

NO_SCORE = -1  # in ``MeasureFigures.raw``: denominator below the minimum (no raw score)
NOT_RANKED = -1  # in ``MeasureFigures.percentile``

# (measure index, numerator, denominator, raw score units or NO_SCORE, percentile units or
# NOT_RANKED), for each measure the practice has a row for, in the file's measure order.
MeasureFigures = tuple[int, int, int, int, int]
# (measure index, members to add or None when that measure alone has too little room, raw-score
# points those members add × 10⁴ rounded up, the option's place in the list: fewest members
# first, then by measure id).
OptionFigures = tuple[int, int | None, int, int]


@dataclass(slots=True)
class ImprovementFigures:
    """The improvement payment (Table B): totals × 10⁴ toward zero, payment in cents."""

    qualified: bool
    reasons: tuple[ImprovementReason, ...]
    note: ImprovementNote | None
    counted: tuple[int, ...]  # measure indexes totalled, in the file's order
    added: tuple[str, ...]  # measure ids, sorted
    dropped: tuple[str, ...]
    current: int | None
    previous: int | None
    gain: int | None
    band: int | None
    payment: int


@dataclass(slots=True)
class TableAFigures:
    """Members for the next Table A band, each measure alone (fewest first)."""

    target: int
    options: list[OptionFigures]
    gain: int | None  # cents; None: the practice does not qualify


@dataclass(slots=True)
class TableBFigures:
    """The total raw score the next Table B band needs (× 10⁴ rounded up) and members."""

    target: int
    needed: int | None
    strictly_above: bool
    short: int | None
    reachable: bool
    unreachable: Unreachable | None
    maximum: int  # × 10⁴
    options: list[OptionFigures]
    gain: int | None


@dataclass(slots=True)
class PracticeFigures:
    """One practice's PCMH results."""

    practice_id: str
    row: int
    measures: list[MeasureFigures]
    ranked: int  # qualifying measures
    mean: int | None  # mean performance percentile × 10⁴
    whole: int | None  # the whole percentile as the band reading rounds it
    borderline: int | None  # index of the band whose lower edge the mean sits just below
    reasons: tuple[PerformanceReason, ...]
    band: int | None
    members: Decimal | None
    payment: int  # cents
    improvement: ImprovementFigures
    table_a: TableAFigures | None
    table_b: TableBFigures | None


@dataclass(frozen=True)
class PcmhFrame:
    """What every practice's figures refer to."""

    measures: list[str]
    peers: list[int]  # per measure: practices each is ranked against (0: none)
    table_a: list[Band]
    table_b: list[Band]
    rounding: BandRounding
    improvement_total: ImprovementTotal

    def band(self, table: list[Band], index: int | None) -> BandResult | None:
        if index is None:
            return None
        band = table[index]
        return BandResult(band.label, band.level, band.pmpm)

    def standing(self, figures: MeasureFigures) -> MeasureStanding:
        if figures[4] != NOT_RANKED:
            return "ranked"
        return "no-peers" if figures[3] != NO_SCORE else "small-denominator"

    def _options(self, options: list[OptionFigures]) -> list[MeasureMembers]:
        names = self.measures
        return [
            MeasureMembers(names[m], add, from_up_units(points))
            for m, add, points, _ in options
        ]

    def result(self, p: PracticeFigures) -> PcmhPracticeResult:
        """The report's dataclass for ``p`` (Decimals, labels, lists)."""
        names = self.measures
        measures = []
        for figures in p.measures:
            m, num, den, raw, percentile = figures
            ranked = percentile != NOT_RANKED
            measures.append(
                PcmhMeasureResult(
                    names[m], num, den,
                    from_percent_units(raw) if raw != NO_SCORE else None,
                    self.standing(figures),
                    self.peers[m] if ranked else None,
                    from_percent_units(percentile) if ranked else None,
                )
            )
        imp = p.improvement
        improvement = PcmhImprovement(
            qualified=imp.qualified,
            reasons=list(imp.reasons),
            note=imp.note,
            measures_counted=[names[m] for m in imp.counted],
            measures_added=list(imp.added),
            measures_dropped=list(imp.dropped),
            current_total_raw_score=_percent(imp.current),
            previous_total_raw_score=_percent(imp.previous),
            improvement_percent=_percent(imp.gain),
            band=self.band(self.table_b, imp.band),
            payment=cents(imp.payment),
        )
        a = p.table_a
        table_a = None
        if a is not None:
            table_a = TableAWhatIf(
                self.band(self.table_a, a.target),  # type: ignore[arg-type]
                bool(a.options), self._options(a.options),
                cents(a.gain) if a.gain is not None else None,
            )
        b = p.table_b
        table_b = None
        if b is not None:
            table_b = TableBWhatIf(
                target=self.band(self.table_b, b.target),  # type: ignore[arg-type]
                needed_total_raw_score=from_up_units(b.needed) if b.needed is not None else None,
                strictly_above=b.strictly_above,
                add_raw_score_points=from_up_units(b.short) if b.short is not None else None,
                reachable=b.reachable,
                unreachable=b.unreachable,
                maximum_total_raw_score=from_percent_units(b.maximum),
                options=self._options(b.options),
                payment_gain=cents(b.gain) if b.gain is not None else None,
            )
        between = []
        if p.borderline is not None:
            between = [self.table_a[p.borderline - 1].label, self.table_a[p.borderline].label]
        return PcmhPracticeResult(
            practice_id=p.practice_id,
            row=p.row,
            measures=measures,
            qualifying_measures=p.ranked,
            mean_performance_percentile=_percent(p.mean),
            whole_percentile=p.whole,
            borderline=p.borderline is not None,
            borderline_between=between,
            performance_qualified=not p.reasons,
            performance_reasons=list(p.reasons),
            performance_band=self.band(self.table_a, p.band),
            annualized_members=p.members,
            performance_payment=cents(p.payment),
            improvement=improvement,
            table_a_what_if=table_a,
            table_b_what_if=table_b,
        )


def _percent(units: int | None) -> Decimal | None:
    return from_percent_units(units) if units is not None else None


@dataclass(frozen=True)
class PcmhScoring(Scoring[PcmhReport, PcmhPracticeResult]):
    """A PCMH scoring: the report, and each practice as figures (what the renderers write) or
    as the report's dataclass (``providers``)."""

    frame: PcmhFrame
    count: int
    figure: Callable[[int], PracticeFigures]  # practice index → its figures, what-ifs included

    def figures(self) -> Iterator[PracticeFigures]:
        return map(self.figure, range(self.count))
