"""Effective dates: every rule profile says from when, and until when, it is in force."""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import BaseModel, model_validator


class EffectivePeriod(BaseModel):
    """Base for profile models: ``effective_from`` and an optional, inclusive ``effective_to``."""

    effective_from: date
    effective_to: date | None = None

    @model_validator(mode="after")
    def _period_in_order(self) -> Self:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    def in_force(self, day: date) -> bool:
        """Whether this version applies on ``day`` (both ends inclusive)."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def overlaps(self, other: EffectivePeriod) -> bool:
        """Whether the two periods share at least one day."""
        return self.effective_from <= (other.effective_to or date.max) and (
            other.effective_from <= (self.effective_to or date.max)
        )

    @property
    def period(self) -> str:
        """The period as text, e.g. ``2022-08-01..open``."""
        return f"{self.effective_from}..{self.effective_to or 'open'}"
