"""Every status word of a `check` report, defined once (renderers turn them into words).

They are ``StrEnum``\\s: a status compares equal to its value (``Status.MET == "met"``) and JSON
carries the value, so the report reads the same as plain strings would.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a requirement or a role stands."""

    MET = "met"  # proven by evidence (the organization's own messages)
    ATTESTED = "attested"  # declared in the organization file, not proven
    UNMET = "unmet"
    NOT_APPLICABLE = "not_applicable"  # an alternative path is satisfied; nothing required


class Standing(StrEnum):
    """Where a path, a condition or the whole report stands (never "not applicable")."""

    MET = "met"
    ATTESTED = "attested"
    UNMET = "unmet"


class Declared(StrEnum):
    """What the organization file alone can say about a requirement: never ``met``."""

    ATTESTED = "attested"
    UNMET = "unmet"


class Proof(StrEnum):
    """What evidence can say about a requirement."""

    MET = "met"
    UNMET = "unmet"


class IncentiveStatus(StrEnum):
    """Whether an incentive applies."""

    APPLIES = "applies"
    WITHIN_REACH = "within_reach"  # with what is missing
    NOT_APPLICABLE = "not_applicable"


class Basis(StrEnum):
    """What a tier or an incentive rests on."""

    ATTESTED = "attested"  # some of it only declared
    PROVEN = "proven"  # every interface requirement shown by the messages


class Participation(StrEnum):
    """A role's HIE participation condition, as the program profile states it."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    NOT_AVAILABLE = "not_available"
    NOT_REQUIRED = "not_required"


RANK: dict[str, int] = {Standing.UNMET: 0, Standing.ATTESTED: 1, Standing.MET: 2}
"""Order of standings, worst first: a path stands as its weakest requirement."""


def weakest(statuses: list[Standing]) -> Standing:
    """The worst of ``statuses`` (``met`` for none)."""
    return min(statuses, key=RANK.__getitem__, default=Standing.MET)
