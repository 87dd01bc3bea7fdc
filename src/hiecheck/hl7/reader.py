"""Read HL7 v2 captures as they come: files, folders, globs or stdin, one or many messages each.

Handles `\\r`, `\\n` and `\\r\\n` separators (also mixed), a UTF-8 byte-order mark, MLLP framing
(VT … FS CR), blank lines, whitespace before the first segment, FHS/BHS batch envelopes and
non-UTF-8 bytes. Files are opened read-only in binary and streamed in chunks, so memory stays flat
whatever the size of a capture. Nothing here judges the content: what is unusual is recorded as a
:class:`ReadNote` for the checks to report.
"""

from __future__ import annotations

import glob
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from hiecheck.errors import InputError

CHUNK_SIZE = 1 << 20
BOM = b"\xef\xbb\xbf"
MLLP_START = b"\x0b"
MLLP_END = b"\x1c"
BATCH_SEGMENTS = frozenset({"FHS", "BHS", "BTS", "FTS"})
STDIN_NAME = "-"
HL7_SUFFIXES = frozenset({".hl7", ".txt", ".msg", ".dat", ".er7", ".hl7v2", ""})

# Kinds of read notes; the conformance checks turn them into findings with stable rule ids.
NOTE_LF = "lf-separators"
NOTE_CRLF = "crlf-separators"
NOTE_BOM = "utf8-bom"
NOTE_MLLP = "mllp-framing"
NOTE_BLANK = "blank-lines"
NOTE_WHITESPACE = "leading-whitespace"
NOTE_LATIN1 = "non-utf8-bytes"
NOTE_STRAY = "content-outside-message"


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


def is_message_file(name: str) -> bool:
    """Whether reading a folder picks up a file of this name as a message file."""
    return not name.startswith(".") and Path(name).suffix.lower() in HL7_SUFFIXES


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Turn files, folders (recursively) and glob patterns into an ordered list of sources.

    ``-`` stands for standard input. A name that matches nothing raises InputError.
    """
    out: list[str] = []
    for given in paths:
        if given == STDIN_NAME:
            out.append(STDIN_NAME)
            continue
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and is_message_file(p.name)
            )
            if not found:
                raise InputError(given, "folder holds no message files", expected="*.hl7 or *.txt")
            out.extend(str(p) for p in found)
        elif path.is_file():
            out.append(given)
        elif glob.has_magic(given):
            matches = sorted(p for p in glob.glob(given, recursive=True) if Path(p).is_file())
            if not matches:
                raise InputError(given, "pattern matches no file")
            out.extend(matches)
        else:
            raise InputError(given, "no such file or folder")
    return out


def _decode(raw: bytes, lineno: int, notes: list[ReadNote]) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        notes.append(
            ReadNote(NOTE_LATIN1, lineno, f"byte {exc.start + 1} is not UTF-8; read as Latin-1")
        )
        return raw.decode("latin-1")


def iter_lines(stream: BinaryIO) -> Iterator[tuple[bytes, bytes]]:
    """Yield (line, terminator) pairs; the terminator is b"\\r", b"\\n", b"\\r\\n" or b"" at EOF."""
    for lines, term in _line_runs(stream):
        for line in lines:
            yield line, term


def _line_runs(stream: BinaryIO) -> Iterator[tuple[list[bytes], bytes]]:
    """Runs of lines that share one terminator, in order (a whole chunk when it holds no LF)."""
    carry = b""
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            break
        data = carry + chunk
        # A CR at the very end may be the first half of a CRLF split across chunks.
        cut = len(data) - 1 if data.endswith(b"\r") else len(data)
        start = 0
        if b"\n" not in data:
            parts = data[:cut].split(b"\r")
            carry = parts.pop() + data[cut:]
            yield parts, b"\r"
            continue
        find_cr = data.find
        while start < cut:
            cr = find_cr(b"\r", start, cut)
            lf = find_cr(b"\n", start, cut)
            if cr < 0 and lf < 0:
                break
            if lf < 0 or (0 <= cr < lf):
                if cr + 1 < len(data) and data[cr + 1 : cr + 2] == b"\n":
                    yield [data[start:cr]], b"\r\n"
                    start = cr + 2
                else:
                    yield [data[start:cr]], b"\r"
                    start = cr + 1
            else:
                yield [data[start:lf]], b"\n"
                start = lf + 1
        carry = data[start:]
    if carry:
        if carry.endswith(b"\r"):
            yield [carry[:-1]], b"\r"
        else:
            yield [carry], b""


class _MessageAssembler:
    """Groups decoded lines into messages, batch envelopes and stray content."""

    def __init__(self, summary: SourceSummary) -> None:
        self.summary = summary
        self.current: RawMessage | None = None
        self.batch: BatchContext | None = None
        self.stray_start = 0
        self.stray_count = 0
        self.stray_detail = ""

    def flush_stray(self) -> None:
        if self.stray_count:
            self.summary.stray.append(
                StrayContent(self.summary.source, self.stray_start, self.stray_count,
                             self.stray_detail)
            )
            self.stray_count = 0

    def finish_message(self) -> RawMessage | None:
        done, self.current = self.current, None
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
            self.summary.notes.extend(notes)
            return done
        if self.current is not None:
            self.current.lines.append((lineno, text))
            self.current.notes.extend(notes)
            return None
        if not self.stray_count:
            self.stray_start = lineno
            self.stray_detail = f"line does not start a message (begins {text[:3]!r})"
        self.stray_count += 1
        self.summary.notes.extend(notes)
        return None


def read_stream(stream: BinaryIO, summary: SourceSummary) -> Iterator[RawMessage]:
    """Stream the messages of one binary stream, filling ``summary`` as it goes."""
    assembler = _MessageAssembler(summary)
    lineno = 0
    first = True
    seen_terminators: set[bytes] = set()
    mllp_noted = False
    blank_run_start = 0
    batch_heads = BATCH_SEGMENTS
    for run, term in _line_runs(stream):
        for raw in run:
            lineno += 1
            current = assembler.current
            if (
                current is not None and term == b"\r" and not blank_run_start and raw
                and raw[0] > 32 and raw[-1] != 28  # no whitespace, VT or FS: nothing to note
            ):
                # The common line: a segment of the current message, CR-terminated.
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
                    (assembler.current.notes if assembler.current else summary.notes).extend(notes)
                continue
            if blank_run_start:
                if assembler.current is not None:
                    assembler.current.notes.append(
                        ReadNote(NOTE_BLANK, blank_run_start, "blank line(s) between segments")
                    )
                elif summary.messages:
                    summary.notes.append(
                        ReadNote(NOTE_BLANK, blank_run_start, "blank line(s) between segments")
                    )
                else:  # nothing read yet: the input does not start with MSH
                    summary.notes.append(ReadNote(
                        NOTE_WHITESPACE, blank_run_start,
                        "blank line(s) before the first segment: the input does not start with MSH",
                    ))
                blank_run_start = 0
            if raw[:1].isspace():
                notes.append(ReadNote(NOTE_WHITESPACE, lineno, "whitespace before the segment id"))
                raw = raw.lstrip()
            text = _decode(raw, lineno, notes)
            done = assembler.add(lineno, text, notes)
            if done is not None:
                yield done
    assembler.flush_stray()
    last = assembler.finish_message()
    if last is not None:
        yield last


def read_source(source: str, summary: SourceSummary | None = None) -> Iterator[RawMessage]:
    """Stream the messages of one file (or ``-`` for stdin); unreadable files raise InputError."""
    if source == STDIN_NAME:
        summary = summary or SourceSummary("<stdin>")
        yield from read_stream(sys.stdin.buffer, summary)
        return
    summary = summary or SourceSummary(source)
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed in finally; generator keeps it open
    except OSError as exc:
        raise InputError(source, f"cannot read file: {exc.strerror or exc}") from None
    try:
        yield from read_stream(handle, summary)
    except OSError as exc:
        raise InputError(source, f"read failed: {exc.strerror or exc}") from None
    finally:
        handle.close()
