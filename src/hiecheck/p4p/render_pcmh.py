"""PCMH practices as JSON and CSV, written straight from their figures (``pcmh_figures``).

The JSON of a practice is exactly what pydantic writes for its ``PcmhPracticeResult``
(compact, fields in model order, Decimals as strings): every part that is the same for many
practices (bands, measure names, lists of reasons or measures) is serialized once by pydantic
itself and reused; numbers are written from the integers. 100,000 practices never become
dataclasses or Decimals.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from pydantic import TypeAdapter

from hiecheck.p4p.models import BandResult, PcmhReport
from hiecheck.p4p.pcmh_figures import (
    NO_SCORE,
    NOT_RANKED,
    ImprovementFigures,
    OptionFigures,
    PcmhFrame,
    PracticeFigures,
    TableAFigures,
    TableBFigures,
)
from hiecheck.p4p.profile import Band
from hiecheck.p4p.units import cents_text, units_text

_STRING: TypeAdapter[str] = TypeAdapter(str)
_STRINGS: TypeAdapter[list[str]] = TypeAdapter(list[str])
_BAND: TypeAdapter[BandResult] = TypeAdapter(BandResult)


def _json_string(text: str) -> str:
    """A JSON string as pydantic writes it (only ``"``, ``\\`` and control characters are
    escaped; anything else, non-ASCII included, is written as is)."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return _STRING.dump_json(text).decode("utf-8")


def _units(units: int | None) -> str:
    return "null" if units is None else f'"{units_text(units)}"'


def _cents(amount: int | None) -> str:
    return "null" if amount is None else f'"{cents_text(amount)}"'


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _bands(table: Sequence[Band]) -> list[str]:
    return [
        _BAND.dump_json(BandResult(b.label, b.level, b.pmpm)).decode("utf-8") for b in table
    ]


class PcmhJson:
    """Writes each practice's JSON object (one line) from its figures."""

    def __init__(self, frame: PcmhFrame) -> None:
        self.frame = frame
        self.names = [_json_string(m) for m in frame.measures]
        self.a_bands = _bands(frame.table_a)
        self.b_bands = _bands(frame.table_b)
        self._lists: dict[tuple[str, ...], str] = {}
        self._improvements: dict[tuple[str, ...], str] = {}
        self.heads = [f'{{"measure":{name},"numerator":' for name in self.names]
        self.ranked = [
            f'","standing":"ranked","peers":{peers},"percentile":"' for peers in frame.peers
        ]
        self.option_heads = [f'{{"measure":{name},"add_members":' for name in self.names]
        self.between = {
            k: self._list([frame.table_a[k - 1].label, frame.table_a[k].label])
            for k in range(1, len(frame.table_a))
        }

    def _list(self, items: Sequence[str]) -> str:
        key = tuple(items)
        text = self._lists.get(key)
        if text is None:
            text = self._lists[key] = _STRINGS.dump_json(list(items)).decode("utf-8")
        return text

    def _measures(self, p: PracticeFigures) -> str:
        heads, ranked = self.heads, self.ranked
        parts = []
        for m, num, den, raw, percentile in p.measures:
            # raw scores and percentiles are at most 100: plain, 4 decimals
            if percentile != NOT_RANKED:
                parts.append(
                    f'{heads[m]}{num},"denominator":{den},"raw_score":"{raw // 10000}.'
                    f'{raw % 10000:04d}{ranked[m]}{percentile // 10000}.'
                    f'{percentile % 10000:04d}"}}'
                )
            elif raw != NO_SCORE:
                parts.append(
                    f'{heads[m]}{num},"denominator":{den},"raw_score":"{raw // 10000}.'
                    f'{raw % 10000:04d}","standing":"no-peers","peers":null,"percentile":null}}'
                )
            else:
                parts.append(
                    f'{heads[m]}{num},"denominator":{den},"raw_score":null,'
                    '"standing":"small-denominator","peers":null,"percentile":null}'
                )
        return ",".join(parts)

    def _options(self, options: list[OptionFigures]) -> str:
        heads = self.option_heads
        return ",".join([
            f'{heads[m]}{"null" if add is None else add},'
            f'"add_raw_score_points":"{points // 10000}.{points % 10000:04d}"}}'
            for m, add, points, _ in options
        ])

    def _improvement(self, imp: ImprovementFigures) -> str:
        if imp.current is None:  # no previous year: the text depends on the reasons only
            text = self._improvements.get(imp.reasons)
            if text is None:
                text = self._improvements[imp.reasons] = self._improvement_text(imp)
            return text
        return self._improvement_text(imp)

    def _improvement_text(self, imp: ImprovementFigures) -> str:
        names = self.frame.measures
        note = "null" if imp.note is None else f'"{imp.note}"'
        band = "null" if imp.band is None else self.b_bands[imp.band]
        return (
            f'{{"qualified":{_bool(imp.qualified)},"reasons":{self._list(imp.reasons)},'
            f'"note":{note},"measures_counted":{self._list([names[m] for m in imp.counted])},'
            f'"measures_added":{self._list(imp.added)},'
            f'"measures_dropped":{self._list(imp.dropped)},'
            f'"current_total_raw_score":{_units(imp.current)},'
            f'"previous_total_raw_score":{_units(imp.previous)},'
            f'"improvement_percent":{_units(imp.gain)},"band":{band},'
            f'"payment":"{cents_text(imp.payment)}"}}'
        )

    def _table_a(self, a: TableAFigures | None) -> str:
        if a is None:
            return "null"
        return (
            f'{{"target":{self.a_bands[a.target]},"reachable":{_bool(bool(a.options))},'
            f'"options":[{self._options(a.options)}],"payment_gain":{_cents(a.gain)}}}'
        )

    def _table_b(self, b: TableBFigures | None) -> str:
        if b is None:
            return "null"
        unreachable = "null" if b.unreachable is None else f'"{b.unreachable}"'
        return (
            f'{{"target":{self.b_bands[b.target]},"needed_total_raw_score":{_units(b.needed)},'
            f'"strictly_above":{_bool(b.strictly_above)},'
            f'"add_raw_score_points":{_units(b.short)},"reachable":{_bool(b.reachable)},'
            f'"unreachable":{unreachable},"maximum_total_raw_score":"{units_text(b.maximum)}",'
            f'"options":[{self._options(b.options)}],"payment_gain":{_cents(b.gain)}}}'
        )

    def __call__(self, p: PracticeFigures) -> str:
        members = p.members
        return (
            f'{{"practice_id":{_json_string(p.practice_id)},"row":{p.row},'
            f'"measures":[{self._measures(p)}],"qualifying_measures":{p.ranked},'
            f'"mean_performance_percentile":{_units(p.mean)},'
            f'"whole_percentile":{"null" if p.whole is None else p.whole},'
            f'"borderline":{_bool(p.borderline is not None)},'
            f'"borderline_between":'
            f'{"[]" if p.borderline is None else self.between[p.borderline]},'
            f'"performance_qualified":{_bool(not p.reasons)},'
            f'"performance_reasons":{self._list(p.reasons)},'
            f'"performance_band":{"null" if p.band is None else self.a_bands[p.band]},'
            f'"annualized_members":{"null" if members is None else _decimal(members)},'
            f'"performance_payment":"{cents_text(p.payment)}",'
            f'"improvement":{self._improvement(p.improvement)},'
            f'"table_a_what_if":{self._table_a(p.table_a)},'
            f'"table_b_what_if":{self._table_b(p.table_b)}}}'
        )


def _decimal(value: Decimal) -> str:
    return f'"{value}"'  # pydantic writes a Decimal as its str()


def pcmh_json_lines(frame: PcmhFrame, items: Iterable[PracticeFigures]) -> Iterator[str]:
    """Each practice's JSON object, in order."""
    return map(PcmhJson(frame), items)


# ---------------------------------------------------------------- CSV


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def pcmh_csv_rows(
    report: PcmhReport, frame: PcmhFrame, items: Iterable[PracticeFigures]
) -> Iterator[list[str]]:
    """The header, then one row per practice (amounts as plain decimals, what-ifs in
    columns)."""
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
    names = frame.measures
    table_a, table_b = frame.table_a, frame.table_b
    counted: dict[tuple[int, ...], str] = {}
    for p in items:
        imp = p.improvement
        a, b = p.table_a, p.table_b
        best = a.options[0] if a is not None and a.options else None
        band = table_a[p.band] if p.band is not None else None
        imp_band = table_b[imp.band] if imp.band is not None else None
        measures = counted.get(imp.counted)
        if measures is None:
            measures = counted[imp.counted] = " ".join(names[m] for m in imp.counted)
        yield [
            p.practice_id, str(p.row), *settings, str(p.ranked),
            units_text(p.mean) if p.mean is not None else "",
            str(p.whole) if p.whole is not None else "",
            _yes(p.borderline is not None), _yes(not p.reasons), " ".join(p.reasons),
            band.label if band else "", str(band.pmpm) if band else "",
            str(p.members) if p.members is not None else "", cents_text(p.payment),
            measures, " ".join(imp.added), " ".join(imp.dropped),
            units_text(imp.current) if imp.current is not None else "",
            units_text(imp.previous) if imp.previous is not None else "",
            units_text(imp.gain) if imp.gain is not None else "", _yes(imp.qualified),
            " ".join([*imp.reasons, *([imp.note] if imp.note else [])]),
            imp_band.label if imp_band else "", str(imp_band.pmpm) if imp_band else "",
            cents_text(imp.payment),
            table_a[a.target].label if a else "", str(best[1]) if best else "",
            names[best[0]] if best else "",
            (cents_text(a.gain) if a.gain is not None else "") if a else "",
            table_b[b.target].label if b else "", _yes(b.reachable) if b else "",
            (units_text(b.needed) if b.needed is not None else "") if b else "",
            (cents_text(b.gain) if b.gain is not None else "") if b else "",
        ]
