"""The rule profiles ship with a non-editable install (pyproject's data-files cover every file)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_profile_file_is_installed_with_the_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_files = config["tool"]["setuptools"]["data-files"]
    shipped: set[Path] = set()
    for target, patterns in data_files.items():
        assert target.startswith("share/hiecheck/profiles")
        for pattern in patterns:
            matched = set(ROOT.glob(pattern))
            assert matched, f"data-files pattern {pattern} matches nothing"
            for path in matched:
                relative = path.relative_to(ROOT / "profiles").parent
                assert Path(target) == Path("share/hiecheck/profiles") / relative, (target, path)
            shipped |= matched
    profiles = {p for p in (ROOT / "profiles").rglob("*") if p.is_file()}
    assert profiles - shipped == set(), "add these folders to [tool.setuptools.data-files]"
