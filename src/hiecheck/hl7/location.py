"""Where a finding is: a typed value, turned into text (``PID[1]-7``) only when a report is written.

A :class:`Location` names a place by structure, never by content: a segment id in it is always a
valid one (three characters ``[A-Z][A-Z0-9]{2}``); a line that cannot be named by a valid segment id
is named by its line number instead. So no location can carry a patient value.

Text forms (what every report writes, see :func:`location_text`):

- ``PID[1]``, ``PID[1]-7``, ``OBX[3]-5.1``, ``PID[1]-3(2).4`` (second repetition), ``PID[1]-3.4.2``
  (sub-component): a segment of a message (its occurrence among the segments with that id) or a
  part of it;
- ``BHS``, ``BTS-1``, ``FTS-1``: a batch envelope segment of the file (not counted);
- ``line 12``: a line of the input that no segment id names;
- ``file``: the input as a whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}")
_FIELD_REF = re.compile(r"([A-Z][A-Z0-9]{2})(?:-([1-9][0-9]*)(?:\.([1-9][0-9]*))?)?")


class LocationKind(StrEnum):
    """What a location points at."""

    SEGMENT = "segment"  # a segment of a message, or one of its fields, components …
    BATCH = "batch"  # a batch envelope segment (FHS, BHS, BTS, FTS) or one of its fields
    LINE = "line"  # a line of the input, by number
    FILE = "file"  # the input as a whole


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field or one of its components regardless of occurrence and repetition: ``PID-3.4``.

    What the evidence step counts across messages ("PID-3.4 not valued in 3 of 9 messages").
    """

    segment: str
    field: int | None = None
    component: int | None = None

    def __str__(self) -> str:
        if self.field is None:
            return self.segment
        return f"{self.segment}-{self.field}" + (
            f".{self.component}" if self.component is not None else ""
        )

    def __lt__(self, other: FieldRef) -> bool:
        """In the order of their text (``PR1`` < ``PR1-3`` < ``PR1-3.1``), as reports list them."""
        return str(self) < str(other)

    def whole_field(self) -> FieldRef:
        """The field without its component: ``OBX-3.1`` → ``OBX-3``."""
        return self if self.component is None else FieldRef(self.segment, self.field)

    @classmethod
    def parse(cls, text: str) -> FieldRef:
        """``SEG``, ``SEG-n`` or ``SEG-n.c`` as profiles write them (ValueError otherwise)."""
        m = _FIELD_REF.fullmatch(text)
        if m is None:
            raise ValueError(f"{text!r} is not SEG, SEG-n or SEG-n.c")
        seg, number, component = m.groups()
        return cls(seg, int(number) if number else None, int(component) if component else None)


class Location(NamedTuple):
    """An exact place in an input: see the module docstring for the kinds and their text.

    ``occurrence`` counts the segments with the same id in the message (1 = the first);
    ``repetition`` is None or 1 for the first repetition (only later ones are written).
    Immutable; a named tuple because findings make one each, thousands per second.
    """

    kind: LocationKind
    segment: str = ""
    occurrence: int = 0
    field: int | None = None
    repetition: int | None = None
    component: int | None = None
    subcomponent: int | None = None
    line: int | None = None

    def __str__(self) -> str:
        return location_text(self)

    def field_ref(self) -> FieldRef | None:
        """The field (and component) this location names, for counting across messages; None
        for a file, a line or a batch segment."""
        if self.kind is not LocationKind.SEGMENT:
            return None
        return FieldRef(self.segment, self.field, self.component)


def at_segment(
    seg_id: str,
    occurrence: int,
    number: int | None = None,
    component: int | None = None,
    repetition: int | None = None,
    subcomponent: int | None = None,
) -> Location:
    """A segment of a message or one of its parts (``seg_id`` must be a valid segment id)."""
    return Location(
        LocationKind.SEGMENT, seg_id, occurrence, number, repetition, component, subcomponent
    )


def at_batch(seg_id: str, number: int | None = None) -> Location:
    """A batch envelope segment (``BHS``) or one of its fields (``BTS-1``)."""
    return Location(LocationKind.BATCH, seg_id, 0, number)


def at_line(line: int) -> Location:
    """A line of the input that no valid segment id names (``line 12``)."""
    return Location(LocationKind.LINE, line=line)


FILE = Location(LocationKind.FILE)


def location_text(where: Location) -> str:
    """The text every report writes for ``where``: ``PID[1]-3(2).4``, ``BTS-1``, ``line 12``,
    ``file``."""
    kind = where.kind
    if kind is LocationKind.SEGMENT:
        out = f"{where.segment}[{where.occurrence}]"
    elif kind is LocationKind.BATCH:
        out = where.segment
    elif kind is LocationKind.LINE:
        return f"line {where.line}"
    else:
        return "file"
    if where.field is None:
        return out
    out += f"-{where.field}"
    if where.repetition and where.repetition > 1:
        out += f"({where.repetition})"
    if where.component is not None:
        out += f".{where.component}"
        if where.subcomponent is not None:
            out += f".{where.subcomponent}"
    return out


def is_segment_id(text: str) -> bool:
    """True when ``text`` is a valid segment id, ``[A-Z][A-Z0-9]{2}`` (and may therefore be named
    in a report)."""
    return (
        len(text) == 3 and text.isascii() and text.isalnum() and text.isupper()
        and text[0].isalpha()
    )
