"""Pydantic models of program profiles (``profiles/programs/*.toml``).

A profile describes one version of one MaineCare program: its roles, each role's HIE participation
condition, the typed requirements behind it, alternative paths, incentives and (PCPlus) tiers.
Requirement ids are stable: the evidence engine refers to them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hiecheck.citation import Citation
from hiecheck.effective import EffectivePeriod
from hiecheck.programs.content_groups import ContentGroupId
from hiecheck.programs.statuses import Participation

InterfaceKind = Literal["adt", "oru"]
RequiredInterface = Literal["adt", "oru", "adt_or_oru"]
EnrollmentKeyName = Literal["tier_sought", "contract", "home_provider", "role"]
KeyValue = bool | int | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Strict):
    """Someone to write to."""

    name: str
    email: str


class Reading(_Strict):
    """A reading the project chose where the source is silent; reported wherever it applies."""

    id: str
    text: str
    roles: list[str] = Field(default_factory=list, description="role ids; empty = every role")


class EnrollmentKey(_Strict):
    """A key an organization file may set on an enrollment in this program, and its values."""

    key: EnrollmentKeyName
    values: list[KeyValue]
    required: bool = False
    default: KeyValue | None = None
    description: str


class _RequirementBase(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str = Field(description="plain-language statement of the requirement")
    next_step: str = Field(
        description="plain-language step when unmet; {hie_email}/{program_email}"
    )
    citation: Citation


class HieParticipationRequirement(_RequirementBase):
    """The organization participates in the statewide HIE (HealthInfoNet)."""

    kind: Literal["hie_participation"]


class InterfaceRequirement(_RequirementBase):
    """An HL7 v2 data interface of a kind, real-time or not, carrying content groups."""

    kind: Literal["interface"]
    interface: RequiredInterface
    realtime: bool
    content_groups: list[ContentGroupId] = Field(default_factory=list)


class ClinicalPortalRequirement(_RequirementBase):
    """A connection to the HIE's Clinical Portal (access-only: viewing, no data sent)."""

    kind: Literal["clinical_portal"]
    access_only: bool = True


class LetterOfDirectionRequirement(_RequirementBase):
    """A Letter of Direction to HealthInfoNet authorizing the listed accesses."""

    kind: Literal["letter_of_direction"]
    recipient: str
    authorizes: list[str]


class TribalHealthFacilityRequirement(_RequirementBase):
    """The organization is a tribal health facility."""

    kind: Literal["tribal_health_facility"]


Requirement = Annotated[
    HieParticipationRequirement
    | InterfaceRequirement
    | ClinicalPortalRequirement
    | LetterOfDirectionRequirement
    | TribalHealthFacilityRequirement,
    Field(discriminator="kind"),
]
REQUIREMENT_KINDS = (
    "hie_participation",
    "interface",
    "clinical_portal",
    "letter_of_direction",
    "tribal_health_facility",
)


class Path(_Strict):
    """One way of satisfying a role's condition: all listed requirement ids together."""

    id: str
    label: str
    requires: list[str]
    note: str | None = None


class Incentive(_Strict):
    """An OMS incentive for HIE participation and what it takes."""

    id: str
    name: str
    description: str
    requires: list[str] = Field(default_factory=list, description="requirement ids, all needed")
    min_tier: int | None = Field(default=None, description="PCPlus tier the org must reach")
    next_step: str | None = None
    citation: Citation


class Tier(_Strict):
    """A PCPlus reimbursement tier and its Tier PMPM payment."""

    level: int = Field(ge=1)
    name: str
    pmpm_usd: Decimal = Field(ge=0, decimal_places=2)
    pmpm_citation: Citation


class Role(_Strict):
    """A role an organization can hold in a program, e.g. ``ohh-uninsured``."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    match: dict[EnrollmentKeyName, KeyValue] = Field(default_factory=dict)
    participation: Participation
    participation_text: str
    incentive_text: str
    citations: list[Citation] = Field(min_length=1)
    requirements: list[Requirement] = Field(default_factory=list)
    paths: list[Path] = Field(default_factory=list)
    incentives: list[Incentive] = Field(default_factory=list)
    tier: Tier | None = None

    @model_validator(mode="after")
    def _references_exist(self) -> Role:
        ids = [r.id for r in self.requirements]
        if len(ids) != len(set(ids)):
            raise ValueError(f"role {self.id}: duplicate requirement id")
        named = [(f"path {p.id}", p.requires) for p in self.paths]
        named += [(f"incentive {i.id}", i.requires) for i in self.incentives]
        for what, requires in named:
            unknown = next((rid for rid in requires if rid not in ids), None)
            if unknown is not None:
                raise ValueError(f"role {self.id}: {what} names unknown {unknown!r}")
        if self.participation == "required" and not self.paths:
            raise ValueError(f"role {self.id}: participation is required but no paths are given")
        return self

    def requirement(self, rid: str) -> Requirement:
        """The requirement with id ``rid``."""
        return next(r for r in self.requirements if r.id == rid)


class Initiative(_Strict):
    """The MaineCare value-based purchasing initiative a program belongs to."""

    name: str
    citation: Citation


class ProgramProfile(_Strict, EffectivePeriod):
    """One version of one program's HIE conditions."""

    program: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    version: str
    url: str | None = None
    initiative: Initiative | None = None
    contact: Contact
    hie_contact: Contact
    citation: Citation
    enrollment_keys: list[EnrollmentKey] = Field(default_factory=list)
    roles: list[Role] = Field(min_length=1)
    readings: list[Reading] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> ProgramProfile:
        keys = {k.key: k for k in self.enrollment_keys}
        role_ids = {r.id for r in self.roles}
        for role in self.roles:
            for key, value in role.match.items():
                if key not in keys or value not in keys[key].values:
                    raise ValueError(f"role {role.id}: match {key}={value!r} is not an allowed key")
        for reading in self.readings:
            for rid in reading.roles:
                if rid not in role_ids:
                    raise ValueError(f"reading {reading.id} names unknown role {rid!r}")
        return self

    def readings_for(self, role_id: str) -> list[Reading]:
        """Readings that apply to a role."""
        return [r for r in self.readings if not r.roles or role_id in r.roles]
