"""The evidence profile (``profiles/evidence/evidence.toml``): what proves a requirement.

The real-time limit, the per-group proof rules and the plain-language fixes are data; this module
only validates them on load.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hiecheck.citation import Citation
from hiecheck.effective import EffectivePeriod
from hiecheck.errors import InputError
from hiecheck.paths import profiles_dir
from hiecheck.programs.models import CONTENT_GROUP_LABELS, InterfaceKind
from hiecheck.tomlfile import load_model

EVIDENCE_FILE = Path("evidence") / "evidence.toml"
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


class EvidenceProfile(_Input, EffectivePeriod):
    """``profiles/evidence/evidence.toml``."""

    version: str
    requirement_set: str
    message_types: dict[InterfaceKind, list[str]]
    examples: int = Field(ge=0)
    realtime: RealtimeRule
    groups: dict[str, GroupRule]

    @model_validator(mode="after")
    def _complete(self) -> EvidenceProfile:
        unknown = sorted(set(self.groups) - set(CONTENT_GROUP_LABELS))
        if unknown:
            raise ValueError(f"unknown content group(s) {', '.join(unknown)}")
        missing = sorted(set(CONTENT_GROUP_LABELS) - set(self.groups))
        if missing:
            raise ValueError(f"no rule for content group(s) {', '.join(missing)}")
        if set(self.message_types) != {"adt", "oru"}:
            raise ValueError("message_types needs both adt and oru")
        return self

    def codes(self, kind: str) -> list[str]:
        """MSH-9.1 codes of an interface kind (``adt``, ``oru`` or ``adt_or_oru``)."""
        kinds = ["adt", "oru"] if kind == "adt_or_oru" else [kind]
        return [c for k in kinds for c in self.message_types[k]]  # type: ignore[index]


def load_evidence_profile(
    profiles: Path | None = None, as_of: date | None = None
) -> EvidenceProfile:
    """Load and validate the evidence profile; a date outside its range is bad input."""
    path = profiles_dir(profiles) / EVIDENCE_FILE
    profile = load_model(path, EvidenceProfile)
    if as_of is not None and not profile.in_force(as_of):
        raise InputError(
            str(path),
            f"the evidence profile is not in force on {as_of}",
            location="effective_from",
            expected=f"a date in {profile.period}",
        )
    return profile
