"""Render the `programs` listing and the explanation of one program or role."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from hiecheck.programs.declarations import content_list, interface_name
from hiecheck.programs.models import (
    ClinicalPortalRequirement,
    InterfaceRequirement,
    ProgramProfile,
    Requirement,
    Role,
)
from hiecheck.programs.profile_loader import ProfileSet
from hiecheck.programs.render_table import PARTICIPATION_WORDS


def requirement_summary(req: Requirement) -> str:
    """Short text of what a requirement asks for."""
    if isinstance(req, InterfaceRequirement):
        text = f"{interface_name(req)} interface"
        return text + (f" ({content_list(req.content_groups)})" if req.content_groups else "")
    if isinstance(req, ClinicalPortalRequirement):
        return "access-only Clinical Portal" if req.access_only else "Clinical Portal"
    if req.kind == "hie_participation":
        return "HIE participation"
    return req.kind.replace("_", " ")


def _needs(role: Role) -> str:
    if not role.paths:
        return "none"
    options = [
        " + ".join(requirement_summary(role.requirement(r)) for r in p.requires) for p in role.paths
    ]
    return "\n or ".join(options)


def render_list(profiles: ProfileSet, console: Console) -> None:
    """Table of every role of every program in force."""
    table = Table(title=f"MaineCare programs and HIE conditions in force on {profiles.as_of}")
    table.add_column("role id", no_wrap=True)
    for column in ("HIE participation", "needs", "incentives"):
        table.add_column(column)
    for program in sorted(profiles.in_force):
        profile = profiles.in_force[program].profile
        for role in profile.roles:
            table.add_row(
                role.id,
                PARTICIPATION_WORDS[role.participation],
                _needs(role),
                "\n".join(i.name for i in role.incentives) or "none",
            )
    console.print(table)
    for program in sorted(profiles.in_force):
        profile = profiles.in_force[program].profile
        console.print(
            f"{program}: {profile.name}, version {profile.version}; contact {profile.contact.email}"
        )
    console.print("Explain one program or role: hiecheck programs ID")
    missing = [p for p in profiles.known_programs() if p not in profiles.in_force]
    if missing:
        console.print(f"No version in force on {profiles.as_of}: {', '.join(missing)}")
    hie = {lp.profile.hie_contact for lp in profiles.in_force.values()}
    for contact in sorted(hie, key=lambda c: c.email):
        console.print(f"HIE questions: {contact.name} <{contact.email}>")


def render_role(profile: ProgramProfile, role: Role, console: Console) -> None:
    """Everything a profile says about one role."""
    console.rule(f"{role.name} [{role.id}]")
    console.print(
        f"Program: {profile.name} (version {profile.version}, effective "
        f"{profile.effective_from}..{profile.effective_to or 'open'})"
    )
    console.print(
        f"HIE participation: {PARTICIPATION_WORDS[role.participation]}. {role.participation_text}"
    )
    if role.match:
        keys = ", ".join(f"{k} = {v!r}" for k, v in role.match.items())
        console.print(f"Organization file: [[enrollment]] program = {profile.program!r}, {keys}")
    if role.tier is not None:
        console.print(
            f"{role.tier.name}: Tier PMPM ${role.tier.pmpm_usd:.2f} "
            f"({role.tier.pmpm_citation.source}, {role.tier.pmpm_citation.section})"
        )
    if role.requirements:
        table = Table(title="Requirements", expand=True)
        table.add_column("id", no_wrap=True)
        table.add_column("kind")
        table.add_column("requirement")
        for req in role.requirements:
            table.add_row(req.id, req.kind, req.label)
        console.print(table)
    for n, path in enumerate(role.paths, start=1):
        note = f" ({path.note})" if path.note else ""
        console.print(f"Path {n} [{path.id}]: {path.label}: {', '.join(path.requires)}{note}")
    console.print(f"Incentive: {role.incentive_text}")
    for inc in role.incentives:
        needs = ", ".join(inc.requires) or (
            f"Tier {inc.min_tier} or higher" if inc.min_tier else ""
        )
        console.print(f"  - {inc.name} [{inc.id}]: {inc.description} Needs: {needs or 'nothing'}")
    for cite in role.citations:
        console.print(f'Source: {cite.source}, {cite.section}: "{cite.quote}"', style="dim")
    readings = profile.readings_for(role.id)
    if readings:
        console.print("Where the source is silent, hiecheck reads it this way:")
        for r in readings:
            console.print(f"  - {r.text}")
    console.print(
        f"Contacts: {profile.contact.name} <{profile.contact.email}>; "
        f"{profile.hie_contact.name} <{profile.hie_contact.email}>"
    )
