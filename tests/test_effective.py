"""Effective dates shared by every rule profile (programs, messages, evidence, P4P)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from hiecheck.effective import EffectivePeriod


def period(start: str, end: str | None = None) -> EffectivePeriod:
    return EffectivePeriod(
        effective_from=date.fromisoformat(start),
        effective_to=date.fromisoformat(end) if end else None,
    )


def test_both_ends_are_inclusive_and_open_end_runs_forever() -> None:
    p = period("2022-08-01", "2023-07-31")
    assert p.in_force(date(2022, 8, 1)) and p.in_force(date(2023, 7, 31))
    assert not p.in_force(date(2022, 7, 31)) and not p.in_force(date(2023, 8, 1))
    assert period("2022-08-01").in_force(date(2099, 1, 1))


def test_overlap_needs_a_shared_day() -> None:
    assert period("2020-01-01", "2020-12-31").overlaps(period("2020-12-31"))
    assert not period("2020-01-01", "2020-12-31").overlaps(period("2021-01-01"))
    assert period("2021-01-01").overlaps(period("2020-01-01"))


def test_end_before_start_is_rejected() -> None:
    with pytest.raises(ValidationError, match="effective_to is before effective_from"):
        period("2022-01-02", "2022-01-01")


def test_period_text() -> None:
    assert period("2022-08-01").period == "2022-08-01..open"
    assert period("2020-01-01", "2020-12-31").period == "2020-01-01..2020-12-31"
