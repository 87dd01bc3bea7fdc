"""The content an HL7 interface can carry, as ``profiles/messages/content_groups.toml`` defines it.

That file is the one definition of content groups (the HL7 side reads its elements). A group
with a ``label`` is *interface content*: program profiles may require it
(``content_groups = [...]``), organization files may declare it (``content = [...]``), and
reports name it by its label. This module reads only ids, titles and labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources.abc import Traversable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from hiecheck.effective import EffectivePeriod
from hiecheck.tomlfile import load_model

GROUPS_FILE = ("messages", "content_groups.toml")
CONTEXT_KEY = "content_groups"
"""Validation-context key under which models receive the :class:`ContentGroups` to check."""


class _Term(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    title: str
    label: str | None = None


class _GroupsFile(EffectivePeriod):
    model_config = ConfigDict(extra="ignore", frozen=True)

    version: str
    groups: dict[str, _Term]


class ContentGroups(BaseModel):
    """Interface content groups in the file's order, with the words reports use for them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    labels: dict[str, str]

    def ids(self) -> list[str]:
        """Group ids in the file's order."""
        return list(self.labels)

    def words(self, groups: Iterable[str]) -> str:
        """Plain-language list of ``groups``, in the file's order: ``diagnosis coding, vital
        signs``."""
        wanted = set(groups)
        return ", ".join(label for gid, label in self.labels.items() if gid in wanted)

    def expected(self) -> str:
        """The ids as a choice: ``'demographics', 'encounter' … or 'lab_results'``."""
        quoted = [f"'{gid}'" for gid in self.labels]
        return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"

    def unknown(self) -> PydanticCustomError:
        """The error for an id that is not interface content (worded as pydantic's choices)."""
        return PydanticCustomError(
            "literal_error", "Input should be {expected}", {"expected": self.expected()}
        )


def load_content_groups(profiles_root: Traversable) -> ContentGroups:
    """The interface content groups of ``profiles_root/messages/content_groups.toml``."""
    path = profiles_root.joinpath(*GROUPS_FILE)
    loaded = load_model(path, _GroupsFile)
    labels = {gid: g.label for gid, g in loaded.groups.items() if g.label is not None}
    return ContentGroups(source=str(path), labels=labels)


def from_context(context: object) -> ContentGroups:
    """The ContentGroups a model validator was given (loaders always give them)."""
    found = context.get(CONTEXT_KEY) if isinstance(context, dict) else None
    if not isinstance(found, ContentGroups):
        raise ValueError("validated without the content groups (load profiles with their loader)")
    return found


def _known(value: str, info: ValidationInfo) -> str:
    known = from_context(info.context)
    if value not in known.labels:
        raise known.unknown()
    return value


def _known_if_given(value: str, info: ValidationInfo) -> str:
    context = info.context
    if isinstance(context, dict) and CONTEXT_KEY in context:
        return _known(value, info)
    return value  # checked when the enrollments are resolved against the profiles


ContentGroupId = Annotated[
    str,
    AfterValidator(_known),
    Field(description="an interface content group id of profiles/messages/content_groups.toml"),
]
"""A content-group id, checked against the ContentGroups in the validation context."""

DeclaredContentGroup = Annotated[
    str,
    AfterValidator(_known_if_given),
    Field(description="an interface content group id of profiles/messages/content_groups.toml"),
]
"""A content-group id an organization declares: checked on load when the ContentGroups are
given, else when its enrollments are resolved against the profiles."""
