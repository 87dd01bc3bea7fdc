"""The small side files of a measure run, read whole and checked row by row: ``--codes``
(codes added to value sets), ``--counts`` (OHH measures whose counts are given) and
``--payments`` (provider payments passed through to the P4P CSV)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hiecheck.errors import InputError
from hiecheck.limits import CSV_MAX_BYTES, read_bounded
from hiecheck.measures.engine import ExtraCode
from hiecheck.measures.inputs import collect
from hiecheck.measures.models import CountsRow
from hiecheck.measures.profile import LoadedMeasure

_SYSTEMS = {"LOINC", "CPT", "HCPCS", "ICD10CM", "RXNORM", "NDC"}
_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")


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
    collect(problems)
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
    collect(problems)
    return rows, payments


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
    collect(problems)
    return out
