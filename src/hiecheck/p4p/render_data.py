"""The P4P report for programs: JSON (the report model, providers streamed one per line) and
CSV (one row per provider, amounts as plain decimals, what-ifs in columns; PCMH's in
``render_pcmh``)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from pydantic import TypeAdapter

from hiecheck.p4p.models import (
    BhhProviderResult,
    BhhReport,
    OhhProviderResult,
    OhhReport,
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
    render_json_lines(out, report, _dumped(items), key)


def _dumped(items: Iterable[object]) -> Iterator[str]:
    dump = None
    for item in items:
        if dump is None:
            dump = _adapter(type(item)).dump_json
        yield dump(item).decode("utf-8")


def render_json_lines(
    out: Out, report: OhhReport | BhhReport | PcmhReport, lines: Iterable[str], key: str
) -> None:
    """``render_json`` with each provider's object already written as JSON text."""
    head = report.model_dump_json(indent=2)
    assert head.endswith("\n}")
    out.write(f'{head[:-2]},\n  "{key}": [')
    sep = "\n    "
    for line in lines:
        out.write(sep)
        out.write(line)
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


def render_csv(out: Out, report: OhhReport | BhhReport, items: Iterable[object]) -> None:
    """OHH and BHH rows (PCMH's are written from its figures: ``render_pcmh``)."""
    writer = csv.writer(out, lineterminator="\n")
    if isinstance(report, OhhReport):
        writer.writerows(_ohh_rows(report, items))  # type: ignore[arg-type]
    else:
        writer.writerows(_bhh_rows(report, items))  # type: ignore[arg-type]
