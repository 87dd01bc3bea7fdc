"""Render a P4P scoring in one of the formats, to standard output or ``--output``."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from hiecheck.outputs import Reads
from hiecheck.p4p import letters
from hiecheck.p4p.letters import Letter, Overview
from hiecheck.p4p.letters_pcmh import PcmhLetters
from hiecheck.p4p.models import (
    BhhProviderResult,
    BhhReport,
    OhhProviderResult,
    OhhReport,
    PcmhPracticeResult,
    PcmhReport,
    Scoring,
)
from hiecheck.p4p.output import Kind, Out, open_output
from hiecheck.p4p.pcmh_figures import PcmhScoring, PracticeFigures
from hiecheck.p4p.render_data import render_csv, render_json, render_json_lines
from hiecheck.p4p.render_letters import render_html, render_markdown
from hiecheck.p4p.render_pcmh import pcmh_csv_rows, pcmh_json_lines
from hiecheck.p4p.render_text import render_text
from hiecheck.p4p.split import Split, default_split, split_items

Format = Literal["table", "json", "csv", "markdown", "html"]
FORMATS: tuple[Format, ...] = ("table", "json", "csv", "markdown", "html")
AnyScoring = (
    Scoring[OhhReport, OhhProviderResult]
    | Scoring[BhhReport, BhhProviderResult]
    | Scoring[PcmhReport, PcmhPracticeResult]
)
_KIND: dict[Format, Kind] = {
    "table": "text", "csv": "text", "markdown": "text", "json": "json", "html": "html",
}


def _figures(scoring: PcmhScoring, out: Out, split: Split) -> Iterator[PracticeFigures]:
    return split_items(out, scoring.count, scoring.figure, split)


def _letters(
    scoring: AnyScoring, out: Out, split: Split
) -> tuple[Overview, Iterator[Letter]]:
    report = scoring.report
    if isinstance(report, OhhReport):
        write = letters.OhhLetters(report)
        return letters.ohh_overview(report), (
            write(p) for p in scoring.providers()  # type: ignore[arg-type]
        )
    if isinstance(report, BhhReport):
        return letters.bhh_overview(report), (
            letters.bhh_letter(report, p) for p in scoring.providers()  # type: ignore[arg-type]
        )
    assert isinstance(scoring, PcmhScoring)
    return letters.pcmh_overview(report), map(
        PcmhLetters(report, scoring.frame), _figures(scoring, out, split)
    )


def render(
    scoring: AnyScoring,
    fmt: Format,
    output: Path | None,
    *,
    explain: bool,
    reads: Reads,
    split: Split | None = None,
) -> None:
    """Write ``scoring`` as ``fmt`` to ``output`` (standard output when None); ``reads`` are
    the run's inputs, which the output may not be. A large PCMH report's practices are written
    on every core (``split``; default: ``default_split()``)."""
    split = split or default_split()
    with open_output(output, _KIND[fmt], reads) as out:
        report = scoring.report
        if fmt == "json" and isinstance(scoring, PcmhScoring):
            lines = pcmh_json_lines(scoring.frame, _figures(scoring, out, split))
            render_json_lines(out, report, lines, "practices")
        elif fmt == "json":
            render_json(out, report, scoring.providers(), "providers")
        elif fmt == "csv" and isinstance(scoring, PcmhScoring):
            csv.writer(out, lineterminator="\n").writerows(
                pcmh_csv_rows(scoring.report, scoring.frame, _figures(scoring, out, split))
            )
        elif fmt == "csv" and not isinstance(report, PcmhReport):
            render_csv(out, report, scoring.providers())
        else:
            overview, items = _letters(scoring, out, split)
            if fmt == "markdown":
                render_markdown(out, overview, report.profile, items)
            elif fmt == "html":
                render_html(out, overview, report.profile, items)
            else:
                heading = "Practices" if isinstance(report, PcmhReport) else "Providers"
                render_text(out, overview, report.profile, items, explain=explain,
                            heading=heading)
