"""One test per row of the FACTS.md HIE-conditions table: `check` gives the seed's answer.

Each docstring cites seed 003 (003_954d39c802c8d7be.txt), the authority for these rules.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from hiecheck.programs.report import Report

HIE = "clientengagement@hinfonet.org"

ADT_RT = '{ kind = "adt", realtime = true }'
ADT_TIER2 = (
    '{ kind = "adt", realtime = true, '
    'content = ["demographics", "encounter", "diagnosis_coding", "procedure_coding"] }'
)
ORU_TIER3 = '{ kind = "oru", realtime = true, content = ["vital_signs", "lab_results"] }'


def org(enrollment: str, hie: str = "", facility: str = "") -> str:
    """Organization TOML text with one enrollment."""
    text = f'name = "Test Org"\n[[enrollment]]\n{enrollment}\n'
    if facility:
        text += f"[facility]\n{facility}\n"
    if hie:
        text += f"[hie]\n{hie}\n"
    return text


Check = Callable[..., Report]


def test_ac_participation_optional_incentive_needs_realtime_adt_and_lod(check_org: Check) -> None:
    """Seed 003, Accountable Communities / HIE Participation: "Participation is optional;
    however, for organizations that would like to benefit from the OMS incentives for HIE
    participation (see below), an HL7 data interface supporting real-time Admission Discharge
    Transfer (ADT) messages transactions is required." / OMS Incentives: "Obtaining this access
    requires eligible organizations to provide HealthInfoNet with a Letter of Direction (LOD) that
    authorizes both (a) their organization's access to its attributed members and (b) OMS's
    access to the organization's attributed members within HARP."
    """
    bare = check_org(org('program = "ac"'))
    role = bare.role("ac")
    assert role.participation == "optional"
    assert role.status == "not_applicable" and bare.exit_code == 0
    assert role.incentive("harp-attributed-members").status == "within_reach"

    no_lod = check_org(org('program = "ac"', f"participant = true\ninterfaces = [{ADT_RT}]"))
    role = no_lod.role("ac")
    incentive = role.incentive("harp-attributed-members")
    assert incentive.status == "within_reach"
    assert len(incentive.missing) == 1 and "Letter of Direction" in incentive.missing[0]
    assert role.requirement("letter-of-direction").status == "unmet"
    assert any(
        s.startswith(f"Send HealthInfoNet ({HIE}) a Letter of Direction authorizing (a)")
        for s in role.next_steps
    )
    assert no_lod.exit_code == 0  # the incentive is optional unless sought

    full = check_org(
        org(
            'program = "ac"',
            f"participant = true\nletter_of_direction = true\ninterfaces = [{ADT_RT}]",
        )
    )
    incentive = full.role("ac").incentive("harp-attributed-members")
    assert (incentive.status, incentive.basis) == ("applies", "attested")
    assert "AccountableCommunities.DHHS@maine.gov" in {c.email for c in full.role("ac").contacts}


def test_cct_non_home_requires_participation_and_realtime_adt(check_org: Check) -> None:
    """Seed 003, Community Care Teams / HIE Participation: "Non-HOME providers: Participation is
    required, including an HL7 data interface supporting real-time Admission Discharge Transfer
    (ADT) messages transactions."
    """
    enrollment = 'program = "cct"\nhome_provider = false'
    ok = check_org(org(enrollment, f"participant = true\ninterfaces = [{ADT_RT}]"))
    assert ok.role("cct").participation == "required"
    assert ok.role("cct").status == "attested" and ok.exit_code == 0

    batch = check_org(org(enrollment, 'participant = true\ninterfaces = [{ kind = "adt" }]'))
    assert batch.role("cct").requirement("adt-realtime").status == "unmet"
    assert "not real-time" in batch.role("cct").requirement("adt-realtime").detail
    assert batch.exit_code == 1

    none = check_org(org(enrollment))
    assert none.role("cct").status == "unmet" and none.exit_code == 1
    assert none.role("cct").incentives == []
    assert "HH-BHH-Services.DHHS@maine.gov" in {c.email for c in none.role("cct").contacts}


def test_cct_home_participation_optional_without_requirements(check_org: Check) -> None:
    """Seed 003, Community Care Teams / HIE Participation: "HOME providers: Participation is
    optional; for those organizations that do choose to participate, there are no specific
    OMS-related requirements." / OMS Incentives: "There are no specific OMS-related incentives
    for HIE participation."
    """
    report = check_org(org('program = "cct"\nhome_provider = true'))
    role = report.role("cct-home")
    assert role.participation == "optional"
    assert role.requirements == [] and role.incentives == []
    assert role.status == "not_applicable" and report.exit_code == 0


def test_bhh_optional_with_fee_discounts_when_participating(check_org: Check) -> None:
    """Seed 003, Behavioral Health Homes / HIE Participation: "Participation is optional; for
    those organizations that do choose to participate, there are no specific OMS-related
    requirements." / OMS Incentives: "BHH organizations participating in the HIE receive discounts
    to their HIE participation fee schedules (i.e., one-time implementation and annual
    subscription fees)."
    """
    outside = check_org(org('program = "bhh"'))
    assert outside.role("bhh").participation == "optional" and outside.exit_code == 0
    assert outside.role("bhh").incentive("hie-fee-discounts").status == "within_reach"

    inside = check_org(org('program = "bhh"', "participant = true"))
    discount = inside.role("bhh").incentive("hie-fee-discounts")
    assert discount.status == "applies"
    assert "one-time implementation" in discount.description
    assert "annual subscription" in discount.description


def test_ohh_uninsured_requires_access_only_clinical_portal(check_org: Check) -> None:
    """Seed 003, Opioid Health Homes / HIE Participation: "Uninsured contract holders:
    Participation is required, including an access-only connection to the HIE's Clinical Portal
    electronic health record system."
    """
    enrollment = 'program = "ohh"\ncontract = "uninsured"'
    ok = check_org(org(enrollment, "participant = true\nclinical_portal_access = true"))
    role = ok.role("ohh-uninsured")
    assert role.participation == "required" and role.status == "attested" and ok.exit_code == 0
    assert role.incentive("hie-fee-discounts").status == "applies"

    no_portal = check_org(org(enrollment, "participant = true"))
    role = no_portal.role("ohh-uninsured")
    assert role.requirement("clinical-portal-access-only").status == "unmet"
    assert role.status == "unmet" and no_portal.exit_code == 1
    assert any("Clinical Portal" in s and HIE in s for s in role.next_steps)


def test_ohh_insured_optional_with_fee_discounts(check_org: Check) -> None:
    """Seed 003, Opioid Health Homes / HIE Participation: "Insured contract holders:
    Participation is optional; for those organizations that do choose to participate, there are no
    specific OMS-related requirements." / OMS Incentives: "OHH organizations participating in the
    HIE receive discounts to their HIE participation fee schedules (i.e., one-time implementation
    and annual subscription fees)."
    """
    report = check_org(org('program = "ohh"\ncontract = "insured"'))
    role = report.role("ohh-insured")
    assert role.participation == "optional" and report.exit_code == 0
    assert role.incentive("hie-fee-discounts").status == "within_reach"
    joined = check_org(org('program = "ohh"\ncontract = "insured"', "participant = true"))
    assert joined.role("ohh-insured").incentive("hie-fee-discounts").status == "applies"


def test_pcplus_tier1_needs_no_hie_participation(check_org: Check) -> None:
    """Seed 003, Primary Care Plus / HIE Participation: "For organizations that are seeking
    intermediate (i.e., Tier II) or advanced (i.e., Tier III) reimbursement levels from OMS,
    participation is required, including the following requirements:" (so Tier I, the basic
    level, needs none).
    """
    report = check_org(org('program = "pcplus"\ntier_sought = 1'))
    role = report.role("pcplus-tier1")
    assert role.participation == "not_required" and role.requirements == []
    assert role.tier is not None and (role.tier.sought, role.tier.reached) == (1, 1)
    assert role.tier.pmpm_reached_usd == Decimal("2.10")
    assert role.incentive("basic-reimbursement").status == "applies"
    assert report.exit_code == 0
    assert "PCP-Network-Services.DHHS@maine.gov" in {c.email for c in role.contacts}


def test_pcplus_tier2_realtime_adt_with_demographics_encounter_coding(check_org: Check) -> None:
    """Seed 003, Primary Care Plus / Tier II: "HL7 data interface supporting real-time Admission
    Discharge Transfer (ADT) messages containing all patient demographics and encounter/visit
    information (including diagnosis and procedure coding)." and "Tribal health facilities with an
    access-only connection to the HIE's Clinical Portal electronic health record system may also
    be eligible for the Tier II reimbursement level."
    """
    enrollment = 'program = "pcplus"\ntier_sought = 2'
    ok = check_org(org(enrollment, f"participant = true\ninterfaces = [{ADT_TIER2}]"))
    role = ok.role("pcplus-tier2")
    assert role.participation == "required"
    assert role.tier is not None and role.tier.reached == 2 and role.tier.basis == "attested"
    assert role.requirement("tribal-health-facility").status == "not_applicable"
    assert role.incentive("higher-reimbursement").status == "applies"
    assert ok.exit_code == 0

    no_px = ADT_TIER2.replace(', "procedure_coding"', "")
    short = check_org(org(enrollment, f"participant = true\ninterfaces = [{no_px}]"))
    role = short.role("pcplus-tier2")
    assert role.tier is not None and role.tier.reached == 1
    assert "procedure coding" in role.requirement("tier2-adt").detail
    assert short.exit_code == 1

    tribal = check_org(
        org(
            enrollment,
            "participant = true\nclinical_portal_access = true",
            "tribal_health_facility = true",
        )
    )
    role = tribal.role("pcplus-tier2")
    assert role.tier is not None and role.tier.reached == 2
    assert role.requirement("tier2-adt").status == "not_applicable"
    assert [p.status for p in role.paths] == ["unmet", "attested"]
    assert tribal.exit_code == 0


def test_pcplus_tier3_realtime_adt_and_or_oru_with_vitals_and_labs(check_org: Check) -> None:
    """Seed 003, Primary Care Plus / Tier III: "HL7 data interface supporting real-time Admission
    Discharge Transfer (ADT) and/or Observation Result (ORU) messages containing all patient
    demographics, encounter/visit information (including diagnosis and procedure coding), vital
    signs, and laboratory test results." / OMS Incentives: "Support the HIE's generation of the
    Controlling High Blood Pressure electronic clinical quality measure (eCQM) ..."
    """
    enrollment = 'program = "pcplus"\ntier_sought = 3'
    both = check_org(
        org(enrollment, f"participant = true\ninterfaces = [{ADT_TIER2}, {ORU_TIER3}]")
    )
    role = both.role("pcplus-tier3")
    assert role.tier is not None and role.tier.reached == 3 and role.tier.next_tier is None
    assert role.incentive("cbp-ecqm").status == "applies"
    assert role.tier.pmpm_reached_usd == Decimal("6.90") and both.exit_code == 0

    all_groups = (
        '{ kind = "oru", realtime = true, content = ["demographics", "encounter", '
        '"diagnosis_coding", "procedure_coding", "vital_signs", "lab_results"] }'
    )
    oru_only = check_org(org(enrollment, f"participant = true\ninterfaces = [{all_groups}]"))
    assert oru_only.role("pcplus-tier3").tier.reached == 3  # type: ignore[union-attr]

    no_labs = ORU_TIER3.replace(', "lab_results"', "")
    short = check_org(org(enrollment, f"participant = true\ninterfaces = [{ADT_TIER2}, {no_labs}]"))
    tier = short.role("pcplus-tier3").tier
    assert tier is not None and (tier.reached, tier.next_tier) == (2, 3)
    assert any("laboratory test results" in m for m in tier.missing_for_next)
    assert tier.difference_sought_vs_reached_usd == Decimal("0.60")
    assert short.exit_code == 1


def test_dsnp_ma_payer_participation_not_available(check_org: Check) -> None:
    """Seed 003, Dual Eligible Special Needs Plans / HIE Participation: "D-SNP Medicare Advantage
    payers: Participation is not currently available per the conditions of HealthInfoNet's
    Participant Agreement."
    """
    enrollment = 'program = "dsnp"\nrole = "ma_payer"'
    plain = check_org(org(enrollment))
    role = plain.role("dsnp-ma-payer")
    assert role.participation == "not_available" and role.findings == []
    assert plain.exit_code == 0

    conflict = check_org(org(enrollment, "participant = true"))
    role = conflict.role("dsnp-ma-payer")
    assert [f.severity for f in role.findings] == ["error"] and role.status == "unmet"
    assert "Participant Agreement" in role.findings[0].message
    assert conflict.exit_code == 1
    assert any(HIE in s for s in role.next_steps)


def test_dsnp_ltc_requires_participation_and_realtime_adt(check_org: Check) -> None:
    """Seed 003, Dual Eligible Special Needs Plans / HIE Participation: "D-SNP contracted LTC
    facilities: Participation is required, including an HL7 data interface supporting real-time
    Admission Discharge Transfer (ADT) messages transactions."
    """
    enrollment = 'program = "dsnp"\nrole = "ltc_facility"'
    ok = check_org(org(enrollment, f"participant = true\ninterfaces = [{ADT_RT}]"))
    assert ok.role("dsnp-ltc").participation == "required"
    assert ok.role("dsnp-ltc").status == "attested" and ok.exit_code == 0
    missing = check_org(org(enrollment, "participant = true"))
    assert missing.role("dsnp-ltc").requirement("adt-realtime").status == "unmet"
    assert missing.exit_code == 1
    assert "ManagedCare.DHHS@maine.gov" in {c.email for c in missing.role("dsnp-ltc").contacts}


def test_dsnp_sca_participation_optional(check_org: Check) -> None:
    """Seed 003, Dual Eligible Special Needs Plans / HIE Participation: "D-SNP contracted SCA
    providers: Participation is optional; for those organizations that do choose to participate,
    there are no specific OMS-related requirements." / OMS Incentives: "There are no specific
    OMS-related incentives for HIE participation."
    """
    report = check_org(org('program = "dsnp"\nrole = "sca_provider"'))
    role = report.role("dsnp-sca")
    assert role.participation == "optional"
    assert role.requirements == [] and role.incentives == []
    assert report.exit_code == 0
