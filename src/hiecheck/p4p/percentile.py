"""Percentile rank of a raw score among peer practices' scores, with explicit tie handling.

Scores are numerator/denominator pairs. As floats they order exactly: counts are at most
``cells.MAX_COUNT`` (10⁷), so two different fractions differ by at least 10⁻¹⁴, far more than a
float's rounding, and equal fractions give the same float. Ranks are counted in half units
(a tie counts ½) so that every percentile is an exact integer ratio.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from hiecheck.p4p.exact import Ratio, ceil_div
from hiecheck.p4p.models import PercentileMethod, PercentilePeers

METHODS: tuple[PercentileMethod, ...] = ("midrank", "strict-below", "inclusive")
# Half units an equal peer counts for: ½, nothing, all of it.
_TIE_WEIGHT: dict[PercentileMethod, int] = {"midrank": 1, "strict-below": 0, "inclusive": 2}


class Ranking:
    """How ranks are counted: the method, and whether the practice counts among its peers."""

    def __init__(self, method: PercentileMethod, peers: PercentilePeers) -> None:
        self.method = method
        self.peers = peers
        self.tie = _TIE_WEIGHT[method]
        # With 'all', the practice is one of the equal peers (and one more peer).
        self.own = self.tie if peers == "all" else 0
        self.extra = 1 if peers == "all" else 0


class Peers:
    """One measure's raw scores from every practice with a valid result, sorted."""

    def __init__(self, nums: Sequence[int], dens: Sequence[int]) -> None:
        keys = [n / d for n, d in zip(nums, dens, strict=True)]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self.keys = array("d", [keys[i] for i in order])
        self.nums = array("q", [nums[i] for i in order])
        self.dens = array("q", [dens[i] for i in order])

    def __len__(self) -> int:
        return len(self.keys)

    def others(self, ranking: Ranking) -> int:
        """The number of peers a practice in this group is ranked against."""
        return len(self.keys) - 1 + ranking.extra

    def half_units(self, num: int, den: int, ranking: Ranking) -> int:
        """2 × (peers below + the tie's share of equal peers) for the practice's own score."""
        key = num / den
        below = bisect_left(self.keys, key)
        equal_others = bisect_right(self.keys, key) - below - 1
        return 2 * below + ranking.tie * equal_others + ranking.own

    def fewest_members(
        self, own: tuple[int, int], need: int, ranking: Ranking, room: int
    ) -> int | None:
        """Fewest members added to the numerator of ``own`` (others fixed) for its half units
        to reach ``need``; None if more than ``room`` would be needed or none can suffice."""
        need_from_others = need - ranking.own
        others = len(self.keys) - 1
        if need_from_others > 2 * others:
            return None
        num, den = own
        if need_from_others <= 0:
            return 1 if room else None
        own_key = num / den
        position = bisect_left(self.keys, own_key)
        index = ceil_div(need_from_others, 2) - 1  # among the others, sorted
        index += 1 if index >= position else 0  # skip the practice's own score
        v_key, v_num, v_den = self.keys[index], self.nums[index], self.dens[index]
        below = bisect_left(self.keys, v_key) - (1 if own_key < v_key else 0)
        equal = bisect_right(self.keys, v_key) - bisect_left(self.keys, v_key)
        equal -= 1 if own_key == v_key else 0
        gap = v_num * den - num * v_den  # (v − own) × den × v_den
        if 2 * below + ranking.tie * equal >= need_from_others:
            add = ceil_div(gap, v_den)  # reach v
        else:
            add = gap // v_den + 1  # pass v
        add = max(add, 1)
        return add if add <= room else None


def percentile(half_units: int, peers: int) -> Ratio:
    """The percentile (0–100) as an exact ratio."""
    return 50 * half_units, peers
