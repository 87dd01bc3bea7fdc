"""The P4P report for programs: JSON (the report model, providers streamed one per line) and
CSV (one row per provider, amounts as plain decimals, what-ifs in columns)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal

from pydantic import TypeAdapter

from hiecheck.p4p.models import (
    BhhProviderResult,
    BhhReport,
    OhhProviderResult,
    OhhReport,
    PcmhPracticeResult,
    PcmhReport,
)
from hiecheck.p4p.output import Out

_ADAPTERS: dict[type, TypeAdapter[object]] = {}  # built on first use (import stays quick)


def _adapter(kind: type) -> TypeAdapter[object]:
    if kind not in _ADAPTERS:
        _ADAPTERS[kind] = TypeAdapter(kind)
    return _ADAPTERS[kind]


def render_json(
    out: Out, report: OhhReport | BhhReport | PcmhReport, items: Iterable[object], key: str
) -> None:
    """``report``'s fields, then ``key`` (providers or practices): one compact object a line."""
    head = report.model_dump_json(indent=2)
    assert head.endswith("\n}")
    out.write(f'{head[:-2]},\n  "{key}": [')
    sep = "\n    "
    dump = None
    for item in items:
        if dump is None:
            dump = _adapter(type(item)).dump_json
        out.write(sep)
        out.write(dump(item).decode("utf-8"))
        sep = ",\n    "
    out.write("\n  ]\n}\n")


def _t(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _ohh_rows(report: OhhReport, items: Iterable[OhhProviderResult]) -> Iterable[list[str]]:
    yield [
        "provider_id", "row", "profile_version", "composite_method",
        *[f"{m}_rate_percent" for m in report.measures],
        "composite_percent", "status", "gross_payments", "net_payments", "withhold",
        "withhold_released", "withhold_kept", "bonus_eligible", "bonus_share",
        "members_to_minimum", "withhold_released_at_minimum", "members_to_excellence", "what_if",
    ]
    version, method = report.profile.version, report.composite_method
    for p in items:
        targets = {t.target: t for t in p.what_if}
        low, high = targets.get("minimum"), targets.get("excellence")
        yield [
            p.provider_id, str(p.row), version, method,
            *[_t(m.rate_percent) for m in p.measures],
            _t(p.composite_percent), p.status, _t(p.gross_payments), _t(p.net_payments),
            _t(p.withhold), _t(p.withhold_released), _t(p.withhold_kept), _t(p.bonus_eligible),
            _t(p.bonus_share),
            _t(low.add_members) if low else "", _t(low.withhold_released) if low else "",
            _t(high.add_members) if high else "",
            "; ".join(
                f"{t.target}: +{t.add_members} members" if t.reachable
                else f"{t.target}: not reachable"
                for t in p.what_if
            ),
        ]


def _bhh_rows(report: BhhReport, items: Iterable[BhhProviderResult]) -> Iterable[list[str]]:
    yield [
        "provider_id", "row", "profile_version", "numerator", "denominator", "rate_percent",
        "status", "bhh_payments", "at_risk", "recoupment", "members_to_threshold",
        "recoupment_avoided", "what_if",
    ]
    version = report.profile.version
    for p in items:
        t = p.what_if
        text = ""
        if t is not None:
            text = f"threshold: +{t.add_members} members" if t.reachable else (
                "threshold: not reachable"
            )
        yield [
            p.provider_id, str(p.row), version, str(p.numerator), str(p.denominator),
            _t(p.rate_percent), p.status, _t(p.bhh_payments), _t(p.at_risk), _t(p.recoupment),
            _t(t.add_members) if t else "", _t(t.recoupment_avoided) if t else "", text,
        ]


def _pcmh_rows(report: PcmhReport, items: Iterable[PcmhPracticeResult]) -> Iterable[list[str]]:
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


def render_csv(
    out: Out, report: OhhReport | BhhReport | PcmhReport, items: Iterable[object]
) -> None:
    writer = csv.writer(out, lineterminator="\n")
    if isinstance(report, OhhReport):
        rows = _ohh_rows(report, items)  # type: ignore[arg-type]
    elif isinstance(report, BhhReport):
        rows = _bhh_rows(report, items)  # type: ignore[arg-type]
    else:
        rows = _pcmh_rows(report, items)  # type: ignore[arg-type]
    writer.writerows(rows)
