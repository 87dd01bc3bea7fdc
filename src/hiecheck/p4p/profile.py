"""P4P profiles: pydantic models of profiles/p4p/*.toml, loading and selection by date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib.resources.abc import Traversable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from hiecheck.citation import Citation
from hiecheck.effective import EffectivePeriod
from hiecheck.errors import InputError
from hiecheck.tomlfile import read_toml, validation_error
from hiecheck.versioned import load_versions

Program = Literal["ohh", "bhh", "pcmh"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reading(_Strict):
    """A reading the project chose where the sources are silent, with the sentence it reads
    (``source``, ``section``, ``quote``: checked word for word against the seeds)."""

    id: str
    text: str
    source: str
    section: str
    quote: str


class ProfileBase(_Strict, EffectivePeriod):
    program: Program
    version: str
    title: str
    after_effective_to: str | None = None
    citations: list[Citation] = Field(min_length=1)
    readings: list[Reading] = []


class Measure(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str
    description: str = ""


class Period(_Strict):
    start: date
    end: date
    description: str = ""


class OhhRate(_Strict):
    level: str
    pmpm: Decimal
    pmpm_with_withhold: Decimal


class OhhProfile(ProfileBase):
    """Opioid Health Home composite thresholds, withhold and measures."""

    program: Literal["ohh"]
    minimum_threshold_percent: Decimal = Field(ge=0, le=100)
    excellence_threshold_percent: Decimal = Field(ge=0, le=100)
    withhold_percent: Decimal = Field(ge=0, le=100)
    default_composite: Literal["pooled", "mean-of-rates"]
    default_bonus_split: Literal["proportional", "equal"]
    meaningful_providers: int = Field(
        ge=1, description="Fewer providers in a file: the bonus pool is flagged as not the "
        "program's (it is only these providers' kept withholds)."
    )
    benchmark_assessment_period: Period
    measures: list[Measure] = Field(min_length=1)
    rates: list[OhhRate] = []

    @model_validator(mode="after")
    def _order(self) -> OhhProfile:
        if self.excellence_threshold_percent < self.minimum_threshold_percent:
            raise ValueError("excellence threshold is below the minimum threshold")
        return self


class BhhMeasure(Measure):
    basis: str = ""
    denominator: str
    numerator: str
    hba1c_loinc: list[str] = []
    glucose_loinc: list[str] = []


class BhhProfile(ProfileBase):
    """Behavioral Health Home screening measure threshold and amount at risk."""

    program: Literal["bhh"]
    at_risk_percent: Decimal = Field(ge=0, le=100)
    threshold_percent: Decimal = Field(ge=0, le=100)
    measure: BhhMeasure


class Band(_Strict):
    """A payment band: applies from ``lower`` (inclusive or not) up to the next band."""

    lower: Decimal
    inclusive: bool
    label: str
    level: str
    pmpm: Decimal = Field(ge=0)


def _ordered(bands: list[Band], name: str) -> None:
    lows = [b.lower for b in bands]
    if lows != sorted(lows) or len(set(lows)) != len(lows):
        raise ValueError(f"{name} bands must have strictly increasing lower bounds")


class PcmhSchedule(_Strict):
    """When results are notified, how long a review may take, when payment is made."""

    notification_quarter: int = Field(ge=1, le=4)
    review_request_days: int = Field(ge=0)
    review_completion_days: int = Field(ge=0)
    final_payment_quarter: int = Field(ge=1, le=4)


class PcmhProfile(ProfileBase):
    """Connecticut HUSKY PCMH performance (Table A) and improvement (Table B) payments."""

    program: Literal["pcmh"]
    performance_year: int
    min_denominator: int = Field(ge=1)
    months_per_year: int = Field(ge=1)
    default_percentile_method: Literal["midrank", "strict-below", "inclusive"]
    default_percentile_peers: Literal["others", "all"]
    meaningful_peers: int = Field(
        ge=1, description="Fewer other practices with a raw score for a measure: its "
        "percentiles are flagged as too coarse to mean much."
    )
    default_band_rounding: Literal["nearest", "down"]
    default_improvement_total: Literal["all-valid", "like-for-like"]
    measures: list[str] = []
    schedule: PcmhSchedule
    table_a: list[Band] = Field(min_length=1)
    table_b: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _bands(self) -> PcmhProfile:
        _ordered(self.table_a, "table_a")
        _ordered(self.table_b, "table_b")
        return self


AnyProfile = Annotated[OhhProfile | BhhProfile | PcmhProfile, Field(discriminator="program")]
_ADAPTER: TypeAdapter[OhhProfile | BhhProfile | PcmhProfile] = TypeAdapter(AnyProfile)


def load_profile(path: Traversable) -> OhhProfile | BhhProfile | PcmhProfile:
    """Read one P4P profile file; errors name the file and key."""
    data = read_toml(path)
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        err = validation_error(str(path), exc)
        # The discriminator appears as the first key of the location; drop it for readability.
        if err.location and err.location.split(".")[0] in ("ohh", "bhh", "pcmh"):
            rest = err.location.split(".", 1)
            err = InputError(
                err.source, err.problem, location=rest[1] if len(rest) > 1 else "(top level)"
            )
        raise err from None


def _program_of(profile: ProfileBase) -> str:
    return profile.program


def load_program_profiles(folder: Traversable, program: Program) -> list[tuple[str, ProfileBase]]:
    """All profiles of ``program`` under ``folder/p4p`` (file, profile), oldest first, checked for
    overlapping date ranges (the versioned-profile loader)."""
    versions = load_versions(
        folder / "p4p", ProfileBase, kind="P4P", id_of=_program_of, read=load_profile
    )
    return [(v.source, v.profile) for v in versions.of(program)]


def select_profile(folder: Traversable, program: Program, day: date) -> ProfileBase:
    """The one profile of ``program`` in force on ``day``, or an InputError saying none is."""
    mine = load_program_profiles(folder, program)
    for _, prof in mine:
        if prof.in_force(day):
            return prof
    ranges = ", ".join(f"{p.version}: {p.period}" for _, p in mine)
    problem = f"no {program} profile in force on {day.isoformat()}"
    later = [p for _, p in mine if p.effective_to is not None and p.effective_to < day]
    if later and later[-1].after_effective_to:
        problem += f" — {later[-1].after_effective_to}"
    raise InputError(
        str(folder / "p4p"),
        problem,
        expected=f"a date covered by a profile ({ranges})" if ranges else f"a {program} profile",
    )
