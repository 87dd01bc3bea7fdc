"""Organization files: each contradiction or bad key is a one-line InputError naming file, key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hiecheck.errors import InputError
from hiecheck.paths import bundled_profiles
from hiecheck.programs.content_groups import load_content_groups
from hiecheck.programs.report import Report

ROOT = Path(__file__).resolve().parents[2]


def _error(check_org: Callable[..., Report], text: str) -> InputError:
    with pytest.raises(InputError) as err:
        check_org(text)
    assert "\n" not in err.value.one_line()
    assert err.value.source.endswith(".toml")
    return err.value


CASES = [
    ('name = "X"\n[[enrollment]]\nprogram = "aco"\n', "enrollment[1].program", "unknown program"),
    (
        'name = "X"\n[[enrollment]]\nprogram = "ac"\n[[enrollment]]\nprogram = "bhh"\n'
        "tier_sought = 2\n",
        "enrollment[2].tier_sought",
        "does not apply to program 'bhh'",
    ),
    (
        'name = "X"\n[[enrollment]]\nprogram = "pcplus"\ntier_sought = 4\n',
        "enrollment[1].tier_sought",
        "invalid tier_sought 4",
    ),
    (
        'name = "X"\n[[enrollment]]\nprogram = "pcplus"\ntier_sought = 0\n',
        "enrollment[1].tier_sought",
        "invalid tier_sought 0",
    ),
    ('name = "X"\n[[enrollment]]\nprogram = "ohh"\n', "enrollment[1].contract", "missing contract"),
    (
        'name = "X"\n[[enrollment]]\nprogram = "ohh"\ncontract = "medicare"\n',
        "enrollment[1].contract",
        "invalid contract",
    ),
    (
        'name = "X"\n[[enrollment]]\nprogram = "ac"\ncontract = "insured"\n',
        "enrollment[1].contract",
        "does not apply",
    ),
    (
        'name = "X"\n[[enrollment]]\nprogram = "bhh"\nhome_provider = true\n',
        "enrollment[1].home_provider",
        "does not apply",
    ),
    ('name = "X"\n[[enrollment]]\nprogram = "dsnp"\n', "enrollment[1].role", "missing role"),
    (
        'name = "X"\n[[enrollment]]\nprogram = "dsnp"\nrole = "hospital"\n',
        "enrollment[1].role",
        "invalid role",
    ),
    (
        'name = "X"\n[[enrollment]]\nprogram = "ac"\n[[enrollment]]\nprogram = "ac"\n',
        "enrollment[2].program",
        "enrolled twice",
    ),
    (
        'name = "X"\n[[enrollment]]\nprogram = "ac"\ntier = 2\n',
        "enrollment[1].tier",
        "unknown key",
    ),
    ('name = "X"\ncolour = "red"\n[[enrollment]]\nprogram = "ac"\n', "colour", "unknown key"),
    (
        'name = "X"\n[[enrollment]]\nprogram = "ac"\n[hie]\ninterfaces = [{ kind = "fhir" }]\n',
        "hie.interfaces[1].kind",
        "Input should be",
    ),
    (
        'name = "X"\n[[enrollment]]\nprogram = "ac"\n[hie]\n'
        'interfaces = [{ kind = "adt", content = ["demographics", "allergies"] }]\n',
        "hie.interfaces[1].content[2]",
        "Input should be",
    ),
    (
        'name = "X"\n[[enrollment]]\nprogram = "pcplus"\ntier_sought = "3"\n',
        "enrollment[1].tier_sought",
        "Input should be a valid integer",
    ),
    ('name = "X"\n', "enrollment", "missing required key"),
    (
        'name = "X"\n[[enrollment]]\nprogram = "ac"\nincentives_sought = ["free-lunch"]\n',
        "enrollment[1].incentives_sought[1]",
        "unknown incentive",
    ),
]


@pytest.mark.parametrize(("text", "location", "problem"), CASES)
def test_bad_organization_file_names_file_and_key(
    check_org: Callable[..., Report], text: str, location: str, problem: str
) -> None:
    err = _error(check_org, text)
    assert err.location == location
    assert problem in err.problem


def test_malformed_toml_names_line(check_org: Callable[..., Report]) -> None:
    err = _error(check_org, 'name = "X"\n[[enrollment]]\nprogram = = "ac"\n')
    assert err.location is not None and "line 3" in err.location


def test_messages_folder_must_exist(check_org: Callable[..., Report]) -> None:
    err = _error(
        check_org, 'name = "X"\nmessages = "no-such-folder"\n[[enrollment]]\nprogram = "ac"\n'
    )
    assert err.location == "messages"


def test_messages_folder_is_accepted_but_not_evaluated(check_org: Callable[..., Report]) -> None:
    report = check_org('name = "X"\nmessages = "."\n[[enrollment]]\nprogram = "bhh"\n')
    assert report.roles[0].id == "bhh"


def test_defaults_are_reported_as_readings(check_org: Callable[..., Report]) -> None:
    """An omitted home_provider / tier_sought takes the profile default and the report says so."""
    report = check_org(
        'name = "X"\n[[enrollment]]\nprogram = "cct"\n[[enrollment]]\nprogram = "pcplus"\n'
    )
    assert report.role("cct").readings[-1].id == "default-home_provider"
    assert report.role("pcplus-tier1").readings[-1].id == "default-tier_sought"


def test_content_vocabulary_matches_the_seed_groups() -> None:
    """Seed 003, Primary Care Plus / Tier III: "... all patient demographics, encounter/visit
    information (including diagnosis and procedure coding), vital signs, and laboratory test
    results." — six content groups, defined in profiles/messages/content_groups.toml only.
    """
    content = load_content_groups(bundled_profiles())
    assert content.words(content.ids()) == (
        "all patient demographics, encounter/visit information, diagnosis coding, "
        "procedure coding, vital signs, laboratory test results"
    )
    assert content.ids() == [
        "demographics",
        "encounter",
        "diagnosis_coding",
        "procedure_coding",
        "vital_signs",
        "lab_results",
    ]


def test_sample_organization_file_mixes_attested_and_unmet(
    check_org: Callable[..., Report],
) -> None:
    text = (ROOT / "sample_messages" / "example-family-practice.toml").read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("messages ="))
    report = check_org(text)
    statuses = {r.status for role in report.roles for r in role.requirements}
    assert {"attested", "unmet"} <= statuses
    assert {r.id for r in report.roles} == {"pcplus-tier3", "ohh-uninsured", "cct", "ac"}
