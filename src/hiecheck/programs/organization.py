"""The organization file (TOML): what an organization says about itself, checked vs profiles."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from hiecheck.errors import InputError
from hiecheck.programs.models import ContentGroup, InterfaceKind, KeyValue, ProgramProfile, Role
from hiecheck.programs.profile_loader import ProfileSet, describe_versions
from hiecheck.tomlfile import load_model


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class InterfaceDecl(_Input):
    """An HL7 interface the organization says it sends to the HIE."""

    kind: InterfaceKind
    realtime: bool = False
    content: list[ContentGroup] = Field(default_factory=list)


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
    """A validated organization file."""

    path: Path
    org: Organization
    messages_dir: Path | None


def load_organization(path: Path) -> LoadedOrganization:
    """Read and validate an organization file (not yet against profiles)."""
    org = load_model(path, Organization)
    messages_dir = None
    if org.messages is not None:
        messages_dir = (path.parent / org.messages).resolve()
        if not messages_dir.is_dir():
            raise InputError(
                str(path),
                f"messages folder {org.messages!r} not found",
                location="messages",
                expected="a folder relative to the organization file",
            )
    return LoadedOrganization(path=path, org=org, messages_dir=messages_dir)


def _fmt(value: KeyValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def _same(a: KeyValue, b: KeyValue) -> bool:
    return type(a) is type(b) and a == b


def resolve_enrollments(
    loaded: LoadedOrganization, profiles: ProfileSet
) -> list[ResolvedEnrollment]:
    """Match every enrollment to a program role of the profiles in force; bad input → InputError."""
    source = str(loaded.path)
    resolved: list[ResolvedEnrollment] = []
    seen: dict[str, int] = {}
    for index, enr in enumerate(loaded.org.enrollment, start=1):
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
        resolved.append(_resolve_one(source, where, index, enr, profile))
    return resolved


def _resolve_one(
    source: str, where: str, index: int, enr: Enrollment, profile: ProgramProfile
) -> ResolvedEnrollment:
    allowed = {k.key: k for k in profile.enrollment_keys}
    given = enr.model_dump(exclude={"program", "incentives_sought"}, exclude_none=True)
    keys: dict[str, KeyValue] = {}
    defaulted: list[str] = []
    for key, value in given.items():
        spec = allowed.get(key)
        if spec is None:
            owners = " | ".join(allowed) or "none"
            raise InputError(
                source,
                f"{key} does not apply to program {enr.program!r}",
                location=f"{where}.{key}",
                expected=f"keys of {enr.program} enrollments: {owners}",
            )
        if not any(_same(value, v) for v in spec.values):
            raise InputError(
                source,
                f"invalid {key} {_fmt(value)} for program {enr.program!r}",
                location=f"{where}.{key}",
                expected=" | ".join(_fmt(v) for v in spec.values),
            )
        keys[key] = value
    for key, spec in allowed.items():
        if key in keys:
            continue
        if spec.required or spec.default is None:
            raise InputError(
                source,
                f"missing {key} for program {enr.program!r}",
                location=f"{where}.{key}",
                expected=" | ".join(_fmt(v) for v in spec.values),
            )
        keys[key] = spec.default
        defaulted.append(key)
    roles = [r for r in profile.roles if all(_same(keys.get(k), v) for k, v in r.match.items())]
    if len(roles) != 1:
        raise InputError(
            source,
            f"these keys select {len(roles)} roles of program {enr.program!r}",
            location=where,
            expected="keys that select exactly one role",
        )
    role = roles[0]
    incentive_ids = [i.id for i in role.incentives]
    for n, wanted in enumerate(enr.incentives_sought, start=1):
        if wanted not in incentive_ids:
            raise InputError(
                source,
                f"unknown incentive {wanted!r} for role {role.id}",
                location=f"{where}.incentives_sought[{n}]",
                expected=" | ".join(incentive_ids) or "no incentives exist for this role",
            )
    return ResolvedEnrollment(index, enr, profile, role, keys, tuple(defaulted))
