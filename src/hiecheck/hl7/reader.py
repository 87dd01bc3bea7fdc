"""Read HL7 v2 captures as they come: files, folders, globs or stdin, one or many messages each.

Handles `\\r`, `\\n` and `\\r\\n` separators (also mixed), a UTF-8 byte-order mark, MLLP framing
(VT … FS CR), blank lines, whitespace before the first segment, FHS/BHS batch envelopes, non-UTF-8
bytes and gzip compression (found by its magic bytes, from a file or a pipe). Sources are regular
files, or streams read once as they come: stdin, FIFOs, devices and ``/dev/fd/N`` (process
substitution). Everything is opened read-only in binary and streamed in chunks, so memory stays
flat whatever the size of a capture; what one line, one message or one file may make the reader
hold is capped (``MAX_LINE_BYTES``, ``MAX_MESSAGE_BYTES``, ``MAX_MESSAGE_SEGMENTS``,
``MAX_FILE_NOTES``): beyond a cap the source is not read further and :attr:`SourceSummary.stopped`
says why. Nothing here judges the content: what is unusual is recorded as a :class:`ReadNote` for
the checks to report.
"""

from __future__ import annotations

import glob
import gzip
import io
import os
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from hiecheck.console import display_path
from hiecheck.errors import InputError
from hiecheck.limits import size_text
from hiecheck.outputs import Reads

CHUNK_SIZE = 1 << 20
# What one source may make the reader hold (README, "Limits"). A segment with an embedded PDF can
# be several MB; a line longer than MAX_LINE_BYTES (``/dev/zero``: one endless line) stops the
# source once that much is buffered, never holding more.
MAX_LINE_BYTES = 16 << 20
MAX_MESSAGE_BYTES = 32 << 20  # checked per chunk: a message may pass it by one chunk and one line
MAX_MESSAGE_SEGMENTS = 20_000  # a checked segment costs ~3 KB: 20,000 stay near 100 MB
MAX_FILE_NOTES = 1_000  # notes and stray-line runs kept per file; the rest are counted
GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"
MLLP_START = b"\x0b"
MLLP_END = b"\x1c"
BATCH_SEGMENTS = frozenset({"FHS", "BHS", "BTS", "FTS"})
STDIN_NAME = "-"
HL7_SUFFIXES = frozenset({".hl7", ".txt", ".msg", ".dat", ".er7", ".hl7v2", ""})
GZIP_SUFFIX = ".gz"

# Kinds of read notes; the conformance checks turn them into findings with stable rule ids.
NOTE_LF = "lf-separators"
NOTE_CRLF = "crlf-separators"
NOTE_BOM = "utf8-bom"
NOTE_MLLP = "mllp-framing"
NOTE_BLANK = "blank-lines"
NOTE_WHITESPACE = "leading-whitespace"
NOTE_LATIN1 = "non-utf8-bytes"
NOTE_STRAY = "content-outside-message"
NOTE_STOPPED = "stopped"  # a read cap was reached (SourceSummary.stopped)
NOTE_MORE = "more-notes"  # the file-level notes past MAX_FILE_NOTES, counted in one note


class Readable(Protocol):
    """What the reader needs of a byte stream: ``read(size)``, ``b""`` at the end."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(slots=True)
class ReadNote:
    """Something unusual about how a message was written (not about its content)."""

    kind: str
    line: int
    detail: str


@dataclass(slots=True)
class BatchContext:
    """The FHS/BHS envelope a message arrived in, as (line, segment text) pairs."""

    header_lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass(slots=True)
class RawMessage:
    """One message's segment lines, each with its 1-based line number in the source."""

    source: str
    number: int  # 1-based position among the messages of its source
    lines: list[tuple[int, str]]
    notes: list[ReadNote] = field(default_factory=list)
    batch: BatchContext | None = None
    # Bytes between the starts of the chunks (line runs) it began and ended in: 0 for a message
    # inside one chunk, about its size for a big one (what --jobs batches are cut by).
    span: int = 0

    @property
    def line(self) -> int:
        """Line of the MSH segment."""
        return self.lines[0][0]


@dataclass(slots=True)
class StrayContent:
    """Lines that belong to no message (before the first MSH, or between batch segments)."""

    source: str
    line: int
    count: int
    detail: str


@dataclass(slots=True)
class SourceSummary:
    """What was read from one source, filled in as its messages stream past."""

    source: str
    messages: int = 0
    stray: list[StrayContent] = field(default_factory=list)
    batch_segments: list[tuple[int, str]] = field(default_factory=list)
    notes: list[ReadNote] = field(default_factory=list)
    stopped: ReadNote | None = None  # a read cap was reached: nothing after this line was read
    dropped_notes: int = 0  # file-level notes and stray runs past MAX_FILE_NOTES


@dataclass(frozen=True, slots=True)
class Source:
    """One input to read: a regular file, or a stream read once as it comes."""

    path: str  # as given or found; ``-`` for stdin
    found: bool = False  # found by expanding a folder or a glob pattern, not named explicitly
    stream: bool = False  # stdin, a FIFO, a device or /dev/fd/N: no size, read here only once

    @property
    def name(self) -> str:
        """The name reports show (always encodable: see :func:`hiecheck.console.display_path`)."""
        return STDIN_LABEL if self.path == STDIN_NAME else display_path(self.path)


STDIN_LABEL = "<stdin>"


def is_message_name(name: str) -> bool:
    """Whether a file found in a folder is read as messages: an HL7 suffix (``.hl7``, ``.txt``,
    …), none, or one of those followed by ``.gz``; never a hidden file."""
    if name.startswith("."):
        return False
    lower = name.lower()
    if lower.endswith(GZIP_SUFFIX):
        lower = lower[: -len(GZIP_SUFFIX)]
    return os.path.splitext(lower)[1] in HL7_SUFFIXES


def _folder_files(folder: Path) -> list[Source]:
    """Regular files with message names under ``folder`` (recursively), in name order."""
    return [
        Source(str(p), found=True)
        for p in sorted(folder.rglob("*"))
        if is_message_name(p.name) and p.is_file()
    ]


def expand_sources(paths: Iterable[str]) -> list[Source]:
    """Turn files, streams, folders (recursively) and glob patterns into an ordered list of
    sources.

    ``-`` stands for standard input; FIFOs, character devices and ``/dev/fd/N`` named explicitly
    are streams; folders and patterns give regular files only. A name that matches nothing
    raises InputError.
    """
    out: list[Source] = []
    for given in paths:
        if given == STDIN_NAME:
            out.append(Source(STDIN_NAME, stream=True))
            continue
        try:
            mode = os.stat(given).st_mode
        except (FileNotFoundError, NotADirectoryError):
            mode = None
        except OSError as exc:
            raise InputError(given, f"cannot read: {exc.strerror or exc}") from None
        if mode is not None and stat.S_ISDIR(mode):
            found = _folder_files(Path(given))
            if not found:
                raise InputError(given, "folder holds no message files", expected="*.hl7 or *.txt")
            out.extend(found)
        elif mode is not None and stat.S_ISREG(mode):
            out.append(Source(given))
        elif mode is not None and (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
            out.append(Source(given, stream=True))
        elif mode is not None:
            raise InputError(given, "not a file, folder, pipe or device")
        elif glob.has_magic(given):
            matches = sorted(p for p in glob.glob(given, recursive=True) if Path(p).is_file())
            if not matches:
                raise InputError(given, "pattern matches no file")
            out.extend(Source(p, found=True) for p in matches)
        else:
            raise InputError(given, "no such file or folder")
    return out


def reads_of(sources: Iterable[Source], given: Iterable[str], *more: str | Path) -> Reads:
    """What a command reading HL7 ``sources`` (expanded from the ``given`` names) reads, plus
    ``more`` files (an organization file): outputs must be none of it."""
    # Streams too: stdin or /dev/fd/N may be a redirected file (`validate - < x.hl7 -o x.hl7`).
    files = ["/dev/stdin" if s.path == STDIN_NAME else s.path for s in sources]
    folders = [g for g in given if os.path.isdir(g)]
    return Reads.of([*files, *map(str, more)], folders, is_message_name)


def expand_paths(paths: Iterable[str]) -> list[str]:
    """:func:`expand_sources`, as the paths only."""
    return [s.path for s in expand_sources(paths)]


def _decode(raw: bytes, lineno: int, notes: list[ReadNote]) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        notes.append(
            ReadNote(NOTE_LATIN1, lineno, f"byte {exc.start + 1} is not UTF-8; read as Latin-1")
        )
        return raw.decode("latin-1")


# The run the line splitter yields, last, when a line went past MAX_LINE_BYTES.
TOO_LONG: list[bytes] = []


def iter_lines(stream: Readable) -> Iterator[tuple[bytes, bytes]]:
    """Yield (line, terminator) pairs; the terminator is b"\\r", b"\\n", b"\\r\\n" or b"" at EOF."""
    for lines, term, _ in _line_runs(stream):
        for line in lines:
            yield line, term


def arrived(stream: Readable) -> Callable[[int], bytes]:
    """``stream.read1`` where it has one (from a pipe: what has arrived, up to the size, instead
    of waiting for all of it), else ``stream.read``."""
    read1: Callable[[int], bytes] | None = getattr(stream, "read1", None)
    return read1 if read1 is not None else stream.read


def _line_runs(stream: Readable) -> Iterator[tuple[list[bytes], bytes, int]]:
    """Runs of lines that share one terminator, in order (a whole chunk when it holds no LF),
    each with the byte offset its first line starts at. Once the line being assembled holds more
    than MAX_LINE_BYTES (checked per chunk) the last run is :data:`TOO_LONG`, and reading stops."""
    carry = b""
    base = 0  # offset of data[0] in the stream
    limit = MAX_LINE_BYTES
    read = arrived(stream)  # a slow feed (`tail -f … | hiecheck validate -`) checked as it comes
    while True:
        chunk = read(CHUNK_SIZE)
        if not chunk:
            break
        data = carry + chunk
        # A CR at the very end may be the first half of a CRLF split across chunks.
        cut = len(data) - 1 if data.endswith(b"\r") else len(data)
        start = 0
        # A chunk with one kind of terminator is split in one go (CR, the common case, first).
        if b"\n" not in data:
            term = b"\r"
        elif b"\r" not in data:
            term = b"\n"
        else:
            lf = data.count(b"\n", 0, cut)
            term = b"\r\n" if data.count(b"\r\n", 0, cut) == lf == data.count(b"\r", 0, cut) \
                else b""
        if term:
            parts = data[:cut].split(term)
            carry = parts.pop() + data[cut:]
            yield parts, term, base
            base += len(data) - len(carry)
            if len(carry) > limit:
                yield TOO_LONG, b"", base
                return
            continue
        find_cr = data.find
        while start < cut:
            cr = find_cr(b"\r", start, cut)
            lf = find_cr(b"\n", start, cut)
            if cr < 0 and lf < 0:
                break
            if lf < 0 or (0 <= cr < lf):
                if cr + 1 < len(data) and data[cr + 1 : cr + 2] == b"\n":
                    yield [data[start:cr]], b"\r\n", base + start
                    start = cr + 2
                else:
                    yield [data[start:cr]], b"\r", base + start
                    start = cr + 1
            else:
                yield [data[start:lf]], b"\n", base + start
                start = lf + 1
        carry = data[start:]
        base += start
        if len(carry) > limit:
            yield TOO_LONG, b"", base
            return
    if carry:
        if carry.endswith(b"\r"):
            yield [carry[:-1]], b"\r", base
        else:
            yield [carry], b"", base


def _file_notes(summary: SourceSummary, notes: list[ReadNote]) -> None:
    """Add notes about the file itself, keeping at most MAX_FILE_NOTES (the rest are counted)."""
    room = MAX_FILE_NOTES - len(summary.notes)
    if len(notes) <= room:
        summary.notes.extend(notes)
    else:
        summary.notes.extend(notes[: max(room, 0)])
        summary.dropped_notes += len(notes) - max(room, 0)


class _MessageAssembler:
    """Groups decoded lines into messages, batch envelopes and stray content."""

    def __init__(self, summary: SourceSummary) -> None:
        self.summary = summary
        self.current: RawMessage | None = None
        self.batch: BatchContext | None = None
        self.stray_start = 0
        self.stray_count = 0
        self.stray_detail = ""
        self.run_offset = 0  # byte offset of the line run being added (set by read_stream)
        self.message_offset = 0  # offset of the run the current message started in

    def flush_stray(self) -> None:
        if self.stray_count:
            if len(self.summary.stray) < MAX_FILE_NOTES:
                self.summary.stray.append(
                    StrayContent(self.summary.source, self.stray_start, self.stray_count,
                                 self.stray_detail)
                )
            else:
                self.summary.dropped_notes += 1
            self.stray_count = 0

    def finish_message(self) -> RawMessage | None:
        done, self.current = self.current, None
        if done is not None:
            done.span = self.run_offset - self.message_offset
        return done

    def add(self, lineno: int, text: str, notes: list[ReadNote]) -> RawMessage | None:
        """Add one line; returns a completed message when this line starts the next one."""
        head = text[:3]
        if head == "MSH":
            self.flush_stray()
            done = self.finish_message()
            self.summary.messages += 1
            self.current = RawMessage(
                self.summary.source, self.summary.messages, [(lineno, text)], notes, self.batch
            )
            self.message_offset = self.run_offset
            return done
        if head in BATCH_SEGMENTS and (len(text) == 3 or not text[3].isalnum()):
            self.flush_stray()
            done = self.finish_message()
            self.summary.batch_segments.append((lineno, text))
            if head in ("FHS", "BHS"):
                if self.batch is None or (head == "BHS" and any(
                    t.startswith("BHS") for _, t in self.batch.header_lines
                )):
                    self.batch = BatchContext()
                self.batch.header_lines.append((lineno, text))
            elif head == "FTS":
                self.batch = None
            if notes:
                _file_notes(self.summary, notes)
            return done
        if self.current is not None:
            self.current.lines.append((lineno, text))
            self.current.notes.extend(notes)
            return None
        if not self.stray_count:
            self.stray_start = lineno
            self.stray_detail = f"line does not start a message (begins {text[:3]!r})"
        self.stray_count += 1
        if notes:
            _file_notes(self.summary, notes)
        return None


def read_stream(stream: Readable, summary: SourceSummary) -> Iterator[RawMessage]:
    """Stream the messages of one binary stream, filling ``summary`` as it goes.

    A line, message or message's segment count past its cap stops the stream there: the message
    it belongs to is dropped and :attr:`SourceSummary.stopped` says where and why.
    """
    assembler = _MessageAssembler(summary)
    lineno = 0
    first = True
    seen_terminators: set[bytes] = set()
    mllp_noted = False
    blank_run_start = 0
    batch_heads = BATCH_SEGMENTS
    for run, term, offset in _line_runs(stream):
        # Caps are checked once per run (a chunk of CR-separated lines), not per line.
        held = assembler.current
        if run is TOO_LONG:
            _stop(assembler, lineno + 1, f"line {lineno + 1} is longer than "
                  f"{size_text(MAX_LINE_BYTES)}, the limit for one line")
            return
        if held is not None and (
            offset - assembler.message_offset > MAX_MESSAGE_BYTES
            or len(held.lines) > MAX_MESSAGE_SEGMENTS
        ):
            _stop(assembler, lineno + 1, f"message #{held.number} (line {held.line}) is "
                  f"larger than {size_text(MAX_MESSAGE_BYTES)} or {MAX_MESSAGE_SEGMENTS:,} "
                  "segments, the limit for one message; it is not checked", named=True)
            return
        assembler.run_offset = offset
        for raw in run:
            lineno += 1
            current = assembler.current
            if (
                current is not None and (term == b"\r" or term in seen_terminators)
                and not blank_run_start and raw
                and raw[0] > 32 and raw[-1] != 28  # no whitespace, VT or FS: nothing to note
            ):
                # The common line: a segment of the current message, CR-terminated (or by a
                # terminator noted already).
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    pass
                else:
                    head = text[:3]
                    if head != "MSH" and head not in batch_heads:
                        current.lines.append((lineno, text))
                        continue
                    done = assembler.add(lineno, text, [])
                    if done is not None:
                        yield done
                    continue
            notes: list[ReadNote] = []
            if first:
                first = False
                if raw.startswith(BOM):
                    raw = raw[3:]
                    notes.append(
                        ReadNote(NOTE_BOM, lineno, "file starts with a UTF-8 byte-order mark")
                    )
            if term and term != b"\r" and term not in seen_terminators:
                seen_terminators.add(term)
                kind = NOTE_LF if term == b"\n" else NOTE_CRLF
                name = "LF" if term == b"\n" else "CR LF"
                notes.append(ReadNote(kind, lineno, f"segments end with {name}, not CR"))
            if raw[:1] == MLLP_START or raw[-1:] == MLLP_END:
                raw = raw.lstrip(MLLP_START).rstrip(MLLP_END)
                if not mllp_noted:
                    mllp_noted = True
                    notes.append(ReadNote(NOTE_MLLP, lineno, "MLLP framing bytes (VT/FS) removed"))
            stripped = raw.strip()
            if not stripped:
                if not blank_run_start:
                    blank_run_start = lineno
                if notes:
                    if assembler.current is not None:
                        assembler.current.notes.extend(notes)
                    else:
                        _file_notes(summary, notes)
                continue
            if blank_run_start:
                if assembler.current is not None:
                    assembler.current.notes.append(
                        ReadNote(NOTE_BLANK, blank_run_start, "blank line(s) between segments")
                    )
                elif summary.messages:
                    _file_notes(summary, [
                        ReadNote(NOTE_BLANK, blank_run_start, "blank line(s) between segments")
                    ])
                else:  # nothing read yet: the input does not start with MSH
                    _file_notes(summary, [ReadNote(
                        NOTE_WHITESPACE, blank_run_start,
                        "blank line(s) before the first segment: the input does not start with MSH",
                    )])
                blank_run_start = 0
            if raw[:1].isspace():
                notes.append(ReadNote(NOTE_WHITESPACE, lineno, "whitespace before the segment id"))
                raw = raw.lstrip()
            text = _decode(raw, lineno, notes)
            done = assembler.add(lineno, text, notes)
            if done is not None:
                yield done
    assembler.flush_stray()
    _count_dropped(summary, lineno)
    last = assembler.finish_message()
    if last is not None:
        yield last


def _count_dropped(summary: SourceSummary, lineno: int) -> None:
    if summary.dropped_notes:
        summary.notes.append(ReadNote(
            NOTE_MORE, lineno, f"{summary.dropped_notes:,} more notes about this input not listed "
            f"(at most {MAX_FILE_NOTES:,} are kept)",
        ))


def _stop(
    assembler: _MessageAssembler, lineno: int, detail: str, *, named: bool = False
) -> None:
    """End a stream at a cap: the message being read is dropped (it was not read whole);
    ``named``: ``detail`` names it already."""
    summary = assembler.summary
    dropped = assembler.finish_message()
    if dropped is not None:
        summary.messages -= 1
        if not named:
            detail += f"; message #{dropped.number} (line {dropped.line}) is not checked"
    assembler.flush_stray()
    _count_dropped(summary, lineno)
    summary.stopped = ReadNote(
        NOTE_STOPPED, lineno, detail + "; the rest of the input was not read"
    )


class _Prefixed:
    """A binary stream that first returns ``head`` (bytes already read to look at them)."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self.head = head
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        head = self.head
        if not head:
            return self.rest.read(size)
        if size < 0:
            self.head = b""
            return head + self.rest.read()
        self.head = head[size:]
        return head[:size]

    def read1(self, size: int = -1) -> bytes:
        """What has arrived, up to ``size`` (the head first), without waiting for more."""
        if self.head:
            return self.read(size)
        return arrived(self.rest)(size)

    def seek(self, offset: int, /) -> int:
        """Streams are read once, never sought (gzip does not seek to read forward)."""
        raise io.UnsupportedOperation("seek")


SNIFF_BYTES = 8192  # how much of a source is looked at to tell HL7 text from binary content


@dataclass(slots=True)
class Opened:
    """A source's content ready to read: gzip undone, its first bytes looked at."""

    stream: Readable  # the content from its first byte (head included)
    head: bytes  # up to SNIFF_BYTES of the content
    compressed: bool


def open_binary(source: Source) -> BinaryIO:
    """The raw bytes of a source: stdin's buffer, or the file opened read-only (OSError as
    ``open`` raises it). The caller closes it unless it is stdin."""
    if source.path == STDIN_NAME:
        return sys.stdin.buffer
    return open(source.path, "rb")


def decode_stream(raw: Readable) -> Opened:
    """``raw``'s content, decompressed when it starts with the gzip magic bytes (files and pipes
    alike: nothing is seeked). Reading a broken gzip stream raises OSError, EOFError or
    zlib.error."""
    magic = raw.read(len(GZIP_MAGIC))
    if magic == GZIP_MAGIC:
        inner = gzip.GzipFile(fileobj=_Prefixed(magic, raw), mode="rb")
        head = inner.read(SNIFF_BYTES)
        return Opened(_Prefixed(head, inner), head, True)
    # What has arrived (a pipe's first message need not wait for SNIFF_BYTES more).
    head = magic + arrived(raw)(SNIFF_BYTES - len(magic)) if magic else b""
    return Opened(_Prefixed(head, raw), head, False)


READ_ERRORS = (OSError, EOFError, zlib.error)  # what reading a file or a gzip stream raises


def looks_binary(head: bytes) -> bool:
    """NUL bytes near the start of something that does not start like HL7: a binary file, or
    UTF-16 text (which hiecheck does not read)."""
    if b"\x00" not in head:
        return False
    start = head.removeprefix(BOM).lstrip(b"\x0b \t\r\n")
    return start[:3] not in (b"MSH", b"FHS", b"BHS")


def read_source(source: str, summary: SourceSummary | None = None) -> Iterator[RawMessage]:
    """Stream the messages of one file, stream or ``-`` for stdin (gzip read transparently);
    unreadable sources raise InputError."""
    src = Source(source, stream=source == STDIN_NAME)
    summary = summary or SourceSummary(src.name)
    try:
        handle = open_binary(src)
    except OSError as exc:
        raise InputError(source, f"cannot read file: {exc.strerror or exc}") from None
    try:
        yield from read_stream(decode_stream(handle).stream, summary)
    except READ_ERRORS as exc:
        raise InputError(source, f"read failed: {read_error_text(exc)}") from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def read_error_text(exc: BaseException) -> str:
    """What went wrong reading, in a few words (``Permission denied``, ``not a gzip file``)."""
    if isinstance(exc, gzip.BadGzipFile | EOFError | zlib.error):
        return f"broken gzip stream ({exc})"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)
