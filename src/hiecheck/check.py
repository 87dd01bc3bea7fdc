"""The check pipeline: organization + rules + messages + date → :class:`Report`.

Every front end calls this and only renders: the `check` command, the web app (which builds the
organization from a form) and portfolio runs (which load the rules once and may check
organizations in worker processes: :class:`Rules` and :class:`LoadedOrganization` pickle).
Nothing here renders or prints.

    rules = load_rules(None, date(2025, 6, 1))
    org = load_organization(Path("org.toml"), rules)       # or organization_from_data(...)
    report = run_check(org, rules)                           # messages: the org's folder, if any
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from hiecheck.evidence.assess import MessageEvidence, role_titles
from hiecheck.evidence.collect import collect
from hiecheck.evidence.profile import EvidenceProfile, load_evidence_profile
from hiecheck.paths import profiles_dir
from hiecheck.programs import organization as _organization
from hiecheck.programs.evaluate import evaluate
from hiecheck.programs.organization import (
    LoadedOrganization,
    Organization,
    ResolvedEnrollment,
    resolve_enrollments,
)
from hiecheck.programs.organization_file import organization_toml
from hiecheck.programs.profile_loader import ProfileSet, load_profiles
from hiecheck.programs.report import Report

__all__ = [
    "LoadedOrganization",
    "Organization",
    "Report",
    "Rules",
    "load_organization",
    "load_rules",
    "message_paths",
    "organization_from_data",
    "organization_toml",
    "run_check",
    "shows_cbp",
]


CBP_INCENTIVE = "cbp-ecqm"
"""The incentive (profiles/programs/pcplus.toml) whose roles' reports show the CBP eCQM block."""


@dataclass(frozen=True)
class Rules:
    """Everything an organization is judged by on one date, loaded and validated once.

    ``programs`` (with the content groups, ``programs.content``) is loaded by
    :func:`load_rules`; the evidence profile the first time an organization has messages (the
    requirement set it names is compiled once per process by the message step). Picklable: a
    worker gets a copy and loads only what was not loaded yet.
    """

    as_of: date
    programs: ProfileSet
    profiles: Path | None = None  # --profiles; None = $HIECHECK_PROFILES or the bundled ones

    @cached_property
    def evidence(self) -> EvidenceProfile:
        """The evidence profile in force (the requirement set it runs is loaded by the message
        step; tests/pipeline/test_profile_dates.py keeps their dates together)."""
        return load_evidence_profile(self.profiles, self.as_of, self.programs.content)


def load_rules(profiles: Path | None = None, as_of: date | None = None) -> Rules:
    """The program profiles (and their content groups) in force on ``as_of`` (default: today),
    from ``profiles`` / ``$HIECHECK_PROFILES`` / the bundled ones. Bad profiles: InputError."""
    day = as_of or date.today()
    return Rules(as_of=day, programs=load_profiles(profiles_dir(profiles), day), profiles=profiles)


def load_organization(path: Path, rules: Rules | None = None) -> LoadedOrganization:
    """Read an organization file; with ``rules`` its content groups are checked at once too, so
    every problem of the file is reported together."""
    return _organization.load_organization(path, rules.programs.content if rules else None)


def organization_from_data(
    data: Mapping[str, Any],
    source: str,
    base_dir: Path | None = None,
    rules: Rules | None = None,
) -> LoadedOrganization:
    """An organization from data (e.g. a web form), validated exactly like a file: the same
    one-line errors, naming ``source`` and the key. ``base_dir`` resolves ``messages``."""
    content = rules.programs.content if rules else None
    return _organization.organization_from_data(data, source, base_dir, content)


def _shown_path(path: Path) -> str:
    """A path for reports: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return str(path)


def message_paths(org: LoadedOrganization, messages: Sequence[str] = ()) -> list[str]:
    """The HL7 paths a check reads: ``messages`` when given, else the organization's own
    ``messages`` folder (as reports show it), else none."""
    if messages:
        return list(messages)
    return [_shown_path(org.messages_dir)] if org.messages_dir is not None else []


def run_check(
    org: LoadedOrganization,
    rules: Rules,
    *,
    messages: Sequence[str] = (),
    strict: bool = False,
    jobs: int = 1,
    on_bytes: Callable[[int], None] | None = None,
) -> Report:
    """Where ``org`` stands under ``rules``: the whole report.

    ``messages`` (files, folders, globs; default: the organization's folder) prove or disprove
    interface requirements; ``jobs`` processes check them; ``on_bytes`` is told the bytes read
    (a progress bar). ``strict``: only attested counts as failing. Bad input: InputError.
    With messages, a PCPlus Tier II/III organization's report also carries ``cbp``: what the
    HIE's Controlling High Blood Pressure eCQM would see in them (taken in the same pass).
    """
    paths = message_paths(org, messages)
    if not paths:
        return evaluate(org, rules.programs, rules.as_of, strict=strict)
    # The organization's own mistakes (a program not in force on the date …) come before the
    # messages are read, and before any internal profile could be named.
    enrollments = resolve_enrollments(org, rules.programs)
    read = partial(collect, paths, rules.evidence, profiles=rules.profiles, jobs=jobs,
                   on_bytes=on_bytes)
    cbp = None
    if shows_cbp(enrollments):
        # Imported here: DuckDB loads only for a report that shows the eCQM.
        from hiecheck.measures.cbp import check_summary
        from hiecheck.measures.hl7_extract import HL7Tables

        with HL7Tables() as tables:  # filled in the same pass: the messages are read once
            collected = read(tap=tables)
            cbp = check_summary(tables, rules.as_of, rules.profiles)
    else:
        collected = read()
    evidence = MessageEvidence(collected, org.org, role_titles(rules.programs))
    return evaluate(
        org, rules.programs, rules.as_of, evidence, strict=strict,
        messages=collected.summary(), cbp=cbp,
    )


def shows_cbp(enrollments: Sequence[ResolvedEnrollment]) -> bool:
    """Whether the report shows what the HIE's CBP eCQM would see in the messages: a role enrolled
    in has the ``cbp-ecqm`` incentive (PCPlus Tier II and III, seed 003)."""
    return any(i.id == CBP_INCENTIVE for e in enrollments for i in e.role.incentives)
