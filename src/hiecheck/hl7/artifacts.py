"""How CI outputs name an input file: relative to the working directory (where a CI job checks
out the repository), so annotations land on the file in the repository."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

STDIN_NAMES = frozenset({"-", "<stdin>"})


def relative_path(source: str) -> str:
    """``source`` relative to the working directory with ``/`` separators; unchanged when it is
    stdin or lies outside the working directory (then it is absolute)."""
    if source in STDIN_NAMES:
        return source
    path = Path(source)
    try:
        absolute = path if path.is_absolute() else Path.cwd() / path
        return Path(os.path.normpath(absolute)).relative_to(Path.cwd()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


def artifact_uri(source: str) -> tuple[str, bool]:
    """(uri, relative) for a SARIF artifactLocation: a percent-encoded relative reference when
    the file lies under the working directory, else a ``file:`` URI."""
    shown = relative_path(source)
    if shown in STDIN_NAMES:
        return quote(shown), True
    if Path(shown).is_absolute():
        return Path(shown).as_uri(), False
    return quote(shown), True
