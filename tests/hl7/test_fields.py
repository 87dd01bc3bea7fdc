"""Field checks: required, repetitions, length, primitive formats, tables, undefined fields."""

from __future__ import annotations

import pytest

from hiecheck.hl7 import datatypes
from hiecheck.hl7.fields import check_fields
from hiecheck.hl7.findings import Severity
from hiecheck.hl7.structure import check_structure

MSH = "MSH|^~\\&|APP|FAC|HIN|HIE|20240105123000||ADT^A01^ADT_A01|1|P|{v}"
EVN = "EVN|A01|20240105123000"
PV1 = "PV1|1|I|MED^101^A"


def _fields(make_message, pid: str, version: str = "2.5.1", extra: list[str] | None = None):  # type: ignore[no-untyped-def]
    msg = make_message([MSH.format(v=version), EVN, pid, PV1, *(extra or [])])
    return check_fields(msg)


def test_clean_segment_has_no_field_findings(make_message) -> None:  # type: ignore[no-untyped-def]
    assert _fields(make_message, "PID|1||1^^^H^MR||DOE^JANE||19800101|F") == []


@pytest.mark.parametrize("pid3", ["", "^^^", "~", " "])
def test_required_missing(make_message, pid3: str) -> None:  # type: ignore[no-untyped-def]
    found = _fields(make_message, f"PID|1||{pid3}||DOE^JANE")
    assert [(f.rule, f.location, f.severity) for f in found] == [
        ("field.required-missing", "PID[1]-3", Severity.ERROR)
    ]


def test_required_field_absent_because_segment_ends_early(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _fields(make_message, "PID|1")
    assert [f.location for f in found] == ["PID[1]-3", "PID[1]-5"]


def test_hl7_null_counts_as_present(make_message) -> None:  # type: ignore[no-untyped-def]
    assert _fields(make_message, 'PID|1||""||""') == []


def test_too_many_repetitions(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _fields(make_message, "PID|1||1^^^H^MR||DOE^JANE||19800101~19810101|F")
    assert [(f.rule, f.location) for f in found] == [("field.too-many-repetitions", "PID[1]-7")]
    assert _fields(make_message, "PID|1||1^^^H^MR~2^^^H^SS||DOE^JANE~DOE^J") == []


def test_invalid_formats_name_the_component(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _fields(make_message, "PID|1||1^^^H^MR||DOE^JANE||1980-01-01|F")
    assert [(f.rule, f.location, f.value) for f in found] == [
        ("field.invalid-format", "PID[1]-7.1", "1980-01-01")
    ]
    assert "1980" not in found[0].message


def test_nm_si_tm_fields(make_message) -> None:  # type: ignore[no-untyped-def]
    obx = "OBX|x|NM|4548-4^A1c^LN||6.1|%|||||F||||||||||||||1230"
    msg = make_message([MSH.format(v="2.5.1").replace("ADT^A01^ADT_A01", "ORU^R01^ORU_R01"),
                        "PID|1||1^^^H^MR||DOE^JANE", "OBR|1||F1|4548-4^A1c^LN", obx])
    found = check_fields(msg)
    assert ("field.invalid-format", "OBX[1]-1") in {(f.rule, f.location) for f in found}


def test_too_long_is_a_warning(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _fields(make_message, "PID|1||1^^^H^MR||DOE^JANE||19800101|F", extra=[])
    assert found == []
    pv1 = "PV1|1|I|MED^101^A||||||||||||" + "X" * 25
    msg = make_message([MSH.format(v="2.5.1"), EVN, "PID|1||1||DOE", pv1])
    long = [f for f in check_fields(msg) if f.rule == "field.too-long"]
    assert [(f.location, f.severity) for f in long] == [("PV1[1]-15", Severity.WARNING)]


def test_table_value_is_a_warning_only_for_id_tables(make_message) -> None:  # type: ignore[no-untyped-def]
    """PID-31 is ID (HL7 table 0136, in hl7apy): warned. PID-8 is IS (user table): not checked."""
    pid = "PID|1||1||DOE||19800101|Q" + "|" * 23 + "X"
    msg = make_message([MSH.format(v="2.5.1"), EVN, pid, PV1])
    found = check_fields(msg)
    assert [(f.rule, f.location, f.severity, f.value) for f in found] == [
        ("field.not-in-table", "PID[1]-31", Severity.WARNING, "X")
    ]
    assert check_fields(make_message([MSH.format(v="2.5.1"), EVN, pid[:-1] + "Y", PV1])) == []


def test_fields_the_version_does_not_define(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _fields(make_message, "PID|1||1||DOE" + "|" * 40 + "EXTRA", version="2.5.1")
    assert [(f.rule, f.severity) for f in found] == [("field.not-in-version", Severity.WARNING)]
    dg1 = make_message([MSH.format(v="2.6"), EVN, "PID|1||1||DOE", PV1,
                        "DG1|1||I10^HTN^I10||20240101|A|MDC"])
    assert [f.location for f in check_fields(dg1)] == ["DG1[1]-7"]


def test_check_structure_includes_field_findings(make_message) -> None:  # type: ignore[no-untyped-def]
    msg = make_message([MSH.format(v="2.5.1"), EVN, "PID|1", PV1])
    assert "field.required-missing" in {f.rule for f in check_structure(msg)}


@pytest.mark.parametrize(
    ("datatype", "good", "bad"),
    [
        ("NM", ["1", "-1.5", "+.5", "10."], ["1,5", "abc", "1e5", ""]),
        ("SI", ["0", "42"], ["-1", "1.0"]),
        ("DT", ["2024", "202401", "20240131"], ["20241301", "2024-01-01", "20240132"]),
        ("TM", ["12", "1230", "123059.1234", "1230-0500"], ["2400", "12:30", "1260"]),
        ("DTM", ["2024", "20240105123000.5-0500", "202401051230"], ["20240105123", "x"]),
    ],
)
def test_primitive_formats(datatype: str, good: list[str], bad: list[str]) -> None:
    assert all(datatypes.is_valid(datatype, v) for v in good)
    assert not any(datatypes.is_valid(datatype, v) for v in bad if v)
    assert datatypes.is_valid(datatype, '""')
