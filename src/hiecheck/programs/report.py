"""The `hiecheck check` report: a pydantic model rendered as a table, JSON or markdown.

It embeds two blocks filled by other steps and carried as they are: ``messages`` (the evidence
step's counts, modelled on this side of the evidence seam) and ``cbp`` (the measures package's
:class:`~hiecheck.measures.models.CbpSummary`, a light model that loads no DuckDB)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hiecheck.citation import Citation
from hiecheck.measures.models import CbpSummary
from hiecheck.programs.lines import Line
from hiecheck.programs.messages_summary import MessagesSummary
from hiecheck.programs.statuses import Basis, IncentiveStatus, Participation, Standing, Status
from hiecheck.sources import Source, source_of


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RequirementResult(_Out):
    """One requirement of a role and where the organization stands on it."""

    id: str
    kind: str
    label: str
    status: Status
    detail: str
    needed_for: list[str] = Field(
        description="what depends on it: participation, tiers, incentives"
    )
    blocking: bool = Field(description="needed for something the organization must have or seeks")
    evidence: list[Line] = Field(default_factory=list, description="per-field evidence lines")
    source: Literal["declaration", "evidence"] = Field(
        default="declaration",
        description="where the status comes from: the organization file or evidence (messages)",
    )
    fixes: list[Line] = Field(default_factory=list, description="what to add or change, exactly")
    evidence_counts: dict[str, int] = Field(
        default_factory=dict, description="message counts behind an evidence verdict"
    )
    evidence_messages: list[str] = Field(
        default_factory=list, description="example messages ('file #n') the evidence examined"
    )
    citation: Citation


class PathResult(_Out):
    """One alternative way of meeting the role's condition."""

    id: str
    label: str
    status: Standing
    note: str | None = None


class TierResult(_Out):
    """PCPlus tier: sought, reached, on what basis, and what the next tier lacks."""

    sought: int
    reached: int
    basis: Basis
    next_tier: int | None
    missing_for_next: list[str]
    checklist_for_next: list[Line] = Field(
        default_factory=list, description="exact fixes toward the next tier (from evidence)"
    )
    pmpm_usd: dict[int, Decimal] = Field(description="Tier PMPM per tier level (exact)")
    pmpm_reached_usd: Decimal
    pmpm_sought_usd: Decimal
    difference_sought_vs_reached_usd: Decimal = Field(
        description="Tier PMPM of the tier sought minus the tier reached, per member per month"
    )
    difference_next_vs_reached_usd: Decimal | None
    pmpm_citation: Citation


class IncentiveResult(_Out):
    """An OMS incentive and whether it applies."""

    id: str
    name: str
    description: str
    status: IncentiveStatus
    basis: Basis | None = None
    sought: bool = False
    missing: list[str] = Field(default_factory=list)
    citation: Citation


class OrgFinding(_Out):
    """Something in the organization file that contradicts a rule (HL7 findings are
    :class:`hiecheck.hl7.findings.Finding`)."""

    severity: Literal["error", "warning"]
    message: str


class ContactResult(_Out):
    """Who to write to."""

    name: str
    email: str
    about: str


class ReadingNote(_Out):
    """A reading chosen because the source is silent."""

    id: str
    text: str


class RoleReport(_Out):
    """Everything the report says about one enrolled role."""

    id: str
    program: str
    name: str
    participation: Participation
    participation_detail: str
    incentive_summary: str
    status: Status = Field(
        description="the role's required condition: met, attested, unmet or not_applicable"
    )
    paths: list[PathResult]
    requirements: list[RequirementResult]
    tier: TierResult | None = None
    incentives: list[IncentiveResult]
    findings: list[OrgFinding]
    next_steps: list[Line]
    contacts: list[ContactResult]
    readings: list[ReadingNote]
    profile_version: str
    profile_effective: str
    citations: list[Citation]

    def requirement(self, requirement_id: str) -> RequirementResult:
        """The result of one requirement."""
        return next(r for r in self.requirements if r.id == requirement_id)

    def incentive(self, incentive_id: str) -> IncentiveResult:
        """The result of one incentive."""
        return next(i for i in self.incentives if i.id == incentive_id)


class Report(_Out):
    """The `hiecheck check` report for one organization."""

    organization: str
    source: str
    as_of: date
    strict: bool
    result: Standing
    exit_code: int
    roles: list[RoleReport]
    messages: MessagesSummary | None = Field(
        default=None, description="what the evidence step read (with --messages / org messages)"
    )
    cbp: CbpSummary | None = Field(
        default=None,
        description=(
            "Controlling High Blood Pressure (CMS165 logic) as the HIE's eCQM would see the "
            "messages read: patients, with hypertension, in the measure, with a reading, "
            "controlled, and what the feed lacks; counts only, no patient. Present when messages "
            "are read and a role enrolled in has the cbp-ecqm incentive (PCPlus Tier II and III)"
        ),
    )
    sources: dict[str, Source] = Field(
        default_factory=dict,
        description="title, publisher and address of each document cited, by citation source",
    )

    def role(self, role_id: str) -> RoleReport:
        """The section of one role."""
        return next(r for r in self.roles if r.id == role_id)

    def source_of(self, citation: Citation) -> Source:
        """The document a citation quotes, by title and publisher."""
        return source_of(self.sources, citation)
