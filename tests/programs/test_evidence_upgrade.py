"""The evidence seam: an EvidenceSource upgrades declared statuses (attested → met / unmet)."""

from __future__ import annotations

from collections.abc import Callable

from hiecheck.programs.evidence_protocol import EvidenceSource, RequirementEvidence
from hiecheck.programs.models import InterfaceRequirement, Requirement, Role
from hiecheck.programs.report import Report

CCT = (
    'name = "X"\n[[enrollment]]\nprogram = "cct"\n'
    '[hie]\nparticipant = true\ninterfaces = [{ kind = "adt", realtime = true }]\n'
)


class FakeEvidence:
    """Answers for the requirements it was given; None for the rest."""

    def __init__(self, answers: dict[str, RequirementEvidence]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, str]] = []

    def assess(self, requirement: Requirement, role: Role) -> RequirementEvidence | None:
        self.asked.append((role.id, requirement.id))
        return self.answers.get(requirement.id)


def test_fake_evidence_satisfies_the_protocol() -> None:
    assert isinstance(FakeEvidence({}), EvidenceSource)


def test_evidence_upgrades_attested_to_met(check_org: Callable[..., Report]) -> None:
    evidence = FakeEvidence(
        {
            "hie-participation": RequirementEvidence(status="met", detail="HIE roster lists it"),
            "adt-realtime": RequirementEvidence(
                status="met",
                detail="48 ADT messages sent within minutes of the event",
                lines=["MSH-7 vs EVN-2 within 5 minutes in 48/48 messages"],
            ),
        }
    )
    report = check_org(CCT, evidence, strict=True)
    role = report.role("cct")
    assert role.requirement("adt-realtime").status == "met"
    assert role.requirement("adt-realtime").evidence == [
        "MSH-7 vs EVN-2 within 5 minutes in 48/48 messages"
    ]
    assert role.status == "met" and report.exit_code == 0  # even with --strict
    assert ("cct", "adt-realtime") in evidence.asked


def test_evidence_downgrades_attested_to_unmet_with_reason(
    check_org: Callable[..., Report],
) -> None:
    evidence = FakeEvidence(
        {
            "adt-realtime": RequirementEvidence(
                status="unmet", detail="messages arrive in nightly batches"
            )
        }
    )
    report = check_org(CCT, evidence)
    req = report.role("cct").requirement("adt-realtime")
    assert (req.status, req.detail) == ("unmet", "messages arrive in nightly batches")
    assert report.exit_code == 1


def test_evidence_reaches_pcplus_tier_and_basis(check_org: Callable[..., Report]) -> None:
    """Proven interface content makes the tier basis 'proven'."""

    class ProvesInterfaces(FakeEvidence):
        def assess(self, requirement: Requirement, role: Role) -> RequirementEvidence | None:
            if isinstance(requirement, InterfaceRequirement) and requirement.interface == "adt":
                return RequirementEvidence(status="met", detail="ADT content proven")
            if requirement.kind == "hie_participation":
                return RequirementEvidence(status="met", detail="participant")
            return None

    text = 'name = "X"\n[[enrollment]]\nprogram = "pcplus"\ntier_sought = 2\n'
    tier = check_org(text, ProvesInterfaces({})).role("pcplus-tier2").tier
    assert tier is not None and (tier.reached, tier.basis) == (2, "proven")
