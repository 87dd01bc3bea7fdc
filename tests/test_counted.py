"""Counted statistics (value -> how often) equal the plain ones."""

from __future__ import annotations

import random
import statistics
from collections import Counter

import pytest

from hiecheck.counted import counted_at_most, counted_median


@pytest.mark.parametrize(
    ("counts", "expected"),
    [({5.0: 1}, 5.0), ({1.0: 1, 3.0: 1}, 2.0), ({1.0: 2, 9.0: 1}, 1.0),
     ({1.0: 1, 2.0: 1, 7.0: 2}, 4.5)],
)
def test_counted_median_is_the_median(counts: dict[float, int], expected: float) -> None:
    values = [v for v, n in counts.items() for _ in range(n)]
    assert counted_median(Counter(counts)) == statistics.median(values) == expected


def test_counted_statistics_on_random_values() -> None:
    rng = random.Random(4)
    for _ in range(300):
        values = [float(rng.randint(-5, 40)) for _ in range(rng.randint(1, 60))]
        counts = Counter(values)
        assert counted_median(counts) == statistics.median(values)
        limit = rng.randint(-5, 40)
        assert counted_at_most(counts, limit) == sum(1 for v in values if v <= limit)


def test_no_values_has_no_median() -> None:
    with pytest.raises(ValueError):
        counted_median(Counter())
