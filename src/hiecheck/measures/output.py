"""Where a measure run's results go: the provider CSV `hiecheck p4p` reads, the per-member file
(why each member is in or out, which input row counted) and the gap list for outreach.

Member keys are pseudonymous unless ``show_values``: ``m-`` and the first 16 hex digits of
SHA-256(salt, member id). The salt is random per run unless the user gives one, so keys can be
matched across runs only by whoever holds the salt. ``value_*`` columns (dates, drugs, readings)
are written only with ``show_values``; ``ref_*`` columns name the input row, file and line.
"""

from __future__ import annotations

import contextlib
import csv
import os
import secrets
from pathlib import Path
from typing import TextIO

import duckdb

from hiecheck.errors import InputError
from hiecheck.hl7.reader import HL7_SUFFIXES, STDIN_NAME
from hiecheck.measures.models import CountsRow, ProviderResult
from hiecheck.measures.profile import LoadedMeasure
from hiecheck.outputs import OutputError, Reads

SALT_ENV = "HIECHECK_MEASURE_SALT"


def run_salt(given: str | None) -> str:
    """The salt for member keys: given, from ``$HIECHECK_MEASURE_SALT``, or random for this run."""
    return given or os.environ.get(SALT_ENV) or secrets.token_hex(16)


def reads_of(files: list[str], hl7: list[str]) -> Reads:
    """What a measure run reads: its files, and the folders its HL7 messages come from (an
    output there with a message suffix would be read as messages next time)."""
    folders = [p for p in hl7 if p != STDIN_NAME and Path(p).is_dir()]
    return Reads.of(files=[p for p in files + hl7 if p != STDIN_NAME], folders=folders,
                    reads_name=lambda name: Path(name).suffix.lower() in HL7_SUFFIXES)


def guard_outputs(outputs: dict[str, Path | None], reads: Reads) -> None:
    """No output may be an input file, or another output (bad input, exit 2)."""
    seen: dict[Path, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        try:
            reads.refuse(path)
        except OutputError as exc:
            raise InputError(str(path), exc.problem, location=option) from None
        target = path.resolve()
        if target in seen:
            raise InputError(str(path), f"is also given to {seen[target]}", location=option)
        seen[target] = option


def member_columns(measure: LoadedMeasure, show_values: bool) -> list[str]:
    """The result columns written to the member file, in order."""
    extra = [c for c in measure.columns[4:] if show_values or not c.startswith("value_")]
    refs = [c for c in extra if c.startswith("ref_")]
    plain = [c for c in extra if not c.startswith(("ref_", "value_"))]
    values = [c for c in extra if c.startswith("value_")]
    return ["provider_id", "member_ref", "status", *refs, *plain, *values]


def write_members(con: duckdb.DuckDBPyConnection, measure: LoadedMeasure, path: Path, *,
                  show_values: bool, salt: str, gaps_only: bool) -> int:
    """Write the member file (or the gap list) with DuckDB's COPY; returns the rows written."""
    key = "member_id" if show_values else "'m-' || left(sha256(? || chr(31) || member_id), 16)"
    columns = ", ".join(f"r.{c}" for c in member_columns(measure, show_values))
    where = "WHERE s.population = 'gap'" if gaps_only else ""
    query = (
        f"SELECT {key} AS member_key, {columns.replace('r.status', 'r.status, s.population')} "
        f"FROM result AS r JOIN status_population AS s USING (status) {where} "
        "ORDER BY r.provider_id, regexp_extract(r.member_ref, '^(.*):(row|line) ', 1), "
        "TRY_CAST(regexp_extract(r.member_ref, ':(row|line) ([0-9]+)', 2) AS BIGINT)"
    )
    # Written beside the target and moved over it at the end: a failed run leaves no half file.
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    target = "'" + str(partial).replace("'", "''") + "'"
    try:
        con.execute(f"COPY ({query}) TO {target} (HEADER, DELIMITER ',')",
                    [] if show_values else [salt])
        os.replace(partial, path)
    except (duckdb.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        detail = str(exc).splitlines()[0] if isinstance(exc, duckdb.Error) else exc.strerror
        raise InputError(str(path), f"cannot write: {detail}") from None
    counted = con.execute(f"SELECT count(*) FROM ({query})", [] if show_values else [salt])
    row = counted.fetchone()
    return int(row[0]) if row else 0


def write_provider_csv(stream: TextIO, measure_id: str, providers: list[ProviderResult],
                       given: list[CountsRow], payments: dict[str, str] | None,
                       payments_column: str) -> None:
    """The provider-level CSV exactly as `hiecheck p4p bhh|ohh` reads it."""
    writer = csv.writer(stream, lineterminator="\n")
    header = ["provider_id", "measure", "numerator", "denominator"]
    if payments is not None:
        header.append(payments_column)
    writer.writerow(header)
    rows = [(p.provider_id, measure_id, p.numerator, p.denominator) for p in providers]
    rows += [(g.provider_id, g.measure, g.numerator, g.denominator) for g in given]
    rows.sort(key=lambda r: (r[0], r[1] != measure_id, r[1]))
    first_row: set[str] = set()
    for provider, measure, numerator, denominator in rows:
        cells: list[object] = [provider, measure, numerator, denominator]
        if payments is not None:
            # A provider-level amount goes on the provider's first row only (p4p reads it there).
            cells.append(payments.get(provider, "") if provider not in first_row else "")
        first_row.add(provider)
        writer.writerow(cells)
