"""The seam between program rules and proof: anything that can assess a requirement.

The evaluator asks an evidence source about every requirement of every role. A source answers
``None`` when it has nothing to say (the declared status stands: ``attested`` or ``unmet``), or a
``RequirementEvidence`` whose ``met`` / ``unmet`` replaces the declared status. Issue 4's HL7
evidence engine implements this Protocol over the organization's own messages.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from hiecheck.programs.lines import Line
from hiecheck.programs.models import Requirement, Role
from hiecheck.programs.statuses import Proof


class RequirementEvidence(BaseModel):
    """What an evidence source found about one requirement."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Proof
    detail: str = Field(description="one plain-language sentence: why met / what is missing")
    lines: list[Line] = Field(
        default_factory=list,
        description="per-field evidence lines, e.g. 'PID[1]-7 valued in 48/50 ADT^A01' (no PHI); "
        "a line naming a gap says what it is needed for (Line.needed_for)",
    )
    fixes: list[Line] = Field(
        default_factory=list, description="checklist items that would make it met (plain language)"
    )
    counts: dict[str, int] = Field(
        default_factory=dict, description="message counts behind the verdict, e.g. ADT_messages"
    )
    messages: list[str] = Field(
        default_factory=list, description="example messages examined, as 'file #n' (no values)"
    )


@runtime_checkable
class EvidenceSource(Protocol):
    """Anything that can prove or disprove a requirement of a role."""

    def assess(self, requirement: Requirement, role: Role) -> RequirementEvidence | None:
        """Evidence about ``requirement`` of ``role``, or None when there is none."""
        ...
