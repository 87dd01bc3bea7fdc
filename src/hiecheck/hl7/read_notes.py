"""Turn what the reader noticed (separators, BOM, framing, stray lines, batches) into findings
(rules ``read.*`` of :mod:`hiecheck.hl7.rules`).

The finding texts are built here from what the reader records as structure (kind, line, counts),
never from the text of the input: a stray line or a batch count may hold anything. Findings about
a whole file (not one message) carry message number 0.
"""

from __future__ import annotations

from hiecheck.hl7 import reader, rules
from hiecheck.hl7.findings import Finding
from hiecheck.hl7.location import FILE, Location, at_batch, at_line, at_segment, is_segment_id
from hiecheck.hl7.reader import RawMessage, ReadNote, SourceSummary
from hiecheck.hl7.rules import Rule

_NOTE_RULES: dict[str, Rule] = {
    reader.NOTE_LF: rules.READ_LF,
    reader.NOTE_CRLF: rules.READ_CRLF,
    reader.NOTE_BOM: rules.READ_BOM,
    reader.NOTE_MLLP: rules.READ_MLLP,
    reader.NOTE_BLANK: rules.READ_BLANK,
    reader.NOTE_WHITESPACE: rules.READ_WHITESPACE,
    reader.NOTE_LATIN1: rules.READ_NON_UTF8,
    reader.NOTE_STRAY: rules.READ_STRAY,
    reader.NOTE_STOPPED: rules.READ_UNREADABLE,
    reader.NOTE_MORE: rules.READ_MORE_NOTES,
}


def note_finding(note: ReadNote, source: str, message_number: int, where: Location) -> Finding:
    """One reader note as a finding. The reader's detail of these kinds is its own words (the
    separator it saw, a byte position), never the input's text."""
    rule = _NOTE_RULES.get(note.kind, rules.READ_OTHER)
    return rule.finding(note.detail, source, note.line, message_number, where)


def message_note_findings(raw: RawMessage) -> list[Finding]:
    """Findings for the notes attached to one message's lines."""
    if not raw.notes:
        return []
    lines = {ln: i for i, (ln, _) in enumerate(raw.lines)}
    out = []
    for note in raw.notes:
        i = lines.get(note.line)
        where = at_line(note.line) if i is None else _segment_at(raw, i)
        out.append(note_finding(note, raw.source, raw.number, where))
    return out


def _segment_at(raw: RawMessage, index: int) -> Location:
    """The segment on line ``index`` of the message, named by its id when the line starts with a
    valid one followed by the separator (or nothing), else by its line number."""
    lineno, text = raw.lines[index]
    seg_id = text[:3]
    if not is_segment_id(seg_id) or (len(text) > 3 and text[3].isalnum()):
        return at_line(lineno)
    occurrence = sum(1 for _, t in raw.lines[: index + 1] if t[:3] == seg_id)
    return at_segment(seg_id, occurrence)


_COUNT_DIGITS = 6  # a longer "count" is more likely something else (a date, an identifier)


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
            self.findings.append(rules.READ_BATCH_UNCLOSED.finding(
                "BHS batch has no BTS trailer", self.summary.source, self.batch_line, 0,
                at_batch("BHS"),
            ))
            self.in_batch = False

    def _check(self, lineno: int, text: str, seen: int, seg: str, what: str) -> None:
        written = _count_field(text)
        if not written:
            return
        if not (written.isascii() and written.isdigit() and len(written) <= _COUNT_DIGITS):
            text = f"{seg}-1 is not a count of {what} ({seen} found)"
        elif int(written) != seen:
            text = f"{seg}-1 says {written} {what}, {seen} found"
        else:
            return
        self.findings.append(rules.READ_BATCH_COUNT.finding(
            text, self.summary.source, lineno, 0, at_batch(seg, 1), written,
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
    out = [note_finding(n, summary.source, 0, at_line(n.line)) for n in summary.notes]
    for stray in summary.stray:
        # StrayContent.detail is not used: it quotes the start of the line.
        out.append(rules.READ_STRAY.finding(
            f"{stray.count} line(s) outside any message, from line {stray.line}: not part of a "
            "message (a message starts with MSH)",
            summary.source, stray.line, 0, at_line(stray.line),
        ))
    out.extend(batch.finish())
    if summary.messages == 0:
        out.append(rules.READ_NO_MESSAGE.finding(
            "no HL7 message (no MSH segment) in this input", summary.source, 1, 0, FILE,
        ))
    out.sort(key=lambda f: f.line)
    return out
