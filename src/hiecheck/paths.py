"""Where hiecheck finds its rule profiles: ``$HIECHECK_PROFILES`` or the checkout's own."""

from __future__ import annotations

import os
from pathlib import Path

from hiecheck.errors import InputError

PROFILES_ENV = "HIECHECK_PROFILES"
_CHECKOUT_PROFILES = Path(__file__).resolve().parents[2] / "profiles"


def profiles_dir(override: Path | None = None) -> Path:
    """The profiles folder: an explicit override, ``$HIECHECK_PROFILES``, or the checkout's own."""
    env = os.environ.get(PROFILES_ENV)
    path = override or (Path(env) if env else _CHECKOUT_PROFILES)
    if not path.is_dir():
        raise InputError(str(path), "profiles folder not found", expected="a folder of profiles")
    return path
