"""The portfolio for people at a terminal: read top to bottom, fits 80 columns.

Rows are stacked, not squeezed into columns: each organization on a line, each of its roles
under it on a status-marked line (the mark and the word, never cut), its first next step
wrapped beneath; then the roll-ups and, with ``--compare``, what changed.
"""

from __future__ import annotations

from rich.console import Console

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
    mark_status,
    no_link,
    note_text,
    plural,
    requirement_text,
    result_status,
    result_text,
    role_text,
    status_of,
    status_text,
    tier_lines,
    tier_text,
    totals_text,
)
from hiecheck.programs.text_layout import STATUS_STYLE, Printer


def _status_line(out: Printer, status: str, word: str, text: str, indent: int, pad: int) -> None:
    mark = mark_status(status)
    out.line(
        text,
        indent=indent,
        prefix=f"{out.marks.mark(mark)} {word}".ljust(pad) + "  ",
        prefix_style=STATUS_STYLE.get(mark, ""),
    )


def _row_text(row: RoleRow) -> str:
    parts = [row.role]
    if row.tier is not None:
        parts.append(tier_text(row.tier))
    if row.unmet:
        parts.append(f"{row.unmet} unmet")
    if row.conflicts:
        parts.append(plural(row.conflicts, "conflict"))
    return parts[0] + (": " + "; ".join(parts[1:]) if parts[1:] else "")


def _header(out: Printer, p: Portfolio) -> None:
    out.heading(f"HIE portfolio: {plural(p.totals.organizations, 'organization')}")
    out.line(f"rules as of {p.as_of}; from {', '.join(p.inputs)}", style="dim")
    status = result_status(p)
    out.line(
        result_text(p),
        prefix=f"Result: {out.marks.mark(status)} ",
        prefix_style=STATUS_STYLE.get(status, ""),
    )
    t = p.totals
    out.line(
        f"{totals_text(t)}; {plural(t.roles, 'role')}; messages read for {t.with_messages}",
        indent=2,
    )
    if p.reports_dir is not None:
        out.line(f"Reports: one per organization in {p.reports_dir} ({p.reports_format})",
                 indent=2)


def _organization(out: Printer, entry: OrganizationEntry, pad: int, link: ReportLink) -> None:
    notes = [f"({entry.key})"] if entry.name else []
    href = link(entry)
    if href:
        notes.append(f"report {href}")
    text = " ".join(notes)
    name = display_name(entry)
    out.line(text, prefix=f"{name} " if text else name, prefix_style="bold")
    if entry.problem is not None:
        status = str(entry.problem.kind)
        _status_line(out, status, status_text(status), first_problem(entry), 2, pad)
        return
    for row in entry.roles:
        _status_line(out, status_of(entry, row), status_text(row.status), _row_text(row), 2, pad)
        if row.next_step is not None:
            out.line(str(row.next_step), indent=2 + pad + 2, prefix="next: ", style="dim")


def _rollups(out: Printer, p: Portfolio) -> None:
    out.blank()
    out.heading("Roll-ups per program and role")
    for program in p.programs:
        out.line(f"{program.name} [{program.program}]: "
                 f"{plural(program.organizations, 'organization')}", style="bold")
        for line in tier_lines(program):
            out.line(line, indent=2)
        for role in program.roles:
            out.line(role_text(role), indent=2)
            for req in role.requirements:
                out.line(requirement_text(req, role.organizations), indent=4, prefix="- ")
        if program.incentives:
            out.line("Incentives:", indent=2)
            for inc in program.incentives:
                out.line(incentive_text(inc), indent=4, prefix="- ")


def _changes(out: Printer, p: Portfolio) -> None:
    changes = p.changes
    if changes is None:
        return
    out.blank()
    out.heading(f"What changed since {changes.previous} (rules as of {changes.previous_as_of})")
    for note in changes.notes:
        out.line(note_text(note), prefix="Note: ", prefix_style="bold")
    out.line(f"{plural(len(changes.changes), 'change')}: {change_counts(changes.changes)}; "
             f"{plural(changes.unchanged, 'organization')} unchanged")
    pad = max((len(w) + 2 for w in CHANGE_MARK_WORDS.values()), default=0)
    for group in grouped_changes(changes.changes):
        out.line(f"({group.key})", prefix=group.organization + " ", prefix_style="bold")
        for change in group.changes:
            status = CHANGE_STATUS[change.kind]
            _status_line(out, status, CHANGE_MARK_WORDS[status], change_text(change), 2, pad)


def render_table(portfolio: Portfolio, console: Console, link: ReportLink = no_link) -> None:
    """Print the portfolio; ``link`` names each organization's report, if written."""
    out = Printer(console)
    _header(out, portfolio)
    out.blank()
    out.heading("Organizations and roles")
    rows = portfolio.rows()
    pad = max((len(status_text(status_of(e, r))) + 2 for e, r in rows), default=0)
    for entry in portfolio.organizations:
        _organization(out, entry, pad, link)
    if portfolio.programs:
        _rollups(out, portfolio)
    _changes(out, portfolio)
