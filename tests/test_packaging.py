"""The rule profiles ship inside the package: pyproject's package-data covers every file."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "hiecheck"


def test_every_profile_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["hiecheck"]
    shipped = {p for pattern in patterns for p in PACKAGE.glob(pattern)}
    profiles = {p for p in (PACKAGE / "profiles").rglob("*") if p.is_file()}
    assert profiles, "no profile files found"
    assert profiles - shipped == set(), "add these files to [tool.setuptools.package-data]"
