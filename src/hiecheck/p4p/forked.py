"""A value made in a forked child while this process does something else, sent back pickled.

``Later(make)`` forks a child that calls ``make()`` and writes the pickled result to a pipe;
``get()`` reads it. Whenever the child cannot give it (``os.fork`` missing or failing, ``make``
raised, the child died), ``get()`` calls ``make()`` here instead, so any error is raised in this
process exactly as without a child. Only worth it for large inputs on several cores
(``worth_forking``).
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import Generic, TypeVar

from hiecheck.cores import cores, idle_cores
from hiecheck.signals import blocked, quiet_child

T = TypeVar("T")
MINIMUM = 20_000  # practices below which a fork costs more than it saves


def worth_forking(count: int) -> bool:
    """Whether ``count`` items are worth a forked child: fork exists, large, and another core
    is idle (on a busy machine a child only adds the cost of forking)."""
    return hasattr(os, "fork") and count >= MINIMUM and cores() >= 2 and idle_cores() >= 2


def flush_standard_streams() -> None:
    """Flush stdout and stderr before a fork (a child never writes what the parent buffered);
    a stream that is missing or closed is left alone."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(AttributeError, OSError, ValueError):
            stream.flush()


def fork_quietly() -> int:
    """``os.fork()``, the child ended outright by Ctrl-C or SIGTERM (their default actions;
    see :mod:`hiecheck.signals`)."""
    with blocked():
        pid = os.fork()
        if pid == 0:
            quiet_child()
    return pid


class Later(Generic[T]):
    """``make()``, made in a forked child when ``fork`` (see the module docstring)."""

    def __init__(self, make: Callable[[], T], *, fork: bool) -> None:
        self.make = make
        self.pid = 0
        self.pipe = -1
        if fork and hasattr(os, "fork"):
            self._start()

    def _start(self) -> None:
        read_end, write_end = os.pipe()
        flush_standard_streams()
        try:
            pid = fork_quietly()
        except OSError:  # no process to be had (a process limit, memory): made here by get()
            os.close(read_end)
            os.close(write_end)
            return
        if pid == 0:  # the child: never returns into the caller
            code = 1
            try:
                os.close(read_end)
                gc.disable()  # the parent's objects stay shared
                data = pickle.dumps(self.make(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        self.pid, self.pipe = pid, read_end

    def get(self) -> T:
        """The value: the child's, or made here when the child could not."""
        if not self.pid:
            return self.make()
        with os.fdopen(self.pipe, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid, self.pipe = 0, -1
        if os.waitstatus_to_exitcode(status) == 0 and data:
            value: T = pickle.loads(data)
            return value
        return self.make()

    def cancel(self) -> None:
        """Stop the child if it still runs (the value is not wanted)."""
        if self.pid:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            os.close(self.pipe)
            self.pid, self.pipe = 0, -1
