"""Program profiles: all 12 roles, verbatim citations, validation errors, dated versions."""

from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from hiecheck.errors import InputError
from hiecheck.programs.models import InterfaceRequirement
from hiecheck.programs.profile_loader import ProfileSet, load_profiles

ROOT = Path(__file__).resolve().parents[2]
ALL_ROLES = {
    "ac",
    "cct",
    "cct-home",
    "bhh",
    "ohh-insured",
    "ohh-uninsured",
    "pcplus-tier1",
    "pcplus-tier2",
    "pcplus-tier3",
    "dsnp-ma-payer",
    "dsnp-ltc",
    "dsnp-sca",
}


def test_every_role_of_the_seed_has_a_profile(profiles: ProfileSet) -> None:
    """Seed 003 names twelve program roles (FACTS.md table rows); each is a profile role."""
    roles = {r.id for lp in profiles.in_force.values() for r in lp.profile.roles}
    assert roles == ALL_ROLES
    for lp in profiles.in_force.values():
        assert lp.profile.hie_contact.email == "clientengagement@hinfonet.org"
        assert lp.profile.citation.source == "003_954d39c802c8d7be.txt"


def test_every_role_requirement_and_incentive_cites_seed_003(profiles: ProfileSet) -> None:
    """Every role, requirement and incentive names its seed-003 sentence (tests/test_citations.py
    checks each quote word for word against the seed)."""
    quotes = []
    for lp in profiles.in_force.values():
        p = lp.profile
        for role in p.roles:
            cites = role.citations + [r.citation for r in role.requirements]
            cites += [i.citation for i in role.incentives]
            assert role.citations, role.id
            assert all(c.source in {"003_954d39c802c8d7be.txt", "FACTS.md"} for c in cites)
            quotes += [c.quote for c in cites if c.source == "003_954d39c802c8d7be.txt"]
    assert len(quotes) > 40


def test_pcplus_tier_pmpm_amounts_come_from_the_profile(profiles: ProfileSet) -> None:
    """FACTS.md, PCPlus payment (MBM Ch. VI §3.08-1): "Tier PMPM: Tier 1 $2.10, Tier 2 $6.30,
    Tier 3 $6.90."
    """
    pcplus = profiles.program("pcplus")
    assert pcplus is not None
    amounts = {r.tier.level: r.tier.pmpm_usd for r in pcplus.roles if r.tier}
    assert amounts == {1: Decimal("2.10"), 2: Decimal("6.30"), 3: Decimal("6.90")}


def test_tier3_interface_is_adt_or_oru_with_all_six_content_groups(profiles: ProfileSet) -> None:
    """Seed 003, Primary Care Plus / Tier III: "real-time Admission Discharge Transfer (ADT)
    and/or Observation Result (ORU) messages containing all patient demographics, encounter/visit
    information (including diagnosis and procedure coding), vital signs, and laboratory test
    results."
    """
    found = profiles.find_role("pcplus-tier3")
    assert found is not None
    req = found[1].requirement("tier3-adt-oru")
    assert isinstance(req, InterfaceRequirement)
    assert (req.interface, req.realtime) == ("adt_or_oru", True)
    assert set(req.content_groups) == {
        "demographics",
        "encounter",
        "diagnosis_coding",
        "procedure_coding",
        "vital_signs",
        "lab_results",
    }


def test_every_profile_declares_readings_where_the_seed_is_silent(profiles: ProfileSet) -> None:
    """FACTS.md: "Where a rule is not published, the profile must say which reading the project
    chose, and the report must say so too."
    """
    for lp in profiles.in_force.values():
        assert any(r.id == "effective-dates" for r in lp.profile.readings)


@pytest.fixture
def tmp_profiles(tmp_path: Path) -> Path:
    """A copy of the checkout's profiles folder to modify."""
    target = tmp_path / "profiles"
    shutil.copytree(ROOT / "src" / "hiecheck" / "profiles", target)
    return target


def _retime(path: Path, effective_from: str, effective_to: str | None, version: str) -> None:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^version = .*$", f'version = "{version}"', text, count=1)
    new = f"effective_from = {effective_from}"
    if effective_to:
        new += f"\neffective_to = {effective_to}"
    text = re.sub(r"(?m)^effective_from = .*$", new, text, count=1)
    path.write_text(text, encoding="utf-8")


def test_as_of_picks_the_version_in_force(tmp_profiles: Path) -> None:
    """Profiles are effective-dated (CONVENTIONS: version, effective_from, effective_to)."""
    folder = tmp_profiles / "programs"
    shutil.copy(folder / "bhh.toml", folder / "bhh-2030.toml")
    _retime(folder / "bhh.toml", "2022-01-01", "2029-12-31", "2022.1")
    _retime(folder / "bhh-2030.toml", "2030-01-01", None, "2030.1")
    old = load_profiles(tmp_profiles, date(2029, 12, 31)).program("bhh")
    new = load_profiles(tmp_profiles, date(2030, 1, 1)).program("bhh")
    assert old is not None and old.version == "2022.1"
    assert new is not None and new.version == "2030.1"
    assert load_profiles(tmp_profiles, date(2021, 1, 1)).program("bhh") is None


def test_overlapping_versions_name_both_files(tmp_profiles: Path) -> None:
    folder = tmp_profiles / "programs"
    shutil.copy(folder / "bhh.toml", folder / "bhh-2030.toml")
    _retime(folder / "bhh-2030.toml", "2030-01-01", None, "2030.1")
    with pytest.raises(InputError) as err:
        load_profiles(tmp_profiles, date(2030, 1, 1))
    line = err.value.one_line()
    assert "bhh.toml" in line and "bhh-2030.toml" in line and "overlap" in line


def test_invalid_profile_names_file_and_key(tmp_profiles: Path) -> None:
    path = tmp_profiles / "programs" / "cct.toml"
    text = path.read_text(encoding="utf-8").replace(
        'participation = "required"', 'participation = "mandatory"', 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profiles(tmp_profiles, date(2025, 1, 1))
    assert err.value.source.endswith("cct.toml")
    assert err.value.location == "roles[1].participation"


def test_profile_path_naming_unknown_requirement_is_rejected(tmp_profiles: Path) -> None:
    path = tmp_profiles / "programs" / "dsnp.toml"
    text = path.read_text(encoding="utf-8").replace(
        'requires = ["hie-participation", "adt-realtime"]',
        'requires = ["hie-participation", "adt-nightly"]',
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profiles(tmp_profiles, date(2025, 1, 1))
    assert "adt-nightly" in err.value.one_line() and "dsnp.toml" in err.value.one_line()


def test_unknown_profile_key_is_rejected(tmp_profiles: Path) -> None:
    path = tmp_profiles / "programs" / "ac.toml"
    path.write_text('surprise = "x"\n' + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profiles(tmp_profiles, date(2025, 1, 1))
    assert err.value.problem == "unknown key" and err.value.location == "surprise"


def test_value_based_purchasing_initiatives_come_from_seed_001(profiles: ProfileSet) -> None:
    """Seed 001, Introduction to VBP: "Three major initiatives were later unveiled under this VBP
    strategy; Health Homes, Behavioral Health Homes, and Accountable Communities." and "The
    Initiative also enables Community Care Teams across the state to partner with these Health
    Home practices ..." """
    initiative = {
        program: lp.profile.initiative for program, lp in profiles.in_force.items()
    }
    for program in ("ac", "bhh", "cct"):
        found = initiative[program]
        assert found is not None and found.citation.source == "001_dd468456fd9ff86a.txt"
    assert initiative["ac"] is not None and "Accountable Communities" in initiative["ac"].name
    assert initiative["bhh"] is not None and "Behavioral Health Homes" in initiative["bhh"].name
    assert initiative["cct"] is not None and "Community Care Teams" in initiative["cct"].name
    assert initiative["ohh"] is not None and "Health Homes" in initiative["ohh"].name
    assert initiative["pcplus"] is None and initiative["dsnp"] is None

