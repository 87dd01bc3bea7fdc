"""``profiles/messages/timing.toml`` validated with pydantic: what
:func:`hiecheck.hl7.timing.load_timing_rules` turns into the rules the checks use, when the
cache of compiled profiles has no copy of the file as it is."""

from __future__ import annotations

import re
from importlib.resources.abc import Traversable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hiecheck.citation import Citation
from hiecheck.effective import EffectivePeriod
from hiecheck.tomlfile import load_model

_FIELD = re.compile(r"^([A-Z][A-Z0-9]{2})-([1-9][0-9]*)$")


class EventTimeEntry(BaseModel):
    """Fields holding the event time for some message types, in order of preference."""

    model_config = ConfigDict(extra="forbid")
    message_types: list[str] = Field(min_length=1)
    fields: list[str] = Field(min_length=1)

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _FIELD.match(item):
                raise ValueError(f"{item!r} is not SEG-n")
        return value


class TimingFile(EffectivePeriod):
    """``timing.toml``."""

    model_config = ConfigDict(extra="forbid")
    version: str
    min_precision_digits: int = Field(ge=4, le=14)
    citation: Citation
    event_time: list[EventTimeEntry]


def load_timing_file(path: Traversable) -> TimingFile:
    """Load and validate ``timing.toml`` (InputError naming the key when it is not valid)."""
    return load_model(path, TimingFile)
