"""The ACK builder: each MSH / MSA / ERR rule, checked by parsing the ACK back with hl7apy."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from hiecheck.hl7.findings import Severity
from hiecheck.hl7.location import at_line, at_segment
from hiecheck.hl7.message import Delimiters
from hiecheck.hl7.rules import FIELD_REQUIRED, RULES
from hiecheck.listen.ack import (
    AckCode,
    Reject,
    build_ack,
    escape,
    finding_entry,
    read_header,
    reject_entry,
    reply_codes,
    serialize,
)
from hiecheck.listen.codes import DESCRIPTIONS, ErrorCode, error_code

NOW = datetime(2026, 12, 1, 13, 5, 9, tzinfo=timezone(timedelta(hours=-5)))
MSH = ("MSH|^~\\&|EPIC|EXFAMPRAC^2.16.840.1.113883.3.9999.1^ISO|HIN|HEALTHINFONET|20261005091400||"
       "ADT^A04^ADT_A01|CTRL42|T|{version}|||{accept}|{app}||UNICODE UTF-8")


def header(version: str = "2.5.1", accept: str = "", app: str = "") -> Any:
    found = read_header(MSH.format(version=version, accept=accept, app=app))
    assert found is not None
    return found


def parsed(data: bytes) -> Any:
    """The ACK parsed by hl7apy (its version from MSH-12)."""
    text = data.decode()
    assert text.endswith("\r") and "\n" not in text
    return parse_message(text, validation_level=VALIDATION_LEVEL.TOLERANT, find_groups=False)


def required_missing(field: int = 3, value: str | None = "SECRET-MRN") -> Any:
    return FIELD_REQUIRED.finding(f"PID-{field} is required", "mllp", 3, 1,
                                  at_segment("PID", 1, field), value)


def test_msh_swaps_sender_and_receiver_and_echoes_version_and_processing_id() -> None:
    ack = parsed(serialize(build_ack(header(), AckCode.AA, [], "HC1", NOW)))
    msh = ack.msh
    assert msh.msh_3.to_er7() == "HIN" and msh.msh_4.to_er7() == "HEALTHINFONET"
    assert msh.msh_5.to_er7() == "EPIC"
    assert msh.msh_6.to_er7() == "EXFAMPRAC^2.16.840.1.113883.3.9999.1^ISO"
    assert msh.msh_9.to_er7() == "ACK^A04^ACK"
    assert msh.msh_10.to_er7() == "HC1"
    assert msh.msh_11.to_er7() == "T" and msh.msh_12.to_er7() == "2.5.1"
    assert msh.msh_7.to_er7() == "20261201130509-0500"
    assert msh.msh_18.to_er7() == "UNICODE UTF-8"


def test_msa_code_and_control_id() -> None:
    for code in (AckCode.AA, AckCode.AE, AckCode.AR):
        ack = parsed(serialize(build_ack(header(), code, [], "HC1", NOW)))
        assert ack.msa.msa_1.to_er7() == code.value
        assert ack.msa.msa_2.to_er7() == "CTRL42"


def test_hl7apy_strict_accepts_a_clean_ack() -> None:
    text = serialize(build_ack(header(), AckCode.AA, [], "HC1", NOW)).decode()
    msg = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT)
    assert msg.validate()


def test_err_per_error_finding_v25() -> None:
    entries = [finding_entry(required_missing(3)), finding_entry(required_missing(5))]
    data = serialize(build_ack(header(), AckCode.AE, entries, "HC1", NOW))
    ack = parsed(data)
    errs = list(ack.err)
    assert len(errs) == 2
    err = errs[0]
    assert err.err_1.to_er7() == ""  # ELD: only before v2.5
    assert err.err_2.to_er7() == "PID^1^3^1"
    assert err.err_3.to_er7() == "101^Required field missing^HL70357"
    assert err.err_4.to_er7() == "E"
    assert err.err_5.to_er7() == "field.required-missing^^99HIECHECK"
    assert err.err_7.to_er7() == escape(FIELD_REQUIRED.explanation, Delimiters())
    assert err.err_8.to_er7() == FIELD_REQUIRED.summary
    assert errs[1].err_2.to_er7() == "PID^1^5^1"


def test_no_value_of_the_message_in_an_ack() -> None:
    data = serialize(build_ack(header(), AckCode.AE, [finding_entry(required_missing())], "H", NOW))
    assert b"SECRET-MRN" not in data
    assert b"PID-3 is required" not in data  # the finding's text is not used either


def test_erl_with_repetition_component_and_subcomponent() -> None:
    f = RULES["field.invalid-format"].finding("x", "mllp", 3, 1,
                                              at_segment("PID", 2, 3, 4, 2, 1))
    ack = parsed(serialize(build_ack(header(), AckCode.AE, [finding_entry(f)], "H", NOW)))
    assert ack.err.err_2.to_er7() == "PID^2^3^2^4^1"
    assert ack.err.err_3.err_3_1.to_er7() == "102"


def test_line_location_has_no_erl() -> None:
    f = RULES["segment.invalid-id"].finding("x", "mllp", 3, 1, at_line(3))
    ack = parsed(serialize(build_ack(header(), AckCode.AE, [finding_entry(f)], "H", NOW)))
    assert ack.err.err_2.to_er7() == ""
    assert ack.err.err_3.err_3_1.to_er7() == "100"


def test_warnings_are_w_and_info_is_left_out() -> None:
    warn = RULES["field.too-long"].finding("x", "mllp", 3, 1, at_segment("PID", 1, 5))
    info = RULES["segment.z-segment"].finding("x", "mllp", 4, 1, at_segment("ZPI", 1))
    entries = [finding_entry(warn), finding_entry(info)]
    data = serialize(build_ack(header(), AckCode.AA, entries, "H", NOW))
    segments = data.decode().split("\r")
    errs = [s for s in segments if s.startswith("ERR")]
    assert len(errs) == 1 and errs[0].split("|")[4] == "W"


def test_pre_25_uses_err_1_eld_and_errors_only() -> None:
    warn = RULES["field.too-long"].finding("x", "mllp", 3, 1, at_segment("PID", 1, 5))
    entries = [finding_entry(required_missing(3)), finding_entry(warn)]
    data = serialize(build_ack(header("2.4"), AckCode.AE, entries, "H", NOW))
    ack = parsed(data)
    assert ack.msh.msh_9.to_er7() == "ACK^A04^ACK"  # MSH-9.3 exists from v2.3.1
    errs = [s for s in data.decode().split("\r") if s.startswith("ERR")]
    assert errs == ["ERR|PID^1^3^101&Required field missing&HL70357"]
    assert ack.err.err_1.to_er7() == "PID^1^3^101&Required field missing&HL70357"


def test_v23_has_no_structure_in_msh_9() -> None:
    data = serialize(build_ack(header("2.3"), AckCode.AA, [], "H", NOW))
    assert data.decode().split("\r")[0].split("|")[8] == "ACK^A04"


def test_text_is_escaped_with_the_messages_own_delimiters() -> None:
    line = "MSH#!*%$@#EPIC#FAC#HIN#HIE#20261005##ADT!A04!ADT_A01#C1#P#2.7.1"
    h = read_header(line)
    assert h is not None
    entry = reject_entry(Reject.SEVERAL)
    object.__setattr__(entry, "summary", "a!b*c%d$e#f@g")  # every delimiter of this message
    data = serialize(build_ack(h, AckCode.AR, [entry], "H", NOW)).decode()
    msh, msa_line, err = data.split("\r")[:3]
    assert msh.startswith("MSH#!*%$@#HIN#HIE#EPIC#FAC#")
    assert msa_line == "MSA#AR#C1"
    assert err.split("#")[-1] == "a%S%b%R%c%E%d%T%e%F%f%P%g"
    assert escape("x^y|z\\w&v~u", Delimiters()) == "x\\S\\y\\F\\z\\E\\w\\T\\v\\R\\u"


def test_unreadable_header_gets_defaults_and_empty_msa_2() -> None:
    assert read_header("MSH") is None and read_header("PID|1") is None
    assert read_header("MSHa^~\\&|x") is None
    data = serialize(build_ack(None, AckCode.AR, [reject_entry(Reject.HEADER)], "H", NOW))
    ack = parsed(data)
    assert ack.msa.msa_1.to_er7() == "AR" and ack.msa.msa_2.to_er7() == ""
    assert ack.msh.msh_12.to_er7() == "2.5.1"
    assert ack.err.err_3.err_3_1.to_er7() == "102"


def test_err_segments_are_capped() -> None:
    entries = [finding_entry(required_missing(n)) for n in range(1, 300)]
    data = serialize(build_ack(header(), AckCode.AE, entries, "H", NOW)).decode()
    errs = [s for s in data.split("\r") if s.startswith("ERR")]
    assert len(errs) == 100
    assert "200 more findings" in errs[-1]


@pytest.mark.parametrize(("accept", "app", "outcome", "expected"), [
    ("", "", AckCode.AE, [AckCode.AE]),  # original mode
    ("AL", "AL", AckCode.AA, [AckCode.CA, AckCode.AA]),
    ("AL", "NE", AckCode.AE, [AckCode.CA]),
    ("NE", "NE", AckCode.AA, []),  # nothing is sent
    ("NE", "AL", AckCode.AE, [AckCode.AE]),
    ("ER", "ER", AckCode.AA, []),
    ("ER", "ER", AckCode.AE, [AckCode.AE]),
    ("SU", "SU", AckCode.AA, [AckCode.CA, AckCode.AA]),
    ("SU", "SU", AckCode.AE, [AckCode.CA]),
    ("AL", "AL", AckCode.AR, [AckCode.CR]),  # rejected: no application ACK
    ("ER", "AL", AckCode.AR, [AckCode.CR]),
    ("SU", "AL", AckCode.AR, []),
])
def test_msh_15_and_16_are_honoured(
    accept: str, app: str, outcome: AckCode, expected: list[AckCode]
) -> None:
    reject = Reject.NOT_HL7 if outcome is AckCode.AR else None
    assert reply_codes(header(accept=accept, app=app), outcome, reject) == expected
    assert reply_codes(header(accept=accept, app=app), outcome, reject, original=True) == [
        outcome]


def test_capture_failure_is_a_commit_error_in_enhanced_mode() -> None:
    assert reply_codes(header(accept="AL"), AckCode.AR, Reject.CAPTURE) == [AckCode.CE]


def test_every_rule_has_a_table_0357_code() -> None:
    for rule_id in RULES:
        assert error_code(rule_id) in DESCRIPTIONS, rule_id
    assert error_code("field.required-missing") is ErrorCode.REQUIRED_FIELD_MISSING
    assert error_code("field.not-in-table") is ErrorCode.TABLE_VALUE_NOT_FOUND
    assert error_code("field.invalid-format") is ErrorCode.DATA_TYPE
    assert error_code("msh.version-unsupported") is ErrorCode.UNSUPPORTED_VERSION
    assert error_code("no.such-rule") is ErrorCode.APPLICATION_INTERNAL


def test_table_0357_codes_are_hl7s() -> None:
    from hl7apy.v2_5 import tables
    hl7_codes = set(tables.TABLES["HL70357"][1])
    assert {str(int(c)) for c in DESCRIPTIONS} <= hl7_codes
    assert Severity.ERROR.value[0].upper() == "E"
