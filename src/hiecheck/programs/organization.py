"""The organization file (TOML): what an organization says about itself, checked vs profiles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hiecheck.errors import InputError, raise_all
from hiecheck.programs.content_groups import CONTEXT_KEY, ContentGroups, DeclaredContentGroup
from hiecheck.programs.models import EnrollmentKey, InterfaceKind, KeyValue, ProgramProfile, Role
from hiecheck.programs.profile_loader import ProfileSet, describe_versions
from hiecheck.tomlfile import read_toml, validate_data


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class InterfaceDecl(_Input):
    """An HL7 interface the organization says it sends to the HIE."""

    kind: InterfaceKind
    realtime: bool = False
    content: list[DeclaredContentGroup] = Field(default_factory=list)


class Facility(_Input):
    """Facts about the organization's facility."""

    tribal_health_facility: bool = False


class Hie(_Input):
    """The organization's declared HIE participation and connections."""

    participant: bool = False
    letter_of_direction: bool = False
    clinical_portal_access: bool = False
    interfaces: list[InterfaceDecl] = Field(default_factory=list)


class Enrollment(_Input):
    """One program the organization is in or is joining."""

    program: str
    tier_sought: int | None = None
    contract: str | None = None
    home_provider: bool | None = None
    role: str | None = None
    incentives_sought: list[str] = Field(default_factory=list)


class Organization(_Input):
    """The whole organization file."""

    name: str = Field(min_length=1)
    messages: str | None = None
    enrollment: list[Enrollment] = Field(min_length=1)
    facility: Facility = Facility()
    hie: Hie = Hie()


@dataclass(frozen=True)
class ResolvedEnrollment:
    """An enrollment matched to its program profile and role."""

    index: int  # 1-based, as in error locations
    enrollment: Enrollment
    profile: ProgramProfile
    role: Role
    keys: dict[str, KeyValue]  # effective selector values, defaults applied
    defaulted: tuple[str, ...]  # keys whose value came from the profile default


@dataclass(frozen=True)
class LoadedOrganization:
    """A validated organization: its file (or the name errors and the report give it), the
    model, and its messages folder when it names one."""

    path: Path
    org: Organization
    messages_dir: Path | None


def organization_from_data(
    data: Mapping[str, Any],
    source: str,
    base_dir: Path | None = None,
    content: ContentGroups | None = None,
) -> LoadedOrganization:
    """Validate an organization given as data (a parsed TOML file, a form) the way the TOML
    loader does: every problem as a one-line InputError naming ``source`` and the key.

    ``base_dir`` is where a ``messages`` folder is looked for (default: the working folder);
    ``content`` checks declared content groups now (else when the enrollments are resolved).
    """
    context = {CONTEXT_KEY: content} if content is not None else None
    org = validate_data(data, Organization, source, context)
    messages_dir = None
    if org.messages is not None:
        shown = org.messages if len(org.messages) <= 80 else f"{org.messages[:60]}..."
        try:
            messages_dir = ((base_dir or Path()) / org.messages).resolve()
            found = messages_dir.is_dir()
        except OSError as exc:  # is_dir raises for a name too long, a permission denied ...
            raise InputError(
                source, f"messages folder {shown!r} cannot be read: {exc.strerror}",
                location="messages", expected="a folder relative to the organization file",
            ) from None
        if not found:
            raise InputError(
                source,
                f"messages folder {shown!r} not found",
                location="messages",
                expected="a folder relative to the organization file",
            )
    return LoadedOrganization(path=Path(source), org=org, messages_dir=messages_dir)


def load_organization(path: Path, content: ContentGroups | None = None) -> LoadedOrganization:
    """Read and validate an organization file (its enrollments are checked against the profiles
    when evaluated; ``content``: see :func:`organization_from_data`)."""
    loaded = organization_from_data(read_toml(path), str(path), path.parent, content)
    return LoadedOrganization(path=path, org=loaded.org, messages_dir=loaded.messages_dir)


def _fmt(value: KeyValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def _same(a: KeyValue | None, b: KeyValue) -> bool:
    return type(a) is type(b) and a == b


def _content_problems(source: str, org: Organization, content: ContentGroups) -> list[InputError]:
    """Declared content that is not interface content (worded as pydantic words a bad choice)."""
    return [
        InputError(
            source,
            f"Input should be {content.expected()}",
            location=f"hie.interfaces[{i}].content[{n}]",
        )
        for i, interface in enumerate(org.hie.interfaces, start=1)
        for n, gid in enumerate(interface.content, start=1)
        if gid not in content.labels
    ]


def _enrollment(
    source: str, index: int, enr: Enrollment, profiles: ProfileSet, seen: dict[str, int]
) -> ResolvedEnrollment:
    where = f"enrollment[{index}]"
    known = profiles.known_programs()
    if enr.program not in known:
        raise InputError(
            source,
            f"unknown program {enr.program!r}",
            location=f"{where}.program",
            expected=" | ".join(known),
        )
    if enr.program in seen:
        raise InputError(
            source,
            f"program {enr.program!r} is enrolled twice (also enrollment[{seen[enr.program]}])",
            location=f"{where}.program",
            expected="one [[enrollment]] per program",
        )
    seen[enr.program] = index
    profile = profiles.program(enr.program)
    if profile is None:
        raise InputError(
            source,
            f"no profile of program {enr.program!r} is in force on {profiles.as_of} "
            f"(versions: {describe_versions(profiles, enr.program)})",
            location=f"{where}.program",
            expected="an --as-of date inside a version's effective range",
        )
    return _resolve_one(source, where, index, enr, profile)


def resolve_enrollments(
    loaded: LoadedOrganization, profiles: ProfileSet
) -> list[ResolvedEnrollment]:
    """Match every enrollment to a program role of the profiles in force, and check the declared
    content groups; bad input → InputError (every problem of the file, one per enrollment)."""
    source = str(loaded.path)
    resolved: list[ResolvedEnrollment] = []
    problems = _content_problems(source, loaded.org, profiles.content)
    seen: dict[str, int] = {}
    for index, enr in enumerate(loaded.org.enrollment, start=1):
        try:
            resolved.append(_enrollment(source, index, enr, profiles, seen))
        except InputError as exc:
            problems.append(exc)
    raise_all(problems)
    return resolved


@dataclass(frozen=True)
class _Where:
    """One enrollment of one file, for error lines."""

    source: str
    at: str  # enrollment[N]
    program: str

    def error(self, key: str | None, problem: str, expected: str) -> InputError:
        location = f"{self.at}.{key}" if key else self.at
        return InputError(self.source, problem, location=location, expected=expected)


def _given_keys(
    where: _Where, enr: Enrollment, allowed: dict[str, EnrollmentKey]
) -> dict[str, KeyValue]:
    """The selector keys the enrollment sets, each allowed for its program and valid."""
    given: dict[str, KeyValue] = enr.model_dump(
        exclude={"program", "incentives_sought"}, exclude_none=True
    )
    for key, value in given.items():
        spec = allowed.get(key)
        if spec is None:
            owners = " | ".join(allowed) or "none"
            raise where.error(
                key, f"{key} does not apply to program {where.program!r}",
                f"keys of {where.program} enrollments: {owners}",
            )
        if not any(_same(value, v) for v in spec.values):
            raise where.error(
                key, f"invalid {key} {_fmt(value)} for program {where.program!r}",
                " | ".join(_fmt(v) for v in spec.values),
            )
    return given


def _with_defaults(
    where: _Where, given: dict[str, KeyValue], allowed: dict[str, EnrollmentKey]
) -> tuple[dict[str, KeyValue], list[str]]:
    """Every selector key: the given ones, then the profile's defaults (and which were used)."""
    keys = dict(given)
    defaulted: list[str] = []
    for key, spec in allowed.items():
        if key in keys:
            continue
        if spec.required or spec.default is None:
            raise where.error(
                key, f"missing {key} for program {where.program!r}",
                " | ".join(_fmt(v) for v in spec.values),
            )
        keys[key] = spec.default
        defaulted.append(key)
    return keys, defaulted


def _role_of(where: _Where, profile: ProgramProfile, keys: dict[str, KeyValue]) -> Role:
    roles = [r for r in profile.roles if all(_same(keys.get(k), v) for k, v in r.match.items())]
    if len(roles) != 1:
        raise where.error(
            None, f"these keys select {len(roles)} roles of program {where.program!r}",
            "keys that select exactly one role",
        )
    return roles[0]


def _resolve_one(
    source: str, at: str, index: int, enr: Enrollment, profile: ProgramProfile
) -> ResolvedEnrollment:
    where = _Where(source, at, enr.program)
    allowed: dict[str, EnrollmentKey] = {k.key: k for k in profile.enrollment_keys}
    keys, defaulted = _with_defaults(where, _given_keys(where, enr, allowed), allowed)
    role = _role_of(where, profile, keys)
    incentive_ids = [i.id for i in role.incentives]
    for n, wanted in enumerate(enr.incentives_sought, start=1):
        if wanted not in incentive_ids:
            raise where.error(
                f"incentives_sought[{n}]", f"unknown incentive {wanted!r} for role {role.id}",
                " | ".join(incentive_ids) or "no incentives exist for this role",
            )
    return ResolvedEnrollment(index, enr, profile, role, keys, tuple(defaulted))
