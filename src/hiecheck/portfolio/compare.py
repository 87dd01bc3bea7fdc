"""What changed since a previous portfolio run (``--compare previous.json``).

Organizations are matched by key (the file's path relative to the folder given, see
:mod:`hiecheck.portfolio.inputs`); one whose key is in only one of the runs is matched by its
organization name when that name belongs to exactly one unmatched organization of each run (a
file moved or renamed: ``moved``), and is otherwise ``added`` or ``removed``. Roles are matched
by role id, requirements by requirement id. A previous run made on another rules date, with
other profile versions, another hiecheck version or another ``--strict`` is still compared;
the differences are listed as notes first.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pydantic import ValidationError

from hiecheck.errors import InputError
from hiecheck.limits import MIB, read_bounded
from hiecheck.portfolio.model import (
    FORMAT_VERSION,
    Change,
    ChangeKind,
    Changes,
    CompareNote,
    NoteKind,
    OrganizationEntry,
    Portfolio,
    RoleRow,
)
from hiecheck.programs.statuses import Status
from hiecheck.tomlfile import key_path

PORTFOLIO_MAX_BYTES = 256 * MIB
"""Largest previous portfolio read (about 50,000 organizations)."""

_RANK = {Status.UNMET: 0, Status.ATTESTED: 1, Status.MET: 2}
_ORDER = {kind: n for n, kind in enumerate(ChangeKind)}
_NOT_A_PORTFOLIO = "is not a portfolio written by `hiecheck check FOLDER --format json`"


def load_previous(path: Path) -> Portfolio:
    """A previous portfolio run's JSON; anything else is bad input naming the file."""
    source = str(path)
    raw = read_bounded(path, PORTFOLIO_MAX_BYTES, "a portfolio JSON file")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(source, f"{_NOT_A_PORTFOLIO}: not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("kind") != "hiecheck-portfolio":
        raise InputError(source, _NOT_A_PORTFOLIO, location="kind",
                         expected='"kind": "hiecheck-portfolio"')
    if data.get("format_version") != FORMAT_VERSION:
        raise InputError(
            source, f"portfolio format version {data.get('format_version')!r} is not the one "
            "this hiecheck reads", location="format_version", expected=str(FORMAT_VERSION),
        )
    try:
        return Portfolio.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            source, f"{_NOT_A_PORTFOLIO}: {first['msg']}", location=key_path(first["loc"]) or None
        ) from None


def _notes(previous: Portfolio, current: Portfolio) -> list[CompareNote]:
    notes: list[CompareNote] = []
    if previous.as_of != current.as_of:
        notes.append(CompareNote(kind=NoteKind.AS_OF, previous=str(previous.as_of),
                                 current=str(current.as_of)))
    for program in sorted(set(previous.rules) | set(current.rules)):
        before, after = previous.rules.get(program), current.rules.get(program)
        if before != after:
            notes.append(CompareNote(kind=NoteKind.PROGRAM_VERSION, subject=program,
                                     previous=before, current=after))
    if previous.hiecheck_version != current.hiecheck_version:
        notes.append(CompareNote(kind=NoteKind.HIECHECK_VERSION,
                                 previous=previous.hiecheck_version,
                                 current=current.hiecheck_version))
    if previous.strict != current.strict:
        notes.append(CompareNote(kind=NoteKind.STRICT, previous=str(previous.strict).lower(),
                                 current=str(current.strict).lower()))
    return notes


def role_change(before: Status, after: Status) -> ChangeKind | None:
    """How a role's status moved, if it did."""
    if before == after:
        return None
    if after == Status.UNMET or (before == Status.MET and after == Status.ATTESTED):
        return ChangeKind.REGRESSED
    if before == Status.UNMET:
        return ChangeKind.NEWLY_MET
    if before == Status.ATTESTED and after == Status.MET:
        return ChangeKind.NOW_PROVEN
    return ChangeKind.STATUS_CHANGED


def _requirement_change(before: Status, after: Status) -> ChangeKind | None:
    if before not in _RANK or after not in _RANK or before == after:
        return None  # "not applicable" on either side: another path is used, nothing to judge
    if _RANK[after] > _RANK[before]:
        return ChangeKind.REQUIREMENT_IMPROVED
    return ChangeKind.REQUIREMENT_REGRESSED


def _proven(row: RoleRow) -> int:
    return (row.tier.proven or 0) if row.tier is not None else 0


def _role(key: str, name: str | None, before: RoleRow, after: RoleRow) -> list[Change]:
    out: list[Change] = []

    def add(kind: ChangeKind, old: object, new: object, requirement: str | None = None) -> None:
        out.append(Change(kind=kind, key=key, organization=name, role=after.role,
                          requirement=requirement, before=str(old), after=str(new)))

    kind = role_change(before.status, after.status)
    if kind is not None:
        add(kind, before.status, after.status)
    if before.tier is not None and after.tier is not None and _proven(before) != _proven(after):
        up = _proven(after) > _proven(before)
        add(ChangeKind.TIER_UP if up else ChangeKind.TIER_DOWN, _proven(before), _proven(after))
    old = {r.id: r.status for r in before.requirements}
    for req in after.requirements:
        if req.id in old and (found := _requirement_change(old[req.id], req.status)):
            add(found, old[req.id], req.status, req.id)
    return out


def _organization(before: OrganizationEntry, after: OrganizationEntry) -> list[Change]:
    key, name = after.key, after.name or before.name
    if before.problem is not None or after.problem is not None:
        if before.problem is not None and after.problem is None:
            return [Change(kind=ChangeKind.INPUT_FIXED, key=key, organization=name,
                           before=before.problem.lines[0])]
        if before.problem is None and after.problem is not None:
            return [Change(kind=ChangeKind.INPUT_BROKEN, key=key, organization=name,
                           after=after.problem.lines[0])]
        return []
    out: list[Change] = []
    old = {r.role: r for r in before.roles}
    new = {r.role: r for r in after.roles}
    for role in old.keys() - new.keys():
        out.append(Change(kind=ChangeKind.ROLE_REMOVED, key=key, organization=name, role=role,
                          before=str(old[role].status)))
    for row in after.roles:
        if row.role not in old:
            out.append(Change(kind=ChangeKind.ROLE_ADDED, key=key, organization=name,
                              role=row.role, after=str(row.status)))
        else:
            out += _role(key, name, old[row.role], row)
    return out


def _pairs(
    previous: list[OrganizationEntry], current: list[OrganizationEntry]
) -> tuple[list[tuple[OrganizationEntry, OrganizationEntry]], list[Change]]:
    """Matched (previous, current) entries, and the moved, added and removed ones."""
    old = {e.key: e for e in previous}
    new = {e.key: e for e in current}
    pairs = [(old[k], new[k]) for k in new if k in old]
    gone = [e for e in previous if e.key not in new]
    came = [e for e in current if e.key not in old]
    gone_names = Counter(e.name for e in gone if e.name)
    came_names = Counter(e.name for e in came if e.name)
    moved = {
        e.name: e for e in gone if e.name and gone_names[e.name] == 1 and came_names[e.name] == 1
    }
    changes: list[Change] = []
    for entry in came:
        if entry.name in moved:
            before = moved.pop(entry.name)
            changes.append(Change(kind=ChangeKind.MOVED, key=entry.key, organization=entry.name,
                                  before=before.key, after=entry.key))
            pairs.append((before, entry))
        else:
            changes.append(Change(kind=ChangeKind.ADDED, key=entry.key, organization=entry.name))
    matched = {b.key for b, _ in pairs}
    changes += [
        Change(kind=ChangeKind.REMOVED, key=e.key, organization=e.name)
        for e in gone
        if e.key not in matched
    ]
    return pairs, changes


def compare(previous: Portfolio, current: Portfolio, previous_name: str) -> Changes:
    """Every change from ``previous`` to ``current``, by key, role and kind."""
    pairs, changes = _pairs(previous.organizations, current.organizations)
    moved = {c.key for c in changes if c.kind is ChangeKind.MOVED}
    unchanged = 0
    for before, after in pairs:
        found = _organization(before, after)
        unchanged += not found and after.key not in moved
        changes += found
    changes.sort(key=lambda c: (c.key, c.role or "", _ORDER[c.kind], c.requirement or ""))
    return Changes(
        previous=previous_name,
        previous_as_of=previous.as_of,
        notes=_notes(previous, current),
        changes=changes,
        unchanged=unchanged,
    )
