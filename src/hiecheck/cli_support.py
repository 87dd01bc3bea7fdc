"""Small pieces every command shares: the --as-of date, the --output stream, the progress bar."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from hiecheck.console import make_console
from hiecheck.errors import InputError
from hiecheck.outputs import report_output

if TYPE_CHECKING:
    from rich.progress import ProgressColumn


class ReadSource(Protocol):
    """What the progress bar needs of a source a command reads (``hl7.reader.Source`` is one)."""

    @property
    def path(self) -> str: ...

    @property
    def stream(self) -> bool: ...


def parse_date(value: str | None, option: str = "--as-of") -> date:
    """A YYYY-MM-DD option value, or today when it is not given."""
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(option, f"{value!r} is not a date", expected="YYYY-MM-DD") from None


def output_stream(path: Path | None) -> AbstractContextManager[TextIO]:
    """Standard output or ``path``, written safely (see :func:`hiecheck.outputs.report_output`,
    which commands that know their inputs call with them)."""
    return report_output(path)


def _shown(quiet: bool) -> bool:
    """Whether a progress bar is shown: not ``quiet`` and stderr is a terminal."""
    return not quiet and sys.stderr.isatty()


def _bar(
    stack: ExitStack, label: str, total: int | None, columns: Sequence[ProgressColumn]
) -> Callable[[int], None]:
    """A transient rich progress bar on stderr, closed with ``stack``: its advance callback."""
    from rich.progress import BarColumn, Progress

    progress = stack.enter_context(
        Progress(label, BarColumn(), *columns, console=make_console(stderr=True), transient=True)
    )
    task = progress.add_task(label, total=total)

    def advance(n: int) -> None:
        progress.update(task, advance=n)

    return advance


def byte_progress(
    sources: Sequence[ReadSource] | Callable[[], Sequence[ReadSource]],
    quiet: bool,
    stack: ExitStack,
    label: str,
) -> Callable[[int], None] | None:
    """A callback advancing a rich progress bar on stderr by bytes read, or None when ``quiet``
    or stderr is not a terminal. ``sources`` are what the command reads, or a function giving
    them, called only when a bar is shown (each command's reader expands folders and globs, so
    this module knows no reader). The bar has no total when a stream is read (stdin, a pipe, a
    device). It closes with ``stack``."""
    if not _shown(quiet):
        return None
    if callable(sources):
        sources = sources()
    from rich.progress import DownloadColumn, TimeRemainingColumn

    total = None if any(s.stream for s in sources) else sum(_size(s.path) for s in sources)
    return _bar(stack, label, total, [DownloadColumn(), TimeRemainingColumn()])


def count_progress(
    total: int, quiet: bool, stack: ExitStack, label: str
) -> Callable[[int], None] | None:
    """A callback advancing a progress bar on stderr by items done (``12/40``), or None when
    ``quiet`` or stderr is not a terminal. The bar closes with ``stack``."""
    if not _shown(quiet):
        return None
    from rich.progress import MofNCompleteColumn, TimeRemainingColumn

    return _bar(stack, label, total, [MofNCompleteColumn(), TimeRemainingColumn()])


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:  # reported when it is read
        return 0
