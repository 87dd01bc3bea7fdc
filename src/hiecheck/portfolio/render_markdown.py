"""The portfolio as markdown: a table of organizations and roles, the files that could not be
checked, roll-ups and what changed, for a wiki page or an e-mail to the team.

User text (organization names, keys, problem lines) is escaped, so a name can neither break the
table nor become a link or markup.
"""

from __future__ import annotations

import re

from hiecheck.portfolio.model import OrganizationEntry, Portfolio, RoleRow
from hiecheck.portfolio.render_words import (
    CHANGE_MARK_WORDS,
    CHANGE_STATUS,
    ReportLink,
    change_counts,
    change_text,
    display_name,
    first_problem,
    grouped_changes,
    incentive_text,
    no_link,
    note_text,
    plural,
    requirement_text,
    result_text,
    role_text,
    status_of,
    status_text,
    tier_lines,
    tier_text,
    totals_text,
    unmet_text,
)

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_LINE_START = re.compile(r"^([#+=-]|\d+(?=[.)]))")


def md(text: object) -> str:
    """Text shown as itself in markdown, on one line: emphasis, code, links, HTML, table cells
    and entities escaped, and what would start a heading or a list when it begins the text."""
    escaped = _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return _LINE_START.sub(lambda m: m[1] + "\\" if m[1].isdigit() else "\\" + m[1], escaped)


def _name_cell(entry: OrganizationEntry, link: ReportLink) -> str:
    name = f"**{md(display_name(entry))}**"
    href = link(entry)
    if href:
        name = f"[{name}]({href})"
    return f"{name}<br>{md(entry.key)}" if entry.name else name


def _row(entry: OrganizationEntry, row: RoleRow | None, link: ReportLink) -> str:
    status = md(status_text(status_of(entry, row)))
    if row is None:
        cells = [_name_cell(entry, link), "", f"**{status}**", "", "", md(first_problem(entry))]
    else:
        cells = [
            _name_cell(entry, link),
            f"{md(row.name)} ({md(row.role)})",
            f"**{status}**",
            md(tier_text(row.tier)) if row.tier else "",
            unmet_text(row),
            md(row.next_step) if row.next_step else "",
        ]
    return "| " + " | ".join(cells) + " |"


def _rollups(p: Portfolio) -> list[str]:
    out = ["## Roll-ups per program and role", ""]
    for program in p.programs:
        out += [f"### {md(program.name)} ({md(program.program)}): "
                f"{plural(program.organizations, 'organization')}", ""]
        out += [f"- {md(line)}" for line in tier_lines(program)]
        for role in program.roles:
            out.append(f"- {md(role_text(role))}")
            out += [f"  - {md(requirement_text(r, role.organizations))}"
                    for r in role.requirements]
        if program.incentives:
            out.append("- Incentives:")
            out += [f"  - {md(incentive_text(i))}" for i in program.incentives]
        out.append("")
    return out


def _changes(p: Portfolio) -> list[str]:
    c = p.changes
    if c is None:
        return []
    out = [f"## What changed since {md(c.previous)} (rules as of {c.previous_as_of})", ""]
    out += [f"> **Note:** {md(note_text(n))}" for n in c.notes]
    if c.notes:
        out.append("")
    out += [f"{plural(len(c.changes), 'change')}: {md(change_counts(c.changes))}; "
            f"{plural(c.unchanged, 'organization')} unchanged.", ""]
    for group in grouped_changes(c.changes):
        out.append(f"- **{md(group.organization)}** ({md(group.key)})")
        out += [
            f"  - {CHANGE_MARK_WORDS[CHANGE_STATUS[ch.kind]]}: {md(change_text(ch))}"
            for ch in group.changes
        ]
    return [*out, ""]


def render_markdown(portfolio: Portfolio, link: ReportLink = no_link) -> str:
    """The portfolio as markdown text; ``link`` names each organization's report, if any."""
    p = portfolio
    out = [
        f"# HIE portfolio: {plural(p.totals.organizations, 'organization')}",
        "",
        f"Rules as of {p.as_of}. {md(totals_text(p.totals))}. Result: {md(result_text(p))}.",
        "",
    ]
    if p.reports_dir is not None:
        out += [f"Each organization's report ({md(p.reports_format)}) is in "
                f"{md(p.reports_dir)}.", ""]
    out += [
        "## Organizations and roles",
        "",
        "| Organization | Role | Status | PCPlus tier | Unmet | First next step |",
        "|---|---|---|---|---|---|",
    ]
    out += [_row(entry, row, link) for entry, row in p.rows()]
    out.append("")
    bad = [(e, e.problem) for e in p.organizations if e.problem is not None]  # lines name files
    if bad:
        out += ["## Files that could not be checked", ""]
        out += [f"- {md(line)}" for _, problem in bad for line in problem.lines]
        out.append("")
    if p.programs:
        out += _rollups(p)
    out += _changes(p)
    return "\n".join(out).rstrip("\n") + "\n"
