"""Turn what the reader noticed (separators, BOM, framing, stray lines, batches) into findings.

Rule ids (severity): ``read.lf-separators``, ``read.crlf-separators``, ``read.utf8-bom``,
``read.mllp-framing``, ``read.blank-lines`` (info); ``read.leading-whitespace``,
``read.non-utf8`` (warning); ``read.stray-content``, ``read.batch-count``, ``read.no-message``
(error); ``read.batch-unclosed`` (warning).

Findings about a whole file (not one message) carry message number 0.
"""

from __future__ import annotations

from hiecheck.hl7 import reader
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.reader import RawMessage, ReadNote, SourceSummary

_NOTE_RULES: dict[str, tuple[str, Severity]] = {
    reader.NOTE_LF: ("read.lf-separators", Severity.INFO),
    reader.NOTE_CRLF: ("read.crlf-separators", Severity.INFO),
    reader.NOTE_BOM: ("read.utf8-bom", Severity.INFO),
    reader.NOTE_MLLP: ("read.mllp-framing", Severity.INFO),
    reader.NOTE_BLANK: ("read.blank-lines", Severity.INFO),
    reader.NOTE_WHITESPACE: ("read.leading-whitespace", Severity.WARNING),
    reader.NOTE_LATIN1: ("read.non-utf8", Severity.WARNING),
    reader.NOTE_STRAY: ("read.stray-content", Severity.ERROR),
}


def note_finding(note: ReadNote, source: str, message_number: int, where: str) -> Finding:
    """One reader note as a finding."""
    rule, severity = _NOTE_RULES.get(note.kind, (f"read.{note.kind}", Severity.INFO))
    return Finding(rule, severity, note.detail, source, note.line, message_number, where)


def message_note_findings(raw: RawMessage) -> list[Finding]:
    """Findings for the notes attached to one message's lines."""
    if not raw.notes:
        return []
    lines = {ln: i for i, (ln, _) in enumerate(raw.lines)}
    out = []
    for note in raw.notes:
        i = lines.get(note.line)
        where = f"line {note.line}" if i is None else _segment_label(raw, i)
        out.append(note_finding(note, raw.source, raw.number, where))
    return out


def _segment_label(raw: RawMessage, index: int) -> str:
    seg_id = raw.lines[index][1][:3]
    occurrence = sum(1 for _, t in raw.lines[: index + 1] if t[:3] == seg_id)
    return f"{seg_id}[{occurrence}]"


def _count_field(text: str) -> str:
    """Field 1 of a BTS/FTS line, split on the separator written after the segment id."""
    if len(text) < 4:
        return ""
    return text[4:].split(text[3])[0].strip()


class BatchTracker:
    """Checks BTS-1 / FTS-1 counts against the messages and batches seen, as they stream past.

    Call :meth:`message` for every message of the source in order, then :meth:`finish`.
    """

    def __init__(self, summary: SourceSummary) -> None:
        self.summary = summary
        self.done = 0  # batch segments already applied
        self.in_batch = False
        self.in_file = False
        self.batch_messages = 0
        self.file_batches = 0
        self.batch_line = 0
        self.findings: list[Finding] = []

    def _apply_until(self, line: int | None) -> None:
        segs = self.summary.batch_segments
        while self.done < len(segs) and (line is None or segs[self.done][0] < line):
            lineno, text = segs[self.done]
            self.done += 1
            head = text[:3]
            if head == "FHS":
                self.in_file, self.file_batches = True, 0
            elif head == "BHS":
                self._close_batch(None)
                self.in_batch, self.batch_messages, self.batch_line = True, 0, lineno
                self.file_batches += 1
            elif head == "BTS":
                self._close_batch((lineno, text))
            elif head == "FTS":
                self._close_batch(None)
                self._check(lineno, text, self.file_batches, "FTS", "batches")
                self.in_file = False

    def _close_batch(self, trailer: tuple[int, str] | None) -> None:
        if trailer is not None:
            lineno, text = trailer
            self._check(lineno, text, self.batch_messages, "BTS", "messages")
            self.in_batch = False
        elif self.in_batch:
            self.findings.append(Finding(
                "read.batch-unclosed", Severity.WARNING, "BHS batch has no BTS trailer",
                self.summary.source, self.batch_line, 0, "BHS",
            ))
            self.in_batch = False

    def _check(self, lineno: int, text: str, seen: int, seg: str, what: str) -> None:
        written = _count_field(text)
        if not written:
            return
        if not written.isdigit() or int(written) != seen:
            self.findings.append(Finding(
                "read.batch-count", Severity.ERROR,
                f"{seg}-1 says {written} {what}, {seen} found", self.summary.source, lineno, 0,
                f"{seg}-1", written,
            ))

    def message(self, raw: RawMessage) -> None:
        """Account for one message (in source order)."""
        self._apply_until(raw.line)
        if self.in_batch:
            self.batch_messages += 1
        elif self.in_file:
            # A message directly inside FHS without BHS counts as its own implicit batch content.
            self.batch_messages += 1

    def finish(self) -> list[Finding]:
        """Apply the remaining batch segments and return the batch findings."""
        self._apply_until(None)
        self._close_batch(None)
        return self.findings


def source_findings(summary: SourceSummary, batch: BatchTracker) -> list[Finding]:
    """File-level findings: notes outside messages, stray lines, batch counts, no message."""
    out = [note_finding(n, summary.source, 0, f"line {n.line}") for n in summary.notes]
    for stray in summary.stray:
        out.append(Finding(
            "read.stray-content", Severity.ERROR,
            f"{stray.count} line(s) outside any message: {stray.detail}",
            summary.source, stray.line, 0, f"line {stray.line}",
        ))
    out.extend(batch.finish())
    if summary.messages == 0:
        out.append(Finding(
            "read.no-message", Severity.ERROR, "no HL7 message (no MSH segment) in this input",
            summary.source, 1, 0, "file",
        ))
    out.sort(key=lambda f: f.line)
    return out
