"""Integer figures as the report's text, digit for digit what the Decimal path writes.

A score or percentile is held as units of 10⁻⁴ (``exact.percent_units``), money as cents. The
report's Decimals for them (``exact.from_percent_units``, ``exact.cents``) always have 4 or 2
decimals in plain notation, so their text is the integer split at the point; beyond
``_PLAIN`` (where a Decimal's 28 digits of precision could round) the Decimal itself is used.
"""

from __future__ import annotations

from hiecheck.p4p.exact import cents, from_percent_units
from hiecheck.p4p.words import money

_PLAIN = 10**20


def units_text(units: int) -> str:
    """``str(exact.from_percent_units(units))``: ``12.3456``."""
    if 0 <= units < _PLAIN:
        whole, part = divmod(units, 10000)
        return f"{whole}.{part:04d}"
    return str(from_percent_units(units))


def cents_text(amount: int) -> str:
    """``str(exact.cents(amount))``: ``1234.56``."""
    if 0 <= amount < _PLAIN:
        whole, part = divmod(amount, 100)
        return f"{whole}.{part:02d}"
    return str(cents(amount))


def score_text(units: int) -> str:
    """``words.score`` of the Decimal: two decimals, toward zero: ``12.34``."""
    if 0 <= units < _PLAIN:
        whole, part = divmod(units // 100, 100)
        return f"{whole}.{part:02d}"
    return str(from_percent_units(units))[:-2]


def money_text(amount: int) -> str:
    """``words.money`` of the Decimal: ``$1,234.56``."""
    if 0 <= amount < _PLAIN:
        whole, part = divmod(amount, 100)
        return f"${whole:,}.{part:02d}"
    return money(cents(amount))
