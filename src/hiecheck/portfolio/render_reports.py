"""Each organization's own report, written to ``--reports-dir`` by the worker that checked it.

The report is exactly what ``hiecheck check ORG.toml --format markdown|json|html`` prints, so it
is ready to send. Files are written atomically (:func:`hiecheck.outputs.report_output`), and a
file that is one of the run's inputs (by any name) is never replaced.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum

from hiecheck.console import Escape
from hiecheck.outputs import OutputError, report_output
from hiecheck.programs.render_html import render_html
from hiecheck.programs.render_markdown import render_markdown
from hiecheck.programs.report import Report


class ReportsFormat(StrEnum):
    """Formats of the organizations' reports."""

    markdown = "markdown"
    json = "json"
    html = "html"


SUFFIXES = {ReportsFormat.markdown: ".md", ReportsFormat.json: ".json", ReportsFormat.html: ".html"}
ESCAPES: dict[ReportsFormat, Escape] = {
    ReportsFormat.markdown: "text", ReportsFormat.json: "json", ReportsFormat.html: "xml",
}


def file_identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(device, inode) of an existing regular file, else None."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def render_report(report: Report, fmt: ReportsFormat) -> str:
    """One organization's report in ``fmt``."""
    if fmt is ReportsFormat.json:
        return report.model_dump_json(indent=2) + "\n"
    if fmt is ReportsFormat.html:
        return render_html(report)
    return render_markdown(report)


@dataclass(frozen=True)
class ReportFiles:
    """Writes reports into ``folder``, never over a file in ``inputs`` (identities)."""

    folder: str
    format: ReportsFormat
    inputs: frozenset[tuple[int, int]] = frozenset()

    @property
    def suffix(self) -> str:
        """The report files' suffix."""
        return SUFFIXES[self.format]

    def __call__(self, report: Report, name: str) -> None:
        """Write ``report`` as ``folder/name``; OutputError when it cannot or may not be."""
        target = os.path.join(self.folder, name)
        identity = file_identity(target)
        if identity is not None and identity in self.inputs:
            raise OutputError(target, "is an input file of this run: the report would replace "
                              "it (choose another --reports-dir)")
        with report_output(target, escape=ESCAPES[self.format]) as handle:
            handle.write(render_report(report, self.format))
