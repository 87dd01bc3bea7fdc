"""`hiecheck check` on several organization files or a folder: the portfolio run's face.

``programs/cli.py``'s ``check`` calls :func:`run_portfolio` when it is given more than one
file, a folder, or an option only portfolios have; this module reads the options, runs the
portfolio, and renders it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from hiecheck.check import Rules, load_rules
from hiecheck.cli_support import count_progress, parse_date
from hiecheck.console import Escape, make_console
from hiecheck.errors import InputError
from hiecheck.hl7.reader import is_message_name
from hiecheck.outputs import OutputError, Reads, report_output
from hiecheck.portfolio.compare import compare, load_previous
from hiecheck.portfolio.inputs import OrgFile, is_organization_file, organization_files
from hiecheck.portfolio.model import OrganizationEntry, Portfolio
from hiecheck.portfolio.render_csv import render_csv
from hiecheck.portfolio.render_html import render_html
from hiecheck.portfolio.render_markdown import render_markdown
from hiecheck.portfolio.render_reports import (
    SUFFIXES,
    ReportFiles,
    ReportsFormat,
    file_identity,
)
from hiecheck.portfolio.render_table import render_table
from hiecheck.portfolio.render_words import ReportLink, no_link
from hiecheck.portfolio.run import Prepared, assemble, check_all, prepare

FORMATS = ("table", "json", "csv", "markdown", "html")
ESCAPES: dict[str, Escape] = {"json": "json", "html": "xml"}


@dataclass(frozen=True)
class PortfolioOptions:
    """The `check` options a portfolio run reads."""

    paths: Sequence[Path]
    fmt: str = "table"
    output: Path | None = None
    as_of: str | None = None
    profiles: Path | None = None
    strict: bool = False
    jobs: int = 1
    quiet: bool = False
    reports_dir: Path | None = None
    reports_format: ReportsFormat | None = None
    compare: Path | None = None
    messages: Sequence[str] = ()  # refused: each organization file names its own messages
    explain: bool = False  # refused: the organizations' reports always carry the readings

    @property
    def reports(self) -> ReportsFormat:
        """The reports' format (default markdown)."""
        return self.reports_format or ReportsFormat.markdown


def _check_options(opts: PortfolioOptions) -> None:
    if opts.fmt not in FORMATS:
        raise InputError("--format", f"{opts.fmt!r} is not a portfolio format",
                         expected=" | ".join(FORMATS))
    if opts.messages:
        raise InputError("--messages", "applies to one organization: in a portfolio run each "
                         "organization file names its own `messages` folder")
    if opts.explain:
        raise InputError("--explain", "applies to one organization's table: in a portfolio "
                         "run the readings are in each organization's report (--reports-dir)")
    if opts.reports_format is not None and opts.reports_dir is None:
        raise InputError("--reports-format", "needs --reports-dir (where the reports go)")


def _refuse_outputs(opts: PortfolioOptions, prepared: Prepared) -> Reads:
    """Refuse an output that is an input or that the next run would read (an organization
    file in a folder given, a message in a messages folder); the Reads for the output."""
    files: list[str | Path] = [f.path for f in prepared.files]
    if opts.compare is not None:
        files.append(opts.compare)
    folders = [p for p in opts.paths if p.is_dir()]
    reads = Reads.of(files=files, folders=folders, reads_name=is_organization_file)
    messages = Reads.of(folders=prepared.messages_dirs, reads_name=is_message_name)
    if opts.output is not None:
        reads.refuse(opts.output)
        messages.refuse(opts.output)
        if opts.reports_dir is not None:
            target = os.path.realpath(opts.output)
            for name in prepared.report_names:
                if os.path.realpath(opts.reports_dir / name) == target:
                    raise OutputError(str(opts.output), "is the report of an organization in "
                                      "--reports-dir (write the portfolio to another file)")
    return reads


def _reports_folder(folder: Path) -> None:
    """Create ``--reports-dir`` (and its parents) if needed; a file there is an error."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(str(folder), "is a file (expected a folder for the reports)") from None
    except OSError as exc:
        raise OutputError(str(folder), f"cannot create the reports folder: "
                          f"{exc.strerror or exc}") from None


def _writer(opts: PortfolioOptions, prepared: Prepared) -> ReportFiles | None:
    if opts.reports_dir is None:
        return None
    _reports_folder(opts.reports_dir)
    inputs = [f.path for f in prepared.files] + ([opts.compare] if opts.compare else [])
    identities = frozenset(i for i in map(file_identity, inputs) if i is not None)
    return ReportFiles(str(opts.reports_dir), opts.reports, identities)


def _link(opts: PortfolioOptions, url: bool) -> ReportLink:
    """Each organization's report relative to where the portfolio is written (a URL path for
    HTML and markdown)."""
    if opts.reports_dir is None:
        return no_link
    base = os.path.dirname(os.path.abspath(opts.output)) if opts.output else os.getcwd()
    folder = os.path.relpath(os.path.abspath(opts.reports_dir), base)

    def link(entry: OrganizationEntry) -> str | None:
        if entry.report is None:
            return None
        path = Path(folder, entry.report).as_posix()
        return quote(path) if url else path

    return link


def _render(portfolio: Portfolio, opts: PortfolioOptions, handle: TextIO) -> None:
    fmt = opts.fmt
    if fmt == "json":
        handle.write(portfolio.model_dump_json(indent=2) + "\n")
    elif fmt == "csv":
        render_csv(portfolio, handle, _link(opts, url=False), bom=opts.output is not None)
    elif fmt == "markdown":
        handle.write(render_markdown(portfolio, _link(opts, url=True)))
    elif fmt == "html":
        handle.write(render_html(portfolio, _link(opts, url=True)))
    else:
        render_table(portfolio, make_console(handle), _link(opts, url=False))


def _progress(total: int, quiet: bool, stack: ExitStack) -> Callable[[OrganizationEntry], None]:
    advance = count_progress(total, quiet, stack, "checking organizations")

    def done(entry: OrganizationEntry) -> None:
        if advance is not None:
            advance(1)

    return done


def _files(paths: Sequence[Path]) -> list[OrgFile]:
    if not paths:
        raise InputError("check", "no organization file or folder given",
                         expected="ORG.toml files and folders")
    return organization_files(paths)


def run_portfolio(opts: PortfolioOptions) -> int:
    """Run the portfolio and write it; the exit code (README, "Portfolio runs")."""
    _check_options(opts)
    rules: Rules = load_rules(opts.profiles, parse_date(opts.as_of))
    files = _files(opts.paths)
    previous = load_previous(opts.compare) if opts.compare is not None else None
    writer_suffix = None if opts.reports_dir is None else SUFFIXES[opts.reports]
    prepared = prepare(files, rules, writer_suffix)
    reads = _refuse_outputs(opts, prepared)
    writer = _writer(opts, prepared)
    with ExitStack() as stack:
        entries = check_all(prepared, rules, strict=opts.strict, jobs=opts.jobs, writer=writer,
                            on_done=_progress(len(files), opts.quiet, stack))
    portfolio = assemble(
        entries, rules, inputs=[str(p) for p in opts.paths], strict=opts.strict,
        reports_dir=str(opts.reports_dir) if opts.reports_dir is not None else None,
        reports_format=str(opts.reports) if opts.reports_dir is not None else None,
    )
    if previous is not None and opts.compare is not None:
        portfolio = portfolio.model_copy(
            update={"changes": compare(previous, portfolio, str(opts.compare))}
        )
    with report_output(opts.output, reads, ESCAPES.get(opts.fmt, "text")) as handle:
        _render(portfolio, opts, handle)
    return portfolio.exit_code
