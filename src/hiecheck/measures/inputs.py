"""Read member-level input files (CSV or Parquet) into DuckDB's typed tables, checking every cell.

Every problem is an :class:`~hiecheck.errors.InputError` naming file, row and column; a file's
problems are all collected (up to :data:`MAX_PROBLEMS`) and raised together as
:class:`InputProblems`. CSV rows count the header as row 1 and each data row after it (blank lines
are skipped, so they are not counted); malformed CSV lines are named by their line number; Parquet
rows count from 1. Dates and day counts are parsed by DuckDB's CSV reader itself (fast); a file
with a cell it cannot convert is read again as text, so that every check runs.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from hiecheck.errors import InputError
from hiecheck.measures.schema import EXPECTED, TABLES, Column, ColumnKind, InputTable, TableSpec

MAX_PROBLEMS = 20


class InputProblems(InputError):
    """Several problems in the inputs; ``problems`` are shown one per line, the first is the
    exception's own one-line text."""

    def __init__(self, problems: list[InputError], total: int, note: str | None = None) -> None:
        self.problems = problems
        self.total = total
        self.note = note
        first = problems[0]
        super().__init__(first.source, first.problem, location=first.location,
                         expected=first.expected)

    def lines(self) -> list[str]:
        out = [p.one_line() for p in self.problems]
        if self.total > len(self.problems):
            more = self.total - len(self.problems)
            out.append(f"... and {more} more problem{'s' if more > 1 else ''} not shown")
        if self.note:
            out.append(self.note)
        return out


def collect(problems: list[InputError], total: int | None = None,
            notes: list[str] | None = None) -> None:
    """Raise the problems found (the first MAX_PROBLEMS of ``total``), if any."""
    if problems:
        note = "; ".join(notes) if notes else None
        raise InputProblems(problems[:MAX_PROBLEMS], max(total or 0, len(problems)), note=note)


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
            raise InputError(source, "file is not UTF-8 text",
                             location=f"byte {exc.start}") from None
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


# How each kind of column is read into the staging table: dates and day counts are parsed by the
# reader itself (a cell it cannot convert is a reject with its line), the rest as text.
_STAGE_TYPE: dict[ColumnKind, str] = {"date": "DATE", "days": "DOUBLE"}
_CAST_VALUE = re.compile(r'Could not convert string "([^"]*)"')


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec,
               required: set[str], source: str) -> tuple[list[str], str]:
    """Read the CSV into the staging table; returns its columns and the row-number expression."""
    names = _header(path, source)
    _check_header(names, spec, required, source, "row 1")
    kinds = {c.name: c.kind for c in spec.columns}
    columns = "{" + ", ".join(
        f"{_sql_str(n)}: '{_STAGE_TYPE.get(kinds[n], 'VARCHAR')}'" for n in names) + "}"
    kept = [n for n in names if kinds[n] != "ignored"]
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE staged AS SELECT {', '.join(kept) or '*'} "
            f"FROM read_csv({_sql_str(str(path))}, "
            f"header = true, auto_detect = false, columns = {columns}, delim = ',', quote = '\"', "
            "escape = '\"', strict_mode = true, store_rejects = true, ignore_errors = true)"
        )
    except duckdb.Error as exc:
        raise InputError(source, f"cannot read CSV: {str(exc).splitlines()[0]}") from None
    rejects = con.execute(
        "SELECT line, error_type, coalesce(column_name, ''), coalesce(error_message, '') "
        "FROM reject_errors ORDER BY line LIMIT ?", [MAX_PROBLEMS + 1]
    ).fetchall()
    if rejects and all(r[1] == "CAST" for r in rejects):
        # Cells that do not convert: read the file again as text so that every check runs and
        # rows keep their numbers (the slow way, only for files with such cells).
        text = "{" + ", ".join(f"{_sql_str(n)}: 'VARCHAR'" for n in names) + "}"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE staged_text AS SELECT * FROM read_csv("
            f"{_sql_str(str(path))}, header = true, auto_detect = false, columns = {text}, "
            "delim = ',', quote = '\"', escape = '\"', strict_mode = true)")
        _stage_text(con, "(SELECT *, rowid AS text_row FROM staged_text)", kept, kinds,
                    "text_row")
        con.execute("DROP TABLE staged_text")
        return kept, "(row_index + 2)"
    if rejects:
        total = con.execute("SELECT count(*) FROM reject_errors").fetchone()
        problems = [_reject_problem(source, len(names), kinds, *r) for r in rejects[:MAX_PROBLEMS]]
        raise InputProblems(problems, int(total[0]) if total else len(problems),
                            note=f"{source}: the other checks run once these rows can be read")
    # rowid follows the file's order; +2: the header is row 1.
    return kept, "(rowid + 2)"


def _reject_problem(source: str, width: int, kinds: dict[str, ColumnKind], line: int,
                    kind: str, column: str, message: str) -> InputError:
    where = f"row {line}"
    if kind in ("TOO MANY COLUMNS", "MISSING COLUMNS", "TOO FEW COLUMNS"):
        found = re.search(r"Found: (\d+)", message)
        cells = f"{found[1]} cells" if found else kind.lower()
        return InputError(source, f"{cells} in a row of a {width}-column file", location=where,
                          expected=f"{width} cells")
    if kind == "CAST" and column in kinds:
        found = _CAST_VALUE.search(message)
        value = f" {found[1][:40]!r}" if found else ""
        noun = "is not a date" if kinds[column] == "date" else "is not a number"
        return InputError(source, f"{column}{value} {noun}", location=f"{where}, column {column}",
                          expected=EXPECTED[kinds[column]])
    if "UNICODE" in kind or "ENCODING" in kind or "unicode" in message.lower():
        return InputError(source, "not UTF-8 text", location=where)
    detail = message.splitlines()[0] if message else kind.lower()
    return InputError(source, f"malformed CSV: {detail}", location=where + (
        f", column {column}" if column else ""))


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec,
                   required: set[str], source: str) -> tuple[list[str], str]:
    """Read a Parquet file into the staging table with the same column types as a CSV's; a cell
    that does not convert stays in ``bad_<column>`` for the checks."""
    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({_sql_str(str(path))})").fetchall()
    except duckdb.Error as exc:
        raise InputError(source, f"cannot read Parquet: {str(exc).splitlines()[0]}") from None
    originals = {str(row[0]).lower(): str(row[0]) for row in described}
    names = list(originals)
    _check_header(names, spec, required, source, "schema")
    kinds = {c.name: c.kind for c in spec.columns}
    names = [n for n in names if kinds[n] != "ignored"]
    columns = ", ".join(f'CAST("{originals[n]}" AS VARCHAR) AS {n}' for n in names)
    _stage_text(con, f"(SELECT {columns}, file_row_number FROM read_parquet("
                f"{_sql_str(str(path))}, file_row_number = true))", names, kinds,
                "file_row_number")
    return names, "(row_index + 1)"


def _stage_text(con: duckdb.DuckDBPyConnection, source_sql: str, names: list[str],
                kinds: dict[str, ColumnKind], order: str) -> None:
    """The staging table from text cells: dates and days converted where they can be, the text of
    a cell that cannot kept in ``bad_<column>`` for the checks, ``row_index`` from 0."""
    selects = []
    for name in names:
        stage = _STAGE_TYPE.get(kinds[name])
        if stage is None:
            selects.append(name)
        else:
            selects.append(f"TRY_CAST({name} AS {stage}) AS {name}")
            selects.append(f"CASE WHEN {name} IS NOT NULL AND TRY_CAST({name} AS {stage}) IS NULL "
                           f"THEN {name} END AS bad_{name}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE staged AS SELECT {', '.join(selects)}, "
        f"{order} AS row_index FROM {source_sql} ORDER BY row_index"
    )


class _Cells:
    """SQL for the staged cells: text is trimmed only in the columns that need it (trimming
    every cell of a million rows costs more than the measure)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: TableSpec, names: list[str]) -> None:
        self.spec = spec
        self.names = names
        self.kinds = {c.name: c.kind for c in spec.columns}
        # Keys and codes are trimmed when some cell needs it; free text is used as written.
        text = [n for n in names if self.kinds[n] not in (*_STAGE_TYPE, "text", "ignored")]
        self.trim: set[str] = set()
        if text:
            probe = ", ".join(
                f"bool_or(starts_with({n}, ' ') OR ends_with({n}, ' ') OR {n} = '')"
                for n in text)
            found = con.execute(f"SELECT {probe} FROM staged").fetchone() or ()
            self.trim = {n for n, needed in zip(text, found, strict=True) if needed}
        described = {str(r[0]) for r in con.execute("DESCRIBE staged").fetchall()}
        self.has_raw = any(d.startswith("bad_") for d in described)

    def cell(self, name: str) -> str:
        return f"nullif(trim({name}), '')" if name in self.trim else name

    def typed(self, col: Column) -> str:
        """The typed value of a staged cell (NULL when blank)."""
        cell = self.cell(col.name)
        match col.kind:
            case "days":
                return f"CAST({cell} AS INTEGER)"
            case "code" | "loinc":
                return f"upper({cell})"
            case "ndc":
                return f"replace(replace({cell}, '-', ''), ' ', '')"
            case _:
                return cell

    def bad(self, col: Column) -> str | None:
        """SQL true when a non-blank cell is malformed (None: any value will do)."""
        cell = self.cell(col.name)
        unparsed = f"bad_{col.name} IS NOT NULL" if self.has_raw else "false"
        match col.kind:
            case "ident":
                return f"NOT regexp_full_match({cell}, '[A-Za-z0-9_.\\-]+')"
            case "date":
                return unparsed
            case "days":
                return f"{unparsed} OR {cell} < 1 OR {cell} <> floor({cell}) OR {cell} > 99999"
            case "loinc":
                return f"NOT regexp_full_match({cell}, '[0-9]{{1,7}}-[0-9]')"
            case "code":
                return f"NOT regexp_full_match(upper({cell}), '[0-9A-Z]{{5}}')"
            case "ndc":
                return f"NOT regexp_full_match({self.typed(col)}, '[0-9]{{10,11}}')"
            case "digits":
                return f"NOT regexp_full_match({cell}, '[0-9]+')"
            case _:
                return None

    def shown(self, col: Column) -> str:
        """SQL for the cell as the user wrote it (quoted, cut to 40 characters)."""
        raw = f"coalesce(bad_{col.name}, CAST({col.name} AS VARCHAR))" if (
            self.has_raw and col.kind in _STAGE_TYPE) else f"CAST({col.name} AS VARCHAR)"
        if col.kind == "days":  # read as a number: 7.0 was written 7
            raw = f"regexp_replace({raw}, '\\.0$', '')"
        quote = _sql_str(chr(39))
        return f"{quote} || left({raw}, 40) || {quote}"

    def checks(self, required: set[str], row: str) -> list[tuple[str, str, str, str]]:
        """(condition, column, problem SQL, expected) for every check of the staged file."""
        q = _sql_str
        out = []
        for col in (c for c in self.spec.columns if c.name in self.names):
            expected = EXPECTED[col.kind]
            if col.required or col.name in required:
                out.append((f"{self.cell(col.name)} IS NULL", col.name,
                            q(col.name + " is empty"), expected))
            bad = self.bad(col)
            if bad is not None:
                noun = {"date": " is not a date", "days": " is not a number of days ≥ 1"}.get(
                    col.kind, " is not well formed")
                out.append((f"({self.cell(col.name)} IS NOT NULL AND ({bad}))"
                            if not (self.has_raw and col.kind in _STAGE_TYPE)
                            else f"({bad})", col.name,
                            f"{q(col.name + ' ')} || {self.shown(col)} || {q(noun)}", expected))
        one_of = [c for c in self.spec.one_of if c in self.names]
        if one_of:
            out.append(("(" + " AND ".join(f"{self.cell(c)} IS NULL" for c in one_of) + ")",
                        one_of[0], q("row has no " + " or ".join(one_of)),
                        "a value in at least one of " + ", ".join(one_of)))
        if "assigned_from" in self.names and "assigned_to" in self.names:
            out.append(("(assigned_to < assigned_from)", "assigned_to",
                        q("assigned_to is before assigned_from"), "assigned_from ≤ assigned_to"))
        return out


def _check_rows(con: duckdb.DuckDBPyConnection, cells: _Cells, required: set[str], row: str,
                source: str) -> None:
    """One scan for any failing check; only then the detailed, per-check queries."""
    checks = cells.checks(required, row)
    if not checks:
        return
    if con.execute("SELECT 1 FROM staged WHERE " + " OR ".join(c for c, _, _, _ in checks)
                   + " LIMIT 1").fetchone() is None:
        return
    union = " UNION ALL ".join(
        f"SELECT {row}, {_sql_str(col)}, {problem}, {_sql_str(expected)} FROM staged "
        f"WHERE {condition}" for condition, col, problem, expected in checks)
    found = con.execute(f"SELECT * FROM ({union}) ORDER BY 1, 2 LIMIT {MAX_PROBLEMS}").fetchall()
    total = con.execute(f"SELECT count(*) FROM ({union})").fetchone()
    problems = [InputError(source, str(problem), location=f"row {r}, column {c}",
                           expected=str(expected)) for r, c, problem, expected in found]
    raise InputProblems(problems, int(total[0]) if total else len(problems))


def load_input(con: duckdb.DuckDBPyConnection, table: InputTable, path: Path,
               required: list[str] | None = None) -> LoadedInput:
    """Validate ``path`` and append its rows to the typed table ``table``; problems raise."""
    spec = TABLES[table]
    source = str(path)
    if not path.is_file():
        problem = "is not a regular file" if path.exists() else "no such file"
        raise InputError(source, problem, expected=f"the {table} file (CSV or Parquet)")
    needed = {c.name for c in spec.columns if c.required} | set(required or ())
    if path.suffix.lower() == ".parquet":
        names, row = _stage_parquet(con, path, spec, needed, source)
    else:
        names, row = _stage_csv(con, path, spec, needed, source)
    cells = _Cells(con, spec, names)
    _check_rows(con, cells, needed, row, source)
    values = ", ".join(
        cells.typed(c) if c.name in names else f"NULL AS {c.name}" for c in spec.loaded)
    source_col = ", 'file', NULL" if table == "labs" else ""
    con.execute(
        f"INSERT INTO {table}_rows SELECT {values}, ? AS file, {row} AS row_no{source_col} "
        "FROM staged",
        [source],
    )
    count = con.execute("SELECT count(*) FROM staged").fetchone()
    con.execute("DROP TABLE staged")
    return LoadedInput(table=table, file=source, rows=int(count[0]) if count else 0)
