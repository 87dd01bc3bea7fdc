"""Where P4P CSV text comes from: a file or standard input (``-``), never more than a set size.

A regular file is refused by its size before anything is parsed; a pipe, standard input or a
device (``/dev/zero``) is counted while it is read and reading stops at the limit. Text is
decoded and cut into lines block by block, so one endless line cannot fill memory either, and a
byte that is not UTF-8 is reported with its line.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from hiecheck.errors import InputError
from hiecheck.limits import CSV_MAX_BYTES, too_large

STDIN = "-"
STDIN_NAME = "<stdin>"
MAX_CSV_BYTES = CSV_MAX_BYTES  # the documented limit (hiecheck.limits); tests may lower it
_WHAT = "a P4P CSV file"
MAX_LINE_CHARS = 64 * 1024
_BLOCK = 1 << 20


def source_name(path: str) -> str:
    """How errors name the input: the path as given, or ``<stdin>`` for ``-``."""
    return STDIN_NAME if path == STDIN else path


class TextProblem(Exception):
    """The text stops being readable at ``line``: not UTF-8, or a line that never ends."""

    def __init__(self, line: int, problem: str, expected: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem
        self.expected = expected


def _open_binary(path: str, limit: int) -> BinaryIO:
    name = source_name(path)
    if path == STDIN:
        return sys.stdin.buffer
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by open_lines
    except OSError as exc:
        raise InputError(name, f"cannot read file: {exc.strerror or exc}") from None
    info = os.fstat(handle.fileno())
    if stat.S_ISDIR(info.st_mode):
        handle.close()
        raise InputError(name, "is a folder", expected="a CSV file")
    if stat.S_ISREG(info.st_mode) and info.st_size > limit:
        handle.close()
        raise too_large(name, limit, _WHAT)
    return handle


def _blocks(raw: BinaryIO, name: str, limit: int, line_limit: int) -> Iterator[list[str]]:
    """Lists of complete lines (line ends kept), decoded from UTF-8 (a BOM is dropped)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    carry = ""
    lines_done = 0
    total = 0
    while True:
        try:
            data = raw.read(_BLOCK)
        except OSError as exc:
            raise InputError(name, f"cannot read: {exc.strerror or exc}") from None
        total += len(data)
        if total > limit:
            raise too_large(name, limit, _WHAT)
        final = not data
        try:
            text = carry + decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            line = lines_done + carry.count("\n") + data[: max(exc.start, 0)].count(b"\n") + 1
            raise TextProblem(line, "not UTF-8 text", "a UTF-8 CSV file") from None
        cut = len(text) if final else text.rfind("\n") + 1
        if not cut:  # no LF: lines may end in CR alone (a CR at the very end may precede a LF)
            cut = text.rfind("\r", 0, len(text) - 1) + 1
        piece, carry = text[:cut], text[cut:]
        lines = io.StringIO(piece, newline="").readlines()
        if len(carry) > line_limit or max(map(len, lines), default=0) > line_limit:
            long_at = next((i for i, line in enumerate(lines) if len(line) > line_limit), None)
            line = lines_done + 1 + (long_at if long_at is not None else len(lines))
            raise TextProblem(
                line, f"line longer than {line_limit:,} characters", "a CSV row per line"
            )
        lines_done += len(lines)
        yield lines
        if final:
            return


@contextmanager
def open_blocks(
    path: str, limit: int | None = None, line_limit: int | None = None
) -> Iterator[Iterator[list[str]]]:
    """The lines of ``path`` (``-``: standard input) in blocks of complete lines (ends kept);
    ``InputError`` past ``limit`` bytes, ``TextProblem`` for a byte that is not UTF-8 or an
    over-long line."""
    name = source_name(path)
    limit = MAX_CSV_BYTES if limit is None else limit
    line_limit = MAX_LINE_CHARS if line_limit is None else line_limit
    raw = _open_binary(path, limit)
    try:
        yield _blocks(raw, name, limit, line_limit)
    finally:
        if raw is not sys.stdin.buffer:
            raw.close()
