"""Write an organization as the TOML file `hiecheck check` reads (e.g. a questionnaire's answers
offered as a download): reading the text back gives the same organization.

Only what differs from the defaults is written, in the order the README documents the file.
"""

from __future__ import annotations

from hiecheck.programs.organization import Enrollment, InterfaceDecl, Organization

TomlValue = str | int | bool | list[str]

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def _string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _value(value: TomlValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    return "[" + ", ".join(_value(item) for item in value) + "]"


def _pairs(values: dict[str, TomlValue]) -> list[str]:
    return [f"{key} = {_value(value)}" for key, value in values.items()]


def _enrollment(enr: Enrollment) -> list[str]:
    values: dict[str, TomlValue] = enr.model_dump(exclude_defaults=True)
    values = {"program": enr.program, **values}  # program first, as people write it
    return ["", "[[enrollment]]", *_pairs(values)]


def _interface(decl: InterfaceDecl) -> str:
    values: dict[str, TomlValue] = {"kind": decl.kind, **decl.model_dump(exclude_defaults=True)}
    return "{ " + ", ".join(_pairs(values)) + " }"


def organization_toml(org: Organization) -> str:
    """The organization file for ``org``."""
    top: dict[str, TomlValue] = {"name": org.name}
    if org.messages is not None:
        top["messages"] = org.messages
    lines = _pairs(top)
    for enr in org.enrollment:
        lines += _enrollment(enr)
    facility: dict[str, TomlValue] = org.facility.model_dump(exclude_defaults=True)
    if facility:
        lines += ["", "[facility]", *_pairs(facility)]
    hie: dict[str, TomlValue] = org.hie.model_dump(exclude_defaults=True, exclude={"interfaces"})
    if hie or org.hie.interfaces:
        lines += ["", "[hie]", *_pairs(hie)]
    if org.hie.interfaces:
        lines.append("interfaces = [")
        lines += [f"  {_interface(decl)}," for decl in org.hie.interfaces]
        lines.append("]")
    return "\n".join(lines) + "\n"
