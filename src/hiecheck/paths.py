"""Where hiecheck finds its rule profiles: ``--profiles``, ``$HIECHECK_PROFILES`` or its own."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from hiecheck.errors import InputError

PROFILES_ENV = "HIECHECK_PROFILES"


def bundled_profiles() -> Path:
    """The profiles shipped inside the package (``hiecheck/profiles``)."""
    return Path(str(resources.files("hiecheck") / "profiles"))


def profiles_dir(override: Path | None = None) -> Path:
    """The profiles folder: an explicit override, ``$HIECHECK_PROFILES``, or the bundled one."""
    env = os.environ.get(PROFILES_ENV)
    path = override or (Path(env) if env else bundled_profiles())
    if not path.is_dir():
        raise InputError(str(path), "profiles folder not found", expected="a folder of profiles")
    return path
