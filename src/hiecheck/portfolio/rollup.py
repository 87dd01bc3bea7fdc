"""Roll-ups: the portfolio's rows counted per program, role, requirement, incentive and tier.

The programs and roles come from the rules in force (a :class:`Catalog`), so roll-ups list them
in profile order with their names, and every PCPlus tier level, also one nobody seeks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hiecheck.portfolio.model import (
    IncentiveRollup,
    OrganizationEntry,
    ProblemKind,
    ProgramRollup,
    RequirementRollup,
    RoleRollup,
    RoleRow,
    TierRollup,
    Totals,
)
from hiecheck.programs.profile_loader import ProfileSet
from hiecheck.programs.statuses import Basis, IncentiveStatus, Participation, Standing


@dataclass(frozen=True)
class RoleInfo:
    """A role of a program in force."""

    id: str
    name: str
    participation: Participation
    tier_level: int | None


@dataclass(frozen=True)
class ProgramInfo:
    """A program in force and its roles, in profile order."""

    program: str
    name: str
    version: str
    roles: tuple[RoleInfo, ...]

    @property
    def tier_levels(self) -> list[int]:
        """The PCPlus tier levels of its roles (none for other programs)."""
        return sorted({r.tier_level for r in self.roles if r.tier_level is not None})


Catalog = tuple[ProgramInfo, ...]
"""The programs in force, by program id."""


def catalog(programs: ProfileSet) -> Catalog:
    """What the roll-ups need to know of the rules: programs, roles, tier levels."""
    return tuple(
        ProgramInfo(
            program=p.program,
            name=p.name,
            version=p.version,
            roles=tuple(
                RoleInfo(r.id, r.name, r.participation, r.tier.level if r.tier else None)
                for r in p.roles
            ),
        )
        for p in sorted((lp.profile for lp in programs.in_force.values()),
                        key=lambda p: p.program)
    )


def totals(entries: Iterable[OrganizationEntry]) -> Totals:
    """Organizations counted by result (or problem) and role rows."""
    out = Totals()
    for entry in entries:
        out.organizations += 1
        out.roles += len(entry.roles)
        if entry.messages is not None:
            out.with_messages += 1
        if entry.problem is not None:
            if entry.problem.kind is ProblemKind.BAD_INPUT:
                out.bad_input += 1
            else:
                out.internal_error += 1
        elif entry.result == Standing.MET:
            out.met += 1
        elif entry.result == Standing.ATTESTED:
            out.attested += 1
        else:
            out.unmet += 1
    return out


def _role(rollup: RoleRollup, row: RoleRow) -> None:
    rollup.organizations += 1
    rollup.status.add(row.status)
    by_id = {r.id: r for r in rollup.requirements}
    for mark in row.requirements:
        req = by_id.get(mark.id)
        if req is None:
            req = RequirementRollup(id=mark.id, kind=mark.kind, label=mark.label)
            rollup.requirements.append(req)
            by_id[mark.id] = req
        req.status.add(mark.status)
        req.blocking += mark.blocking


def _incentives(program: ProgramRollup, row: RoleRow) -> None:
    by_id = {i.id: i for i in program.incentives}
    for mark in row.incentives:
        inc = by_id.get(mark.id)
        if inc is None:
            inc = IncentiveRollup(id=mark.id, name=mark.name)
            program.incentives.append(inc)
            by_id[mark.id] = inc
        inc.sought += mark.sought
        if mark.status == IncentiveStatus.APPLIES:
            if mark.basis == Basis.PROVEN:
                inc.applies_proven += 1
            else:
                inc.applies_attested += 1
        elif mark.status == IncentiveStatus.WITHIN_REACH:
            inc.within_reach += 1
        else:
            inc.not_applicable += 1


def _tiers(program: ProgramRollup, row: RoleRow) -> None:
    if row.tier is None:
        return
    levels = {t.level: t for t in program.tiers}
    for level, field in ((row.tier.sought, "sought"), (row.tier.reached, "reached"),
                         (row.tier.proven, "proven")):
        if level is None:
            continue
        tier = levels.get(level)
        if tier is None:  # a level the catalog does not know (a previous run's rules)
            tier = levels[level] = TierRollup(level=level)
            program.tiers.append(tier)
            program.tiers.sort(key=lambda t: t.level)
        setattr(tier, field, getattr(tier, field) + 1)


def rollups(entries: Iterable[OrganizationEntry], known: Catalog) -> list[ProgramRollup]:
    """Every program with at least one organization: its roles (profile order), their
    requirements, the program's incentives and its tier levels."""
    programs = {
        info.program: ProgramRollup(
            program=info.program, name=info.name,
            tiers=[TierRollup(level=level) for level in info.tier_levels],
        )
        for info in known
    }
    roles: dict[str, RoleRollup] = {}
    position = {r.id: n for info in known for n, r in enumerate(info.roles)}
    seen: dict[str, set[str]] = {}
    for entry in entries:
        for row in entry.roles:
            program = programs.get(row.program)
            if program is None:  # a program no longer in force (never from one run)
                program = programs[row.program] = ProgramRollup(program=row.program,
                                                                name=row.program)
            seen.setdefault(row.program, set()).add(entry.key)
            rollup = roles.get(row.role)
            if rollup is None:
                rollup = roles[row.role] = RoleRollup(
                    role=row.role, name=row.name, participation=row.participation
                )
                program.roles.append(rollup)
            _role(rollup, row)
            _incentives(program, row)
            _tiers(program, row)
    out: list[ProgramRollup] = []
    for program_id, program in programs.items():
        if program_id not in seen:
            continue
        program.organizations = len(seen[program_id])
        program.roles.sort(key=lambda r: (position.get(r.role, len(position)), r.role))
        out.append(program)
    return out
