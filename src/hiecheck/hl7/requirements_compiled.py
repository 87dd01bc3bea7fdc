"""Requirement sets as the checks use them: where their files are, and their compiled form.

Nothing here validates a file (:mod:`hiecheck.hl7.requirement_files` does, with pydantic): a
one-file ``validate`` whose requirement set comes from the cache (:mod:`hiecheck.hl7.cache`)
imports only this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from typing import Any

from hiecheck.hl7.findings import Severity
from hiecheck.hl7.gate import FailOn
from hiecheck.paths import profiles_dir

MESSAGES_DIR = "messages"
REQUIREMENTS_DIR = "requirements"
GROUPS_FILE = "content_groups.toml"
VALUE_SETS_FILE = "value_sets.toml"
NO_REQUIREMENTS = "none"
DEFAULT_REQUIREMENTS = "hie-adt"

def messages_dir(profiles: Traversable | None = None) -> Traversable:
    """``profiles/messages`` (honours ``--profiles`` and ``$HIECHECK_PROFILES``)."""
    return profiles_dir(profiles) / MESSAGES_DIR


CodeSet = tuple[frozenset[str], bool]  # codes, case-insensitive (codes stored upper-case then)
CompiledAnyOf = tuple[tuple[int, CodeSet, str], ...]  # (component, codes, value-set name)


@dataclass(frozen=True, slots=True)
class CompiledElement:
    """A precomputed check: where, what usage, and which value sets."""

    label: str  # e.g. "PID-3.4"
    segment: str
    field: int
    component: int | None
    usage: str
    min_reps: int
    max_reps: int | None
    message_types: frozenset[str]
    events: frozenset[str]
    exclude_events: frozenset[str]
    min_version: tuple[int, ...] | None
    when: tuple[int, CodeSet] | None
    any_of: tuple[tuple[int, CodeSet, str], ...]
    check: str  # presence | value-set | units | numeric
    severity: Severity
    field_required: bool = False  # the group also requires the whole field (no double report)
    fast_ok: bool = False  # not X, no cardinality: the inline checks in content may decide

    def applies(self, code: str, event: str, version: tuple[int, ...]) -> bool:
        """Whether this element applies to a message of this type, event and version."""
        if self.message_types and code not in self.message_types:
            return False
        if self.events and event not in self.events:
            return False
        if event in self.exclude_events:
            return False
        return self.min_version is None or version >= self.min_version


@dataclass(frozen=True, slots=True)
class CompiledGroup:
    """A content group as used by one requirement set."""

    id: str
    title: str
    usage: str  # the set's usage for the group: R, RE or O
    message_types: frozenset[str]
    events: frozenset[str]
    exclude_events: frozenset[str]
    anchor: str
    select: tuple[int, tuple[tuple[int, CodeSet, str], ...]] | None
    select_not: tuple[int, tuple[tuple[int, CodeSet, str], ...]] | None
    elements: tuple[CompiledElement, ...]

    def applies(self, code: str, event: str) -> bool:
        """Whether the group applies to a message of this type and event."""
        if code not in self.message_types:
            return False
        if self.events and event not in self.events:
            return False
        return event not in self.exclude_events


# Per group of a set: the group, whether it applies to a message type and event, its elements that
# apply (to that type, event and version).
Plan = tuple[tuple[CompiledGroup, bool, tuple[CompiledElement, ...]], ...]


@dataclass(slots=True)
class CompiledRequirements:
    """A requirement set ready to run; plans are cached per (type, event, version)."""

    id: str
    title: str
    message_types: frozenset[str]
    groups: tuple[CompiledGroup, ...]
    strict_tables: frozenset[str] = frozenset()  # user-defined tables made strict (ids, 'all')
    fail_on: FailOn | None = None  # the mode's gate (None: the default, error)
    mode: str | None = None  # the mode chosen (``hie-adt-onboarding`` → onboarding)
    _plans: dict[tuple[str, str, tuple[int, ...]], Plan] = field(default_factory=dict)

    def plan(self, code: str, event: str, version: tuple[int, ...]) -> Plan:
        """Every group with whether it applies and its applicable elements, computed once."""
        key = (code, event, version)
        found = self._plans.get(key)
        if found is None:
            found = tuple(
                (g, g.applies(code, event),
                 tuple(e for e in g.elements if e.applies(code, event, version)))
                for g in self.groups
            )
            self._plans[key] = found
        return found

    def __getstate__(self) -> tuple[object, ...]:
        return (self.id, self.title, self.message_types, self.groups, self.strict_tables,
                self.fail_on, self.mode)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        (self.id, self.title, self.message_types, self.groups, self.strict_tables,
         self.fail_on, self.mode) = state
        self._plans = {}


def parse_version(text: str) -> tuple[int, ...]:
    """``2.5.1`` → (2, 5, 1); anything unparseable → ()."""
    parts = text.strip().split(".")
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        return ()


def in_code_set(value: str, code_set: CodeSet) -> bool:
    """Whether ``value`` (stripped) is one of the codes."""
    codes, folded = code_set
    value = value.strip()
    return (value.upper() if folded else value) in codes
