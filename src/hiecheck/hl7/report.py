"""The validation report as pydantic models, built incrementally so memory stays flat.

``ValidationReport`` is the JSON output (``--format json``). :class:`hiecheck.hl7.tally.Tally`
keeps the totals while results stream past; :class:`JsonStreamWriter` writes exactly what
``ValidationReport.model_dump_json(indent=2)`` would, one message at a time. Values are left out
unless ``show_values`` (PHI).
"""

from __future__ import annotations

import json
from typing import TextIO

from pydantic import BaseModel, Field

import hiecheck
from hiecheck.hl7.content import GroupResult, GroupStatus
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import Location, location_text
from hiecheck.hl7.tally import UNREADABLE_RULES, Tally, Totals
from hiecheck.hl7.validate import MessageResult, RenderedMessages, SourceEnd, SourceStart


class FindingOut(BaseModel):
    """One finding: rule, severity, where, what; ``value`` only with --show-values."""

    rule: str
    severity: Severity
    message: str
    file: str
    line: int
    message_number: int = Field(description="1-based message number in its file; 0 = the file")
    location: str
    value: str | None = None


class GroupOut(BaseModel):
    """A content-group verdict for one message."""

    status: GroupStatus
    missing: list[str] = []
    invalid: list[str] = []
    re_missing: list[str] = []


class MessageOut(BaseModel):
    """One message's result."""

    number: int
    line: int
    message_type: str
    control_id: str
    version: str
    segments: list[str]
    latency_seconds: float | None
    latency_from: str | None = Field(
        default=None, description="the event-time field the latency was measured from"
    )
    groups: dict[str, GroupOut]
    errors: int
    warnings: int
    infos: int
    findings: list[FindingOut]


class FileOut(BaseModel):
    """One input file: its messages, then file-level findings and counts."""

    file: str
    results: list[MessageOut]
    findings: list[FindingOut]
    messages: int
    errors: int
    warnings: int
    infos: int


class ValidationReport(BaseModel):
    """The whole ``hiecheck validate`` report."""

    tool: str = "hiecheck"
    tool_version: str = Field(default_factory=lambda: hiecheck.__version__)
    requirements: str | None
    show_values: bool
    files: list[FileOut]
    totals: Totals
    exit_code: int


def finding_out(f: Finding, show_values: bool) -> FindingOut:
    """A finding as output (value dropped unless show_values)."""
    return FindingOut(
        rule=f.rule, severity=f.severity, message=f.message, file=f.source, line=f.line,
        message_number=f.message_number, location=f.location,
        value=f.value if show_values else None,
    )


def _texts(locations: list[Location]) -> list[str]:
    return [location_text(w) for w in locations]


def _group_out(g: GroupResult) -> GroupOut:
    return GroupOut(status=g.status, missing=_texts(g.missing), invalid=_texts(g.invalid),
                    re_missing=_texts(g.re_missing))


def _counts(findings: list[Finding]) -> tuple[int, int, int]:
    e = w = i = 0
    for f in findings:
        if f.severity is Severity.ERROR:
            e += 1
        elif f.severity is Severity.WARNING:
            w += 1
        else:
            i += 1
    return e, w, i


def message_out(r: MessageResult, show_values: bool) -> MessageOut:
    """A message result as output."""
    e, w, i = _counts(r.findings)
    return MessageOut(
        number=r.number, line=r.line, message_type=r.message_type, control_id=r.control_id,
        version=r.version, segments=list(r.segment_ids), latency_seconds=r.latency,
        latency_from=None if r.latency_from is None else location_text(r.latency_from),
        groups={k: _group_out(v) for k, v in r.groups.items()},
        errors=e, warnings=w, infos=i, findings=[finding_out(f, show_values) for f in r.findings],
    )


# --- the streamed JSON of one message, written directly (pydantic models cost more than the check)

_string = json.encoder.encode_basestring  # C: JSON string, non-ASCII kept (as pydantic writes)


def _json_float(value: float) -> str | None:
    """A float as pydantic writes it, or None where Python's repr may differ (exponents)."""
    if value == 0 or 1e-4 <= abs(value) < 1e16:
        return repr(value)
    return None


def _json_locations(items: list[Location], pad: str) -> str:
    return _json_list([location_text(w) for w in items], pad) if items else "[]"


def _json_list(items: list[str] | tuple[str, ...], pad: str) -> str:
    if not items:
        return "[]"
    inner = pad + "  "
    return "[\n" + ",\n".join(inner + _string(i) for i in items) + "\n" + pad + "]"


PIECES_KEPT = 4096  # texts a JsonPieces keeps of each kind
PIECE_KEY_ITEMS = 200  # segment-id lists longer than this are written every time, never kept
PIECE_VALUE_CHARS = 256  # shown values longer than this likewise (memory stays flat)


class JsonPieces:
    """Texts that repeat message after message in the JSON report, written once per writer: the
    verdicts of groups that list nothing and the segment-id lists (a feed has few layouts)."""

    __slots__ = ("groups", "heads", "listing", "segments", "tails")

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str, str], str] = {}
        self.segments: dict[tuple[tuple[str, ...], str], str] = {}
        self.heads: dict[tuple[str, str, str, str, str], str] = {}
        self.tails: dict[tuple[Location, str | None, str], str] = {}
        self.listing: dict[tuple[object, ...], str] = {}

    def finding(self, f: Finding, show_values: bool, p2: str, p3: str) -> str:
        """One finding: its text up to the line (rule, severity, message, file) and from the
        location on are kept (a feed repeats the same finding message after message); only the
        line and message number are written anew."""
        key = (f.rule, f.severity, f.message, f.source, p2)
        head = self.heads.get(key)
        if head is None:
            head = (
                f'{p2}{{\n{p3}"rule": {_string(f.rule)},\n{p3}"severity": '
                f'{_string(f.severity.value)},\n{p3}"message": {_string(f.message)},\n'
                f'{p3}"file": {_string(f.source)},\n{p3}"line": '
            )
            if len(self.heads) >= PIECES_KEPT:
                self.heads.clear()
            self.heads[key] = head
        value = f.value if show_values else None
        tail_key = (f.where, value, p2)
        tail = self.tails.get(tail_key)
        if tail is None:
            tail = (
                f',\n{p3}"location": {_string(f.location)},\n{p3}"value": '
                f'{"null" if value is None else _string(value)}\n{p2}}}'
            )
            if value is None or len(value) <= PIECE_VALUE_CHARS:
                if len(self.tails) >= PIECES_KEPT:
                    self.tails.clear()
                self.tails[tail_key] = tail
        return f'{head}{f.line},\n{p3}"message_number": {f.message_number}{tail}'

    def segment_list(self, ids: tuple[str, ...], pad: str) -> str:
        """The segment-id list."""
        if len(ids) > PIECE_KEY_ITEMS:
            return _json_list(ids, pad)
        key = (ids, pad)
        found = self.segments.get(key)
        if found is None:
            found = _json_list(ids, pad)
            if len(self.segments) >= PIECES_KEPT:
                self.segments.clear()
            self.segments[key] = found
        return found

    def group(self, gid: str, g: GroupResult, p2: str, p3: str) -> str:
        """One group verdict."""
        plain = not (g.missing or g.invalid or g.re_missing)
        if plain:  # most verdicts list nothing: their text repeats message after message
            found = self.groups.get((gid, g.status, p2))
            if found is not None:
                return found
        else:  # the same gaps repeat too (a sender that never fills a field)
            key = (gid, g.status, p2, tuple(g.missing), tuple(g.invalid), tuple(g.re_missing))
            found = self.listing.get(key)
            if found is not None:
                return found
        text = (
            f'{p2}{_string(gid)}: {{\n{p3}"status": {_string(g.status)},\n'
            f'{p3}"missing": {_json_locations(g.missing, p3)},\n'
            f'{p3}"invalid": {_json_locations(g.invalid, p3)},\n'
            f'{p3}"re_missing": {_json_locations(g.re_missing, p3)}\n{p2}}}'
        )
        if plain:
            if len(self.groups) < PIECES_KEPT:
                self.groups[(gid, g.status, p2)] = text
        else:
            if len(self.listing) >= PIECES_KEPT:
                self.listing.clear()
            self.listing[key] = text
        return text


def message_json(
    r: MessageResult, show_values: bool, pad: str = "", pieces: JsonPieces | None = None
) -> str:
    """``message_out(r, show_values).model_dump_json(indent=2)``, each line after the first
    indented by ``pad``: the same text, built without pydantic models. ``pieces``: the texts a
    writer keeps for the next messages."""
    pieces = pieces or JsonPieces()
    latency = "null"
    if r.latency is not None:
        written = _json_float(r.latency)
        if written is None:
            text = message_out(r, show_values).model_dump_json(indent=2)
            return text.replace("\n", "\n" + pad)
        latency = written
    latency_from = "null" if r.latency_from is None else _string(location_text(r.latency_from))
    e, w, i = _counts(r.findings)
    p1, p2, p3 = pad + "  ", pad + "    ", pad + "      "
    if r.groups:
        groups = "{\n" + ",\n".join(
            pieces.group(gid, g, p2, p3) for gid, g in r.groups.items()
        ) + f"\n{p1}}}"
    else:
        groups = "{}"
    if r.findings:
        finding = pieces.finding
        findings = "[\n" + ",\n".join(
            [finding(f, show_values, p2, p3) for f in r.findings]
        ) + f"\n{p1}]"
    else:
        findings = "[]"
    return (
        f'{{\n{p1}"number": {r.number},\n{p1}"line": {r.line},\n'
        f'{p1}"message_type": {_string(r.message_type)},\n'
        f'{p1}"control_id": {_string(r.control_id)},\n{p1}"version": {_string(r.version)},\n'
        f'{p1}"segments": {pieces.segment_list(r.segment_ids, p1)},\n'
        f'{p1}"latency_seconds": {latency},\n'
        f'{p1}"latency_from": {latency_from},\n'
        f'{p1}"groups": {groups},\n{p1}"errors": {e},\n{p1}"warnings": {w},\n'
        f'{p1}"infos": {i},\n{p1}"findings": {findings}\n{pad}}}'
    )


MESSAGE_PAD = " " * 8  # a message's lines in the document, after the first
MESSAGE_SEPARATOR = ",\n" + MESSAGE_PAD  # between two messages of a file


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return text.replace("\n", "\n" + pad)


class JsonMessageText:
    """One message's text in the JSON report (see :meth:`JsonStreamWriter.renderer`): kept
    pieces are rebuilt where it is used, only ``show_values`` travels to a worker."""

    __slots__ = ("pieces", "show_values")

    separator = MESSAGE_SEPARATOR

    def __init__(self, show_values: bool) -> None:
        self.show_values = show_values
        self.pieces = JsonPieces()

    def __call__(self, result: MessageResult, /) -> str:
        return message_json(result, self.show_values, MESSAGE_PAD, self.pieces)

    def __getstate__(self) -> bool:
        return self.show_values

    def __setstate__(self, state: bool) -> None:
        self.__init__(state)  # type: ignore[misc]


_RESULTS_EMPTY = '"results": []'
_FILES_EMPTY = '"files": []'


class JsonStreamWriter:
    """Writes ``ValidationReport.model_dump_json(indent=2)`` incrementally."""

    def __init__(self, out: TextIO, requirements: str | None, show_values: bool) -> None:
        self.out = out
        self.requirements = requirements
        self.show_values = show_values
        self.tally = Tally()
        self.pieces = JsonPieces()
        self._files = 0
        self._results = 0
        self._file = ""

    def _report(self, files: list[FileOut], totals: Totals, code: int) -> str:
        return ValidationReport(
            requirements=self.requirements, show_values=self.show_values, files=files,
            totals=totals, exit_code=code,
        ).model_dump_json(indent=2)

    def start(self) -> None:
        """Write everything before the first file."""
        head = self._report([], Totals(), 0)
        self.out.write(head[: head.index(_FILES_EMPTY) + len(_FILES_EMPTY) - 1])

    def renderer(self) -> JsonMessageText:
        """What writes one message's part of this document where it is checked (see
        :func:`hiecheck.hl7.validate.validate_rendered`)."""
        return JsonMessageText(self.show_values)

    def observe(
        self, event: SourceStart | MessageResult | RenderedMessages | SourceEnd
    ) -> None:
        """Write one event's part of the document."""
        self.tally.observe(event)
        if isinstance(event, RenderedMessages):
            self.out.write(MESSAGE_SEPARATOR if self._results else "\n        ")
            self._results += event.messages
            self.out.write(event.text)
        elif isinstance(event, SourceStart):
            self._file = event.source
            self._results = 0
            self.out.write(",\n    " if self._files else "\n    ")
            self._files += 1
            head = _indent(self._file_json([], 0), 4)
            self.out.write(head[: head.index(_RESULTS_EMPTY) + len(_RESULTS_EMPTY) - 1])
        elif isinstance(event, MessageResult):
            self.out.write(MESSAGE_SEPARATOR if self._results else "\n        ")
            self._results += 1
            self.out.write(message_json(event, self.show_values, MESSAGE_PAD, self.pieces))
        else:
            messages, e, w, i = self.tally.file_counts()
            tail = _indent(self._file_json(event.findings, messages, e, w, i), 4)
            start = tail.index(_RESULTS_EMPTY) + len(_RESULTS_EMPTY) - 1
            self.out.write(("\n      " if self._results else "") + tail[start:])

    def _file_json(
        self, findings: list[Finding], messages: int, e: int = 0, w: int = 0, i: int = 0
    ) -> str:
        return FileOut(
            file=self._file, results=[],
            findings=[finding_out(f, self.show_values) for f in findings],
            messages=messages, errors=e, warnings=w, infos=i,
        ).model_dump_json(indent=2)

    def finish(self) -> None:
        """Write totals and the exit code."""
        tail = self._report([], self.tally.final_totals(), int(self.tally.exit_code))
        start = tail.index(_FILES_EMPTY) + len(_FILES_EMPTY) - 1
        self.out.write(("\n  " if self._files else "") + tail[start:] + "\n")


def build_report(
    events: list[SourceStart | MessageResult | SourceEnd], requirements: str | None,
    show_values: bool = False,
) -> ValidationReport:
    """The whole report in memory (for small runs and the API)."""
    tally = Tally()
    files: list[FileOut] = []
    results: list[MessageOut] = []
    name = ""
    for event in events:
        tally.observe(event)
        if isinstance(event, SourceStart):
            name, results = event.source, []
        elif isinstance(event, MessageResult):
            results.append(message_out(event, show_values))
        else:
            messages, e, w, i = tally.file_counts()
            files.append(FileOut(
                file=name, results=results,
                findings=[finding_out(f, show_values) for f in event.findings],
                messages=messages, errors=e, warnings=w, infos=i,
            ))
    return ValidationReport(
        requirements=requirements, show_values=show_values, files=files,
        totals=tally.final_totals(), exit_code=int(tally.exit_code),
    )


__all__ = [
    "UNREADABLE_RULES", "JsonStreamWriter", "Tally", "Totals", "ValidationReport", "build_report",
]
