"""Header conformance gaps of issue 16 ("Conformance gaps found on HL7 samples from other public
projects"): the five-character MSH-2 before 2.7, an empty MSH-12, versions without reference
data. Sources: HL7 v2.x chapter 2 (MSH-2 encoding characters, MSH-12 version id, HL7 table 0104);
HL7 v2.7 chapter 2 introduces the truncation character."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.structure import check_structure

LINES = ["EVN|A01|20240105123000", "PID|1||100234^^^HOSP^MR||DOE^JANE||19800101|F",
         "PV1|1|I|MED^101^A"]


def _msh(encoding: str = "^~\\&", version: str = "2.5.1", time: str = "20240105123000",
         control: str = "1", processing: str = "P") -> str:
    return (f"MSH|{encoding}|APP|FAC|HIN|HIE|{time}||ADT^A01^ADT_A01|{control}|{processing}|"
            f"{version}")


def _found(make_message, msh: str) -> list[Finding]:  # type: ignore[no-untyped-def]
    return check_structure(make_message([msh, *LINES]))


@pytest.mark.parametrize("version", ["2.3", "2.5.1", "2.6"])
def test_truncation_character_before_27_is_an_error(make_message, version: str) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: a five-character MSH-2 (^~\\&#) passes in 2.5.1 messages; valid only from 2.7."""
    found = _found(make_message, _msh("^~\\&#", version))
    hits = [f for f in found if f.rule == "msh.truncation-character-before-2.7"]
    assert len(hits) == 1 and hits[0].severity is Severity.ERROR
    assert hits[0].location == "MSH[1]-2" and "#" not in hits[0].message


@pytest.mark.parametrize("version", ["2.7", "2.8", "2.8.2"])
def test_truncation_character_from_27_is_fine(make_message, version: str) -> None:  # type: ignore[no-untyped-def]
    found = _found(make_message, _msh("^~\\&#", version))
    assert "msh.truncation-character-before-2.7" not in {f.rule for f in found}


def test_empty_version_says_missing_and_checks_the_header(make_message) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: an empty MSH-12 says the version is missing, and the other header checks
    (MSH-7/9/10/11 missing) still run."""
    found = _found(make_message, _msh(version="", time="", control="", processing=""))
    rules = [(f.rule, f.location) for f in found]
    assert ("msh.version-missing", "MSH[1]-12") in rules
    assert "msh.version-unsupported" not in {r for r, _ in rules}
    missing = {loc for r, loc in rules if r == "field.required-missing"}
    assert missing == {"MSH[1]-7", "MSH[1]-10", "MSH[1]-11"}


def test_empty_version_with_a_complete_header(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _found(make_message, _msh(version=""))
    assert [f.rule for f in found] == ["msh.version-missing"]
    assert found[0].severity is Severity.ERROR


@pytest.mark.parametrize("version", ["2.9", "2.1", "2.10"])
def test_v2_version_without_reference_data_warns(make_message, version: str) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: a version without reference data is "not checked", a warning."""
    found = _found(make_message, _msh(version=version))
    assert [(f.rule, f.severity) for f in found] == [
        ("msh.version-not-checked", Severity.WARNING)]
    assert found[0].value == version


def test_not_checked_version_still_checks_header_fields(make_message) -> None:  # type: ignore[no-untyped-def]
    found = _found(make_message, _msh(version="2.9", control=""))
    assert {(f.rule, f.location) for f in found} == {
        ("msh.version-not-checked", "MSH[1]-12"), ("field.required-missing", "MSH[1]-10")}


@pytest.mark.parametrize("version", ["1.0", "3", "V2"])
def test_not_a_v2_version_stays_an_error(make_message, version: str) -> None:  # type: ignore[no-untyped-def]
    found = _found(make_message, _msh(version=version))
    assert [(f.rule, f.severity) for f in found] == [("msh.version-unsupported", Severity.ERROR)]


def test_v29_message_exits_zero(h: SimpleNamespace, write, cli) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: HL7 2.9 messages were errors (exit 1); now a warning, exit 0."""
    text = h.clean_adt().replace("|2.5.1", "|2.9", 1)
    assert "|2.9" in text
    result = cli("validate", write(text), "-q")
    assert result.exit_code == 0, result.output
    assert "msh.version-not-checked" in result.output
