"""Write an organization as an organization file (TOML) that `hiecheck check` reads back as is.

The layout is the README's: top-level keys, one ``[[enrollment]]`` table per program, then the
``[facility]`` and ``[hie]`` tables, interfaces as inline tables.
"""

from __future__ import annotations

import re
from typing import Any

from hiecheck.programs.organization import Organization

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_ESCAPES = {
    '"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"
}


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """A TOML value for a string, bool, int, list or mapping (mappings as inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _table_lines(data: dict[str, Any]) -> list[str]:
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(f"{key} = [")
            lines += [f"  {toml_value(v)}," for v in value]
            lines.append("]")
        else:
            lines.append(f"{key} = {toml_value(value)}")
    return lines


def _comment_text(text: str) -> str:
    """One comment line: TOML allows no control character but tab in a comment."""
    return " ".join(_CONTROL.sub(" ", text).split())


def organization_toml(org: Organization, comments: list[str] | None = None) -> str:
    """The organization file text; ``comments`` become ``#`` lines at the top."""
    data = org.model_dump(mode="json", exclude_none=True)
    lines = [f"# {_comment_text(c)}" for c in comments or []]
    lines += _table_lines(
        {k: v for k, v in data.items() if not isinstance(v, dict | list)}
    )
    for entry in data.get("enrollment", []):
        kept = {k: v for k, v in entry.items() if v != []}  # e.g. no incentives sought
        lines += ["", "[[enrollment]]", *_table_lines(kept)]
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{key}]", *_table_lines(value)]
    return "\n".join(lines) + "\n"
