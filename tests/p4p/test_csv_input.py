"""Input files: every problem in one run, one line each naming file, row and column (issue 10);
bounded reading; standard input."""

from __future__ import annotations

import io
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from hiecheck.errors import InputError
from hiecheck.p4p import csv_source
from hiecheck.p4p.csv_input import read_bhh, read_ohh, read_pcmh
from hiecheck.p4p.problems import MAX_LISTED, CsvProblems

from .conftest import OHH_MEASURES

HEADER = "provider_id,measure,numerator,denominator,ohh_payments\n"
GOOD = (
    "A,continuity_pharmacotherapy_oud,1,2,100\n"
    "A,community_engagement,1,2,\n"
    "A,access_preventive_ambulatory_care,1,2,\n"
)
BHH = "diabetes_screening_antipsychotics"


def problems(read, path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as info:
        read(path)
    error = info.value
    lines = error.lines() if isinstance(error, CsvProblems) else [error.one_line()]
    assert all("\n" not in line for line in lines)
    return lines


def ohh_problems(write_csv, text: str | bytes) -> list[str]:  # type: ignore[no-untyped-def]
    return problems(lambda p: read_ohh(str(p), OHH_MEASURES), write_csv(text))


def test_reads_good_ohh_file(write_csv) -> None:  # type: ignore[no-untyped-def]
    given = read_ohh(str(write_csv(HEADER + GOOD)), OHH_MEASURES)
    assert given.ids == ["A"] and given.payments == [10000] and given.payments_basis == "gross"


def test_every_problem_of_a_file_in_one_run_with_row_and_column(write_csv) -> None:  # type: ignore[no-untyped-def]
    text = HEADER + (
        "A,continuity_pharmacotherapy_oud,1,2,\"1234,56\"\n"  # row 2
        "A,community_engagement,-1,2,\n"  # row 3
        "A,access_preventive_ambulatory_care,3,2,\n"  # row 4
        "B,made_up,1,2,5\n"  # row 5
        ",community_engagement,1,2,\n"  # row 6
        "B,access_preventive_ambulatory_care,1.5,2,\n"  # row 7
        "B,community_engagement,1,2\n"  # row 8
    )
    path = write_csv(text)
    lines = problems(lambda p: read_ohh(str(p), OHH_MEASURES), path)
    assert lines == [
        f"{path}:row 2: ohh_payments: '1234,56' is not an amount "
        "(expected dollars and cents such as 1234.56, 1,234.56 or $1,234.56)",
        f"{path}:row 3: numerator: -1 is negative "
        "(expected a whole number of members from 0 to 10,000,000)",
        f"{path}:row 4: numerator: 3 is greater than the denominator 2 "
        "(expected numerator <= denominator)",
        f"{path}:row 5: measure: unknown measure 'made_up' (expected one of "
        "continuity_pharmacotherapy_oud, community_engagement, access_preventive_ambulatory_care)",
        f"{path}:row 6: provider_id: is empty (expected an identifier)",
        f"{path}:row 7: numerator: '1.5' is not a whole number "
        "(expected a whole number of members from 0 to 10,000,000)",
        f"{path}:row 8: 4 cells in a row of a 5-column file "
        "(expected 5 cells: provider_id, measure, numerator, denominator, ohh_payments)",
    ]


@pytest.mark.parametrize("amount", ['"1234,56"', '"1.234,56"', '"12,34,567"', '",100"',
                                    '"100,"', '"1,,000"', "١٠٠"])
def test_bad_amounts_are_refused_naming_row_and_column(write_csv, amount: str) -> None:  # type: ignore[no-untyped-def]
    """Issue 10: "1234,56" was read as 123456, 100 times the BHH recoupment."""
    path = write_csv(f"provider_id,numerator,denominator,bhh_payments\nA,1,2,{amount}\n")
    (line,) = problems(lambda p: read_bhh(str(p), BHH), path)
    assert line.startswith(f"{path}:row 2: bhh_payments: ")
    assert "is not an amount" in line


def test_quoted_amounts_with_thousands_groups_are_read(write_csv) -> None:  # type: ignore[no-untyped-def]
    path = write_csv('provider_id,numerator,denominator,bhh_payments\nA,1,2,"$1,234,567.89"\n')
    assert read_bhh(str(path), BHH).payments == [123456789]


def test_problems_are_capped_and_counted(write_csv) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(f"P{i},x,2\n" for i in range(MAX_LISTED + 30))
    path = write_csv("provider_id,numerator,denominator\n" + rows)
    lines = problems(lambda p: read_bhh(str(p), BHH), path)
    assert len(lines) == MAX_LISTED + 1
    assert lines[0].startswith(f"{path}:row 2: numerator: ")
    assert lines[-1] == f"{path}: 30 more problems not listed (at most {MAX_LISTED} are)"


def test_cross_row_problems(write_csv) -> None:  # type: ignore[no-untyped-def]
    text = HEADER + GOOD + "A,community_engagement,1,2,\nB,community_engagement,1,2,5\n"
    text += "C,continuity_pharmacotherapy_oud,1,2,7\nC,community_engagement,1,2,8\n"
    text += "C,access_preventive_ambulatory_care,1,2,\n"
    path = write_csv(text)
    lines = problems(lambda p: read_ohh(str(p), OHH_MEASURES), path)
    assert lines == [
        f"{path}:row 5: duplicate row for provider 'A' and measure 'community_engagement' "
        "(expected one row per provider and measure (first at row 3))",
        f"{path}:row 6: provider 'B' has no row for measure 'continuity_pharmacotherapy_oud' "
        "(expected one row for each of continuity_pharmacotherapy_oud, community_engagement, "
        "access_preventive_ambulatory_care)",
        f"{path}:row 6: provider 'B' has no row for measure 'access_preventive_ambulatory_care' "
        "(expected one row for each of continuity_pharmacotherapy_oud, community_engagement, "
        "access_preventive_ambulatory_care)",
        f"{path}:row 8: ohh_payments: differs from an earlier row of the same provider "
        "(expected one value per provider)",
    ]


def test_payments_must_be_given_for_every_provider(write_csv) -> None:  # type: ignore[no-untyped-def]
    lines = ohh_problems(write_csv, HEADER + GOOD.replace(",1,2,100", ",1,2,"))
    assert lines == [
        lines[0].split(":row")[0] + ":row 2: provider 'A' has no ohh_payments (expected the "
        "provider's gross OHH payments, before the withhold, on at least one of its rows)"
    ]


def test_header_problems_all_at_once(write_csv) -> None:  # type: ignore[no-untyped-def]
    lines = ohh_problems(write_csv, "provider_id,measure,colour,measure\nA,x,1,2\n")
    assert [line.split(": ", 1)[1] for line in lines] == [
        "unknown column 'colour' (expected columns provider_id, measure, numerator, "
        "denominator, ohh_gross_payments, ohh_payments, ohh_net_payments)",
        "column 'measure' appears twice",
        "missing columns numerator, denominator (expected columns provider_id, measure, "
        "numerator, denominator)",
    ]
    assert all(":row 1: " in line for line in lines)


def test_gross_and_net_columns(write_csv) -> None:  # type: ignore[no-untyped-def]
    net = HEADER.replace("ohh_payments", "ohh_net_payments") + GOOD
    (line,) = ohh_problems(write_csv, net)
    assert "ohh_net_payments holds net payments" in line and "--net-payments" in line
    assert read_ohh(str(write_csv(net)), OHH_MEASURES, net=True).payments_basis == "net"
    gross = HEADER.replace("ohh_payments", "ohh_gross_payments") + GOOD
    assert read_ohh(str(write_csv(gross)), OHH_MEASURES).payments_basis == "gross"
    with pytest.raises(CsvProblems, match="--net-payments given but"):
        read_ohh(str(write_csv(gross)), OHH_MEASURES, net=True)
    both = HEADER.strip() + ",ohh_net_payments\n" + "".join(
        line + ",\n" for line in GOOD.splitlines()
    )
    assert "both given" in ohh_problems(write_csv, both)[0]


def test_empty_file_and_header_only(write_csv) -> None:  # type: ignore[no-untyped-def]
    assert "empty file" in ohh_problems(write_csv, "")[0]
    assert "empty file" in ohh_problems(write_csv, "\n  \n,,,\n")[0]
    assert "no data rows" in ohh_problems(write_csv, HEADER)[0]


def test_bom_crlf_spaces_case_and_blank_lines_are_tolerated(write_csv) -> None:  # type: ignore[no-untyped-def]
    text = " Provider_ID , measure,numerator , denominator,ohh_payments\r\n\r\n,,,,\r\n" + (
        "\r\n".join(
            f" A , {m} , 1 , 2 ,{' $1,000.50' if i == 0 else ''}"
            for i, m in enumerate(OHH_MEASURES)
        )
    )
    text = text.replace(" $1,000.50", '"$1,000.50"')
    given = read_ohh(str(write_csv(("\ufeff" + text).encode("utf-8"))), OHH_MEASURES)
    assert given.ids == ["A"] and given.payments == [100050]


def test_quoted_cell_spanning_lines_keeps_row_numbers(write_csv) -> None:  # type: ignore[no-untyped-def]
    text = 'provider_id,numerator,denominator,measure\n"A",1,2,"diabetes_\nx"\nB,3,2,\n'
    lines = problems(lambda p: read_bhh(str(p), BHH), write_csv(text))
    assert ":row 2: measure: " in lines[0]
    assert ":row 4: numerator: 3 is greater" in lines[1]
    assert ":row 4: measure: is empty" in lines[2]


def test_not_utf8_names_the_row(write_csv) -> None:  # type: ignore[no-untyped-def]
    (line,) = ohh_problems(write_csv, HEADER.encode() + GOOD.encode() + b"A,\xff,1,2,\n")
    assert ":row 5: not UTF-8 text" in line


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read file"):
        read_ohh(str(tmp_path / "nope.csv"), OHH_MEASURES)
    with pytest.raises(InputError, match="cannot read file: Is a directory"):
        read_ohh(str(tmp_path), OHH_MEASURES)


def test_size_limit_checked_before_parsing_a_regular_file(
    write_csv, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(csv_source, "MAX_CSV_BYTES", 100)
    path = write_csv(HEADER + GOOD)  # 186 bytes
    (line,) = problems(lambda p: read_ohh(str(p), OHH_MEASURES), path)
    assert line == (
        f"{path}: larger than the 100 bytes limit for a P4P CSV file (expected at most 100 bytes)"
    )


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_standard_input_is_counted_and_stops_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_source, "MAX_CSV_BYTES", 3 * 1024 * 1024)
    body = "A,continuity_pharmacotherapy_oud,1,2,\n" * 200_000  # 7.4 MB
    monkeypatch.setattr(sys, "stdin", _Stdin((HEADER + body).encode()))
    with pytest.raises(InputError) as info:
        read_ohh("-", OHH_MEASURES)
    assert info.value.one_line() == (
        "<stdin>: larger than the 3 MiB limit for a P4P CSV file (expected at most 3 MiB)"
    )


def test_standard_input_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin((HEADER + GOOD).encode()))
    assert read_ohh("-", OHH_MEASURES).ids == ["A"]


def test_an_endless_line_stops_at_the_line_limit(write_csv) -> None:  # type: ignore[no-untyped-def]
    (line,) = ohh_problems(write_csv, HEADER + "A" * 200_000)
    assert ":row 2: line longer than 65,536 characters" in line


def test_bhh_duplicate_and_unknown_measure(write_csv) -> None:  # type: ignore[no-untyped-def]
    path = write_csv("provider_id,numerator,denominator\nA,1,2\nA,1,2\n")
    (line,) = problems(lambda p: read_bhh(str(p), BHH), path)
    assert line == (
        f"{path}:row 3: duplicate row for provider 'A' (expected one row per provider "
        "(first at row 2))"
    )
    path = write_csv("provider_id,measure,numerator,denominator\nA,other,1,2\n")
    (line,) = problems(lambda p: read_bhh(str(p), BHH), path)
    assert "unknown measure 'other'" in line


def test_pcmh_flags_members_and_known_measures(write_csv) -> None:  # type: ignore[no-untyped-def]
    header = (
        "practice_id,measure,numerator,denominator,ncqa_recognized,full_year,annualized_members\n"
    )
    path = write_csv(header + "P,a,1,40,maybe,yes,10\nQ,a,1,40,yes,yes,\"12,5\"\n")
    lines = problems(lambda p: read_pcmh(str(p), []), path)
    assert ":row 2: ncqa_recognized: 'maybe' is not yes/no" in lines[0]
    assert ":row 3: annualized_members: '12,5' is not a number" in lines[1]
    path = write_csv(header + "P,a,1,40,yes,yes,10.5\n")
    assert read_pcmh(str(path), []).annualized_members == [Decimal("10.5")]
    with pytest.raises(CsvProblems, match="unknown measure 'a'"):
        read_pcmh(str(path), ["b"])


def test_previous_year_needs_only_full_year(write_csv) -> None:  # type: ignore[no-untyped-def]
    path = write_csv("practice_id,measure,numerator,denominator,full_year\nP,a,1,40,yes\n")
    assert read_pcmh(str(path), [], previous=True).full_year == [True]


def test_sample_files_read(data_dir: Path) -> None:
    assert len(read_ohh(str(data_dir / "ohh.csv"), OHH_MEASURES)) == 4
    assert len(read_bhh(str(data_dir / "bhh.csv"), BHH)) == 3
    assert len(read_pcmh(str(data_dir / "pcmh-2019.csv"), [])) == 4
    assert len(read_pcmh(str(data_dir / "pcmh-2018.csv"), [], previous=True)) == 3


def test_columns_split_at_once_match_rows_split_one_by_one() -> None:
    """The fast columnar split gives the cells the row-by-row split gives, whatever the line
    ends (LF, CRLF, CR, none) and white space around cells."""
    from hiecheck.p4p.csv_table import _column, _split, _split_columns

    lines = ["a,1, 2\n", "b ,3,4\r\n", "c,\t5,6 \r", " d,7,8", "e,,\n", ",,\n"]
    for end in range(1, len(lines) + 1):
        part = lines[:end]
        rows = _split(part)
        assert _split_columns(part, 3) == [_column(rows, i) for i in range(3)]
    clean = ["a,1,2\n", "b,,4\n", "c,5,6"]  # white space only in line feeds
    odd = ["a,1,2\u00a0\n", "b\x1f,3,4\n", "\u00e9,5, 6\n"]  # non-ASCII, unusual spaces
    for part in (clean, clean[:2], clean[2:], odd, odd[1:], odd[2:]):
        rows = _split(part)
        assert _split_columns(part, 3) == [_column(rows, i) for i in range(3)]
    assert _split_columns(["a,1\n", "b,2,3\n"], 3) is None  # a short row: the slow path
    assert _split_columns(["\n"], 3) is None  # a blank line too


PCMH_HEADER = (
    "practice_id,measure,numerator,denominator,ncqa_recognized,full_year,annualized_members\n"
)


def test_pcmh_counts_in_any_row_order(write_csv) -> None:  # type: ignore[no-untyped-def]
    """Rows in slot order are copied as they are; any other order lands in the same slots."""
    ordered = PCMH_HEADER + "P,a,1,10,yes,yes,5\nP,b,2,20,,,\nQ,a,3,30,yes,yes,6\nQ,b,4,40,,,\n"
    mixed = PCMH_HEADER + "P,a,1,10,yes,yes,5\nQ,b,4,40,,,\nQ,a,3,30,yes,yes,6\nP,b,2,20,,,\n"
    gappy = PCMH_HEADER + "P,a,1,10,yes,yes,5\nQ,b,4,40,yes,yes,6\nQ,a,3,30,,,\n"
    for text, nums, dens in (
        (ordered, [1, 2, 3, 4], [10, 20, 30, 40]),
        (mixed, [1, 2, 3, 4], [10, 20, 30, 40]),
        (gappy, [1, -1, 3, 4], [10, -1, 30, 40]),
    ):
        given = read_pcmh(str(write_csv(text)), [])
        assert (list(given.numerators), list(given.denominators)) == (nums, dens)


def test_pcmh_duplicate_in_a_file_of_full_size(write_csv) -> None:  # type: ignore[no-untyped-def]
    """Q repeats a and lacks b: as many rows as slots, yet not one row per slot."""
    text = PCMH_HEADER + "P,a,1,10,yes,yes,5\nP,b,2,20,,,\nQ,a,3,30,yes,yes,6\nQ,a,4,40,,,\n"
    path = write_csv(text)
    assert problems(lambda p: read_pcmh(str(p), []), path) == [
        f"{path}:row 5: duplicate row for practice 'Q' and measure 'a' "
        "(expected one row per practice and measure (first at row 4))"
    ]
