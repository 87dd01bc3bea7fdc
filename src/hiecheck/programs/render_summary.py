"""The top of the `check` table report: organization, date, result, messages read, one line per
role."""

from __future__ import annotations

from hiecheck.duration import duration
from hiecheck.programs.messages_summary import MessagesSummary
from hiecheck.programs.report import Report, RoleReport, TierResult
from hiecheck.programs.text_layout import STATUS_STYLE, Printer, status_words


def result_words(report: Report) -> str:
    """What the overall result and exit code mean, in a few words."""
    if report.result == "unmet":
        return f"something required is unmet (exit {report.exit_code})"
    if report.result == "attested":
        if report.exit_code:
            return f"some needed items are only attested, --strict (exit {report.exit_code})"
        return f"every required condition met or attested (exit {report.exit_code})"
    return f"every required condition met (exit {report.exit_code})"


def tier_line(tier: TierResult) -> str:
    """``Tier 3 sought, Tier 1 reached (proven)``."""
    return f"Tier {tier.sought} sought, Tier {tier.reached} reached ({tier.basis})"


def role_note(role: RoleReport) -> str | None:
    """The short note under a role's summary line: its tier, a conflict, or what is optional."""
    if role.tier is not None:
        return tier_line(role.tier)
    if role.findings:
        return role.findings[0].message
    if role.participation != "required":
        incentives = [f"{i.name}: {status_words(i.status)}" for i in role.incentives]
        words = status_words(role.participation)
        return f"HIE participation {words}" + (f"; {'; '.join(incentives)}" if incentives else "")
    return None


def messages_lines(out: Printer, m: MessagesSummary) -> None:
    """``Messages read: 11 (9 ADT, 2 ORU) in 3 file(s)`` and one real-time verdict per type."""
    types = ", ".join(f"{n} {t}" for t, n in m.by_type.items())
    out.line(f"Messages read: {m.messages} ({types}) in {len(m.files)} file(s)", style="bold")
    out.line(f"from {', '.join(m.paths)}", indent=2, style="dim")
    if m.skipped:
        names = ", ".join(f"{s.file} ({s.reason})" for s in m.skipped)
        out.line(f"{len(m.skipped)} file(s) skipped, not HL7: {names}", indent=2, style="dim")
    for code, lat in m.latency.items():
        if lat.measured and lat.median_seconds is not None:
            detail = (
                f"{lat.within_limit}/{lat.measured} within {lat.limit_minutes:g} min of the "
                f"event, median {duration(lat.median_seconds)}"
            )
        else:
            detail = "no measurable event time"
        if lat.no_event_time:
            detail += f"; no event time in {lat.no_event_time}"
        status = "met" if lat.realtime_shown else "unmet"
        verdict = "real-time shown" if lat.realtime_shown else "real-time NOT shown"
        out.line(
            f"{verdict} ({detail})",
            indent=2,
            prefix=f"{out.marks.mark(status)} {code}: ",
            prefix_style=STATUS_STYLE[status],
        )
    if m.findings:
        counts = ", ".join(f"{f.rule} {f.severity} x{f.count}" for f in m.findings)
        out.line(
            f"Message findings (they do not change the results; see `hiecheck validate`): {counts}",
            indent=2,
        )


def render_summary(out: Printer, report: Report) -> None:
    """The summary block a reader sees first."""
    out.heading(f"HIE conditions for {report.organization}")
    out.line(f"as of {report.as_of}, organization file {report.source}", style="dim")
    out.line(
        result_words(report),
        prefix=f"Result: {out.marks.mark(report.result)} {status_words(report.result)}: ",
        prefix_style=STATUS_STYLE[report.result],
    )
    if report.messages is not None:
        out.blank()
        messages_lines(out, report.messages)
    out.blank()
    out.line("Programs:", style="bold")
    pad = out.status_width([r.status for r in report.roles])
    for role in report.roles:
        out.status_line(role.status, role.name, pad=pad)
        note = role_note(role)
        if note is not None:
            out.line(note, indent=2 + pad + 2, style="dim")
