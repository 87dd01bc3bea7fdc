"""Coded fields against their HL7 tables (issue 16, "Conformance gaps found on HL7 samples from
other public projects": a patient class PV1-2 of `99` passes). HL7 v2.x chapter 2A: ID values
come from HL7-defined tables, IS values from user-defined tables with HL7's suggested values;
the tables are hl7apy's per version (hl7apy.v2_5.tables.TABLES)."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path
from types import SimpleNamespace

import pytest

from hiecheck.errors import InputError
from hiecheck.hl7 import reference
from hiecheck.hl7.compiled import CheckMode, VersionRegistry
from hiecheck.hl7.fields import check_fields
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.requirements import load_requirements
from hiecheck.hl7.tables import ALL_TABLES, TableKind, TablePolicy, normalise_table_id
from hiecheck.hl7.validate import MessageResult, default_checks, validate_paths

MSH = "MSH|^~\\&|APP|FAC|HIN|HIE|20240105123000||ADT^A01^ADT_A01|1|P|{v}"
EVN = "EVN|A01|20240105123000"
PID = "PID|1||100234^^^HOSP^MR||DOE^JANE||19800101|F"


def _fields(make_message, pv1: str, version: str = "2.5.1", policy: TablePolicy | None = None,  # type: ignore[no-untyped-def]
            extra: tuple[str, ...] = (), mode: CheckMode = CheckMode.FAST) -> list[Finding]:
    message = make_message([MSH.format(v=version), EVN, PID, pv1, *extra])
    return check_fields(message, VersionRegistry(mode, tables=policy or TablePolicy()))


def _coded(found: list[Finding]) -> list[tuple[str, str, Severity, str | None]]:
    return [(f.rule, f.location, f.severity, f.value) for f in found
            if f.rule.startswith("field.not-in-")]


@pytest.mark.parametrize("mode", list(CheckMode))
def test_patient_class_99_is_a_user_table_warning(make_message, mode: CheckMode) -> None:  # type: ignore[no-untyped-def]
    """PV1-2 is IS (HL7 table 0004, suggested values B C E I N O P R U): warned by default."""
    found = _fields(make_message, "PV1|1|99", mode=mode)
    assert _coded(found) == [("field.not-in-user-table", "PV1[1]-2", Severity.WARNING, "99")]
    assert "99" not in found[0].message
    assert _coded(_fields(make_message, "PV1|1|E", mode=mode)) == []


@pytest.mark.parametrize("names", [["0004"], ["HL70004"], ["4"], [ALL_TABLES]])
@pytest.mark.parametrize("mode", list(CheckMode))
def test_strict_table_is_an_error(make_message, names: list[str], mode: CheckMode) -> None:  # type: ignore[no-untyped-def]
    found = _fields(make_message, "PV1|1|99", policy=TablePolicy.of(names), mode=mode)
    assert _coded(found) == [("field.not-in-user-table", "PV1[1]-2", Severity.ERROR, "99")]


def test_patient_class_99_fails_validate(h: SimpleNamespace, write, cli) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: PV1-2 `99` must fail. hie-adt (the default set) makes table 0004 strict."""
    text = h.clean_adt().replace("PV1|1|I|", "PV1|1|99|")
    assert "PV1|1|99|" in text
    result = cli("validate", write(text), "-q")
    assert result.exit_code == 1, result.output
    assert "field.not-in-user-table" in result.output
    lenient = cli("validate", write(text), "-q", "--requirements", "none")
    assert lenient.exit_code == 0, lenient.output


@pytest.mark.parametrize("mode", list(CheckMode))
def test_id_field_and_id_component_errors(make_message, mode: CheckMode) -> None:  # type: ignore[no-untyped-def]
    """ID values: PID-24 (table 0136 Y/N) and CX.5 of PID-3 (table 0203), per repetition."""
    pid = "PID|1||1^^^H^MR~2^^^H^ZZ~3^^^H^NNCAN||DOE||19800101|F" + "|" * 16 + "Q"
    message = make_message([MSH.format(v="2.5.1"), EVN, pid, "PV1|1|I"])
    found = check_fields(message, VersionRegistry(mode))
    assert _coded(found) == [
        ("field.not-in-table", "PID[1]-3(2).5", Severity.ERROR, "ZZ"),
        ("field.not-in-table", "PID[1]-24", Severity.ERROR, "Q"),
    ]


@pytest.mark.parametrize("mode", list(CheckMode))
def test_coding_system_table_is_not_checked(make_message, mode: CheckMode) -> None:  # type: ignore[no-untyped-def]
    """HL7 table 0396 (coding system) is maintained outside the versions: hl7apy's 2.5.1 copy
    lacks UCUM, SCT …, so CE.3 / CWE.3 codes are not judged."""
    obx = "OBX|1|CWE|8480-6^SBP^LN||X^Y^99USI~A^B^ANYTHING|mm[Hg]^mmHg^UCUM|||||F"
    found = _fields(make_message, "PV1|1|I", extra=("OBR|1|||1^A^LN", obx), mode=mode)
    assert _coded([f for f in found if f.line == 6]) == []


def test_value_type_table_has_the_versions_datatypes() -> None:
    """hl7apy's table 0125 lacks CWE before 2.7; 2.5.1 defines CWE, so OBX-2 CWE is valid."""
    assert "CWE" in reference.tables("2.5.1")["HL70125"]


def test_empty_or_missing_tables_are_not_checked(make_message) -> None:  # type: ignore[no-untyped-def]
    """2.3 has no tables in hl7apy; PL.1 (table 0302) is shipped empty: nothing checked."""
    assert reference.tables("2.3") == {}
    assert "HL70302" not in reference.tables("2.5.1")
    assert _coded(_fields(make_message, "PV1|1|99", version="2.3")) == []
    assert _coded(_fields(make_message, "PV1|1|I|ANYWHERE^1^A")) == []


def test_table_ids_normalise_and_reject_garbage() -> None:
    assert normalise_table_id("0004") == normalise_table_id("hl70004") == "HL70004"
    assert normalise_table_id("ALL") == ALL_TABLES
    with pytest.raises(ValueError):
        normalise_table_id("patient class")
    policy = TablePolicy.of(["0004"])
    assert policy.strict(TableKind.USER, "HL70004") and not policy.strict(TableKind.USER, "HL70007")
    assert policy.strict(TableKind.HL7, "HL70136")


def test_bad_strict_tables_in_a_requirement_set_is_bad_input(tmp_path: Path) -> None:
    """strict_tables is validated on load: a bad id names the file (exit 2 in the CLI)."""
    bundled = Path(str(files("hiecheck") / "profiles"))
    root = tmp_path / "profiles"
    shutil.copytree(bundled, root)
    path = root / "messages" / "requirements" / "hie-adt.toml"
    path.write_text(path.read_text().replace('strict_tables = ["0004"]',
                                             'strict_tables = ["patient class"]'))
    with pytest.raises(InputError) as raised:
        load_requirements("hie-adt", root)
    assert "hie-adt.toml" in str(raised.value.source) or "hie-adt" in str(raised.value)


def test_bundled_sets_make_patient_class_strict() -> None:
    for set_id in ("hie-adt", "pcplus-tier2", "pcplus-tier3"):
        compiled = load_requirements(set_id)
        assert compiled is not None and compiled.strict_tables == frozenset({"HL70004"})


@pytest.mark.parametrize(("name", "expected"), [
    # HAPI's parser test message: identifier type codes PK, CF, SSN, TEAM are not in table 0203.
    ("hapi/parser_adt_a03.hl7", {("PID[1]-3.5", "PK"), ("PID[1]-3(2).5", "CF"),
                                 ("PID[1]-3(3).5", "SSN"), ("PID[1]-3(4).5", "TEAM")}),
    # rethink's lab sample: OBR-25 result status HM is not in table 0123.
    ("rethink/oru-r01-lab.hl7", {("OBR[1]-25", "HM")}),
])
def test_real_samples_whose_verdict_changed(
    corpus_dir: Path, name: str, expected: set[tuple[str, str]]
) -> None:
    """Of the 178 corpus messages these two are the only ones whose verdict the table checks
    change (measured with `--requirements none`); both are real table violations."""
    checks = default_checks(None)
    results = [e for e in validate_paths([str(corpus_dir / name)], checks)
               if isinstance(e, MessageResult)]
    found = {(f.location, f.value) for r in results for f in r.findings
             if f.rule == "field.not-in-table"}
    assert found == expected
    assert all(r.has_errors for r in results)
