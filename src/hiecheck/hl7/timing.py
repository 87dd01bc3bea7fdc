"""Real-time evidence: the delay between the event (EVN-2 …) and the message time (MSH-7).

Where the event time is read per message type comes from ``profiles/messages/timing.toml``.
HL7 DTM values are parsed with their precision (``YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]``; digits
of a fraction written without the dot, as some senders do, are accepted). When both times carry a
UTC offset they are compared as instants; when only one or neither does, both are read as the
sender's local time. Latency needs both times precise to the minute (``min_precision_digits``).

The latency itself is a result of every message (``MessageResult.latency`` and the field it was
measured from), not a finding. Rule ids of the findings: ``timing.negative`` (warning: event
after the message), ``timing.unparseable`` (warning), ``timing.imprecise`` (info),
``timing.no-event-time`` (info).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hiecheck.citation import Citation
from hiecheck.effective import EffectivePeriod
from hiecheck.hl7.findings import Finding
from hiecheck.hl7.location import Location, at_segment
from hiecheck.hl7.message import HL7_NULL, Message, Segment, _has_content
from hiecheck.hl7.requirements import messages_dir
from hiecheck.hl7.rules import (
    TIMING_IMPRECISE,
    TIMING_NEGATIVE,
    TIMING_NO_EVENT_TIME,
    TIMING_UNPARSEABLE,
    Rule,
)
from hiecheck.tomlfile import load_model

TIMING_FILE = "timing.toml"
_DTM = re.compile(
    r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.?(\d{1,4}))?([+-]\d{4})?$"
)
_FIELD = re.compile(r"^([A-Z][A-Z0-9]{2})-([1-9][0-9]*)$")


class EventTimeRule(BaseModel):
    """Fields holding the event time for some message types, in order of preference."""

    model_config = ConfigDict(extra="forbid")
    message_types: list[str] = Field(min_length=1)
    fields: list[str] = Field(min_length=1)

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _FIELD.match(item):
                raise ValueError(f"{item!r} is not SEG-n")
        return value


class TimingRules(EffectivePeriod):
    """``timing.toml``."""

    model_config = ConfigDict(extra="forbid")
    version: str
    min_precision_digits: int = Field(ge=4, le=14)
    citation: Citation
    event_time: list[EventTimeRule]


class HL7Time(NamedTuple):
    """A parsed DTM: the time, how many digits were given (4…14+), and whether it had an offset."""

    value: datetime
    digits: int
    has_offset: bool


_WHOLE_UNITS = frozenset({4, 6, 8, 10, 12, 14})  # YYYY[MM[DD[HH[MM[SS]]]]] without a fraction
_DEFAULT_UNITS = "0101000000"  # MMDDHHMMSS when absent: January 1st, 00:00:00
_ZONES: dict[str, timezone] = {}


def _zone(offset: str) -> timezone | None:
    """``+hhmm`` / ``-hhmm`` as a timezone (None when out of range), memoised."""
    zone = _ZONES.get(offset)
    if zone is None:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = int(offset[1:3]), int(offset[3:5])
        if hours > 14 or minutes > 59:
            return None
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
        if len(_ZONES) < 256:
            _ZONES[offset] = zone
    return zone


def parse_dtm(text: str) -> HL7Time | None:
    """Parse an HL7 DTM/TS (first component); None when it is not one."""
    text = text.strip()
    body, offset = text, ""
    if len(text) > 5 and text[-5] in "+-":
        body, offset = text[:-5], text[-5:]
    if (
        len(body) in _WHOLE_UNITS and body.isascii() and body.isdigit()
        and (not offset or offset[1:].isdigit())
    ):
        # The common case (whole units, ASCII digits): no regular expression needed.
        n = len(body)
        whole = int(body + _DEFAULT_UNITS[n - 4 :])  # YYYYMMDDHHMMSS, missing units defaulted
        year, rest = divmod(whole, 10**10)
        month, rest = divmod(rest, 10**8)
        day, rest = divmod(rest, 10**6)
        hour, rest = divmod(rest, 10**4)
        minute, second = divmod(rest, 100)
        zone = None
        if offset:
            zone = _zone(offset)
            if zone is None:
                return None
        try:
            value = datetime(year, month, day, hour, minute, second, tzinfo=zone)
        except ValueError:
            return None
        return HL7Time(value, n, bool(offset))
    m = _DTM.match(text)
    if not m:
        return None
    year, month, day, hour, minute, second, frac, offset = m.groups()
    digits = 4 + sum(2 for g in (month, day, hour, minute, second) if g)
    try:
        value = datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
            int(second or 0), int((frac or "0").ljust(6, "0")[:6]),
        )
        if offset:
            zone = _zone(offset)
            if zone is None:
                return None
            value = value.replace(tzinfo=zone)
    except ValueError:
        return None
    return HL7Time(value, digits, bool(offset))


@lru_cache(maxsize=8)
def load_timing_rules(profiles: Path | None = None) -> TimingRules:
    """Load ``profiles/messages/timing.toml``."""
    return load_model(messages_dir(profiles) / TIMING_FILE, TimingRules)


_FIELDS_CACHE: dict[tuple[int, str], tuple[TimingRules, list[tuple[str, int]]]] = {}


def _event_fields(rules: TimingRules, code: str) -> list[tuple[str, int]]:
    key = (id(rules), code)
    found = _FIELDS_CACHE.get(key)
    if found is None or found[0] is not rules:
        found = _FIELDS_CACHE[key] = (rules, _parse_event_fields(rules, code))
    return found[1]


def _parse_event_fields(rules: TimingRules, code: str) -> list[tuple[str, int]]:
    for rule in rules.event_time:
        if code in rule.message_types:
            out = []
            for f in rule.fields:
                seg, _, num = f.partition("-")
                out.append((seg, int(num)))
            return out
    return []


@dataclass(slots=True)
class LatencyResult:
    """Outcome of the latency check for one message (seconds is None when not computable).

    ``measured_from`` is the event-time field the latency was measured from (``EVN[1]-2``).
    """

    seconds: float | None
    findings: list[Finding]
    measured_from: Location | None = None


def _event_time(message: Message, rules: TimingRules) -> tuple[Segment, int, str] | None:
    for seg_id, number in _event_fields(rules, message.message_code):
        seg = message.first(seg_id)
        if seg is None:
            continue
        if seg_id == "MSH":
            if seg.is_valued(number):
                return seg, number, seg.component(number, 1)
            continue
        value = seg.field(number)  # read once: the same tests as is_valued and component
        d = seg.delimiters
        if value and value != HL7_NULL and _has_content(value, d):
            return seg, number, value.split(d.repetition, 1)[0].split(d.component, 1)[0]
    return None


_DAY_START: dict[str, int | None] = {}  # YYYYMMDD -> its first second since 0001-01-01, or None
_LOCATIONS: dict[tuple[str, int, int], Location] = {}
_MSH_7 = at_segment("MSH", 1, 7)


def _plain_seconds(text: str) -> int | None:
    """A 12- or 14-digit local time as seconds since 0001-01-01; None when it is not a valid time
    (the days repeat message after message, so each is computed once)."""
    day = _DAY_START.get(text[:8], -1)
    if day == -1:
        try:
            day = date(int(text[:4]), int(text[4:6]), int(text[6:8])).toordinal() * 86400
        except ValueError:
            day = None
        if len(_DAY_START) >= 4096:
            _DAY_START.clear()
        _DAY_START[text[:8]] = day
    if day is None:
        return None
    hour, minute = int(text[8:10]), int(text[10:12])
    second = int(text[12:14]) if len(text) == 14 else 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return day + hour * 3600 + minute * 60 + second


def _plain_latency(event_text: str, msh_text: str, min_digits: int) -> float | None:
    """The latency when both times are plain local times to the minute or second (``YYYYMMDDHHMM``
    or ``…SS``, no offset, no fraction) and the event is not after the message; otherwise None
    (the general path then parses, compares and explains)."""
    if not (
        len(event_text) in (12, 14) and len(msh_text) in (12, 14)
        and min(len(event_text), len(msh_text)) >= min_digits
        and event_text.isascii() and msh_text.isascii()
        and event_text.isdigit() and msh_text.isdigit()
    ):
        return None
    event = _plain_seconds(event_text)
    message = _plain_seconds(msh_text)
    if event is None or message is None or message < event:
        return None
    return float(message - event)


def _location(seg: Segment, number: int) -> Location:
    key = (seg.id, seg.occurrence, number)
    found = _LOCATIONS.get(key)
    if found is None:
        found = seg.at(number)
        if len(_LOCATIONS) < 1024:
            _LOCATIONS[key] = found
    return found


def check_timing(message: Message, rules: TimingRules | None = None) -> LatencyResult:
    """Latency between the event time and MSH-7, with findings explaining the outcome."""
    rules = rules or load_timing_rules()
    msh_text = message.msh.component(7, 1)
    found = _event_time(message, rules)
    if found is not None:
        seg, number, event_text = found
        seconds = _plain_latency(event_text, msh_text, rules.min_precision_digits)
        if seconds is not None:
            return LatencyResult(seconds, [], _location(seg, number))
    return _explained_latency(message, rules, msh_text, found)


def _explained_latency(
    message: Message, rules: TimingRules, msh_text: str, found: tuple[Segment, int, str] | None
) -> LatencyResult:
    """The general path: any DTM form, offsets, and a finding for every reason of no latency."""
    out: list[Finding] = []
    source, number_in_source = message.source, message.number

    def add(rule: Rule, text: str, line: int, where: Location, value: str | None) -> None:
        out.append(rule.finding(text, source, line, number_in_source, where, value))

    msh = message.msh
    if found is None:
        wanted = _event_fields(rules, message.message_code)
        if wanted:
            names = ", ".join(f"{s}-{n}" for s, n in wanted)
            add(TIMING_NO_EVENT_TIME,
                f"no event time ({names}) to measure latency", message.line, _MSH_7, None)
        return LatencyResult(None, out)
    seg, number, event_text = found
    event_loc = _location(seg, number)
    msh_time = parse_dtm(msh_text)
    event_time = msh_time if event_text == msh_text else parse_dtm(event_text)
    if msh_time is None or event_time is None:
        if msh_time is None and msh_text.strip():
            add(TIMING_UNPARSEABLE, "MSH-7 is not an HL7 date/time",
                msh.line, _MSH_7, msh_text)
        if event_time is None:
            add(TIMING_UNPARSEABLE,
                f"{seg.id}-{number} is not an HL7 date/time", seg.line, event_loc, event_text)
        return LatencyResult(None, out)
    if min(msh_time.digits, event_time.digits) < rules.min_precision_digits:
        add(TIMING_IMPRECISE,
            f"{seg.id}-{number} or MSH-7 is less precise than {rules.min_precision_digits} digits; "
            "latency not computed", seg.line, event_loc, f"{event_text} -> {msh_text}")
        return LatencyResult(None, out)
    a, b = event_time.value, msh_time.value
    if not (event_time.has_offset and msh_time.has_offset):
        if a.tzinfo is not None:
            a = a.replace(tzinfo=None)
        if b.tzinfo is not None:
            b = b.replace(tzinfo=None)
    seconds = (b - a).total_seconds()
    if seconds < 0:
        add(TIMING_NEGATIVE,
            f"event time {seg.id}-{number} is {-seconds:g} s after the message time MSH-7",
            seg.line, event_loc, f"{event_text} -> {msh_text}")
    return LatencyResult(seconds, out, event_loc)


def message_latency(message: Message, rules: TimingRules | None = None) -> float | None:
    """Seconds from the event time (EVN-2 …) to MSH-7, or None when it cannot be measured."""
    return check_timing(message, rules).seconds
