"""How many cores a run may use, and how many are idle right now (so that a run forks helpers
only onto a core no one else is using)."""

from __future__ import annotations

import os


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def idle_cores() -> int:
    """The cores no other process is running on right now (Linux: the runnable tasks of
    ``/proc/loadavg``, this one included); every core where that cannot be known."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            running = int(f.read().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return cores()
    return max(1, cores() - running + 1)
