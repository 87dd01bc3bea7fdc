"""Requirement sets for message content: load them from ``profiles/messages/`` and compile them.

A requirement set (``profiles/messages/requirements/<id>.toml``) composes content groups
(``content_groups.toml``), each a list of field elements with usage R/RE/O/X, cardinality and value
sets (``value_sets.toml``). Loading validates every file with pydantic and every cross reference
(group ids, value-set names); compiling turns the set into flat tuples of precomputed checks so the
per-message loop in :mod:`hiecheck.hl7.content` stays cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hiecheck.citation import Citation
from hiecheck.effective import EffectivePeriod
from hiecheck.errors import InputError
from hiecheck.hl7.findings import Severity
from hiecheck.hl7.gate import FailOn
from hiecheck.hl7.tables import normalise_table_id
from hiecheck.paths import profiles_dir
from hiecheck.tomlfile import load_model
from hiecheck.versioned import Versions, load_versions

MESSAGES_DIR = "messages"
REQUIREMENTS_DIR = "requirements"
GROUPS_FILE = "content_groups.toml"
VALUE_SETS_FILE = "value_sets.toml"
NO_REQUIREMENTS = "none"
DEFAULT_REQUIREMENTS = "hie-adt"

Usage = Literal["R", "RE", "O", "X"]
_FIELD_RE = re.compile(r"^([A-Z][A-Z0-9]{2})-([1-9][0-9]*)(?:\.([1-9][0-9]*))?$")
_CARD_RE = re.compile(r"^(\d+)\.\.(\d+|\*)$")
_MODE_RE = re.compile(r"[a-z]+")


class ValueSet(BaseModel):
    """A named set of codes."""

    model_config = ConfigDict(extra="forbid")
    description: str
    codes: list[str] = Field(min_length=1)
    case_insensitive: bool = False
    citation: Citation


class ValueSetsFile(EffectivePeriod):
    """``value_sets.toml``."""

    model_config = ConfigDict(extra="forbid")
    version: str
    value_sets: dict[str, ValueSet]


class AnyOf(BaseModel):
    """One component and the value set it may match."""

    model_config = ConfigDict(extra="forbid")
    component: int = Field(ge=1)
    value_set: str


class When(BaseModel):
    """Condition on another field of the same segment (its first component)."""

    model_config = ConfigDict(extra="forbid")
    field: int = Field(ge=1)
    value_set: str


class Select(BaseModel):
    """Chooses which occurrences of the anchor segment belong to a group."""

    model_config = ConfigDict(extra="forbid")
    field: int = Field(ge=1)
    any_of: list[AnyOf] = Field(min_length=1)


class Element(BaseModel):
    """One field (or component) requirement inside a content group."""

    model_config = ConfigDict(extra="forbid")
    field: str
    usage: Usage
    cardinality: str | None = None
    message_types: list[str] = []
    events: list[str] = []
    exclude_events: list[str] = []
    min_version: str | None = None
    when: When | None = None
    any_of: list[AnyOf] = []
    check: Literal["value-set", "units", "numeric"] | None = None
    severity: Literal["error", "warning", "info"] = "error"

    @field_validator("field")
    @classmethod
    def _field(cls, value: str) -> str:
        if not _FIELD_RE.match(value):
            raise ValueError(f"{value!r} is not SEG-n or SEG-n.c")
        return value

    @field_validator("cardinality")
    @classmethod
    def _card(cls, value: str | None) -> str | None:
        if value is not None and not _CARD_RE.match(value):
            raise ValueError(f"{value!r} is not min..max (max may be *)")
        return value


class Group(BaseModel):
    """A content group: an anchor segment and the elements a message must value."""

    model_config = ConfigDict(extra="forbid")
    title: str
    label: str | None = None  # interface content: the words reports use (hiecheck.programs)
    message_types: list[str] = Field(min_length=1)
    events: list[str] = []
    exclude_events: list[str] = []
    anchor: str = Field(pattern=r"^[A-Z][A-Z0-9]{2}$")
    select: Select | None = None
    select_not: Select | None = None
    citation: Citation
    elements: list[Element] = Field(min_length=1)


class GroupsFile(EffectivePeriod):
    """``content_groups.toml``."""

    model_config = ConfigDict(extra="forbid")
    version: str
    groups: dict[str, Group]


class GroupRef(BaseModel):
    """A group used by a requirement set, with the set's usage for the group as a whole."""

    model_config = ConfigDict(extra="forbid")
    id: str
    usage: Literal["R", "RE", "O"]


class Mode(BaseModel):
    """A named way to apply a requirement set, chosen as ``<id>-<mode>`` (``hie-adt-onboarding``):
    strict while a feed is being proven, lenient once it is live. What a mode leaves out is the
    set's own (``fail_on`` error, the set's ``strict_tables``)."""

    model_config = ConfigDict(extra="forbid")
    description: str = Field(description="What the mode is for, in a sentence.")
    fail_on: FailOn | None = Field(default=None, description=(
        "Which findings fail `validate` in this mode (error, warning, never); --fail-on wins."))
    strict_tables: list[str] | None = Field(default=None, description=(
        "Replaces the set's strict_tables in this mode (table ids or 'all')."))

    @field_validator("strict_tables")
    @classmethod
    def _tables(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [normalise_table_id(v) for v in value]


class RequirementSetFile(EffectivePeriod):
    """``requirements/<id>.toml``: a named requirement set composed of content groups."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    version: str
    message_types: list[str] = Field(min_length=1)
    citation: Citation
    groups: list[GroupRef] = Field(min_length=1)
    strict_tables: list[str] = Field(default=[], description=(
        "User-defined (IS) HL7 tables whose suggested values are enforced: a code not among "
        "them is an error (field.not-in-user-table) instead of a warning. Table ids as 0004 or "
        "HL70004, or 'all' for every table hl7apy ships values for."))

    modes: dict[str, Mode] = Field(default={}, description=(
        "Named modes (onboarding, production): `--requirements <id>-<mode>`."))

    @field_validator("strict_tables")
    @classmethod
    def _tables(cls, value: list[str]) -> list[str]:
        return [normalise_table_id(v) for v in value]

    @field_validator("modes")
    @classmethod
    def _modes(cls, value: dict[str, Mode]) -> dict[str, Mode]:
        for name in value:
            if not _MODE_RE.fullmatch(name):
                raise ValueError(f"mode {name!r} is not lower-case letters")
        return value


# ----------------------------------------------------------------------------- compiled form

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


# ----------------------------------------------------------------------------- loading


@dataclass(frozen=True, slots=True)
class RequirementSources:
    """The three kinds of files a requirement set is made of, as loaded."""

    value_sets: ValueSetsFile
    groups: GroupsFile
    requirement_set: RequirementSetFile
    mode: str | None = None  # the mode of the set chosen (``<id>-<mode>``)


def messages_dir(profiles: Traversable | None = None) -> Traversable:
    """``profiles/messages`` (honours ``--profiles`` and ``$HIECHECK_PROFILES``)."""
    return profiles_dir(profiles) / MESSAGES_DIR


def _set_id(req: RequirementSetFile) -> str:
    return req.id


def requirement_set_versions(
    profiles: Traversable | None = None,
) -> Versions[RequirementSetFile]:
    """Every version of every requirement set in ``profiles/messages/requirements/``."""
    return load_versions(
        messages_dir(profiles) / REQUIREMENTS_DIR,
        RequirementSetFile,
        kind="requirement set",
        id_of=_set_id,
    )


def available_requirement_sets(profiles: Traversable | None = None) -> list[str]:
    """Ids of the requirement sets found in ``profiles/messages/requirements/``."""
    folder = messages_dir(profiles) / REQUIREMENTS_DIR
    if not folder.is_dir():
        return []
    versions = requirement_set_versions(profiles)
    return _ids_with_modes(versions)


def _ids_with_modes(versions: Versions[RequirementSetFile]) -> list[str]:
    """Every set id, each followed by its ``<id>-<mode>`` names (of its newest version)."""
    out: list[str] = []
    for set_id in versions.ids():
        out.append(set_id)
        out.extend(f"{set_id}-{m}" for m in versions.of(set_id)[-1].profile.modes)
    return out


def load_value_sets(profiles: Traversable | None = None) -> ValueSetsFile:
    """Load ``value_sets.toml``."""
    return load_model(messages_dir(profiles) / VALUE_SETS_FILE, ValueSetsFile)


def load_groups(profiles: Traversable | None = None) -> GroupsFile:
    """Load ``content_groups.toml`` and check its value-set names."""
    path = messages_dir(profiles) / GROUPS_FILE
    groups = load_model(path, GroupsFile)
    names = load_value_sets(profiles).value_sets
    for gid, group in groups.groups.items():
        sels = [("select", group.select), ("select_not", group.select_not)]
        for key, sel in sels:
            for i, a in enumerate(sel.any_of if sel else []):
                _known(names, a.value_set, path, f"groups.{gid}.{key}.any_of[{i + 1}].value_set")
        for n, el in enumerate(group.elements, 1):
            where = f"groups.{gid}.elements[{n}]"
            for i, a in enumerate(el.any_of):
                _known(names, a.value_set, path, f"{where}.any_of[{i + 1}].value_set")
            if el.when:
                _known(names, el.when.value_set, path, f"{where}.when.value_set")
            if el.check in ("value-set", "units") and not el.any_of:
                raise InputError(str(path), f"check {el.check!r} needs any_of", location=where)
    return groups


def _known(names: dict[str, ValueSet], name: str, path: Traversable, where: str) -> None:
    if name not in names:
        raise InputError(
            str(path), f"unknown value set {name!r}", location=where,
            expected=", ".join(sorted(names)),
        )


def load_sources(
    set_id: str, profiles: Traversable | None = None, as_of: date | None = None
) -> RequirementSources:
    """Load and cross-check the version of a requirement set in force on ``as_of`` (default:
    today); unknown ids and dates no version covers raise InputError."""
    folder = messages_dir(profiles) / REQUIREMENTS_DIR
    versions = requirement_set_versions(profiles) if folder.is_dir() else None
    given = set_id
    mode: str | None = None
    if versions is not None and set_id not in versions.ids():
        base, _, named = set_id.rpartition("-")
        if base in versions.ids():
            set_id, mode = base, named
    if versions is None or set_id not in versions.ids():
        raise InputError(
            given, "unknown requirement set",
            expected=", ".join([*(_ids_with_modes(versions) if versions else []),
                                NO_REQUIREMENTS]),
        )
    day = as_of or date.today()
    found = versions.pick(set_id, day)
    if found is None:
        known = versions.of(set_id)
        raise InputError(
            known[-1].source, f"requirement set {set_id!r} is not in force on {day}",
            location="effective_from",
            expected="a date in " + ", ".join(v.profile.period for v in known),
        )
    req = found.profile
    if mode is not None and mode not in req.modes:
        raise InputError(
            given, "unknown requirement set",
            expected=", ".join([*_ids_with_modes(versions), NO_REQUIREMENTS]),
        )
    groups = load_groups(profiles)
    for i, ref in enumerate(req.groups, 1):
        if ref.id not in groups.groups:
            raise InputError(
                found.source, f"unknown content group {ref.id!r}", location=f"groups[{i}].id",
                expected=", ".join(sorted(groups.groups)),
            )
    return RequirementSources(load_value_sets(profiles), groups, req, mode)


def _code_set(sets: ValueSetsFile, name: str) -> CodeSet:
    vs = sets.value_sets[name]
    if vs.case_insensitive:
        return frozenset(c.upper() for c in vs.codes), True
    return frozenset(vs.codes), False


def _any_of(
    sets: ValueSetsFile, items: list[AnyOf],
    memo: dict[tuple[tuple[int, str], ...], CompiledAnyOf] | None = None
) -> CompiledAnyOf:
    """The compiled any_of list; with ``memo``, equal lists share one tuple (selections of
    different groups on the same field are then recognised as the same by the content check)."""
    key = tuple((a.component, a.value_set) for a in items)
    if memo is not None and key in memo:
        return memo[key]
    out = tuple((a.component, _code_set(sets, a.value_set), a.value_set) for a in items)
    if memo is not None:
        memo[key] = out
    return out


def compile_requirements(sources: RequirementSources) -> CompiledRequirements:
    """Flatten a loaded requirement set into precomputed checks."""
    sets = sources.value_sets
    compiled: list[CompiledGroup] = []
    selections: dict[tuple[tuple[int, str], ...], CompiledAnyOf] = {}
    for ref in sources.requirement_set.groups:
        group = sources.groups.groups[ref.id]
        elements = []
        for el in group.elements:
            m = _FIELD_RE.match(el.field)
            assert m is not None  # validated on load
            lo, hi = 0, None
            if el.cardinality:
                c = _CARD_RE.match(el.cardinality)
                assert c is not None
                lo = int(c[1])
                hi = None if c[2] == "*" else int(c[2])
            check = el.check or ("value-set" if el.any_of else "presence")
            whole_required = m[3] is not None and any(
                o.field == f"{m[1]}-{m[2]}" and o.usage == "R" and o.when is None
                for o in group.elements
            )
            elements.append(
                CompiledElement(
                    label=el.field, segment=m[1], field=int(m[2]),
                    component=int(m[3]) if m[3] else None, usage=el.usage,
                    min_reps=lo, max_reps=hi,
                    message_types=frozenset(el.message_types), events=frozenset(el.events),
                    exclude_events=frozenset(el.exclude_events),
                    min_version=parse_version(el.min_version) if el.min_version else None,
                    when=(el.when.field, _code_set(sets, el.when.value_set)) if el.when else None,
                    any_of=_any_of(sets, el.any_of), check=check, severity=Severity(el.severity),
                    field_required=whole_required,
                    fast_ok=el.usage != "X" and not el.cardinality,
                )
            )
        compiled.append(
            CompiledGroup(
                id=ref.id, title=group.title, usage=ref.usage,
                message_types=frozenset(group.message_types), events=frozenset(group.events),
                exclude_events=frozenset(group.exclude_events), anchor=group.anchor,
                select=(group.select.field, _any_of(sets, group.select.any_of, selections))
                if group.select else None,
                select_not=(group.select_not.field,
                            _any_of(sets, group.select_not.any_of, selections))
                if group.select_not else None,
                elements=tuple(elements),
            )
        )
    req = sources.requirement_set
    mode = req.modes[sources.mode] if sources.mode is not None else None
    strict = req.strict_tables if mode is None or mode.strict_tables is None else (
        mode.strict_tables)
    return CompiledRequirements(
        req.id if sources.mode is None else f"{req.id}-{sources.mode}",
        req.title if mode is None else f"{req.title} ({sources.mode})",
        frozenset(req.message_types), tuple(compiled), frozenset(strict),
        None if mode is None else mode.fail_on, sources.mode,
    )


def load_requirements(
    set_id: str, profiles: Path | None = None, as_of: date | None = None
) -> CompiledRequirements | None:
    """Load and compile the version of a requirement set in force on ``as_of`` (default: today);
    ``none`` means no content checks (None)."""
    if set_id == NO_REQUIREMENTS:
        return None
    folder = profiles_dir(profiles)  # a Path or zipfile.Path: both hash, Traversable says not
    return _load_cached(set_id, folder, as_of or date.today())  # type: ignore[arg-type]


@lru_cache(maxsize=16)
def _load_cached(set_id: str, folder: Traversable, as_of: date) -> CompiledRequirements:
    return compile_requirements(load_sources(set_id, folder, as_of))
