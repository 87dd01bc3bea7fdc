"""Statistics of values kept as value -> how often: memory grows with the distinct values only.

Latencies in whole seconds repeat across a feed, so a capture of millions of messages keeps a few
thousand counters instead of millions of floats.
"""

from __future__ import annotations

from collections import Counter


def counted_median(counts: Counter[float]) -> float:
    """The median of the counted values, as ``statistics.median`` gives it for the plain list
    (the mean of the two middle values when their number is even). ``counts`` must not be empty."""
    total = sum(counts.values())
    if total <= 0:
        raise ValueError("no values to take the median of")
    middle = [(total - 1) // 2, total // 2]  # 0-based ranks of the middle value(s)
    found: list[float] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
        if not middle:
            break
    return (found[0] + found[1]) / 2


def counted_at_most(counts: Counter[float], limit: float) -> int:
    """How many counted values are at most ``limit``."""
    return sum(n for value, n in counts.items() if value <= limit)
