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


def _flag(req: Requirement, org: Organization) -> tuple[bool, str, str] | None:
    """For a requirement the file answers with one flag: the flag, and the key and the words
    when it is false."""
    if isinstance(req, HieParticipationRequirement):
        return org.hie.participant, "[hie] participant", "not declared: "
    if isinstance(req, ClinicalPortalRequirement):
        return org.hie.clinical_portal_access, "[hie] clinical_portal_access", "not declared: "
    if isinstance(req, LetterOfDirectionRequirement):
        return org.hie.letter_of_direction, "[hie] letter_of_direction", "not declared: "
    if isinstance(req, TribalHealthFacilityRequirement):
        return org.facility.tribal_health_facility, "[facility] tribal_health_facility", ""
    return None


def declared_status(req: Requirement, org: Organization, content: ContentGroups) -> Declaration:
    """The status of ``req`` from the organization file alone, with a one-line detail
    (``content`` names the content groups)."""
    if isinstance(req, InterfaceRequirement):
        return _interfaces(req, org, content)
    flag = _flag(req, org)
    if flag is None:
        raise TypeError(f"unknown requirement kind {type(req).__name__}")
    value, key, unset = flag
    if value:
        return Declared.ATTESTED, f"declared: {key} = true"
    return Declared.UNMET, f"{unset}{key} is false or missing"
