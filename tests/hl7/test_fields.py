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


def test_table_values_id_error_is_warning(make_message) -> None:  # type: ignore[no-untyped-def]
    """Issue 16 (conformance gaps): PID-31 is ID (HL7 table 0136): an error. PID-8 is IS
    (user-defined table 0001, HL7's suggested values): a warning."""
    pid = "PID|1||1||DOE||19800101|Q" + "|" * 23 + "X"
    msg = make_message([MSH.format(v="2.5.1"), EVN, pid, PV1])
    found = check_fields(msg)
    assert [(f.rule, f.location, f.severity, f.value) for f in found] == [
        ("field.not-in-user-table", "PID[1]-8", Severity.WARNING, "Q"),
        ("field.not-in-table", "PID[1]-31", Severity.ERROR, "X"),
    ]
    fine = pid.replace("|Q|", "|F|")[:-1] + "Y"
    assert check_fields(make_message([MSH.format(v="2.5.1"), EVN, fine, PV1])) == []


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


# ------------------------------------------------------------------------------------------
# Components and sub-components past the datatype's definition (hl7apy STRICT rejects them)


def _parts_findings(make_message, version: str, pid: str, nine: str = "ADT^A01^ADT_A01"):  # type: ignore[no-untyped-def]
    msh = MSH.format(v=version).replace("ADT^A01^ADT_A01", nine)
    found = check_fields(make_message([msh, EVN, pid, PV1]))
    return [f for f in found if f.rule.startswith(("field.component", "field.subcomponent"))]


def test_msh_9_3_is_not_defined_in_2_3(make_message) -> None:  # type: ignore[no-untyped-def]
    """HL7 2.3 MSH-9 is CM_MSG <message type>^<trigger event>; 2.3.1 added the structure."""
    found = _parts_findings(make_message, "2.3", "PID|1||1^^^H^MR||DOE^JANE")
    assert [(f.rule, f.severity, f.location, f.value) for f in found] == [
        ("field.component-not-in-version", Severity.WARNING, "MSH[1]-9.3", "ADT_A01")
    ]
    assert found[0].message == "MSH-9.3 is not defined in HL7 2.3 (CM_MSG has 2 components)"
    for version in ("2.3.1", "2.4", "2.5.1", "2.6", "2.8"):
        assert _parts_findings(make_message, version, "PID|1||1^^^H^MR||DOE^JANE") == []


def test_too_many_components_per_repetition(make_message) -> None:  # type: ignore[no-untyped-def]
    """CX has 10 components in 2.5.1: an 11th valued one is reported, in each repetition."""
    pid = "PID|1||1^^^H^MR^^^^^^EXTRA~2^^^H^MR~3^^^H^MR^^^^^^^^ALSO||DOE^JANE"
    found = _parts_findings(make_message, "2.5.1", pid)
    assert [(f.location, f.value) for f in found] == [
        ("PID[1]-3.11", "EXTRA"), ("PID[1]-3(3).13", "ALSO")
    ]
    assert found[0].message == "PID-3.11 is not defined in HL7 2.5.1 (CX has 10 components)"
    assert "EXTRA" not in found[0].message and "ALSO" not in found[1].message  # PHI: value only
    # Ten components, and unvalued ones past the tenth (empty, spaces), are fine.
    assert _parts_findings(make_message, "2.5.1", "PID|1||1^^^H^MR^^^^^X^^ ^||DOE") == []


def test_primitive_field_has_one_component(make_message) -> None:  # type: ignore[no-untyped-def]
    """PID-8 is IS: 'F^X' has a second component; 'F^' carries nothing past the first."""
    found = _parts_findings(make_message, "2.5.1", "PID|1||1||DOE|||F^X")
    assert [(f.location, f.message) for f in found] == [
        ("PID[1]-8.2", "PID-8.2 is not defined in HL7 2.5.1 (IS has 1 component)")
    ]
    assert _parts_findings(make_message, "2.5.1", "PID|1||1||DOE|||F^") == []


def test_sub_components_past_the_definition(make_message) -> None:  # type: ignore[no-untyped-def]
    """CX.4 is HD (3 sub-components); XPN.2 is ST (one)."""
    found = _parts_findings(make_message, "2.5.1", "PID|1||1^^^H&1.2&ISO&X^MR||DOE^JA&NE")
    assert [(f.rule, f.location, f.value) for f in found] == [
        ("field.subcomponent-not-in-version", "PID[1]-3.4.4", "X"),
        ("field.subcomponent-not-in-version", "PID[1]-5.2.2", "NE"),
    ]
    assert found[0].message == "PID-3.4.4 is not defined in HL7 2.5.1 (HD has 3 sub-components)"
    assert found[1].message == "PID-5.2.2 is not defined in HL7 2.5.1 (ST has 1 sub-component)"
    assert _parts_findings(make_message, "2.5.1", "PID|1||1^^^H&1.2&ISO&^MR||DOE^JANE& ") == []


def test_escape_sequences_are_not_separators(make_message) -> None:  # type: ignore[no-untyped-def]
    """\\S\\ and \\T\\ stand for '^' and '&' in text: PID-8 (IS) stays one component."""
    assert _parts_findings(make_message, "2.5.1", "PID|1||1||DOE|||F\\S\\X\\T\\Y") == []


def test_withdrawn_components_and_fields(make_message) -> None:  # type: ignore[no-untyped-def]
    """hl7apy leaves XTN.1 out of 2.6 and marks withdrawn parts (0, 0) from 2.7 on (XCN.7,
    PID-12): valued, they are not defined in the version."""
    found = _parts_findings(make_message, "2.6", "PID|1||1||DOE" + "|" * 8 + "(207)555-1234^PRN")
    assert [(f.location, f.message) for f in found] == [
        ("PID[1]-13.1", "PID-13.1 is not defined in HL7 2.6 (withdrawn from XTN)")
    ]
    assert _parts_findings(make_message, "2.6", "PID|1||1||DOE" + "|" * 8 + "^PRN^PH") == []
    pv1 = "PV1|1|I|||||123^WELBY^MARCUS^^^^MD"
    evn = "EVN||20240105123000"  # EVN-1 is withdrawn in 2.8 as well
    msg = make_message([MSH.format(v="2.8"), evn, "PID|1||1||DOE|||||||X", pv1])
    found = check_fields(msg)
    assert [(f.rule, f.location) for f in found] == [
        ("field.not-in-version", "PID[1]-12"),
        ("field.component-not-in-version", "PV1[1]-7.7"),
    ]
    assert found[0].message == "PID-12 is not defined in HL7 2.8 (withdrawn or reserved)"


def test_component_lengths_and_sub_component_formats(make_message) -> None:  # type: ignore[no-untyped-def]
    """hl7apy STRICT limits every primitive part (IS 20) and checks NM sub-components."""
    msh = MSH.format(v="2.5.1").replace("|HIN|", "|" + "R" * 21 + "|")
    found = check_fields(make_message([msh, EVN, "PID|1||1||DOE", PV1]))
    assert [(f.rule, f.severity, f.location) for f in found] == [
        ("field.too-long", Severity.WARNING, "MSH[1]-5.1")
    ]
    assert found[0].message == (
        "MSH-5.1 (IS) is 21 characters, longer than the 20 hl7apy allows for IS"
    )
    obr = "OBR|1||F1|4548-4^A1c^LN" + "|" * 19 + "20141006092900+0700"  # OBR-23.1 is MO
    oru = MSH.format(v="2.5.1").replace("ADT^A01^ADT_A01", "ORU^R01^ORU_R01")
    found = check_fields(make_message([oru, "PID|1||1||DOE", obr]))
    assert [(f.rule, f.location) for f in found] == [("field.invalid-format", "OBR[1]-23.1.1")]
    assert found[0].message.startswith("OBR-23.1.1 is not a valid NM")


def test_components_with_custom_delimiters(make_message) -> None:  # type: ignore[no-untyped-def]
    """The walk splits on the message's own delimiters (MSH-1 and MSH-2)."""
    msh = "MSH#!~\\@#APP#FAC#HIN#HIE#20240105123000##ADT!A01!ADT_A01#1#P#2.3"
    msg = make_message([msh, "EVN#A01#20240105123000", "PID#1##1!!!H@1@2@3!MR##DOE!JA^NE", PV1])
    found = check_fields(msg)
    assert [(f.rule, f.location, f.value) for f in found] == [
        ("field.component-not-in-version", "MSH[1]-9.3", "ADT_A01"),
        ("field.subcomponent-not-in-version", "PID[1]-3.4.4", "3"),
    ]
    # '^' is text with these delimiters: PID-5.2 is 'JA^NE', one component.
