"""Effective-dated profiles: one loader for every folder of versioned TOML files.

A folder (``profiles/programs``, ``profiles/evidence``, ``profiles/p4p``,
``profiles/messages/requirements``) holds one TOML file per version of a profile. Every file is
validated as the same pydantic model (an :class:`~hiecheck.effective.EffectivePeriod`); the
versions of one id (a program, a requirement set …) must not overlap; :meth:`Versions.in_force`
picks the one in force on a date. Errors name the file and key, every problem of a run at once.
Folders are ``Traversable``\\s, so profiles load from a checkout, an installed package or a zip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib.resources.abc import Traversable
from typing import Any, Generic, TypeVar

from hiecheck.effective import EffectivePeriod
from hiecheck.errors import InputError, raise_all
from hiecheck.tomlfile import load_model

M = TypeVar("M", bound=EffectivePeriod)

SUFFIX = ".toml"
HIDDEN_PREFIX = "_"  # ``_draft.toml`` is not loaded


@dataclass(frozen=True)
class Version(Generic[M]):
    """One validated profile file: the model and the file it came from (as errors name it)."""

    source: str
    profile: M


@dataclass(frozen=True)
class Versions(Generic[M]):
    """Every version found in a folder, by id, oldest first."""

    kind: str  # what errors call a profile of this folder, e.g. "program"
    folder: str
    versions: tuple[Version[M], ...]
    id_of: Callable[[M], str]

    def ids(self) -> list[str]:
        """Every id that has a version, in force or not, sorted."""
        return sorted({self.id_of(v.profile) for v in self.versions})

    def of(self, profile_id: str) -> list[Version[M]]:
        """Every version of ``profile_id``, oldest first."""
        found = [v for v in self.versions if self.id_of(v.profile) == profile_id]
        return sorted(found, key=lambda v: v.profile.effective_from)

    def in_force(self, day: date) -> dict[str, Version[M]]:
        """The version of each id in force on ``day`` (ids with none are left out)."""
        return {self.id_of(v.profile): v for v in self.versions if v.profile.in_force(day)}

    def pick(self, profile_id: str, day: date) -> Version[M] | None:
        """The version of ``profile_id`` in force on ``day``, if any."""
        return next((v for v in self.of(profile_id) if v.profile.in_force(day)), None)


def toml_files(folder: Traversable) -> list[Traversable]:
    """The profile files of a folder, by name (``_*.toml`` left out)."""
    return sorted(
        (
            f
            for f in folder.iterdir()
            if f.name.endswith(SUFFIX) and not f.name.startswith(HIDDEN_PREFIX) and f.is_file()
        ),
        key=lambda f: f.name,
    )


def _overlaps(versions: list[Version[M]], kind: str, id_of: Callable[[M], str]) -> list[InputError]:
    problems: list[InputError] = []
    for i, first in enumerate(versions):
        for second in versions[i + 1 :]:
            same = id_of(first.profile) == id_of(second.profile)
            if same and first.profile.overlaps(second.profile):
                problems.append(
                    InputError(
                        second.source,
                        f"{kind} {id_of(second.profile)!r} {second.profile.period} overlaps "
                        f"the version in {first.source} ({first.profile.period})",
                        location="effective_from",
                        expected=f"non-overlapping effective_from/effective_to ranges per {kind}",
                    )
                )
    return problems


def load_versions(
    folder: Traversable,
    model: type[M],
    *,
    kind: str,
    id_of: Callable[[M], str],
    context: Mapping[str, Any] | None = None,
    read: Callable[[Traversable], M] | None = None,
) -> Versions[M]:
    """Load and validate every ``*.toml`` of ``folder`` as ``model``.

    ``id_of`` names what a file is a version of (two versions of one id must not overlap);
    ``kind`` is how errors call it; ``context`` reaches the model's validators; ``read`` replaces
    the plain ``load_model(file, model, context)`` (e.g. to validate a union of models). A
    missing or empty folder, an invalid file and overlapping versions raise InputError (all
    problems of all files together).
    """
    if not folder.is_dir():
        raise InputError(str(folder), f"{kind} profiles folder not found")
    files = toml_files(folder)
    if not files:
        raise InputError(str(folder), f"no {kind} profiles found", expected="*.toml files")
    problems: list[InputError] = []
    versions: list[Version[M]] = []
    for path in files:
        try:
            profile = read(path) if read is not None else load_model(path, model, context)
            versions.append(Version(str(path), profile))
        except InputError as exc:
            problems.append(exc)
    raise_all(problems)
    raise_all(_overlaps(versions, kind, id_of))
    return Versions(kind, str(folder), tuple(versions), id_of)
