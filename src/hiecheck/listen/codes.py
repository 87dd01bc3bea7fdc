"""HL7 table 0357 (message error condition codes) for every finding an ACK reports: one table.

A rule id maps to its code here; a rule not named maps by its namespace (``field.*``, …), and
anything else to 207 (application internal error). Table 0357's descriptions, as HL7 gives them,
are the text of ERR-3 (ERR-1.4 before v2.5).
"""

from __future__ import annotations

from enum import IntEnum


class ErrorCode(IntEnum):
    """HL7 table 0357 values used in ACKs."""

    SEGMENT_SEQUENCE = 100
    REQUIRED_FIELD_MISSING = 101
    DATA_TYPE = 102
    TABLE_VALUE_NOT_FOUND = 103
    UNSUPPORTED_MESSAGE_TYPE = 200
    UNSUPPORTED_EVENT_CODE = 201
    UNSUPPORTED_VERSION = 203
    APPLICATION_INTERNAL = 207


DESCRIPTIONS: dict[ErrorCode, str] = {
    ErrorCode.SEGMENT_SEQUENCE: "Segment sequence error",
    ErrorCode.REQUIRED_FIELD_MISSING: "Required field missing",
    ErrorCode.DATA_TYPE: "Data type error",
    ErrorCode.TABLE_VALUE_NOT_FOUND: "Table value not found",
    ErrorCode.UNSUPPORTED_MESSAGE_TYPE: "Unsupported message type",
    ErrorCode.UNSUPPORTED_EVENT_CODE: "Unsupported event code",
    ErrorCode.UNSUPPORTED_VERSION: "Unsupported version id",
    ErrorCode.APPLICATION_INTERNAL: "Application internal error",
}

_C = ErrorCode
BY_RULE: dict[str, ErrorCode] = {
    "read.stray-content": _C.SEGMENT_SEQUENCE,
    "msh.field-separator-missing": _C.DATA_TYPE,
    "msh.version-unsupported": _C.UNSUPPORTED_VERSION,
    "msh.unknown-message-type": _C.UNSUPPORTED_MESSAGE_TYPE,
    "msh.unknown-structure": _C.UNSUPPORTED_MESSAGE_TYPE,
    "msh.structure-mismatch": _C.UNSUPPORTED_MESSAGE_TYPE,
    "structure.missing-required-segment": _C.SEGMENT_SEQUENCE,
    "structure.unexpected-segment": _C.SEGMENT_SEQUENCE,
    "structure.too-many": _C.SEGMENT_SEQUENCE,
    "structure.not-checked": _C.UNSUPPORTED_EVENT_CODE,
    "segment.invalid-id": _C.SEGMENT_SEQUENCE,
    "segment.unknown": _C.SEGMENT_SEQUENCE,
    "field.required-missing": _C.REQUIRED_FIELD_MISSING,
    "field.not-in-table": _C.TABLE_VALUE_NOT_FOUND,
    "content.required-missing": _C.REQUIRED_FIELD_MISSING,
    "content.re-missing": _C.REQUIRED_FIELD_MISSING,
    "content.value-set": _C.TABLE_VALUE_NOT_FOUND,
    "content.units": _C.TABLE_VALUE_NOT_FOUND,
}
BY_NAMESPACE: dict[str, ErrorCode] = {
    "msh": _C.DATA_TYPE,  # delimiters and header values written wrongly
    "segment": _C.SEGMENT_SEQUENCE,
    "structure": _C.SEGMENT_SEQUENCE,
    "field": _C.DATA_TYPE,  # format, length, repetitions, control characters
    "content": _C.DATA_TYPE,  # not allowed, cardinality, not numeric
}


def error_code(rule_id: str) -> ErrorCode:
    """The table 0357 code an ACK gives a finding of ``rule_id``."""
    found = BY_RULE.get(rule_id)
    if found is not None:
        return found
    return BY_NAMESPACE.get(rule_id.partition(".")[0], ErrorCode.APPLICATION_INTERNAL)
