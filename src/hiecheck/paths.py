"""Where hiecheck finds its rule profiles: ``$HIECHECK_PROFILES`` or the checkout's own."""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

from hiecheck.errors import InputError

PROFILES_ENV = "HIECHECK_PROFILES"
_CHECKOUT_PROFILES = Path(__file__).resolve().parents[2] / "profiles"
_INSTALLED_PROFILES = (
    Path(sysconfig.get_path("data")) / "share" / "hiecheck" / "profiles",
    Path(sys.prefix) / "share" / "hiecheck" / "profiles",
)


def _default_profiles() -> Path:
    """The checkout's profiles/ when running from source, else the copy installed with the wheel."""
    if _CHECKOUT_PROFILES.is_dir():
        return _CHECKOUT_PROFILES
    return next((p for p in _INSTALLED_PROFILES if p.is_dir()), _CHECKOUT_PROFILES)


def profiles_dir(override: Path | None = None) -> Path:
    """The profiles folder: an explicit override, ``$HIECHECK_PROFILES``, or the checkout's own."""
    env = os.environ.get(PROFILES_ENV)
    path = override or (Path(env) if env else _default_profiles())
    if not path.is_dir():
        raise InputError(str(path), "profiles folder not found", expected="a folder of profiles")
    return path
