"""Render the `programs` listing and the explanation of one program or role."""

from __future__ import annotations

from rich.console import Console

from hiecheck.programs.content_groups import ContentGroups
from hiecheck.programs.declarations import interface_name
from hiecheck.programs.models import (
    ClinicalPortalRequirement,
    InterfaceRequirement,
    ProgramProfile,
    Requirement,
    Role,
)
from hiecheck.programs.profile_loader import ProfileSet
from hiecheck.programs.report_digest import PARTICIPATION_WORDS
from hiecheck.programs.text_layout import Printer
from hiecheck.sources import Sources


def requirement_summary(req: Requirement, content: ContentGroups) -> str:
    """Short text of what a requirement asks for."""
    if isinstance(req, InterfaceRequirement):
        text = f"{interface_name(req)} interface"
        return text + (f" ({content.words(req.content_groups)})" if req.content_groups else "")
    if isinstance(req, ClinicalPortalRequirement):
        return "access-only Clinical Portal" if req.access_only else "Clinical Portal"
    if req.kind == "hie_participation":
        return "HIE participation"
    return req.kind.replace("_", " ")


def _needs(role: Role, content: ContentGroups) -> list[str]:
    return [
        " + ".join(requirement_summary(role.requirement(r), content) for r in p.requires)
        for p in role.paths
    ]


def render_list(profiles: ProfileSet, console: Console) -> None:
    """Every role of every program in force: one block per program, one line per role."""
    out = Printer(console)
    out.heading(f"MaineCare programs and HIE conditions in force on {profiles.as_of}")
    for program in sorted(profiles.in_force):
        profile = profiles.in_force[program].profile
        out.blank()
        out.line(f"{profile.name}, version {profile.version}", prefix=f"{program}: ", style="bold")
        out.line(f"contact {profile.contact.email}", indent=2, style="dim")
        width = max(len(r.id) for r in profile.roles)
        for role in profile.roles:
            participation = PARTICIPATION_WORDS[role.participation]
            out.line(
                f"HIE participation {participation}", indent=2, prefix=role.id.ljust(width + 2)
            )
            for n, needs in enumerate(_needs(role, profiles.content)):
                label = "needs: " if n == 0 else "   or: "
                out.line(needs, indent=width + 4, prefix=label, style="dim")
            for inc in role.incentives:
                out.line(inc.name, indent=width + 4, prefix="incentive: ", style="dim")
    out.blank()
    out.line("Explain one program or role: hiecheck programs ID")
    missing = [p for p in profiles.known_programs() if p not in profiles.in_force]
    if missing:
        out.line(f"No version in force on {profiles.as_of}: {', '.join(missing)}")
    hie = {lp.profile.hie_contact for lp in profiles.in_force.values()}
    for contact in sorted(hie, key=lambda c: c.email):
        out.line(f"{contact.name} <{contact.email}>", prefix="HIE questions: ", hang=2)


def _role_header(out: Printer, profile: ProgramProfile, role: Role, titles: Sources) -> None:
    """Program, initiative, participation condition, the enrollment that selects the role, tier."""
    out.heading(f"{role.name} [{role.id}]")
    out.line(
        f"{profile.name} (version {profile.version}, effective {profile.period})",
        prefix="Program: ",
        hang=2,
    )
    if profile.initiative is not None:
        out.line(profile.initiative.name, prefix="Initiative: ", hang=2)
    out.line(
        f"{PARTICIPATION_WORDS[role.participation]}. {role.participation_text}",
        prefix="HIE participation: ",
        hang=2,
    )
    if role.match:
        keys = ", ".join(f"{k} = {v!r}" for k, v in role.match.items())
        out.line(
            f"[[enrollment]] program = {profile.program!r}, {keys}",
            prefix="Organization file: ",
            hang=2,
        )
    if role.tier is not None:
        out.line(
            f"{role.tier.name}: Tier PMPM ${role.tier.pmpm_usd:.2f} "
            f"({titles.of(role.tier.pmpm_citation).cite()}, {role.tier.pmpm_citation.section})",
            hang=2,
        )


def _role_rules(out: Printer, role: Role) -> None:
    """Requirements, paths and incentives."""
    if role.requirements:
        out.line("Requirements:", style="bold")
        for req in role.requirements:
            out.line(f"{req.id} ({req.kind})", indent=2, style="bold", prefix="- ")
            out.line(req.label, indent=4)
    if role.paths:
        out.line("Paths (any one, with all its requirements):", style="bold")
    for n, path in enumerate(role.paths, start=1):
        note = f" ({path.note})" if path.note else ""
        out.line(
            f"[{path.id}] {path.label}: {', '.join(path.requires)}{note}",
            indent=2,
            prefix=f"{n}. ",
        )
    out.line(role.incentive_text, prefix="Incentive: ", prefix_style="bold", hang=2)
    for inc in role.incentives:
        needs = ", ".join(inc.requires) or (
            f"Tier {inc.min_tier} or higher" if inc.min_tier else ""
        )
        out.line(
            f"{inc.name} [{inc.id}]: {inc.description} Needs: {needs or 'nothing'}",
            indent=2,
            prefix="- ",
        )


def _role_sources(out: Printer, profile: ProgramProfile, role: Role, titles: Sources) -> None:
    """Quoted sources, readings and contacts."""
    out.line("Sources:", style="bold")
    initiative = [profile.initiative.citation] if profile.initiative is not None else []
    for cite in [*role.citations, *initiative]:
        out.line(
            f'{titles.of(cite).cite()}, {cite.section}: "{cite.quote}"',
            indent=2,
            prefix="- ",
            style="dim",
        )
    readings = profile.readings_for(role.id)
    if readings:
        out.line("Where the source is silent, hiecheck reads it this way:", style="bold")
        for r in readings:
            out.line(r.text, indent=2, prefix="- ")
    out.line(
        f"{profile.contact.name} <{profile.contact.email}>; "
        f"{profile.hie_contact.name} <{profile.hie_contact.email}>",
        prefix="Contacts: ",
        prefix_style="bold",
        hang=2,
    )


def render_role(
    profile: ProgramProfile, role: Role, console: Console, sources: Sources | None = None
) -> None:
    """Everything a profile says about one role; ``sources`` names the cited documents by title
    (never by the file name the quotes are checked against)."""
    titles = sources or Sources()
    out = Printer(console)
    _role_header(out, profile, role, titles)
    _role_rules(out, role)
    _role_sources(out, profile, role, titles)
