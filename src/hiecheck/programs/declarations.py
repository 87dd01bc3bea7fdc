"""What the organization file alone says about a requirement: ``attested`` or ``unmet``.

Nothing becomes ``met`` from declarations: ``met`` is reserved for evidence.
"""

from __future__ import annotations

from hiecheck.programs.content_groups import ContentGroups
from hiecheck.programs.models import (
    ClinicalPortalRequirement,
    HieParticipationRequirement,
    InterfaceRequirement,
    LetterOfDirectionRequirement,
    Requirement,
    TribalHealthFacilityRequirement,
)
from hiecheck.programs.organization import InterfaceDecl, Organization
from hiecheck.programs.statuses import Declared

Declaration = tuple[Declared, str]

_KIND_NAMES = {"adt": "ADT", "oru": "ORU", "adt_or_oru": "ADT and/or ORU"}


def interface_name(req: InterfaceRequirement) -> str:
    """E.g. 'real-time ADT'."""
    return ("real-time " if req.realtime else "") + _KIND_NAMES[req.interface]


def _interfaces(
    req: InterfaceRequirement, org: Organization, content: ContentGroups
) -> Declaration:
    kinds = {"adt": {"adt"}, "oru": {"oru"}, "adt_or_oru": {"adt", "oru"}}[req.interface]
    of_kind: list[InterfaceDecl] = [i for i in org.hie.interfaces if i.kind in kinds]
    usable = [i for i in of_kind if i.realtime or not req.realtime]
    name = interface_name(req)
    if not usable:
        if of_kind:
            return Declared.UNMET, (
                f"an {_KIND_NAMES[req.interface]} interface is declared but not real-time "
                "(set realtime = true once it sends messages as events happen)"
            )
        return Declared.UNMET, f"no {name} interface declared in [hie].interfaces"
    carried = {g for i in usable for g in i.content}
    missing = [g for g in req.content_groups if g not in carried]
    if missing:
        return Declared.UNMET, (
            f"the declared {name} interface(s) do not list {content.words(missing)} "
            "in content = [...]"
        )
    if req.content_groups:
        return Declared.ATTESTED, f"declared: {name} carrying {content.words(req.content_groups)}"
    return Declared.ATTESTED, f"declared: {name} interface"


def declared_status(req: Requirement, org: Organization, content: ContentGroups) -> Declaration:
    """The status of ``req`` from the organization file alone, with a one-line detail
    (``content`` names the content groups)."""
    if isinstance(req, HieParticipationRequirement):
        if org.hie.participant:
            return Declared.ATTESTED, "declared: [hie] participant = true"
        return Declared.UNMET, "not declared: [hie] participant is false or missing"
    if isinstance(req, InterfaceRequirement):
        return _interfaces(req, org, content)
    if isinstance(req, ClinicalPortalRequirement):
        if org.hie.clinical_portal_access:
            return Declared.ATTESTED, "declared: [hie] clinical_portal_access = true"
        return Declared.UNMET, "not declared: [hie] clinical_portal_access is false or missing"
    if isinstance(req, LetterOfDirectionRequirement):
        if org.hie.letter_of_direction:
            return Declared.ATTESTED, "declared: [hie] letter_of_direction = true"
        return Declared.UNMET, "not declared: [hie] letter_of_direction is false or missing"
    if isinstance(req, TribalHealthFacilityRequirement):
        if org.facility.tribal_health_facility:
            return Declared.ATTESTED, "declared: [facility] tribal_health_facility = true"
        return Declared.UNMET, "[facility] tribal_health_facility is false or missing"
    raise TypeError(f"unknown requirement kind {type(req).__name__}")
