"""What each PCMH practice is told, in words, written straight from its figures
(``pcmh_figures``): every sentence part that is the same for many practices (a measure's
"among 96,728 others", a band's label and PMPM) is made once, numbers from the integers."""

from __future__ import annotations

from hiecheck.p4p.letters import Letter
from hiecheck.p4p.models import PcmhReport
from hiecheck.p4p.pcmh_figures import (
    NO_SCORE,
    NOT_RANKED,
    OptionFigures,
    PcmhFrame,
    PracticeFigures,
    TableAFigures,
    TableBFigures,
)
from hiecheck.p4p.units import money_text, score_text
from hiecheck.p4p.words import (
    IMPROVEMENT_NOTE,
    IMPROVEMENT_REASON,
    PERFORMANCE_REASON,
    UNREACHABLE,
    money,
    number,
    plural,
)


def _more_members(add: int | None) -> str:
    return plural(add or 0, "more member")


class PcmhLetters:
    """Writes each practice's letter from its figures."""

    def __init__(self, report: PcmhReport, frame: PcmhFrame) -> None:
        self.report = report
        self.frame = frame
        others = "others" if report.percentile_peers == "others" else "practices"
        self.ranked = [f" among {peers:,} {others}" for peers in frame.peers]
        self.small = f" < {report.min_denominator}: no raw score)"
        self.a_pmpm = [money(b.pmpm) for b in frame.table_a]
        self.b_pmpm = [money(b.pmpm) for b in frame.table_b]
        self.nearest = report.band_rounding == "nearest"
        self.counted_by = f" last year ({report.improvement_total}: "
        self.changed_by = (
            "only measures valid in both years count"
            if report.improvement_total == "like-for-like"
            else "each year's total counts its own measures (all-valid)"
        )
        self.review = (
            f". The practice has {report.schedule.review_request_days} days after the "
            "notification letter to ask DSS for a review."
        )

    def _measures(self, p: PracticeFigures) -> str:
        names, ranked, small = self.frame.measures, self.ranked, self.small
        parts = []
        for m, _, den, raw, percentile in p.measures:
            if percentile != NOT_RANKED:  # both from 0 to 100: two decimals toward zero
                parts.append(
                    f"{names[m]} raw score {raw // 10000}.{raw // 100 % 100:02d}, percentile "
                    f"{percentile // 10000}.{percentile // 100 % 100:02d}{ranked[m]}"
                )
            elif raw != NO_SCORE:
                parts.append(
                    f"{names[m]} raw score {score_text(raw)} (no other practice to rank against)"
                )
            else:
                parts.append(f"{names[m]} (denominator {den}{small}")
        return "; ".join(parts)

    def _table_a(self, what: TableAFigures) -> str:
        gain = f" (+{money_text(what.gain)})" if what.gain is not None else ""
        head = f"Next Table A band, {self.frame.table_a[what.target].label}{gain}"
        if not what.options:
            return f"{head}: not reachable by improving any single measure."
        names = self.frame.measures
        options = "; or ".join(
            f"{_more_members(add)} meeting {names[m]} (+{score_text(points)} raw-score points)"
            for m, add, points, _ in what.options
        )
        return f"{head}: {options}; each alone, other measures and practices unchanged."

    def _table_b(self, what: TableBFigures) -> str:
        gain = f" (+{money_text(what.gain)})" if what.gain is not None else ""
        head = f"Next Table B band, {self.frame.table_b[what.target].label}{gain}"
        if not what.reachable:
            return f"{head}: {UNREACHABLE[what.unreachable or 'above-maximum']}."
        word = "more than" if what.strictly_above else "at least"
        names = self.frame.measures
        options: list[OptionFigures] = [o for o in what.options if o[1] is not None]
        alone = (
            "; ".join(f"{_more_members(add)} meeting {names[m]}" for m, add, _, _ in options)
            if options
            else "no single measure has room for it"
        )
        assert what.needed is not None and what.short is not None  # reachable
        return (
            f"{head}: a total raw score of {word} {score_text(what.needed)} "
            f"(+{score_text(what.short)} points): {alone}."
        )

    def __call__(self, p: PracticeFigures) -> Letter:
        frame = self.frame
        qualified = not p.reasons
        band = frame.table_a[p.band] if p.band is not None else None
        earned = []
        if qualified and band is not None and band.pmpm == 0:
            earned.append(f"No performance payment: the mean is in the {band.label} band.")
        elif qualified and band is not None:
            assert p.band is not None
            earned.append(
                f"Performance payment {money_text(p.payment)}: {band.label}, "
                f"{self.a_pmpm[p.band]} PMPM x 12 x {number(p.members)} members."
            )
        else:
            reasons = "; ".join(PERFORMANCE_REASON[r] for r in p.reasons)
            earned.append(f"No performance payment: {reasons or 'below every band'}.")
        imp = p.improvement
        if imp.qualified and imp.band is not None:
            assert imp.gain is not None
            earned.append(
                f"Improvement payment {money_text(imp.payment)}: {score_text(imp.gain)}% "
                f"improvement, {frame.table_b[imp.band].label}, {self.b_pmpm[imp.band]} PMPM "
                f"x 12 x {number(p.members)} members."
            )
        else:
            why_not = [IMPROVEMENT_REASON[r] for r in imp.reasons]
            if imp.note is not None:
                why_not.append(IMPROVEMENT_NOTE[imp.note])
            earned.append(f"No improvement payment: {'; '.join(why_not) or 'no improvement'}.")
        why = []
        if p.mean is not None:
            rounded = f", rounded to {p.whole}" if self.nearest else ""
            why.append(
                f"Mean performance percentile {score_text(p.mean)}{rounded}, over "
                f"{plural(p.ranked, 'ranked measure')}: {self._measures(p)}."
            )
        else:
            why.append(f"Measures: {self._measures(p)}.")
        if imp.current is not None:
            assert imp.previous is not None
            counted = ", ".join(frame.measures[m] for m in imp.counted) or "none"
            why.append(
                f"Total raw score {score_text(imp.current)} this year vs "
                f"{score_text(imp.previous)}{self.counted_by}{counted})."
            )
        change = []
        if p.table_a is not None:
            change.append(self._table_a(p.table_a))
        if p.table_b is not None:
            change.append(self._table_b(p.table_b))
        if p.table_a is None:
            change.append(
                "Already in the top Table A band."
                if p.mean is not None
                else "No percentile in this file: nothing to improve against."
            )
        notes = []
        if p.borderline is not None:
            assert p.mean is not None
            low, high = frame.table_a[p.borderline - 1].label, frame.table_a[p.borderline].label
            how = (
                f"hiecheck rounds it to the nearest whole percentile ({p.whole})"
                if self.nearest
                else "hiecheck takes the band at or below it"
            )
            notes.append(
                f"Borderline: the mean {score_text(p.mean)} lies between {low} and {high}; "
                f"{how}{self.review}"
            )
        if imp.added or imp.dropped:
            parts = []
            if imp.added:
                parts.append("added " + ", ".join(imp.added))
            if imp.dropped:
                parts.append("dropped " + ", ".join(imp.dropped))
            notes.append(
                f"Measures changed since last year: {'; '.join(parts)} ({self.changed_by})."
            )
        paid = p.payment > 0 or imp.payment > 0
        tone = "good" if paid else ("bad" if qualified else "neutral")
        status = band.label if band is not None and qualified else "no payment"
        return Letter(p.practice_id, status, tone, earned, why, change, notes)
