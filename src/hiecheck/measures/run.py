"""One member-level measure run, from input files to a :class:`MeasureReport` (and the member
files asked for). The command line and `check` call this and only render what it returns."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from hiecheck.errors import InputError
from hiecheck.limits import CSV_MAX_BYTES, read_bounded
from hiecheck.measures.engine import (
    ExtraCode,
    load_value_sets,
    run_feed_checks,
    run_measure,
    session,
)
from hiecheck.measures.hl7_extract import extract_hl7, hl7_labs
from hiecheck.measures.inputs import MAX_PROBLEMS, InputProblems, load_input
from hiecheck.measures.models import (
    CountsRow,
    InputRead,
    MeasureReport,
    OutputFile,
    Period,
    ProviderResult,
)
from hiecheck.measures.output import guard_outputs, reads_of, run_salt, write_members
from hiecheck.measures.profile import LoadedMeasure, MeasureName, select_measure
from hiecheck.measures.schema import InputTable
from hiecheck.paths import profiles_dir

_SYSTEMS = {"LOINC", "CPT", "HCPCS", "ICD10CM", "RXNORM", "NDC"}
_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")


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


def _csv_rows(path: Path, columns: list[str],
              optional: list[str]) -> list[tuple[int, dict[str, str]]]:
    """A small CSV (codes, counts, payments) as (row number, cells); header checked."""
    source = str(path)
    try:
        text = read_bounded(path, CSV_MAX_BYTES, "a CSV file").decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(source, "file is not UTF-8 text", location=f"byte {exc.start}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows = []
    try:
        for cells in reader:
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
            if header is None:
                header = [c.lower() for c in cells]
                for name in header:
                    if name not in columns + optional:
                        raise InputError(source, f"unknown column {name!r}", location="row 1",
                                         expected="columns " + ", ".join(columns + optional))
                for name in columns:
                    if name not in header:
                        raise InputError(source, f"missing column {name!r}", location="row 1",
                                         expected="columns " + ", ".join(columns))
                continue
            if len(cells) != len(header):
                raise InputError(source, f"{len(cells)} cells in a row of a {len(header)}-column "
                                 "file", location=f"row {reader.line_num}")
            rows.append((reader.line_num, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        raise InputError(source, f"malformed CSV: {exc}",
                         location=f"row {reader.line_num}") from None
    if header is None:
        raise InputError(source, "empty file", expected="a header row: " + ", ".join(columns))
    return rows


def _collect(problems: list[InputError], total: int | None = None,
             notes: list[str] | None = None) -> None:
    """Raise the problems found (the first MAX_PROBLEMS of ``total``), if any."""
    if problems:
        note = "; ".join(notes) if notes else None
        raise InputProblems(problems[:MAX_PROBLEMS], max(total or 0, len(problems)), note=note)


def read_codes(path: Path, measure: LoadedMeasure) -> list[ExtraCode]:
    """``--codes FILE``: value_set, system, code rows adding codes to the measure's value sets."""
    out: list[ExtraCode] = []
    problems: list[InputError] = []
    for number, cells in _csv_rows(path, ["value_set", "system", "code"], []):
        where = f"row {number}"
        value_set, system = cells["value_set"], cells["system"].upper()
        code = cells["code"].upper()
        if system == "ICD10CM":
            code = code.replace(".", "")
        if system == "NDC":
            code = re.sub(r"[- ]", "", code)
        if value_set not in measure.profile.value_sets:
            problems.append(InputError(str(path), f"value set {value_set!r} is not used by "
                                       f"{measure.profile.measure}",
                                       location=where + ", column value_set",
                                       expected=", ".join(measure.profile.value_sets)))
        elif system not in _SYSTEMS:
            problems.append(InputError(str(path), f"unknown system {cells['system']!r}",
                                       location=where + ", column system",
                                       expected=", ".join(sorted(_SYSTEMS))))
        elif not re.fullmatch(r"[0-9A-Z\-]+", code):
            problems.append(InputError(str(path), "code is empty or has unexpected characters",
                                       location=where + ", column code"))
        else:
            out.append((value_set, system, code))
    _collect(problems)
    return out


def read_given_counts(path: Path, measure: LoadedMeasure) -> tuple[list[CountsRow], dict[str, str]]:
    """``--counts FILE`` (OHH): the other measures' counts in `hiecheck p4p ohh`'s layout, and
    the providers' ``ohh_payments`` when given."""
    rows: list[CountsRow] = []
    payments: dict[str, str] = {}
    problems: list[InputError] = []
    allowed = measure.profile.counted_elsewhere
    seen: set[tuple[str, str]] = set()
    for number, cells in _csv_rows(path, ["provider_id", "measure", "numerator", "denominator"],
                                   ["ohh_payments"]):
        where = f"row {number}"
        provider, name = cells["provider_id"], cells["measure"]
        if not _ID.match(provider):
            problems.append(InputError(str(path), f"provider_id {provider!r} is empty or has "
                                       "unexpected characters", location=where,
                                       expected="letters, digits, '_', '-', '.'"))
            continue
        if name not in allowed:
            why = "is computed from the member data" if name == measure.profile.id else "is unknown"
            problems.append(InputError(str(path), f"measure {name!r} {why}", location=where,
                                       expected="one of " + ", ".join(allowed)))
            continue
        if (provider, name) in seen:
            problems.append(InputError(str(path), f"second row for {provider!r} and {name!r}",
                                       location=where))
            continue
        seen.add((provider, name))
        numbers = [cells["numerator"], cells["denominator"]]
        if not all(n.isdigit() for n in numbers) or int(numbers[0]) > int(numbers[1]):
            problems.append(InputError(str(path), "numerator and denominator must be whole "
                                       "numbers with numerator ≤ denominator", location=where))
            continue
        rows.append(CountsRow(provider_id=provider, measure=name, numerator=int(numbers[0]),
                              denominator=int(numbers[1])))
        if cells.get("ohh_payments"):
            payments[provider] = cells["ohh_payments"]
    _collect(problems)
    return rows, payments


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


def read_payments(path: Path, column: str | None) -> dict[str, str]:
    """``--payments FILE``: provider_id and the program's payments column, one row per provider."""
    if column is None:
        raise InputError(str(path), "this measure takes no payments", location="--payments")
    out: dict[str, str] = {}
    problems: list[InputError] = []
    for number, cells in _csv_rows(path, ["provider_id", column], []):
        provider, amount = cells["provider_id"], cells[column].replace(",", "").lstrip("$")
        if not _ID.match(provider) or provider in out:
            problems.append(InputError(str(path), f"provider_id {provider!r} is empty, repeated "
                                       "or has unexpected characters", location=f"row {number}"))
        elif not re.fullmatch(r"\d+(\.\d*)?|\.\d+", amount):
            problems.append(InputError(str(path), f"{column} {cells[column]!r} is not an amount",
                                       location=f"row {number}, column {column}",
                                       expected="a non-negative amount such as 12345.67"))
        else:
            out[provider] = amount
    _collect(problems)
    return out


def _period_from_data(con: duckdb.DuckDBPyConnection) -> Period:
    found = con.execute("SELECT max(msg_date) FROM hl7_messages").fetchone()
    if not found or found[0] is None:
        raise InputError("messages", "no dated message to take the period from",
                         expected="--year or --from/--to, or messages with MSH-7")
    return Period.year(found[0].year)


def execute(request: MeasureRequest,
            con: duckdb.DuckDBPyConnection) -> tuple[LoadedMeasure, MeasureReport]:
    """Run ``request`` in an open session (the caller may query the tables afterwards)."""
    inputs_given = [str(p) for p in request.files.values()]
    inputs_given += [str(p) for p in (request.codes, request.given_counts, request.payments)
                     if p is not None]
    guard_outputs({"--members-out": request.members_out, "--gaps-out": request.gaps_out},
                  reads_of(inputs_given, list(request.hl7)))
    reads: list[InputRead] = []
    folder = profiles_dir(request.profiles) / "measures"
    period = request.period
    if request.hl7:
        counts = extract_hl7(con, request.hl7, request.id_type)
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
    _collect(problems, total, notes)
    if request.hl7 and "labs" in profile.inputs:
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
    outputs = []
    salt = run_salt(request.salt)
    for kind, path in (("members", request.members_out), ("gaps", request.gaps_out)):
        if path is not None:
            rows = write_members(con, measure, path, show_values=request.show_values, salt=salt,
                                 gaps_only=kind == "gaps")
            outputs.append(OutputFile(kind=kind, path=str(path), rows=rows))  # type: ignore[arg-type]
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


