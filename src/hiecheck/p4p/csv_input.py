"""Read the P4P input CSV files into validated provider models; every problem is one InputError.

Row numbers are line numbers in the file, the header being row 1.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from hiecheck.errors import InputError
from hiecheck.limits import CSV_MAX_BYTES, read_bounded
from hiecheck.p4p.models import BhhProviderInput, Counts, OhhProviderInput, PcmhPracticeInput

_INT = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


@dataclass(frozen=True)
class Row:
    """One data row: stripped cells by column name and its line number."""

    number: int
    cells: dict[str, str]


class CsvFile:
    """A CSV file's header and rows, with helpers that raise one-line errors naming the row."""

    def __init__(self, path: Path, required: list[str], optional: list[str]) -> None:
        self.source = str(path)
        self.required = required
        self.optional = optional
        self.rows = list(self._read(path))

    def error(self, row: int | None, problem: str, expected: str | None = None) -> InputError:
        """An InputError at ``row`` (None: the whole file)."""
        location = f"row {row}" if row is not None else None
        return InputError(self.source, problem, location=location, expected=expected)

    def _read(self, path: Path) -> Iterator[Row]:
        raw = read_bounded(path, CSV_MAX_BYTES, "a P4P CSV file")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                self.source, "file is not UTF-8 text", location=f"byte {exc.start}"
            ) from None
        reader = csv.reader(io.StringIO(text, newline=""))
        header: list[str] | None = None
        try:
            for cells in reader:
                stripped = [c.strip() for c in cells]
                if not any(stripped):
                    continue  # blank line
                if header is None:
                    header = self._header(stripped, reader.line_num)
                    continue
                if len(stripped) != len(header):
                    raise self.error(
                        reader.line_num,
                        f"{len(stripped)} cells in a row of a {len(header)}-column file",
                        expected=f"{len(header)} cells: {', '.join(header)}",
                    )
                yield Row(reader.line_num, dict(zip(header, stripped, strict=True)))
        except csv.Error as exc:
            raise self.error(reader.line_num, f"malformed CSV: {exc}") from None
        if header is None:
            raise self.error(
                None, "empty file", expected="a header row: " + ", ".join(self.required)
            )

    def _header(self, names: list[str], line: int) -> list[str]:
        names = [n.lower() for n in names]
        allowed = set(self.required) | set(self.optional)
        for name in names:
            if name not in allowed:
                raise self.error(
                    line,
                    f"unknown column {name!r}",
                    expected="columns " + ", ".join(sorted(allowed)),
                )
            if names.count(name) > 1:
                raise self.error(line, f"column {name!r} appears twice")
        for name in self.required:
            if name not in names:
                raise self.error(
                    line, f"missing column {name!r}", expected="columns " + ", ".join(self.required)
                )
        return names

    def has(self, column: str) -> bool:
        """Whether the header has ``column``."""
        return bool(self.rows) and column in self.rows[0].cells

    # cell parsers ------------------------------------------------------------------------

    def ident(self, row: Row, column: str) -> str:
        value = row.cells[column]
        if not value:
            raise self.error(row.number, f"{column} is empty", expected="an identifier")
        if not _ID.match(value):
            raise self.error(
                row.number,
                f"{column} {value!r} has unexpected characters",
                expected="letters, digits, '_', '-', '.'",
            )
        return value

    def count(self, row: Row, column: str) -> int:
        value = row.cells[column]
        if not _INT.match(value):
            raise self.error(
                row.number,
                f"{column} {value!r} is not a whole number",
                expected="a non-negative integer",
            )
        number = int(value)
        if number < 0:
            raise self.error(
                row.number, f"{column} {number} is negative", expected="a non-negative integer"
            )
        return number

    def counts(self, row: Row) -> Counts:
        numerator = self.count(row, "numerator")
        denominator = self.count(row, "denominator")
        if numerator > denominator:
            raise self.error(
                row.number,
                f"numerator {numerator} is greater than denominator {denominator}",
                expected="numerator ≤ denominator",
            )
        return Counts(numerator=numerator, denominator=denominator)

    def amount(self, row: Row, column: str) -> Decimal | None:
        value = row.cells.get(column, "").replace(",", "").lstrip("$")
        if not value:
            return None
        if not _DECIMAL.match(value):
            raise self.error(
                row.number,
                f"{column} {row.cells[column]!r} is not a number",
                expected="a non-negative amount such as 12345.67",
            )
        try:
            number = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            raise self.error(row.number, f"{column} is not a number") from None
        if number < 0:
            raise self.error(
                row.number, f"{column} {value} is negative", expected="a non-negative amount"
            )
        return number

    def flag(self, row: Row, column: str) -> bool | None:
        value = row.cells.get(column, "").lower()
        if not value:
            return None
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise self.error(
            row.number, f"{column} {row.cells[column]!r} is not yes/no", expected="yes or no"
        )


def _provider_value(
    csv_file: CsvFile, rows: list[Row], column: str, parse: str
) -> Decimal | bool | None:
    """A provider-level column repeated on a provider's rows: blank or equal on every row."""
    value: Decimal | bool | None = None
    for row in rows:
        this = csv_file.amount(row, column) if parse == "amount" else csv_file.flag(row, column)
        if this is None:
            continue
        if value is not None and this != value:
            raise csv_file.error(
                row.number,
                f"{column} differs from an earlier row of the same provider",
                expected="one value per provider",
            )
        value = this
    return value


def _required_provider_value(
    csv_file: CsvFile, rows: list[Row], column: str, parse: str, who: str, expected: str
) -> Decimal | bool:
    """A provider-level column that must be given on at least one of the provider's rows."""
    value = _provider_value(csv_file, rows, column, parse)
    if value is None:
        raise csv_file.error(rows[0].number, f"{who} has no {column}", expected=expected)
    return value


def _group(
    csv_file: CsvFile, id_column: str, known: list[str] | None
) -> dict[str, list[tuple[str, Row, Counts]]]:
    """Rows grouped by provider id, with measure ids and counts checked."""
    grouped: dict[str, list[tuple[str, Row, Counts]]] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in csv_file.rows:
        provider = csv_file.ident(row, id_column)
        measure = csv_file.ident(row, "measure")
        if known is not None and measure not in known:
            raise csv_file.error(
                row.number, f"unknown measure {measure!r}", expected="one of " + ", ".join(known)
            )
        first = seen.get((provider, measure))
        if first is not None:
            raise csv_file.error(
                row.number,
                f"duplicate row for {id_column} {provider!r} and measure {measure!r}",
                expected=f"one row per {id_column} and measure (first at row {first})",
            )
        seen[(provider, measure)] = row.number
        grouped.setdefault(provider, []).append((measure, row, csv_file.counts(row)))
    if not grouped:
        raise csv_file.error(None, "no data rows", expected=f"one row per {id_column} and measure")
    return grouped


OHH_REQUIRED = ["provider_id", "measure", "numerator", "denominator"]
OHH_OPTIONAL = ["ohh_payments"]


def read_ohh(path: Path, measures: list[str]) -> list[OhhProviderInput]:
    """OHH input: one row per provider and measure; ``ohh_payments`` optional, per provider."""
    csv_file = CsvFile(path, OHH_REQUIRED, OHH_OPTIONAL)
    with_payments = csv_file.has("ohh_payments")
    providers = []
    for provider, rows in _group(csv_file, "provider_id", measures).items():
        present = {m for m, _, _ in rows}
        missing = [m for m in measures if m not in present]
        if missing:
            raise csv_file.error(
                rows[0][1].number,
                f"provider {provider!r} has no row for measure {missing[0]!r}",
                expected="one row for each of " + ", ".join(measures),
            )
        plain = [r for _, r, _ in rows]
        payments = (
            _required_provider_value(
                csv_file, plain, "ohh_payments", "amount", f"provider {provider!r}",
                "the provider's gross OHH payments on at least one of its rows",
            )
            if with_payments
            else _provider_value(csv_file, plain, "ohh_payments", "amount")
        )
        providers.append(
            OhhProviderInput(
                provider_id=provider,
                row=rows[0][1].number,
                measures={m: c for m, _, c in rows},
                ohh_payments=payments,
            )
        )
    return providers


BHH_REQUIRED = ["provider_id", "numerator", "denominator"]
BHH_OPTIONAL = ["measure", "bhh_payments"]


def read_bhh(path: Path, measure: str) -> list[BhhProviderInput]:
    """BHH input: one row per provider; ``measure`` (if given) must be the profile's measure."""
    csv_file = CsvFile(path, BHH_REQUIRED, BHH_OPTIONAL)
    with_payments = csv_file.has("bhh_payments")
    seen: dict[str, int] = {}
    providers = []
    for row in csv_file.rows:
        provider = csv_file.ident(row, "provider_id")
        if "measure" in row.cells and row.cells["measure"] != measure:
            raise csv_file.error(
                row.number, f"unknown measure {row.cells['measure']!r}", expected=measure
            )
        if provider in seen:
            raise csv_file.error(
                row.number,
                f"duplicate row for provider_id {provider!r}",
                expected=f"one row per provider (first at row {seen[provider]})",
            )
        seen[provider] = row.number
        counts = csv_file.counts(row)
        payments = csv_file.amount(row, "bhh_payments")
        if with_payments and payments is None:
            raise csv_file.error(
                row.number, "bhh_payments is empty", expected="the provider's total BHH payments"
            )
        providers.append(
            BhhProviderInput(
                provider_id=provider, row=row.number, counts=counts, bhh_payments=payments
            )
        )
    if not providers:
        raise csv_file.error(None, "no data rows", expected="one row per provider")
    return providers


PCMH_REQUIRED = [
    "practice_id",
    "measure",
    "numerator",
    "denominator",
    "ncqa_recognized",
    "full_year",
    "annualized_members",
]
PCMH_PREVIOUS_REQUIRED = ["practice_id", "measure", "numerator", "denominator", "full_year"]


def read_pcmh(
    path: Path, measures: list[str], *, previous: bool = False
) -> list[PcmhPracticeInput]:
    """PCMH input: one row per practice and measure; practice-level columns repeat per row.

    A previous-year file needs only ``full_year`` of the practice-level columns; the others are
    accepted (so last year's input can be reused) and ignored.
    """
    required = PCMH_PREVIOUS_REQUIRED if previous else PCMH_REQUIRED
    optional = [c for c in PCMH_REQUIRED if c not in required]
    csv_file = CsvFile(path, required, optional)
    practices = []
    for practice, rows in _group(csv_file, "practice_id", measures or None).items():
        plain = [r for _, r, _ in rows]
        who = f"practice {practice!r}"
        yes_no = "yes or no on at least one of its rows"
        full_year = _required_provider_value(csv_file, plain, "full_year", "flag", who, yes_no)
        ncqa = members = None
        if not previous:
            ncqa = _required_provider_value(
                csv_file, plain, "ncqa_recognized", "flag", who, yes_no
            )
            members = _required_provider_value(
                csv_file, plain, "annualized_members", "amount", who,
                "the annualized number of continuously attributed members",
            )
        practices.append(
            PcmhPracticeInput(
                practice_id=practice,
                row=plain[0].number,
                measures={m: c for m, _, c in rows},
                ncqa_recognized=bool(ncqa) if ncqa is not None else None,
                full_year=bool(full_year),
                annualized_members=members,  # type: ignore[arg-type]
            )
        )
    return practices
