"""A check report (or the problem that stopped it) as a portfolio entry: one row per role.

Runs in the worker that checked the organization, so only the small entry travels back to the
main process, never the whole report.
"""

from __future__ import annotations

from hiecheck.console import display_path
from hiecheck.errors import ExitCode, InputError
from hiecheck.portfolio.model import (
    IncentiveMark,
    OrganizationEntry,
    Problem,
    ProblemKind,
    RequirementMark,
    RoleRow,
    TierMark,
)
from hiecheck.programs.evaluate import ATTESTED_STEP, ATTESTED_WITH_MESSAGES_STEP
from hiecheck.programs.lines import Line
from hiecheck.programs.report import Report, RoleReport, TierResult
from hiecheck.programs.statuses import Basis, Status

GENERAL_NOTES = frozenset({ATTESTED_STEP, ATTESTED_WITH_MESSAGES_STEP})
"""Next steps that explain statuses rather than ask for a change: never a row's first step."""


def _tier(tier: TierResult) -> TierMark:
    return TierMark(
        sought=tier.sought,
        reached=tier.reached,
        basis=tier.basis,
        proven=tier.reached if tier.basis == Basis.PROVEN else None,
        next_tier=tier.next_tier,
    )


def first_step(role: RoleReport) -> Line | None:
    """The role's first next step that asks for a change."""
    return next((s for s in role.next_steps if s not in GENERAL_NOTES), None)


def role_row(role: RoleReport) -> RoleRow:
    """One role of a check report as a portfolio row."""
    return RoleRow(
        role=role.id,
        program=role.program,
        name=role.name,
        participation=role.participation,
        status=role.status,
        unmet=sum(1 for r in role.requirements if r.status == Status.UNMET and r.blocking),
        tier=_tier(role.tier) if role.tier is not None else None,
        next_step=first_step(role),
        conflicts=sum(1 for f in role.findings if f.severity == "error"),
        requirements=[
            RequirementMark(
                id=r.id, kind=r.kind, label=r.label, status=r.status, blocking=r.blocking,
                source=r.source,
            )
            for r in role.requirements
        ],
        incentives=[
            IncentiveMark(
                id=i.id, name=i.name, status=i.status, basis=i.basis, sought=i.sought,
                missing=len(i.missing),
            )
            for i in role.incentives
        ],
    )


def entry_of_report(key: str, file: str, report: Report) -> OrganizationEntry:
    """An organization checked."""
    return OrganizationEntry(
        key=key,
        file=file,
        name=report.organization,
        result=report.result,
        exit_code=report.exit_code,
        messages=report.messages.messages if report.messages is not None else None,
        roles=[role_row(r) for r in report.roles],
    )


def entry_of_problem(
    key: str, file: str, name: str | None, lines: list[str], kind: ProblemKind
) -> OrganizationEntry:
    """An organization that gave no report: bad input (exit 2) or a bug (exit 3). Undecodable
    file names in the lines are shown with their bytes as ``\\xff`` (JSON can carry them)."""
    code = ExitCode.BAD_INPUT if kind is ProblemKind.BAD_INPUT else ExitCode.INTERNAL
    return OrganizationEntry(
        key=key, file=file, name=name, result=None, exit_code=int(code),
        problem=Problem(kind=kind, lines=[display_path(" ".join(line.split())) for line in lines]),
    )


def entry_of_input_error(
    key: str, file: str, name: str | None, error: InputError
) -> OrganizationEntry:
    """An organization whose file or messages are bad input: every problem line."""
    return entry_of_problem(key, file, name, error.lines(), ProblemKind.BAD_INPUT)
