"""Commands of this area, registered on the root app by hiecheck.cli: `programs` and `check`."""

from __future__ import annotations

import json
from contextlib import ExitStack
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from hiecheck.check import load_organization, load_rules, message_paths, run_check
from hiecheck.cli_support import byte_progress, parse_date
from hiecheck.console import Escape, make_console
from hiecheck.errors import InputError
from hiecheck.hl7.reader import expand_sources, reads_of
from hiecheck.outputs import Reads, report_output
from hiecheck.paths import profiles_dir
from hiecheck.portfolio.inputs import wants_portfolio
from hiecheck.portfolio.render_reports import ReportsFormat
from hiecheck.programs.models import ProgramProfile, Role
from hiecheck.programs.profile_loader import ProfileSet, load_profiles
from hiecheck.programs.render_html import render_html
from hiecheck.programs.render_markdown import render_markdown
from hiecheck.programs.render_programs import render_list, render_role
from hiecheck.programs.render_table import render_table


class CheckFormat(StrEnum):
    """Output formats of `check`."""

    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"  # one organization: the HTML report; a portfolio: the portfolio page
    csv = "csv"  # portfolio runs only


class ListFormat(StrEnum):
    """Output formats of `programs`."""

    table = "table"
    json = "json"


AS_OF_HELP = (
    "Date the rules apply on (YYYY-MM-DD); picks the profile version in force. Default: today."
)
PROFILES_HELP = (
    "Profiles folder (holding programs/*.toml). Default: $HIECHECK_PROFILES or the bundled ones."
)


def _profiles(profiles: Path | None, as_of: date) -> ProfileSet:
    return load_profiles(profiles_dir(profiles), as_of)


def _selected(
    loaded: ProfileSet, wanted: str | None
) -> tuple[list[ProgramProfile], list[Role] | None]:
    """The programs to show and, for one program or role, its roles; an unknown id is bad
    input listing the known ones."""
    selected = [lp.profile for lp in loaded.in_force.values()]
    if wanted is None:
        return selected, None
    program = loaded.program(wanted)
    if program is not None:
        return [program], list(program.roles)
    found = loaded.find_role(wanted)
    if found is not None:
        return [found[0]], [found[1]]
    known = [r.id for p in selected for r in p.roles]
    versions = f" in force on {loaded.as_of}" if wanted in loaded.known_programs() else ""
    raise InputError(
        "programs",
        f"no program or role {wanted!r}{versions}",
        expected=" | ".join(sorted(loaded.in_force) + known),
    )


def programs(
    id: Annotated[
        str | None,
        typer.Argument(help="A program (e.g. pcplus) or a role (e.g. pcplus-tier2)."),
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE", help=AS_OF_HELP)] = None,
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", help="table or json.")
    ] = ListFormat.table,
    profiles: Annotated[Path | None, typer.Option(
        "--profiles", metavar="DIR", help=PROFILES_HELP)] = None,
) -> None:
    """List programs and roles, or explain one program or role: conditions, sources, contacts."""
    when = parse_date(as_of)
    loaded = _profiles(profiles, when)
    selected, roles = _selected(loaded, id)
    if fmt is ListFormat.json:
        data = [p.model_dump(mode="json") for p in sorted(selected, key=lambda p: p.program)]
        if roles is not None:
            ids = {r.id for r in roles}
            for p in data:
                p["roles"] = [r for r in p["roles"] if r["id"] in ids]
        with report_output(None, escape="json") as out:
            out.write(json.dumps({"as_of": str(when), "programs": data}, indent=2,
                                 ensure_ascii=False) + "\n")
        raise typer.Exit(0)
    with report_output(None) as out:
        console = make_console(out)
        if roles is None:
            render_list(loaded, console)
        else:
            for role in roles:
                render_role(selected[0], role, console, loaded.sources)
    raise typer.Exit(0)


def check(
    org_files: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help="The organization file (ORG.toml); several files or folders: a portfolio run.",
        ),
    ],
    messages: Annotated[
        list[str] | None,
        typer.Option(
            "--messages",
            metavar="PATH",
            help=(
                "HL7 messages that prove interface requirements: files, folders, glob patterns "
                "(repeatable; overrides the org file's `messages`)."
            ),
        ),
    ] = None,
    jobs: Annotated[
        int, typer.Option(
            "--jobs", "-j", metavar="N", min=1,
            help="Processes that check messages (this one and N-1 workers); in a portfolio run, "
            "worker processes that check organizations.",
        )
    ] = 1,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE", help=AS_OF_HELP)] = None,
    fmt: Annotated[
        CheckFormat, typer.Option(
            "--format", "-f", help="table, json, markdown or html; portfolio runs also csv."
        )
    ] = CheckFormat.table,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Also fail (exit 1) when a needed item is only attested."),
    ] = False,
    profiles: Annotated[Path | None, typer.Option(
        "--profiles", metavar="DIR", help=PROFILES_HELP)] = None,
    output: Annotated[
        Path | None, typer.Option(
            "--output", "-o", metavar="FILE", help="Write the report to FILE.")
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Table: also print the readings hiecheck uses where the sources are silent "
            "(markdown and JSON always carry them).",
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option(
            "--quiet", "-q",
            help="No progress bar while messages are read (or organizations checked).",
        )
    ] = False,
    reports_dir: Annotated[
        Path | None, typer.Option(
            "--reports-dir", metavar="DIR",
            help="Portfolio: also write each organization's report into DIR.",
        )
    ] = None,
    reports_format: Annotated[
        ReportsFormat | None, typer.Option(
            "--reports-format", help="Portfolio: markdown (default), json or html reports."
        )
    ] = None,
    compare: Annotated[
        Path | None, typer.Option(
            "--compare", metavar="PREVIOUS.json",
            help="Portfolio: list what changed since this previous portfolio (--format json).",
        )
    ] = None,
) -> None:
    """Report where an organization stands in each program it enrolls in.

    With --messages (or `messages` in the org file) interface requirements are proven or
    disproven from the organization's own HL7 messages.

    Exit 0: all required conditions met or attested. Exit 1: something unmet, a conflict, or
    (with --strict) something only attested. Exit 2: bad input.

    Several files or folders (every *.toml below them): a portfolio, one row per organization
    and role, then roll-ups; it exits with the worst organization's code (2, a bad file, wins
    over 1; 3: a bug). See the README, "Portfolio runs".
    """
    if wants_portfolio(org_files, fmt, reports_dir, compare):
        from hiecheck.portfolio.cli import PortfolioOptions, run_portfolio  # only when needed

        raise typer.Exit(run_portfolio(PortfolioOptions(
            paths=org_files, fmt=fmt.value, output=output, as_of=as_of, profiles=profiles,
            strict=strict, jobs=jobs, quiet=quiet, reports_dir=reports_dir,
            reports_format=reports_format, compare=compare, messages=messages or (),
            explain=explain,
        )))
    org_file = org_files[0]
    if output is not None:  # the organization file itself, before it is even read
        Reads.of([org_file]).refuse(output)
    rules = load_rules(profiles, parse_date(as_of))
    org = load_organization(org_file, rules)
    paths = message_paths(org, messages or [])
    reads = reads_of(expand_sources(paths), paths, org_file) if output is not None else (
        Reads.of(files=[org_file])  # stdout: only a redirection onto the organization file
    )
    escapes: dict[CheckFormat, Escape] = {CheckFormat.json: "json", CheckFormat.html: "xml"}
    escape = escapes.get(fmt, "text")
    with report_output(output, reads, escape) as handle:
        with ExitStack() as stack:
            advance = byte_progress(
                lambda: expand_sources(paths), quiet, stack, "reading messages"
            )
            report = run_check(
                org, rules, messages=paths, strict=strict, jobs=jobs, on_bytes=advance
            )
        if fmt is CheckFormat.json:
            handle.write(report.model_dump_json(indent=2) + "\n")
        elif fmt is CheckFormat.markdown:
            handle.write(render_markdown(report))
        elif fmt is CheckFormat.html:
            handle.write(render_html(report))
        else:
            width = 120 if output is not None else None
            render_table(report, make_console(handle, width=width), explain=explain)
    raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("programs")(programs)
    app.command("check")(check)
