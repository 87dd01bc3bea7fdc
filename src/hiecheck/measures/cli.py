"""`hiecheck measure bhh|ohh|cbp`: compute measures from member-level data and messages."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from hiecheck.cli_support import parse_date
from hiecheck.console import Escape, show_controls
from hiecheck.errors import ExitCode, InputError
from hiecheck.measures.cbp import cbp_report, summarize
from hiecheck.measures.inputs import InputProblems
from hiecheck.measures.models import MeasureReport, Period
from hiecheck.measures.output import guard_outputs, reads_of, write_provider_csv
from hiecheck.measures.render import render_table
from hiecheck.measures.run import MeasureRequest, run
from hiecheck.measures.schema import InputTable
from hiecheck.outputs import Reads, report_output

measure_app = typer.Typer(
    name="measure",
    help="Compute BHH, OHH and CBP measures from member-level claims and HL7 messages (DuckDB).",
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    csv = "csv"
    table = "table"
    json = "json"


FileOpt = Annotated[Path | None, typer.Option(
    metavar="FILE", help="CSV or Parquet file (columns in the README).")]
YearOpt = Annotated[int | None, typer.Option(
    "--year", metavar="YEAR", help="Measure the calendar year YEAR.")]
FromOpt = Annotated[str | None, typer.Option(
    "--from", metavar="DATE", help="First day of the period (YYYY-MM-DD).")]
ToOpt = Annotated[str | None, typer.Option(
    "--to", metavar="DATE", help="Last day of the period (YYYY-MM-DD).")]
MembersOutOpt = Annotated[Path | None, typer.Option(
    "--members-out", metavar="FILE",
    help="Write every member's status and the input rows that counted (CSV).")]
GapsOutOpt = Annotated[Path | None, typer.Option(
    "--gaps-out", metavar="FILE",
    help="Write the gap list: denominator members not in the numerator (CSV).")]
ShowValuesOpt = Annotated[bool, typer.Option(
    "--show-values", help="Real member ids, dates, drugs and readings in the member files.")]
SaltOpt = Annotated[str | None, typer.Option(
    "--salt", metavar="TEXT",
    help="Salt for pseudonymous member keys (default $HIECHECK_MEASURE_SALT or random).")]
FormatOpt = Annotated[OutputFormat, typer.Option(
    "--format", "-f", help="csv: the provider CSV `hiecheck p4p` reads; table; json.")]
OutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", metavar="FILE", help="Write the report here instead of standard output.")]
ProfilesOpt = Annotated[Path | None, typer.Option(
    "--profiles", metavar="DIR", help="Profiles folder (default: $HIECHECK_PROFILES or built-in).")]
CodesOpt = Annotated[Path | None, typer.Option(
    "--codes", metavar="FILE",
    help="CSV of value_set,system,code rows adding codes (e.g. NDCs) to value sets.")]
IdTypeOpt = Annotated[str | None, typer.Option(
    "--id-type", metavar="CODE",
    help="PID-3 identifier type (CX.5) naming the member; default the first id.")]
OruOpt = Annotated[list[str] | None, typer.Option(
    "--oru", metavar="PATH", help="HL7 ORU files, folders or globs with lab results (repeatable).")]


def _period(year: int | None, start: str | None, end: str | None,
            required: bool) -> Period | None:
    if year is not None:
        if start or end:
            raise InputError("--year", "give --year or --from/--to, not both")
        if not 1900 <= year <= 9999:
            raise InputError("--year", f"{year} is not a year", expected="YYYY")
        return Period.year(year)
    if start or end:
        if not (start and end):
            raise InputError("--from" if not start else "--to", "not given",
                             expected="both --from and --to")
        first, last = parse_date(start, "--from"), parse_date(end, "--to")
        if last < first:
            raise InputError("--to", f"{last} is before --from {first}")
        return Period(start=first, end=last)
    if required:
        raise InputError("--year", "no measurement period given",
                         expected="--year YYYY, or --from YYYY-MM-DD --to YYYY-MM-DD")
    return None


def _emit(report: MeasureReport, fmt: OutputFormat, output: Path | None, cbp: bool,
          reads: Reads) -> None:
    escape: Escape = "json" if fmt is OutputFormat.json else "text"
    with report_output(output, reads, escape=escape) as stream:
        if fmt is OutputFormat.json:
            stream.write(report.model_dump_json(indent=2) + "\n")
        elif fmt is OutputFormat.table:
            render_table(report, stream, summarize(report, False) if cbp else None)
        else:
            write_provider_csv(stream, report.measure_id, report.providers, report.given_counts,
                               report.payments, report.payments_column or "")


def _guarded(request: MeasureRequest, fmt: OutputFormat, output: Path | None) -> None:
    inputs = [str(p) for p in request.files.values()]
    inputs += [str(p) for p in (request.codes, request.given_counts, request.payments) if p]
    reads = reads_of(inputs, request.hl7)
    guard_outputs({"--output": output, "--members-out": request.members_out,
                   "--gaps-out": request.gaps_out}, reads)
    try:
        if request.measure == "cbp":
            report = cbp_report(request.hl7, period=request.period, profiles=request.profiles,
                                id_type=request.id_type, members_out=request.members_out,
                                gaps_out=request.gaps_out, show_values=request.show_values,
                                salt=request.salt, codes=request.codes)
        else:
            report = run(request)
    except InputProblems as exc:
        for line in exc.lines():  # user text: control characters shown as escapes
            typer.echo(f"hiecheck: error: {show_controls(line)}", err=True)
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    _emit(report, fmt, output, request.measure == "cbp", reads)
    raise typer.Exit(ExitCode.OK)


def _files(**given: Path | None) -> dict[InputTable, Path]:
    return {name: path for name, path in given.items() if path is not None}  # type: ignore[misc]


@measure_app.command("bhh")
def bhh_command(
    members: FileOpt = None,
    fills: FileOpt = None,
    labs: FileOpt = None,
    oru: OruOpt = None,
    payments: Annotated[Path | None, typer.Option(
        metavar="FILE",
        help="CSV of provider_id,bhh_payments passed through to the P4P CSV.")] = None,
    year: YearOpt = None, start: FromOpt = None, end: ToOpt = None,
    codes: CodesOpt = None, id_type: IdTypeOpt = None,
    members_out: MembersOutOpt = None, gaps_out: GapsOutOpt = None,
    show_values: ShowValuesOpt = False, salt: SaltOpt = None,
    fmt: FormatOpt = OutputFormat.csv, output: OutputOpt = None, profiles: ProfilesOpt = None,
) -> None:
    """BHH: members with 2+ antipsychotic fills (denominator) screened by HbA1c or glucose."""
    request = MeasureRequest(
        measure="bhh", period=_period(year, start, end, required=True),
        files=_files(members=members, fills=fills, labs=labs), hl7=list(oru or []),
        id_type=id_type, codes=codes, payments=payments, members_out=members_out,
        gaps_out=gaps_out, show_values=show_values, salt=salt, profiles=profiles)
    _guarded(request, fmt, output)


@measure_app.command("ohh")
def ohh_command(
    members: FileOpt = None,
    fills: FileOpt = None,
    otp: FileOpt = None,
    counts: Annotated[Path | None, typer.Option(
        metavar="FILE",
        help="The other two OHH measures' counts (and ohh_payments), in `p4p ohh`'s layout.")
    ] = None,
    year: YearOpt = None, start: FromOpt = None, end: ToOpt = None,
    codes: CodesOpt = None,
    members_out: MembersOutOpt = None, gaps_out: GapsOutOpt = None,
    show_values: ShowValuesOpt = False, salt: SaltOpt = None,
    fmt: FormatOpt = OutputFormat.csv, output: OutputOpt = None, profiles: ProfilesOpt = None,
) -> None:
    """OHH: continuity of pharmacotherapy for OUD (180 days, no gap of 8+ days)."""
    request = MeasureRequest(
        measure="ohh", period=_period(year, start, end, required=True),
        files=_files(members=members, fills=fills, otp=otp), codes=codes, given_counts=counts,
        members_out=members_out, gaps_out=gaps_out, show_values=show_values, salt=salt,
        profiles=profiles)
    if counts is None and fmt is OutputFormat.csv:
        typer.echo("hiecheck: note: without --counts the CSV has only "
                   "continuity_pharmacotherapy_oud rows; `hiecheck p4p ohh` needs all three "
                   "measures", err=True)
    _guarded(request, fmt, output)


@measure_app.command("cbp")
def cbp_command(
    paths: Annotated[list[str], typer.Argument(
        help="HL7 ADT/ORU files, folders or globs ('-' for standard input).")],
    year: YearOpt = None, start: FromOpt = None, end: ToOpt = None,
    codes: CodesOpt = None, id_type: IdTypeOpt = None,
    members_out: MembersOutOpt = None, gaps_out: GapsOutOpt = None,
    show_values: ShowValuesOpt = False, salt: SaltOpt = None,
    fmt: FormatOpt = OutputFormat.table, output: OutputOpt = None, profiles: ProfilesOpt = None,
) -> None:
    """Controlling High Blood Pressure (CMS165 logic) from the organization's own messages."""
    request = MeasureRequest(
        measure="cbp", period=_period(year, start, end, required=False), hl7=list(paths),
        id_type=id_type, codes=codes, members_out=members_out, gaps_out=gaps_out,
        show_values=show_values, salt=salt, profiles=profiles)
    _guarded(request, fmt, output)


def register(app: typer.Typer) -> None:
    """Add `hiecheck measure` to the root app."""
    app.add_typer(measure_app)

