"""The organization files of a portfolio run, each with its stable key.

* A folder given: every ``*.toml`` file below it (sub-folders too; names starting with ``.``
  and symlinked folders are skipped); each is keyed by its path relative to that folder, with
  forward slashes (``north/clinic.toml``), so the key stays the same wherever the folder is.
* A file given by itself is keyed by its name (``clinic.toml``), the key the same file has
  when its folder is given.
* A file given twice (by any name) is checked once. Two files with the same key (``a/x.toml``
  and ``b/x.toml`` given as files, or two folders holding ``x.toml``) are both keyed by their
  path as given instead (``a/x.toml``, ``b/x.toml``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hiecheck.console import display_path
from hiecheck.errors import InputError

ORG_SUFFIX = ".toml"


@dataclass(frozen=True)
class OrgFile:
    """An organization file to check and its key."""

    key: str
    path: Path

    @property
    def file(self) -> str:
        """The file as rows show it (the path as given, joined; an undecodable name with its
        bytes as ``\\xff``)."""
        return display_path(str(self.path))


def wants_portfolio(
    paths: Sequence[Path], fmt: str, reports_dir: Path | None, compare: Path | None
) -> bool:
    """Whether `check` runs a portfolio: several paths, a folder, or an option only portfolios
    have (``--reports-dir``, ``--compare``, ``--format csv``); else it is the one report."""
    return (
        len(paths) != 1 or paths[0].is_dir() or reports_dir is not None or compare is not None
        or fmt == "csv"
    )


def is_organization_file(name: str) -> bool:
    """Whether a folder's reading picks up a file of this name as an organization file."""
    return not name.startswith(".") and name.lower().endswith(ORG_SUFFIX)


def _folder_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):  # symlinked folders are not followed
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root, f) for f in sorted(files) if is_organization_file(f)]
    return found


def _same_file_key(path: Path) -> tuple[int, int] | str:
    try:
        info = path.stat()
    except OSError:
        return os.path.normpath(os.path.abspath(path))
    return (info.st_dev, info.st_ino)


def organization_files(paths: Sequence[Path]) -> list[OrgFile]:
    """Every organization file under ``paths`` (files and folders), in key order.

    A folder without any ``*.toml`` file is bad input; a file that does not exist is kept
    (its row says so, and the others are still checked).
    """
    candidates: list[tuple[str, Path]] = []
    for given in paths:
        if given.is_dir():
            files = _folder_files(given)
            if not files:
                raise InputError(
                    str(given), "folder holds no organization files",
                    expected=f"*{ORG_SUFFIX} files, in it or in its sub-folders",
                )
            candidates += [(f.relative_to(given).as_posix(), f) for f in files]
        else:
            candidates.append((given.name, given))
    seen: set[tuple[int, int] | str] = set()
    unique: list[tuple[str, Path]] = []
    for key, path in candidates:
        identity = _same_file_key(path)
        if identity not in seen:
            seen.add(identity)
            unique.append((key, path))
    counts = Counter(key for key, _ in unique)
    keyed = [
        OrgFile(display_path(key if counts[key] == 1 else path.as_posix()), path)
        for key, path in unique
    ]
    return sorted(keyed, key=lambda f: f.key)
