"""Format checks of the primitive HL7 v2 datatypes (NM, SI, DT, TM, DTM and TS's first component).

Each check is one precompiled regular expression ``fullmatch``; the HL7 null ``""`` is valid for
every type. Formats follow HL7 v2.5 chapter 2A (2.8 drops the ``+/-ZZZZ`` offset from DT only).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12]\d|3[01])"
_HOUR = r"(?:[01]\d|2[0-3])"
_MIN = r"[0-5]\d"
_SEC = r"(?:[0-5]\d|60)"
_FRACTION = r"(?:\.\d{1,4})"
_OFFSET = r"(?:[+-](?:[01]\d|2[0-3])[0-5]\d)"
_TIME = rf"{_HOUR}(?:{_MIN}(?:{_SEC}{_FRACTION}?)?)?"

PATTERNS: dict[str, re.Pattern[str]] = {
    "NM": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"),
    "SI": re.compile(r"\d+"),
    "DT": re.compile(rf"\d{{4}}(?:{_MONTH}{_DAY}?)?"),
    "TM": re.compile(rf"{_TIME}{_OFFSET}?"),
    "DTM": re.compile(rf"\d{{4}}(?:{_MONTH}(?:{_DAY}(?:{_TIME})?)?)?{_OFFSET}?"),
}

EXPECTED: dict[str, str] = {
    "NM": "a number like -12.5",
    "SI": "a non-negative whole number",
    "DT": "YYYY[MM[DD]]",
    "TM": "HH[MM[SS[.S…]]][+/-ZZZZ]",
    "DTM": "YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]",
}


def validator(datatype: str) -> Callable[[str], bool]:
    """A fast predicate: True when ``value`` is valid for the primitive ``datatype``."""
    match = PATTERNS[datatype].fullmatch

    def check(value: str) -> bool:
        return value == '""' or match(value) is not None

    return check


def is_valid(datatype: str, value: str) -> bool:
    """True when ``value`` has the format of ``datatype`` (NM, SI, DT, TM or DTM)."""
    return value == '""' or PATTERNS[datatype].fullmatch(value) is not None
