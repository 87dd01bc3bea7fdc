"""Compiled checks for HL7 versions: built once per version (and per segment and structure it
meets), held by an explicit object that the checks are given.

:class:`VersionRegistry` turns MSH-12 into a :class:`CompiledVersion` (or None for a version
hl7apy has no data for). A compiled version holds what the structure and field checks need:

- the segment ids the version defines and those needing no segment finding;
- per segment a :class:`CompiledSegment`: its field specs from hl7apy's reference data and, in
  :attr:`CheckMode.FAST`, the expression that accepts a segment with no field finding (see
  :mod:`hiecheck.hl7.field_regex`) and the per-field expressions that guide the walk of one it
  rejects;
- per message type (MSH-9.1, 9.2, 9.3) the structure to check against and the ``msh.*`` findings
  that say how it was found (:class:`Resolution`).

Everything here is a function of its key only (version, segment id, message type), never of
the messages checked before. In :attr:`CheckMode.REFERENCE` nothing is skipped: every field of
every segment is walked in Python; it is the plain path the fast one is tested against.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from hiecheck.hl7 import reference, rules
from hiecheck.hl7.cache import PatternCompiler
from hiecheck.hl7.event_structures import EVENT_STRUCTURES
from hiecheck.hl7.field_regex import (
    field_pattern,
    kept_clean_segment_pattern,
    kept_field_pattern,
    kept_suffix_pattern,
    suffix_pattern,
)
from hiecheck.hl7.findings import Severity
from hiecheck.hl7.location import Location, at_segment, is_segment_id
from hiecheck.hl7.message import is_code, is_structure_id
from hiecheck.hl7.reference import CompiledStructure, SegmentSpec
from hiecheck.hl7.rules import Rule
from hiecheck.hl7.tables import LENIENT, TablePolicy

RESOLUTIONS_PER_VERSION = 1024  # message types kept per version (a feed uses a handful)
FAULTY_FIELDS_KEPT = 1 << 14  # faulty field values whose findings a compiled version keeps
FAULTY_VALUE_KEPT_CHARS = 256  # longer values are checked every time: 16,384 kept stay small
# A field finding without its message: (rule id, severity, text, location, value).
FieldOutcome = tuple[str, Severity, str, Location, "str | None"]
# A structure finding without its message: rule, text, the index of the segment it is about in
# the segments diagnosed (None: MSH), location (see hiecheck.hl7.structure.diagnose).
Diagnosis = tuple[Rule, str, "int | None", Location]


class CheckMode(StrEnum):
    """How the checks run: both give the same findings (the tests prove it)."""

    FAST = "fast"  # compiled expressions skip the work that cannot find anything
    REFERENCE = "reference"  # every field, content element and time checked the plain way


class Walker:
    """What the walk of a segment its whole expression rejected uses, compiled on first use
    (most segment types never walk): the expression of all fields, each optional, that stops at
    the first field that fails; and one expression per field for the fields after it."""

    __slots__ = ("_first", "accepts", "patterns", "spec", "version")

    def __init__(
        self, spec: SegmentSpec, patterns: PatternCompiler = re.compile, version: str | None = None
    ) -> None:
        self.spec = spec
        self.patterns = patterns
        self.version = version  # given: the expressions' texts are kept between runs
        self._first: Callable[[str, int], re.Match[str] | None] | None = None
        # Field number -> its expression's fullmatch, compiled so far (see field()).
        self.accepts: dict[int, Callable[[str], re.Match[str] | None]] = {}

    def first(self) -> Callable[[str, int], re.Match[str] | None]:
        """``match(text, pos)`` of the expression of all fields from the first checked one."""
        found = self._first
        if found is None:
            start = 3 if self.spec.id == "MSH" else 1
            pattern = (
                suffix_pattern(self.spec, start, self.patterns) if self.version is None
                else kept_suffix_pattern(self.version, self.spec, start, self.patterns)
            )
            found = self._first = pattern.match
        return found

    def field(self, number: int) -> Callable[[str], re.Match[str] | None]:
        """``fullmatch`` of field ``number``'s own expression."""
        found = self.accepts.get(number)
        if found is None:
            pattern = (
                field_pattern(self.spec, number, self.patterns) if self.version is None
                else kept_field_pattern(self.version, self.spec, number, self.patterns)
            )
            found = self.accepts[number] = pattern.fullmatch
        return found


class CompiledSegment(NamedTuple):
    """One segment of one version: its field specs; in FAST mode also the expression accepting a
    segment line with no field finding (``accepts(text, 3)``, its ``fullmatch``) and the
    walker."""

    spec: SegmentSpec
    clean: re.Pattern[str] | None
    walker: Walker | None
    accepts: Callable[[str, int], re.Match[str] | None]


def _accepts_nothing(text: str, pos: int) -> None:
    """REFERENCE mode: no segment is accepted without its walk."""
    return None


@dataclass(frozen=True, slots=True)
class FindingTemplate:
    """A finding about MSH without the message it is about (source, line, number)."""

    rule: Rule
    text: str
    where: Location
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    """The structure a message type is checked against (None: not checkable) and the msh.*
    findings that say how it was found."""

    structure: CompiledStructure | None
    findings: tuple[FindingTemplate, ...] = ()


_MSH_9 = at_segment("MSH", 1, 9)
_MSH_9_3 = at_segment("MSH", 1, 9, 3)


def type_text(code: str, event: str) -> str:
    """``ADT^A04`` for findings when both have the form of codes, else what MSH-9 holds in words
    (the text itself could be anything the sender put there)."""
    if is_code(code) and (not event or is_code(event)):
        return f"{code}^{event}" if event else code
    return "the message type in MSH-9"


def resolve_structure(version: str, code: str, event: str, declared: str) -> Resolution:
    """The structure ``code^event^declared`` (MSH-9, upper case) is checked against in
    ``version``, with the findings that explain it. Names only what has the form of a code."""
    shown_type = type_text(code, event)
    events = EVENT_STRUCTURES.get(version, {})
    key = f"{code}^{event}"
    mapped = reference.structure_for(version, code, event)
    if declared:
        name = reference.structure_for(version, code, event, declared)
        if name is None:
            shown = declared if is_structure_id(declared) else "(MSH-9.3)"
            if mapped is None:
                return Resolution(None, (FindingTemplate(
                    rules.MSH_UNKNOWN_TYPE,
                    f"message structure {shown} (MSH-9.3) is not defined in HL7 {version}",
                    _MSH_9_3,
                ),))
            found = FindingTemplate(
                rules.MSH_UNKNOWN_STRUCTURE,
                f"MSH-9.3 {shown} is not a message structure of HL7 {version}; "
                f"checked as {mapped}, the structure of {shown_type}",
                _MSH_9_3,
            )
            return Resolution(reference.compile_structure(version, mapped), (found,))
        if mapped is not None and mapped != name and key in events:
            found = FindingTemplate(
                rules.MSH_STRUCTURE_MISMATCH,
                f"MSH-9.3 {declared} differs from {mapped}, the structure HL7 {version} "
                f"gives {shown_type}; checked as {declared}",
                _MSH_9_3,
            )
            return Resolution(reference.compile_structure(version, name), (found,))
        return Resolution(reference.compile_structure(version, name))
    if not code or (not event and mapped is None):
        return Resolution(None, (FindingTemplate(
            rules.MSH_UNKNOWN_TYPE, "MSH-9 has no message code and trigger event", _MSH_9,
        ),))
    if key in events and events[key] is None:
        return Resolution(None, (FindingTemplate(
            rules.STRUCTURE_NOT_CHECKED,
            f"{shown_type} has no message structure in hl7apy's HL7 {version} data "
            "(withdrawn event); segment order not checked",
            _MSH_9,
        ),))
    if mapped is None:
        return Resolution(None, (FindingTemplate(
            rules.MSH_UNKNOWN_TYPE, f"{shown_type} is not a message type of HL7 {version}", _MSH_9,
        ),))
    found = FindingTemplate(
        rules.MSH_STRUCTURE_INFERRED,
        f"MSH-9.3 (message structure) is empty; inferred {mapped} from {shown_type}",
        _MSH_9_3,
        mapped,
    )
    return Resolution(reference.compile_structure(version, mapped), (found,))


@dataclass(slots=True)
class CompiledVersion:
    """The structure and field checks of one supported HL7 version (see the module docstring)."""

    version: str
    mode: CheckMode = CheckMode.FAST
    # Compiles the expressions (re.compile, or an on-disk hiecheck.hl7.cache.PatternCache).
    patterns: PatternCompiler = field(default=re.compile, repr=False)
    tables: TablePolicy = LENIENT  # which user-defined tables are strict (the requirement set)
    known: frozenset[str] = field(init=False)  # segment ids hl7apy defines
    plain: frozenset[str] = field(init=False)  # known, valid and not Z: no segment finding
    segments: dict[str, CompiledSegment | None] = field(init=False, repr=False)
    # FAST mode: the findings of a faulty field value seen before, per (segment id, field,
    # occurrence, value). A sender repeats its non-conformance message after message (MSH-9.3 in
    # a v2.3 feed, a coded PID-16): each is checked once. The values stay in this object's memory
    # only, at most FAULTY_FIELDS_KEPT of them (cleared when full); None in REFERENCE mode.
    faulty_fields: dict[tuple[str, int, int, str], tuple[FieldOutcome, ...]] | None = field(
        init=False, repr=False
    )
    # FAST mode: what structure.diagnose found per segment-id sequence (None in REFERENCE mode).
    diagnoses: dict[tuple[str, tuple[str, ...], int], tuple[Diagnosis, ...]] | None = field(
        init=False, repr=False
    )
    _resolved: dict[tuple[str, str, str], Resolution] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.known = reference.known_segments(self.version)
        self.plain = frozenset(
            sid for sid in self.known if is_segment_id(sid) and sid[0] != "Z"
        )
        self.segments = {}
        self.faulty_fields = None if self.mode is CheckMode.REFERENCE else {}
        self.diagnoses = None if self.mode is CheckMode.REFERENCE else {}
        self._resolved = {}

    @property
    def reference(self) -> bool:
        """True in :attr:`CheckMode.REFERENCE`: nothing skipped."""
        return self.mode is CheckMode.REFERENCE

    def segment(self, seg_id: str) -> CompiledSegment | None:
        """The compiled checks of segment ``seg_id``; None when the version does not define it
        (Z-segments, unknown ids)."""
        try:
            return self.segments[seg_id]
        except KeyError:
            pass
        if seg_id not in self.known:
            return None  # not kept: ids that are not the version's are the input's to choose
        spec = reference.segment_spec(self.version, seg_id)
        found = None
        if spec is not None:
            if self.reference:
                found = CompiledSegment(spec, None, None, _accepts_nothing)
            else:
                clean = kept_clean_segment_pattern(self.version, spec, self.patterns)
                found = CompiledSegment(
                    spec, clean, Walker(spec, self.patterns, self.version), clean.fullmatch
                )
        self.segments[seg_id] = found
        return found

    def resolve(self, code: str, event: str, declared: str) -> Resolution:
        """:func:`resolve_structure` for this version, kept per message type."""
        key = (code, event, declared)
        found = self._resolved.get(key)
        if found is None:
            found = resolve_structure(self.version, code, event, declared)
            if len(self._resolved) < RESOLUTIONS_PER_VERSION and not self.reference:
                self._resolved[key] = found
        return found


class VersionRegistry:
    """MSH-12 → its :class:`CompiledVersion`, compiled on first use (None: not supported).

    ``patterns`` compiles the expressions: ``re.compile``, or a
    :class:`hiecheck.hl7.cache.PatternCache` that keeps them on disk between runs.
    ``tables``: which user-defined tables are strict (see :mod:`hiecheck.hl7.tables`)."""

    __slots__ = ("_versions", "mode", "patterns", "tables")

    def __init__(
        self,
        mode: CheckMode = CheckMode.FAST,
        *,
        patterns: PatternCompiler = re.compile,
        tables: TablePolicy = LENIENT,
    ) -> None:
        self.mode = mode
        self.patterns = patterns
        self.tables = tables
        self._versions: dict[str, CompiledVersion] = {}

    def get(self, version: str) -> CompiledVersion | None:
        """The compiled checks of ``version`` (MSH-12.1), or None when hl7apy lacks it."""
        found = self._versions.get(version)
        if found is None:
            if not reference.is_supported(version):
                return None
            found = self._versions[version] = CompiledVersion(
                version, self.mode, self.patterns, self.tables
            )
        return found

    def warm_up(self, version: str, structures: tuple[str, ...]) -> None:
        """Compile ``structures`` of ``version`` and their segments ahead of time (benchmarks,
        long-running servers)."""
        compiled = self.get(version)
        if compiled is None:
            return
        for name in structures:
            structure = reference.compile_structure(version, name)
            if structure is not None:
                for seg_id in structure.segment_ids:
                    compiled.segment(seg_id)

    def __getstate__(self) -> tuple[CheckMode, PatternCompiler, TablePolicy]:
        # compiled parts are rebuilt where they are used (worker processes)
        return self.mode, self.patterns, self.tables

    def __setstate__(self, state: tuple[CheckMode, PatternCompiler, TablePolicy]) -> None:
        self.mode, self.patterns, self.tables = state
        self._versions = {}


_SHARED: dict[CheckMode, VersionRegistry] = {}


def shared_versions(mode: CheckMode = CheckMode.FAST) -> VersionRegistry:
    """The registry one-off calls use (``check_structure(message)`` in a test or a REPL); the
    validation pipeline passes its own (:class:`hiecheck.hl7.validate.Checks`)."""
    found = _SHARED.get(mode)
    if found is None:
        found = _SHARED[mode] = VersionRegistry(mode)
    return found
