"""Profiles that work together have consistent dates (issue 10): on every date a program
profile is in force, `check` with messages works — the evidence profile, the requirement set it
runs and the message profiles it reads are in force too."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest

from hiecheck.check import load_organization, load_rules, run_check
from hiecheck.hl7.requirement_files import load_sources
from hiecheck.paths import bundled_profiles
from hiecheck.programs.profile_loader import load_profiles

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "src" / "hiecheck" / "profiles"
EXAMPLE = ROOT / "sample_messages" / "example-family-practice.toml"
MESSAGE_FILES = ["content_groups.toml", "value_sets.toml", "timing.toml"]


def _program_dates() -> list[date]:
    """First and last day of every program version, the day after it starts and, for versions
    without an end, a day far ahead."""
    versions = load_profiles(bundled_profiles(), date.today()).all_versions
    days: set[date] = set()
    for v in versions:
        start, end = v.profile.effective_from, v.profile.effective_to
        days |= {start, start + timedelta(days=1), end or date(2099, 12, 31)}
    return sorted(days)


def _period(path: Path) -> tuple[date, date | None]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    start = date.fromisoformat(str(data["effective_from"]))
    end = data.get("effective_to")
    return start, date.fromisoformat(str(end)) if end else None


@pytest.mark.parametrize("day", _program_dates(), ids=str)
def test_every_program_date_works_with_messages(day: date) -> None:
    rules = load_rules(None, day)
    assert rules.programs.in_force, day
    assert rules.evidence.in_force(day)
    load_sources(rules.evidence.requirement_set, None, day)  # its requirement set: in force
    for name in MESSAGE_FILES:
        start, end = _period(PROFILES / "messages" / name)
        assert start <= day and (end is None or day <= end), (name, day)


def test_check_with_messages_before_2024(tmp_path: Path) -> None:
    """The issue's case: `check --as-of 2023-01-01` with messages stopped on the evidence
    profile's dates."""
    rules = load_rules(None, date(2023, 1, 1))
    report = run_check(load_organization(EXAMPLE, rules), rules)
    assert report.messages is not None and report.messages.messages == 11
    assert report.as_of == date(2023, 1, 1)
