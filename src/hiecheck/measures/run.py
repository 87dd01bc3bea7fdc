"""One member-level measure run, from input files to a :class:`MeasureReport` (and the member
files asked for). The command line and `check` call this and only render what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from hiecheck.errors import InputError
from hiecheck.measures.engine import (
    load_value_sets,
    run_feed_checks,
    run_measure,
    session,
)
from hiecheck.measures.hl7_extract import ExtractCounts, extract_hl7, hl7_labs
from hiecheck.measures.inputs import InputProblems, collect, load_input
from hiecheck.measures.models import (
    CountsRow,
    InputRead,
    MeasureName,
    MeasureReport,
    OutputFile,
    OutputKind,
    Period,
    ProviderResult,
)
from hiecheck.measures.output import guard_outputs, reads_of, run_salt, write_members
from hiecheck.measures.profile import LoadedMeasure, select_measure
from hiecheck.measures.schema import InputTable
from hiecheck.measures.side_files import (
    read_codes,
    read_given_counts,
    read_payments,
)
from hiecheck.paths import profiles_dir


@dataclass
class MeasureRequest:
    """What to compute and from which files; ``period`` None: from the data (CBP only)."""

    measure: MeasureName
    period: Period | None
    files: dict[InputTable, Path] = field(default_factory=dict)
    hl7: list[str] = field(default_factory=list)
    id_type: str | None = None
    codes: Path | None = None
    given_counts: Path | None = None
    payments: Path | None = None
    members_out: Path | None = None
    gaps_out: Path | None = None
    show_values: bool = False
    salt: str | None = None
    profiles: Path | None = None


def complete_counts(providers: list[ProviderResult], given: list[CountsRow],
                    measure: LoadedMeasure, path: Path) -> list[ProviderResult]:
    """Check that every provider has each measure counted elsewhere; a provider known only from
    the given counts gets 0/0 for the computed measure (no member of it in the data)."""
    known = {p.provider_id for p in providers}
    for provider in sorted({g.provider_id for g in given} - known):
        providers.append(ProviderResult(provider_id=provider, members=0, denominator=0,
                                        numerator=0, rate_percent=None))
    have = {(g.provider_id, g.measure) for g in given}
    for p in providers:
        for name in measure.profile.counted_elsewhere:
            if (p.provider_id, name) not in have:
                raise InputError(str(path), f"no {name} row for provider {p.provider_id!r}",
                                 expected="a row per provider for each of "
                                 + ", ".join(measure.profile.counted_elsewhere))
    return sorted(providers, key=lambda p: p.provider_id)


def latest_message_day(con: duckdb.DuckDBPyConnection) -> date | None:
    """The latest message date in the hl7_messages table (None: no dated message)."""
    found = con.execute("SELECT max(msg_date) FROM hl7_messages").fetchone()
    return found[0] if found and found[0] is not None else None


def _period_from_data(con: duckdb.DuckDBPyConnection) -> Period:
    latest = latest_message_day(con)
    if latest is None:
        raise InputError("messages", "no dated message to take the period from",
                         expected="--year or --from/--to, or messages with MSH-7")
    return Period.year(latest.year)


def execute(request: MeasureRequest, con: duckdb.DuckDBPyConnection,
            hl7: ExtractCounts | None = None) -> tuple[LoadedMeasure, MeasureReport]:
    """Run ``request`` in an open session (the caller may query the tables afterwards).

    ``hl7``: the hl7_* tables are filled already (by `check`'s one pass over the messages), with
    these counts; else the messages of ``request.hl7``, if any, are read now."""
    inputs_given = [str(p) for p in request.files.values()]
    inputs_given += [str(p) for p in (request.codes, request.given_counts, request.payments)
                     if p is not None]
    guard_outputs({"--members-out": request.members_out, "--gaps-out": request.gaps_out},
                  reads_of(inputs_given, list(request.hl7)))
    reads: list[InputRead] = []
    folder = profiles_dir(request.profiles) / "measures"
    period = request.period
    counts = hl7
    if counts is None and request.hl7:
        counts = extract_hl7(con, request.hl7, request.id_type)
    if counts is not None:
        reads.append(InputRead(table="hl7", file=", ".join(counts.files), rows=counts.messages))
        if period is None:
            period = _period_from_data(con)
    if period is None:
        raise InputError("--year", "no period given", expected="--year YYYY or --from/--to")
    measure = select_measure(folder, request.measure, period.end)
    profile = measure.profile
    problems: list[InputError] = []
    total = 0
    notes: list[str] = []
    for table in profile.inputs:
        if table == "hl7":
            continue
        path = request.files.get(table)
        if path is None:
            if table in ("members", "fills"):
                problems.append(InputError(f"--{table}", "not given",
                                           expected=f"the {table} file (CSV or Parquet)"))
                total += 1
            continue
        try:
            loaded = load_input(con, table, path, profile.required_columns.get(table))
        except InputProblems as exc:
            problems.extend(exc.problems)
            total += exc.total
            notes += [exc.note] if exc.note else []
            continue
        except InputError as exc:
            problems.append(exc)
            total += 1
            continue
        reads.append(InputRead(table=table, file=loaded.file, rows=loaded.rows))
    collect(problems, total, notes)
    if counts is not None and "labs" in profile.inputs:
        hl7_labs(con)
    extra = read_codes(request.codes, measure) if request.codes else []
    given: list[CountsRow] = []
    payments: dict[str, str] | None = None
    if request.given_counts is not None:
        given, found = read_given_counts(request.given_counts, measure)
        payments = found or None
    if request.payments is not None:
        payments = read_payments(request.payments, profile.payments_column)
    load_value_sets(con, measure, extra)
    providers, statuses = run_measure(con, measure, period)
    if request.given_counts is not None:
        providers = complete_counts(providers, given, measure, request.given_counts)
    if request.payments is not None and payments is not None:
        missing = [p.provider_id for p in providers if p.provider_id not in payments]
        if missing:
            raise InputError(str(request.payments), f"no row for provider {missing[0]!r}",
                             expected=f"a {profile.payments_column} row for every provider")
    feed = run_feed_checks(con, measure)
    outputs: list[OutputFile] = []
    salt = run_salt(request.salt)
    asked: tuple[tuple[OutputKind, Path | None], ...] = (
        ("members", request.members_out), ("gaps", request.gaps_out))
    for kind, path in asked:
        if path is not None:
            rows = write_members(con, measure, path, show_values=request.show_values, salt=salt,
                                 gaps_only=kind == "gaps")
            outputs.append(OutputFile(kind=kind, path=str(path), rows=rows))
    report = MeasureReport(
        measure=profile.measure, measure_id=profile.id, version=profile.version,
        title=profile.title, period=period, providers=providers, statuses=statuses,
        given_counts=given, counted_elsewhere=profile.counted_elsewhere, inputs=reads,
        feed_checks=feed, member_keys="shown" if request.show_values else "pseudonymous",
        outputs=outputs, readings=profile.readings, citations=profile.citations,
        payments=payments, payments_column=profile.payments_column,
    )
    return measure, report


def run(request: MeasureRequest) -> MeasureReport:
    """Compute the measure of ``request``; writes the member files it names."""
    with session() as con:
        return execute(request, con)[1]


