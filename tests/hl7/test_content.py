"""Requirement sets as data: loading, compiling, content findings and content-group verdicts."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from hiecheck.errors import InputError
from hiecheck.hl7.content import check_content, content_groups, is_numeric
from hiecheck.hl7.requirement_files import available_requirement_sets, load_sources
from hiecheck.hl7.requirements import load_requirements


def _rules_at(findings: list, rule: str) -> set[str]:
    return {f.location for f in findings if f.rule == rule}


def test_named_requirement_sets_exist_and_compose_groups(project_root: Path) -> None:
    assert {"hie-adt", "pcplus-tier2", "pcplus-tier3"} <= set(available_requirement_sets())
    tier3 = load_sources("pcplus-tier3")
    assert [g.id for g in tier3.requirement_set.groups] == [
        "message_header", "demographics", "encounter", "diagnosis_coding", "procedure_coding",
        "vital_signs", "lab_results",
    ]
    assert tier3.requirement_set.citation.source == "003_954d39c802c8d7be.txt"
    assert load_requirements("none") is None


def test_clean_adt_satisfies_hie_adt(h: SimpleNamespace) -> None:
    """FACTS.md, HL7 v2 facts that bite: "Typical HIE ADT feed requirements:
    MSH-3/4/7/9(with 9.3)/10/11/12; EVN-2; PID-3 (with assigning authority), PID-5, PID-7, PID-8
    (PID-10/11/13/22 if available); PV1-2, PV1-19, PV1-44 (PV1-45 on A03)" """
    findings, groups = check_content(h.parse(h.clean_adt()), load_requirements("hie-adt"))
    assert [f for f in findings if f.severity != "info"] == []
    assert groups["demographics"].status == "satisfied"
    assert groups["encounter"].status == "satisfied"
    assert groups["diagnosis_coding"].status == "absent"


@pytest.mark.parametrize("field", ["PID-3", "PID-5", "PID-7", "PID-8", "PV1-2", "PV1-19",
                                   "PV1-44", "MSH-10", "EVN-2"])
def test_each_required_field_is_flagged_when_missing(h: SimpleNamespace, field: str) -> None:
    """FACTS.md, HL7 v2 facts that bite: "Typical HIE ADT feed requirements: ... EVN-2; PID-3
    (with assigning authority), PID-5, PID-7, PID-8 ...; PV1-2, PV1-19, PV1-44" """
    seg_id, number = field.split("-")
    lines = []
    for line in h.clean_adt().split("\r"):
        if line.startswith(seg_id):
            parts = line.split("|")
            parts[int(number) - (1 if seg_id == "MSH" else 0)] = ""
            line = "|".join(parts)
        lines.append(line)
    findings, groups = check_content(h.parse("\r".join(lines)), load_requirements("hie-adt"))
    assert f"{seg_id}[1]-{number}" in _rules_at(findings, "content.required-missing")
    assert any(g.status == "incomplete" and f"{seg_id}[1]-{number}" in map(str, g.missing)
               for g in groups.values())


def test_pid3_needs_an_assigning_authority(h: SimpleNamespace) -> None:
    """FACTS.md: "PID-3 (with assigning authority)" """
    text = h.clean_adt().replace("123^^^HOSP^MR", "123")
    findings, _ = check_content(h.parse(text), load_requirements("hie-adt"))
    assert _rules_at(findings, "content.required-missing") == {"PID[1]-3.4"}


def test_re_fields_missing_are_warnings_and_do_not_fail_the_group(h: SimpleNamespace) -> None:
    """FACTS.md: "PID-10/11/13/22 if available ... A "required if available" usage (RE) is
    common." """
    text = h.clean_adt().replace("|2106-3|", "||")
    findings, groups = check_content(h.parse(text), load_requirements("hie-adt"))
    assert [(f.rule, f.severity.value, f.location) for f in findings if f.severity != "info"] == [
        ("content.re-missing", "warning", "PID[1]-10")
    ]
    demographics = groups["demographics"]
    assert demographics.satisfied and [str(w) for w in demographics.re_missing] == ["PID[1]-10"]


def test_pv1_45_is_required_on_a03_only(h: SimpleNamespace) -> None:
    """FACTS.md: "PV1-44 (PV1-45 on A03)" """
    req = load_requirements("hie-adt")
    a03 = h.clean_adt("A03").replace("|20260101115900", "")
    findings, _ = check_content(h.parse(a03), req)
    assert "PV1[1]-45" in _rules_at(findings, "content.required-missing")
    findings, _ = check_content(h.parse(h.clean_adt("A01")), req)
    assert "PV1[1]-45" not in _rules_at(findings, "content.required-missing")


def test_msh_9_3_required_from_2_3_1(h: SimpleNamespace) -> None:
    """FACTS.md: "MSH-3/4/7/9(with 9.3)/10/11/12" (MSH-9.3 exists from v2.3.1)."""
    req = load_requirements("hie-adt")
    new = h.clean_adt().replace("ADT^A01^ADT_A01", "ADT^A01")
    assert "MSH[1]-9.3" in _rules_at(check_content(h.parse(new), req)[0],
                                     "content.required-missing")
    old = new.replace("|P|2.5.1", "|P|2.3")
    assert "MSH[1]-9.3" not in _rules_at(check_content(h.parse(old), req)[0],
                                         "content.required-missing")


def _with(h: SimpleNamespace, *extra: str, event: str = "A01") -> str:
    return h.clean_adt(event) + "\r".join(extra) + "\r"


@pytest.mark.parametrize("system", ["I10", "ICD10CM", "ICD-10-CM", "icd-10-cm"])
def test_dg1_icd10cm_coding_systems_pass(h: SimpleNamespace, system: str) -> None:
    """FACTS.md: "DG1-3 (coded, ICD-10-CM) with DG1-6" """
    text = _with(h, f"DG1|1||I10.9^Essential hypertension^{system}|||F")
    findings, groups = check_content(h.parse(text), load_requirements("pcplus-tier2"))
    assert not _rules_at(findings, "content.value-set")
    assert groups["diagnosis_coding"].satisfied


def test_dg1_other_coding_system_fails_value_set(h: SimpleNamespace) -> None:
    """FACTS.md: "DG1-3 (coded, ICD-10-CM)"; Seed 003, Primary Care Plus: "Tier II: ...
    encounter/visit information (including diagnosis and procedure coding)." """
    text = _with(h, "DG1|1||401.9^Hypertension^I9|||F", "DG1|2||I10^Hypertension^^^^I10|||F")
    findings, groups = check_content(h.parse(text), load_requirements("pcplus-tier2"))
    bad = [f for f in findings if f.rule == "content.value-set"]
    assert [(f.location, f.severity.value) for f in bad] == [("DG1[1]-3", "error")]
    assert groups["diagnosis_coding"].status == "incomplete"
    assert [str(w) for w in groups["diagnosis_coding"].invalid] == ["DG1[1]-3"]


def test_dg1_needs_dg1_6(h: SimpleNamespace) -> None:
    text = _with(h, "DG1|1||I10^Hypertension^I10")
    findings, _ = check_content(h.parse(text), load_requirements("hie-adt"))
    assert "DG1[1]-6" in _rules_at(findings, "content.required-missing")


def test_procedure_coding_group(h: SimpleNamespace) -> None:
    """FACTS.md: "PR1-3"; Seed 003: "(including diagnosis and procedure coding)" """
    ok = check_content(h.parse(_with(h, "PR1|1||99213^Office visit^C4")),
                       load_requirements("pcplus-tier2"))
    assert ok[1]["procedure_coding"].satisfied
    missing = check_content(h.parse(_with(h, "PR1|1||")), load_requirements("pcplus-tier2"))
    assert "PR1[1]-3" in _rules_at(missing[0], "content.required-missing")


VITALS = [
    "OBX|1|NM|8480-6^Systolic blood pressure^LN||128|mm[Hg]^^UCUM|||||F|||20260101110000",
    "OBX|2|NM|8462-4^Diastolic blood pressure^LN||82|mm[Hg]|||||F|||20260101110000",
    "OBX|3|NM|8867-4^Heart rate^LN||72|/min|||||F|||20260101110000",
    "OBX|4|NM|29463-7^Body weight^LN||80.5|kg|||||F|||20260101110000",
    "OBX|5|NM|8302-2^Body height^LN||180|cm|||||F|||20260101110000",
    "OBX|6|NM|39156-5^BMI^LN||24.8|kg/m2|||||F|||20260101110000",
]


def test_vital_signs_group_satisfied_by_loinc_ucum_obx(h: SimpleNamespace) -> None:
    """Seed 003, Primary Care Plus: "Tier III: ... containing all patient demographics,
    encounter/visit information (including diagnosis and procedure coding), vital signs, and
    laboratory test results." """
    findings, groups = check_content(h.parse(_with(h, *VITALS)), load_requirements("pcplus-tier3"))
    assert [f for f in findings if f.severity != "info"] == []
    assert groups["vital_signs"].satisfied
    assert groups["lab_results"].status == "not-applicable"  # lab results come in ORU


def test_vital_sign_problems(h: SimpleNamespace) -> None:
    """FACTS.md: vital signs "LOINC 8480-6, 8462-4"; issue: "numeric OBX-5 with UCUM units in
    OBX-6, result status OBX-11" """
    bad = [
        "OBX|1|NM|8480-6^Systolic^LN||high|mm[Hg]|||||F",
        "OBX|2|NM|8462-4^Diastolic^LN||82|mmHg|||||Q",
        "OBX|3|NM|8867-4^Heart rate^L||72|/min|||||F",
        "OBX|4|SN|29463-7^Weight^LN||>^80|kg|||||F",
    ]
    findings, groups = check_content(h.parse(_with(h, *bad)), load_requirements("pcplus-tier3"))
    got = {(f.rule, f.location) for f in findings if f.severity != "info"}
    assert ("content.not-numeric", "OBX[1]-5") in got
    assert ("content.units", "OBX[2]-6") in got
    assert ("content.value-set", "OBX[2]-11") in got
    assert ("content.value-set", "OBX[3]-3") in got
    assert not {r for r, loc in got if loc.startswith("OBX[4]") and r != "content.re-missing"}
    assert groups["vital_signs"].status == "incomplete"


def test_lab_results_in_oru(h: SimpleNamespace) -> None:
    """Seed 003: "Tier III: HL7 data interface supporting real-time ... and/or Observation Result
    (ORU) messages containing ... laboratory test results." """
    oru = "\r".join([
        h.msh("R01", "ORU_R01", code="ORU"),
        "PID|1||123^^^HOSP^MR||DOE^JANE||19800101|F|||||||||||||||",
        "OBR|1||F1|24323-8^Comprehensive metabolic panel^LN|||20260101080000"
        "|||||||||||||||20260101115000|||F",
        "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99||||F",
        "OBX|2|NM|GLU^Glucose^L||95|mg/dl|70-99||||F",
    ]) + "\r"
    findings, groups = check_content(h.parse(oru), load_requirements("pcplus-tier3"))
    lab = groups["lab_results"]
    assert lab.satisfied  # local code and non-UCUM unit are warnings, not group failures
    got = {(f.rule, f.severity.value, f.location) for f in findings}
    assert ("content.value-set", "warning", "OBX[2]-3") in got
    assert ("content.units", "warning", "OBX[2]-6") in got
    assert groups["encounter"].status == "not-applicable"


def test_message_types_outside_the_set_are_not_covered(h: SimpleNamespace) -> None:
    oru = h.msh("R01", "ORU_R01", code="ORU") + "\rPID|1\r"
    findings, groups = check_content(h.parse(oru), load_requirements("hie-adt"))
    assert [f.rule for f in findings] == ["content.not-covered"]
    assert {g.status for g in groups.values()} == {"not-applicable"}


def test_content_groups_api(h: SimpleNamespace) -> None:
    groups = content_groups(h.parse(h.clean_adt()), load_requirements("pcplus-tier3"))
    assert set(groups) == {"message_header", "demographics", "encounter", "diagnosis_coding",
                           "procedure_coding", "vital_signs", "lab_results"}


def test_is_numeric() -> None:
    assert all(is_numeric(v, "^") for v in ["1", "-2.5", ".5", "+3.", ">^10", "^1^-^5", "<=^7"])
    assert not any(is_numeric(v, "^") for v in ["", "abc", "1,5", "^1^-", ">>^1", "1e5"])


def _copy_profiles(project_root: Path, tmp_path: Path) -> Path:
    target = tmp_path / "profiles"
    shutil.copytree(project_root / "src" / "hiecheck" / "profiles", target)
    return target


def test_unknown_requirement_set_is_input_error() -> None:
    with pytest.raises(InputError, match="unknown requirement set") as exc:
        load_requirements("tier-9")
    assert "hie-adt" in (exc.value.expected or "")


def test_unknown_key_in_a_group_names_the_key(project_root: Path, tmp_path: Path) -> None:
    profiles = _copy_profiles(project_root, tmp_path)
    path = profiles / "messages" / "content_groups.toml"
    path.write_text(path.read_text().replace('usage = "R" },', 'usage = "R", colour = 1 },', 1))
    with pytest.raises(InputError, match="unknown key") as exc:
        load_requirements("hie-adt", profiles)
    assert exc.value.location == "groups.message_header.elements[1].colour"


def test_unknown_value_set_and_group_are_input_errors(project_root: Path, tmp_path: Path) -> None:
    profiles = _copy_profiles(project_root, tmp_path)
    groups = profiles / "messages" / "content_groups.toml"
    groups.write_text(groups.read_text().replace('"administrative_sex_0001"', '"nope"'))
    with pytest.raises(InputError, match="unknown value set 'nope'"):
        load_requirements("hie-adt", profiles)
    shutil.copy(project_root / "src/hiecheck/profiles/messages/content_groups.toml", groups)
    req = profiles / "messages" / "requirements" / "hie-adt.toml"
    req.write_text(req.read_text().replace('id = "encounter"', 'id = "visits"'))
    with pytest.raises(InputError, match="unknown content group 'visits'"):
        load_requirements("hie-adt", profiles)


def test_bad_field_path_is_input_error(project_root: Path, tmp_path: Path) -> None:
    profiles = _copy_profiles(project_root, tmp_path)
    path = profiles / "messages" / "content_groups.toml"
    path.write_text(path.read_text().replace('field = "PID-5"', 'field = "PID5"'))
    with pytest.raises(InputError, match="not SEG-n"):
        load_requirements("hie-adt", profiles)


def test_content_findings_name_their_group(project_root: Path, corpus_dir: Path) -> None:
    """Every content finding about a group carries the group id (the evidence step relies on it,
    also with --jobs, where findings travel between processes)."""
    from hiecheck.hl7.validate import MessageResult, default_checks, validate_paths

    checks = default_checks(load_requirements("pcplus-tier3"))
    paths = [str(project_root / "sample_messages"), str(corpus_dir)]
    seen = 0
    for jobs in (1, 2):
        for event in validate_paths(paths, checks, jobs=jobs):
            if not isinstance(event, MessageResult):
                continue
            for f in event.findings:
                if not f.rule.startswith("content.") or f.rule == "content.not-covered":
                    assert f.group is None
                    continue
                seen += 1
                assert f.group in event.groups, f
                assert f"({f.group})" in f.message, f
    assert seen > 100
