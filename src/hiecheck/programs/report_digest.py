"""What the table and markdown renderers share: short titles, deduplicated readings and steps.

Nothing here changes the report model (the JSON stays as it is); it only decides what a person
reads once instead of once per role.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from hiecheck.programs.evaluate import ATTESTED_STEP, ATTESTED_WITH_MESSAGES_STEP
from hiecheck.programs.lines import NEEDED_FOR, Line
from hiecheck.programs.report import Report, RequirementResult, RoleReport
from hiecheck.programs.statuses import Participation, Status
from hiecheck.sources import Source

GENERAL_NOTES = (ATTESTED_STEP, ATTESTED_WITH_MESSAGES_STEP)
"""Next steps that explain statuses rather than ask for a change: shown once per report."""

PARTICIPATION_WORDS = {
    Participation.REQUIRED: "required",
    Participation.OPTIONAL: "optional",
    Participation.NOT_AVAILABLE: "not available",
    Participation.NOT_REQUIRED: "not required",
}
"""A role's HIE participation condition in words (table, markdown and `programs`)."""

_TITLE_LIMIT = 60
_SPLIT_WORDS = ("with", "authorizing", "carrying", "including")
_PARENS = re.compile(r"\s*\([^()]*\)")


def short_title(label: str, limit: int = _TITLE_LIMIT) -> tuple[str, str]:
    """A requirement label as a short title and the rest, e.g. ``("HL7 data interface sending
    real-time ADT messages", "with all patient demographics ...")``; short labels stay whole."""
    if len(label) <= limit:
        return label, ""
    depth = 0
    cut = -1
    words = label.split(" ")
    position = 0
    for n, word in enumerate(words):
        if depth == 0 and n > 0 and word in _SPLIT_WORDS:
            cut = position
            break
        depth += word.count("(") - word.count(")")
        position += len(word) + 1
    if cut < 0 and label.endswith(")") and " (" in label:
        cut = label.rindex(" (") + 1
    if cut < 0:
        short = _PARENS.sub("", label).strip()
        return (short, "") if len(short) <= limit else (label, "")
    head, rest = label[: cut - 1], label[cut:]
    short = _PARENS.sub("", head).strip()
    if len(short) > limit:
        return label, ""
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    return short, rest


def evidence_detail(req: RequirementResult) -> str:
    """The detail line of a requirement, without the problems its evidence lines repeat.

    ``"the 11 ADT/ORU messages do not show it: PR1-3 never valued ...; no laboratory OBX ..."``
    becomes ``"the 11 ADT/ORU messages do not show it"`` when every listed problem is an evidence
    line of its own."""
    if req.source != "evidence" or ": " not in req.detail:
        return req.detail
    head, _, tail = req.detail.partition(": ")
    problems = tail.split("; ")
    lines = [line.text for line in req.evidence]
    if all(any(line.startswith(p) for line in lines) for p in problems):
        return head
    return req.detail


def is_problem(line: Line) -> bool:
    """Whether an evidence line names something missing (it says what it is needed for)."""
    return line.needed_for is not None


def merge_needed_for(items: Iterable[str]) -> list[str]:
    """Merge items that differ only in what they are needed for, keeping the first's place:
    ``X`` needed for ``PCPlus Tier III`` + ``X`` needed for ``PCPlus Tier II`` →
    ``X — needed for PCPlus Tier II and Tier III``."""
    order: list[str] = []
    targets: dict[str, list[str]] = {}
    for item in map(Line.of, items):
        head, target = item.text, item.needed_for
        if head not in targets:
            order.append(head)
            targets[head] = []
        if target is not None and target not in targets[head]:
            targets[head].append(target)
    return [
        head + (NEEDED_FOR + _join_targets(targets[head]) if targets[head] else "")
        for head in order
    ]


def _join_targets(targets: list[str]) -> str:
    targets = sorted(targets)
    if len(targets) == 1:
        return targets[0]
    first = targets[0].split(" ", 1)[0]
    if all(t.startswith(first + " ") for t in targets):
        rest = [t[len(first) + 1 :] for t in targets]
        return f"{first} {', '.join(rest[:-1])} and {rest[-1]}"
    return f"{', '.join(targets[:-1])} and {targets[-1]}"


def role_steps(role: RoleReport) -> list[str]:
    """A role's next steps without the general notes (those are shown once per report)."""
    return merge_needed_for([s for s in role.next_steps if s not in GENERAL_NOTES])


def general_notes(report: Report) -> list[str]:
    """General notes any role carries, once each."""
    return [n for n in GENERAL_NOTES if any(n in r.next_steps for r in report.roles)]


def fix_checklist(report: Report) -> list[str]:
    """Every change the organization can make, once each, most urgent first: unmet fixes, tier
    gaps, then the roles' next steps."""
    items: list[Line] = []
    for role in report.roles:
        for req in role.requirements:
            if req.status == Status.UNMET and (req.blocking or req.source == "evidence"):
                items += req.fixes
        if role.tier is not None:
            items += role.tier.checklist_for_next
        items += [s for s in role.next_steps if s not in GENERAL_NOTES]
    return merge_needed_for(list(dict.fromkeys(items)))


@dataclass
class ReadingGroup:
    """Readings shared by some roles: shown once, under the roles they apply to."""

    roles: list[RoleReport]
    every_role: bool
    texts: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        """``Every program in this report`` or the names of the roles."""
        if self.every_role and len(self.roles) > 1:
            return "Every program in this report"
        return "; ".join(r.name for r in self.roles)


def grouped_readings(report: Report) -> list[ReadingGroup]:
    """The report's readings, each text once, grouped by the roles that carry it (roles in report
    order; readings every role carries come first)."""
    where: dict[str, list[str]] = {}
    for role in report.roles:
        for reading in role.readings:
            ids = where.setdefault(reading.text, [])
            if role.id not in ids:
                ids.append(role.id)
    roles = {r.id: r for r in report.roles}
    groups: dict[tuple[str, ...], ReadingGroup] = {}
    for text, ids in where.items():
        group = groups.setdefault(
            tuple(ids), ReadingGroup([roles[i] for i in ids], len(ids) == len(roles))
        )
        group.texts.append(text)
    return sorted(groups.values(), key=lambda g: -len(g.roles))


@dataclass
class ContactGroup:
    """One address the report names, with everything it is the contact for."""

    name: str
    email: str
    about: list[str]


def report_contacts(report: Report) -> list[ContactGroup]:
    """Every contact of every role once, by e-mail address, in report order."""
    groups: dict[str, ContactGroup] = {}
    for role in report.roles:
        for c in role.contacts:
            group = groups.setdefault(c.email, ContactGroup(c.name, c.email, []))
            if c.about not in group.about:
                group.about.append(c.about)
    return list(groups.values())


@dataclass
class CitedDocument:
    """A document a role's rules come from, named by title, with the sections cited."""

    source: Source
    sections: list[str]

    def text(self) -> str:
        """``HealthInfoNet, “Coordinating …”, sections “A”, “B”`` (and the address if known)."""
        word = "section" if len(self.sections) == 1 else "sections"
        where = ", ".join(f"“{s}”" for s in self.sections)
        url = f" ({self.source.url})" if self.source.url else ""
        return f"{self.source.cite()}{url}, {word} {where}"


def role_documents(report: Report, role: RoleReport) -> list[CitedDocument]:
    """The documents behind a role, each once with its sections, in the order first cited."""
    found: dict[str, CitedDocument] = {}
    for citation in role.citations:
        doc = found.setdefault(citation.source, CitedDocument(report.source_of(citation), []))
        if citation.section not in doc.sections:
            doc.sections.append(citation.section)
    return list(found.values())


def shared_contacts(report: Report) -> list[str]:
    """E-mail addresses every role lists (shown once at the end when there are several roles)."""
    if len(report.roles) < 2:
        return []
    sets = [{c.email for c in r.contacts} for r in report.roles]
    common = set.intersection(*sets)
    return [c.email for c in report.roles[0].contacts if c.email in common]
