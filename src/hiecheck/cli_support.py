"""Small pieces every command shares: the --as-of date, the --output stream, the progress bar."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, ExitStack
from datetime import date
from pathlib import Path
from typing import TextIO

from hiecheck.console import make_console
from hiecheck.errors import InputError
from hiecheck.hl7.reader import STDIN_NAME, Source, expand_sources, is_message_name
from hiecheck.outputs import Reads, report_output


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


def byte_progress(
    paths: Sequence[str | Source], quiet: bool, stack: ExitStack, label: str
) -> Callable[[int], None] | None:
    """A callback advancing a rich progress bar on stderr by bytes read, or None when ``quiet``
    or stderr is not a terminal. ``paths`` are what the command reads (files, folders, globs,
    ``-``, or sources already expanded); names are expanded only when a bar is shown. The bar
    has no total when a stream is read (stdin, a pipe, a device). It closes with ``stack``."""
    if quiet or not sys.stderr.isatty():
        return None
    sources = [p for p in paths if isinstance(p, Source)]
    sources += expand_sources([p for p in paths if not isinstance(p, Source)])
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    total = None if any(s.stream for s in sources) else sum(_size(s.path) for s in sources)
    progress = stack.enter_context(
        Progress(label, BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                 console=make_console(stderr=True), transient=True)
    )
    task = progress.add_task(label, total=total)

    def advance(n: int) -> None:
        progress.update(task, advance=n)

    return advance


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:  # reported when it is read
        return 0


def hl7_reads(sources: Iterable[Source], given: Iterable[str], *more: str | Path) -> Reads:
    """What a command reading HL7 ``sources`` (expanded from the ``given`` names) reads, plus
    ``more`` files (an organization file): outputs must be none of it."""
    # Streams too: stdin or /dev/fd/N may be a redirected file (`validate - < x.hl7 -o x.hl7`).
    files = ["/dev/stdin" if s.path == STDIN_NAME else s.path for s in sources]
    folders = [g for g in given if os.path.isdir(g)]
    return Reads.of([*files, *map(str, more)], folders, is_message_name)
