"""Portfolio runs: the sample portfolio, a folder of deliberately broken files, and the command
line run in this process (``hiecheck.cli.run``) with its output captured."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from hiecheck.cli import run

ROOT = Path(__file__).resolve().parents[2]
PORTFOLIO = ROOT / "sample_messages" / "portfolio"
BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
AS_OF = "2026-12-01"


@dataclass(frozen=True)
class Result:
    """What one command run gave."""

    code: int
    out: str
    err: str


Hiecheck = Callable[..., Result]


@pytest.fixture
def hiecheck(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Hiecheck:
    """``hiecheck(*args)``: the command line on the checkout's profiles, 80 columns wide."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("HIECHECK_PROFILES", raising=False)

    def call(*args: str | Path) -> Result:
        capsys.readouterr()
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return call


@pytest.fixture
def portfolio_copy(tmp_path: Path) -> Path:
    """A copy of the sample portfolio (with its messages) that a test may change."""
    target = tmp_path / "orgs"
    shutil.copytree(PORTFOLIO, target)
    return target
