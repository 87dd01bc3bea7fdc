"""Where hiecheck finds its rule profiles: ``--profiles``, ``$HIECHECK_PROFILES`` or its own.

The bundled profiles are package data read through ``importlib.resources``: a ``Traversable``
that is a folder in a checkout, a wheel or ``pip install --target`` install, and a folder inside
the archive when the package is imported from a zip. Everything that reads profiles takes a
``Traversable`` (a ``Path`` is one).
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from hiecheck.errors import InputError

PROFILES_ENV = "HIECHECK_PROFILES"


def bundled_profiles() -> Traversable:
    """The profiles shipped inside the package (``hiecheck/profiles``)."""
    return resources.files("hiecheck") / "profiles"


def profiles_dir(override: Traversable | None = None) -> Traversable:
    """The profiles folder: an explicit override, ``$HIECHECK_PROFILES``, or the bundled one."""
    env = os.environ.get(PROFILES_ENV)
    path: Traversable = override or (Path(env) if env else bundled_profiles())
    if not path.is_dir():
        raise InputError(str(path), "profiles folder not found", expected="a folder of profiles")
    return path
