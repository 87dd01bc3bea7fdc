"""Evaluate an organization against the program profiles in force: the `check` report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hiecheck.errors import ExitCode
from hiecheck.programs.declarations import declared_status
from hiecheck.programs.evidence_protocol import EvidenceSource
from hiecheck.programs.models import Path, ProgramProfile, Role
from hiecheck.programs.organization import (
    LoadedOrganization,
    ResolvedEnrollment,
    resolve_enrollments,
)
from hiecheck.programs.profile_loader import ProfileSet
from hiecheck.programs.report import (
    ContactResult,
    Finding,
    IncentiveResult,
    PathResult,
    ReadingNote,
    Report,
    RequirementResult,
    RoleReport,
    TierResult,
)
from hiecheck.sources import Source, Sources

_RANK = {"unmet": 0, "attested": 1, "met": 2}
_BY_RANK = {v: k for k, v in _RANK.items()}

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
    status: str  # met | attested | unmet
    detail: str
    evidence: tuple[str, ...]
    from_evidence: bool = False
    fixes: tuple[str, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()
    messages: tuple[str, ...] = ()


def _fill(text: str, profile: ProgramProfile) -> str:
    for key, value in {
        "{hie_email}": profile.hie_contact.email,
        "{hie_name}": profile.hie_contact.name,
        "{program_email}": profile.contact.email,
        "{program_name}": profile.name,
    }.items():
        text = text.replace(key, value)
    return text


def _assess_role(
    role: Role, loaded: LoadedOrganization, evidence: EvidenceSource | None
) -> dict[str, _Assessed]:
    out: dict[str, _Assessed] = {}
    for req in role.requirements:
        status, detail = declared_status(req, loaded.org)
        lines: tuple[str, ...] = ()
        found = evidence.assess(req, role) if evidence is not None else None
        if found is None:
            out[req.id] = _Assessed(status, detail, lines)
        else:
            out[req.id] = _Assessed(
                found.status, found.detail, tuple(found.lines), True, tuple(found.fixes),
                tuple(found.counts.items()), tuple(found.messages),
            )
    return out


def _proven(path: Path | None, assessed: dict[str, _Assessed]) -> bool:
    """A path is proven when every requirement evidence answered for is met (at least one)."""
    if path is None:
        return True
    answered = [assessed[r] for r in path.requires if assessed[r].from_evidence]
    return bool(answered) and all(a.status == "met" for a in answered)


def _steps(
    role: Role, rid: str, assessed: dict[str, _Assessed], profile: ProgramProfile
) -> list[str]:
    """Next steps for an unmet requirement: the evidence's exact fixes when it has them (the
    profile's general step would only repeat them), else the profile's step."""
    fixes = list(assessed[rid].fixes)
    return fixes or [_fill(role.requirement(rid).next_step, profile)]


def _path_status(path: Path, assessed: dict[str, _Assessed]) -> str:
    return _BY_RANK[min((_RANK[assessed[r].status] for r in path.requires), default=2)]


def _best_path(role: Role, assessed: dict[str, _Assessed]) -> tuple[Path | None, str]:
    """The path closest to done (best status, then fewest unmet), and the condition status."""
    if not role.paths:
        return None, "met"

    def score(p: Path) -> tuple[int, int]:
        unmet = sum(assessed[r].status == "unmet" for r in p.requires)
        return (_RANK[_path_status(p, assessed)], -unmet)

    best = max(role.paths, key=score)
    return best, _path_status(best, assessed)


def _missing(role: Role, path: Path | None, assessed: dict[str, _Assessed]) -> list[str]:
    if path is None:
        return []
    return [
        f"{role.requirement(r).label}: {assessed[r].detail}"
        for r in path.requires
        if assessed[r].status == "unmet"
    ]


def _tier(
    enr: ResolvedEnrollment, loaded: LoadedOrganization, evidence: EvidenceSource | None
) -> tuple[TierResult, list[str]]:
    """The PCPlus tier ladder of the program, and next steps toward the next tier."""
    role = enr.role
    assert role.tier is not None
    ladder = sorted((r for r in enr.profile.roles if r.tier), key=lambda r: r.tier.level)  # type: ignore[union-attr]
    states: dict[int, tuple[Role, Path | None, str, dict[str, _Assessed]]] = {}
    for r in ladder:
        assessed = _assess_role(r, loaded, evidence)
        path, status = _best_path(r, assessed)
        states[r.tier.level] = (r, path, status, assessed)  # type: ignore[union-attr]
    reached_levels = [lvl for lvl, s in states.items() if s[2] != "unmet"]
    reached = max(reached_levels) if reached_levels else min(states)
    r_path, r_status = states[reached][1], states[reached][2]
    proven = r_status == "met" or (r_status == "attested" and _proven(r_path, states[reached][3]))
    basis = "proven" if proven else "attested"
    higher = [lvl for lvl in states if lvl > reached]
    next_tier = min(higher) if higher else None
    missing: list[str] = []
    checklist: list[str] = []
    steps: list[str] = []
    if next_tier is not None:
        n_role, n_path, _, n_assessed = states[next_tier]
        missing = _missing(n_role, n_path, n_assessed)
        if n_path is not None:
            for rid in n_path.requires:
                a = n_assessed[rid]
                if a.status == "unmet":
                    checklist += list(a.fixes) or [
                        _fill(n_role.requirement(rid).next_step, enr.profile)
                    ]
        if reached < role.tier.level and n_path is not None:
            steps = [
                step
                for rid in n_path.requires
                if n_assessed[rid].status == "unmet"
                for step in _steps(n_role, rid, n_assessed, enr.profile)
            ]
    pmpm = {lvl: s[0].tier.pmpm_usd for lvl, s in states.items()}  # type: ignore[union-attr]
    sought = role.tier.level
    result = TierResult(
        sought=sought,
        reached=reached,
        basis=basis,
        next_tier=next_tier,
        missing_for_next=missing,
        checklist_for_next=list(dict.fromkeys(checklist)),
        pmpm_usd=pmpm,
        pmpm_reached_usd=pmpm[reached],
        pmpm_sought_usd=pmpm[sought],
        difference_sought_vs_reached_usd=pmpm[sought] - pmpm[reached],
        difference_next_vs_reached_usd=(
            pmpm[next_tier] - pmpm[reached] if next_tier is not None else None
        ),
        pmpm_citation=role.tier.pmpm_citation,
    )
    return result, steps


def _role_report(
    enr: ResolvedEnrollment,
    loaded: LoadedOrganization,
    evidence: EvidenceSource | None,
) -> RoleReport:
    role, profile, org = enr.role, enr.profile, loaded.org
    assessed = _assess_role(role, loaded, evidence)
    best, condition = _best_path(role, assessed)
    required = role.participation == "required"
    steps: list[str] = []
    findings: list[Finding] = []

    tier: TierResult | None = None
    tier_steps: list[str] = []
    if role.tier is not None:
        tier, tier_steps = _tier(enr, loaded, evidence)

    # incentives
    sought = set(enr.enrollment.incentives_sought)
    incentives: list[IncentiveResult] = []
    incentive_steps: list[str] = []
    for inc in role.incentives:
        missing = [
            f"{role.requirement(r).label}: {assessed[r].detail}"
            for r in inc.requires
            if assessed[r].status == "unmet"
        ]
        tier_ok = inc.min_tier is None or (tier is not None and tier.reached >= inc.min_tier)
        if inc.min_tier is not None and not tier_ok:
            missing.append(
                f"reach PCPlus Tier {inc.min_tier} (reached: Tier {tier and tier.reached})"
            )
        if role.participation == "not_available":
            status, basis = "not_applicable", None
        elif missing:
            status, basis = "within_reach", None
            incentive_steps += [
                step
                for r in inc.requires
                if assessed[r].status == "unmet"
                for step in _steps(role, r, assessed, profile)
            ]
            if inc.next_step:
                incentive_steps.append(_fill(inc.next_step, profile))
        else:
            proven = all(assessed[r].status == "met" for r in inc.requires) and (
                inc.min_tier is None or (tier is not None and tier.basis == "proven")
            )
            status, basis = "applies", ("proven" if proven else "attested")
        incentives.append(
            IncentiveResult(
                id=inc.id,
                name=inc.name,
                description=inc.description,
                status=status,
                basis=basis,
                sought=inc.id in sought,
                missing=missing,
                citation=inc.citation,
            )
        )

    # requirements: what each is needed for, whether it blocks, not_applicable alternatives
    satisfied = condition != "unmet"
    blocking_ids: set[str] = set()
    if required:
        if satisfied and best is not None:
            blocking_ids |= set(best.requires)
        else:
            blocking_ids |= {r for p in role.paths for r in p.requires}
    for inc in role.incentives:
        if inc.id in sought:
            blocking_ids |= set(inc.requires)
    requirements: list[RequirementResult] = []
    for req in role.requirements:
        a = assessed[req.id]
        needed_for = []
        in_paths = [p for p in role.paths if req.id in p.requires]
        if in_paths and required:
            what = role.tier.name if role.tier else "HIE participation condition"
            if len(role.paths) == 1:
                needed_for.append(what)
            else:
                needed_for += [f"{what} via path '{p.id}'" for p in in_paths]
        used_by_incentive = [i for i in role.incentives if req.id in i.requires]
        needed_for += [f"incentive: {i.name}" for i in used_by_incentive]
        status, detail = a.status, a.detail
        if (
            satisfied
            and in_paths
            and best is not None
            and req.id not in best.requires
            and not used_by_incentive
        ):
            status = "not_applicable"
            detail = f"not needed: the condition is satisfied via '{best.label}' ({a.detail})"
        requirements.append(
            RequirementResult(
                id=req.id,
                kind=req.kind,
                label=req.label,
                status=status,
                detail=detail,
                needed_for=needed_for,
                blocking=req.id in blocking_ids and status != "not_applicable",
                evidence=list(a.evidence),
                source="evidence" if a.from_evidence else "declaration",
                fixes=list(a.fixes),
                evidence_counts=dict(a.counts),
                evidence_messages=list(a.messages),
                citation=req.citation,
            )
        )

    # role status: required condition and sought incentives
    parts: list[str] = []
    if required:
        parts.append(condition)
    for inc in role.incentives:
        if inc.id in sought:
            parts.append(
                _BY_RANK[min((_RANK[assessed[r].status] for r in inc.requires), default=2)]
            )
    role_status = _BY_RANK[min(_RANK[p] for p in parts)] if parts else "not_applicable"

    # findings
    if role.participation == "not_available" and org.hie.participant:
        findings.append(
            Finding(
                severity="error",
                message=(
                    "The organization file says [hie] participant = true, but "
                    f"{role.participation_text}"
                ),
            )
        )
        steps.append(_fill(CONFLICT_STEP, profile))
        role_status = "unmet"

    # next steps, most urgent first
    if required and condition == "unmet" and best is not None:
        steps += [
            step
            for r in best.requires
            if assessed[r].status == "unmet"
            for step in _steps(role, r, assessed, profile)
        ]
    for inc in role.incentives:
        if inc.id in sought:
            steps += [
                step
                for r in inc.requires
                if assessed[r].status == "unmet"
                for step in _steps(role, r, assessed, profile)
            ]
    steps += tier_steps + incentive_steps
    if any(r.status == "attested" for r in requirements) or (tier and tier.basis == "attested"):
        steps.append(ATTESTED_WITH_MESSAGES_STEP if evidence is not None else ATTESTED_STEP)
    steps = list(dict.fromkeys(steps))

    readings = [ReadingNote(id=r.id, text=r.text) for r in profile.readings_for(role.id)]
    for key in enr.defaulted:
        readings.append(
            ReadingNote(
                id=f"default-{key}",
                text=(
                    f"enrollment[{enr.index}] does not set {key}; the profile's default "
                    f"{enr.keys[key]!r} was used."
                ),
            )
        )

    return RoleReport(
        id=role.id,
        program=profile.program,
        name=role.name,
        participation=role.participation,
        participation_detail=role.participation_text,
        incentive_summary=role.incentive_text,
        status=role_status,
        paths=[
            PathResult(id=p.id, label=p.label, status=_path_status(p, assessed), note=p.note)
            for p in role.paths
        ],
        requirements=requirements,
        tier=tier,
        incentives=incentives,
        findings=findings,
        next_steps=steps,
        contacts=[
            ContactResult(
                name=profile.contact.name,
                email=profile.contact.email,
                about=f"the {profile.name} program",
            ),
            ContactResult(
                name=profile.hie_contact.name,
                email=profile.hie_contact.email,
                about="HIE participation conditions of OMS programs",
            ),
        ],
        readings=readings,
        profile_version=profile.version,
        profile_effective=profile.period,
        citations=[profile.citation, *role.citations],
    )


def evaluate(
    org: LoadedOrganization,
    profiles: ProfileSet,
    as_of: date,
    evidence: EvidenceSource | None = None,
    *,
    strict: bool = False,
) -> Report:
    """Report where ``org`` stands in every program it enrolls in, under the rules of ``as_of``.

    Statuses come from the organization's declarations (``attested`` / ``unmet``) unless
    ``evidence`` answers for a requirement (``met`` / ``unmet``). Bad input raises InputError.
    """
    if profiles.as_of != as_of:
        profiles = profiles.at(as_of)
    roles = [_role_report(enr, org, evidence) for enr in resolve_enrollments(org, profiles)]
    statuses = [r.status for r in roles if r.status != "not_applicable"]
    result = _BY_RANK[min((_RANK[s] for s in statuses), default=2)]
    errors = any(f.severity == "error" for r in roles for f in r.findings)
    if errors:
        result = "unmet"
    failing = result == "unmet" or (strict and result == "attested")
    return Report(
        organization=org.org.name,
        source=org.path.name,
        as_of=as_of,
        strict=strict,
        result=result,
        exit_code=int(ExitCode.FINDINGS if failing else ExitCode.OK),
        roles=roles,
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
