"""Render a report's items on every core: forked children write contiguous ranges of items.

A renderer writes a head, one piece of text per item, then a tail, all to one ``Out``. With
``split_items`` the items come from a special iterator: on its first pull, the parent cuts the
items into ranges (``Split.chunk`` items each) and forks one child per range, ``Split.workers``
at a time. Each child writes the text of its range, encoded exactly as the report's stream
would, to a private unlinked temporary file, and exits; the parent appends the files to the
stream in order, and the renderer writes the tail. A child computes the item just before its
range too and throws that text away, so a renderer that writes a separator depending on the
item before (JSON's ``,``) writes the same bytes.

Why short-lived children and an idle parent: a forked process copies every shared page it
writes, and merely reading a Python object writes its reference count. The parent touches
nothing while the children run, and each child copies only the pages of its own range before
its memory is returned, so the run's real memory (the sum of proportional set sizes) stays
near the parent's.

A child never touches the report's own file: it leaves with ``os._exit`` (see
``output.open_output``). Where ``os.fork`` is missing, with one core, for small reports, or on
a stream without a byte buffer (an in-memory stream), the items are made one after the other
in this process.
"""

from __future__ import annotations

import errno
import gc
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, TypeVar

from hiecheck.console import SafeStream
from hiecheck.cores import idle_cores
from hiecheck.outputs import OutputError
from hiecheck.p4p.forked import MINIMUM, flush_standard_streams, fork_quietly
from hiecheck.p4p.output import Out

T = TypeVar("T")
_COPY = 1 << 20
_REASON_BYTES = 512


@dataclass(frozen=True)
class Split:
    """How to split: ``workers`` children at a time, each writing ``chunk`` items, only from
    ``minimum`` items on."""

    workers: int
    minimum: int = 20_000
    chunk: int = 2_000


def default_split() -> Split:
    """One child at a time per idle core (at most 4): none on a busy machine."""
    return Split(workers=min(idle_cores(), 4), minimum=MINIMUM)


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


def _ranges(count: int, chunk: int) -> list[range]:
    return [range(a, min(a + chunk, count)) for a in range(0, count, chunk)]


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
                _leave(self.status, 1, _temporary_problem(exc))
        return len(text)

    def flush(self) -> None:
        if self.file is not None:
            try:
                self.file.flush()
            except OSError as exc:
                _leave(self.status, 1, _temporary_problem(exc))


def _temporary_problem(exc: OSError) -> str:
    """A child's temporary file could not be written: where it is (``$TMPDIR``, often smaller
    than the report's folder) and why."""
    return f"a temporary file in {tempfile.gettempdir()}: {exc.strerror or exc}"


def _leave(status: int, code: int, reason: str = "") -> None:
    """End a child with ``code``, ``reason`` on the status pipe."""
    try:  # at most PIPE_BUF bytes: the parent reads them only after the child has ended
        os.write(status, reason.encode("utf-8", "replace")[:_REASON_BYTES])
    finally:
        os._exit(code)


@dataclass
class _Child:
    """A forked writer: its pid, its temporary file, the pipe its failure reason comes on
    (-1 once read)."""

    pid: int
    file: IO[bytes]
    status: int
    start: int  # its range's first item


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


def _finish(child: _Child, code: int, target: str) -> Exception | None:
    """The failure a child that ended with ``code`` (a wait status) reports, if any."""
    reason = _read_all(child.status)
    os.close(child.status)
    child.status = -1
    exit_code = os.waitstatus_to_exitcode(code)
    if exit_code <= 0:  # done, or killed by a signal (the range is then made here)
        return None
    if exit_code == 1:
        return OutputError(target, f"cannot write the report: {reason}")
    return RuntimeError(f"a report-writing process failed: {reason or exit_code}")


def _append(child: _Child, handle: io.TextIOWrapper, target: str) -> None:
    """Copy a finished child's bytes to the report's file."""
    child.file.seek(0)
    buffer = handle.buffer
    try:
        while data := child.file.read(_COPY):
            buffer.write(data)
    except OSError as exc:
        raise OutputError(target, f"cannot write the report: {exc.strerror or exc}",
                          broken_pipe=exc.errno == errno.EPIPE) from None
    finally:
        child.file.close()


def _read_all(fd: int) -> str:
    parts = []
    while chunk := os.read(fd, 4096):
        parts.append(chunk)
    return b"".join(parts).decode("utf-8", "replace")


def split_items(out: Out, count: int, item: Callable[[int], T], split: Split) -> Iterator[T]:
    """``item(0) … item(count − 1)`` for a renderer writing to ``out``, made and written by
    forked children when ``split`` allows it (see the module docstring)."""
    target = _byte_target(out)
    if (
        split.workers < 2 or count < max(split.minimum, 2) or target is None
        or not hasattr(os, "fork")
    ):
        yield from map(item, range(count))
        return
    report, handle = target
    name = getattr(report, "target", "the report")
    out.flush()
    report.flush()
    flush_standard_streams()
    spans = _ranges(count, max(1, split.chunk))
    children: list[_Child] = []  # started, not yet appended, in order
    running: dict[int, _Child] = {}
    appended = 0
    failure: Exception | None = None
    here: int | None = None  # no child could be had: items from here on are made here
    pending = iter(spans)
    span = next(pending, None)
    gc.freeze()  # the objects so far are shared with the children: keep collections off them
    try:
        while True:
            drain = span is None or here is not None
            while running and failure is None and (drain or len(running) >= split.workers):
                child = next(iter(running.values()))  # the oldest: ranges end about in order
                _, code = os.waitpid(child.pid, 0)
                del running[child.pid]
                failure = _finish(child, code, name)
                if failure is None and os.waitstatus_to_exitcode(code) < 0:
                    # killed by a signal (the out-of-memory killer, say): its range and every
                    # later one are made here, after the ranges before it
                    here = child.start if here is None else min(here, child.start)
                    drain = True
                while failure is None and appended < len(children) and (
                    children[appended].status == -1
                ) and (here is None or children[appended].start < here):
                    _append(children[appended], handle, name)
                    appended += 1
            if failure is not None or drain:
                break
            assert span is not None
            part = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _append or _stop
            read_end, write_end = os.pipe()
            try:
                pid = fork_quietly()
            except OSError:  # no process to be had (a process limit, memory): make them here
                part.close()
                os.close(read_end)
                os.close(write_end)
                here = span.start
                continue
            if pid == 0:
                os.close(read_end)
                for other in children[appended:]:
                    other.file.close()
                    if other.status != -1:
                        os.close(other.status)
                yield from _child_items(out, report, handle, span, part, write_end, item)
                return  # not reached: the child has left
            os.close(write_end)
            children.append(_Child(pid, part, read_end, span.start))
            running[pid] = children[-1]
            span = next(pending, None)
    except BaseException:
        _abandon(children[appended:], running)
        raise
    finally:
        gc.unfreeze()
    if failure is not None:
        _abandon(children[appended:], running)
        raise failure
    for child in children[appended:]:  # ranges from ``here`` on, not appended
        child.file.close()
    if here is not None:
        yield from _made_here(out, here, count, item)


def _made_here(out: Out, start: int, count: int, item: Callable[[int], T]) -> Iterator[T]:
    """Items ``start`` … made in this process after children wrote the ones before: first the
    item before ``start``, its text dropped (as a child does), so separators come out the same."""
    if start:
        stream = out.stream
        out.stream = _Sink(None, -1)  # type: ignore[assignment]
        out.discard()
        yield item(start - 1)
        out.discard()
        out.stream = stream
    yield from map(item, range(start, count))


def _abandon(children: list[_Child], running: dict[int, _Child]) -> None:
    """Stop the children still running and drop every range not appended."""
    for child in children:
        if child.pid in running:
            _stop(child)
        else:
            child.file.close()


def _stop(child: _Child) -> None:
    try:
        os.kill(child.pid, 9)
        os.waitpid(child.pid, 0)
    except OSError:
        pass
    if child.status != -1:
        os.close(child.status)
    child.file.close()
