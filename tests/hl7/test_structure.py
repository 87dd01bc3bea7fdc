"""check_structure: header, segment ids, Z-segments, order, groups and cardinality."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.message import tokenize
from hiecheck.hl7.reader import read_source
from hiecheck.hl7.structure import check_structure

MSH = "MSH|^~\\&|APP|FAC|HIN|HIE|20240105123000||{t}|1|P|{v}"
EVN = "EVN|A01|20240105123000"
PID = "PID|1||100234^^^HOSP^MR||DOE^JANE||19800101|F"
PV1 = "PV1|1|I|MED^101^A"
OBR = "OBR|1||FIL1|4548-4^HbA1c^LN"
OBX = "OBX|1|NM|4548-4^HbA1c^LN||6.1|%|||||F"


def _rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def _check(make_message, lines: list[str]) -> list[Finding]:  # type: ignore[no-untyped-def]
    return check_structure(make_message(lines))


def test_valid_adt_a01_has_no_findings(make_message, adt_a01) -> None:  # type: ignore[no-untyped-def]
    assert _check(make_message, adt_a01) == []


def test_valid_oru_r01_has_no_findings(make_message) -> None:  # type: ignore[no-untyped-def]
    second = OBX.replace("|1|", "|2|", 1)
    lines = [MSH.format(t="ORU^R01^ORU_R01", v="2.5.1"), PID, OBR, OBX, second]
    assert _check(make_message, lines) == []


def test_invalid_segment_ids_are_reported_with_line(make_message) -> None:  # type: ignore[no-untyped-def]
    lines = [MSH.format(t="ADT^A01^ADT_A01", v="2.5.1"), EVN, "PIDX|1||1", PID, "PV|1|I", PV1,
             "pid|1"]
    found = [f for f in _check(make_message, lines) if f.rule == "segment.invalid-id"]
    # Issue 10: a location never carries what the line holds; a line with no valid id is named
    # by its number, the id written is the finding's value (shown only with --show-values).
    assert [(f.location, f.line, f.value) for f in found] == [
        ("line 3", 3, "PIDX"), ("line 5", 5, "PV"), ("line 7", 7, "pid")]
    assert all(f.severity is Severity.ERROR for f in found)


def test_corpus_file_with_bad_segment_headers(corpus_dir: Path) -> None:
    """Corpus rethink/invalid-segment-header-length.hl7: PIDX and PV are not segment ids."""
    raw = next(iter(read_source(str(corpus_dir / "rethink/invalid-segment-header-length.hl7"))))
    found = check_structure(tokenize(raw))
    invalid = [f for f in found if f.rule == "segment.invalid-id"]
    assert [f.value for f in invalid] == ["PIDX", "PV"]
    assert [f.location for f in invalid] == [f"line {f.line}" for f in invalid]  # never the id
    assert {"EVN", "PID", "PV1"} <= {
        f.message.split()[2] for f in found if f.rule == "structure.missing-required-segment"
    }


def test_z_segments_are_kept_reported_and_allowed_anywhere(make_message, adt_a01) -> None:  # type: ignore[no-untyped-def]
    lines = [adt_a01[0], "ZAA|1", *adt_a01[1:3], "ZPD|1|x", adt_a01[3], "ZVN|1"]
    found = _check(make_message, lines)
    assert _rules(found) == ["segment.z-segment"] * 3
    assert [f.location for f in found] == ["ZAA[1]", "ZPD[1]", "ZVN[1]"]
    assert all(f.severity is Severity.INFO for f in found)
    assert len(make_message(lines).segments) == 7  # nothing dropped


def test_unknown_segment_is_an_error_and_not_an_order_problem(make_message, adt_a01) -> None:  # type: ignore[no-untyped-def]
    found = _check(make_message, [*adt_a01[:3], "XYZ|1", adt_a01[3]])
    assert _rules(found) == ["segment.unknown"]
    assert found[0].location == "XYZ[1]" and found[0].line == 4


def test_segment_of_the_version_but_not_of_the_structure(make_message, adt_a01) -> None:  # type: ignore[no-untyped-def]
    found = _check(make_message, [*adt_a01, OBR])
    assert _rules(found) == ["structure.unexpected-segment"]
    assert found[0].location == "OBR[1]" and "not part of ADT_A01" in found[0].message


def test_out_of_order_is_reported_not_just_missing(make_message) -> None:  # type: ignore[no-untyped-def]
    lines = [MSH.format(t="ADT^A01^ADT_A01", v="2.5.1"), EVN, PV1, PID]
    found = _check(make_message, lines)
    assert _rules(found) == ["structure.unexpected-segment"]
    assert found[0].location == "PID[1]" and "out of order" in found[0].message


def test_missing_required_segments_all_reported(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _check(make_message, [MSH.format(t="ADT^A01^ADT_A01", v="2.5.1"), PID])
    missing = [f for f in found if f.rule == "structure.missing-required-segment"]
    assert [f.message.split()[2] for f in missing] == ["EVN", "PV1"]
    assert missing[0].location == "PID[1]" and missing[0].line == 2


def test_missing_required_group(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _check(make_message, [MSH.format(t="ORU^R01^ORU_R01", v="2.5.1"), PID])
    assert _rules(found) == ["structure.missing-required-segment"]
    assert "group ORDER_OBSERVATION" in found[0].message


def test_too_many_and_every_problem_collected(make_message, adt_a01) -> None:  # type: ignore[no-untyped-def]
    lines = [adt_a01[0], adt_a01[1], adt_a01[2], adt_a01[2], adt_a01[3], adt_a01[3], OBR]
    found = _check(make_message, lines)
    assert sorted(_rules(found)) == [
        "structure.too-many", "structure.too-many", "structure.unexpected-segment"
    ]
    assert {f.location for f in found} == {"PID[2]", "PV1[2]", "OBR[1]"}


def test_repeating_group_repeats_without_findings(make_message) -> None:  # type: ignore[no-untyped-def]
    lines = [MSH.format(t="ORU^R01^ORU_R01", v="2.5.1"), PID, OBR, OBX, OBR, OBX, OBX]
    assert _check(make_message, lines) == []


def test_missing_msh_9_3_is_inferred_as_info(make_message) -> None:  # type: ignore[no-untyped-def]
    lines = [MSH.format(t="ADT^A04", v="2.5.1"), EVN, PID, PV1]
    found = _check(make_message, lines)
    assert _rules(found) == ["msh.structure-inferred"]
    assert found[0].severity is Severity.INFO and found[0].value == "ADT_A01"
    assert found[0].location == "MSH[1]-9.3"


def test_unknown_message_type(make_message) -> None:  # type: ignore[no-untyped-def]
    for msg_type in ("ADT^A99", "XYZ^Q01", "ADT^A99^XYZ_Q01", ""):
        found = _check(make_message, [MSH.format(t=msg_type, v="2.5.1"), EVN, PID, PV1])
        assert "msh.unknown-message-type" in _rules(found), msg_type


def test_declared_structure_unknown_falls_back_to_event_map(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _check(make_message, [MSH.format(t="ADT^A04^ADT_A04", v="2.8"), "EVN||20240105", PID,
                                  PV1])
    assert _rules(found) == ["msh.unknown-structure"]
    assert found[0].severity is Severity.WARNING and "ADT_A01" in found[0].message


def test_declared_structure_differs_from_event_map(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _check(make_message, [MSH.format(t="ADT^A04^ADT_A02", v="2.5.1"), EVN, PID, PV1])
    assert _rules(found) == ["msh.structure-mismatch"]


def test_withdrawn_event_is_not_checked(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _check(make_message, [MSH.format(t="ADT^A18", v="2.8"), EVN, PID, PV1])
    assert "structure.not-checked" in _rules(found)


def test_unsupported_version_skips_version_checks(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _check(make_message, [MSH.format(t="ADT^A01", v="1.0"), "PV1|x", "PID|1", "Q"])
    assert _rules(found) == ["segment.invalid-id", "msh.version-unsupported"]
    assert found[1].value == "1.0" and "1.0" not in found[1].message


def test_header_problems_become_msh_findings(make_message) -> None:  # type: ignore[no-untyped-def]
    lines = ["MSH|^~\\\\&|APP|FAC|HIN|HIE|20240105123000||ADT^A01^ADT_A01|1|P|2.5.1", EVN, PID, PV1]
    found = _check(make_message, lines)
    assert _rules(found) == ["msh.encoding-characters-duplicate"]
    assert found[0].location == "MSH[1]-2"
    short = _check(make_message, ["MSH|^~|A|B|C|D|20240105||ADT^A01^ADT_A01|1|P|2.5.1", EVN, PID,
                                  PV1])
    assert "msh.encoding-characters-short" in _rules(short)


def test_findings_carry_source_message_number_and_no_patient_values(make_message) -> None:  # type: ignore[no-untyped-def]
    lines = [MSH.format(t="ADT^A01^ADT_A01", v="2.5.1"), EVN,
             "PID|1||100234^^^HOSP^MR||SECRETNAME^JANE||NOTADATE|F", PV1, PV1]
    found = _check(make_message, lines)
    assert found and all(f.source == "mem" and f.message_number == 1 for f in found)
    assert not any("SECRETNAME" in f.message or "NOTADATE" in f.message for f in found)
    assert any(f.value == "NOTADATE" for f in found)


def test_every_corpus_message_checks_without_exception(corpus_dir: Path,
                                                       corpus_manifest: list[dict[str, str]]
                                                       ) -> None:
    checked = 0
    for row in corpus_manifest:
        for raw in read_source(str(corpus_dir / row["file"])):
            for finding in check_structure(tokenize(raw)):
                assert finding.line >= 1 and finding.location
            checked += 1
    assert checked >= len(corpus_manifest)


_SEGMENTS = [MSH.format(t="ADT^A01^ADT_A01", v="2.5.1"), EVN, PID, PV1, OBR, OBX, "ZPD|1",
             "DG1|1||I10^HTN^I10||20240101|A", "NK1|1|DOE^JOHN|SPO"]


@settings(max_examples=150, deadline=None)
@given(
    order=st.permutations(list(range(1, len(_SEGMENTS)))),
    cut=st.integers(min_value=0, max_value=400),
    junk=st.text(max_size=12),
    junk_at=st.integers(min_value=0, max_value=400),
    drop_sep=st.sampled_from(["", "|", "^", "~", "&", "\\"]),
)
def test_mutated_messages_never_raise(make_message, order, cut, junk, junk_at, drop_sep) -> None:  # type: ignore[no-untyped-def]
    lines = [_SEGMENTS[0]] + [_SEGMENTS[i] for i in order]
    text = "\r".join(lines)
    text = text[: max(4, len(text) - cut)]
    text = text[:junk_at] + junk + text[junk_at:] if text.startswith("MSH") else text
    if drop_sep:
        text = text[:3] + text[3:].replace(drop_sep, "", 2)
    segs = [s for s in text.replace("\n", "\r").split("\r") if s.strip()]
    if not segs or not segs[0].startswith("MSH"):
        return
    message = make_message(segs)
    findings = check_structure(message)
    assert all(isinstance(f, Finding) for f in findings)
