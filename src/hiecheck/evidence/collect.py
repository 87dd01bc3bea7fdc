"""Run the validation pipeline once over an organization's messages and keep only tallies.

Streaming: each :class:`MessageResult` is folded into counters (per message type, per content
group, per missing field pattern such as ``PR1-3``) and dropped, so memory does not grow with the
number of messages; only one latency number per message is kept, for the median.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hiecheck.counted import counted_at_most, counted_median
from hiecheck.errors import InputError
from hiecheck.evidence.profile import EvidenceProfile, GroupRule
from hiecheck.evidence.summary import FindingCount, GroupCount, LatencySummary, MessagesSummary
from hiecheck.hl7.content import ABSENT, NOT_APPLICABLE, SATISFIED
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import FieldRef, Location
from hiecheck.hl7.message import type_label
from hiecheck.hl7.reader import expand_paths
from hiecheck.hl7.report import UNREADABLE_RULES
from hiecheck.hl7.requirements import load_requirements
from hiecheck.hl7.timing import load_timing_rules
from hiecheck.hl7.validate import MessageResult, SourceEnd, default_checks, validate_paths

NO_EVENT_TIME_RULE = "timing.no-event-time"


@dataclass
class GroupTally:
    """One content group in the messages of one type."""

    applicable: int = 0
    present: int = 0
    proven: int = 0
    missing: Counter[FieldRef] = field(default_factory=Counter)  # field → messages
    invalid: Counter[FieldRef] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)  # "file #n" of proving messages

    def merge(self, other: GroupTally, keep: int) -> None:
        """Add ``other`` into this tally (content spread over message types)."""
        self.applicable += other.applicable
        self.present += other.present
        self.proven += other.proven
        self.missing.update(other.missing)
        self.invalid.update(other.invalid)
        self.examples.extend(other.examples[: max(0, keep - len(self.examples))])


@dataclass
class TypeTally:
    """Messages of one type (MSH-9.1): count, examples, latencies."""

    messages: int = 0
    examples: list[str] = field(default_factory=list)
    latencies: Counter[float] = field(default_factory=Counter)  # seconds -> messages
    no_event_time: int = 0


@dataclass
class Collected:
    """Everything the evidence step keeps about the messages read."""

    profile: EvidenceProfile
    paths: list[str]
    files: list[str] = field(default_factory=list)
    messages: int = 0
    types: dict[str, TypeTally] = field(default_factory=dict)
    groups: dict[tuple[str, str], GroupTally] = field(default_factory=dict)
    findings: Counter[tuple[str, str]] = field(default_factory=Counter)
    event_fields: dict[str, str] = field(default_factory=dict)  # type → "EVN-2" …

    # -- folding -------------------------------------------------------------------------------

    def add(self, result: MessageResult, file_name: str) -> None:
        """Fold one message result in (``file_name``: its file as reports show it)."""
        keep = self.profile.examples
        where = f"{file_name} #{result.number}"
        code = type_label(result.message_code)
        self.messages += 1
        t = self.types.get(code)
        if t is None:
            t = self.types[code] = TypeTally()
        t.messages += 1
        if len(t.examples) < keep:
            t.examples.append(where)
        if result.latency is not None:
            t.latencies[result.latency] += 1
        for f in result.findings:
            if f.rule == NO_EVENT_TIME_RULE:
                t.no_event_time += 1
            if f.severity is not Severity.INFO:
                self.findings[(f.rule, str(f.severity))] += 1
        for gid, verdict in result.groups.items():
            rule = self.profile.groups.get(gid)
            if rule is None or verdict.status == NOT_APPLICABLE:
                continue
            g = self.groups.get((code, gid))
            if g is None:
                g = self.groups[(code, gid)] = GroupTally()
            g.applicable += 1
            if verdict.status != ABSENT:
                g.present += 1
            if verdict.missing:
                g.missing.update(_fields(verdict.missing))  # once a message
            invalid = {ref.whole_field() for ref in _fields(verdict.invalid)}
            if verdict.status == SATISFIED and rule.strict and result.findings:
                invalid |= _strict_failures(result.findings, gid, rule)
            g.invalid.update(invalid)
            if verdict.status == SATISFIED and not invalid:
                g.proven += 1
                if len(g.examples) < keep:
                    g.examples.append(where)

    # -- reading -------------------------------------------------------------------------------

    def count(self, codes: Iterable[str]) -> int:
        """Messages of these types."""
        return sum(self.types[c].messages for c in codes if c in self.types)

    def group(self, codes: Iterable[str], gid: str) -> GroupTally:
        """A content group's tally over messages of these types together."""
        out = GroupTally()
        for code in codes:
            found = self.groups.get((code, gid))
            if found is not None:
                out.merge(found, self.profile.examples)
        return out

    def latency(self, code: str) -> LatencySummary:
        """Latency statistics of one message type against the real-time rule."""
        rule = self.profile.realtime
        t = self.types.get(code, TypeTally())
        limit = rule.max_latency_minutes * 60
        within = counted_at_most(t.latencies, limit)
        measured = sum(t.latencies.values())
        share = within / measured if measured else None
        return LatencySummary(
            messages=t.messages,
            measured=measured,
            no_event_time=t.no_event_time,
            median_seconds=counted_median(t.latencies) if measured else None,
            max_seconds=max(t.latencies) if measured else None,
            within_limit=within,
            share_within=share,
            limit_minutes=rule.max_latency_minutes,
            realtime_shown=measured >= rule.min_measured
            and share is not None
            and share >= rule.min_share_within,
        )

    def summary(self) -> MessagesSummary:
        """The ``messages`` block of the report."""
        return MessagesSummary(
            paths=self.paths,
            files=self.files,
            messages=self.messages,
            by_type={c: t.messages for c, t in sorted(self.types.items())},
            latency={c: self.latency(c) for c in sorted(self.types)},
            content=[
                GroupCount(
                    message_type=c,
                    group=g,
                    applicable=t.applicable,
                    present=t.present,
                    proven=t.proven,
                )
                for (c, g), t in sorted(self.groups.items())
            ],
            findings=[
                FindingCount(rule=rule, severity=sev, count=n)
                for (rule, sev), n in sorted(self.findings.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            requirement_set=self.profile.requirement_set,
            profile_version=self.profile.version,
            realtime_reading=self.profile.realtime.reading,
        )


def _fields(locations: list[Location]) -> set[FieldRef]:
    """The fields (and components) these locations name, regardless of occurrence."""
    return {ref for ref in (w.field_ref() for w in locations) if ref is not None}


def _strict_failures(findings: list[Finding], gid: str, rule: GroupRule) -> set[FieldRef]:
    """Fields of ``rule.strict`` that failed in this message for group ``gid`` (any severity)."""
    out: set[FieldRef] = set()
    for check in rule.strict:
        wanted = FieldRef.parse(check.field)
        for f in findings:
            if f.rule == check.rule and f.group == gid:
                ref = f.where.field_ref()
                if ref is not None and ref.whole_field() == wanted:
                    out.add(wanted)
    return out


def display_name(source: str, roots: list[Path]) -> str:
    """A file name for reports: relative to the folder given that holds it, else the bare name."""
    path = Path(source).resolve()
    for root in roots:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.name


def collect(
    paths: list[str],
    profile: EvidenceProfile,
    *,
    profiles: Path | None = None,
    jobs: int = 1,
    on_bytes: Callable[[int], None] | None = None,
) -> Collected:
    """Read every message under ``paths`` once and tally the evidence.

    Missing paths and unreadable files raise InputError (exit 2). ``on_bytes`` is told the bytes
    read as they are read (a progress bar).
    """
    sources = expand_paths(paths)
    requirements = load_requirements(profile.requirement_set, profiles)
    checks = default_checks(requirements, profiles)
    out = Collected(profile=profile, paths=list(paths))
    for rule in load_timing_rules(profiles).event_time:
        for code in rule.message_types:
            out.event_fields.setdefault(code, rule.fields[0])
    roots = [Path(p).resolve() for p in paths if Path(p).is_dir()]
    names: dict[str, str] = {}
    for event in validate_paths(sources, checks, jobs=jobs, on_bytes=on_bytes):
        if isinstance(event, MessageResult):
            name = names.get(event.source)
            if name is None:  # resolved once per file, not per message
                name = names[event.source] = display_name(event.source, roots)
            out.add(event, name)
        elif isinstance(event, SourceEnd):
            unreadable = [f for f in event.findings if f.rule in UNREADABLE_RULES]
            if unreadable:
                f = unreadable[0]
                raise InputError(
                    event.source, f.message, expected="a readable file of HL7 v2 messages"
                )
            out.files.append(names.setdefault(event.source, display_name(event.source, roots)))
            for f in event.findings:
                if f.severity is not Severity.INFO:
                    out.findings[(f.rule, str(f.severity))] += 1
    return out
