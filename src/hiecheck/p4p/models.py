"""What a P4P scoring says: a pydantic report per program and one result per provider.

The report (``OhhReport``, ``BhhReport``, ``PcmhReport``) holds everything but the providers:
profile, settings, program totals, cautions. Per-provider results are plain dataclasses made one
at a time while a renderer writes them (100,000 providers never sit in memory as objects); the
JSON document is the report's fields plus ``providers``, as ``OhhDocument`` etc. describe it.
Choices are Literals; renderers turn them into words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from hiecheck.citation import Citation
from hiecheck.p4p.profile import ProfileBase, Reading

CompositeMethod = Literal["pooled", "mean-of-rates"]
BonusSplit = Literal["proportional", "equal"]
PaymentsBasis = Literal["gross", "net"]
PercentileMethod = Literal["midrank", "strict-below", "inclusive"]
PercentilePeers = Literal["others", "all"]
BandRounding = Literal["nearest", "down"]
ImprovementTotal = Literal["like-for-like", "all-valid"]


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


class Caution(_Out):
    """Why some figures mean less than they seem: too few providers or peers in the file."""

    kind: Literal["few-providers", "few-peers"] = Field(
        description="few-providers: the OHH bonus pool is only this file's; few-peers: a PCMH "
        "measure's percentiles rank against few other practices"
    )
    measure: str | None = Field(default=None, description="few-peers: the measure")
    count: int = Field(description="providers in the file, or other practices with a raw score")
    meaningful: int = Field(description="the profile's smallest number that means something")


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


# ---------------------------------------------------------------- per-provider pieces


@dataclass(slots=True)
class MeasureCounts:
    """A measure's members and rate (percent, 4 decimals; None with no denominator)."""

    measure: str
    numerator: int
    denominator: int
    rate_percent: Decimal | None


@dataclass(slots=True)
class MeasureMembers:
    """Members to add to one measure (None: that measure alone has too little room)."""

    measure: str
    add_members: int | None
    add_raw_score_points: Decimal | None = None


# ---------------------------------------------------------------- OHH

OhhStatus = Literal["not-scored", "below-minimum", "meets-minimum", "excellence"]
OHH_STATUSES: tuple[OhhStatus, ...] = ("excellence", "meets-minimum", "below-minimum", "not-scored")
PoolState = Literal["no-payments", "no-pool", "no-eligible", "no-eligible-payments", "shared"]


@dataclass(slots=True)
class OhhTarget:
    """What lifts the composite to a threshold, in members and money."""

    target: Literal["minimum", "excellence"]
    target_percent: Decimal
    reachable: bool
    add_members: int | None  # fewest in total, in any measures with room
    by_measure: dict[str, int | None]  # each measure alone (None: too little room)
    plan: dict[str, int]  # mean-of-rates: where the fewest go (smallest denominators first)
    withhold_released: Decimal | None  # minimum: the withhold reaching it releases


@dataclass(slots=True)
class OhhProviderResult:
    provider_id: str
    row: int
    measures: list[MeasureCounts]
    numerator_total: int
    denominator_total: int
    composite_percent: Decimal | None
    status: OhhStatus
    gross_payments: Decimal | None  # before the withhold (given, or computed from net)
    net_payments: Decimal | None  # gross minus the withhold
    withhold: Decimal | None
    withhold_released: Decimal | None
    withhold_kept: Decimal | None
    bonus_eligible: bool
    bonus_share: Decimal | None  # an upper bound: paid when funding is available
    what_if: list[OhhTarget]


class OhhReport(_Out):
    program: Literal["ohh"] = "ohh"
    source: str
    profile: ProfileUsed
    composite_method: CompositeMethod
    bonus_split: BonusSplit
    payments_basis: PaymentsBasis | None = Field(
        description="what the payments column held: gross (before the withhold) or net "
        "(as remitted, --net-payments); None without a payments column"
    )
    minimum_threshold_percent: Decimal
    excellence_threshold_percent: Decimal
    withhold_percent: Decimal
    benchmark_assessment_period: str
    measures: list[str]
    provider_count: int
    counts: dict[OhhStatus, int]
    payments_given: bool
    total_withhold: Decimal | None
    total_released: Decimal | None
    total_kept: Decimal | None
    bonus_pool: Decimal | None = Field(description="the withholds kept, to share")
    bonus_pool_state: PoolState
    bonus_shared: Decimal | None = Field(description="sum of the shares: the pool, or 0")
    cautions: list[Caution]


# ---------------------------------------------------------------- BHH

BhhStatus = Literal["not-scored", "meets", "below"]
BHH_STATUSES: tuple[BhhStatus, ...] = ("meets", "below", "not-scored")


@dataclass(slots=True)
class BhhTarget:
    """Members of the denominator who need a test for the rate to reach the threshold."""

    target_percent: Decimal
    reachable: bool
    add_members: int | None
    recoupment_avoided: Decimal | None


@dataclass(slots=True)
class BhhProviderResult:
    provider_id: str
    row: int
    numerator: int
    denominator: int
    rate_percent: Decimal | None
    status: BhhStatus
    bhh_payments: Decimal | None
    at_risk: Decimal | None
    recoupment: Decimal | None
    what_if: BhhTarget | None


class BhhReport(_Out):
    program: Literal["bhh"] = "bhh"
    source: str
    profile: ProfileUsed
    measure: str
    measure_definition: str
    threshold_percent: Decimal
    at_risk_percent: Decimal
    provider_count: int
    counts: dict[BhhStatus, int]
    payments_given: bool
    total_at_risk: Decimal | None
    total_recoupment: Decimal | None


# ---------------------------------------------------------------- PCMH

MeasureStanding = Literal["ranked", "small-denominator", "no-peers"]
PerformanceReason = Literal["no-ncqa", "not-full-year", "no-measure-result", "no-percentile"]
ImprovementReason = Literal[
    "no-ncqa", "not-full-year", "not-full-previous-year", "no-previous-file", "no-previous-results"
]
ImprovementNote = Literal[
    "no-common-measures", "no-previous-score", "not-more-than-previous", "below-first-band"
]
Unreachable = Literal["above-maximum", "no-measures", "no-previous-score"]


@dataclass(slots=True)
class BandResult:
    label: str
    level: str
    pmpm: Decimal


@dataclass(slots=True)
class PcmhMeasureResult:
    measure: str
    numerator: int
    denominator: int
    raw_score: Decimal | None
    standing: MeasureStanding
    peers: int | None  # practices ranked against (others, or all with itself)
    percentile: Decimal | None


@dataclass(slots=True)
class TableAWhatIf:
    """Members that lift the mean percentile into the next Table A band, one measure alone."""

    target: BandResult
    reachable: bool
    options: list[MeasureMembers]  # alternatives, fewest first; not a sum
    payment_gain: Decimal | None  # what the band adds (None: the practice does not qualify)


@dataclass(slots=True)
class TableBWhatIf:
    """The current total raw score the next Table B band needs, and members per measure."""

    target: BandResult
    needed_total_raw_score: Decimal | None  # None: no previous total to improve on
    strictly_above: bool
    add_raw_score_points: Decimal | None
    reachable: bool
    unreachable: Unreachable | None
    maximum_total_raw_score: Decimal
    options: list[MeasureMembers]  # alternatives (one measure alone); None members: not enough
    payment_gain: Decimal | None


@dataclass(slots=True)
class PcmhImprovement:
    qualified: bool
    reasons: list[ImprovementReason]
    note: ImprovementNote | None
    measures_counted: list[str]
    measures_added: list[str]  # valid this year, not last
    measures_dropped: list[str]  # valid last year, not this
    current_total_raw_score: Decimal | None
    previous_total_raw_score: Decimal | None
    improvement_percent: Decimal | None
    band: BandResult | None
    payment: Decimal


@dataclass(slots=True)
class PcmhPracticeResult:
    practice_id: str
    row: int
    measures: list[PcmhMeasureResult]
    qualifying_measures: int
    mean_performance_percentile: Decimal | None
    whole_percentile: int | None  # the mean rounded as the band reading says
    borderline: bool
    borderline_between: list[str]  # the two band labels around the mean, when borderline
    performance_qualified: bool
    performance_reasons: list[PerformanceReason]
    performance_band: BandResult | None
    annualized_members: Decimal | None
    performance_payment: Decimal
    improvement: PcmhImprovement
    table_a_what_if: TableAWhatIf | None
    table_b_what_if: TableBWhatIf | None


class PcmhSchedule(_Out):
    notification_quarter: int
    review_request_days: int
    review_completion_days: int
    final_payment_quarter: int


class PcmhReport(_Out):
    program: Literal["pcmh"] = "pcmh"
    source: str
    previous_source: str | None
    profile: ProfileUsed
    payment_year_range: str
    performance_year: int
    percentile_method: PercentileMethod
    percentile_peers: PercentilePeers
    band_rounding: BandRounding
    improvement_total: ImprovementTotal
    min_denominator: int
    meaningful_peers: int
    schedule: PcmhSchedule
    practice_count: int
    counts: dict[str, int]
    total_performance_payment: Decimal
    total_improvement_payment: Decimal
    cautions: list[Caution]


# ---------------------------------------------------------------- scoring = report + providers

R = TypeVar("R", OhhReport, BhhReport, PcmhReport)
P = TypeVar("P", OhhProviderResult, BhhProviderResult, PcmhPracticeResult)


@dataclass(frozen=True)
class Scoring(Generic[R, P]):
    """A program's report and its providers, made one at a time in file order on each call."""

    report: R
    make_providers: Callable[[], Iterator[P]]

    def providers(self) -> Iterator[P]:
        return self.make_providers()


class OhhDocument(OhhReport):
    """The JSON document of ``p4p ohh``."""

    providers: list[OhhProviderResult]


class BhhDocument(BhhReport):
    """The JSON document of ``p4p bhh``."""

    providers: list[BhhProviderResult]


class PcmhDocument(PcmhReport):
    """The JSON document of ``p4p pcmh``."""

    practices: list[PcmhPracticeResult]


def document(scoring: Scoring[R, P]) -> OhhDocument | BhhDocument | PcmhDocument:
    """The whole JSON document in memory (small inputs, tests)."""
    fields = scoring.report.model_dump()
    items = list(scoring.providers())
    if isinstance(scoring.report, OhhReport):
        return OhhDocument.model_validate({**fields, "providers": items})
    if isinstance(scoring.report, BhhReport):
        return BhhDocument.model_validate({**fields, "providers": items})
    return PcmhDocument.model_validate({**fields, "practices": items})
