"""Write a report where the user asked (``--output FILE`` or stdout) without ever losing an input.

* An output that is an input of the same run is refused before anything is read or written
  (exit 2, one line): the same file by any name (``./x.hl7``, a symlink, a hard link: compared by
  device and inode), or a file inside a folder being read whose name that folder's reading picks
  up (the next run would read the report as a message). Standard output redirected onto an input
  (``>> capture.hl7``) is refused the same way.
* A report file is written to a hidden temporary file in the target's folder and renamed over the
  target only once complete, so a failed or interrupted run never leaves a truncated report over a
  good one (a killed process may leave the hidden ``.NAME.*.tmp`` behind). An existing target keeps
  its permissions. Devices and FIFOs (``/dev/null``, ``/dev/stdout``) are written directly.
* Every write, flush or close error (``-o /dev/full``, a full disk, a closed pipe) is an
  :class:`OutputError`: one line, exit 2.

``report_output`` is the one entry point; ``Reads`` says what the command reads.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, cast

from hiecheck.console import Escape, SafeStream
from hiecheck.errors import InputError

OUTPUT_OPTION = "--output"
STDOUT_NAME = "standard output"


class OutputError(InputError):
    """A report that cannot be written (or may not be: it would replace an input)."""

    def __init__(self, target: str, problem: str, *, broken_pipe: bool = False) -> None:
        super().__init__(target, problem, location=None if target == STDOUT_NAME else OUTPUT_OPTION)
        self.broken_pipe = broken_pipe


def _any_name(name: str) -> bool:
    return True


@dataclass(frozen=True)
class Reads:
    """What a command reads: ``files`` (compared by identity) and ``folders``, inside which an
    output is refused when ``reads_name(file name)`` says the folder's reading would pick it up."""

    files: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    reads_name: Callable[[str], bool] = _any_name

    @classmethod
    def of(
        cls,
        files: Iterable[str | Path] = (),
        folders: Iterable[str | Path] = (),
        reads_name: Callable[[str], bool] = _any_name,
    ) -> Reads:
        """Build from any paths."""
        return cls(tuple(map(str, files)), tuple(map(str, folders)), reads_name)

    def _same_input(self, info: os.stat_result) -> str | None:
        if not stat.S_ISREG(info.st_mode):
            return None
        for name in self.files:
            try:
                other = os.stat(name)
            except OSError:
                continue
            if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino):
                return name
        return None

    def refuse(self, output: Path | str) -> None:
        """Raise OutputError when writing ``output`` would replace or feed an input."""
        target = str(output)
        try:
            info: os.stat_result | None = os.stat(target)
        except OSError:
            info = None
        if info is not None:
            same = self._same_input(info)
            if same is not None:
                shown = "" if os.path.normpath(same) == os.path.normpath(target) else f" {same!r}"
                raise OutputError(
                    target, f"is the input file{shown} of this run: the report would replace it "
                    "(write the report to another file)",
                )
        real = os.path.realpath(target)
        name = os.path.basename(real)
        for folder in self.folders:
            root = os.path.realpath(folder)
            if real != root and os.path.commonpath([real, root]) == root and self.reads_name(name):
                raise OutputError(
                    target, f"is inside the folder {folder!r} this run reads its messages from: "
                    "the report would be read as a message (write it outside that folder, or "
                    "give it a suffix such as .json)",
                )

    def refuse_stdout(self, stream: TextIO | None = None) -> None:
        """Raise OutputError when standard output (or ``stream``) is redirected onto an input."""
        try:
            info = os.fstat((stream or sys.stdout).fileno())
        except (OSError, ValueError, AttributeError):  # in memory (tests, a fuzzer): no file
            return
        same = self._same_input(info)
        if same is not None:
            raise OutputError(
                STDOUT_NAME, f"is redirected onto the input file {same!r} of this run "
                "(redirect it to another file)",
            )


NOTHING_READ = Reads()


class ReportStream(SafeStream):
    """The stream a report is written to: encoding-safe, and every OS error is an OutputError."""

    def __init__(self, stream: TextIO, target: str, escape: Escape) -> None:
        super().__init__(stream, escape)
        self.target = target

    def _failed(self, exc: OSError) -> OutputError:
        return OutputError(
            self.target, f"cannot write the report: {exc.strerror or exc}",
            broken_pipe=exc.errno == errno.EPIPE,
        )

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except OSError as exc:
            raise self._failed(exc) from None

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as exc:
            raise self._failed(exc) from None


def _create_beside(real: str) -> tuple[str, int]:
    """A new hidden temporary file in ``real``'s folder: (its path, an fd open for writing)."""
    folder, name = os.path.split(real)
    while True:
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            # 0o666 as for any new file: the umask applies, unlike mkstemp's 0o600.
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue


def _open_error(target: str, exc: OSError) -> OutputError:
    return OutputError(target, f"cannot write the report: {exc.strerror or exc}")


@contextmanager
def _to_stdout(reads: Reads, escape: Escape) -> Iterator[TextIO]:
    reads.refuse_stdout()
    stream = ReportStream(sys.stdout, STDOUT_NAME, escape)
    yield cast(TextIO, stream)
    stream.flush()


@contextmanager
def _to_device(real: str, target: str, escape: Escape) -> Iterator[TextIO]:
    try:
        handle = open(real, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise _open_error(target, exc) from None
    stream = ReportStream(handle, target, escape)
    try:
        yield cast(TextIO, stream)
        stream.flush()
    except BaseException:
        with suppress(OSError):  # the first error is the one to report
            handle.close()
        raise
    try:
        handle.close()
    except OSError as exc:
        raise stream._failed(exc) from None


@contextmanager
def _to_file(real: str, target: str, escape: Escape, mode: int | None) -> Iterator[TextIO]:
    try:
        tmp, fd = _create_beside(real)
    except OSError as exc:
        raise _open_error(target, exc) from None
    handle = open(fd, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed below
    stream = ReportStream(handle, target, escape)
    done = False
    try:
        yield cast(TextIO, stream)
        try:
            stream.flush()
            os.fsync(handle.fileno())  # the data is on disk before the name points at it
            handle.close()
            if mode is not None:
                os.chmod(tmp, mode)
            os.replace(tmp, real)
        except OSError as exc:
            raise stream._failed(exc) from None
        done = True
    finally:
        if not done:
            with suppress(OSError):
                handle.close()
            with suppress(OSError):
                os.unlink(tmp)


@contextmanager
def report_output(
    path: Path | str | None, reads: Reads = NOTHING_READ, escape: Escape = "text"
) -> Iterator[TextIO]:
    """A text stream for one report: standard output when ``path`` is None, else ``path``
    (replaced atomically when the block ends without an error; left untouched otherwise).

    ``reads`` is what the command reads (refused as outputs); ``escape`` is what the report is
    (``text``, ``json``, ``xml``): how characters the stream cannot encode are written.
    """
    if path is None:
        with _to_stdout(reads, escape) as out:
            yield out
        return
    target = str(path)
    reads.refuse(target)
    real = os.path.realpath(target)
    try:
        info: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _open_error(target, exc) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(target, "is a folder (expected a file name for the report)")
    if info is not None and not os.access(real, os.W_OK):
        raise OutputError(target, "cannot write the report: Permission denied")
    if info is not None and not stat.S_ISREG(info.st_mode):
        with _to_device(real, target, escape) as out:
            yield out
        return
    mode = stat.S_IMODE(info.st_mode) if info is not None else None
    with _to_file(real, target, escape, mode) as out:
        yield out
