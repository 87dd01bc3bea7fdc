"""Ctrl-C and SIGTERM around forked processes and the command line.

The terminal sends Ctrl-C to the whole process group, and a CI runner or ``timeout`` sends
SIGTERM the same way: a forked child that kept this process's Python handlers raised
KeyboardInterrupt or :class:`hiecheck.errors.Terminated` in its work, or in Python's or
multiprocessing's start-up code, and printed a traceback beside this process's one line. So
children take the signals' default actions (they end outright; this process lets go of them),
and the signals are blocked from just before the fork until the child has set that up.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

T = TypeVar("T")

QUIET = frozenset({signal.SIGINT, signal.SIGTERM})
TERM = frozenset({signal.SIGTERM})  # pool workers: Ctrl-C is left to concurrent.futures


@contextmanager
def blocked(signals: frozenset[signal.Signals] = QUIET) -> Iterator[None]:
    """``signals`` held back in this thread (and in any process forked meanwhile, which
    inherits the mask) until the block ends; one that arrived meanwhile is delivered then."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def quiet_child(signals: frozenset[signal.Signals] = QUIET) -> None:
    """In a forked child: ``signals`` take their default actions, then are unblocked. Never
    raises (a child must not return into its parent's code with an error)."""
    with suppress(ValueError, OSError):
        for sig in signals:
            signal.signal(sig, signal.SIG_DFL)
    with suppress(ValueError, OSError):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)


def first_submit(pool: Executor, work: Callable[..., T], *args: Any) -> Future[T]:
    """``pool.submit(work, *args)`` for a process pool's first task, which forks its workers
    (the start method on Linux): SIGTERM is held back until each worker's initializer has
    called ``quiet_child(TERM)`` (the command line's handler, inherited, would print a
    traceback from multiprocessing's start-up code)."""
    with blocked(TERM):
        return pool.submit(work, *args)
