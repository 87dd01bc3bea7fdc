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
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, TypeGuard

from hiecheck.hl7.cache import kept_or_built
from hiecheck.hl7.compiled import CheckMode
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

TIMING_FILE = "timing.toml"
_DTM = re.compile(
    r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.?(\d{1,4}))?([+-]\d{4})?$"
)


@dataclass(frozen=True, slots=True)
class EventTimeRule:
    """Fields holding the event time for some message types, in order of preference."""

    message_types: tuple[str, ...]
    fields: tuple[str, ...]  # SEG-n


@dataclass(frozen=True, slots=True)
class TimingRules:
    """``timing.toml`` as the checks use it (the file is validated by
    :mod:`hiecheck.hl7.timing_file`)."""

    min_precision_digits: int
    event_time: tuple[EventTimeRule, ...]


class HL7Time(NamedTuple):
    """A parsed DTM: the time, how many digits were given (4…14+), and whether it had an offset."""

    value: datetime
    digits: int
    has_offset: bool


_WHOLE_UNITS = frozenset({4, 6, 8, 10, 12, 14})  # YYYY[MM[DD[HH[MM[SS]]]]] without a fraction
_DEFAULT_UNITS = "0101000000"  # MMDDHHMMSS when absent: January 1st, 00:00:00
def _zone(offset: str) -> timezone | None:
    """``+hhmm`` / ``-hhmm`` as a timezone (None when out of range)."""
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = int(offset[1:3]), int(offset[3:5])
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


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
    y, mo, d, h, mi, sec, frac, written_offset = m.groups()
    digits = 4 + sum(2 for g in (mo, d, h, mi, sec) if g)
    try:
        value = datetime(
            int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0),
            int(sec or 0), int((frac or "0").ljust(6, "0")[:6]),
        )
        if written_offset:
            zone = _zone(written_offset)
            if zone is None:
                return None
            value = value.replace(tzinfo=zone)
    except ValueError:
        return None
    return HL7Time(value, digits, bool(written_offset))


@lru_cache(maxsize=8)
def load_timing_rules(profiles: Path | None = None) -> TimingRules:
    """Load ``profiles/messages/timing.toml`` (from the cache of compiled profiles when the file
    is unchanged: see :func:`hiecheck.hl7.cache.kept_or_built`)."""
    path = messages_dir(profiles) / TIMING_FILE

    def build() -> TimingRules:
        from hiecheck.hl7.timing_file import load_timing_file

        loaded = load_timing_file(path)
        return TimingRules(loaded.min_precision_digits, tuple(
            EventTimeRule(tuple(r.message_types), tuple(r.fields)) for r in loaded.event_time))

    return kept_or_built("timing", lambda: [path], _COMPILED_BY, build, _usable)


_COMPILED_BY = ("timing.py", "timing_file.py")  # their code makes TimingRules from the file


def _usable(kept: object) -> TypeGuard[TimingRules]:
    return isinstance(kept, TimingRules)


class LatencyOutcome(StrEnum):
    """Why a message has, or has not, a latency."""

    MEASURED = "measured"
    NO_EVENT_TIME = "no-event-time"  # no event-time field valued
    NOT_TIMED = "not-timed"  # the timing rules name no event-time field for this type
    UNPARSEABLE = "unparseable"  # the event time or MSH-7 is not an HL7 date/time
    IMPRECISE = "imprecise"  # a time is less precise than the rules need


EventField = tuple[str, int, Location]  # segment id, field number, its location (occurrence 1)
DAYS_KEPT = 4096  # days whose first second a compiled timing keeps


class CompiledTiming:
    """``timing.toml`` compiled for checking, built once and passed in: the event-time fields per
    message type (with their locations) and, in FAST mode, the shortcut for plain 12/14-digit
    times with the start of each day kept (a feed's times fall on a few days)."""

    def __init__(self, rules: TimingRules, mode: CheckMode = CheckMode.FAST) -> None:
        self.rules = rules
        self.mode = mode
        self.fast = mode is CheckMode.FAST
        self.min_digits = rules.min_precision_digits
        self.event_fields: dict[str, tuple[EventField, ...]] = {}
        for rule in rules.event_time:
            fields = []
            for f in rule.fields:
                seg, _, num = f.partition("-")
                fields.append((seg, int(num), at_segment(seg, 1, int(num))))
            for code in rule.message_types:
                self.event_fields.setdefault(code, tuple(fields))
        self.days: dict[str, int | None] = {}  # YYYYMMDD -> first second

    def fields_for(self, code: str) -> tuple[EventField, ...]:
        """The event-time fields of MSH-9.1 ``code``, in order of preference."""
        return self.event_fields.get(code, ())

    def day_start(self, text: str) -> int | None:
        """The first second of day ``YYYYMMDD`` (the start of ``text``) since 0001-01-01, or
        None when it is no date; kept per day (bounded)."""
        days = self.days
        day = days.get(text[:8], -1)
        if day == -1:
            day = _day_start(text)
            if len(days) >= DAYS_KEPT:
                days.clear()
            days[text[:8]] = day
        return day

    def __getstate__(self) -> tuple[TimingRules, CheckMode]:
        return self.rules, self.mode

    def __setstate__(self, state: tuple[TimingRules, CheckMode]) -> None:
        self.__init__(*state)  # type: ignore[misc]


def _day_start(text: str) -> int | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])).toordinal() * 86400
    except ValueError:
        return None


@dataclass(slots=True)
class LatencyResult:
    """Outcome of the latency check for one message (seconds is None when not computable).

    ``measured_from`` is the event-time field the latency was measured from (``EVN[1]-2``);
    ``outcome`` says why there is or is not a latency.
    """

    seconds: float | None
    findings: list[Finding]
    measured_from: Location | None = None
    outcome: LatencyOutcome = LatencyOutcome.MEASURED


def event_time(
    message: Message, timing: CompiledTiming
) -> tuple[Segment, int, Location, str] | None:
    """The first valued event-time field of the message's type: (segment, field number, its
    location, the time as written), or None."""
    for seg_id, number, where in timing.fields_for(message.message_code):
        seg = message.first(seg_id)
        if seg is None:
            continue
        if seg_id == "MSH":
            if seg.is_valued(number):
                return seg, number, where, seg.component(number, 1)
            continue
        value = seg.field(number)  # read once: the same tests as is_valued and component
        d = seg.delimiters
        if value and value != HL7_NULL and _has_content(value, d):
            return seg, number, where, value.split(d.repetition, 1)[0].split(d.component, 1)[0]
    return None


def plain_seconds(text: str, timing: CompiledTiming | None = None) -> int | None:
    """A 12- or 14-digit local time as seconds since 0001-01-01; None when it is not a valid
    time (``timing`` keeps the start of each day)."""
    if timing is None:
        day = _day_start(text)
    else:
        days = timing.days
        day = days.get(text[:8], -1)
        if day == -1:
            day = timing.day_start(text)
    if day is None:
        return None
    hour, minute = int(text[8:10]), int(text[10:12])
    second = int(text[12:14]) if len(text) == 14 else 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return day + hour * 3600 + minute * 60 + second


def plain_latency(
    event_text: str, msh_text: str, min_digits: int, timing: CompiledTiming | None = None
) -> float | None:
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
    event = plain_seconds(event_text, timing)
    message = plain_seconds(msh_text, timing)
    if event is None or message is None or message < event:
        return None
    return float(message - event)


def check_timing(
    message: Message, rules: CompiledTiming | TimingRules | None = None
) -> LatencyResult:
    """Latency between the event time and MSH-7, with findings explaining the outcome.

    ``rules``: the compiled timing rules (bare :class:`TimingRules`, or the bundled ones when
    None, are compiled for this one call)."""
    if isinstance(rules, CompiledTiming):
        timing = rules
    else:
        timing = CompiledTiming(rules or load_timing_rules())
    msh = message.msh
    msh_text = msh.field(7)
    d = msh.delimiters
    if d.component in msh_text or d.repetition in msh_text:
        msh_text = msh.component(7, 1)
    found = event_time(message, timing)
    if found is not None and timing.fast:
        seconds = plain_latency(found[3], msh_text, timing.min_digits, timing)
        if seconds is not None:
            return LatencyResult(seconds, [], found[2])
    return explained_latency(message, timing, msh_text, found)


def explained_latency(
    message: Message, timing: CompiledTiming, msh_text: str,
    found: tuple[Segment, int, Location, str] | None,
) -> LatencyResult:
    """The general path: any DTM form, offsets, and a finding for every reason of no latency."""
    out: list[Finding] = []
    source, number_in_source = message.source, message.number

    def add(rule: Rule, text: str, line: int, where: Location, value: str | None) -> None:
        out.append(rule.finding(text, source, line, number_in_source, where, value))

    msh = message.msh
    if found is None:
        wanted = timing.fields_for(message.message_code)
        if not wanted:
            return LatencyResult(None, out, None, LatencyOutcome.NOT_TIMED)
        names = ", ".join(f"{s}-{n}" for s, n, _ in wanted)
        add(TIMING_NO_EVENT_TIME,
            f"no event time ({names}) to measure latency", message.line, _MSH_7, None)
        return LatencyResult(None, out, None, LatencyOutcome.NO_EVENT_TIME)
    seg, number, event_loc, event_text = found
    msh_time = parse_dtm(msh_text)
    event_time_ = msh_time if event_text == msh_text else parse_dtm(event_text)
    if msh_time is None or event_time_ is None:
        if msh_time is None and msh_text.strip():
            add(TIMING_UNPARSEABLE, "MSH-7 is not an HL7 date/time",
                msh.line, _MSH_7, msh_text)
        if event_time_ is None:
            add(TIMING_UNPARSEABLE,
                f"{seg.id}-{number} is not an HL7 date/time", seg.line, event_loc, event_text)
        return LatencyResult(None, out, None, LatencyOutcome.UNPARSEABLE)
    if min(msh_time.digits, event_time_.digits) < timing.min_digits:
        add(TIMING_IMPRECISE,
            f"{seg.id}-{number} or MSH-7 is less precise than {timing.min_digits} digits; "
            "latency not computed", seg.line, event_loc, f"{event_text} -> {msh_text}")
        return LatencyResult(None, out, None, LatencyOutcome.IMPRECISE)
    a, b = event_time_.value, msh_time.value
    if not (event_time_.has_offset and msh_time.has_offset):
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


_MSH_7 = at_segment("MSH", 1, 7)


def message_latency(
    message: Message, rules: CompiledTiming | TimingRules | None = None
) -> float | None:
    """Seconds from the event time (EVN-2 …) to MSH-7, or None when it cannot be measured."""
    return check_timing(message, rules).seconds
