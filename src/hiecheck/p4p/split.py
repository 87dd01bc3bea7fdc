"""Render a report's items on every core: forked children write contiguous ranges of items.

A renderer writes a head, one piece of text per item, then a tail, all to one ``Out``. With
``split_items`` the items come from a special iterator: on its first pull it forks one child per
extra core. The parent keeps the first range; each child keeps a later range, writes the text
of its items (encoded exactly as the report's stream would) to a private unlinked temporary
file and exits; when the parent's range is done, it appends the children's files to the stream
in order, and the renderer writes the tail. A child computes the item just before its range
too and throws that text away, so a renderer that writes a separator depending on the item
before (JSON's ``,``) writes the same bytes. A child never touches the report's own file: it
leaves with ``os._exit`` (see ``output.open_output``).

Where ``os.fork`` is missing, with one core, for small reports, or on a stream without a byte
buffer (an in-memory stream), the items are made one after the other in this process.
"""

from __future__ import annotations

import gc
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import IO, TypeVar

from hiecheck.console import SafeStream
from hiecheck.outputs import OutputError
from hiecheck.p4p.output import Out

T = TypeVar("T")
_COPY = 1 << 20


@dataclass(frozen=True)
class Split:
    """How to split: at most ``workers`` processes (parent included), only from ``minimum``
    items on."""

    workers: int
    minimum: int = 20_000


def default_split() -> Split:
    """One process per core this process may run on (at most 4)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return Split(workers=min(cores, 4))


def _byte_target(out: Out) -> tuple[SafeStream, io.TextIOWrapper] | None:
    """The report's SafeStream and the text file behind it, when that file has a byte buffer."""
    stream = out.stream
    if not isinstance(stream, SafeStream):
        return None
    handle = stream.stream
    if not isinstance(handle, io.TextIOWrapper):
        return None
    try:
        handle.fileno()
    except (OSError, ValueError):
        return None
    return stream, handle


def _ranges(count: int, workers: int) -> list[range]:
    bounds = [count * k // workers for k in range(workers + 1)]
    return [range(a, b) for a, b in pairwise(bounds)]


class _Sink(io.TextIOBase):
    """Where a child's text goes: a file, or nowhere; any failure ends the child at once,
    its reason on ``status`` (the renderer above must never see it)."""

    def __init__(self, file: SafeStream | None, status: int) -> None:
        super().__init__()
        self.file = file
        self.status = status

    def write(self, text: str) -> int:
        if self.file is not None:
            try:
                self.file.write(text)
            except OSError as exc:
                _leave(self.status, 1, exc.strerror or str(exc))
        return len(text)

    def flush(self) -> None:
        if self.file is not None:
            try:
                self.file.flush()
            except OSError as exc:
                _leave(self.status, 1, exc.strerror or str(exc))


def _leave(status: int, code: int, reason: str = "") -> None:
    try:
        os.write(status, reason.encode("utf-8", "replace"))
    finally:
        os._exit(code)


@dataclass
class _Child:
    pid: int
    file: IO[bytes]
    status: int


def _child_items(
    out: Out, report: SafeStream, handle: io.TextIOWrapper, span: range, part: IO[bytes],
    status: int, item: Callable[[int], T],
) -> Iterator[T]:
    """In a child: the item before ``span`` (its text dropped), then ``span``'s, then exit."""
    gc.disable()  # the parent's objects stay shared: no collector pass writes their headers
    try:
        out.stream = _Sink(None, status)  # type: ignore[assignment]
        out.discard()
        if span.start:
            yield item(span.start - 1)
        text = io.TextIOWrapper(part, encoding=handle.encoding, errors=handle.errors,
                                newline="\n", write_through=False)
        out.stream = _Sink(SafeStream(text, report.escape), status)  # type: ignore[assignment]
        out.discard()
        for index in span:
            yield item(index)
        out.flush()
        out.stream.flush()
        text.flush()
    except BaseException as exc:  # a child reports whatever it was, and leaves
        _leave(status, 2, f"{type(exc).__name__}: {exc}")
    _leave(status, 0)


def _collect(children: list[_Child], report: SafeStream, handle: io.TextIOWrapper) -> None:
    """Wait for each child in order and append its bytes to the report's file."""
    target = getattr(report, "target", "the report")
    failure: Exception | None = None
    for child in children:
        _, code = os.waitpid(child.pid, 0)
        reason = _read_all(child.status)
        os.close(child.status)
        if failure is None and os.waitstatus_to_exitcode(code) != 0:
            failure = (
                OutputError(target, f"cannot write the report: {reason}")
                if os.waitstatus_to_exitcode(code) == 1
                else RuntimeError(f"a report-writing process failed: {reason or code}")
            )
        if failure is None:
            child.file.seek(0)
            buffer = handle.buffer
            try:
                while chunk := child.file.read(_COPY):
                    buffer.write(chunk)
            except OSError as exc:
                failure = OutputError(target, f"cannot write the report: {exc.strerror or exc}")
        child.file.close()
    if failure is not None:
        raise failure


def _read_all(fd: int) -> str:
    parts = []
    while chunk := os.read(fd, 4096):
        parts.append(chunk)
    return b"".join(parts).decode("utf-8", "replace")


def split_items(out: Out, count: int, item: Callable[[int], T], split: Split) -> Iterator[T]:
    """``item(0) … item(count − 1)`` for a renderer writing to ``out``, the later ranges made
    and written by forked children when ``split`` allows it (see the module docstring)."""
    target = _byte_target(out)
    if (
        split.workers < 2 or count < max(split.minimum, split.workers) or target is None
        or not hasattr(os, "fork")
    ):
        yield from map(item, range(count))
        return
    report, handle = target
    first, *later = _ranges(count, split.workers)
    out.flush()
    report.flush()
    sys.stderr.flush()
    children: list[_Child] = []
    gc.freeze()  # the objects so far are shared with the children: keep collections off them
    for span in later:
        part = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _collect
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            for child in children:
                child.file.close()
                os.close(child.status)
            yield from _child_items(out, report, handle, span, part, write_end, item)
            return  # not reached: the child has left
        os.close(write_end)
        children.append(_Child(pid, part, read_end))
    gc.unfreeze()
    try:
        yield from map(item, first)
    except BaseException:
        for child in children:
            _stop(child)
        raise
    out.flush()
    report.flush()
    _collect(children, report, handle)


def _stop(child: _Child) -> None:
    try:
        os.kill(child.pid, 9)
        os.waitpid(child.pid, 0)
    except OSError:
        pass
    os.close(child.status)
    child.file.close()
