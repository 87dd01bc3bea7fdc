"""Render a `check` report as rich tables for people at a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hiecheck.programs.report import Report, RoleReport, TierResult

STATUS_STYLE = {
    "met": "bold green",
    "attested": "yellow",
    "unmet": "bold red",
    "not_applicable": "dim",
    "applies": "bold green",
    "within_reach": "yellow",
}
PARTICIPATION_WORDS = {
    "required": "required",
    "optional": "optional",
    "not_available": "not available",
    "not_required": "not required",
}


def status_text(status: str) -> Text:
    """A status word, coloured."""
    return Text(status.replace("_", " "), style=STATUS_STYLE.get(status, ""))


def _tier_lines(tier: TierResult) -> list[str]:
    lines = [
        f"PCPlus tier sought: {tier.sought}; reached: {tier.reached} ({tier.basis}); "
        f"Tier PMPM ${tier.pmpm_reached_usd:.2f} reached vs ${tier.pmpm_sought_usd:.2f} sought "
        f"(difference ${tier.difference_sought_vs_reached_usd:.2f} per member per month)"
    ]
    if tier.next_tier is not None:
        lines.append(
            f"Missing for Tier {tier.next_tier} "
            f"(+${tier.difference_next_vs_reached_usd or 0:.2f} per member per month):"
        )
        lines += [f"  - {m}" for m in (tier.checklist_for_next or tier.missing_for_next)]
    return lines


def _role(console: Console, role: RoleReport) -> None:
    console.rule(
        Text.assemble(
            (f"{role.name} [{role.id}] ", "bold"),
            ("status: ", ""),
            status_text(role.status),
        )
    )
    console.print(
        f"HIE participation: {PARTICIPATION_WORDS[role.participation]}. {role.participation_detail}"
    )
    console.print(f"Incentive: {role.incentive_summary}")
    for finding in role.findings:
        console.print(Text(f"{finding.severity.upper()}: {finding.message}", style="bold red"))
    if role.requirements:
        table = Table(show_lines=False, expand=True)
        table.add_column("requirement")
        table.add_column("status")
        table.add_column("detail")
        table.add_column("needed for")
        for req in role.requirements:
            table.add_row(
                f"{req.label} [{req.id}]",
                status_text(req.status),
                "\n".join([req.detail, *req.evidence]),
                "; ".join(req.needed_for) + (" (blocking)" if req.blocking else ""),
            )
        console.print(table)
    if role.tier is not None:
        for line in _tier_lines(role.tier):
            console.print(line)
    if role.incentives:
        table = Table(expand=True)
        table.add_column("incentive")
        table.add_column("status")
        table.add_column("missing")
        for inc in role.incentives:
            table.add_row(inc.name, status_text(inc.status), "\n".join(inc.missing))
        console.print(table)
    if role.next_steps:
        console.print("Next steps:")
        for n, step in enumerate(role.next_steps, start=1):
            console.print(f"  {n}. {step}")
    console.print(
        "Contacts: " + "; ".join(f"{c.name} <{c.email}> ({c.about})" for c in role.contacts)
    )
    if role.readings:
        console.print("Where the source is silent, hiecheck reads it this way:", style="dim")
        for r in role.readings:
            console.print(f"  - {r.text}", style="dim")
    console.print(f"Profile {role.program} version {role.profile_version}", style="dim")


def render_table(report: Report, console: Console | None = None) -> None:
    """Print ``report`` to the console (stdout by default)."""
    console = console or Console(highlight=False, markup=False)
    console.print(
        Text.assemble(
            (f"{report.organization}", "bold"),
            f" ({report.source}) as of {report.as_of}: ",
            status_text(report.result),
        )
    )
    if report.messages is not None:
        m = report.messages
        types = ", ".join(f"{n} {t}" for t, n in m.by_type.items())
        console.print(f"Messages read: {m.messages} ({types}) in {len(m.files)} file(s)")
        for code, lat in m.latency.items():
            median = "-" if lat.median_seconds is None else f"{lat.median_seconds / 60:.0f} min"
            shown = "real-time shown" if lat.realtime_shown else "real-time NOT shown"
            console.print(
                f"  {code}: {lat.within_limit}/{lat.measured} within {lat.limit_minutes:g} min "
                f"(median {median}, no event time {lat.no_event_time}): {shown}"
            )
        if m.findings:
            counts = ", ".join(f"{f.rule} {f.severity} x{f.count}" for f in m.findings)
            console.print(
                f"  Message findings (do not change the results; see `hiecheck validate`): {counts}"
            )
    for role in report.roles:
        _role(console, role)
