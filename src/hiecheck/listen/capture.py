"""The capture file: every accepted message appended byte for byte, on disk before its ACK.

Opened in append mode, never truncated nor replaced: an existing capture grows. Each message is
written as the bytes between VT and FS, followed by a CR when it does not end with a segment
terminator, so ``hiecheck validate CAPTURE`` reads the same messages back. Writes from all
connections are grouped (one ``write`` and one ``fsync`` for whatever is waiting), in a thread, so
the event loop keeps checking messages meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
from pathlib import Path

from hiecheck.errors import InputError

CAPTURE_OPTION = "--capture"
# fdatasync writes the data and the new size (what reading it back needs), not the timestamps.
_sync = getattr(os, "fdatasync", os.fsync)


def captured_bytes(frame: bytes) -> bytes:
    """What the capture holds for one frame: the frame, ended by a segment terminator."""
    return frame if frame.endswith((b"\r", b"\n")) else frame + b"\r"


class Capture:
    """An append-only capture file; :meth:`commit` returns once the bytes are on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        target = str(path)
        try:
            info: os.stat_result | None = os.stat(target)
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise InputError(target, f"cannot use as capture: {exc.strerror or exc}",
                             location=CAPTURE_OPTION) from None
        if info is not None and not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise InputError(target, f"is {kind} (expected a file the messages are appended to)",
                             location=CAPTURE_OPTION)
        try:
            self._fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as exc:
            raise InputError(target, f"cannot write: {exc.strerror or exc}",
                             location=CAPTURE_OPTION) from None
        self._pending: list[bytes] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._flusher: asyncio.Task[None] | None = None

    def write_now(self, data: bytes) -> None:
        """Append ``data`` and fsync (blocking). A failed write is cut back off the file, so the
        capture never ends in half a message; OSError is raised."""
        fd = self._fd
        size = os.lseek(fd, 0, os.SEEK_END)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            _sync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)  # only what this write added
            raise

    async def commit(self, data: bytes) -> None:
        """Append ``data`` with whatever else is waiting; return once it is on disk."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._pending.append(data)
        self._waiters.append(waiter)
        if self._flusher is None:
            self._flusher = loop.create_task(self._flush())
        await waiter

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                data = b"".join(self._pending)
                waiters = self._waiters
                self._pending, self._waiters = [], []
                try:
                    await loop.run_in_executor(None, self.write_now, data)
                except OSError as exc:
                    for w in waiters:
                        if not w.done():
                            w.set_exception(exc)
                else:
                    for w in waiters:
                        if not w.done():
                            w.set_result(None)
        finally:
            self._flusher = None

    def close(self) -> None:
        os.close(self._fd)
