"""Requirement sets for message content: the compiled set a ``validate`` runs, from the cache of
compiled profiles when the files are unchanged, else loaded and validated.

The files and their pydantic models are in :mod:`hiecheck.hl7.requirement_files`; the compiled
form and where the files are in :mod:`hiecheck.hl7.requirements_compiled` (re-exported here).
A one-file ``validate`` run per file in CI finds its set in the cache
(:class:`hiecheck.hl7.cache.ProfileCache`, keyed by the files' bytes): it neither parses nor
validates them, nor defines a pydantic model; a changed or new file is validated as always, with
the same errors, and nothing invalid is kept.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache, partial
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TypeGuard

from hiecheck.hl7.cache import kept_or_built
from hiecheck.hl7.requirements_compiled import (
    DEFAULT_REQUIREMENTS,
    GROUPS_FILE,
    MESSAGES_DIR,
    NO_REQUIREMENTS,
    REQUIREMENTS_DIR,
    VALUE_SETS_FILE,
    CodeSet,
    CompiledAnyOf,
    CompiledElement,
    CompiledGroup,
    CompiledRequirements,
    Plan,
    in_code_set,
    messages_dir,
    parse_version,
)
from hiecheck.paths import profiles_dir

__all__ = [
    "DEFAULT_REQUIREMENTS", "GROUPS_FILE", "MESSAGES_DIR", "NO_REQUIREMENTS", "REQUIREMENTS_DIR",
    "VALUE_SETS_FILE", "CodeSet", "CompiledAnyOf", "CompiledElement", "CompiledGroup",
    "CompiledRequirements", "Plan", "in_code_set", "load_requirements", "messages_dir",
    "parse_version",
]

# The modules whose code turns the files into the compiled form or defines what it holds: a
# change to them is a change of the cache key, as a change of the files is.
_COMPILED_BY = ("requirement_files.py", "requirements_compiled.py", "tables.py", "findings.py",
                "gate.py")


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
    def build() -> _Kept:
        from hiecheck.hl7.requirement_files import compile_in_force

        return compile_in_force(set_id, folder, as_of)  # InputError: nothing kept

    def usable(kept: object) -> TypeGuard[_Kept]:
        return _in_force(kept, as_of)

    files = partial(_files, folder)
    return kept_or_built(f"requirements:{set_id}", files, _COMPILED_BY, build, usable)[0]


_Kept = tuple[CompiledRequirements, date, date | None]  # the set, its first and last day


def _files(profiles: Traversable) -> list[Traversable] | None:
    """Every file loading a set from this profiles folder reads (None when the folder cannot be
    listed: then the set is loaded, and the error said, as always)."""
    folder = messages_dir(profiles)
    try:
        sets = sorted(
            (f for f in (folder / REQUIREMENTS_DIR).iterdir() if f.name.endswith(".toml")),
            key=lambda f: f.name,
        )
    except (OSError, ValueError):  # no such folder (a zip says ValueError)
        return None
    return [*sets, folder / GROUPS_FILE, folder / VALUE_SETS_FILE]


def _in_force(kept: object, day: date) -> TypeGuard[_Kept]:
    """Whether a cache entry is a (compiled set, first day, last day) covering ``day``."""
    if not (isinstance(kept, tuple) and len(kept) == 3
            and isinstance(kept[0], CompiledRequirements)):
        return False
    first, last = kept[1], kept[2]
    return isinstance(first, date) and first <= day and (
        last is None or (isinstance(last, date) and day <= last))
