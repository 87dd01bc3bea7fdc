"""Percentile rank of a raw score among peer practices' scores, with explicit tie handling."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from fractions import Fraction
from typing import Literal

PercentileMethod = Literal["midrank", "strict-below", "inclusive"]
METHODS: tuple[PercentileMethod, ...] = ("midrank", "strict-below", "inclusive")


def percentile_rank(
    peers: Sequence[Fraction],
    score: Fraction,
    method: PercentileMethod,
    *,
    moved_from: Fraction | None = None,
) -> Fraction:
    """Percentile (0–100, exact) of ``score`` among ``peers`` (sorted, the practice included).

    ``peers`` holds every peer score once, the practice's own current score among them. With
    ``moved_from`` the practice's score is taken out of ``peers`` at that value and put back at
    ``score`` (what-if; the other peers are held fixed).

    - ``midrank``: (peers strictly below + ½ × peers equal, the practice counted) / N × 100
    - ``strict-below``: peers strictly below / N × 100
    - ``inclusive``: peers at or below, the practice counted / N × 100
    """
    own = score if moved_from is None else moved_from
    total = len(peers)
    below = bisect_left(peers, score) - (1 if own < score else 0)
    equal_others = (
        bisect_right(peers, score) - bisect_left(peers, score) - (1 if own == score else 0)
    )
    if method == "midrank":
        count = below + Fraction(equal_others + 1, 2)
    elif method == "strict-below":
        count = Fraction(below)
    elif method == "inclusive":
        count = Fraction(below + equal_others + 1)
    else:  # pragma: no cover - typer restricts the choice
        raise ValueError(f"unknown percentile method {method!r}")
    return count * 100 / total
