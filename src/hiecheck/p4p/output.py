"""Where a P4P report goes: the shared ``report_output`` (stdout or ``--output FILE``: never an
input, replaced atomically, every write error one line; characters a console cannot show become
plain ASCII, JSON and HTML escaped losslessly), behind a buffer so that 100,000 providers' lines
reach the stream in large writes."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, TextIO

from hiecheck.console import Escape
from hiecheck.outputs import Reads, report_output

Kind = Literal["text", "json", "html"]
_ESCAPE: dict[Kind, Escape] = {"text": "text", "json": "json", "html": "xml"}
_FLUSH_AT = 1 << 16


class Out:
    """Buffered text for one report."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.is_terminal = bool(stream.isatty())
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= _FLUSH_AT:
            self.flush()

    def lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line + "\n")

    def discard(self) -> None:
        """Drop what is buffered (a forked renderer's text before its range)."""
        self._parts.clear()
        self._size = 0

    def flush(self) -> None:
        if self._parts:
            self.stream.write("".join(self._parts))
            self._parts.clear()
            self._size = 0


@contextmanager
def open_output(path: Path | None, kind: Kind, reads: Reads) -> Iterator[Out]:
    """An ``Out`` on standard output or ``path``; ``reads`` are the run's inputs (refused)."""
    owner = os.getpid()
    with report_output(path, reads, _ESCAPE[kind]) as stream:
        out = Out(stream)
        try:
            yield out
        finally:
            if os.getpid() != owner:  # a forked renderer (``split``) never closes the report
                os._exit(2)
        out.flush()
