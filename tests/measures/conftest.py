"""Helpers for the measure tests: write small inputs, run a measure, read the member file back."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from hiecheck.measures.models import MeasureReport, Period
from hiecheck.measures.run import MeasureRequest, run

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "src" / "hiecheck" / "profiles"
YEAR = Period.year(2025)


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def day(text: str, plus: int = 0) -> str:
    return str(date.fromisoformat(text) + timedelta(days=plus))


MeasureRun = Callable[..., tuple[MeasureReport, dict[str, dict[str, str]]]]


@pytest.fixture
def measure_run(tmp_path: Path) -> MeasureRun:
    """Run a measure on the given files; returns the report and member rows by real member id."""

    def go(measure: str, period: Period = YEAR, **kwargs: object) -> tuple[
            MeasureReport, dict[str, dict[str, str]]]:
        out = tmp_path / f"members-out-{measure}.csv"
        request = MeasureRequest(measure=measure, period=period,  # type: ignore[arg-type]
                                 members_out=out, show_values=True, profiles=PROFILES,
                                 **kwargs)  # type: ignore[arg-type]
        report = run(request)
        rows = {r["member_key"]: r for r in read_csv(out)}
        return report, rows

    return go
