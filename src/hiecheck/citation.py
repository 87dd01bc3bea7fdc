"""Citations: every rule in ``profiles/`` names the sentence it comes from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Citation(BaseModel):
    """Where a rule comes from: source (seed file name, ``FACTS.md`` or ``issue N``), section and
    the quoted sentence (checked word for word against the seeds by tests/test_citations.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    section: str
    quote: str
