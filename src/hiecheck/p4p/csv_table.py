"""Read a P4P CSV into typed columns, collecting every problem (row, column, what was expected).

The file is read in chunks of rows; each chunk is checked column by column (``map`` over the
cells, so a clean file costs little per row) and only a column that fails is walked cell by cell
to name each bad cell. Rows with a bad cell are left out of the columns; their provider is
marked so that checks across rows (a missing measure) do not report a consequence twice.

Row numbers are line numbers in the file, the header being row 1 (a quoted cell spanning lines
counts its lines).
"""

from __future__ import annotations

import csv
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain, compress, islice, repeat
from operator import gt, is_, itemgetter
from typing import Literal, TypeVar

from hiecheck.p4p import cells
from hiecheck.p4p.cells import CellProblem
from hiecheck.p4p.csv_source import TextProblem, open_blocks
from hiecheck.p4p.csv_source import source_name as _source_name
from hiecheck.p4p.problems import Problems

Kind = Literal["money", "number", "flag"]
_T = TypeVar("_T")
CHUNK_ROWS = 8192
_PARSERS: dict[Kind, Callable[[str], object]] = {
    "money": cells.money_cents,
    "number": cells.number,
    "flag": cells.flag,
}


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of P4P file.

    ``id_column`` names the provider; ``measure`` (if in the file) and the counts are per row;
    ``provider_columns`` are per provider: given on one of its rows (the others blank) or
    repeated with the same value. ``one_of`` lists groups of columns of which a file may have at
    most one (alternative names for one column).
    """

    id_column: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    provider_columns: dict[str, Kind] = field(default_factory=dict)
    known_measures: tuple[str, ...] | None = None
    one_of: tuple[tuple[str, ...], ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass
class Table:
    """A file's rows as columns. Row ``k`` of the arrays is the ``k``-th row without problems.
    The arrays are of C ints: counts are at most ``cells.MAX_COUNT``, lines and indexes at most
    the lines of a file (``limits``)."""

    source: str
    header: tuple[str, ...]
    ids: list[str] = field(default_factory=list)  # distinct providers, first-seen order
    first_rows: array[int] = field(default_factory=lambda: array("i"))
    measures: list[str] = field(default_factory=list)  # distinct measure ids
    row_provider: array[int] = field(default_factory=lambda: array("i"))
    row_line: array[int] = field(default_factory=lambda: array("i"))
    row_measure: array[int] = field(default_factory=lambda: array("i"))
    numerators: array[int] = field(default_factory=lambda: array("i"))
    denominators: array[int] = field(default_factory=lambda: array("i"))
    provider_values: dict[str, list[object]] = field(default_factory=dict)
    incomplete: set[int] = field(default_factory=set)  # providers with a row left out

    def has(self, column: str) -> bool:
        return column in self.header


class _Reader:
    def __init__(self, layout: Layout, source: str, problems: Problems) -> None:
        self.layout = layout
        self.source = source
        self.problems = problems
        self.table: Table | None = None
        self._provider_index: dict[str, int] = {}
        self._measure_index: dict[str, int] = {}
        self._known = frozenset(layout.known_measures or ())

    # header -------------------------------------------------------------------------------

    def header(self, names: list[str], line: int) -> bool:
        names = [n.strip().lower() for n in names]
        allowed = self.layout.columns
        ok = True
        for position, name in enumerate(names):
            if name not in allowed:
                self.problems.add(
                    line, f"unknown column {cells.shown(name)}", order=position,
                    expected="columns " + ", ".join(allowed),
                )
                ok = False
            elif names.index(name) != position:
                self.problems.add(line, f"column {name!r} appears twice", order=position)
                ok = False
        for group in self.layout.one_of:
            present = [n for n in group if n in names]
            if len(present) > 1:
                self.problems.add(
                    line, f"columns {' and '.join(present)} both given",
                    expected="one of " + ", ".join(group),
                )
                ok = False
        missing = [n for n in self.layout.required if n not in names]
        if missing:
            self.problems.add(
                line,
                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                expected="columns " + ", ".join(self.layout.required),
                order=len(names),
            )
            ok = False
        if ok:
            self.table = Table(self.source, tuple(names))
            for column in self.layout.provider_columns:
                if column in names:
                    self.table.provider_values[column] = []
        return ok

    # rows ---------------------------------------------------------------------------------

    def chunk(self, rows: list[list[str]], lines: list[int]) -> None:
        table = self.table
        assert table is not None
        width = len(table.header)
        if set(map(len, rows)) != {width}:
            rows, lines = self._fit(rows, lines, width)
            if not rows:
                return
        self.columns([_column(rows, i) for i in range(width)], lines)

    def columns(self, columns: list[list[str]], lines: list[int]) -> None:
        """A chunk of rows of the right width, as trimmed columns (``_trimmed``)."""
        table = self.table
        assert table is not None
        position = {name: i for i, name in enumerate(table.header)}
        id_cells = columns[position[self.layout.id_column]]
        if not all(id_cells):
            filled = [bool(v) or any(c[k] for c in columns) for k, v in enumerate(id_cells)]
            if not all(filled):  # rows whose every cell is blank (e.g. ",,,,") are skipped
                columns = [list(compress(c, filled)) for c in columns]
                lines = list(compress(lines, filled))
                id_cells = columns[position[self.layout.id_column]]
        bad: set[int] = set()
        self._check(id_cells, lines, self.layout.id_column, position, bad, _is_id, cells.ident)
        measure_cells = columns[position["measure"]] if "measure" in position else None
        if measure_cells is not None:
            self._check(measure_cells, lines, "measure", position, bad, self._is_measure,
                        self._measure)
        numerators = self._counts(columns[position["numerator"]], lines, "numerator",
                                  position, bad)
        denominators = self._counts(columns[position["denominator"]], lines, "denominator",
                                    position, bad)
        over = [k for k, v in enumerate(map(gt, numerators, denominators)) if v] if any(
            map(gt, numerators, denominators)) else []
        for k in over:
            if denominators[k] >= 0:  # both counts read (a bad count is -1)
                self.problems.add(
                    lines[k],
                    f"{numerators[k]} is greater than the denominator {denominators[k]}",
                    column="numerator", order=position["numerator"],
                    expected="numerator <= denominator",
                )
                bad.add(k)
        values: dict[str, dict[int, object]] = {}
        for name, kind in self.layout.provider_columns.items():
            if name in position:
                values[name] = self._provider_cells(
                    columns[position[name]], lines, name, kind, position, bad
                )
        providers = self._providers(id_cells, lines, bad)
        for name, column_values in values.items():
            self._merge(name, column_values, providers, lines, bad, position[name])
        keep = [k not in bad for k in range(len(lines))] if bad else None
        table.row_provider.fromlist(_kept(providers, keep))
        table.row_line.fromlist(_kept(lines, keep))
        table.numerators.fromlist(_kept(numerators, keep))
        table.denominators.fromlist(_kept(denominators, keep))
        if measure_cells is not None:
            index = self._measure_index
            table.row_measure.fromlist(list(map(index.__getitem__, _kept(measure_cells, keep))))

    def _fit(
        self, rows: list[list[str]], lines: list[int], width: int
    ) -> tuple[list[list[str]], list[int]]:
        """Rows of the right width; blank lines skipped, others reported."""
        kept_rows, kept_lines = [], []
        for row, line in zip(rows, lines, strict=True):
            if len(row) == width:
                kept_rows.append(row)
                kept_lines.append(line)
            elif any(cell.strip() for cell in row):
                header = self.table.header if self.table else ()
                self.problems.add(
                    line, f"{len(row)} cells in a row of a {width}-column file",
                    expected=f"{width} cells: {', '.join(header)}",
                )
        return kept_rows, kept_lines

    def _check(
        self,
        column: list[str],
        lines: list[int],
        name: str,
        position: dict[str, int],
        bad: set[int],
        fast: Callable[[list[str]], bool],
        parse: Callable[[str], object],
    ) -> None:
        """Report each bad cell of ``column`` (walked only when the fast check fails)."""
        if not fast(column):
            self._walk(column, lines, name, position, bad, parse)

    def _walk(
        self,
        column: list[str],
        lines: list[int],
        name: str,
        position: dict[str, int],
        bad: set[int],
        parse: Callable[[str], object],
    ) -> list[object]:
        """Each cell parsed, or None where it is bad (reported, its row marked bad)."""
        out: list[object] = []
        for k, value in enumerate(column):
            try:
                out.append(parse(value))
            except CellProblem as problem:
                self._cell_problem(lines[k], name, problem, position)
                bad.add(k)
                out.append(None)
        return out

    def _counts(
        self,
        column: list[str],
        lines: list[int],
        name: str,
        position: dict[str, int],
        bad: set[int],
    ) -> list[int]:
        """Member counts of ``column``; -1 where a cell is bad (reported)."""
        if all(column):
            joined = "".join(column)
            if joined.isascii() and joined.isdigit():
                values = list(map(int, column))
                if max(values) <= cells.MAX_COUNT:
                    return values
        parsed = self._walk(column, lines, name, position, bad, cells.count)
        return [-1 if v is None else v for v in parsed]  # type: ignore[misc]

    def _cell_problem(
        self, line: int, name: str, problem: CellProblem, position: dict[str, int]
    ) -> None:
        self.problems.add(
            line, problem.problem, column=name, expected=problem.expected, order=position[name]
        )

    def _is_measure(self, column: list[str]) -> bool:
        distinct = dict.fromkeys(column)  # first-seen order: measures keep the file's order
        if self._known:
            if not distinct.keys() <= self._known:
                return False
        elif not all(map(cells.ID_PATTERN.fullmatch, distinct)):
            return False
        for measure in distinct:
            if measure not in self._measure_index:
                self._measure_index[measure] = len(self._measure_index)
                self.table.measures.append(measure)  # type: ignore[union-attr]
        return True

    def _measure(self, value: str) -> str:
        cells.ident(value)
        if self._known and value not in self._known:
            raise CellProblem(
                f"unknown measure {cells.shown(value)}",
                "one of " + ", ".join(self.layout.known_measures or ()),
            )
        if value not in self._measure_index:
            self._measure_index[value] = len(self._measure_index)
            self.table.measures.append(value)  # type: ignore[union-attr]
        return value

    def _provider_cells(
        self,
        column: list[str],
        lines: list[int],
        name: str,
        kind: Kind,
        position: dict[str, int],
        bad: set[int],
    ) -> dict[int, object]:
        """Parsed values of a provider-level column by row position (blank cells left out)."""
        parse = _PARSERS[kind]
        out: dict[int, object] = {}
        for k in compress(range(len(column)), column):
            try:
                out[k] = parse(column[k])
            except CellProblem as problem:
                self._cell_problem(lines[k], name, problem, position)
                bad.add(k)
        return out

    def _providers(self, id_cells: list[str], lines: list[int], bad: set[int]) -> list[int]:
        """Provider index of each row (-1 for a row whose id is bad)."""
        table = self.table
        assert table is not None
        index = self._provider_index
        found: list[int | None] = list(map(index.get, id_cells))
        if None in found and not bad:  # every id is valid: the new ones are added at once
            new = [v for v in dict.fromkeys(id_cells) if v not in index]
            first_line = dict(zip(reversed(id_cells), reversed(lines), strict=True))
            index.update(zip(new, range(len(table.ids), len(table.ids) + len(new)), strict=True))
            table.ids.extend(new)
            table.first_rows.extend(map(first_line.__getitem__, new))
            for values in table.provider_values.values():
                values.extend(repeat(None, len(new)))
            return list(map(index.__getitem__, id_cells))
        if None in found:
            for k in list(compress(range(len(found)), map(is_, found, repeat(None)))):
                value = id_cells[k]
                known = index.get(value)
                if known is None:
                    if k in bad and not cells.ID_PATTERN.fullmatch(value):
                        found[k] = -1
                        continue
                    known = index[value] = len(table.ids)
                    table.ids.append(value)
                    table.first_rows.append(lines[k])
                    for values in table.provider_values.values():
                        values.append(None)
                found[k] = known
        for k in bad:
            if found[k] != -1:
                table.incomplete.add(found[k])  # type: ignore[arg-type]
        return found  # type: ignore[return-value]

    def _merge(
        self,
        name: str,
        values: dict[int, object],
        providers: list[int],
        lines: list[int],
        bad: set[int],
        order: int,
    ) -> None:
        """Provider-level values: blank or equal on every row of a provider."""
        merged = self.table.provider_values[name]  # type: ignore[union-attr]
        for k, value in values.items():
            if k in bad:
                continue
            provider = providers[k]
            before = merged[provider]
            if before is None:
                merged[provider] = value
            elif before != value:
                self.problems.add(
                    lines[k], "differs from an earlier row of the same provider",
                    column=name, order=order, expected="one value per provider",
                )


def _is_id(column: list[str]) -> bool:
    """Every id valid (each distinct id checked once: a provider has a row per measure)."""
    return all(map(cells.ID_PATTERN.fullmatch, dict.fromkeys(column)))


_SPACE = re.compile(r"\s")
# The ASCII characters str.strip() removes (and \s matches), but the line feed.
_ASCII_SPACE_BUT_LF = " \t\x0b\x0c\r\x1c\x1d\x1e\x1f"


def _column(rows: list[list[str]], i: int) -> list[str]:
    """Cell ``i`` of every row, trimmed."""
    return _trimmed(list(map(itemgetter(i), rows)))


def _trimmed(column: list[str]) -> list[str]:
    """``column`` with its cells stripped (only a column with white space is)."""
    if _SPACE.search("".join(column)):
        return list(map(str.strip, column))
    return column


def _kept(values: list[_T], keep: list[bool] | None) -> list[_T]:
    return list(compress(values, keep)) if keep is not None else values


def _line_numbers(rows: list[list[str]], before: int, after: int) -> list[int]:
    """The first line of each row: consecutive unless a quoted cell spans lines."""
    if after - before == len(rows):
        return list(range(before + 1, after + 1))
    out = []
    line = before + 1
    for row in rows:
        out.append(line)
        text = "".join(row)
        line += 1 + text.count("\n") + text.count("\r") - text.count("\r\n")
    return out


def _split(lines: list[str]) -> list[list[str]]:
    """Rows of lines that hold no quote: what the csv module gives, without its per-row cost."""
    return list(map(str.split, map(str.rstrip, lines), repeat(",")))


def _split_columns(lines: list[str], width: int) -> list[list[str]] | None:
    """The trimmed columns of lines that hold no quote, split all at once; None unless every
    line has ``width`` cells. Without white space but line feeds (the usual file) the line
    feeds become separators and nothing is trimmed; otherwise a line's last cell keeps its
    line end until trimmed, which strips what ``_split``'s ``rstrip`` would (and more only
    where ``_trimmed`` would too)."""
    if set(map(str.count, lines, repeat(","))) != {width - 1}:
        return None
    text = "".join(lines)
    if text.isascii() and not any(map(text.__contains__, _ASCII_SPACE_BUT_LF)):
        # white space only at line ends: nothing to trim once they are separators too
        cells = text.replace("\n", ",").split(",")
        if lines[-1].endswith("\n"):
            cells.pop()
        return [cells[i::width] for i in range(width)]
    cells = ",".join(lines).split(",")
    return [_trimmed(cells[i::width]) for i in range(width)]


def _feed(reader: _Reader, blocks: Iterator[list[str]]) -> bool:
    """Header, then the rows in chunks; False when the header is unusable."""
    line = 0
    pending: list[str] = []
    for block in blocks:
        for k, text in enumerate(block):
            if text.strip().strip(","):
                header = next(csv.reader([text]))
                if not reader.header(header, line + k + 1):
                    return False
                line += k + 1
                pending = block[k + 1 :]
                break
        else:
            line += len(block)
            continue
        break
    else:
        return True
    for block in chain([pending], blocks):
        if '"' in "".join(block):
            return _feed_csv(reader, chain(block, chain.from_iterable(blocks)), line)
        width = len(reader.table.header)  # type: ignore[union-attr]
        for start in range(0, len(block), CHUNK_ROWS):
            part = block[start : start + CHUNK_ROWS]
            numbers = list(range(line + 1, line + 1 + len(part)))
            columns = _split_columns(part, width)
            if columns is not None:
                reader.columns(columns, numbers)
            else:
                reader.chunk(_split(part), numbers)
            line += len(part)
    return True


def _feed_csv(reader: _Reader, lines: Iterator[str], line: int) -> bool:
    """The rest of the file through the csv module (quoted cells, cells spanning lines)."""
    rows = csv.reader(lines)
    try:
        while True:
            before = rows.line_num
            chunk = list(islice(rows, CHUNK_ROWS))
            if not chunk:
                return True
            reader.chunk(chunk, _line_numbers(chunk, line + before, line + rows.line_num))
    except csv.Error as exc:
        reader.problems.add(line + rows.line_num, f"malformed CSV: {exc}")
        return True


def read_table(path: str, layout: Layout) -> tuple[Table | None, Problems]:
    """Read ``path`` (``-``: standard input) with ``layout``; the table is None when the header
    could not be read. The caller adds its own problems and raises."""
    source = _source_name(path)
    problems = Problems(source)
    reader = _Reader(layout, source, problems)
    try:
        with open_blocks(path) as blocks:
            usable = _feed(reader, blocks)
    except TextProblem as exc:
        problems.add(exc.line, exc.problem, expected=exc.expected)
        usable = reader.table is not None
    if not usable:
        return None, problems
    if reader.table is None:
        if not problems:
            problems.add(
                None, "empty file", expected="a header row: " + ", ".join(layout.required)
            )
        return None, problems
    if not reader.table.ids and not problems:
        problems.add(None, "no data rows", expected="one row per provider")
    return reader.table, problems
