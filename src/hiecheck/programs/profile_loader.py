"""Load program profiles from ``<profiles>/programs/*.toml`` and pick the versions in force."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from hiecheck.errors import InputError
from hiecheck.programs.models import ProgramProfile, Role
from hiecheck.sources import Sources, load_sources
from hiecheck.tomlfile import load_model

PROGRAMS_SUBDIR = "programs"


@dataclass(frozen=True)
class LoadedProfile:
    """A validated profile and the file it came from."""

    path: Path
    profile: ProgramProfile


@dataclass(frozen=True)
class ProfileSet:
    """Every loaded profile version, and the ones in force on ``as_of``."""

    as_of: date
    all_versions: tuple[LoadedProfile, ...]
    in_force: dict[str, LoadedProfile]
    sources: Sources = field(default_factory=Sources)  # titles of the documents cited

    def at(self, as_of: date) -> ProfileSet:
        """The same versions with the ones in force on ``as_of`` selected."""
        return _select(self.all_versions, as_of, self.sources)

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


def load_profiles(profiles_root: Path, as_of: date) -> ProfileSet:
    """Load and validate every program profile under ``profiles_root/programs``.

    Raises InputError (file and key named) for an invalid file, for two versions of one program
    whose effective ranges overlap, and for a role id used by two programs in force.
    """
    folder = profiles_root / PROGRAMS_SUBDIR
    if not folder.is_dir():
        raise InputError(str(folder), "program profiles folder not found")
    files = sorted(p for p in folder.glob("*.toml") if not p.name.startswith("_"))
    if not files:
        raise InputError(str(folder), "no program profiles found", expected="*.toml files")
    loaded = [LoadedProfile(path, load_model(path, ProgramProfile)) for path in files]

    for i, first in enumerate(loaded):
        for second in loaded[i + 1 :]:
            same = first.profile.program == second.profile.program
            if same and first.profile.overlaps(second.profile):
                raise InputError(
                    str(second.path),
                    f"effective dates of program {second.profile.program!r} overlap with "
                    f"{first.path}",
                    location="effective_from",
                    expected="non-overlapping effective_from/effective_to ranges per program",
                )

    return _select(tuple(loaded), as_of, load_sources(profiles_root))


def _select(loaded: tuple[LoadedProfile, ...], as_of: date, sources: Sources) -> ProfileSet:
    in_force = {lp.profile.program: lp for lp in loaded if lp.profile.in_force(as_of)}
    seen: dict[str, Path] = {}
    for lp in in_force.values():
        for role in lp.profile.roles:
            if role.id in seen:
                raise InputError(
                    str(lp.path),
                    f"role id {role.id!r} is also defined in {seen[role.id]}",
                    location="roles",
                )
            seen[role.id] = lp.path
    return ProfileSet(as_of=as_of, all_versions=loaded, in_force=in_force, sources=sources)


def describe_versions(profiles: ProfileSet, program: str) -> str:
    """Human text listing the effective ranges of ``program``'s versions."""
    parts = [
        f"{p.version} {p.period}"
        for p in profiles.versions_of(program)
    ]
    return ", ".join(parts) if parts else "none"
