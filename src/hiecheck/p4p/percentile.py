"""Percentile rank of a raw score among peer practices' scores, with explicit tie handling.

Scores are numerator/denominator pairs. As floats they order exactly: counts are at most
``cells.MAX_COUNT`` (10⁷), so two different fractions differ by at least 10⁻¹⁴, far more than a
float's rounding, and equal fractions give the same float. Ranks are counted in half units
(a tie counts ½) so that every percentile is an exact integer ratio.

A measure's scores are sorted once; each run of equal scores (a group) is known by where it
starts and ends in that order, so a practice's rank is two look-ups and the Table A what-if
(``pcmh``) finds the score to reach by its position, without searching.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Sequence
from itertools import chain, compress, islice, repeat
from operator import add, mul, ne, sub, truediv

from hiecheck.p4p.exact import Ratio
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
    """One measure's raw scores from every practice with a valid result.

    ``nums``/``dens`` are the scores in the callers' order (entry ``k``); the sorted order keeps
    each position's counts and the bounds of its group of equal scores; ``below[k]`` is where
    entry ``k``'s group starts (the peers strictly below it). Arrays of C ints: counts are at
    most ``cells.MAX_COUNT`` and positions at most the rows of a file.
    """

    def __init__(self, nums: Sequence[int], dens: Sequence[int]) -> None:
        size = len(nums)
        keys = list(map(truediv, nums, dens))
        order = sorted(range(size), key=keys.__getitem__)
        ordered = list(map(keys.__getitem__, order))
        # Groups from the sorted keys alone (where a key differs from the one before): no
        # dictionary of 100,000 floats, whose hashing cost more than the sort.
        firsts = [0, *compress(range(1, size), map(ne, ordered, islice(ordered, 1, None)))]
        lasts = [*islice(firsts, 1, None), size] if size else []
        counts = list(map(sub, lasts, firsts))
        self.nums = array("i", map(nums.__getitem__, order))
        self.dens = array("i", map(dens.__getitem__, order))
        self.starts = array("i", chain.from_iterable(map(repeat, firsts, counts)))
        self.ends = array("i", chain.from_iterable(map(repeat, lasts, counts)))
        self.below = array("i", [0]) * size
        deque(map(self.below.__setitem__, order, self.starts), maxlen=0)
        self._group_end = array("i", [0]) * size
        deque(map(self._group_end.__setitem__, order, self.ends), maxlen=0)

    def __len__(self) -> int:
        return len(self.nums)

    def others(self, ranking: Ranking) -> int:
        """The number of peers a practice in this group is ranked against."""
        return len(self.nums) - 1 + ranking.extra

    def half_units(self, ranking: Ranking) -> list[int]:
        """For each entry: 2 × (peers below + the tie's share of equal peers)."""
        tie, own = ranking.tie, ranking.own
        # 2·below + tie·(end − below − 1) + own = (2 − tie)·below + tie·end + (own − tie),
        # in whole-column maps
        return list(map(
            add,
            map(add, map(mul, self.below, repeat(2 - tie)), map(mul, self._group_end, repeat(tie))),
            repeat(own - tie),
        ))


def percentile(half_units: int, peers: int) -> Ratio:
    """The percentile (0–100) as an exact ratio."""
    return 50 * half_units, peers
