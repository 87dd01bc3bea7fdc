"""Small pieces every command shares: the --as-of date and the --output stream."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TextIO

from hiecheck.errors import InputError


def parse_date(value: str | None, option: str = "--as-of") -> date:
    """A YYYY-MM-DD option value, or today when it is not given."""
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(option, f"{value!r} is not a date", expected="YYYY-MM-DD") from None


@contextmanager
def output_stream(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or ``path`` opened for writing (a path that can't be written is bad input).

    The file is only created once the report is ready to be written, and never an input file.
    """
    if path is None:
        yield sys.stdout
        return
    try:
        handle = path.open("w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise InputError(
            str(path), f"cannot write the report: {exc.strerror or exc}", location="--output"
        ) from None
    with handle:
        yield handle
