"""Report models of the member-level measures: what a run computed, per provider and per status,
and the CBP summary that the `check` report carries. Renderers turn these into words.

Light on purpose (pydantic only, no DuckDB): the `check` report embeds :class:`CbpSummary`, and
importing it must not load the engine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hiecheck.citation import Citation

MeasureName = Literal["bhh", "ohh", "cbp"]
Population = Literal["numerator", "gap", "out"]
ID_PATTERN = r"^[a-z][a-z0-9_\-]*$"  # ids of statuses, value sets, readings and feed checks
NO_HYPERTENSION = "no-hypertension"  # the CBP status of patients without the diagnosis


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Note(BaseModel):
    """A reading the project chose where the sources are silent, or a feed check's meaning."""

    model_config = ConfigDict(extra="forbid", frozen=True)  # also read from measure profiles

    id: str = Field(pattern=ID_PATTERN)
    text: str


class FeedCheck(Note):
    """Something a measure needs from the messages, checked by its feed SQL."""

    unit: str | None = Field(
        default=None,
        description="what one count is, singular ('patient', 'DG1 segment'); none: a yes/no check",
    )


class Period(_Model):
    """The measured period, both days included."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")
        return self

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(start=date(year, 1, 1), end=date(year, 12, 31))


class StatusCount(_Model):
    """How many members have one status, and which population that status belongs to."""

    status: str
    population: Population
    text: str
    members: int


class ProviderResult(_Model):
    """One provider's counts: the numerator and denominator `hiecheck p4p` reads."""

    provider_id: str
    members: int = Field(description="members (patients) of the provider the measure looked at")
    denominator: int
    numerator: int
    rate_percent: Decimal | None = Field(description="numerator / denominator × 100, 2 places")


class CountsRow(_Model):
    """A measure count taken as given (a measure whose definition is not public)."""

    provider_id: str
    measure: str
    numerator: int
    denominator: int


class InputRead(_Model):
    """One input file or set of messages and how many rows (messages) it gave."""

    table: str
    file: str
    rows: int


OutputKind = Literal["members", "gaps"]


class OutputFile(_Model):
    kind: OutputKind
    path: str
    rows: int


class FeedCheckResult(_Model):
    """Something the measure needs that the messages lack, and how often."""

    id: str
    text: str
    count: int = Field(description="how many (of unit); 1 or 0 for a yes/no check")
    unit: str | None = Field(
        default=None, description="what one count is, singular; none: a yes/no check")


class MeasureReport(_Model):
    """Everything one `hiecheck measure` run computed."""

    measure: MeasureName
    measure_id: str
    version: str
    title: str
    period: Period
    providers: list[ProviderResult]
    statuses: list[StatusCount]
    given_counts: list[CountsRow] = Field(
        default=[], description="counts of the program's other measures, passed through")
    counted_elsewhere: list[str] = []
    inputs: list[InputRead]
    feed_checks: list[FeedCheckResult] = []
    member_keys: Literal["pseudonymous", "shown"]
    outputs: list[OutputFile] = []
    payments: dict[str, str] | None = Field(
        default=None, description="provider payments passed through to the P4P CSV")
    payments_column: str | None = None
    readings: list[Note]
    citations: list[Citation]


def rate(numerator: int, denominator: int) -> Decimal | None:
    """Percentage with two decimals (half up), None for an empty denominator."""
    if denominator == 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"))


class CbpSummary(_Model):
    """Controlling High Blood Pressure as the HIE's eCQM would see an organization's messages.

    For `check --messages` on PCPlus Tier II/III organizations: who has hypertension, who has a
    usable reading, who is controlled, and what the feed lacks (``missing``)."""

    version: str
    period: Period
    period_from_data: bool = Field(description="the period was taken from the latest message")
    messages: int
    patients: int
    with_hypertension: int = Field(description="patients with an essential hypertension DG1")
    denominator: int = Field(description="hypertension in time, age 18–85, outpatient visit, "
                             "not excluded")
    with_reading: int = Field(description="denominator patients with a day with both readings")
    controlled: int
    rate_percent: Decimal | None
    statuses: list[StatusCount]
    missing: list[FeedCheckResult] = Field(description="feed checks that found something")
    readings: list[Note]

    def left_out(self) -> list[StatusCount]:
        """Patients with hypertension who are not in the measure, by reason (nonzero only)."""
        return [s for s in self.statuses
                if s.population == "out" and s.status != NO_HYPERTENSION and s.members]
