"""Every role with passing and failing message sets (collect → MessageEvidence → evaluate)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from hiecheck.programs.report import Report

Check = Callable[..., Report]


@pytest.mark.parametrize(
    ("role", "requirement"),
    [("ac", "adt-realtime"), ("cct", "adt-realtime"), ("dsnp-ltc", "adt-realtime")],
)
def test_realtime_adt_roles_pass_with_realtime_messages(
    kit: SimpleNamespace, check: Check, role: str, requirement: str
) -> None:
    """Seed 003, Community Care Teams / HIE Participation: "Non-HOME providers: Participation is
    required, including an HL7 data interface supporting real-time Admission Discharge Transfer
    (ADT) messages transactions." (the same sentence for AC's incentive and D-SNP LTC facilities)"""
    hie = kit.REALTIME_ADT + "letter_of_direction = true\n"  # AC's incentive also needs the LOD
    report = check(kit.org_text(role, hie), kit.SETS / "ltc-realtime-adt")
    req = report.role(role).requirement(requirement)
    assert req.status == "met" and req.source == "evidence"
    assert any(
        line.startswith("real-time ADT: 3/3 messages created within 60 minutes")
        for line in req.evidence
    )
    assert report.role(role).status == "attested"  # HIE participation stays declared
    assert report.exit_code == 0


@pytest.mark.parametrize("role", ["ac", "cct", "dsnp-ltc"])
def test_realtime_adt_roles_fail_with_delayed_messages(
    kit: SimpleNamespace, check: Check, role: str
) -> None:
    """Seed 003, D-SNP / HIE Participation: "D-SNP contracted LTC facilities: Participation is
    required, including an HL7 data interface supporting real-time Admission Discharge Transfer
    (ADT) messages transactions." Messages sent two days after the event are not real-time."""
    report = check(kit.org_text(role), kit.SETS / "adt-not-realtime")
    req = report.role(role).requirement("adt-realtime")
    assert req.status == "unmet"
    assert req.detail.startswith("declared real-time ADT, but the 2 ADT messages do not show it")
    assert "only 0/2 created within 60 minutes of the event (EVN-2 to MSH-7)" in req.detail
    assert report.exit_code == 1


def test_tier2_complete_is_proven(kit: SimpleNamespace, check: Check) -> None:
    """Seed 003, Primary Care Plus / Tier II: "HL7 data interface supporting real-time Admission
    Discharge Transfer (ADT) messages containing all patient demographics and encounter/visit
    information (including diagnosis and procedure coding)." """
    report = check(kit.org_text("pcplus-tier2"), kit.SETS / "tier2-complete")
    role = report.role("pcplus-tier2")
    req = role.requirement("tier2-adt")
    assert req.status == "met", req.detail
    assert role.tier is not None and (role.tier.reached, role.tier.basis) == (2, "proven")
    lines = "\n".join(req.evidence)
    assert "procedure coding: PR1-3" in lines and "valued in" in lines
    assert "adt.hl7 #1" in lines  # which message proves it: file and number, no values
    assert report.exit_code == 0


def test_tier2_missing_procedures_names_the_field(kit: SimpleNamespace, check: Check) -> None:
    """Seed 003, Primary Care Plus / Tier II: "... encounter/visit information (including
    diagnosis and procedure coding)." Without PR1 the tier is not proven."""
    report = check(kit.org_text("pcplus-tier2"), kit.SETS / "tier2-missing-procedures")
    role = report.role("pcplus-tier2")
    req = role.requirement("tier2-adt")
    assert req.status == "unmet"
    assert (
        "PR1-3 never valued in 5 ADT messages: procedure coding missing — needed for PCPlus Tier II"
        in req.evidence
    )
    assert any(f.startswith("Add PR1 segments with PR1-3 procedure codes") for f in req.fixes)
    assert role.tier is not None and role.tier.reached == 1
    assert any("PR1-3" in item for item in role.tier.checklist_for_next)
    assert report.exit_code == 1


def test_tier2_dx_not_icd10(kit: SimpleNamespace, check: Check) -> None:
    """Seed 003, Primary Care Plus / Tier II: diagnosis coding is part of the Tier II content;
    DG1-3 with a local coding system does not show ICD-10-CM diagnosis coding."""
    req = (
        check(kit.org_text("pcplus-tier2"), kit.SETS / "dx-not-icd10")
        .role("pcplus-tier2")
        .requirement("tier2-adt")
    )
    assert req.status == "unmet"
    assert "DG1-3 not coded in ICD-10-CM in 2 of 2 ADT messages" in req.detail


def test_tier2_content_without_realtime(kit: SimpleNamespace, check: Check) -> None:
    """Seed 003, Primary Care Plus / Tier II: "supporting real-time Admission Discharge Transfer
    (ADT) messages". Complete content sent two days late: content present, real-time not shown."""
    req = (
        check(kit.org_text("pcplus-tier2"), kit.SETS / "adt-not-realtime")
        .role("pcplus-tier2")
        .requirement("tier2-adt")
    )
    assert req.status == "unmet"
    lines = "\n".join(req.evidence)
    assert "procedure coding: PR1-3" in lines and "diagnosis coding: DG1-3" in lines
    assert "ADT messages not real-time" in req.detail
    assert any(f.startswith("Send ADT messages as events happen") for f in req.fixes)


def test_tier3_complete_spread_over_adt_and_oru(kit: SimpleNamespace, check: Check) -> None:
    """Seed 003, Primary Care Plus / Tier III: "HL7 data interface supporting real-time
    Admission Discharge Transfer (ADT) and/or Observation Result (ORU) messages containing all
    patient demographics, encounter/visit information (including diagnosis and procedure
    coding), vital signs, and laboratory test results." Content may come from both together."""
    report = check(kit.org_text("pcplus-tier3", kit.ALL_DECLARED), kit.SETS / "tier3-complete")
    role = report.role("pcplus-tier3")
    req = role.requirement("tier3-adt-oru")
    assert req.status == "met", req.detail
    lines = {line.split(":")[0]: line for line in req.evidence}
    assert "adt.hl7" in lines["procedure coding"]
    assert "oru-labs.hl7" in lines["laboratory test results"]
    assert "oru-vitals.hl7" in lines["vital signs"]
    assert role.tier is not None and (role.tier.reached, role.tier.basis) == (3, "proven")
    assert report.exit_code == 0


def test_tier3_vitals_without_labs(kit: SimpleNamespace, check: Check) -> None:
    """Seed 003, Primary Care Plus / Tier III: "... vital signs, and laboratory test results."
    Vitals alone reach Tier II, not Tier III; the checklist names lab results."""
    role = check(kit.org_text("pcplus-tier3"), kit.SETS / "tier3-vitals-no-labs").role(
        "pcplus-tier3"
    )
    req = role.requirement("tier3-adt-oru")
    assert req.status == "unmet"
    assert "laboratory test results missing" in req.detail
    assert any(line.startswith("vital signs: OBX-3") for line in req.evidence)
    assert role.tier is not None and role.tier.reached == 2 and role.tier.next_tier == 3
    assert any("LOINC" in item and "ORU" in item for item in role.tier.checklist_for_next)


def test_tier3_oru_with_local_codes(kit: SimpleNamespace, check: Check) -> None:
    """Seed 003, Primary Care Plus / Tier III: lab results and vital signs with local codes
    (not LOINC) do not show the Tier III content."""
    req = (
        check(kit.org_text("pcplus-tier3"), kit.SETS / "oru-non-loinc")
        .role("pcplus-tier3")
        .requirement("tier3-adt-oru")
    )
    assert req.status == "unmet"
    assert "laboratory test results not shown: OBX-3 not LOINC-coded in 2 of 3 ORU messages" in (
        req.detail
    )
    assert "vital signs not shown: OBX-3 not LOINC-coded" in req.detail


@pytest.mark.parametrize(("folder", "count"), [("adt-batch", 6), ("lf-separated", 2)])
def test_batch_and_lf_files_are_read(
    kit: SimpleNamespace, check: Check, collected, folder: str, count: int
) -> None:
    """An FHS/BHS batch and an LF-separated file read as their messages; Tier II content shown."""
    assert collected(kit.SETS / folder).count(["ADT"]) == count
    report = check(kit.org_text("pcplus-tier2"), kit.SETS / folder)
    assert report.role("pcplus-tier2").requirement("tier2-adt").status == "met"


NOT_MESSAGE_ROLES = [
    "bhh",
    "ohh-uninsured",
    "ohh-insured",
    "cct-home",
    "dsnp-ma-payer",
    "dsnp-sca",
    "pcplus-tier1",
]


@pytest.mark.parametrize("role", NOT_MESSAGE_ROLES)
@pytest.mark.parametrize("hie", ["[hie]\nparticipant = true\n", "[hie]\nparticipant = false\n"])
def test_roles_without_interfaces_keep_declared_statuses(
    kit: SimpleNamespace, check: Check, role: str, hie: str
) -> None:
    """Seed 003: BHH "Participation is optional; ... there are no specific OMS-related
    requirements"; OHH uninsured needs "an access-only connection to the HIE's Clinical Portal";
    messages cannot prove those, so declarations stand when messages are given."""
    without = check(kit.org_text(role, hie)).role(role)
    with_messages = check(kit.org_text(role, hie), kit.SETS / "tier3-complete").role(role)
    assert [(r.id, r.status, r.detail) for r in with_messages.requirements] == [
        (r.id, r.status, r.detail) for r in without.requirements
    ]
    assert with_messages.status == without.status
    assert all(r.source == "declaration" for r in with_messages.requirements)


def test_declared_but_not_shown(kit: SimpleNamespace, check: Check) -> None:
    """Declared real-time ADT, but only ORU messages given: unmet with the reason."""
    report = check(kit.org_text("cct"), kit.SETS / "tier3-complete" / "oru-labs.hl7")
    req = report.role("cct").requirement("adt-realtime")
    assert req.status == "unmet"
    assert req.detail == "declared real-time ADT, but none of the 2 messages read are ADT messages"
    assert report.exit_code == 1


def test_shown_but_not_declared(kit: SimpleNamespace, check: Check) -> None:
    """Not declared in the org file but shown by the messages: met, and the file can be updated."""
    report = check(kit.org_text("pcplus-tier2", kit.PARTICIPANT), kit.SETS / "tier2-complete")
    req = report.role("pcplus-tier2").requirement("tier2-adt")
    assert req.status == "met"
    assert "does not declare this; update [hie].interfaces" in req.detail
    without = check(kit.org_text("pcplus-tier2", kit.PARTICIPANT)).role("pcplus-tier2")
    assert without.requirement("tier2-adt").status == "unmet"


def test_without_messages_nothing_changes(kit: SimpleNamespace, check: Check) -> None:
    """No messages: statuses come from declarations only (attested/unmet, never met)."""
    report = check(kit.org_text("pcplus-tier3", kit.ALL_DECLARED))
    statuses = {r.status for r in report.role("pcplus-tier3").requirements}
    assert statuses == {"attested"}
    assert report.messages is None


def test_missing_event_time_gives_no_realtime_proof(
    kit: SimpleNamespace, check: Check, tmp_path
) -> None:
    """Messages without EVN-2 cannot show real-time: the line names the field and the count."""
    text = (kit.SETS / "tier2-complete" / "adt.hl7").read_bytes().decode("latin-1")
    segments = [
        "|".join(seg.split("|")[:2]) if seg.startswith("EVN|") else seg for seg in text.split("\r")
    ]
    target = tmp_path / "no-evn2.hl7"
    target.write_bytes("\r".join(segments).encode("latin-1"))
    req = check(kit.org_text("cct"), target).role("cct").requirement("adt-realtime")
    assert req.status == "unmet"
    assert "EVN-2 missing in 4 ADT messages: cannot show real-time" in req.detail
