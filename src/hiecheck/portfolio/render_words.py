"""The words every portfolio renderer shares (table, CSV, markdown, HTML, the web page): result
and status words, tier text, roll-up sentences and what each change means.

Plain text only; each renderer escapes it for its format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hiecheck.portfolio.model import (
    Change,
    ChangeKind,
    CompareNote,
    IncentiveRollup,
    NoteKind,
    OrganizationEntry,
    Portfolio,
    ProblemKind,
    ProgramRollup,
    RequirementRollup,
    RoleRollup,
    RoleRow,
    TierMark,
    Totals,
)
from hiecheck.programs.report_digest import short_title
from hiecheck.programs.statuses import Basis, Standing

ReportLink = Callable[[OrganizationEntry], str | None]
"""Where a renderer links an organization's report (a relative path, a URL), or None."""

PROBLEM_WORDS = {ProblemKind.BAD_INPUT: "bad input", ProblemKind.INTERNAL_ERROR: "internal error"}


def no_link(entry: OrganizationEntry) -> str | None:
    """A ReportLink for outputs without reports."""
    return None


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 organization``, ``2 organizations``."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def display_name(entry: OrganizationEntry) -> str:
    """The organization's name, or its key when the file could not be read."""
    return entry.name or entry.key


def status_of(entry: OrganizationEntry, row: RoleRow | None) -> str:
    """The status value a row shows: a role's status, or the problem's kind."""
    if row is not None:
        return str(row.status)
    assert entry.problem is not None
    return str(entry.problem.kind)


def status_text(status: str) -> str:
    """``not_applicable`` → ``not applicable``, ``bad_input`` → ``bad input``."""
    return status.replace("_", " ")


def mark_status(status: str) -> str:
    """The status whose mark and colour a row status uses (problems look like errors)."""
    return "error" if status in (ProblemKind.BAD_INPUT, ProblemKind.INTERNAL_ERROR) else status


def tier_text(tier: TierMark) -> str:
    """``Tier 3 sought, Tier 1 proven`` or ``Tier 2 sought, Tier 2 reached (attested)``."""
    if tier.basis == Basis.PROVEN:
        return f"Tier {tier.sought} sought, Tier {tier.reached} proven"
    return f"Tier {tier.sought} sought, Tier {tier.reached} reached (attested, not proven)"


def unmet_text(row: RoleRow) -> str:
    """The Unmet cell: ``2``, or ``0 + 1 conflict`` when declarations contradict the role (a row
    can be unmet with no requirement unmet)."""
    text = str(row.unmet)
    return text + f" + {plural(row.conflicts, 'conflict')}" if row.conflicts else text


def tier_short(tier: TierMark) -> str:
    """``3 / 1 proven`` for narrow columns: sought / reached and its basis."""
    basis = "proven" if tier.basis == Basis.PROVEN else "attested"
    return f"{tier.sought} / {tier.reached} {basis}"


def first_problem(entry: OrganizationEntry) -> str:
    """The problem's first line, and how many more there are."""
    assert entry.problem is not None
    lines = entry.problem.lines
    more = f" (and {plural(len(lines) - 1, 'more problem')})" if len(lines) > 1 else ""
    return lines[0] + more


def totals_text(t: Totals) -> str:
    """``12 organizations: 2 met, 4 attested, 5 unmet, 1 bad input``."""
    parts = [f"{n} {word}" for n, word in (
        (t.met, "met"), (t.attested, "attested"), (t.unmet, "unmet"),
        (t.bad_input, "bad input"), (t.internal_error, "internal error"),
    ) if n]
    return f"{plural(t.organizations, 'organization')}: {', '.join(parts) or 'none'}"


RESULT_WORDS = {
    0: "every organization meets its required conditions or attests them",
    1: "some organizations have something required unmet",
    2: "some organization files could not be checked (bad input)",
    3: "hiecheck failed on some organizations (internal error)",
}


def result_status(portfolio: Portfolio) -> str:
    """The status whose mark the overall result shows."""
    if portfolio.exit_code >= 2:
        return "error"
    if portfolio.exit_code == 1:
        return Standing.UNMET
    return Standing.ATTESTED if portfolio.totals.attested else Standing.MET


def result_text(portfolio: Portfolio) -> str:
    """What the run's exit code means."""
    return f"{RESULT_WORDS.get(portfolio.exit_code, 'unknown')} (exit {portfolio.exit_code})"


# ----------------------------------------------------------------------------- roll-ups


def requirement_text(req: RequirementRollup, organizations: int) -> str:
    """An interface requirement: ``2 of 5 lack proof: HL7 data interface sending real-time ADT
    messages (1 attested, 1 unmet)`` or ``proven for all 3: …``; one the organization file
    declares: ``Letter of Direction to HealthInfoNet: 3 attested, 2 unmet``."""
    title = short_title(req.label)[0]
    s = req.status
    judged = s.met + s.attested + s.unmet
    if not judged:
        return f"{title}: not needed by any of {organizations} (another path is used)"
    counts = [f"{n} {w}" for n, w in ((s.met, "met"), (s.attested, "attested"),
                                      (s.unmet, "unmet"), (s.not_applicable, "not needed")) if n]
    if req.kind != "interface":
        return f"{title}: {', '.join(counts)}"
    if s.not_proven == 0:
        return f"proven for all {judged}: {title}"
    detail = ", ".join(f"{n} {w}" for n, w in ((s.attested, "attested"), (s.unmet, "unmet")) if n)
    return f"{s.not_proven} of {judged} lack proof: {title} ({detail})"


def role_text(role: RoleRollup) -> str:
    """``Community Care Teams, non-HOME provider [cct]: 5 organizations — 1 met, 2 unmet``."""
    s = role.status
    parts = [f"{n} {status_text(w)}" for n, w in (
        (s.met, "met"), (s.attested, "attested"), (s.unmet, "unmet"),
        (s.not_applicable, "not_applicable"),
    ) if n]
    return f"{role.name} [{role.role}]: {plural(role.organizations, 'organization')} — " + (
        ", ".join(parts)
    )


def incentive_text(inc: IncentiveRollup) -> str:
    """``Higher reimbursement: applies to 2 (1 proven), within reach for 3``."""
    applies = inc.applies_proven + inc.applies_attested
    parts = []
    if applies:
        parts.append(f"applies to {applies} ({inc.applies_proven} proven)")
    if inc.within_reach:
        parts.append(f"within reach for {inc.within_reach}")
    if inc.not_applicable:
        parts.append(f"not applicable to {inc.not_applicable}")
    sought = f"; sought by {inc.sought}" if inc.sought else ""
    return f"{inc.name}: {', '.join(parts) or 'none'}{sought}"


def tier_lines(program: ProgramRollup) -> list[str]:
    """``2 of 4 practices prove Tier 2 or higher`` and one line per level."""
    if not program.tiers:
        return []
    levels = [t.level for t in program.tiers]
    out: list[str] = []
    for level in levels[1:]:
        proving = sum(t.proven for t in program.tiers if t.level >= level)
        higher = " or higher" if level < levels[-1] else ""
        out.append(f"prove Tier {level}{higher}: {proving} of "
                   f"{plural(program.organizations, 'practice')}")
    out += [
        f"Tier {t.level}: sought by {t.sought}, reached by {t.reached}, proven by {t.proven}"
        for t in program.tiers
    ]
    return out


# ----------------------------------------------------------------------------- changes


def _tier_level(value: str | None) -> str:
    return "none" if value in (None, "0") else f"Tier {value}"


_CHANGE_WORDS: dict[ChangeKind, Callable[[Change], str]] = {
    ChangeKind.ADDED: lambda c: "added to the portfolio",
    ChangeKind.REMOVED: lambda c: "no longer in the portfolio",
    ChangeKind.MOVED: lambda c: f"same organization, file moved from {c.before}",
    ChangeKind.INPUT_FIXED: lambda c: f"its file can be checked again (it was bad input: "
    f"{c.before})",
    ChangeKind.INPUT_BROKEN: lambda c: f"its file is now bad input: {c.after}",
    ChangeKind.ROLE_ADDED: lambda c: f"{c.role}: newly enrolled ({status_text(c.after or '')})",
    ChangeKind.ROLE_REMOVED: lambda c: f"{c.role}: no longer enrolled",
    ChangeKind.NEWLY_MET: lambda c: f"{c.role}: newly met ({_arrow(c)})",
    ChangeKind.NOW_PROVEN: lambda c: f"{c.role}: now proven ({_arrow(c)})",
    ChangeKind.REGRESSED: lambda c: f"{c.role}: regressed ({_arrow(c)})",
    ChangeKind.STATUS_CHANGED: lambda c: f"{c.role}: {_arrow(c)}",
    ChangeKind.TIER_UP: lambda c: f"{c.role}: PCPlus tier proven up, {_tier_level(c.before)} → "
    f"{_tier_level(c.after)}",
    ChangeKind.TIER_DOWN: lambda c: f"{c.role}: PCPlus tier proven down, "
    f"{_tier_level(c.before)} → {_tier_level(c.after)}",
    ChangeKind.REQUIREMENT_IMPROVED: lambda c: f"{c.role}: requirement {c.requirement} "
    f"{_arrow(c)}",
    ChangeKind.REQUIREMENT_REGRESSED: lambda c: f"{c.role}: requirement {c.requirement} "
    f"{_arrow(c)}",
}

CHANGE_STATUS = {
    ChangeKind.ADDED: "attested", ChangeKind.REMOVED: "not_applicable",
    ChangeKind.MOVED: "not_applicable", ChangeKind.INPUT_FIXED: "met",
    ChangeKind.INPUT_BROKEN: "error", ChangeKind.ROLE_ADDED: "attested",
    ChangeKind.ROLE_REMOVED: "not_applicable", ChangeKind.NEWLY_MET: "met",
    ChangeKind.NOW_PROVEN: "met", ChangeKind.REGRESSED: "unmet",
    ChangeKind.STATUS_CHANGED: "attested", ChangeKind.TIER_UP: "met",
    ChangeKind.TIER_DOWN: "unmet", ChangeKind.REQUIREMENT_IMPROVED: "met",
    ChangeKind.REQUIREMENT_REGRESSED: "unmet",
}
"""The status whose mark and colour a change shows (better: met; worse: unmet)."""

CHANGE_MARK_WORDS = {
    "met": "better", "unmet": "worse", "error": "worse", "attested": "changed",
    "not_applicable": "changed",
}
"""A change's direction in a word (so it is never told by colour alone)."""


def _arrow(c: Change) -> str:
    return f"{status_text(c.before or '')} → {status_text(c.after or '')}"


def change_text(change: Change) -> str:
    """What one change means, without the organization's name."""
    return _CHANGE_WORDS[change.kind](change)


def note_text(note: CompareNote) -> str:
    """A difference between the two runs, and what it means for the changes."""
    if note.kind is NoteKind.AS_OF:
        return (f"the previous run used the rules in force on {note.previous}, this one those "
                f"of {note.current}: some changes may come from the rules, not the organizations")
    if note.kind is NoteKind.PROGRAM_VERSION:
        return (f"program {note.subject}: profile version {note.previous or 'none'} then, "
                f"{note.current or 'none'} now")
    if note.kind is NoteKind.HIECHECK_VERSION:
        return f"hiecheck {note.previous} made the previous run, {note.current} this one"
    return f"--strict was {note.previous} then and is {note.current} now"


@dataclass(frozen=True)
class ChangeGroup:
    """The changes of one organization, for renderers that list them by organization."""

    key: str
    organization: str
    changes: list[Change]


def grouped_changes(changes: list[Change]) -> list[ChangeGroup]:
    """Changes by organization key, in key order (the order :func:`compare` gives)."""
    groups: dict[str, ChangeGroup] = {}
    for change in changes:
        group = groups.get(change.key)
        if group is None:
            group = groups[change.key] = ChangeGroup(
                change.key, change.organization or change.key, []
            )
        group.changes.append(change)
    return list(groups.values())


def change_counts(changes: list[Change]) -> str:
    """``3 newly met, 1 regressed, 2 added``."""
    counts = {kind: sum(1 for c in changes if c.kind is kind) for kind in ChangeKind}
    return ", ".join(f"{n} {status_text(kind.value)}" for kind, n in counts.items() if n) or (
        "none"
    )
