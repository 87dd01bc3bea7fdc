"""One streaming tally of the validation events: what every report and the evidence step count.

:class:`Tally` folds :func:`hiecheck.hl7.validate.validate_paths`'s events as they stream past and
keeps only counts, so memory stays flat whatever the capture: totals and the exit code, findings
per rule and severity, per-file counts and, with ``by_type``, per message type (MSH-9.1) the
messages, their latencies counted per distinct value, the field each was measured from and why
the others have none, and per (type, content group) the verdicts and the fields missing or
invalid. The table renderer, the JSON and JUnit writers and ``check --messages`` all read it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hiecheck.errors import ExitCode
from hiecheck.hl7.content import GroupResult, GroupStatus
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.gate import FailOn, exit_code
from hiecheck.hl7.location import FieldRef, Location
from hiecheck.hl7.message import type_label
from hiecheck.hl7.timing import LatencyOutcome
from hiecheck.hl7.validate import MessageResult, RenderedMessages, SourceEnd, SourceStart

UNREADABLE_RULES = frozenset({"read.no-message", "read.unreadable"})
_ERROR, _WARNING = Severity.ERROR, Severity.WARNING


@dataclass
class Totals:
    """Counts over the whole run (a dataclass, not a pydantic model: the table report needs no
    pydantic; the JSON report's model holds it as a field all the same)."""

    files: int = 0
    messages: int = 0
    messages_with_errors: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    unreadable_files: int = 0
    rules: dict[str, int] = field(default_factory=dict)


@dataclass
class TypeCounts:
    """Messages of one type (MSH-9.1, as :func:`hiecheck.hl7.message.type_label` names it)."""

    messages: int = 0
    latencies: Counter[float] = field(default_factory=Counter)  # seconds -> messages
    latency_from: Counter[Location] = field(default_factory=Counter)  # field -> messages
    no_latency: Counter[LatencyOutcome] = field(default_factory=Counter)  # why -> messages


@dataclass
class GroupCounts:
    """One content group in the messages of one type: verdicts, and per field the messages
    missing it or holding it invalid (each counted once a message; invalid by whole field)."""

    statuses: Counter[GroupStatus] = field(default_factory=Counter)
    missing: Counter[FieldRef] = field(default_factory=Counter)
    invalid: Counter[FieldRef] = field(default_factory=Counter)

    @property
    def applicable(self) -> int:
        """Messages the group applies to (any verdict but not-applicable)."""
        return sum(self.statuses.values()) - self.statuses[GroupStatus.NOT_APPLICABLE]

    @property
    def present(self) -> int:
        """Messages the group applies to that carry its anchor segment."""
        return self.applicable - self.statuses[GroupStatus.ABSENT]


def fields_of(locations: list[Location]) -> set[FieldRef]:
    """The fields (and components) these locations name, regardless of occurrence."""
    return {ref for ref in (w.field_ref() for w in locations) if ref is not None}


def invalid_fields(verdict: GroupResult) -> set[FieldRef]:
    """The whole fields a verdict lists as invalid (``OBX-3.1`` counts as ``OBX-3``)."""
    return {ref.whole_field() for ref in fields_of(verdict.invalid)}


REFS_KEPT = 4096  # location lists whose fields a Tally keeps
REFS_KEY_ITEMS = 200  # longer location lists are worked out every time, never kept


class _FileCounts:
    __slots__ = ("errors", "infos", "messages", "warnings")

    def __init__(self) -> None:
        self.messages = self.errors = self.warnings = self.infos = 0


class Tally:
    """Counts and exit code, updated as events stream past (constant memory per file)."""

    def __init__(self, by_type: bool = False, fail_on: FailOn = FailOn.ERROR) -> None:
        self.by_type = by_type
        self.fail_on = fail_on  # which findings make the exit code 1 (``--fail-on``)
        self.files = self.messages = self.messages_with_errors = 0
        self.errors = self.warnings = self.infos = 0
        self.unreadable_files = 0
        self.findings: Counter[tuple[str, Severity]] = Counter()  # (rule, severity) -> findings
        self.first_severity: dict[str, Severity] = {}  # rule -> the severity it came with first
        self.types: dict[str, TypeCounts] = {}
        self.groups: dict[tuple[str, str], GroupCounts] = {}  # (type, group id)
        self._file = _FileCounts()
        self._kept_refs: dict[tuple[object, ...], set[FieldRef]] = {}  # see _refs: not changed

    def _add(self, findings: list[Finding]) -> int:
        e = w = i = 0
        counts = self.findings
        first = self.first_severity
        for f in findings:
            severity = f.severity
            if severity is _ERROR:
                e += 1
            elif severity is _WARNING:
                w += 1
            else:
                i += 1
            counts[(f.rule, severity)] += 1
            if f.rule not in first:
                first[f.rule] = severity
        self.errors += e
        self.warnings += w
        self.infos += i
        file = self._file
        file.errors += e
        file.warnings += w
        file.infos += i
        return e

    def observe(self, event: SourceStart | MessageResult | RenderedMessages | SourceEnd) -> None:
        """Account for one event of :func:`hiecheck.hl7.validate.validate_paths` (or of
        ``validate_rendered``: a tally by type needs the results themselves)."""
        if isinstance(event, MessageResult):
            self.messages += 1
            self._file.messages += 1
            if self._add(event.findings):
                self.messages_with_errors += 1
            if self.by_type:
                self._message(event)
        elif isinstance(event, RenderedMessages):
            self._add_counts(event)
        elif isinstance(event, SourceStart):
            self.files += 1
            self._file = _FileCounts()
        else:
            self._add(event.findings)
            if any(f.rule in UNREADABLE_RULES for f in event.findings):
                self.unreadable_files += 1

    def _add_counts(self, event: RenderedMessages) -> None:
        """What :meth:`_add` counts of each message, for messages counted where they were
        checked (the same totals, and each rule's first severity: counts come in the order
        found)."""
        if self.by_type:
            raise ValueError("a tally by message type needs the results, not rendered messages")
        self.messages += event.messages
        file = self._file
        file.messages += event.messages
        self.messages_with_errors += event.with_errors
        counts = self.findings
        first = self.first_severity
        e = w = i = 0
        for rule, severity, n in event.counts:
            if severity is _ERROR:
                e += n
            elif severity is _WARNING:
                w += n
            else:
                i += n
            counts[(rule, severity)] += n
            if rule not in first:
                first[rule] = severity
        self.errors += e
        self.warnings += w
        self.infos += i
        file.errors += e
        file.warnings += w
        file.infos += i

    def _message(self, result: MessageResult) -> None:
        code = type_label(result.message_code)
        t = self.types.get(code)
        if t is None:
            t = self.types[code] = TypeCounts()
        t.messages += 1
        if result.latency is not None:
            t.latencies[result.latency] += 1
            if result.latency_from is not None:
                t.latency_from[result.latency_from] += 1
        else:
            t.no_latency[result.latency_outcome] += 1
        for gid, verdict in result.groups.items():
            g = self.groups.get((code, gid))
            if g is None:
                g = self.groups[(code, gid)] = GroupCounts()
            g.statuses[verdict.status] += 1
            if verdict.missing:
                g.missing.update(self._refs(verdict.missing, False))
            if verdict.invalid:
                g.invalid.update(self._refs(verdict.invalid, True))

    def _refs(self, locations: list[Location], whole: bool) -> set[FieldRef]:
        """:func:`fields_of` (``whole``: the whole fields, as :func:`invalid_fields`), kept per
        list of locations: a feed's verdicts list the same gaps message after message."""
        if len(locations) > REFS_KEY_ITEMS:  # one location per segment of a huge message
            refs = fields_of(locations)
            return {r.whole_field() for r in refs} if whole else refs
        key = (whole, *locations)
        found = self._kept_refs.get(key)
        if found is None:
            refs = fields_of(locations)
            found = {r.whole_field() for r in refs} if whole else refs
            if len(self._kept_refs) >= REFS_KEPT:
                self._kept_refs.clear()
            self._kept_refs[key] = found
        return found

    def file_counts(self) -> tuple[int, int, int, int]:
        """(messages, errors, warnings, infos) of the current file so far."""
        f = self._file
        return f.messages, f.errors, f.warnings, f.infos

    def rule_counts(self) -> dict[str, int]:
        """Findings per rule id, in id order."""
        out: Counter[str] = Counter()
        for (rule, _), n in self.findings.items():
            out[rule] += n
        return dict(sorted(out.items()))

    def final_totals(self) -> Totals:
        """The run's totals as the reports write them."""
        return Totals(
            files=self.files, messages=self.messages,
            messages_with_errors=self.messages_with_errors, errors=self.errors,
            warnings=self.warnings, infos=self.infos, unreadable_files=self.unreadable_files,
            rules=self.rule_counts(),
        )

    def group_statuses(self) -> dict[str, Counter[GroupStatus]]:
        """Per content group, messages per verdict over every message type (first-seen order)."""
        out: dict[str, Counter[GroupStatus]] = {}
        for (_, gid), g in self.groups.items():
            out.setdefault(gid, Counter()).update(g.statuses)
        return out

    @property
    def exit_code(self) -> ExitCode:
        """2 unreadable input, 1 findings that fail under :attr:`fail_on` (default: errors),
        0 otherwise."""
        return exit_code(self.fail_on, errors=self.errors, warnings=self.warnings,
                         unreadable=self.unreadable_files)
