"""Input validation: every bad CSV is one line naming the file, row and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiecheck.errors import InputError
from hiecheck.p4p.csv_input import read_bhh, read_ohh, read_pcmh

OHH_MEASURES = [
    "continuity_pharmacotherapy_oud",
    "community_engagement",
    "access_preventive_ambulatory_care",
]
HEADER = "provider_id,measure,numerator,denominator,ohh_payments\n"
GOOD = (
    "A,continuity_pharmacotherapy_oud,1,2,100\n"
    "A,community_engagement,1,2,\n"
    "A,access_preventive_ambulatory_care,1,2,\n"
)


def ohh_error(write_csv, text: str | bytes) -> InputError:  # type: ignore[no-untyped-def]
    path = write_csv(text)
    with pytest.raises(InputError) as info:
        read_ohh(path, OHH_MEASURES)
    assert "\n" not in info.value.one_line()
    return info.value


def test_reads_good_ohh_file(write_csv) -> None:  # type: ignore[no-untyped-def]
    providers = read_ohh(write_csv(HEADER + GOOD), OHH_MEASURES)
    assert len(providers) == 1 and str(providers[0].ohh_payments) == "100"


LAST = "A,access_preventive_ambulatory_care,"


@pytest.mark.parametrize(
    ("row", "problem", "expected"),
    [
        (LAST + "-1,2,", "numerator -1 is negative", "non-negative integer"),
        (LAST + "1,-2,", "denominator -2 is negative", "non-negative integer"),
        (LAST + "1.5,2,", "is not a whole number", "non-negative integer"),
        (LAST + "3,2,", "numerator 3 is greater than denominator 2", "≤"),
        ("A,made_up,1,2,", "unknown measure 'made_up'", "continuity_pharmacotherapy_oud"),
        (",community_engagement,1,2,", "provider_id is empty", "identifier"),
        (LAST + "1,2", "4 cells in a row of a 5-column file", "5 cells"),
        (LAST + "1,2,abc", "ohh_payments 'abc' is not a number", "amount"),
        (LAST + "1,2,-5", "ohh_payments -5 is negative", "non-negative"),
    ],
)
def test_bad_row_is_one_line_with_row_number(
    write_csv, row: str, problem: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    good = GOOD.splitlines()
    error = ohh_error(write_csv, HEADER + "\n".join([*good[:2], row]) + "\n")
    assert error.location == "row 4"
    assert problem in error.problem
    assert expected in (error.expected or "")
    assert error.one_line().startswith(f"{error.source}:row 4: ")


def test_duplicate_provider_measure_row(write_csv) -> None:  # type: ignore[no-untyped-def]
    error = ohh_error(write_csv, HEADER + GOOD + "A,community_engagement,1,2,\n")
    assert error.location == "row 5"
    assert "duplicate row for provider_id 'A' and measure 'community_engagement'" in error.problem
    assert "first at row 3" in (error.expected or "")


def test_missing_column(write_csv) -> None:  # type: ignore[no-untyped-def]
    error = ohh_error(write_csv, "provider_id,measure,numerator\nA,x,1\n")
    assert error.location == "row 1" and "missing column 'denominator'" in error.problem


def test_unknown_column(write_csv) -> None:  # type: ignore[no-untyped-def]
    error = ohh_error(write_csv, HEADER.strip() + ",colour\n")
    assert "unknown column 'colour'" in error.problem


def test_empty_file_and_header_only(write_csv) -> None:  # type: ignore[no-untyped-def]
    assert ohh_error(write_csv, "").problem == "empty file"
    assert ohh_error(write_csv, "\n\n").problem == "empty file"
    assert ohh_error(write_csv, HEADER).problem == "no data rows"


PAID = '"$1,000.50"'


def test_bom_whitespace_and_case_are_tolerated(write_csv) -> None:  # type: ignore[no-untyped-def]
    text = " Provider_ID , measure,numerator , denominator,ohh_payments\n" + "\n".join(
        f" A , {m} , 1 , 2 ,{PAID if i == 0 else ''}" for i, m in enumerate(OHH_MEASURES)
    )
    providers = read_ohh(write_csv(("\ufeff" + text).encode("utf-8")), OHH_MEASURES)
    assert providers[0].provider_id == "A" and str(providers[0].ohh_payments) == "1000.50"


def test_provider_missing_a_measure(write_csv) -> None:  # type: ignore[no-untyped-def]
    error = ohh_error(write_csv, HEADER + GOOD + "B,community_engagement,1,2,5\n")
    assert "provider 'B' has no row for measure 'continuity_pharmacotherapy_oud'" in error.problem
    assert error.location == "row 5"


def test_payments_must_agree_and_be_present(write_csv) -> None:  # type: ignore[no-untyped-def]
    text = HEADER + GOOD.replace("community_engagement,1,2,", "community_engagement,1,2,99")
    assert "differs" in ohh_error(write_csv, text).problem
    text = HEADER + GOOD.replace(",1,2,100", ",1,2,")
    assert "has no ohh_payments" in ohh_error(write_csv, text).problem


def test_not_utf8(write_csv) -> None:  # type: ignore[no-untyped-def]
    assert "not UTF-8" in ohh_error(write_csv, HEADER.encode() + b"A,\xff,1,2,\n").problem


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read file"):
        read_ohh(tmp_path / "nope.csv", OHH_MEASURES)


def test_bhh_duplicate_and_unknown_measure(write_csv) -> None:  # type: ignore[no-untyped-def]
    path = write_csv("provider_id,numerator,denominator\nA,1,2\nA,1,2\n")
    with pytest.raises(InputError) as info:
        read_bhh(path, "diabetes_screening_antipsychotics")
    assert info.value.location == "row 3" and "duplicate row" in info.value.problem
    path = write_csv("provider_id,measure,numerator,denominator\nA,other,1,2\n")
    with pytest.raises(InputError, match="unknown measure 'other'"):
        read_bhh(path, "diabetes_screening_antipsychotics")


def test_pcmh_flags_and_unknown_measure_when_profile_lists_measures(write_csv) -> None:  # type: ignore[no-untyped-def]
    header = (
        "practice_id,measure,numerator,denominator,ncqa_recognized,full_year,annualized_members\n"
    )
    path = write_csv(header + "P,a,1,40,maybe,yes,10\n")
    with pytest.raises(InputError, match="ncqa_recognized 'maybe' is not yes/no"):
        read_pcmh(path, [])
    path = write_csv(header + "P,a,1,40,yes,yes,10\n")
    with pytest.raises(InputError, match="unknown measure 'a'"):
        read_pcmh(path, ["b"])
    assert read_pcmh(path, [])[0].annualized_members == 10


def test_sample_files_read(data_dir: Path) -> None:
    assert len(read_ohh(data_dir / "ohh.csv", OHH_MEASURES)) == 4
    assert len(read_bhh(data_dir / "bhh.csv", "diabetes_screening_antipsychotics")) == 3
    assert len(read_pcmh(data_dir / "pcmh-2019.csv", [])) == 4
    assert len(read_pcmh(data_dir / "pcmh-2018.csv", [], previous=True)) == 3
