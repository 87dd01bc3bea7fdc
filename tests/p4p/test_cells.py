"""Cell grammar: only plain decimals and three-digit thousands groups are amounts (issue 10)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hiecheck.p4p import cells
from hiecheck.p4p.cells import CellProblem


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("0", 0),
        ("1234", 123400),
        ("1234.5", 123450),
        ("1234.56", 123456),
        ("1,234.56", 123456),
        ("$1,234.56", 123456),
        ("$1234", 123400),
        ("12,345,678.90", 1234567890),
        ("007", 700),
    ],
)
def test_money_accepts_plain_decimals_and_three_digit_groups(text: str, cents: int) -> None:
    assert cells.money_cents(text) == cents


@pytest.mark.parametrize(
    "text",
    [
        "1234,56",  # decimal comma: was read as 123456 (100x)
        "1.234,56",  # European grouping: was read as 1.23456
        "12,34,567",  # groups of two
        ",100",
        "100,",
        "1,,000",
        "1,00",
        "1234,567",  # a first group of four digits
        "١٢٣",  # Arabic-Indic digits
        "１２３",  # full-width digits
        "12.345",  # a fraction of a cent
        ".5",
        "5.",
        "$",
        "1e3",
        "abc",
        "$-5",
        "+5",
        "",
    ],
)
def test_money_refuses_everything_else(text: str) -> None:
    with pytest.raises(CellProblem) as info:
        cells.money_cents(text)
    assert "1,234.56" in info.value.expected


def test_negative_money_says_negative() -> None:
    with pytest.raises(CellProblem, match="is negative"):
        cells.money_cents("-5")


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("30", 30), ("10000000", 10_000_000)])
def test_counts(text: str, value: int) -> None:
    assert cells.count(text) == value


@pytest.mark.parametrize("text", ["", "1.5", "+3", "³", "٣", "1 000", "10000001", "0x10"])
def test_counts_refused(text: str) -> None:
    with pytest.raises(CellProblem):
        cells.count(text)


def test_members_may_be_fractional_but_not_localized() -> None:
    assert cells.number("1,234.5") == Decimal("1234.5")
    assert cells.number("12.25") == Decimal("12.25")
    for bad in ("12,5", "1.234,5", "-3", "٣"):
        with pytest.raises(CellProblem):
            cells.number(bad)


def test_ids_and_flags() -> None:
    assert cells.ident("OHH-A.1_x") == "OHH-A.1_x"
    for bad in ("[red]x", "[/foo]", "a b", "é", ""):
        with pytest.raises(CellProblem):
            cells.ident(bad)
    assert cells.flag("Yes") is True and cells.flag("0") is False
    with pytest.raises(CellProblem):
        cells.flag("maybe")


def test_a_long_bad_cell_is_shown_cut() -> None:
    with pytest.raises(CellProblem) as info:
        cells.money_cents("x" * 5000)
    assert len(info.value.problem) < 80
