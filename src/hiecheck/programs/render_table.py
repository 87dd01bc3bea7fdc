"""Render a `check` report for people at a terminal: read top to bottom, fits 80 columns.

Summary first (render_summary), then one compact section per role: each requirement on a
status-marked line with indented evidence bullets, the tier gap checklist, incentives, numbered
next steps and contacts. Notes shared by every role and the readings where the sources are silent
come once at the end (readings with ``explain=True``, else a one-line pointer).
"""

from __future__ import annotations

from rich.console import Console

from hiecheck.console import make_console
from hiecheck.programs.render_cbp import CBP_READINGS_TITLE, cbp_readings, render_cbp_table
from hiecheck.programs.render_summary import render_summary
from hiecheck.programs.report import IncentiveResult, Report, RequirementResult, RoleReport
from hiecheck.programs.report_digest import (
    PARTICIPATION_WORDS,
    evidence_detail,
    general_notes,
    grouped_readings,
    is_problem,
    role_steps,
    shared_contacts,
    short_title,
)
from hiecheck.programs.statuses import Status
from hiecheck.programs.text_layout import STATUS_STYLE, Printer, status_words

BULLET_INDENT = 6


def _bullet(
    out: Printer,
    text: str,
    mark: str = "-",
    status: str = "",
    style: str = "",
    indent: int = BULLET_INDENT - 2,
) -> None:
    out.line(
        text,
        indent=indent,
        prefix=f"{mark} ",
        prefix_style=STATUS_STYLE.get(status, ""),
        style=style,
    )


def _requirement(out: Printer, req: RequirementResult, pad: int) -> None:
    title, rest = short_title(req.label)
    out.status_line(req.status, title, pad=pad, style="bold")
    if rest:
        out.line(rest, indent=2 + pad + 2, style="dim")
    _bullet(out, evidence_detail(req))
    for line in req.evidence:
        if req.source == "evidence":
            status = Status.UNMET if is_problem(line) else Status.MET
            _bullet(out, line.text, out.marks.mark(status), status)
        else:
            _bullet(out, line)
    if req.needed_for:
        blocking = " (blocking)" if req.blocking else ""
        _bullet(out, f"needed for: {'; '.join(req.needed_for)}{blocking}", style="dim")


def _missing(missing: str, role: RoleReport) -> str:
    """A missing item; one naming a requirement of the role points at it by its short title."""
    for req in role.requirements:
        if missing.startswith(f"{req.label}: "):
            return f"{short_title(req.label)[0]} ({status_words(req.status)}, see above)"
    return missing


def _incentive(out: Printer, inc: IncentiveResult, role: RoleReport, pad: int) -> None:
    basis = f" ({inc.basis})" if inc.basis else ""
    sought = " (sought)" if inc.sought else ""
    out.status_line(inc.status, f"{inc.name}{basis}{sought}", pad=pad)
    for missing in inc.missing:
        _bullet(out, f"missing: {_missing(missing, role)}")


def _tier(out: Printer, role: RoleReport) -> None:
    tier = role.tier
    assert tier is not None
    out.line("PCPlus tier:", style="bold")
    out.line(
        f"Tier {tier.sought} sought, Tier {tier.reached} reached ({tier.basis}). Tier PMPM "
        f"${tier.pmpm_reached_usd:.2f} reached vs ${tier.pmpm_sought_usd:.2f} sought "
        f"(difference ${tier.difference_sought_vs_reached_usd:.2f} per member per month).",
        indent=2,
    )
    if tier.next_tier is not None:
        gain = tier.difference_next_vs_reached_usd or 0
        out.line(f"To reach Tier {tier.next_tier} (+${gain:.2f} per member per month):", indent=2)
        for item in tier.checklist_for_next or tier.missing_for_next:
            out.line(item, indent=4, prefix="[ ] ")


def _steps_and_contacts(out: Printer, role: RoleReport, report: Report) -> None:
    """Numbered next steps, then the contacts no other role shares."""
    steps = role_steps(role)
    if steps:
        out.line("Next steps:", style="bold")
        width = len(str(len(steps)))
        for n, step in enumerate(steps, start=1):
            out.line(step, indent=2, prefix=f"{n:>{width}}. ")
    shared = set(shared_contacts(report))
    for c in role.contacts:
        if c.email not in shared:
            out.line(f"{c.name} <{c.email}>", prefix="Contact: ", prefix_style="bold", hang=2)


def _role(out: Printer, role: RoleReport, report: Report) -> None:
    out.blank()
    out.heading(f"{role.name} [{role.id}]")
    out.status_line(
        role.status, f"HIE participation {PARTICIPATION_WORDS[role.participation]}", indent=0
    )
    out.line(role.participation_detail, indent=2, style="dim")
    out.line(f"Incentive: {role.incentive_summary}", indent=2, style="dim")
    for finding in role.findings:
        out.status_line(finding.severity, finding.message, indent=0, style="bold red")
    if role.requirements:
        out.line("Requirements:", style="bold")
        pad = out.status_width([r.status for r in role.requirements])
        for req in role.requirements:
            _requirement(out, req, pad)
    if role.tier is not None:
        _tier(out, role)
    if role.incentives:
        out.line("Incentives:", style="bold")
        pad = out.status_width([i.status for i in role.incentives])
        for inc in role.incentives:
            _incentive(out, inc, role, pad)
    _steps_and_contacts(out, role, report)
    out.line(
        f"Rules and sources: hiecheck programs {role.id} (profile {role.program} "
        f"{role.profile_version})",
        style="dim",
    )


def _ending(out: Printer, report: Report, explain: bool) -> None:
    notes = general_notes(report)
    shared = set(shared_contacts(report))
    contacts = [c for c in report.roles[0].contacts if c.email in shared] if report.roles else []
    if notes or contacts:
        out.blank()
        out.heading("For every program")
        for note in notes:
            out.line(note, indent=0)
        for c in contacts:
            out.line(
                f"{c.name} <{c.email}> ({c.about})", prefix="Contact: ", prefix_style="bold", hang=2
            )
    _readings(out, report, explain)


def _readings(out: Printer, report: Report, explain: bool) -> None:
    """The readings where the sources are silent (with ``explain``), else how many there are."""
    groups = grouped_readings(report)
    count = sum(len(g.texts) for g in groups)
    realtime = report.messages.realtime_reading if report.messages is not None else None
    count += 1 if realtime else 0
    cbp = cbp_readings(report)
    count += len(cbp)
    if not count:
        return
    out.blank()
    if not explain:
        out.line(
            f"{count} readings where the sources are silent are not shown; add --explain "
            "(they are in --format markdown and json too).",
            style="dim",
        )
        return
    out.heading("Where the sources are silent, hiecheck reads them this way")
    for group in groups:
        out.line(f"{group.title}:", style="bold")
        for text in group.texts:
            _bullet(out, text, indent=2)
    if realtime:
        out.line("Your HL7 messages (evidence profile):", style="bold")
        _bullet(out, realtime, indent=2)
    if cbp:
        out.line(f"{CBP_READINGS_TITLE}:", style="bold")
        for text in cbp:
            _bullet(out, text, indent=2)


def render_table(report: Report, console: Console | None = None, *, explain: bool = False) -> None:
    """Print ``report`` to the console (stdout by default); ``explain`` adds the readings."""
    console = console or make_console()
    out = Printer(console)
    render_summary(out, report)
    for role in report.roles:
        _role(out, role, report)
    if report.cbp is not None:
        render_cbp_table(out, report.cbp, explain=explain)
    _ending(out, report, explain)
