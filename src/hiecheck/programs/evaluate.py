"""Evaluate an organization against the program profiles in force: the `check` report.

Per enrolled role, in order: assess every requirement (declaration, then evidence), pick the best
path, climb the PCPlus tier ladder, judge the incentives, list the requirements with what they are
needed for, derive the role's status, flag conflicts, and gather the next steps, readings and
contacts. Each step is one function below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from hiecheck.console import display_path
from hiecheck.errors import ExitCode
from hiecheck.measures.models import CbpSummary
from hiecheck.programs.content_groups import ContentGroups
from hiecheck.programs.declarations import declared_status
from hiecheck.programs.evidence_protocol import EvidenceSource
from hiecheck.programs.lines import Line
from hiecheck.programs.messages_summary import MessagesSummary
from hiecheck.programs.models import Incentive, Path, ProgramProfile, Role
from hiecheck.programs.organization import (
    LoadedOrganization,
    ResolvedEnrollment,
    resolve_enrollments,
)
from hiecheck.programs.profile_loader import ProfileSet
from hiecheck.programs.report import (
    ContactResult,
    IncentiveResult,
    OrgFinding,
    PathResult,
    ReadingNote,
    Report,
    RequirementResult,
    RoleReport,
    TierResult,
)
from hiecheck.programs.statuses import (
    RANK,
    Basis,
    IncentiveStatus,
    Participation,
    Standing,
    Status,
    weakest,
)
from hiecheck.sources import Source, Sources

ATTESTED_STEP = (
    "Items marked 'attested' are declared in your organization file but not yet proven; "
    "have hiecheck read your HL7 messages (or send samples to HealthInfoNet) to prove them."
)
ATTESTED_WITH_MESSAGES_STEP = (
    "Items marked 'attested' are declared in your organization file and cannot be shown by HL7 "
    "messages (e.g. HIE participation, Clinical Portal access, a Letter of Direction); "
    "HealthInfoNet confirms them with you."
)
CONFLICT_STEP = (
    "Check your HIE status with {hie_name} ({hie_email}) and correct [hie] participant "
    "in the organization file."
)


@dataclass(frozen=True)
class _Assessed:
    """One requirement as the declarations, then the evidence, judge it."""

    status: Standing
    detail: str
    evidence: tuple[Line, ...]
    from_evidence: bool = False
    fixes: tuple[Line, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()
    messages: tuple[str, ...] = ()


Assessed = dict[str, _Assessed]


def _fill(text: str, profile: ProgramProfile) -> str:
    for key, value in {
        "{hie_email}": profile.hie_contact.email,
        "{hie_name}": profile.hie_contact.name,
        "{program_email}": profile.contact.email,
        "{program_name}": profile.name,
    }.items():
        text = text.replace(key, value)
    return text


# ----------------------------------------------------------------------------- requirements


@dataclass(frozen=True)
class _Inputs:
    """What every role is judged on: the organization, the evidence, the content vocabulary."""

    loaded: LoadedOrganization
    evidence: EvidenceSource | None
    content: ContentGroups


def _assess_role(role: Role, given: _Inputs) -> Assessed:
    """Every requirement of ``role``: declared status, replaced by evidence where it answers."""
    out: Assessed = {}
    for req in role.requirements:
        found = given.evidence.assess(req, role) if given.evidence is not None else None
        if found is None:
            status, detail = declared_status(req, given.loaded.org, given.content)
            out[req.id] = _Assessed(Standing(status), detail, ())
        else:
            out[req.id] = _Assessed(
                Standing(found.status), found.detail, tuple(found.lines), True,
                tuple(found.fixes), tuple(found.counts.items()), tuple(found.messages),
            )
    return out


def _unmet(ids: Iterable[str], assessed: Assessed) -> list[str]:
    return [r for r in ids if assessed[r].status == Standing.UNMET]


def _steps_for(
    role: Role, ids: Iterable[str], assessed: Assessed, profile: ProgramProfile
) -> list[Line]:
    """Next steps for the unmet ones of ``ids``: the evidence's exact fixes where it has them
    (the profile's general step would only repeat them), else the profile's step."""
    return [
        step
        for rid in _unmet(ids, assessed)
        for step in (
            assessed[rid].fixes or (Line(_fill(role.requirement(rid).next_step, profile)),)
        )
    ]


def _missing(role: Role, ids: Iterable[str], assessed: Assessed) -> list[str]:
    """``label: detail`` of the unmet ones of ``ids``."""
    return [f"{role.requirement(r).label}: {assessed[r].detail}" for r in _unmet(ids, assessed)]


# ----------------------------------------------------------------------------- paths


def _standing(ids: Iterable[str], assessed: Assessed) -> Standing:
    return weakest([assessed[r].status for r in ids])


def _best_path(role: Role, assessed: Assessed) -> tuple[Path | None, Standing]:
    """The path closest to done (best status, then fewest unmet), and the condition status."""
    if not role.paths:
        return None, Standing.MET

    def score(p: Path) -> tuple[int, int]:
        return (RANK[_standing(p.requires, assessed)], -len(_unmet(p.requires, assessed)))

    best = max(role.paths, key=score)
    return best, _standing(best.requires, assessed)


def _proven(path: Path | None, assessed: Assessed) -> bool:
    """A path is proven when every requirement evidence answered for is met (at least one)."""
    if path is None:
        return True
    answered = [assessed[r] for r in path.requires if assessed[r].from_evidence]
    return bool(answered) and all(a.status == Standing.MET for a in answered)


# ----------------------------------------------------------------------------- PCPlus tiers


@dataclass(frozen=True)
class _Rung:
    """One tier of the ladder as the organization stands on it."""

    role: Role
    path: Path | None
    status: Standing
    assessed: Assessed

    @property
    def level(self) -> int:
        assert self.role.tier is not None
        return self.role.tier.level


def _ladder(enr: ResolvedEnrollment, given: _Inputs) -> dict[int, _Rung]:
    """Every tier of the program, assessed, by level."""
    rungs: dict[int, _Rung] = {}
    for role in enr.profile.roles:
        if role.tier is None:
            continue
        assessed = _assess_role(role, given)
        path, status = _best_path(role, assessed)
        rungs[role.tier.level] = _Rung(role, path, status, assessed)
    return dict(sorted(rungs.items()))


def _next_tier_gap(
    rung: _Rung, profile: ProgramProfile, sought: int, reached: int
) -> tuple[list[str], list[Line], list[Line]]:
    """What the next tier lacks: missing items, the checklist of fixes, and next steps (only
    while the tier sought is not reached)."""
    if rung.path is None:
        return _missing(rung.role, (), rung.assessed), [], []
    requires = rung.path.requires
    checklist: list[Line] = []
    for rid in _unmet(requires, rung.assessed):
        checklist += list(rung.assessed[rid].fixes) or [
            Line(_fill(rung.role.requirement(rid).next_step, profile))
        ]
    steps = _steps_for(rung.role, requires, rung.assessed, profile) if reached < sought else []
    return _missing(rung.role, requires, rung.assessed), checklist, steps


def _tier(enr: ResolvedEnrollment, given: _Inputs) -> tuple[TierResult, list[Line]]:
    """The PCPlus tier ladder of the program, and next steps toward the next tier."""
    tier = enr.role.tier
    assert tier is not None
    rungs = _ladder(enr, given)
    holding = [level for level, rung in rungs.items() if rung.status != Standing.UNMET]
    reached = max(holding) if holding else min(rungs)
    top = rungs[reached]
    proven = top.status == Standing.MET or (
        top.status == Standing.ATTESTED and _proven(top.path, top.assessed)
    )
    higher = [level for level in rungs if level > reached]
    next_tier = min(higher) if higher else None
    missing: list[str] = []
    checklist: list[Line] = []
    steps: list[Line] = []
    if next_tier is not None:
        missing, checklist, steps = _next_tier_gap(
            rungs[next_tier], enr.profile, tier.level, reached
        )
    pmpm = {level: rung.role.tier.pmpm_usd for level, rung in rungs.items() if rung.role.tier}
    result = TierResult(
        sought=tier.level,
        reached=reached,
        basis=Basis.PROVEN if proven else Basis.ATTESTED,
        next_tier=next_tier,
        missing_for_next=missing,
        checklist_for_next=list(dict.fromkeys(checklist)),
        pmpm_usd=pmpm,
        pmpm_reached_usd=pmpm[reached],
        pmpm_sought_usd=pmpm[tier.level],
        difference_sought_vs_reached_usd=pmpm[tier.level] - pmpm[reached],
        difference_next_vs_reached_usd=(
            pmpm[next_tier] - pmpm[reached] if next_tier is not None else None
        ),
        pmpm_citation=tier.pmpm_citation,
    )
    return result, steps


# ----------------------------------------------------------------------------- one role


@dataclass(frozen=True)
class _RoleState:
    """What every step of one role's report reads: the role, its assessment and best path."""

    enr: ResolvedEnrollment
    assessed: Assessed
    best: Path | None
    condition: Standing

    @property
    def role(self) -> Role:
        return self.enr.role

    @property
    def profile(self) -> ProgramProfile:
        return self.enr.profile

    @property
    def required(self) -> bool:
        return self.role.participation == Participation.REQUIRED

    @property
    def sought(self) -> list[Incentive]:
        """The role's incentives the enrollment lists in ``incentives_sought``."""
        wanted = set(self.enr.enrollment.incentives_sought)
        return [i for i in self.role.incentives if i.id in wanted]

    def steps_for(self, ids: Iterable[str]) -> list[Line]:
        return _steps_for(self.role, ids, self.assessed, self.profile)


def _incentive(
    state: _RoleState, inc: Incentive, tier: TierResult | None
) -> tuple[IncentiveResult, list[Line]]:
    """Whether one incentive applies (and on what basis), what it lacks, and steps toward it."""
    role, assessed = state.role, state.assessed
    missing = _missing(role, inc.requires, assessed)
    if inc.min_tier is not None and not (tier is not None and tier.reached >= inc.min_tier):
        missing.append(f"reach PCPlus Tier {inc.min_tier} (reached: Tier {tier and tier.reached})")
    steps: list[Line] = []
    basis: Basis | None = None
    if role.participation == Participation.NOT_AVAILABLE:
        status = IncentiveStatus.NOT_APPLICABLE
    elif missing:
        status = IncentiveStatus.WITHIN_REACH
        steps = state.steps_for(inc.requires)
        if inc.next_step:
            steps.append(Line(_fill(inc.next_step, state.profile)))
    else:
        proven = all(assessed[r].status == Standing.MET for r in inc.requires) and (
            inc.min_tier is None or (tier is not None and tier.basis == Basis.PROVEN)
        )
        status, basis = IncentiveStatus.APPLIES, (Basis.PROVEN if proven else Basis.ATTESTED)
    result = IncentiveResult(
        id=inc.id,
        name=inc.name,
        description=inc.description,
        status=status,
        basis=basis,
        sought=inc.id in state.enr.enrollment.incentives_sought,
        missing=missing,
        citation=inc.citation,
    )
    return result, steps


def _blocking_ids(state: _RoleState) -> set[str]:
    """Requirements of something the organization must have or seeks."""
    role = state.role
    ids: set[str] = set()
    if state.required:
        if state.condition != Standing.UNMET and state.best is not None:
            ids |= set(state.best.requires)
        else:
            ids |= {r for p in role.paths for r in p.requires}
    for inc in state.sought:
        ids |= set(inc.requires)
    return ids


def _needed_for(role: Role, rid: str, required: bool) -> list[str]:
    """What depends on a requirement: the condition (per path when there are several) and the
    incentives that name it."""
    needed: list[str] = []
    in_paths = [p for p in role.paths if rid in p.requires]
    if in_paths and required:
        what = role.tier.name if role.tier else "HIE participation condition"
        if len(role.paths) == 1:
            needed.append(what)
        else:
            needed += [f"{what} via path '{p.id}'" for p in in_paths]
    return needed + [f"incentive: {i.name}" for i in role.incentives if rid in i.requires]


def _requirements(state: _RoleState) -> list[RequirementResult]:
    """Every requirement with its status, what it is needed for and whether it blocks; an
    alternative the best path makes unnecessary is ``not_applicable``."""
    role, best = state.role, state.best
    blocking = _blocking_ids(state)
    out: list[RequirementResult] = []
    for req in role.requirements:
        a = state.assessed[req.id]
        status, detail = Status(a.status), a.detail
        in_paths = any(req.id in p.requires for p in role.paths)
        for_incentive = any(req.id in i.requires for i in role.incentives)
        if (
            state.condition != Standing.UNMET
            and in_paths
            and best is not None
            and req.id not in best.requires
            and not for_incentive
        ):
            status = Status.NOT_APPLICABLE
            detail = f"not needed: the condition is satisfied via '{best.label}' ({a.detail})"
        out.append(
            RequirementResult(
                id=req.id,
                kind=req.kind,
                label=req.label,
                status=status,
                detail=detail,
                needed_for=_needed_for(role, req.id, state.required),
                blocking=req.id in blocking and status != Status.NOT_APPLICABLE,
                evidence=list(a.evidence),
                source="evidence" if a.from_evidence else "declaration",
                fixes=list(a.fixes),
                evidence_counts=dict(a.counts),
                evidence_messages=list(a.messages),
                citation=req.citation,
            )
        )
    return out


def _role_status(state: _RoleState) -> Status:
    """The weakest of the required condition and the sought incentives' requirements."""
    parts = [state.condition] if state.required else []
    parts += [_standing(inc.requires, state.assessed) for inc in state.sought]
    return Status(weakest(parts)) if parts else Status.NOT_APPLICABLE


def _conflicts(
    state: _RoleState, loaded: LoadedOrganization
) -> tuple[list[OrgFinding], list[Line]]:
    """Declarations that contradict the role (a payer that cannot participate says it does)."""
    role = state.role
    if role.participation == Participation.NOT_AVAILABLE and loaded.org.hie.participant:
        finding = OrgFinding(
            severity="error",
            message=(
                "The organization file says [hie] participant = true, but "
                f"{role.participation_text}"
            ),
        )
        return [finding], [Line(_fill(CONFLICT_STEP, state.profile))]
    return [], []


def _next_steps(
    state: _RoleState,
    first: list[Line],
    later: list[Line],
    attested: bool,
    with_evidence: bool,
) -> list[Line]:
    """Next steps, most urgent first, each once: ``first`` (conflicts), the required condition,
    the sought incentives, then ``later`` (tier and incentive steps) and the note on attested
    items."""
    steps = list(first)
    if state.required and state.condition == Standing.UNMET and state.best is not None:
        steps += state.steps_for(state.best.requires)
    for inc in state.sought:
        steps += state.steps_for(inc.requires)
    steps += later
    if attested:
        steps.append(Line(ATTESTED_WITH_MESSAGES_STEP if with_evidence else ATTESTED_STEP))
    return list(dict.fromkeys(steps))


def _readings(enr: ResolvedEnrollment) -> list[ReadingNote]:
    """The profile's readings for the role, and the enrollment keys that took their default."""
    readings = [ReadingNote(id=r.id, text=r.text) for r in enr.profile.readings_for(enr.role.id)]
    readings += [
        ReadingNote(
            id=f"default-{key}",
            text=(
                f"enrollment[{enr.index}] does not set {key}; the profile's default "
                f"{enr.keys[key]!r} was used."
            ),
        )
        for key in enr.defaulted
    ]
    return readings


def _contacts(profile: ProgramProfile) -> list[ContactResult]:
    return [
        ContactResult(
            name=profile.contact.name, email=profile.contact.email,
            about=f"the {profile.name} program",
        ),
        ContactResult(
            name=profile.hie_contact.name, email=profile.hie_contact.email,
            about="HIE participation conditions of OMS programs",
        ),
    ]


def _role_report(enr: ResolvedEnrollment, given: _Inputs) -> RoleReport:
    role, profile = enr.role, enr.profile
    assessed = _assess_role(role, given)
    best, condition = _best_path(role, assessed)
    state = _RoleState(enr, assessed, best, condition)

    tier, tier_steps = _tier(enr, given) if role.tier is not None else (None, [])
    incentives: list[IncentiveResult] = []
    incentive_steps: list[Line] = []
    for inc in role.incentives:
        result, steps = _incentive(state, inc, tier)
        incentives.append(result)
        incentive_steps += steps
    requirements = _requirements(state)
    status = _role_status(state)
    findings, conflict_steps = _conflicts(state, given.loaded)
    if findings:
        status = Status.UNMET
    attested = any(r.status == Status.ATTESTED for r in requirements) or (
        tier is not None and tier.basis == Basis.ATTESTED
    )
    return RoleReport(
        id=role.id,
        program=profile.program,
        name=role.name,
        participation=role.participation,
        participation_detail=role.participation_text,
        incentive_summary=role.incentive_text,
        status=status,
        paths=[
            PathResult(id=p.id, label=p.label, status=_standing(p.requires, assessed), note=p.note)
            for p in role.paths
        ],
        requirements=requirements,
        tier=tier,
        incentives=incentives,
        findings=findings,
        next_steps=_next_steps(
            state,
            conflict_steps,
            tier_steps + incentive_steps,
            attested,
            given.evidence is not None,
        ),
        contacts=_contacts(profile),
        readings=_readings(enr),
        profile_version=profile.version,
        profile_effective=profile.period,
        citations=[profile.citation, *role.citations],
    )


# ----------------------------------------------------------------------------- the report


def evaluate(
    org: LoadedOrganization,
    profiles: ProfileSet,
    as_of: date,
    evidence: EvidenceSource | None = None,
    *,
    strict: bool = False,
    messages: MessagesSummary | None = None,
    cbp: CbpSummary | None = None,
) -> Report:
    """Report where ``org`` stands in every program it enrolls in, under the rules of ``as_of``.

    Statuses come from the organization's declarations (``attested`` / ``unmet``) unless
    ``evidence`` answers for a requirement (``met`` / ``unmet``); ``messages`` is what the
    evidence step read and ``cbp`` the CBP eCQM's view of the messages, both carried in the
    report as they are. Bad input raises InputError.
    """
    if profiles.as_of != as_of:
        profiles = profiles.at(as_of)
    given = _Inputs(org, evidence, profiles.content)
    roles = [_role_report(enr, given) for enr in resolve_enrollments(org, profiles)]
    statuses = [Standing(r.status) for r in roles if r.status != Status.NOT_APPLICABLE]
    result = weakest(statuses)
    if any(f.severity == "error" for r in roles for f in r.findings):
        result = Standing.UNMET
    failing = result == Standing.UNMET or (strict and result == Standing.ATTESTED)
    return Report(
        organization=org.org.name,
        source=display_path(org.path.name),
        as_of=as_of,
        strict=strict,
        result=result,
        exit_code=int(ExitCode.FINDINGS if failing else ExitCode.OK),
        roles=roles,
        messages=messages,
        cbp=cbp,
        sources=_cited_sources(roles, profiles.sources),
    )


def _cited_sources(roles: list[RoleReport], table: Sources) -> dict[str, Source]:
    """Title and publisher of every document the report's roles cite, by citation source."""
    cited = [
        c
        for r in roles
        for c in (
            *r.citations,
            *(q.citation for q in r.requirements),
            *(i.citation for i in r.incentives),
            *([r.tier.pmpm_citation] if r.tier else []),
        )
    ]
    return {c.source: table.of(c) for c in cited}
