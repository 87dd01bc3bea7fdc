"""Findings: what a check says about one place in one message.

Kept as slotted dataclasses on the hot path (thousands of messages per second); the report models
turn them into output. Every finding is made from a rule of :mod:`hiecheck.hl7.rules` (its id and
severity come from there).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from hiecheck.hl7.location import Location, location_text

if TYPE_CHECKING:
    from hiecheck.hl7.message import Message, Segment
    from hiecheck.hl7.rules import Rule


class Severity(StrEnum):
    """How much a finding matters: errors fail a CI gate, warnings and info do not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(slots=True)
class Finding:
    """One finding at an exact place: file, line, message number and a :class:`Location`.

    ``message`` names fields and counts, never patient values; ``value`` holds the offending value
    for ``--show-values`` (reports omit it otherwise). ``group`` names the content group a
    ``content.*`` finding belongs to (None for the others).
    """

    rule: str
    severity: Severity
    message: str
    source: str
    line: int
    message_number: int
    where: Location
    value: str | None = None
    group: str | None = None

    @property
    def location(self) -> str:
        """``where`` as every report writes it: ``PID[1]-7``, ``BTS-1``, ``line 12``, ``file``."""
        return location_text(self.where)


def segment_finding(
    message: Message,
    seg: Segment,
    rule: Rule,
    text: str,
    where: Location,
    value: str | None = None,
) -> Finding:
    """A finding of ``rule`` about ``seg`` of ``message``: its source, line and message number
    filled in."""
    return rule.finding(text, message.source, seg.line, message.number, where, value)
