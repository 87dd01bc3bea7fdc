"""The evidence profile (``profiles/evidence/*.toml``): what proves a requirement.

The real-time limit, the per-group proof rules and the plain-language fixes are data; this module
only validates them on load. Several versions may exist (non-overlapping dates); the one in force
on the date of the check is used.
"""

from __future__ import annotations

import re
from datetime import date
from importlib.resources.abc import Traversable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from hiecheck.citation import Citation
from hiecheck.effective import EffectivePeriod
from hiecheck.errors import InputError
from hiecheck.paths import profiles_dir
from hiecheck.programs.content_groups import (
    CONTEXT_KEY,
    ContentGroups,
    from_context,
    load_content_groups,
)
from hiecheck.programs.models import InterfaceKind
from hiecheck.versioned import Version, Versions, load_versions

EVIDENCE_DIR = "evidence"
EVIDENCE_ID = "evidence"  # every file of the folder is a version of the one evidence profile
FIELD_RE = re.compile(r"^[A-Z][A-Z0-9]{2}-[1-9][0-9]*$")


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RealtimeRule(_Input):
    """When a set of messages shows a real-time interface."""

    max_latency_minutes: float = Field(gt=0)
    min_share_within: float = Field(gt=0, le=1)
    min_measured: int = Field(ge=1)
    max_clock_skew_minutes: float = Field(
        default=0, ge=0,
        description="an event time at most this much after MSH-7 counts as on time (clocks of "
        "two systems differ); later, the latency is wrong and proves nothing",
    )
    reading: str
    citation: Citation


class StrictCheck(_Input):
    """A value-set check that blocks proof even when `validate` reports it as a warning."""

    field: str
    rule: str
    reading: str

    @field_validator("field")
    @classmethod
    def _field(cls, value: str) -> str:
        if not FIELD_RE.match(value):
            raise ValueError(f"{value!r} is not SEG-n")
        return value


class GroupRule(_Input):
    """How one content group is proven, and what to tell the organization when it is not."""

    fields: str
    key_field: str
    absent: str | None = Field(
        default=None,
        description="words when the group is in no message (default: KEY never valued)",
    )
    min_messages: int = Field(ge=1)
    min_share: float = Field(ge=0, le=1)
    fix: str
    invalid: dict[str, str] = Field(default_factory=dict)
    strict: list[StrictCheck] = Field(default_factory=list)
    citation: Citation

    @field_validator("key_field")
    @classmethod
    def _key(cls, value: str) -> str:
        if not FIELD_RE.match(value):
            raise ValueError(f"{value!r} is not SEG-n")
        return value


class EvidenceFile(_Input, EffectivePeriod):
    """One file of ``profiles/evidence/`` (``evidence.toml``)."""

    version: str
    requirement_set: str
    message_types: dict[InterfaceKind, list[str]]
    examples: int = Field(ge=0)
    realtime: RealtimeRule
    groups: dict[str, GroupRule]

    @model_validator(mode="after")
    def _complete(self, info: ValidationInfo) -> EvidenceFile:
        known = from_context(info.context).labels
        unknown = sorted(set(self.groups) - set(known))
        if unknown:
            raise ValueError(f"unknown content group(s) {', '.join(unknown)}")
        missing = sorted(set(known) - set(self.groups))
        if missing:
            raise ValueError(f"no rule for content group(s) {', '.join(missing)}")
        if set(self.message_types) != {"adt", "oru"}:
            raise ValueError("message_types needs both adt and oru")
        return self

    def codes(self, kind: str) -> list[str]:
        """MSH-9.1 codes of an interface kind (``adt``, ``oru`` or ``adt_or_oru``)."""
        kinds = ["adt", "oru"] if kind == "adt_or_oru" else [kind]
        return [c for k in kinds for c in self.message_types[k]]  # type: ignore[index]


class EvidenceProfile(EvidenceFile):
    """The evidence file in force, with the content groups it was checked against (their labels
    are the words of its evidence lines)."""

    content: ContentGroups


def _evidence_id(_: EvidenceFile) -> str:
    return EVIDENCE_ID


def load_evidence_versions(
    root: Traversable, content: ContentGroups | None = None
) -> Versions[EvidenceFile]:
    """Every evidence profile version under ``root/evidence``, validated (content groups against
    ``content``, default ``root/messages/content_groups.toml``) and checked for overlaps."""
    return load_versions(
        root / EVIDENCE_DIR,
        EvidenceFile,
        kind="evidence",
        id_of=_evidence_id,
        context={CONTEXT_KEY: content or load_content_groups(root)},
    )


def evidence_in_force(
    root: Traversable, as_of: date | None = None, content: ContentGroups | None = None
) -> EvidenceProfile:
    """The evidence profile in force on ``as_of`` (default: today); none is bad input naming the
    versions there are. ``content``: the content groups already loaded from ``root``."""
    content = content or load_content_groups(root)
    versions = load_evidence_versions(root, content)
    day = as_of or date.today()
    found = versions.pick(EVIDENCE_ID, day)
    if found is None:
        known = versions.of(EVIDENCE_ID)
        raise InputError(
            known[0].source if len(known) == 1 else versions.folder,
            f"the evidence profile is not in force on {day}",
            location="effective_from" if len(known) == 1 else None,
            expected="a date in " + ", ".join(v.profile.period for v in known),
        )
    return _joined(found, content)


def _joined(found: Version[EvidenceFile], content: ContentGroups) -> EvidenceProfile:
    fields = {name: getattr(found.profile, name) for name in EvidenceFile.model_fields}
    return EvidenceProfile.model_construct(**fields, content=content)


def load_evidence_profile(
    profiles: Path | None = None,
    as_of: date | None = None,
    content: ContentGroups | None = None,
) -> EvidenceProfile:
    """Load and validate the evidence profile in force on ``as_of`` (default: today) from
    ``--profiles`` / ``$HIECHECK_PROFILES`` / the bundled ones; a date outside every version's
    range is bad input. ``content``: the content groups already loaded from there."""
    return evidence_in_force(profiles_dir(profiles), as_of, content)
