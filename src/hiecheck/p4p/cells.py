"""What a P4P CSV cell may hold: identifiers, member counts, money, member numbers, yes/no.

Each parser takes a trimmed cell and returns its value or raises ``CellProblem`` (the problem and
what was expected, without the row or column: the table reader adds those). Only ASCII digits
count: ``str.isdigit`` and ``\\d`` accept other scripts' digits, so the patterns spell ``[0-9]``.
"""

from __future__ import annotations

import re
from decimal import Decimal

# Larger than any provider's member count, small enough that numerator/denominator as a float
# orders raw scores exactly (two different fractions with denominators below 2**26 differ by
# more than a float's spacing), which percentile ranking relies on.
MAX_COUNT = 10_000_000

ID_PATTERN = re.compile(r"[A-Za-z0-9_.\-]+")
_COUNT = re.compile(r"[0-9]+")
# Plain digits or thousands groups of exactly three digits; an optional `$`. Money has at most
# two decimals (cents); member numbers may have any.
_GROUPED = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)"
_MONEY = re.compile(rf"\$?{_GROUPED}(?:\.[0-9]{{1,2}})?")
_NUMBER = re.compile(rf"{_GROUPED}(?:\.[0-9]+)?")
_TRUE = frozenset({"yes", "y", "true", "1"})
_FALSE = frozenset({"no", "n", "false", "0"})
_SHOWN = 40  # characters of a bad cell shown in an error


class CellProblem(ValueError):
    """A cell that does not hold what its column needs."""

    def __init__(self, problem: str, expected: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.expected = expected


def shown(value: str) -> str:
    """A cell for an error message: quoted, cut to a few dozen characters."""
    cut = value if len(value) <= _SHOWN else value[:_SHOWN] + "..."
    return repr(cut)


def ident(value: str) -> str:
    """A provider, practice or measure id."""
    if not value:
        raise CellProblem("is empty", "an identifier")
    if not ID_PATTERN.fullmatch(value):
        raise CellProblem(
            f"{shown(value)} has unexpected characters", "letters, digits, '_', '-', '.'"
        )
    return value


COUNT_EXPECTED = f"a whole number of members from 0 to {MAX_COUNT:,}"


def count(value: str) -> int:
    """A member count: ASCII digits only, at most ``MAX_COUNT``."""
    if not _COUNT.fullmatch(value):
        if value.startswith("-") and _COUNT.fullmatch(value[1:]):
            raise CellProblem(f"{value} is negative", COUNT_EXPECTED)
        raise CellProblem(f"{shown(value)} is not a whole number", COUNT_EXPECTED)
    number = int(value)
    if number > MAX_COUNT:
        raise CellProblem(f"{value} is more members than any provider has", COUNT_EXPECTED)
    return number


# Far above any provider's program payments, and far inside the 64-bit cents the scorers keep.
MAX_DOLLARS = 10_000_000_000
MONEY_EXPECTED = "dollars and cents such as 1234.56, 1,234.56 or $1,234.56"


def money_cents(value: str) -> int:
    """An amount of money in whole cents: ``1234.56``, ``1,234.56`` or ``$1,234.56``.

    Anything else is refused, in particular decimal commas (``1234,56``, ``1.234,56``), groups
    that are not three digits (``12,34,567``), stray commas and fractions of a cent.
    """
    if not _MONEY.fullmatch(value):
        if value.lstrip("$").startswith("-") and _MONEY.fullmatch(value.replace("-", "", 1)):
            raise CellProblem(f"{value} is negative", "a non-negative amount: " + MONEY_EXPECTED)
        raise CellProblem(f"{shown(value)} is not an amount", MONEY_EXPECTED)
    whole, _, fraction = value.lstrip("$").replace(",", "").partition(".")
    if len(whole) > len(str(MAX_DOLLARS)) or int(whole) > MAX_DOLLARS:
        raise CellProblem(f"{shown(value)} is more than any provider is paid",
                          f"an amount of at most ${MAX_DOLLARS:,}")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


NUMBER_EXPECTED = "a non-negative number such as 1234 or 1,234.5"


def number(value: str) -> Decimal:
    """A non-negative decimal number (annualized members may be fractional)."""
    if not _NUMBER.fullmatch(value):
        if value.startswith("-") and _NUMBER.fullmatch(value[1:]):
            raise CellProblem(f"{value} is negative", NUMBER_EXPECTED)
        raise CellProblem(f"{shown(value)} is not a number", NUMBER_EXPECTED)
    return Decimal(value.replace(",", ""))


def flag(value: str) -> bool:
    """yes/no (also y/n, true/false, 1/0; any case)."""
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellProblem(f"{shown(value)} is not yes/no", "yes or no")
