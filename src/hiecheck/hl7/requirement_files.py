"""Requirement-set files: ``profiles/messages/`` validated with pydantic, then compiled.

A requirement set (``profiles/messages/requirements/<id>.toml``) composes content groups
(``content_groups.toml``), each a list of field elements with usage R/RE/O/X, cardinality and value
sets (``value_sets.toml``). Loading validates every file with pydantic and every cross reference
(group ids, value-set names); compiling turns the set into flat tuples of precomputed checks
(:mod:`hiecheck.hl7.requirements_compiled`) so the per-message loop in
:mod:`hiecheck.hl7.content` stays cheap. :func:`hiecheck.hl7.requirements.load_requirements` comes
here only when its cache has no compiled form of the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from importlib.resources.abc import Traversable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hiecheck.citation import Citation
from hiecheck.effective import EffectivePeriod
from hiecheck.errors import InputError
from hiecheck.hl7.findings import Severity
from hiecheck.hl7.gate import FailOn
from hiecheck.hl7.requirements_compiled import (
    GROUPS_FILE,
    NO_REQUIREMENTS,
    REQUIREMENTS_DIR,
    VALUE_SETS_FILE,
    CodeSet,
    CompiledAnyOf,
    CompiledElement,
    CompiledGroup,
    CompiledRequirements,
    messages_dir,
    parse_version,
)
from hiecheck.hl7.tables import normalise_table_id
from hiecheck.tomlfile import load_model
from hiecheck.versioned import Versions, load_versions

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


@dataclass(frozen=True, slots=True)
class RequirementSources:
    """The three kinds of files a requirement set is made of, as loaded."""

    value_sets: ValueSetsFile
    groups: GroupsFile
    requirement_set: RequirementSetFile
    mode: str | None = None  # the mode of the set chosen (``<id>-<mode>``)


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


def compile_in_force(
    set_id: str, profiles: Traversable | None, as_of: date
) -> tuple[CompiledRequirements, date, date | None]:
    """The compiled version of a requirement set in force on ``as_of``, and that version's
    period (its first and last day; None: open): the days on which the same files give the
    same result (versions of a set never overlap)."""
    sources = load_sources(set_id, profiles, as_of)
    req = sources.requirement_set
    return compile_requirements(sources), req.effective_from, req.effective_to
