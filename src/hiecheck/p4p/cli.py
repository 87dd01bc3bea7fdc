"""`hiecheck p4p ohh|bhh|pcmh INPUT.csv`: score providers the way the programs pay them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from hiecheck.cli_support import parse_date
from hiecheck.errors import ExitCode, InputError
from hiecheck.outputs import Reads, report_output
from hiecheck.p4p.bhh import score_bhh
from hiecheck.p4p.csv_input import read_bhh, read_ohh, read_pcmh
from hiecheck.p4p.ohh import score_ohh
from hiecheck.p4p.pcmh import score_pcmh
from hiecheck.p4p.profile import BhhProfile, OhhProfile, PcmhProfile, select_profile
from hiecheck.p4p.render import Report, render
from hiecheck.paths import profiles_dir

p4p_app = typer.Typer(
    name="p4p",
    help="Pay-for-performance scoring: OHH composite, BHH screening measure, Connecticut PCMH.",
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Composite(StrEnum):
    pooled = "pooled"
    mean_of_rates = "mean-of-rates"


class BonusSplit(StrEnum):
    proportional = "proportional"
    equal = "equal"


class PercentileChoice(StrEnum):
    midrank = "midrank"
    strict_below = "strict-below"
    inclusive = "inclusive"


class ImprovementChoice(StrEnum):
    all_valid = "all-valid"
    like_for_like = "like-for-like"


InputArg = Annotated[
    Path, typer.Argument(help="Provider-level measure results (CSV; columns in the README).")
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report to FILE instead of stdout.")
]
ProfilesOpt = Annotated[
    Path | None,
    typer.Option("--profiles", help="Profiles folder (default: $HIECHECK_PROFILES or built-in)."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Use the profile in force on this date (YYYY-MM-DD; default today)."
    ),
]
CompositeOpt = Annotated[
    Composite | None,
    typer.Option("--composite", help="Composite method (default from the profile: pooled)."),
]
BonusSplitOpt = Annotated[
    BonusSplit | None,
    typer.Option(
        "--bonus-split", help="Bonus pool split (default from the profile: proportional)."
    ),
]
PreviousOpt = Annotated[
    Path | None,
    typer.Option("--previous", help="Previous measurement year's results (improvement payment)."),
]
PaymentYearOpt = Annotated[
    int | None,
    typer.Option("--payment-year", help="Payment year (the profile in force on 1 January of it)."),
]
PercentileOpt = Annotated[
    PercentileChoice | None,
    typer.Option("--percentile-method", help="Percentile rank method (default: midrank)."),
]
ImprovementOpt = Annotated[
    ImprovementChoice | None,
    typer.Option("--improvement-total", help="Raw scores totaled (default: all-valid)."),
]


@p4p_app.command("ohh")
def ohh_command(
    input_csv: InputArg,
    composite: CompositeOpt = None,
    bonus_split: BonusSplitOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    profiles: ProfilesOpt = None,
    output: OutputOpt = None,
) -> None:
    """Opioid Health Home composite: withhold kept or released, bonus share, what-if."""
    reads = _reads(output, input_csv)
    day = parse_date(as_of)
    profile = select_profile(profiles_dir(profiles), "ohh", day)
    assert isinstance(profile, OhhProfile)
    providers = read_ohh(input_csv, [m.id for m in profile.measures])
    report = score_ohh(
        providers,
        profile,
        method=composite.value if composite else profile.default_composite,  # type: ignore[arg-type]
        bonus_split=bonus_split.value if bonus_split else profile.default_bonus_split,  # type: ignore[arg-type]
        as_of=day,
    )
    _write(report, fmt, output, reads)
    raise typer.Exit(ExitCode.OK)


@p4p_app.command("bhh")
def bhh_command(
    input_csv: InputArg,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    profiles: ProfilesOpt = None,
    output: OutputOpt = None,
) -> None:
    """Behavioral Health Home screening rate: meets 75% or the 1% recoupment, what-if."""
    reads = _reads(output, input_csv)
    day = parse_date(as_of)
    profile = select_profile(profiles_dir(profiles), "bhh", day)
    assert isinstance(profile, BhhProfile)
    report = score_bhh(read_bhh(input_csv, profile.measure.id), profile, as_of=day)
    _write(report, fmt, output, reads)
    raise typer.Exit(ExitCode.OK)


@p4p_app.command("pcmh")
def pcmh_command(
    input_csv: InputArg,
    previous: PreviousOpt = None,
    payment_year: PaymentYearOpt = None,
    as_of: AsOfOpt = None,
    percentile_method: PercentileOpt = None,
    improvement_total: ImprovementOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    profiles: ProfilesOpt = None,
    output: OutputOpt = None,
) -> None:
    """Connecticut HUSKY PCMH: percentiles, Table A performance and Table B improvement payments."""
    reads = _reads(output, input_csv, previous)
    if payment_year is not None and as_of is not None:
        raise InputError("--payment-year", "give --payment-year or --as-of, not both")
    day = date(payment_year, 1, 1) if payment_year is not None else parse_date(as_of)
    profile = select_profile(profiles_dir(profiles), "pcmh", day)
    assert isinstance(profile, PcmhProfile)
    current = read_pcmh(input_csv, profile.measures)
    before = read_pcmh(previous, profile.measures, previous=True) if previous else None
    method = percentile_method.value if percentile_method else profile.default_percentile_method
    totals = improvement_total.value if improvement_total else profile.default_improvement_total
    report = score_pcmh(
        current,
        before,
        profile,
        method=method,  # type: ignore[arg-type]
        improvement_total=totals,  # type: ignore[arg-type]
        as_of=day,
    )
    _write(report, fmt, output, reads)
    raise typer.Exit(ExitCode.OK)


def _reads(output: Path | None, *inputs: Path | None) -> Reads:
    """The CSV files a command reads; an ``--output`` naming one is refused before reading."""
    reads = Reads.of(p for p in inputs if p is not None)
    if output is not None:
        reads.refuse(output)
    return reads


def _write(report: Report, fmt: OutputFormat, output: Path | None, reads: Reads) -> None:
    with report_output(output, reads, "json" if fmt is OutputFormat.json else "text") as out:
        render(report, fmt.value, out)  # type: ignore[arg-type]


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.add_typer(p4p_app, name="p4p")
