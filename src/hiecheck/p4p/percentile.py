"""Percentile rank of a raw score among peer practices' scores, with explicit tie handling."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from fractions import Fraction
from typing import Literal

PercentileMethod = Literal["midrank", "strict-below", "inclusive"]
METHODS: tuple[PercentileMethod, ...] = ("midrank", "strict-below", "inclusive")


class PeerScores:
    """One measure's peer raw scores, sorted, searchable exactly and quickly.

    Floats narrow the search (float() of a Fraction is correctly rounded, hence monotone); exact
    Fraction comparisons then settle any values whose floats coincide, so ties stay exact.
    """

    def __init__(self, scores: Iterable[Fraction]) -> None:
        self.exact = sorted(scores)
        self.approx = [float(s) for s in self.exact]

    def __len__(self) -> int:
        return len(self.exact)

    def bounds(self, score: Fraction) -> tuple[int, int]:
        """(number of peers < score, number of peers ≤ score), exactly."""
        key = float(score)
        left = bisect_left(self.approx, key)
        while left < len(self.exact) and self.exact[left] < score:
            left += 1
        right = bisect_right(self.approx, key)
        while right > 0 and self.exact[right - 1] > score:
            right -= 1
        return left, right


def percentile_rank(
    peers: PeerScores,
    score: Fraction,
    method: PercentileMethod,
    *,
    moved_from: Fraction | None = None,
) -> Fraction:
    """Percentile (0–100, exact) of ``score`` among ``peers`` (the practice's own score included).

    With ``moved_from`` the practice's score is taken out of ``peers`` at that value and put back
    at ``score`` (what-if; the other peers are held fixed). N is the number of peers.

    - ``midrank``: (peers strictly below + ½ × peers equal, the practice counted) / N × 100
    - ``strict-below``: peers strictly below / N × 100
    - ``inclusive``: peers at or below, the practice counted / N × 100
    """
    own = score if moved_from is None else moved_from
    left, right = peers.bounds(score)
    below = left - (1 if own < score else 0)
    equal_others = right - left - (1 if own == score else 0)
    if method == "midrank":
        count = below + Fraction(equal_others + 1, 2)
    elif method == "strict-below":
        count = Fraction(below)
    elif method == "inclusive":
        count = Fraction(below + equal_others + 1)
    else:  # pragma: no cover - typer restricts the choice
        raise ValueError(f"unknown percentile method {method!r}")
    return count * 100 / len(peers)
