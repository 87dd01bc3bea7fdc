"""The only place the web app calls the check pipeline.

Everything the app needs from the engine goes through these functions, so that moving to the
composition module (``hiecheck.check``) is one edit here. They compose today's pieces the way
``programs/cli.py:check`` does; they render nothing and print nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hiecheck.errors import InputError
from hiecheck.evidence.assess import MessageEvidence, role_titles
from hiecheck.evidence.collect import collect
from hiecheck.evidence.profile import load_evidence_profile
from hiecheck.hl7.reader import HL7_SUFFIXES
from hiecheck.paths import profiles_dir
from hiecheck.programs.evaluate import evaluate
from hiecheck.programs.organization import (
    Enrollment,
    LoadedOrganization,
    Organization,
    resolve_enrollments,
)
from hiecheck.programs.profile_loader import ProfileSet, load_profiles
from hiecheck.programs.report import Report

MESSAGE_SUFFIXES = HL7_SUFFIXES
"""File suffixes `check --messages` reads in a folder ('' = no suffix)."""


def program_rules(profiles: Path | None, as_of: date) -> ProfileSet:
    """The program profiles, with the versions in force on ``as_of`` selected."""
    return load_profiles(profiles_dir(profiles), as_of)


def organization_from_mapping(data: Mapping[str, Any], source: Path) -> LoadedOrganization:
    """An organization from answers shaped like the organization file, validated by the same
    model as the TOML loader (raises pydantic's ValidationError with every problem)."""
    return LoadedOrganization(path=source, org=Organization.model_validate(data), messages_dir=None)


def check_enrollments(org: LoadedOrganization, rules: ProfileSet) -> None:
    """Match every enrollment to a role of the profiles in force (InputError naming the key)."""
    resolve_enrollments(org, rules)


def enrollment_problem(
    entries: list[Mapping[str, Any]], source: Path, rules: ProfileSet
) -> InputError | None:
    """The first problem of the enrollments alone, while another part of the answers is still
    invalid (so the form can show both at once): each entry is validated by the organization
    file's Enrollment model, then matched to a role. None when they are fine or the model
    itself rejects an entry (that problem is reported with the others)."""
    try:
        enrollments = [Enrollment.model_validate(e) for e in entries]
    except ValidationError:
        return None
    # Only the enrollments are read by the matching; the rest of the model is not needed here.
    org = Organization.model_construct(name="", enrollment=enrollments)
    try:
        resolve_enrollments(LoadedOrganization(path=source, org=org, messages_dir=None), rules)
    except InputError as exc:
        return exc
    return None


def run_check(
    org: LoadedOrganization,
    *,
    profiles: Path | None,
    as_of: date,
    messages: list[str] | None = None,
    shown_as: list[str] | None = None,
    strict: bool = False,
) -> Report:
    """The `check` report of ``org``; ``messages`` (files or folders) prove interfaces the way
    ``check --messages`` does. ``shown_as`` is how the report names what was read (uploads live
    in a temporary folder whose path means nothing to the reader). Bad input raises InputError."""
    rules = program_rules(profiles, as_of)
    evidence = None
    summary = None
    if messages:
        profile = load_evidence_profile(profiles, as_of)
        collected = collect(messages, profile, profiles=profiles)
        evidence = MessageEvidence(collected, org.org, role_titles(rules))
        summary = collected.summary()
        if shown_as is not None:
            summary = summary.model_copy(update={"paths": shown_as})
    report = evaluate(org, rules, as_of, evidence, strict=strict)
    report.messages = summary
    return report
