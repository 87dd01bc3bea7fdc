"""Where worker processes leave the report text they rendered, for the reading process to take
in input order.

A batch's text is about a megabyte. Sent back through the executor's pipe (64 KiB at a time,
emptied by this process only between its switch intervals, as it checks messages too) it had to
be compressed for the worker not to wait, and compressing and expanding it cost more than
checking a tenth of the messages. Instead each worker appends its texts to a file of its own in
a private directory (mode 700) and sends back only where each text lies (:class:`SpoolPiece`).

The reading process opens a worker's file when it meets the first piece in it and unlinks it at
once; a worker starts a new file past :data:`SPOOL_FILE_BYTES`, and the reading process closes
the older one when it meets the first piece of the newer (a worker's pieces arrive in the order
it wrote them, as the results come back in the order the work was sent). So the disk holds at
most about that much per worker, never the whole report. A worker that cannot write its file
(a full or read-only ``$TMPDIR``) sends its texts in memory instead (:meth:`SpoolWriter.put`
gives None); the directory and whatever is left in it are removed when the run ends.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import NamedTuple

from hiecheck.errors import InputError

SPOOL_FILE_BYTES = 32 << 20  # a worker's file is replaced past this: the older one is freed
_ENCODING = ("utf-8", "surrogatepass")  # any str, lone surrogates included, round-trips


class SpoolPiece(NamedTuple):
    """One text a worker wrote: its file, and where in it."""

    path: str
    offset: int
    length: int


class SpoolWriter:
    """A worker's side: appends texts to its own file in ``directory``."""

    __slots__ = ("directory", "failed", "fd", "offset", "path", "serial")

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.fd = -1
        self.path = ""
        self.offset = 0
        self.serial = 0
        self.failed = False

    def put(self, text: str) -> SpoolPiece | None:
        """``text`` appended to this worker's file, or None when it could not be (then and
        from then on, the caller sends its texts in memory)."""
        if self.failed:
            return None
        data = text.encode(*_ENCODING)
        try:
            if self.fd < 0 or self.offset >= SPOOL_FILE_BYTES:
                self._next_file()
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
        except OSError:
            self.failed = True
            return None
        piece = SpoolPiece(self.path, self.offset, len(data))
        self.offset += len(data)
        return piece

    def _next_file(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # the reading process holds it open until it has read it all
            self.fd = -1
        self.serial += 1
        self.path = os.path.join(self.directory, f"{os.getpid()}.{self.serial}")
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.offset = 0


class Spool:
    """The reading process's side: the private directory, and the files open for reading."""

    __slots__ = ("directory", "open_files")

    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="hiecheck-spool-")
        self.open_files: dict[str, tuple[str, int]] = {}  # worker (file name prefix) -> file

    def take(self, piece: SpoolPiece) -> str:
        """The text of ``piece``."""
        worker = os.path.basename(piece.path).split(".", 1)[0]
        current = self.open_files.get(worker)
        try:
            if current is None or current[0] != piece.path:
                fd = os.open(piece.path, os.O_RDONLY)
                try:
                    os.unlink(piece.path)  # read through fd from here: nothing left behind
                except BaseException:
                    os.close(fd)
                    raise
                if current is not None:
                    os.close(current[1])  # every piece of the older file was taken
                current = self.open_files[worker] = (piece.path, fd)
            data = _read_at(current[1], piece.offset, piece.length)
        except OSError as exc:
            raise InputError(
                self.directory,
                f"a worker's report text could not be read back: {exc.strerror or exc}",
            ) from exc
        if len(data) != piece.length:
            raise InputError(self.directory, "a worker's report text was cut short")
        return data.decode(*_ENCODING)

    def close(self) -> None:
        """Close what is open and remove the directory with whatever is left in it."""
        for _, fd in self.open_files.values():
            os.close(fd)
        self.open_files.clear()
        shutil.rmtree(self.directory, ignore_errors=True)


def _read_at(fd: int, offset: int, length: int) -> bytes:
    """``length`` bytes at ``offset`` (fewer only at the end of the file): one pread returns
    at most about 2 GiB."""
    parts: list[bytes] = []
    while length > 0:
        part = os.pread(fd, length, offset)
        if not part:
            break
        parts.append(part)
        offset += len(part)
        length -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def open_spool() -> Spool | None:
    """A new spool, or None when no temporary directory can be made (workers then send their
    texts in memory)."""
    try:
        return Spool()
    except OSError:
        return None
