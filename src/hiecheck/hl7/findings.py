"""Findings: what a check says about one place in one message.

Kept as slotted dataclasses on the hot path (thousands of messages per second); the report models
turn them into pydantic output. Rule ids are stable and namespaced:

- ``read.*``      how the capture was written (separators, BOM, MLLP, stray lines)
- ``msh.*``       the header: delimiters, version, message type, control id
- ``structure.*`` segment order, groups and cardinality against the version's message structure
- ``segment.*``   unknown, malformed and Z-segments
- ``field.*``     field datatypes, lengths, repetitions and tables from the version's reference data
- ``content.*``   requirement sets from ``profiles/messages/`` (content groups, value sets)
- ``timing.*``    real-time evidence (event time vs message time)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hiecheck.hl7.message import Message, Segment


class Severity(StrEnum):
    """How much a finding matters: errors fail a CI gate, warnings and info do not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(slots=True)
class Finding:
    """One finding at an exact place: file, line, message number and a path like ``PID[1]-7``.

    ``value`` holds the offending value for ``--show-values``; reports omit it otherwise (PHI).
    ``group`` names the content group a ``content.*`` finding belongs to (None for the others).
    """

    rule: str
    severity: Severity
    message: str
    source: str
    line: int
    message_number: int
    location: str
    value: str | None = None
    group: str | None = None


def segment_finding(
    message: Message,
    seg: Segment,
    rule: str,
    severity: Severity,
    text: str,
    location: str,
    value: str | None = None,
) -> Finding:
    """A finding about ``seg`` of ``message``: its source, line and message number filled in."""
    return Finding(rule, severity, text, message.source, seg.line, message.number, location, value)
