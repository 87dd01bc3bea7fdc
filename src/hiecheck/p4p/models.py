"""Pydantic models: provider-level inputs read from CSV and the reports the commands print."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hiecheck.citation import Citation
from hiecheck.p4p.profile import ProfileBase, Reading

# ---------------------------------------------------------------- inputs


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Counts(_Input):
    """A measure's numerator and denominator member counts."""

    numerator: int = Field(ge=0)
    denominator: int = Field(ge=0)

    @model_validator(mode="after")
    def _num_le_den(self) -> Counts:
        if self.numerator > self.denominator:
            raise ValueError("numerator is greater than denominator")
        return self


class OhhProviderInput(_Input):
    """One OHH provider: counts per measure and (optionally) gross OHH payments."""

    provider_id: str
    row: int
    measures: dict[str, Counts]
    ohh_payments: Decimal | None = Field(default=None, ge=0)


class BhhProviderInput(_Input):
    """One BHH provider: screening counts and (optionally) total BHH payments."""

    provider_id: str
    row: int
    counts: Counts
    bhh_payments: Decimal | None = Field(default=None, ge=0)


class PcmhPracticeInput(_Input):
    """One PCMH practice's year: counts per measure and practice-level facts."""

    practice_id: str
    row: int
    measures: dict[str, Counts]
    ncqa_recognized: bool | None = None
    full_year: bool
    annualized_members: Decimal | None = Field(default=None, ge=0)


# ---------------------------------------------------------------- reports


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileUsed(_Out):
    """Which profile scored the input, and why it applies."""

    program: str
    version: str
    title: str
    effective_from: date
    effective_to: date | None
    as_of: date
    citations: list[Citation]
    readings: list[Reading]


class MeasureResult(_Out):
    measure: str
    numerator: int
    denominator: int
    rate_percent: Decimal | None


class Allocation(_Out):
    """Additional numerator members for one measure in a what-if."""

    measure: str
    add_members: int
    add_raw_score_points: Decimal | None = None


class WhatIf(_Out):
    """What it would take to reach a target level."""

    target: str
    target_percent: Decimal
    reachable: bool
    add_members: int | None = None
    allocations: list[Allocation] = []
    add_raw_score_points: Decimal | None = None
    needed_total_raw_score: Decimal | None = None
    strictly_above: bool = False
    note: str = ""


class OhhProviderResult(_Out):
    provider_id: str
    measures: list[MeasureResult]
    composite_percent: Decimal | None
    status: Literal["not-scored", "below-minimum", "meets-minimum", "excellence"]
    ohh_payments: Decimal | None
    withhold: Decimal | None
    withhold_released: Decimal | None
    withhold_kept: Decimal | None
    bonus_eligible: bool
    bonus_share: Decimal | None
    what_if: list[WhatIf]


class OhhReport(_Out):
    program: Literal["ohh"] = "ohh"
    profile: ProfileUsed
    composite_method: str
    bonus_split: str
    minimum_threshold_percent: Decimal
    excellence_threshold_percent: Decimal
    withhold_percent: Decimal
    benchmark_assessment_period: str
    measures: list[str]
    providers: list[OhhProviderResult]
    payments_given: bool
    bonus_pool: Decimal | None
    bonus_pool_note: str
    counts: dict[str, int]


class BhhProviderResult(_Out):
    provider_id: str
    numerator: int
    denominator: int
    rate_percent: Decimal | None
    status: Literal["not-scored", "meets", "below"]
    bhh_payments: Decimal | None
    at_risk: Decimal | None
    recoupment: Decimal | None
    what_if: list[WhatIf]


class BhhReport(_Out):
    program: Literal["bhh"] = "bhh"
    profile: ProfileUsed
    measure: str
    measure_definition: str
    threshold_percent: Decimal
    at_risk_percent: Decimal
    providers: list[BhhProviderResult]
    payments_given: bool
    total_recoupment: Decimal | None
    counts: dict[str, int]


class PcmhMeasureResult(_Out):
    measure: str
    numerator: int
    denominator: int
    raw_score: Decimal | None
    note: str = ""
    peers: int | None = None
    percentile: Decimal | None = None


class BandResult(_Out):
    label: str
    level: str
    pmpm: Decimal


class PcmhPracticeResult(_Out):
    practice_id: str
    measures: list[PcmhMeasureResult]
    qualifying_measures: int
    mean_performance_percentile: Decimal | None
    performance_qualified: bool
    performance_reasons: list[str]
    performance_band: BandResult | None
    annualized_members: Decimal | None
    performance_payment: Decimal | None
    current_total_raw_score: Decimal | None
    previous_total_raw_score: Decimal | None
    improvement_percent: Decimal | None
    improvement_qualified: bool
    improvement_reasons: list[str]
    improvement_note: str
    improvement_band: BandResult | None
    improvement_payment: Decimal | None
    what_if: list[WhatIf]


class PcmhReport(_Out):
    program: Literal["pcmh"] = "pcmh"
    profile: ProfileUsed
    payment_year_range: str
    performance_year: int
    percentile_method: str
    improvement_total: str
    min_denominator: int
    previous_given: bool
    schedule: str
    practices: list[PcmhPracticeResult]
    counts: dict[str, int]


def profile_used(profile: ProfileBase, as_of: date) -> ProfileUsed:
    """The report header describing ``profile``."""
    return ProfileUsed(
        program=profile.program,
        version=profile.version,
        title=profile.title,
        effective_from=profile.effective_from,
        effective_to=profile.effective_to,
        as_of=as_of,
        citations=list(profile.citations),
        readings=list(profile.readings),
    )
