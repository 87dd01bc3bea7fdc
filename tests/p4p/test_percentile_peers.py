"""``percentile.Peers`` (the sorted order, groups of equal scores, each entry's rank) against
the definition counted pair by pair with exact fractions: ties between equal fractions with
different denominators (1/2, 2/4), zero numerators, a single peer, every score equal."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from hiecheck.p4p.percentile import METHODS, Peers, Ranking


def _naive(nums: list[int], dens: list[int]) -> dict[str, list[int]]:
    scores = [Fraction(n, d) for n, d in zip(nums, dens, strict=True)]
    order = sorted(range(len(scores)), key=lambda k: (scores[k], k))  # stable, like sorted()
    ordered = [scores[k] for k in order]
    return {
        "nums": [nums[k] for k in order],
        "dens": [dens[k] for k in order],
        "starts": [sum(1 for s in ordered if s < v) for v in ordered],
        "ends": [sum(1 for s in ordered if s <= v) for v in ordered],
        "below": [sum(1 for s in scores if s < v) for v in scores],
        "equal": [sum(1 for s in scores if s == v) - 1 for v in scores],
    }


def _draw(rng: random.Random) -> tuple[list[int], list[int]]:
    size = rng.choice([1, 2, 3, 5, 17, 60])
    kind = rng.choice(["small", "tied", "same", "wide"])
    nums, dens = [], []
    for _ in range(size):
        if kind == "same":
            den = rng.choice([30, 60, 90])
            num = den // 3
        else:
            den = rng.choice([2, 4, 6, 30, 60]) if kind == "tied" else rng.randint(1, 12)
            if kind == "wide":
                den = rng.randint(1, 10_000_000)
            num = rng.choice([0, den, den // 2, rng.randint(0, den)])
        nums.append(num)
        dens.append(den)
    return nums, dens


@pytest.mark.parametrize("seed", range(60))
def test_peers_match_pairwise_counts(seed: int) -> None:
    rng = random.Random(seed)
    nums, dens = _draw(rng)
    peers = Peers(nums, dens)
    want = _naive(nums, dens)
    assert list(peers.nums) == want["nums"]
    assert list(peers.dens) == want["dens"]
    assert list(peers.starts) == want["starts"]
    assert list(peers.ends) == want["ends"]
    assert list(peers.below) == want["below"]
    for method in METHODS:
        for who in ("others", "all"):
            ranking = Ranking(method, who)  # type: ignore[arg-type]
            expected = [
                2 * below + ranking.tie * equal + ranking.own
                for below, equal in zip(want["below"], want["equal"], strict=True)
            ]
            assert peers.half_units(ranking) == expected, (method, who)


def test_no_peers() -> None:
    peers = Peers([], [])
    assert len(peers) == 0
    assert peers.half_units(Ranking("midrank", "others")) == []
