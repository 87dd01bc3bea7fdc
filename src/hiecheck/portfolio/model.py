"""The portfolio: one entry per organization file, one row per enrolled role, roll-ups per
program and role, and (with ``--compare``) what changed since a previous run.

This is the JSON of ``hiecheck check FOLDER --format json`` and what every portfolio renderer
(table, CSV, markdown, HTML, the web page) reads; nothing here makes words. A portfolio read
back with :meth:`Portfolio.model_validate_json` is the previous run ``--compare`` reads.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hiecheck.programs.lines import Line
from hiecheck.programs.statuses import Basis, IncentiveStatus, Participation, Standing, Status

FORMAT_VERSION: Literal[1] = 1
"""Version of this JSON layout (a previous portfolio of another layout is refused)."""


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProblemKind(StrEnum):
    """Why an organization has no result."""

    BAD_INPUT = "bad_input"  # its file (or its messages) could not be read or is invalid
    INTERNAL_ERROR = "internal_error"  # a bug in hiecheck while checking it


class Problem(_Out):
    """Why an organization file gave no report: the lines `hiecheck check FILE` would print."""

    kind: ProblemKind
    lines: list[str] = Field(
        min_length=1,
        description="one line per problem, `FILE:KEY: problem (expected …)` (at most 20 and a "
        "count); the first is the one shown in tables",
    )


class RequirementMark(_Out):
    """Where one requirement of a role stands (the check report has the detail)."""

    id: str
    kind: str
    label: str
    status: Status
    blocking: bool = Field(description="needed for something the organization must have or seeks")
    source: Literal["declaration", "evidence"] = Field(
        description="the organization file, or evidence from the organization's messages"
    )


class IncentiveMark(_Out):
    """Whether one incentive of a role applies."""

    id: str
    name: str
    status: IncentiveStatus
    basis: Basis | None = None
    sought: bool = False
    missing: int = Field(default=0, description="how many things are missing for it")


class TierMark(_Out):
    """The PCPlus tier sought, reached and proven."""

    sought: int
    reached: int
    basis: Basis = Field(description="proven: every interface requirement of the tier reached "
                         "is shown by the messages; attested: some of it only declared")
    proven: int | None = Field(
        description="the tier reached when its basis is proven, else None (not proven)"
    )
    next_tier: int | None = None


class RoleRow(_Out):
    """One enrolled role of one organization: the portfolio's row."""

    role: str = Field(description="role id, e.g. pcplus-tier3 (see `hiecheck programs`)")
    program: str
    name: str
    participation: Participation
    status: Status = Field(description="the role's required condition, as in the check report")
    unmet: int = Field(description="requirements unmet and blocking (needed or sought)")
    tier: TierMark | None = None
    next_step: Line | None = Field(
        default=None, description="the role's first next step (general notes left out)"
    )
    conflicts: int = Field(default=0, description="error findings: declarations that contradict "
                           "the role, e.g. a D-SNP payer that says it participates")
    requirements: list[RequirementMark]
    incentives: list[IncentiveMark]


class OrganizationEntry(_Out):
    """One organization file: its key, result and roles, or the problem that stopped it."""

    key: str = Field(
        description="stable key: the file's path relative to the folder given (forward "
        "slashes), or a file given by itself: its name; the same path under two arguments is "
        "told apart by the argument"
    )
    file: str = Field(description="the file as this run read it (as given, joined)")
    name: str | None = Field(description="the organization's `name` (None: file unreadable)")
    result: Standing | None = Field(description="the check report's overall result")
    exit_code: int = Field(
        description="what `hiecheck check FILE` alone would exit with: 0, 1, 2 (bad input), "
        "3 (internal error)"
    )
    messages: int | None = Field(
        default=None, description="HL7 messages read (None: the organization has none)"
    )
    roles: list[RoleRow] = Field(default_factory=list)
    problem: Problem | None = None
    report: str | None = Field(
        default=None, description="the organization's report file name in --reports-dir"
    )


class Tally(_Out):
    """Rows counted by status."""

    met: int = 0
    attested: int = 0
    unmet: int = 0
    not_applicable: int = 0

    def add(self, status: Status) -> None:
        """Count one more row of ``status``."""
        setattr(self, status.value, getattr(self, status.value) + 1)

    @property
    def total(self) -> int:
        """Every row counted."""
        return self.met + self.attested + self.unmet + self.not_applicable

    @property
    def not_proven(self) -> int:
        """Rows where it is only attested or unmet."""
        return self.attested + self.unmet


class RequirementRollup(_Out):
    """One requirement of a role over every organization in that role."""

    id: str
    kind: str
    label: str
    status: Tally = Field(default_factory=Tally)
    blocking: int = Field(default=0, description="rows where it is needed or sought")


class IncentiveRollup(_Out):
    """One incentive of a program over every organization enrolled in it."""

    id: str
    name: str
    applies_proven: int = 0
    applies_attested: int = 0
    within_reach: int = 0
    not_applicable: int = 0
    sought: int = 0


class TierRollup(_Out):
    """One PCPlus tier level over every PCPlus practice."""

    level: int
    sought: int = Field(default=0, description="practices seeking this tier")
    reached: int = Field(default=0, description="practices whose tier reached is this one")
    proven: int = Field(default=0, description="practices that prove this tier (basis proven)")


class RoleRollup(_Out):
    """One role over every organization enrolled in it."""

    role: str
    name: str
    participation: Participation
    organizations: int = 0
    status: Tally = Field(default_factory=Tally)
    requirements: list[RequirementRollup] = Field(default_factory=list)


class ProgramRollup(_Out):
    """One program: its roles, incentives and (PCPlus) tiers over the portfolio."""

    program: str
    name: str
    organizations: int = 0
    roles: list[RoleRollup] = Field(default_factory=list)
    incentives: list[IncentiveRollup] = Field(default_factory=list)
    tiers: list[TierRollup] = Field(default_factory=list)


class Totals(_Out):
    """Organizations counted by result."""

    organizations: int = 0
    met: int = 0
    attested: int = 0
    unmet: int = 0
    bad_input: int = 0
    internal_error: int = 0
    roles: int = Field(default=0, description="role rows")
    with_messages: int = Field(default=0, description="organizations whose messages were read")


class ChangeKind(StrEnum):
    """What changed for an organization, a role or a requirement since the previous run."""

    ADDED = "added"  # an organization not in the previous run
    REMOVED = "removed"  # an organization of the previous run no longer given
    MOVED = "moved"  # the same organization name under another key (before/after: the keys)
    INPUT_FIXED = "input_fixed"  # its file was bad input before, now checked
    INPUT_BROKEN = "input_broken"  # checked before, now bad input (after: the problem)
    ROLE_ADDED = "role_added"
    ROLE_REMOVED = "role_removed"
    NEWLY_MET = "newly_met"  # a role from unmet to met, attested or not applicable
    NOW_PROVEN = "now_proven"  # a role from attested to met
    REGRESSED = "regressed"  # a role to unmet, or from met to attested
    STATUS_CHANGED = "status_changed"  # any other change of a role's status
    TIER_UP = "tier_up"  # PCPlus tier proven went up (before/after: the levels, 0 = none)
    TIER_DOWN = "tier_down"
    REQUIREMENT_IMPROVED = "requirement_improved"  # a requirement's status went up
    REQUIREMENT_REGRESSED = "requirement_regressed"


class Change(_Out):
    """One change; ``before`` and ``after`` are the values that changed (statuses, tier levels,
    keys, a problem line)."""

    kind: ChangeKind
    key: str
    organization: str | None
    role: str | None = None
    requirement: str | None = None
    before: str | None = None
    after: str | None = None


class NoteKind(StrEnum):
    """Why two runs may differ for reasons other than the organizations."""

    AS_OF = "as_of"  # the rules date differs
    PROGRAM_VERSION = "program_version"  # a program profile version differs (subject: program)
    HIECHECK_VERSION = "hiecheck_version"
    STRICT = "strict"  # one run used --strict, the other did not


class CompareNote(_Out):
    """A difference between the two runs themselves; changes are still listed."""

    kind: NoteKind
    subject: str | None = None
    previous: str | None
    current: str | None


class Changes(_Out):
    """What changed since a previous portfolio run (``--compare previous.json``)."""

    previous: str = Field(description="the previous portfolio file, as given")
    previous_as_of: date
    notes: list[CompareNote] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    unchanged: int = Field(description="organizations in both runs with nothing changed")


class Portfolio(_Out):
    """A portfolio run: every organization given, checked by the one `check` pipeline."""

    kind: Literal["hiecheck-portfolio"] = "hiecheck-portfolio"
    format_version: Literal[1] = FORMAT_VERSION
    hiecheck_version: str
    as_of: date
    strict: bool
    rules: dict[str, str] = Field(description="program → profile version in force on as_of")
    inputs: list[str] = Field(description="the files and folders given")
    exit_code: int = Field(
        description="0 every organization met or attested; 1 some unmet (or conflicts, or with "
        "--strict only attested); 2 some organization file bad (wins over 1); 3 internal error"
    )
    totals: Totals
    organizations: list[OrganizationEntry] = Field(description="in key order")
    programs: list[ProgramRollup] = Field(description="roll-ups, in program order")
    reports_dir: str | None = Field(
        default=None, description="--reports-dir: where each organization's report was written"
    )
    reports_format: str | None = None
    changes: Changes | None = None

    def entry(self, key: str) -> OrganizationEntry:
        """The organization with this key."""
        return next(e for e in self.organizations if e.key == key)

    def rows(self) -> list[tuple[OrganizationEntry, RoleRow | None]]:
        """One (organization, role) pair per row; an organization without roles (bad input)
        is one row with None."""
        out: list[tuple[OrganizationEntry, RoleRow | None]] = []
        for entry in self.organizations:
            out += [(entry, row) for row in entry.roles] or [(entry, None)]
        return out
