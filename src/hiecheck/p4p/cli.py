"""`hiecheck p4p ohh|bhh|pcmh INPUT.csv`: score providers the way the programs pay them."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from hiecheck.cli_support import parse_date
from hiecheck.console import safe_stream
from hiecheck.errors import ExitCode, InputError
from hiecheck.outputs import Reads
from hiecheck.p4p.bhh import score_bhh
from hiecheck.p4p.csv_input import read_bhh, read_ohh, read_pcmh
from hiecheck.p4p.csv_source import STDIN
from hiecheck.p4p.forked import Later, worth_forking
from hiecheck.p4p.models import (
    BandRounding,
    BonusSplit,
    Caution,
    CompositeMethod,
    ImprovementTotal,
    PercentileMethod,
    PercentilePeers,
)
from hiecheck.p4p.ohh import score_ohh
from hiecheck.p4p.pcmh import score_pcmh
from hiecheck.p4p.problems import CsvProblems
from hiecheck.p4p.profile import BhhProfile, OhhProfile, PcmhProfile, select_profile
from hiecheck.p4p.render import AnyScoring, render
from hiecheck.p4p.words import caution
from hiecheck.paths import profiles_dir

p4p_app = typer.Typer(
    name="p4p",
    help="Pay-for-performance scoring: OHH composite, BHH screening measure, Connecticut PCMH.",
    no_args_is_help=True,
)


_BYTES_PER_PRACTICE = 280  # 8 measure rows of a typical PCMH file


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"




InputArg = Annotated[
    str,
    typer.Argument(
        metavar="INPUT.csv",
        help="Provider-level measure results (CSV; columns in the README); - reads stdin.",
    ),
]
FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format", "-f",
        help="table (80 columns), json, csv, markdown or html (one letter per provider).",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", metavar="FILE", help="Write the report to FILE (never over an input)."),
]
ExplainOpt = Annotated[
    bool,
    typer.Option(
        "--explain",
        help="Table: also print every reading and source sentence (json, markdown and html "
        "always carry them).",
    ),
]
ProfilesOpt = Annotated[
    Path | None,
    typer.Option(
        "--profiles", metavar="DIR",
        help="Profiles folder (default: $HIECHECK_PROFILES or built-in)."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", metavar="DATE",
        help="Use the profile in force on this date (YYYY-MM-DD; default today)."
    ),
]
CompositeOpt = Annotated[
    CompositeMethod | None,
    typer.Option("--composite", help="Composite method (default from the profile: pooled)."),
]
BonusSplitOpt = Annotated[
    BonusSplit | None,
    typer.Option(
        "--bonus-split", help="Bonus pool split (default from the profile: proportional)."
    ),
]
NetOpt = Annotated[
    bool,
    typer.Option(
        "--net-payments",
        help="The payments column holds net OHH payments as remitted (after the 4% withhold: "
        "ohh_net_payments or ohh_payments) instead of gross, before the withhold.",
    ),
]
PreviousOpt = Annotated[
    str | None,
    typer.Option(
        "--previous", metavar="PREV.csv",
        help="Previous measurement year's results (improvement payment); - reads stdin.",
    ),
]
PaymentYearOpt = Annotated[
    str | None,
    typer.Option(
        "--payment-year", metavar="YEAR",
        help="Payment year (the profile in force on 1 January of it)."),
]
PercentileOpt = Annotated[
    PercentileMethod | None,
    typer.Option("--percentile-method", help="Percentile rank method (default: midrank)."),
]
PeersOpt = Annotated[
    PercentilePeers | None,
    typer.Option(
        "--percentile-peers",
        help="Rank against the other practices (default) or all, the practice included.",
    ),
]
RoundingOpt = Annotated[
    BandRounding | None,
    typer.Option(
        "--band-rounding",
        help="Table A: round the mean to the nearest whole percentile (default) or take the "
        "band at or below it.",
    ),
]
ImprovementOpt = Annotated[
    ImprovementTotal | None,
    typer.Option(
        "--improvement-total",
        help="Raw scores totaled: measures valid in both years (default) or all valid ones.",
    ),
]


def _write_err(line: str) -> None:
    safe_stream(sys.stderr).write(line + "\n")


@contextmanager
def _every_problem() -> Iterator[None]:
    """A file's problems, one line each on stderr, then exit 2."""
    try:
        yield
    except CsvProblems as problems:
        for line in problems.lines():
            _write_err(f"hiecheck: error: {line}")
        raise typer.Exit(ExitCode.BAD_INPUT) from None


def _profile_files(folder: Path) -> list[Path]:
    return sorted((folder / "p4p").glob("*.toml"))


def _reads(output: Path | None, folder: Path, *paths: str | None) -> Reads:
    """What this run reads (its CSVs and the P4P profiles), refused as ``--output`` before
    anything is read."""
    given = [p for p in paths if p is not None]
    if given.count(STDIN) > 1:
        raise InputError("-", "standard input can be read only once", expected="one input as -")
    reads = Reads.of(files=[*(p for p in given if p != STDIN), *_profile_files(folder)])
    if output is not None:
        reads.refuse(output)
    return reads


def _finish(
    scoring: AnyScoring, fmt: OutputFormat, output: Path | None, explain: bool, reads: Reads
) -> None:
    cautions: list[Caution] = getattr(scoring.report, "cautions", [])
    if fmt in (OutputFormat.csv, OutputFormat.json):
        for item in cautions:
            _write_err(f"hiecheck: warning: {caution(item)}")
    render(scoring, fmt.value, output, explain=explain, reads=reads)
    raise typer.Exit(ExitCode.OK)


@p4p_app.command("ohh")
def ohh_command(
    input_csv: InputArg,
    composite: CompositeOpt = None,
    bonus_split: BonusSplitOpt = None,
    net_payments: NetOpt = False,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    output: OutputOpt = None,
    explain: ExplainOpt = False,
    profiles: ProfilesOpt = None,
) -> None:
    """Opioid Health Home composite: withhold kept or released, bonus share, what-if."""
    day = parse_date(as_of)
    folder = profiles_dir(profiles)
    reads = _reads(output, folder, input_csv)
    profile = select_profile(folder, "ohh", day)
    assert isinstance(profile, OhhProfile)
    with _every_problem():
        given = read_ohh(input_csv, [m.id for m in profile.measures], net=net_payments)
    scoring = score_ohh(
        given,
        profile,
        method=composite or profile.default_composite,
        bonus_split=bonus_split or profile.default_bonus_split,
        as_of=day,
    )
    _finish(scoring, fmt, output, explain, reads)


@p4p_app.command("bhh")
def bhh_command(
    input_csv: InputArg,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    output: OutputOpt = None,
    explain: ExplainOpt = False,
    profiles: ProfilesOpt = None,
) -> None:
    """Behavioral Health Home screening rate: meets 75% or the 1% recoupment, what-if."""
    day = parse_date(as_of)
    folder = profiles_dir(profiles)
    reads = _reads(output, folder, input_csv)
    profile = select_profile(folder, "bhh", day)
    assert isinstance(profile, BhhProfile)
    with _every_problem():
        given = read_bhh(input_csv, profile.measure.id)
    _finish(score_bhh(given, profile, as_of=day), fmt, output, explain, reads)



def _large(path: str) -> bool:
    """Whether a PCMH file is worth reading in a forked child (about 20,000 practices)."""
    if path == STDIN:
        return False
    try:
        size = os.path.getsize(path)
    except OSError:
        return False
    return worth_forking(size // _BYTES_PER_PRACTICE)


def _payment_year(value: str) -> date:
    """``--payment-year``: a year from 1 to 9999, as 1 January of it."""
    text = value.strip()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 9999:
        return date(int(text), 1, 1)
    raise InputError(
        "--payment-year", f"{value!r} is not a year", expected="a year such as 2020 (1 to 9999)"
    )


@p4p_app.command("pcmh")
def pcmh_command(
    input_csv: InputArg,
    previous: PreviousOpt = None,
    payment_year: PaymentYearOpt = None,
    as_of: AsOfOpt = None,
    percentile_method: PercentileOpt = None,
    percentile_peers: PeersOpt = None,
    band_rounding: RoundingOpt = None,
    improvement_total: ImprovementOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    output: OutputOpt = None,
    explain: ExplainOpt = False,
    profiles: ProfilesOpt = None,
) -> None:
    """Connecticut HUSKY PCMH: percentiles, Table A performance and Table B improvement payments."""
    if payment_year is not None and as_of is not None:
        raise InputError("--payment-year", "give --payment-year or --as-of, not both")
    day = _payment_year(payment_year) if payment_year is not None else parse_date(as_of)
    folder = profiles_dir(profiles)
    reads = _reads(output, folder, input_csv, previous)
    profile = select_profile(folder, "pcmh", day)
    assert isinstance(profile, PcmhProfile)
    # A large previous year is read in a forked child while this process reads the current
    # one; its problems, if any, are raised here after the current file's (``Later``).
    later = (
        Later(partial(read_pcmh, previous, profile.measures, previous=True),
              fork=_large(previous))
        if previous else None
    )
    try:
        with _every_problem():
            current = read_pcmh(input_csv, profile.measures)
    except BaseException:
        if later is not None:
            later.cancel()
        raise
    with _every_problem():
        before = later.get() if later is not None else None
    scoring = score_pcmh(
        current,
        before,
        profile,
        method=percentile_method or profile.default_percentile_method,
        peers=percentile_peers or profile.default_percentile_peers,
        rounding=band_rounding or profile.default_band_rounding,
        improvement_total=improvement_total or profile.default_improvement_total,
        as_of=day,
    )
    _finish(scoring, fmt, output, explain, reads)


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.add_typer(p4p_app, name="p4p")
