"""A light, fast view of one HL7 v2 message: delimiters, segments, fields, components.

Splitting is done on the message's own delimiters (MSH-1 and MSH-2), never assumed. Values are
kept escaped as written; :func:`unescape` decodes them when a value is needed. Places in a message
are :class:`hiecheck.hl7.location.Location` values (``Segment.at``), written ``PID[1]-7`` (first
PID, field 7), ``OBX[3]-5.1`` (component 1), ``PID[1]-3(2).4`` (second repetition) and
``PID[1]-3.4.2`` (sub-component) only by reports.

The message type (MSH-9) is read once, here: code, trigger event and structure compare without
regard to case and are kept upper case (``adt^a04`` is ``ADT^A04`` for every check).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hiecheck.hl7.location import Location, at_line, at_segment, is_segment_id, location_text
from hiecheck.hl7.reader import RawMessage

HL7_NULL = '""'
# C0 control characters (and DEL) that have no place in a field; TAB is left alone (senders use it
# in text), CR and LF end segments. A field holding only these is not valued.
CONTROL_CHARACTERS = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
_CONTROL_SET = frozenset(CONTROL_CHARACTERS)
_CONTROL = re.compile(f"[{re.escape(CONTROL_CHARACTERS)}]")
# Every byte to itself, each control character to NUL: translating an ASCII message with it and
# looking for NUL (memchr) is about four times as fast as a regular expression search.
_CONTROL_TO_NUL = bytes(0 if chr(b) in _CONTROL_SET else b for b in range(256))


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds one of :data:`CONTROL_CHARACTERS`."""
    if text.isascii():
        return b"\x00" in text.encode("ascii").translate(_CONTROL_TO_NUL)
    return _CONTROL.search(text) is not None
_CODE = re.compile(r"[A-Z0-9]{3}")
_STRUCTURE = re.compile(r"[A-Z0-9]{3}(?:_[A-Z0-9]{3})?")
NO_TYPE = "(no type)"
NOT_A_CODE = "(not a message code)"


def is_code(text: str) -> bool:
    """True when ``text`` has the form of an HL7 message code or trigger event (``ADT``, ``A04``):
    only such text is named in findings and tallies (anything else could be a patient value)."""
    return _CODE.fullmatch(text) is not None


def is_structure_id(text: str) -> bool:
    """True when ``text`` has the form of a message structure id (``ADT_A01``, ``ACK``)."""
    return _STRUCTURE.fullmatch(text) is not None


def type_label(code: str) -> str:
    """How reports name messages of MSH-9.1 ``code``: the code itself, ``(no type)`` when empty,
    ``(not a message code)`` when it does not have the form of one."""
    if not code:
        return NO_TYPE
    return code if is_code(code) else NOT_A_CODE


@dataclass(slots=True, frozen=True)
class Delimiters:
    """The separators a message declares in MSH-1 and MSH-2."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"
    truncation: str | None = None


DEFAULT_DELIMITERS = Delimiters()
_DEFAULT_NOTHING = "^~& " + CONTROL_CHARACTERS  # what a field that carries nothing strips to ''


@dataclass(slots=True)
class HeaderProblem:
    """A problem found while reading MSH-1/MSH-2 (the checks turn it into a finding)."""

    rule: str
    detail: str


class Segment:
    """One segment; ``fields[n]`` is field n as written (``fields[0]`` is the segment id).

    For MSH, ``fields[1]`` is the field separator and ``fields[2]`` the encoding characters, so
    field numbers match the standard everywhere.
    """

    __slots__ = ("_fields", "delimiters", "id", "line", "occurrence", "text")

    def __init__(
        self,
        seg_id: str,
        line: int,
        occurrence: int,
        fields: list[str] | None,
        delimiters: Delimiters,
        text: str = "",
    ) -> None:
        self.id = seg_id
        self.line = line
        self.occurrence = occurrence
        self._fields = fields  # None: split ``text`` on first use (most segments never need it)
        self.delimiters = delimiters
        self.text = text  # the line as written (fields joined by the separator)

    @property
    def fields(self) -> list[str]:
        """The fields as written; ``fields[0]`` is the segment id."""
        found = self._fields
        if found is None:
            found = self._fields = self.text.split(self.delimiters.field)
        return found

    def __repr__(self) -> str:
        return f"Segment({self.id}[{self.occurrence}] at line {self.line})"

    @property
    def field_count(self) -> int:
        """Number of fields written (trailing empty ones included)."""
        return len(self.fields) - 1

    def field(self, number: int) -> str:
        """Field ``number`` as written, all repetitions; '' when absent."""
        found = self._fields
        if found is None:
            if number <= 0:
                return ""
            found = self.text.split(self.delimiters.field, number + 1)  # only as far as needed
        return found[number] if 0 < number < len(found) else ""

    def repetitions(self, number: int) -> list[str]:
        """The repetitions of a field ('' when absent gives [''])."""
        value = self.field(number)
        if self.id == "MSH" and number <= 2:
            return [value]
        return value.split(self.delimiters.repetition)

    def component(self, number: int, component: int = 1, repetition: int = 1) -> str:
        """One component of one repetition of field ``number``; empty when absent."""
        reps = self.repetitions(number)
        if repetition > len(reps):
            return ""
        comps = reps[repetition - 1].split(self.delimiters.component)
        return comps[component - 1] if component <= len(comps) else ""

    def subcomponent(
        self, number: int, component: int, subcomponent: int, repetition: int = 1
    ) -> str:
        """Sub-component of a component; '' if absent."""
        subs = self.component(number, component, repetition).split(self.delimiters.subcomponent)
        return subs[subcomponent - 1] if subcomponent <= len(subs) else ""

    def is_valued(self, number: int, component: int | None = None) -> bool:
        """True when the field (or one of its repetitions' component) holds a non-null value."""
        if component is None:
            value = self.field(number)
            return bool(value) and value != HL7_NULL and _has_content(value, self.delimiters)
        return any(
            is_value(self.component(number, component, rep))
            for rep in range(1, len(self.repetitions(number)) + 1)
        )

    def at(
        self,
        number: int | None = None,
        component: int | None = None,
        repetition: int | None = None,
        subcomponent: int | None = None,
    ) -> Location:
        """This segment or one of its parts. A segment whose id is not a valid one (a line with
        no field separator, ``pid``, ``PIDX``) is named by its line: its text is never a
        location."""
        if not is_segment_id(self.id):
            return at_line(self.line)
        return at_segment(self.id, self.occurrence, number, component, repetition, subcomponent)

    def location(
        self,
        number: int | None = None,
        component: int | None = None,
        repetition: int | None = None,
        subcomponent: int | None = None,
    ) -> str:
        """:meth:`at` as reports write it, e.g. ``OBX[3]-5.1``."""
        return location_text(self.at(number, component, repetition, subcomponent))


def is_value(text: str) -> bool:
    """A present, non-null value (HL7 ``""`` means an explicit null; control characters alone
    are nothing)."""
    return bool(text) and text != HL7_NULL and (
        text[0] not in _CONTROL_SET or bool(text.strip(CONTROL_CHARACTERS))
    )


def _has_content(value: str, d: Delimiters) -> bool:
    """A field made only of separators (``^^~^``), spaces and control characters carries
    nothing."""
    empty = _DEFAULT_NOTHING if d is DEFAULT_DELIMITERS else (
        d.component + d.repetition + d.subcomponent + " " + CONTROL_CHARACTERS
    )
    return bool(value.strip(empty))


@dataclass(slots=True)
class Message:
    """A tokenized message: its segments in order plus the header facts checks need first."""

    raw: RawMessage
    delimiters: Delimiters
    segments: list[Segment]
    header_problems: list[HeaderProblem] = field(default_factory=list)
    # Read once from MSH (every check needs them): MSH-12.1, e.g. ``2.5.1``; MSH-9.1 ``ADT``;
    # MSH-9.2 ``A01``; MSH-9.3 (often missing in older versions) ``ADT_A01``; the three upper
    # case, ``type_case_differs`` when MSH-9 was written otherwise.
    version: str = field(init=False, default="")
    message_code: str = field(init=False, default="")
    trigger_event: str = field(init=False, default="")
    structure_id: str = field(init=False, default="")
    type_case_differs: bool = field(init=False, default=False)
    # Segment id -> its segments in order (built by the tokenizer; computed if not given).
    index: dict[str, list[Segment]] = field(default_factory=dict, repr=False, compare=False)
    # Whether any line holds a control character (None: not looked yet; see has_controls).
    _controls: bool | None = field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.index:
            for seg in self.segments:
                self.index.setdefault(seg.id, []).append(seg)
        msh = self.segments[0]
        d = msh.delimiters
        twelve = msh.field(12)
        if d.component in twelve or d.repetition in twelve:
            twelve = msh.component(12, 1)
        self.version = twelve.strip()
        nine = msh.field(9).split(d.repetition)[0].split(d.component)
        count = len(nine)
        code = nine[0].strip()
        event = nine[1].strip() if count > 1 else ""
        structure = nine[2].strip() if count > 2 else ""
        self.message_code = upper = code.upper()
        if upper != code:
            self.type_case_differs = True
        if event:
            self.trigger_event = upper = event.upper()
            if upper != event:
                self.type_case_differs = True
        if structure:
            self.structure_id = upper = structure.upper()
            if upper != structure:
                self.type_case_differs = True

    @property
    def has_controls(self) -> bool:
        """Whether any line holds one of :data:`CONTROL_CHARACTERS`: such messages take the plain
        path of every check (one scan of the message, on first use)."""
        found = self._controls
        if found is None:
            found = self._controls = has_control_characters(
                "".join([text for _, text in self.raw.lines])
            )
        return found

    @property
    def source(self) -> str:
        return self.raw.source

    @property
    def number(self) -> int:
        return self.raw.number

    @property
    def line(self) -> int:
        return self.raw.line

    @property
    def msh(self) -> Segment:
        return self.segments[0]

    @property
    def control_id(self) -> str:
        """MSH-10."""
        return self.msh.field(10)

    def segments_named(self, seg_id: str) -> list[Segment]:
        """All segments with this id, in order."""
        return list(self.index.get(seg_id, ()))

    def first(self, seg_id: str) -> Segment | None:
        """The first segment with this id, or None."""
        found = self.index.get(seg_id)
        return found[0] if found else None


_DEFAULT_HEAD = "MSH|^~\\&|"


def read_delimiters(msh_text: str) -> tuple[Delimiters, str, list[HeaderProblem]]:
    """Delimiters from an MSH line, the MSH-2 text as written, and any problems with them.

    The texts of the problems name counts, never the characters written (MSH-2 is what the
    sender put there: it may be anything)."""
    if msh_text.startswith(_DEFAULT_HEAD) or msh_text == _DEFAULT_HEAD[:-1]:
        return DEFAULT_DELIMITERS, "^~\\&", []  # nearly every message: nothing to work out
    problems: list[HeaderProblem] = []
    if len(msh_text) < 4:
        problems.append(HeaderProblem("MSH-1.missing", "MSH has no field separator"))
        return DEFAULT_DELIMITERS, "", problems
    sep = msh_text[3]
    if sep.isalnum() or sep.isspace():
        problems.append(
            HeaderProblem("MSH-1.invalid", f"field separator {sep!r} is a letter, digit or space")
        )
    end = msh_text.find(sep, 4)
    written = msh_text[4:] if end < 0 else msh_text[4:end]
    chars = written
    if len(set(chars)) != len(chars):
        deduped = "".join(dict.fromkeys(chars))
        problems.append(HeaderProblem(
            "MSH-2.duplicate",
            f"MSH-2 repeats an encoding character ({len(chars)} written, {len(deduped)} "
            "distinct); the first of each is used",
        ))
        chars = deduped
    if len(chars) < 4:
        problems.append(HeaderProblem(
            "MSH-2.short",
            f"MSH-2 has {len(chars)} distinct encoding character(s), fewer than 4; defaults used "
            "for the rest",
        ))
        chars = chars + "^~\\&"[len(chars):]
    elif len(chars) > 5:
        problems.append(HeaderProblem(
            "MSH-2.long", f"MSH-2 has {len(chars)} encoding characters, more than 5"
        ))
    if sep in chars[:4]:
        problems.append(
            HeaderProblem("MSH-2.invalid", "an encoding character equals the field separator")
        )
    delimiters = Delimiters(
        field=sep,
        component=chars[0],
        repetition=chars[1],
        escape=chars[2],
        subcomponent=chars[3],
        truncation=chars[4] if len(chars) > 4 else None,
    )
    if delimiters == DEFAULT_DELIMITERS:
        delimiters = DEFAULT_DELIMITERS  # one shared object: checks test it with `is`
    return delimiters, written, problems


def tokenize(raw: RawMessage) -> Message:
    """Split a raw message into segments and fields on its own delimiters."""
    lines = raw.lines
    msh_text = lines[0][1]
    delimiters, enc_written, problems = read_delimiters(msh_text)
    sep = delimiters.field
    index: dict[str, list[Segment]] = {}
    segments: list[Segment] = []
    append = segments.append
    new = object.__new__
    for lineno, text in lines:
        cut = text.find(sep)
        seg_id = text if cut < 0 else text[:cut]
        parts: list[str] | None = None  # split lazily (Segment.fields)
        if seg_id == "MSH" and not segments:
            # MSH-1 is the separator itself and MSH-2 the encoding characters as written.
            parts = ["MSH", sep, enc_written, *text[4 + len(enc_written) + 1 :].split(sep)]
            if len(text) <= 4 + len(enc_written):
                parts = parts[:3]
        # Segment.__init__ by hand: a Python-level __init__ call per segment is a tenth of
        # the whole tokenizer's time.
        seg = new(Segment)
        seg.id = seg_id
        seg.line = lineno
        seg._fields = parts
        seg.delimiters = delimiters
        seg.text = text
        same = index.get(seg_id)
        if same is None:
            seg.occurrence = 1
            index[seg_id] = [seg]
        else:
            seg.occurrence = len(same) + 1
            same.append(seg)
        append(seg)
    return Message(raw, delimiters, segments, problems, index)


_ESCAPES = {"F": "field", "S": "component", "T": "subcomponent", "R": "repetition", "E": "escape"}


def unescape(value: str, d: Delimiters) -> str:
    """Decode HL7 escape sequences (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\Xhh\\ \\.br\\ …) in a value."""
    esc = d.escape
    if esc not in value:
        return value
    out: list[str] = []
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if ch != esc:
            out.append(ch)
            i += 1
            continue
        end = value.find(esc, i + 1)
        if end < 0:
            out.append(value[i:])
            break
        code = value[i + 1 : end]
        if code in _ESCAPES:
            out.append(getattr(d, _ESCAPES[code]))
        elif code.startswith("X") and len(code) > 1:
            try:
                out.append(bytes.fromhex(code[1:]).decode("latin-1"))
            except ValueError:
                out.append(value[i : end + 1])
        elif code == ".br":
            out.append("\n")
        else:
            out.append(value[i : end + 1])
        i = end + 1
    return "".join(out)
