"""A line of a report (evidence, a fix, a next step) with what it is needed for as data.

A :class:`Line` *is* the text a person reads — ``PR1-3 never valued … — needed for PCPlus Tier
II`` — so JSON, markdown and every existing reader see exactly that string; renderers read
``text`` and ``needed_for`` and never split the string apart. That string is also the JSON form
of a Line, so a report read back from JSON (``Report.model_validate_json``) decodes it here, the
one place that knows the format.
"""

from __future__ import annotations

from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

NEEDED_FOR = " — needed for "
"""How a line names what it is needed for when written as one string."""


class Line(str):
    """Text, and the role (e.g. ``PCPlus Tier II``) it is needed for, if it names a gap."""

    text: str
    needed_for: str | None

    def __new__(cls, text: str, needed_for: str | None = None) -> Line:
        whole = text if needed_for is None else f"{text}{NEEDED_FOR}{needed_for}"
        line = super().__new__(cls, whole)
        line.text = str(text)
        line.needed_for = needed_for
        return line

    def __repr__(self) -> str:
        return f"Line({self.text!r}, needed_for={self.needed_for!r})"

    @classmethod
    def of(cls, value: object) -> Line:
        """A Line as is; a plain string decoded from its written form (``text — needed for
        target``, or just ``text``)."""
        if isinstance(value, Line):
            return value
        if isinstance(value, str):
            text, sep, target = value.partition(NEEDED_FOR)
            return cls(text, target) if sep else cls(value)
        raise ValueError("expected a string")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.of,
            json_schema_input_schema=core_schema.str_schema(),
            serialization=core_schema.to_string_ser_schema(),
        )
