"""Fewest additional numerator members that lift a rate (or a mean of rates) to a target."""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

from hiecheck.p4p.exact import Ratio, ceil_div
from hiecheck.p4p.inputs import Counts


def members_to_rate(numerator: int, denominator: int, target_percent: Ratio) -> int | None:
    """Fewest k with (numerator + k) / denominator × 100 ≥ target; None if not reachable."""
    if denominator == 0:
        return None
    p, q = target_percent
    needed = max(0, ceil_div(p * denominator - 100 * q * numerator, 100 * q))
    return needed if needed <= denominator - numerator else None


def members_to_mean_rate(
    measures: Mapping[str, Counts], target_percent: Fraction
) -> dict[str, int] | None:
    """Fewest members, per measure, that lift the mean of the measures' rates to the target.

    Only measures with a denominator count. One member adds 1/denominator to its measure's rate,
    so the cheapest members are on the smallest denominators; taking them first (up to each
    measure's remaining room) gives the fewest members in total. None if not reachable.
    """
    rated = {m: c for m, c in measures.items() if c.denominator}
    if not rated:
        return None
    short = target_percent * len(rated) / 100 - sum(
        (Fraction(c.numerator, c.denominator) for c in rated.values()), Fraction(0)
    )
    added: dict[str, int] = {}
    for measure, counts in sorted(rated.items(), key=lambda item: (item[1].denominator, item[0])):
        if short <= 0:
            break
        room = counts.denominator - counts.numerator
        take = min(room, math.ceil(short * counts.denominator))
        if take:
            added[measure] = take
            short -= Fraction(take, counts.denominator)
    return added if short <= 0 else None
