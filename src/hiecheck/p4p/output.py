"""Where a P4P report goes: standard output or ``--output FILE``, written safely.

A file is written to a temporary file in its folder and renamed into place, so a failed run
never leaves a truncated report over a good one; an output that is one of the inputs (same path,
a symbolic or hard link to it) is refused before anything is read. A device (``/dev/null``) is
written directly. On a console whose encoding is not UTF-8 (cp1252, latin-1) every character it
cannot show becomes plain ASCII, losslessly escaped in JSON and HTML.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal, TextIO

from hiecheck.errors import InputError

Escape = Literal["text", "json", "html"]
_FLUSH_AT = 1 << 16
_ASCII = str.maketrans(
    {
        "—": "--", "–": "-", "−": "-", "…": "...", "’": "'", "‘": "'", "“": '"', "”": '"',
        "•": "-", "≥": ">=", "≤": "<=", "×": "x", "½": "1/2", "→": "->", "Σ": "sum ",
        "§": "S.", "⁷": "^7", "\u00a0": " ", "✔": "+", "✘": "x",
    }
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def to_ascii(text: str, escape: Escape) -> str:
    """``text`` with only ASCII characters: escaped (json, html) or replaced by look-alikes."""
    if text.isascii():
        return text
    if escape == "json":
        return _NON_ASCII.sub(_json_escape, text)
    if escape == "html":
        return text.encode("ascii", "xmlcharrefreplace").decode("ascii")
    return text.translate(_ASCII).encode("ascii", "replace").decode("ascii")


def is_utf8(stream: TextIO) -> bool:
    """Whether ``stream`` takes any character (its encoding is UTF-8)."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    except LookupError:
        return False


class Out:
    """Buffered text for one report; ASCII look-alikes or escapes where the target needs them."""

    def __init__(self, stream: TextIO, escape: Escape, *, name: str = "<stdout>") -> None:
        self.stream = stream
        self.escape = escape
        self.ascii_only = not is_utf8(stream)
        self.name = name
        self.is_terminal = bool(getattr(stream, "isatty", lambda: False)())
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

    def flush(self) -> None:
        text = "".join(self._parts)
        self._parts.clear()
        self._size = 0
        if self.ascii_only:
            text = to_ascii(text, self.escape)
        try:
            self.stream.write(text)
        except OSError as exc:
            raise InputError(
                self.name, f"cannot write the report: {exc.strerror or exc}", location="--output"
            ) from None


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def refuse_inputs(output: Path | None, inputs: Iterable[Path]) -> None:
    """An ``InputError`` when ``output`` is one of ``inputs`` (path, symlink or hard link)."""
    if output is None:
        return
    try:
        target = os.stat(output)
    except OSError:
        return  # does not exist yet (or cannot be read): it cannot be an input we read
    for path in inputs:
        try:
            if _same_file(target, os.stat(path)):
                raise InputError(
                    str(output),
                    f"is the input {path}; reports never overwrite an input",
                    location="--output",
                    expected="another file name",
                )
        except OSError:
            continue


@contextmanager
def open_output(path: Path | None, escape: Escape) -> Iterator[Out]:
    """An ``Out`` on standard output, or on ``path`` (UTF-8), renamed into place on success."""
    if path is None:
        out = Out(sys.stdout, escape)
        yield out
        out.flush()
        try:
            sys.stdout.flush()
        except OSError as exc:
            raise InputError(
                "<stdout>", f"cannot write the report: {exc.strerror or exc}"
            ) from None
        return
    name = str(path)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        if stat.S_ISDIR(mode):
            raise InputError(name, "is a folder", location="--output", expected="a file name")
        with _opened(path, name) as handle:  # a device or pipe: no temporary file next to it
            out = Out(handle, escape, name=name)
            yield out
            out.flush()
        return
    folder = path.parent
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(
            name, f"cannot write the report: {exc.strerror or exc}", location="--output"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            out = Out(handle, escape, name=name)
            yield out
            out.flush()
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, stat.S_IMODE(mode))
        os.replace(temp, path)
    except OSError as exc:
        _remove(temp)
        raise InputError(
            name, f"cannot write the report: {exc.strerror or exc}", location="--output"
        ) from None
    except BaseException:
        _remove(temp)
        raise


@contextmanager
def _opened(path: Path, name: str) -> Iterator[TextIO]:
    try:
        handle = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
    except OSError as exc:
        raise InputError(
            name, f"cannot write the report: {exc.strerror or exc}", location="--output"
        ) from None
    try:
        yield handle
        handle.flush()
    except OSError as exc:
        raise InputError(
            name, f"cannot write the report: {exc.strerror or exc}", location="--output"
        ) from None
    finally:
        with suppress(OSError):
            handle.close()


def _remove(temp: str) -> None:
    with suppress(OSError):
        os.unlink(temp)
