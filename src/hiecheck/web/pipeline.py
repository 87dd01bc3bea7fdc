"""The web app's calls into the check pipeline (``hiecheck.check``), in one place.

The app renders only what these return; every validation and every verdict is the pipeline's,
so a form and an organization file are accepted, refused and judged the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from hiecheck import check
from hiecheck.check import LoadedOrganization, Organization, Rules
from hiecheck.errors import InputError
from hiecheck.hl7.reader import HL7_SUFFIXES
from hiecheck.programs.organization import Enrollment, resolve_enrollments
from hiecheck.programs.report import Report

MESSAGE_SUFFIXES = HL7_SUFFIXES
"""File suffixes `check --messages` reads in a folder ('' = no suffix)."""


def load_rules(profiles: Path | None, as_of: date) -> Rules:
    """The rules in force on ``as_of`` (program profiles, content groups, source titles)."""
    return check.load_rules(profiles, as_of)


def organization_from_answers(
    data: Mapping[str, Any], source: str, rules: Rules
) -> LoadedOrganization:
    """An organization from answers shaped like the organization file, validated exactly like
    one (InputError, or InputErrors listing every problem, each naming its key)."""
    return check.organization_from_data(data, source, None, rules)


def check_enrollments(org: LoadedOrganization, rules: Rules) -> None:
    """Match every enrollment to a role in force (InputErrors naming every bad key)."""
    resolve_enrollments(org, rules.programs)


def enrollment_problem(
    entries: Sequence[Mapping[str, Any]], source: str, rules: Rules
) -> InputError | None:
    """The problems of the enrollments alone, while another part of the answers is still
    invalid (so the form shows both at once): each entry is validated by the organization
    file's Enrollment model, then matched to a role. None when they are fine or the model
    rejects an entry (that problem is already among the others)."""
    try:
        enrollments = [Enrollment.model_validate(e) for e in entries]
    except ValueError:
        return None
    # Only the enrollments are read by the matching; the other keys keep their defaults.
    org = Organization.model_construct(name="", enrollment=enrollments)
    try:
        resolve_enrollments(
            LoadedOrganization(path=Path(source), org=org, messages_dir=None), rules.programs
        )
    except InputError as exc:
        return exc
    return None


def organization_toml(org: Organization) -> str:
    """The organization file for ``org`` (what `hiecheck check` reads back as the same)."""
    return check.organization_toml(org)


def run_check(
    org: LoadedOrganization,
    rules: Rules,
    *,
    messages: Sequence[str] = (),
    shown_as: Sequence[str] | None = None,
    strict: bool = False,
) -> Report:
    """The `check` report of ``org``; ``messages`` (files or folders) prove interfaces the way
    ``check --messages`` does. ``shown_as`` is how the report names what was read: uploads live
    in a temporary folder whose path means nothing to the reader (and must not be shown)."""
    report = check.run_check(org, rules, messages=messages, strict=strict)
    if report.messages is not None and shown_as is not None:
        summary = report.messages.model_copy(update={"paths": list(shown_as)})
        report = report.model_copy(update={"messages": summary})
    return report
