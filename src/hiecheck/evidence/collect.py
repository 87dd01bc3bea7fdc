"""Run the validation pipeline once over an organization's messages and keep only tallies.

Streaming: each :class:`MessageResult` is folded into the run's :class:`hiecheck.hl7.tally.Tally`
(per message type, per content group, per missing field such as ``PR1-3``; latencies counted per
distinct value) and dropped, so memory does not grow with the number of messages. On top of that
tally the evidence step keeps what only it needs: example messages (``file #n``) and which group
verdicts prove a group under the profile's ``strict`` checks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hiecheck.console import display_path
from hiecheck.counted import counted_median
from hiecheck.errors import InputError
from hiecheck.evidence.profile import EvidenceProfile, GroupRule
from hiecheck.hl7.content import NOT_APPLICABLE, SATISFIED
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import FieldRef
from hiecheck.hl7.message import type_label
from hiecheck.hl7.reader import Source, expand_sources
from hiecheck.hl7.requirements import load_requirements
from hiecheck.hl7.tally import UNREADABLE_RULES, Tally, TypeCounts, invalid_fields
from hiecheck.hl7.timing import LatencyOutcome, load_timing_rules
from hiecheck.hl7.validate import (
    NOT_HL7_RULE,
    Extract,
    MessageResult,
    SourceEnd,
    default_checks,
    skipped_reason,
    validate_paths,
)
from hiecheck.programs.messages_summary import (
    FindingCount,
    GroupCount,
    LatencySummary,
    MessagesSummary,
    SkippedFile,
)


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
class _Proof:
    """What the evidence step adds to the tally of one (type, group)."""

    proven: int = 0
    examples: list[str] = field(default_factory=list)
    strict: Counter[FieldRef] = field(default_factory=Counter)  # strict checks failed


@dataclass
class Collected:
    """Everything the evidence step keeps about the messages read."""

    profile: EvidenceProfile
    paths: list[str]
    files: list[str] = field(default_factory=list)
    tally: Tally = field(default_factory=lambda: Tally(by_type=True))
    examples: dict[str, list[str]] = field(default_factory=dict)  # type → "file #n" …
    proofs: dict[tuple[str, str], _Proof] = field(default_factory=dict)
    event_fields: dict[str, str] = field(default_factory=dict)  # type → "EVN-2" …
    skipped: list[SkippedFile] = field(default_factory=list)  # found in a folder, not HL7

    # -- folding -------------------------------------------------------------------------------

    def add(self, result: MessageResult, file_name: str) -> None:
        """Fold one message result in (``file_name``: its file as reports show it)."""
        self.tally.observe(result)
        keep = self.profile.examples
        where = f"{file_name} #{result.number}"
        code = type_label(result.message_code)
        examples = self.examples.setdefault(code, [])
        if len(examples) < keep:
            examples.append(where)
        for gid, verdict in result.groups.items():
            rule = self.profile.groups.get(gid)
            if rule is None or verdict.status is NOT_APPLICABLE:
                continue
            proof = self.proofs.get((code, gid))
            if proof is None:
                proof = self.proofs[(code, gid)] = _Proof()
            if verdict.status is not SATISFIED:
                continue
            strict = _strict_failures(result.findings, gid, rule) if rule.strict else set()
            if strict:
                proof.strict.update(strict - invalid_fields(verdict))
            elif not verdict.invalid:
                proof.proven += 1
                if len(proof.examples) < keep:
                    proof.examples.append(where)

    def add_file(self, end: SourceEnd) -> None:
        """Fold the file-level findings of one source in."""
        self.tally.observe(end)

    # -- reading -------------------------------------------------------------------------------

    @property
    def messages(self) -> int:
        """Messages read."""
        return self.tally.messages

    @property
    def types(self) -> dict[str, TypeTally]:
        """Per message type: messages, examples, latencies."""
        return {code: self._type(code, t) for code, t in self.tally.types.items()}

    def _type(self, code: str, t: TypeCounts) -> TypeTally:
        return TypeTally(t.messages, list(self.examples.get(code, [])), Counter(t.latencies),
                         t.no_latency[LatencyOutcome.NO_EVENT_TIME])

    @property
    def groups(self) -> dict[tuple[str, str], GroupTally]:
        """Per (message type, content group of the profile the type's messages can carry)."""
        out: dict[tuple[str, str], GroupTally] = {}
        for key, proof in self.proofs.items():
            counts = self.tally.groups[key]
            out[key] = GroupTally(
                applicable=counts.applicable, present=counts.present, proven=proof.proven,
                missing=Counter(counts.missing), invalid=counts.invalid + proof.strict,
                examples=list(proof.examples),
            )
        return out

    def count(self, codes: Iterable[str]) -> int:
        """Messages of these types."""
        types = self.tally.types
        return sum(types[c].messages for c in codes if c in types)

    def group(self, codes: Iterable[str], gid: str) -> GroupTally:
        """A content group's tally over messages of these types together."""
        out = GroupTally()
        groups = self.groups
        for code in codes:
            found = groups.get((code, gid))
            if found is not None:
                out.merge(found, self.profile.examples)
        return out

    def latency(self, code: str) -> LatencySummary:
        """Latency statistics of one message type against the real-time rule.

        A latency counts as within the limit when it is at most the limit and not negative
        beyond the profile's clock skew: an event time after the message time never proves
        real-time sending."""
        rule = self.profile.realtime
        t = self.tally.types.get(code, TypeCounts())
        limit = rule.max_latency_minutes * 60
        skew = rule.max_clock_skew_minutes * 60
        latencies = t.latencies
        within = sum(n for value, n in latencies.items() if -skew <= value <= limit)
        negative = sum(n for value, n in latencies.items() if value < -skew)
        measured = sum(latencies.values())
        share = within / measured if measured else None
        return LatencySummary(
            messages=t.messages,
            measured=measured,
            no_event_time=t.no_latency[LatencyOutcome.NO_EVENT_TIME],
            unparseable=t.no_latency[LatencyOutcome.UNPARSEABLE],
            imprecise=t.no_latency[LatencyOutcome.IMPRECISE],
            event_after_message=negative,
            median_seconds=counted_median(latencies) if measured else None,
            max_seconds=max(latencies) if measured else None,
            within_limit=within,
            share_within=share,
            limit_minutes=rule.max_latency_minutes,
            realtime_shown=measured >= rule.min_measured
            and share is not None
            and share >= rule.min_share_within,
        )

    def summary(self) -> MessagesSummary:
        """The ``messages`` block of the report."""
        types = self.tally.types
        groups = self.groups
        findings: Counter[tuple[str, str]] = Counter()
        for (rule, severity), n in self.tally.findings.items():
            if severity is not Severity.INFO:
                findings[(rule, str(severity))] += n
        return MessagesSummary(
            paths=self.paths,
            files=self.files,
            skipped=self.skipped,
            messages=self.messages,
            by_type={c: t.messages for c, t in sorted(types.items())},
            latency={c: self.latency(c) for c in sorted(types)},
            content=[
                GroupCount(
                    message_type=c,
                    group=g,
                    applicable=t.applicable,
                    present=t.present,
                    proven=t.proven,
                )
                for (c, g), t in sorted(groups.items())
            ],
            findings=[
                FindingCount(rule=rule, severity=sev, count=n)
                for (rule, sev), n in sorted(findings.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            requirement_set=self.profile.requirement_set,
            profile_version=self.profile.version,
            realtime_reading=self.profile.realtime.reading,
        )


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


class MessageTap(Protocol):
    """Another step that takes fields from every message in this same pass (the CBP eCQM's), so
    the messages are read once (standard input cannot be read twice).

    ``extract`` runs where each message is checked (:data:`hiecheck.hl7.validate.Extract`: in a
    worker with ``jobs > 1``); ``receive`` gets what it returned, in input order, here."""

    @property
    def extract(self) -> Extract: ...

    def receive(self, extracted: object) -> None: ...


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
    sources: list[Source] | None = None,
    tap: MessageTap | None = None,
) -> Collected:
    """Read every message under ``paths`` once and tally the evidence.

    Missing paths and unreadable files raise InputError (exit 2); files found in a folder that
    are not HL7 are listed in ``skipped``. ``on_bytes`` is told the bytes read as they are read
    (a progress bar). ``sources``: ``paths`` expanded already. ``tap`` takes its fields from
    every message.
    """
    sources = sources if sources is not None else expand_sources(paths)
    requirements = load_requirements(profile.requirement_set, profiles)
    checks = default_checks(
        requirements, profiles, extract=tap.extract if tap is not None else None
    )
    out = Collected(profile=profile, paths=[display_path(p) for p in paths])
    for rule in load_timing_rules(profiles).event_time:
        for code in rule.message_types:
            out.event_fields.setdefault(code, rule.fields[0])
    roots = [Path(p).resolve() for p in paths if Path(p).is_dir()]
    # Each file's name for reports, from its real path (the events carry the display name).
    names = {s.name: display_path(display_name(s.path, roots)) for s in sources}
    for event in validate_paths(sources, checks, jobs=jobs, on_bytes=on_bytes):
        if isinstance(event, MessageResult):
            out.add(event, names.get(event.source) or event.source)
            if tap is not None:
                tap.receive(event.extracted)
        elif isinstance(event, SourceEnd):
            not_hl7 = [f for f in event.findings if f.rule == NOT_HL7_RULE]
            if not_hl7:
                name = names.get(event.source) or event.source
                out.skipped.append(SkippedFile(file=name, reason=skipped_reason(not_hl7[0])))
                continue
            unreadable = [f for f in event.findings if f.rule in UNREADABLE_RULES]
            if unreadable:
                f = unreadable[0]
                raise InputError(
                    event.source, f.message, expected="a readable file of HL7 v2 messages"
                )
            out.files.append(names.get(event.source) or event.source)
            out.add_file(event)
    if out.messages == 0 and out.skipped:  # folders given, none of their files HL7: as validate
        raise InputError(
            ", ".join(paths),
            f"no HL7 message found: {len(out.skipped)} file(s) skipped as not HL7 "
            f"({', '.join(s.file for s in out.skipped[:3])}"
            f"{', …' if len(out.skipped) > 3 else ''})",
            expected="a folder holding HL7 v2 message files",
        )
    return out
