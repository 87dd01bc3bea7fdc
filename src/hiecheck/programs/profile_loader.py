"""Load program profiles from ``<profiles>/programs/*.toml`` and pick the versions in force."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from importlib.resources.abc import Traversable

from hiecheck.errors import InputError, raise_all
from hiecheck.programs.content_groups import CONTEXT_KEY, ContentGroups, load_content_groups
from hiecheck.programs.models import ProgramProfile, Role
from hiecheck.sources import Sources, load_sources
from hiecheck.versioned import Version, load_versions

PROGRAMS_SUBDIR = "programs"

LoadedProfile = Version[ProgramProfile]
"""A validated profile and the file it came from."""


@dataclass(frozen=True)
class ProfileSet:
    """Every loaded profile version, and the ones in force on ``as_of``."""

    as_of: date
    all_versions: tuple[LoadedProfile, ...]
    in_force: dict[str, LoadedProfile]
    content: ContentGroups
    sources: Sources = field(default_factory=Sources)  # titles of the documents cited

    def at(self, as_of: date) -> ProfileSet:
        """The same versions with the ones in force on ``as_of`` selected."""
        return _select(self.all_versions, self.content, as_of, self.sources)

    def program(self, program: str) -> ProgramProfile | None:
        """The version of ``program`` in force, if any."""
        loaded = self.in_force.get(program)
        return loaded.profile if loaded else None

    def known_programs(self) -> list[str]:
        """Program ids that have any version, in force or not."""
        return sorted({lp.profile.program for lp in self.all_versions})

    def versions_of(self, program: str) -> list[ProgramProfile]:
        """Every version of ``program``, oldest first."""
        found = [lp.profile for lp in self.all_versions if lp.profile.program == program]
        return sorted(found, key=lambda p: p.effective_from)

    def find_role(self, role_id: str) -> tuple[ProgramProfile, Role] | None:
        """The in-force program and role with id ``role_id``."""
        for loaded in self.in_force.values():
            for role in loaded.profile.roles:
                if role.id == role_id:
                    return loaded.profile, role
        return None


def _program_id(profile: ProgramProfile) -> str:
    return profile.program


def load_profiles(profiles_root: Traversable, as_of: date) -> ProfileSet:
    """Load and validate every program profile under ``profiles_root/programs``.

    Raises InputError (file and key named) for an invalid file, for two versions of one program
    whose effective ranges overlap, and for a role id used by two programs in force.
    """
    content = load_content_groups(profiles_root)
    versions = load_versions(
        profiles_root / PROGRAMS_SUBDIR,
        ProgramProfile,
        kind="program",
        id_of=_program_id,
        context={CONTEXT_KEY: content},
    )
    return _select(versions.versions, content, as_of, load_sources(profiles_root))


def _select(
    loaded: tuple[LoadedProfile, ...],
    content: ContentGroups,
    as_of: date,
    sources: Sources | None = None,
) -> ProfileSet:
    in_force = {lp.profile.program: lp for lp in loaded if lp.profile.in_force(as_of)}
    seen: dict[str, str] = {}
    problems: list[InputError] = []
    for lp in in_force.values():
        for role in lp.profile.roles:
            if role.id in seen:
                problems.append(
                    InputError(
                        lp.source,
                        f"role id {role.id!r} is also defined in {seen[role.id]}",
                        location="roles",
                    )
                )
            seen[role.id] = lp.source
    raise_all(problems)
    return ProfileSet(
        as_of=as_of,
        all_versions=loaded,
        in_force=in_force,
        content=content,
        sources=sources or Sources(),
    )


def describe_versions(profiles: ProfileSet, program: str) -> str:
    """Human text listing the effective ranges of ``program``'s versions."""
    parts = [
        f"{p.version} {p.period}"
        for p in profiles.versions_of(program)
    ]
    return ", ".join(parts) if parts else "none"
