"""Read member-level input files (CSV or Parquet) into DuckDB's typed tables, checking every cell.

Every problem is an :class:`~hiecheck.errors.InputError` naming file, row and column; a file's
problems are all collected (up to :data:`MAX_PROBLEMS`) and raised together as
:class:`InputProblems`. CSV rows count the header as row 1 and each data row after it (blank lines
are skipped, so they are not counted); malformed CSV lines are named by their line number; Parquet
rows count from 1.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb

from hiecheck.errors import InputError
from hiecheck.measures.schema import EXPECTED, TABLES, Column, InputTable, TableSpec

MAX_PROBLEMS = 20


class InputProblems(InputError):
    """Several problems in the inputs; ``problems`` are shown one per line, the first is the
    exception's own one-line text."""

    def __init__(self, problems: list[InputError], total: int) -> None:
        self.problems = problems
        self.total = total
        first = problems[0]
        super().__init__(first.source, first.problem, location=first.location,
                         expected=first.expected)

    def lines(self) -> list[str]:
        out = [p.one_line() for p in self.problems]
        if self.total > len(self.problems):
            more = self.total - len(self.problems)
            out.append(f"... and {more} more problem{'s' if more > 1 else ''} not shown")
        return out


@dataclass(frozen=True, slots=True)
class LoadedInput:
    """What was read from one input file."""

    table: InputTable
    file: str
    rows: int


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _header(path: Path, source: str) -> list[str]:
    """The CSV header row (first non-blank line), lower-cased and trimmed."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError as exc:
        raise InputError(source, f"cannot read file: {exc.strerror or exc}") from None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            raise InputError(source, "file is not UTF-8 text", location=f"byte {exc.start}") from None
        text = head[: exc.start].decode("utf-8-sig")
    for line in text.splitlines():
        if line.strip():
            return [c.strip().lower() for c in next(csv.reader(io.StringIO(line)))]
    raise InputError(source, "empty file", expected="a header row")


def _check_header(names: list[str], spec: TableSpec, required: set[str], source: str,
                  where: str) -> None:
    known = [c.name for c in spec.columns]
    for name in names:
        if name not in known:
            raise InputError(source, f"unknown column {name!r}", location=where,
                             expected="columns " + ", ".join(known))
        if names.count(name) > 1:
            raise InputError(source, f"column {name!r} appears twice", location=where)
    for name in sorted(required, key=known.index):
        if name not in names:
            raise InputError(source, f"missing column {name!r}", location=where,
                             expected="columns " + ", ".join(c for c in known if c in required))
    if spec.one_of and not any(n in names for n in spec.one_of):
        raise InputError(source, "no column " + " or ".join(spec.one_of), location=where,
                         expected="at least one of " + ", ".join(spec.one_of))


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec,
               required: set[str], source: str) -> tuple[list[str], str]:
    """Read the CSV as text into a staging table; returns its columns and the row expression."""
    names = _header(path, source)
    _check_header(names, spec, required, source, "row 1")
    columns = "{" + ", ".join(f"{_sql_str(n)}: 'VARCHAR'" for n in names) + "}"
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE staged AS SELECT * FROM read_csv({_sql_str(str(path))}, "
            f"header = true, auto_detect = false, columns = {columns}, delim = ',', quote = '\"', "
            "escape = '\"', strict_mode = true, store_rejects = true, ignore_errors = true, "
            "skip = 0)"
        )
    except duckdb.Error as exc:
        raise InputError(source, f"cannot read CSV: {str(exc).splitlines()[0]}") from None
    rejects = con.execute(
        "SELECT line, error_type, coalesce(column_name, ''), error_message FROM reject_errors "
        "ORDER BY line LIMIT ?", [MAX_PROBLEMS + 1]
    ).fetchall()
    if rejects:
        total = con.execute("SELECT count(*) FROM reject_errors").fetchone()
        problems = [_reject_problem(source, len(names), *r) for r in rejects[:MAX_PROBLEMS]]
        raise InputProblems(problems, int(total[0]) if total else len(problems))
    # rowid follows the file's order; +2: the header is row 1.
    return names, "(rowid + 2)"


def _reject_problem(source: str, width: int, line: int, kind: str, column: str,
                    message: str) -> InputError:
    where = f"row {line}"
    if kind in ("TOO MANY COLUMNS", "TOO FEW COLUMNS"):
        return InputError(source, f"{kind.lower()} for a {width}-column file", location=where,
                          expected=f"{width} cells")
    if kind == "INVALID ENCODING" or "unicode" in message.lower():
        return InputError(source, "not UTF-8 text", location=where)
    detail = message.splitlines()[0] if message else kind.lower()
    return InputError(source, f"malformed CSV: {detail}", location=where + (
        f", column {column}" if column else ""))


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec,
                   required: set[str], source: str) -> tuple[list[str], str]:
    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({_sql_str(str(path))})").fetchall()
    except duckdb.Error as exc:
        raise InputError(source, f"cannot read Parquet: {str(exc).splitlines()[0]}") from None
    names = [str(row[0]).lower() for row in described]
    originals = [str(row[0]) for row in described]
    _check_header(names, spec, required, source, "schema")
    casts = ", ".join(
        f'CAST("{o}" AS VARCHAR) AS {n}' for o, n in zip(originals, names, strict=True))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE staged AS SELECT {casts}, file_row_number "
        f"FROM read_parquet({_sql_str(str(path))}, file_row_number = true) "
        "ORDER BY file_row_number"
    )
    return names, "(file_row_number + 1)"


def _cell(column: str) -> str:
    return f"nullif(trim({column}), '')"


def _typed(col: Column) -> str:
    """SQL turning a staged text cell into its typed value (NULL when blank)."""
    cell = _cell(col.name)
    match col.kind:
        case "date":
            return f"try_strptime({cell}, ['%Y-%m-%d', '%Y%m%d'])::DATE"
        case "days":
            return f"TRY_CAST({cell} AS INTEGER)"
        case "code" | "loinc":
            return f"upper({cell})"
        case "ndc":
            return f"regexp_replace({cell}, '[- ]', '', 'g')"
        case _:
            return cell


def _bad(col: Column) -> str | None:
    """SQL that is true when a non-blank cell is malformed (None: any text will do)."""
    cell = _cell(col.name)
    match col.kind:
        case "ident":
            return f"NOT regexp_full_match({cell}, '[A-Za-z0-9_.\\-]+')"
        case "date":
            return f"{_typed(col)} IS NULL"
        case "days":
            return f"NOT regexp_full_match({cell}, '\\+?[0-9]{{1,5}}') OR {_typed(col)} < 1"
        case "loinc":
            return f"NOT regexp_full_match({cell}, '[0-9]{{1,7}}-[0-9]')"
        case "code":
            return f"NOT regexp_full_match(upper({cell}), '[0-9A-Z]{{5}}')"
        case "ndc":
            return f"NOT regexp_full_match({_typed(col)}, '[0-9]{{10,11}}')"
        case "digits":
            return f"NOT regexp_full_match({cell}, '[0-9]+')"
        case _:
            return None


def _problem_queries(spec: TableSpec, names: list[str], required: set[str], row: str) -> list[str]:
    """One SELECT per check, each giving (row, column, problem, expected) for failing rows."""
    q = _sql_str
    out = []
    present = [c for c in spec.columns if c.name in names]
    for col in present:
        expected = q(EXPECTED[col.kind])
        if col.required or col.name in required:
            out.append(f"SELECT {row}, {q(col.name)}, {q(col.name + ' is empty')}, {expected} "
                       f"FROM staged WHERE {_cell(col.name)} IS NULL")
        bad = _bad(col)
        if bad is not None:
            noun = {"date": " is not a date", "days": " is not a number of days ≥ 1"}.get(
                col.kind, " is not well formed")
            shown = (f"{q(col.name + ' ')} || {q(chr(39))} || left({_cell(col.name)}, 40) || "
                     f"{q(chr(39) + noun)}")
            out.append(f"SELECT {row}, {q(col.name)}, {shown}, {expected} "
                       f"FROM staged WHERE {_cell(col.name)} IS NOT NULL AND ({bad})")
    one_of = [c for c in spec.one_of if c in names]
    if one_of:
        blank = " AND ".join(f"{_cell(c)} IS NULL" for c in one_of)
        out.append(f"SELECT {row}, {q(one_of[0])}, {q('row has no ' + ' or '.join(one_of))}, "
                   f"{q('a value in at least one of ' + ', '.join(one_of))} "
                   f"FROM staged WHERE {blank}")
    if "assigned_from" in names and "assigned_to" in names:
        out.append(
            f"SELECT {row}, 'assigned_to', 'assigned_to is before assigned_from', "
            "'assigned_from ≤ assigned_to' FROM staged WHERE "
            "try_strptime(nullif(trim(assigned_to), ''), ['%Y-%m-%d', '%Y%m%d']) < "
            "try_strptime(nullif(trim(assigned_from), ''), ['%Y-%m-%d', '%Y%m%d'])")
    return out


def load_input(con: duckdb.DuckDBPyConnection, table: InputTable, path: Path,
               required: list[str] | None = None) -> LoadedInput:
    """Validate ``path`` and append its rows to the typed table ``table``; problems raise."""
    spec = TABLES[table]
    source = str(path)
    if not path.is_file():
        raise InputError(source, "no such file", expected=f"the {table} file (CSV or Parquet)")
    needed = {c.name for c in spec.columns if c.required} | set(required or ())
    if path.suffix.lower() == ".parquet":
        names, row = _stage_parquet(con, path, spec, needed, source)
    else:
        names, row = _stage_csv(con, path, spec, needed, source)
    checks = _problem_queries(spec, names, needed, row)
    if checks:
        union = " UNION ALL ".join(checks)
        found = con.execute(
            f"SELECT * FROM ({union}) AS p(row_no, col, problem, expected) "
            f"ORDER BY row_no, col LIMIT {MAX_PROBLEMS}").fetchall()
        if found:
            total = con.execute(f"SELECT count(*) FROM ({union})").fetchone()
            problems = [
                InputError(source, str(problem), location=f"row {r}, column {c}",
                           expected=str(expected))
                for r, c, problem, expected in found
            ]
            raise InputProblems(problems, int(total[0]) if total else len(problems))
    values = ", ".join(_typed(c) if c.name in names else f"NULL AS {c.name}" for c in spec.columns)
    source_col = ", 'file'" if table == "labs" else ""
    con.execute(
        f"INSERT INTO {table} SELECT {values}, ? AS file, {row} AS row_no, "
        f"? || ':row ' || {row} AS ref{source_col} FROM staged",
        [source, source],
    )
    count = con.execute("SELECT count(*) FROM staged").fetchone()
    con.execute("DROP TABLE staged")
    return LoadedInput(table=table, file=source, rows=int(count[0]) if count else 0)
