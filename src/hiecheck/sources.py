"""Titles of the documents rules cite: ``profiles/sources.toml``, keyed by a citation's ``source``.

Citations keep the key their quotes are checked against; what a person reads is the title and
publisher (and the address where one is known), never that key.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources.abc import Traversable

from pydantic import BaseModel, ConfigDict, Field

from hiecheck.citation import Citation
from hiecheck.tomlfile import load_model

SOURCES_FILE = "sources.toml"


class Source(BaseModel):
    """A document rules are taken from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    url: str | None = Field(default=None, pattern=r"^https://")

    def cite(self) -> str:
        """``HealthInfoNet, “Coordinating HIE Participation Within OMS Programs”``."""
        return f"{self.publisher}, “{self.title}”"


class Sources(BaseModel):
    """Every cited document, by citation key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: dict[str, Source] = Field(default_factory=dict)

    def of(self, citation: Citation) -> Source:
        """The document a citation quotes (a plain stand-in when the table does not list it)."""
        return source_of(self.sources, citation)


def source_of(table: Mapping[str, Source], citation: Citation) -> Source:
    """The document ``citation`` quotes in ``table``, or a plain stand-in naming its key (only
    for a profiles folder without ``sources.toml``)."""
    return table.get(citation.source) or Source(title=citation.source, publisher="source")


def load_sources(profiles_root: Traversable) -> Sources:
    """``profiles_root/sources.toml`` (an empty table when a profiles folder has none)."""
    path = profiles_root / SOURCES_FILE
    if not path.is_file():
        return Sources()
    return load_model(path, Sources)
