"""Exact arithmetic helpers: Fractions inside, Decimals rounded half-up only for output."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from hiecheck.p4p.profile import Band

CENT = Decimal("0.01")
PERCENT_PLACES = Decimal("0.0001")


def frac(value: Decimal | int) -> Fraction:
    """A Decimal or int as an exact Fraction."""
    return Fraction(value)


def _decimal(value: Fraction, places: Decimal) -> Decimal:
    """``value`` rounded half-up (away from zero on a tie) to the exponent of ``places``."""
    digits = -places.as_tuple().exponent
    scaled = abs(value.numerator) * 10**digits
    units = (2 * scaled + value.denominator) // (2 * value.denominator)
    if value < 0:
        units = -units
    return Decimal(units).scaleb(-digits).quantize(places)


def cents(value: Fraction) -> Decimal:
    """Money for output: rounded half-up to cents."""
    return _decimal(value, CENT)


def percent(value: Fraction) -> Decimal:
    """A percentage for output: rounded half-up to 4 decimal places."""
    return _decimal(value, PERCENT_PLACES)


def rate_percent(numerator: int, denominator: int) -> Fraction | None:
    """numerator / denominator × 100, exactly; None when the denominator is 0."""
    return Fraction(numerator * 100, denominator) if denominator else None


def band_for(value: Fraction, bands: Sequence[Band]) -> Band | None:
    """The band with the greatest lower bound that ``value`` reaches (≥ if inclusive, else >)."""
    chosen = None
    for band in bands:
        low = frac(band.lower)
        if value > low or (band.inclusive and value == low):
            chosen = band
    return chosen


def next_band(current: Band | None, bands: Sequence[Band]) -> Band | None:
    """The band after ``current`` (the first band when ``current`` is None)."""
    if current is None:
        return bands[0] if bands else None
    index = list(bands).index(current)
    return bands[index + 1] if index + 1 < len(bands) else None


def reaches(value: Fraction, band: Band) -> bool:
    """Whether ``value`` is inside ``band`` or above its lower bound."""
    low = frac(band.lower)
    return value > low or (band.inclusive and value == low)


def percent_up(value: Fraction) -> Decimal:
    """A needed amount for output: rounded up (toward +∞) to 4 decimal places, so it suffices."""
    digits = -PERCENT_PLACES.as_tuple().exponent
    units = math.ceil(value * 10**digits)
    return Decimal(units).scaleb(-digits).quantize(PERCENT_PLACES)
