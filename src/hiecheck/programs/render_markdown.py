"""Render a `check` report as plain-language markdown, ready to paste into an e-mail."""

from __future__ import annotations

from hiecheck.programs.report import Report, RoleReport

STATUS_WORDS = {
    "met": "met (proven)",
    "attested": "declared, not yet proven",
    "unmet": "not met",
    "not_applicable": "not needed",
    "applies": "applies",
    "within_reach": "within reach",
}
PARTICIPATION_WORDS = {
    "required": "required",
    "optional": "optional",
    "not_available": "not available",
    "not_required": "not required",
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


def _role(role: RoleReport) -> list[str]:
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
            needed = f" Needed for: {'; '.join(req.needed_for)}." if req.needed_for else ""
            out.append(f"- {req.label}: **{STATUS_WORDS[req.status]}** ({req.detail}).{needed}")
            out += [f"  - {line}" for line in req.evidence]
        out.append("")
    if role.tier is not None:
        t = role.tier
        out += [
            f"PCPlus tier: you seek Tier {t.sought} and reach Tier {t.reached} "
            f"({'proven' if t.basis == 'proven' else 'based on what your file declares'}). "
            f"The Tier PMPM is ${t.pmpm_reached_usd:.2f} at Tier {t.reached} and "
            f"${t.pmpm_sought_usd:.2f} at Tier {t.sought}: a difference of "
            f"${t.difference_sought_vs_reached_usd:.2f} per member per month.",
            "",
        ]
        if t.next_tier is not None and t.missing_for_next:
            out += [f"Still missing for Tier {t.next_tier}:", ""]
            out += [f"- {m}" for m in t.missing_for_next]
            out.append("")
    if role.incentives:
        out += ["Incentives:", ""]
        for inc in role.incentives:
            missing = f" Missing: {'; '.join(inc.missing)}." if inc.missing else ""
            out.append(f"- {inc.name}: **{STATUS_WORDS[inc.status]}**. {inc.description}{missing}")
        out.append("")
    if role.next_steps:
        out += ["Next steps:", ""]
        out += [f"{n}. {step}" for n, step in enumerate(role.next_steps, start=1)]
        out.append("")
    out += ["Contacts:", ""]
    out += [f"- {c.name}: {c.email} (questions about {c.about})" for c in role.contacts]
    out.append("")
    if role.readings:
        out += ["Where the published rules are silent, this report assumes:", ""]
        out += [f"- {r.text}" for r in role.readings]
        out.append("")
    sources = sorted({f"{c.source}, {c.section}" for c in role.citations})
    out += [f"Sources: {'; '.join(sources)} (profile version {role.profile_version}).", ""]
    return out


def render_markdown(report: Report) -> str:
    """The report as markdown text."""
    overall = STATUS_WORDS[report.result]
    lines = [
        f"# HIE conditions for {report.organization}",
        "",
        f"As of {report.as_of}, based on {report.source}. Overall: **{overall}**.",
        "",
        "'Declared, not yet proven' means your organization file says so but hiecheck has not "
        "yet seen it in your HL7 messages.",
        "",
    ]
    for role in report.roles:
        lines += _role(role)
    lines += ["## Terms used", ""]
    lines += [f"- **{term}**: {meaning}" for term, meaning in GLOSSARY]
    return "\n".join(lines) + "\n"
