"""Render P4P reports as rich tables, JSON or CSV on stdout."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal, TextIO

from rich.console import Console
from rich.table import Table

from hiecheck.console import make_console
from hiecheck.p4p.models import (
    BhhReport,
    OhhReport,
    PcmhPracticeResult,
    PcmhReport,
    ProfileUsed,
    WhatIf,
)

Format = Literal["table", "json", "csv"]
Report = OhhReport | BhhReport | PcmhReport


def render(report: Report, fmt: Format, out: TextIO | None = None) -> None:
    """Write ``report`` in ``fmt`` to ``out`` (default stdout)."""
    out = out or sys.stdout
    if fmt == "json":
        out.write(report.model_dump_json(indent=2) + "\n")
    elif fmt == "csv":
        header, rows = csv_rows(report)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    else:
        console = make_console(out, width=None if out.isatty() else 160)
        if isinstance(report, OhhReport):
            _ohh_table(report, console)
        elif isinstance(report, BhhReport):
            _bhh_table(report, console)
        else:
            _pcmh_table(report, console)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _what_if_text(items: Iterable[WhatIf]) -> str:
    parts = []
    for item in items:
        if not item.reachable:
            parts.append(f"{item.target}: not reachable")
        elif item.needed_total_raw_score is not None:
            word = "more than" if item.strictly_above else "at least"
            parts.append(
                f"{item.target}: total {word} {item.needed_total_raw_score} "
                f"(+{item.add_raw_score_points} points)"
            )
        elif (
            item.allocations
            and item.needed_total_raw_score is None
            and item.note.startswith("each allocation")
        ):
            options = " or ".join(
                f"+{a.add_members} in {a.measure} (+{a.add_raw_score_points} pts)"
                for a in item.allocations
            )
            parts.append(f"{item.target}: {options}")
        elif item.allocations:
            split = ", ".join(f"{a.measure} +{a.add_members}" for a in item.allocations)
            parts.append(f"{item.target}: +{item.add_members} members ({split})")
        else:
            parts.append(f"{item.target}: +{item.add_members} members")
    return "; ".join(parts)


def _header(console: Console, profile: ProfileUsed, lines: list[str]) -> None:
    console.print(profile.title, style="bold")
    until = profile.effective_to.isoformat() if profile.effective_to else "open"
    console.print(
        f"profile {profile.version} (in force {profile.effective_from.isoformat()}..{until}; "
        f"selected for {profile.as_of.isoformat()})"
    )
    for line in lines:
        console.print(line)
    console.print("Readings where the sources are silent", style="bold")
    for reading in profile.readings:
        console.print(f"  - {reading.id}: {reading.text}")
    console.print("Sources", style="bold")
    for cite in profile.citations:
        console.print(f"  - {cite.source}, {cite.section}: “{cite.quote}”")


def _ohh_table(report: OhhReport, console: Console) -> None:
    _header(
        console,
        report.profile,
        [
            f"composite method: {report.composite_method}; minimum threshold "
            f"{report.minimum_threshold_percent}% (releases the {report.withhold_percent}% "
            f"withhold); excellence threshold {report.excellence_threshold_percent}% "
            "(bonus-eligible when funding is available)",
            f"benchmarks set from the assessment period {report.benchmark_assessment_period}",
        ],
    )
    table = Table(title="OHH providers")
    for name in (
        "provider",
        *report.measures,
        "composite %",
        "status",
        "withhold",
        "released",
        "kept",
        "bonus share",
        "what-if",
    ):
        table.add_column(name)
    for p in report.providers:
        table.add_row(
            p.provider_id,
            *[f"{m.numerator}/{m.denominator}" for m in p.measures],
            _text(p.composite_percent),
            p.status,
            _text(p.withhold),
            _text(p.withhold_released),
            _text(p.withhold_kept),
            _text(p.bonus_share),
            _what_if_text(p.what_if),
        )
    console.print(table)
    console.print(
        f"bonus pool: {_text(report.bonus_pool) or 'n/a'} ({report.bonus_pool_note}); "
        + ", ".join(f"{k}: {v}" for k, v in report.counts.items())
    )


def _bhh_table(report: BhhReport, console: Console) -> None:
    _header(
        console,
        report.profile,
        [
            f"measure: {report.measure} ({report.measure_definition})",
            f"threshold {report.threshold_percent}%; below it {report.at_risk_percent}% of total "
            "BHH payments is recouped",
        ],
    )
    table = Table(title="BHH providers")
    for name in (
        "provider",
        "numerator",
        "denominator",
        "rate %",
        "status",
        "payments",
        "at risk",
        "recoupment",
        "what-if",
    ):
        table.add_column(name)
    for p in report.providers:
        table.add_row(
            p.provider_id,
            str(p.numerator),
            str(p.denominator),
            _text(p.rate_percent),
            p.status,
            _text(p.bhh_payments),
            _text(p.at_risk),
            _text(p.recoupment),
            _what_if_text(p.what_if),
        )
    console.print(table)
    console.print(
        f"total recoupment: {_text(report.total_recoupment) or 'n/a'}; "
        + ", ".join(f"{k}: {v}" for k, v in report.counts.items())
    )


def _pcmh_notes(practice: PcmhPracticeResult) -> str:
    improvement = [*practice.improvement_reasons]
    if practice.improvement_note:
        improvement.append(practice.improvement_note)
    return "; ".join([*practice.performance_reasons, *(f"improvement: {r}" for r in improvement)])


def _pcmh_table(report: PcmhReport, console: Console) -> None:
    _header(
        console,
        report.profile,
        [
            f"payments {report.payment_year_range} for performance year {report.performance_year}",
            f"percentile method: {report.percentile_method}; improvement totals: "
            f"{report.improvement_total}; no raw score below denominator {report.min_denominator}",
            f"schedule: {report.schedule}",
        ],
    )
    table = Table(title="PCMH practices")
    for name in (
        "practice",
        "measures (raw score → percentile)",
        "mean pct",
        "Table A",
        "performance $",
        "improvement %",
        "Table B",
        "improvement $",
        "notes",
        "what-if",
    ):
        table.add_column(name)
    for p in report.practices:
        measures = ", ".join(
            f"{m.measure} {m.raw_score}→{m.percentile}"
            if m.raw_score is not None
            else f"{m.measure} (den {m.denominator} < {report.min_denominator})"
            for m in p.measures
        )
        notes = _pcmh_notes(p)
        table.add_row(
            p.practice_id,
            measures,
            _text(p.mean_performance_percentile),
            p.performance_band.label if p.performance_band else "",
            _text(p.performance_payment),
            _text(p.improvement_percent),
            p.improvement_band.label if p.improvement_band else "",
            _text(p.improvement_payment),
            notes,
            _what_if_text(p.what_if),
        )
    console.print(table)
    console.print(", ".join(f"{k}: {v}" for k, v in report.counts.items()))


def csv_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    """One header and one row per provider/practice, program settings repeated on each row."""
    if isinstance(report, OhhReport):
        header = [
            "provider_id",
            "profile_version",
            "composite_method",
            *[f"{m}_rate_percent" for m in report.measures],
            "composite_percent",
            "status",
            "ohh_payments",
            "withhold",
            "withhold_released",
            "withhold_kept",
            "bonus_eligible",
            "bonus_share",
            "what_if",
        ]
        rows = [
            [
                p.provider_id,
                report.profile.version,
                report.composite_method,
                *[_text(m.rate_percent) for m in p.measures],
                _text(p.composite_percent),
                p.status,
                _text(p.ohh_payments),
                _text(p.withhold),
                _text(p.withhold_released),
                _text(p.withhold_kept),
                _text(p.bonus_eligible),
                _text(p.bonus_share),
                _what_if_text(p.what_if),
            ]
            for p in report.providers
        ]
    elif isinstance(report, BhhReport):
        header = [
            "provider_id",
            "profile_version",
            "numerator",
            "denominator",
            "rate_percent",
            "status",
            "bhh_payments",
            "at_risk",
            "recoupment",
            "what_if",
        ]
        rows = [
            [
                p.provider_id,
                report.profile.version,
                str(p.numerator),
                str(p.denominator),
                _text(p.rate_percent),
                p.status,
                _text(p.bhh_payments),
                _text(p.at_risk),
                _text(p.recoupment),
                _what_if_text(p.what_if),
            ]
            for p in report.providers
        ]
    else:
        header = [
            "practice_id",
            "profile_version",
            "percentile_method",
            "improvement_total",
            "qualifying_measures",
            "mean_performance_percentile",
            "performance_qualified",
            "performance_band",
            "performance_pmpm",
            "annualized_members",
            "performance_payment",
            "current_total_raw_score",
            "previous_total_raw_score",
            "improvement_percent",
            "improvement_qualified",
            "improvement_band",
            "improvement_pmpm",
            "improvement_payment",
            "notes",
            "what_if",
        ]
        rows = [
            [
                p.practice_id,
                report.profile.version,
                report.percentile_method,
                report.improvement_total,
                str(p.qualifying_measures),
                _text(p.mean_performance_percentile),
                _text(p.performance_qualified),
                p.performance_band.label if p.performance_band else "",
                _text(p.performance_band.pmpm) if p.performance_band else "",
                _text(p.annualized_members),
                _text(p.performance_payment),
                _text(p.current_total_raw_score),
                _text(p.previous_total_raw_score),
                _text(p.improvement_percent),
                _text(p.improvement_qualified),
                p.improvement_band.label if p.improvement_band else "",
                _text(p.improvement_band.pmpm) if p.improvement_band else "",
                _text(p.improvement_payment),
                _pcmh_notes(p),
                _what_if_text(p.what_if),
            ]
            for p in report.practices
        ]
    return header, rows
