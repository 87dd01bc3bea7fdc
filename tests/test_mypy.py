"""src/ type-checks with mypy at the strictness pyproject.toml states ([tool.mypy]: --strict,
the listed per-module exceptions only). Nothing is skipped: mypy comes with the test extra."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental"],  # files and flags: pyproject.toml
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
