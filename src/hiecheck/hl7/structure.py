"""Structural conformance of a tokenized message (segment order, groups, cardinality, fields).

PLACEHOLDER until the structure engine lands: the interface is fixed, the checks are not written.
"""

from __future__ import annotations

from hiecheck.hl7.findings import Finding
from hiecheck.hl7.message import Message


def check_structure(message: Message) -> list[Finding]:
    """Findings about the message's structure against its version's reference data."""
    return []
