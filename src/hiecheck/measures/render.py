"""Measure reports as words: a rich table for people (the CSV and JSON are written elsewhere)."""

from __future__ import annotations

from typing import TextIO

from rich.table import Table
from rich.text import Text

from hiecheck.console import make_console, safe_text
from hiecheck.measures.models import CbpSummary, MeasureReport


def _percent(value: object) -> str:
    return "—" if value is None else f"{value}%"


def render_table(report: MeasureReport, stream: TextIO, cbp: CbpSummary | None = None) -> None:
    """Per-provider counts, members per status, feed checks, outputs and readings."""
    console = make_console(stream)
    console.width = max(100, console.width)
    console.print(safe_text(report.title, style="bold"))
    console.print(f"measure {report.measure_id} · profile {report.version} · period "
                  f"{report.period.start}..{report.period.end}")
    for read in report.inputs:
        console.print(safe_text(f"  read {read.table}: {read.file} ({read.rows} rows)"))
    providers = Table("provider", "members", "denominator", "numerator", "rate")
    for p in report.providers:
        providers.add_row(p.provider_id, str(p.members), str(p.denominator), str(p.numerator),
                          _percent(p.rate_percent))
    console.print(providers)
    statuses = Table("status", "population", "members", "meaning")
    for s in report.statuses:
        statuses.add_row(s.status, s.population, str(s.members), s.text)
    console.print(statuses)
    if report.given_counts:
        console.print("Passed through as given (not computed): "
                      + ", ".join(sorted({g.measure for g in report.given_counts})))
    elif report.counted_elsewhere:
        console.print("Not computed (no public definition; give their counts with --counts): "
                      + ", ".join(report.counted_elsewhere))
    if cbp is not None:
        console.print(f"CBP: {cbp.patients} patients in {cbp.messages} messages; "
                      f"{cbp.with_hypertension} with hypertension; {cbp.denominator} in the "
                      f"denominator; {cbp.with_reading} with a reading; {cbp.controlled} "
                      f"controlled ({_percent(cbp.rate_percent)})")
    missing = [c for c in report.feed_checks if c.count]
    if missing:
        table = Table("missing from the feed", "count", "meaning")
        for c in missing:
            table.add_row(c.id, str(c.count), c.text)
        console.print(table)
    for out in report.outputs:
        console.print(safe_text(f"wrote {out.kind}: {out.path} ({out.rows} rows, member keys "
                                f"{report.member_keys})"))
    console.print(Text.assemble(safe_text("Readings", style="bold"),
                                " (where the sources are silent):"))
    for reading in report.readings:
        console.print(f"  - {reading.id}: {reading.text}")
