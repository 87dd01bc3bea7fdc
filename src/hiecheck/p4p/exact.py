"""Exact arithmetic on integers: ratios as (numerator, denominator), money in whole cents.

Fractions would do, but 100,000 providers make millions of them; integer pairs compared by
cross-multiplication are exact and a few times faster. Rounding is half-up, only for output.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

Ratio = tuple[int, int]  # numerator, denominator > 0


def ratio(value: Decimal | int | Fraction) -> Ratio:
    """A profile number (a Decimal read exactly from text) as a ratio, in lowest terms."""
    if isinstance(value, int):
        return value, 1
    return value.as_integer_ratio()


def at_least(a: Ratio, b: Ratio) -> bool:
    """a ≥ b."""
    return a[0] * b[1] >= b[0] * a[1]


def more_than(a: Ratio, b: Ratio) -> bool:
    """a > b."""
    return a[0] * b[1] > b[0] * a[1]


def reaches(a: Ratio, lower: Ratio, inclusive: bool) -> bool:
    """a ≥ lower (inclusive) or a > lower."""
    return at_least(a, lower) if inclusive else more_than(a, lower)


def add(a: Ratio, b: Ratio) -> Ratio:
    return a[0] * b[1] + b[0] * a[1], a[1] * b[1]


def sub(a: Ratio, b: Ratio) -> Ratio:
    return a[0] * b[1] - b[0] * a[1], a[1] * b[1]


def ceil_div(a: int, b: int) -> int:
    """⌈a / b⌉ for b > 0."""
    return -(-a // b)


def round_half_up(num: int, den: int) -> int:
    """num / den rounded half-up to an integer (away from zero on a tie), den > 0."""
    if num >= 0:
        return (2 * num + den) // (2 * den)
    return -((-2 * num + den) // (2 * den))


def decimal(num: int, den: int, places: int) -> Decimal:
    """num / den rounded half-up to ``places`` decimals."""
    return Decimal(round_half_up(num * 10**places, den)).scaleb(-places)


def decimal_up(num: int, den: int, places: int) -> Decimal:
    """num / den rounded up (toward +∞) to ``places`` decimals: a needed amount that suffices."""
    return Decimal(ceil_div(num * 10**places, den)).scaleb(-places)


def up_units(num: int, den: int) -> int:
    """``decimal_up(num, den, 4)``'s digits: num / den × 10⁴ rounded up."""
    return -(-num * 10000 // den)


def from_up_units(units: int) -> Decimal:
    """The Decimal ``decimal_up(..., 4)`` gives for ``up_units``."""
    return Decimal(units).scaleb(-4)


_TEN_THOUSANDTH = Decimal("0.0001")
_CENT = Decimal("0.01")


def percent(value: Ratio) -> Decimal:
    """A score or percentile for output: 4 decimals, rounded toward zero, so that a shown value
    is never on the other side of a threshold than the exact one (26.99996% shows 26.9999)."""
    return from_percent_units(percent_units(value))


def percent_units(value: Ratio) -> int:
    """``percent``'s digits: the value × 10⁴, rounded toward zero."""
    num, den = value
    if num >= 0:
        return num * 10000 // den
    return -(-num * 10000 // den)


def from_percent_units(units: int) -> Decimal:
    """The Decimal ``percent`` gives for ``percent_units``: 4 decimals, always."""
    return Decimal(units) * _TEN_THOUSANDTH


def cents(amount: int) -> Decimal:
    """Whole cents as dollars: 123456 → Decimal('1234.56')."""
    return Decimal(amount) * _CENT


def money(value: Ratio) -> int:
    """An exact amount of dollars as whole cents, half-up."""
    return round_half_up(value[0] * 100, value[1])


def largest_remainder(total: int, weights: list[int]) -> list[int]:
    """``total`` (cents) split in proportion to ``weights``, in whole units that add up to it.

    Each part is rounded down; the units left go one each to the largest remainders (ties: the
    earlier weight first). All weights 0: all parts 0.
    """
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    parts = [total * w // whole for w in weights]
    left = total - sum(parts)
    if left:
        remainders = sorted(
            range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i)
        )
        for i in remainders[:left]:
            parts[i] += 1
    return parts
