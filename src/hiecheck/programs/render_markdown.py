"""Render a `check` report as plain-language markdown, ready to paste into an e-mail."""

from __future__ import annotations

from hiecheck.console import markdown_code, markdown_text
from hiecheck.duration import duration
from hiecheck.programs.messages_summary import MessagesSummary
from hiecheck.programs.render_cbp import CBP_READINGS_TITLE, cbp_readings, render_cbp_markdown
from hiecheck.programs.report import Report, RequirementResult, RoleReport, TierResult
from hiecheck.programs.report_digest import (
    PARTICIPATION_WORDS,
    evidence_detail,
    fix_checklist,
    general_notes,
    grouped_readings,
    report_contacts,
    role_documents,
    role_steps,
    short_title,
)
from hiecheck.programs.statuses import Basis
from hiecheck.programs.text_layout import collapse_refs

STATUS_WORDS = {
    "met": "met (proven)",
    "attested": "attested (declared, not yet proven)",
    "unmet": "not met",
    "not_applicable": "not needed",
    "applies": "applies",
    "within_reach": "within reach",
}
GLOSSARY = [
    ("HIE", "Health Information Exchange: Maine's statewide exchange, run by HealthInfoNet."),
    ("OMS", "Office of MaineCare Services."),
    ("HL7 interface", "an automated feed of standard HL7 v2 messages from your system to the HIE."),
    ("ADT", "Admission Discharge Transfer messages: registration and visit events."),
    ("ORU", "Observation Result messages: lab results, vital signs and other observations."),
    ("real-time", "messages are sent as events happen, not in periodic batches."),
    (
        "Clinical Portal",
        "HealthInfoNet's web viewer of patient records (access-only: view, no feed).",
    ),
    ("HARP", "HealthInfoNet's Health Analytics Reporting Platform."),
    ("Letter of Direction", "a signed letter telling HealthInfoNet whom to give access to."),
    ("PMPM", "per member per month: a payment for each attributed MaineCare member each month."),
    ("eCQM", "electronic clinical quality measure."),
]


def _requirement(req: RequirementResult) -> list[str]:
    needed = f" Needed for: {'; '.join(req.needed_for)}." if req.needed_for else ""
    basis = ""
    if req.source == "evidence":
        basis = (
            " What your HL7 messages show:"
            if req.status == "unmet"
            else (" Shown by your HL7 messages:")
        )
    detail = evidence_detail(req)
    out = [f"- {req.label}: **{STATUS_WORDS[req.status]}** ({detail}).{needed}{basis}"]
    return out + [f"  - {collapse_refs(line)}" for line in req.evidence]


def _tier(t: TierResult) -> list[str]:
    out = [
        f"PCPlus tier: you seek Tier {t.sought} and reach Tier {t.reached} "
        f"({'proven' if t.basis == Basis.PROVEN else 'based on what your file declares'}). "
        f"The Tier PMPM is ${t.pmpm_reached_usd:.2f} at Tier {t.reached} and "
        f"${t.pmpm_sought_usd:.2f} at Tier {t.sought}: a difference of "
        f"${t.difference_sought_vs_reached_usd:.2f} per member per month.",
        "",
    ]
    if t.next_tier is not None and (t.checklist_for_next or t.missing_for_next):
        out += [f"To reach Tier {t.next_tier}:", ""]
        out += [f"- [ ] {m}" for m in (t.checklist_for_next or t.missing_for_next)]
        out.append("")
    return out


def _role(report: Report, role: RoleReport) -> list[str]:
    out = [
        f"## {role.name}",
        "",
        f"**Where you stand:** {STATUS_WORDS[role.status]}.  ",
        f"**HIE participation:** {PARTICIPATION_WORDS[role.participation]}. "
        f"{role.participation_detail}  ",
        f"**Incentive:** {role.incentive_summary}",
        "",
    ]
    for finding in role.findings:
        out += [f"> **Please check:** {finding.message}", ""]
    if role.requirements:
        out += ["What is needed and where you stand:", ""]
        for req in role.requirements:
            out += _requirement(req)
        out.append("")
    if role.tier is not None:
        out += _tier(role.tier)
    if role.incentives:
        out += ["Incentives:", ""]
        for inc in role.incentives:
            missing = f" Missing: {'; '.join(inc.missing)}." if inc.missing else ""
            out.append(f"- {inc.name}: **{STATUS_WORDS[inc.status]}**. {inc.description}{missing}")
        out.append("")
    steps = role_steps(role)
    if steps:
        out += ["Next steps:", ""]
        out += [f"{n}. {step}" for n, step in enumerate(steps, start=1)]
        out.append("")
    sources = "; ".join(doc.text() for doc in role_documents(report, role))
    out += [f"Sources: {sources} (profile version {role.profile_version}).", ""]
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _messages(summary: MessagesSummary) -> list[str]:
    types = ", ".join(f"{n} {t}" for t, n in summary.by_type.items())
    out = [
        "## What your HL7 messages show",
        "",
        f"hiecheck read {_plural(summary.messages, 'message')} ({types}) in "
        f"{_plural(len(summary.files), 'file')}: {', '.join(map(markdown_text, summary.files))}. "
        "This report names fields and message numbers only, never patient information.",
        "",
    ]
    if summary.skipped:
        names = ", ".join(f"{markdown_text(s.file)} ({s.reason})" for s in summary.skipped)
        out += [f"{_plural(len(summary.skipped), 'file')} in the folder are not HL7 messages "
                f"and were skipped: {names}.", ""]
    for code, lat in summary.latency.items():
        if lat.measured and lat.median_seconds is not None:
            verdict = "real-time" if lat.realtime_shown else "not real-time"
            out.append(
                f"- {code}: {lat.within_limit} of {lat.measured} messages with a measurable delay "
                f"were created within {lat.limit_minutes:g} minutes of the event "
                f"(median {duration(lat.median_seconds)}): **{verdict}**."
            )
        else:
            out.append(
                f"- {code}: no message carries a usable event time, so real-time sending "
                "cannot be shown."
            )
    out.append("")
    if summary.findings:
        counts = ", ".join(f"{f.count} × {f.rule} ({f.severity})" for f in summary.findings)
        out += [
            f"Message checks also found: {counts}. These do not change the results above; "
            f"run {markdown_code('hiecheck validate ' + ' '.join(summary.paths))} for the "
            "details.",
            "",
        ]
    out += [f"How hiecheck reads 'real-time': {summary.realtime_reading}", ""]
    return out


def _short(req: RequirementResult) -> str:
    return short_title(req.label)[0]


def _summary(report: Report) -> list[str]:
    out = ["## Summary", ""]
    for role in report.roles:
        proven = [r for r in role.requirements if r.status == "met"]
        unmet = [r for r in role.requirements if r.status == "unmet" and r.blocking]
        line = f"- **{role.name}**: {STATUS_WORDS[role.status]}."
        if proven:
            line += " Your messages show: " + "; ".join(_short(r) for r in proven) + "."
        if unmet:
            line += " Not yet met: " + "; ".join(_short(r) for r in unmet) + "."
        if role.tier is not None:
            line += f" PCPlus tier reached: Tier {role.tier.reached} (you seek Tier "
            line += f"{role.tier.sought})."
        out.append(line)
    out.append("")
    if report.result == "unmet":
        out += ["You do not yet meet every condition: the checklist below says what to change.", ""]
    elif report.result == "attested":
        out += ["You meet every condition on the basis of what you declared.", ""]
    else:
        out += ["You meet every condition, proven by your messages.", ""]
    return out


def _checklist(report: Report) -> list[str]:
    items = fix_checklist(report)
    notes = general_notes(report)
    if not items and not notes:
        return []
    out = ["## Checklist: next steps", ""]
    out += [f"- [ ] {item}" for item in items]
    if items:
        out.append("")
    out += [f"*Note:* {note}" for note in notes]
    return out + ([""] if notes else [])


def _readings(report: Report) -> list[str]:
    groups = [(g.title, g.texts) for g in grouped_readings(report)]
    cbp = cbp_readings(report)
    if cbp:
        groups.append((CBP_READINGS_TITLE, cbp))
    if not groups:
        return []
    out = ["## Where the published rules are silent, this report assumes", ""]
    for title, texts in groups:
        out += [f"**{title}:**", ""]
        out += [f"- {text}" for text in texts]
        out.append("")
    return out


def _contacts(report: Report) -> list[str]:
    lines = [
        f"- {c.name}: {c.email} (questions about {' or '.join(c.about)})"
        for c in report_contacts(report)
    ]
    return ["## Contacts", "", *lines, ""]


def render_markdown(report: Report) -> str:
    """The report as markdown text, addressed to the organization (e-mail ready, no PHI)."""
    overall = STATUS_WORDS[report.result]
    basis = f"your organization file ({markdown_text(report.source)})"
    if report.messages is not None:
        basis += f" and {_plural(report.messages.messages, 'HL7 message')} from your system"
    lines = [
        f"# HIE conditions for {markdown_text(report.organization)}",
        "",
        f"To the team at {markdown_text(report.organization)}:",
        "",
        f"As of {report.as_of}, based on {basis}, this is where you stand in the MaineCare (OMS) "
        f"programs you take part in. Overall: **{overall}**.",
        "",
        "'Met (proven)' means your HL7 messages show it; 'attested' means your organization "
        "file declares it but hiecheck cannot see it in your messages.",
        "",
    ]
    lines += _summary(report)
    lines += _checklist(report)
    if report.messages is not None:
        lines += _messages(report.messages)
    if report.cbp is not None:
        lines += render_cbp_markdown(report.cbp)
    for role in report.roles:
        lines += _role(report, role)
    lines += _readings(report)
    lines += _contacts(report)
    lines += ["## Terms used", ""]
    lines += [f"- **{term}**: {meaning}" for term, meaning in GLOSSARY]
    return "\n".join(lines) + "\n"
