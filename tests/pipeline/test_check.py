"""The check pipeline (hiecheck.check): one function from inputs to the whole Report, for the
`check` command, the web app (organizations from data) and portfolio runs (rules loaded once,
organizations checked in worker processes)."""

from __future__ import annotations

import pickle
import subprocess
import tomllib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiecheck.check import (
    Report,
    Rules,
    load_organization,
    load_rules,
    message_paths,
    organization_from_data,
    organization_toml,
    run_check,
)
from hiecheck.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "sample_messages" / "example-family-practice.toml"
SETS = ROOT / "sample_messages" / "sets"
AS_OF = date(2025, 6, 1)
Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(None, AS_OF)


def test_report_is_whole_with_the_org_files_messages(rules: Rules) -> None:
    """The pipeline builds the whole report, messages block included (nothing patched later)."""
    report = run_check(load_organization(EXAMPLE, rules), rules)
    assert report.messages is not None and report.messages.messages == 11
    assert report.messages.paths == message_paths(load_organization(EXAMPLE))
    assert report.exit_code == 1 and report.as_of == AS_OF


def test_same_report_as_the_command(rules: Rules, cli: Cli) -> None:
    org = load_organization(EXAMPLE, rules)
    report = run_check(org, rules, messages=[str(SETS / "tier3-complete")])
    result = cli("check", str(EXAMPLE), "--as-of", str(AS_OF), "--format", "json",
                 "--messages", str(SETS / "tier3-complete"))
    assert Report.model_validate_json(result.stdout) == report


def test_toml_written_back_gives_the_same_report(rules: Rules) -> None:
    """The web app offers the organization it built as a file: reading it back is the same
    organization and the same report."""
    for source in [EXAMPLE, *sorted((ROOT / "tests" / "pipeline" / "orgs").glob("*.toml"))]:
        loaded = load_organization(source, rules)
        text = organization_toml(loaded.org)
        again = organization_from_data(tomllib.loads(text), str(source), source.parent, rules)
        assert again.org == loaded.org and again.messages_dir == loaded.messages_dir, text
        paths = [str(SETS / "tier2-complete")]
        first, second = (run_check(o, rules, messages=paths) for o in (loaded, again))
        assert first.model_dump() == second.model_dump(), source.name


def test_organization_from_data_validates_like_the_file(rules: Rules, tmp_path: Path) -> None:
    """A form's answers are checked like a file: the same one-line errors, every problem."""
    text = (
        'name = "X"\ncolour = "red"\n[[enrollment]]\nprogram = "ac"\n[hie]\n'
        'interfaces = [{ kind = "adt", content = ["demographics", "allergies"] }]\n'
    )
    path = tmp_path / "form.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as from_file:
        load_organization(path, rules)
    with pytest.raises(InputError) as from_data:
        organization_from_data(tomllib.loads(text), str(path), tmp_path, rules)
    assert from_file.value.lines() == from_data.value.lines()
    assert [line.split(": ", 1)[0] for line in from_data.value.lines()] == [
        f"{path}:hie.interfaces[1].content[2]",
        f"{path}:colour",
    ]


def test_organization_from_data_is_checked(rules: Rules) -> None:
    data = {"name": "Web", "enrollment": [{"program": "cct"}], "hie": {"participant": True}}
    report = run_check(organization_from_data(data, "questionnaire"), rules)
    assert report.source == "questionnaire" and report.role("cct").status == "unmet"


def _check_in_worker(args: tuple[Rules, Path]) -> Report:
    rules, path = args
    return run_check(load_organization(path, rules), rules)


def test_rules_load_once_and_travel_to_workers(rules: Rules) -> None:
    """Portfolio runs: the rules pickle (with what was loaded) and a worker's report is the same
    as this process's."""
    here = run_check(load_organization(EXAMPLE, rules), rules)  # loads the evidence profile
    assert "evidence" in vars(rules)
    copy = pickle.loads(pickle.dumps(rules))
    assert copy.programs == rules.programs and copy.evidence == rules.evidence
    with ProcessPoolExecutor(max_workers=1) as pool:
        there = next(pool.map(_check_in_worker, [(rules, EXAMPLE)]))
    assert there == here


@given(name=st.text(min_size=1), contract=st.sampled_from(["insured", "uninsured"]))
def test_any_name_survives_the_toml_writer(name: str, contract: str) -> None:
    data = {"name": name, "enrollment": [{"program": "ohh", "contract": contract}]}
    org = organization_from_data(data, "form").org
    assert organization_from_data(tomllib.loads(organization_toml(org)), "form").org == org


def test_evidence_lines_carry_what_they_are_needed_for(rules: Rules) -> None:
    """Values at the seams: a gap's line says, as data, which role needs it; its text (and
    JSON) is the sentence people read."""
    report = run_check(load_organization(EXAMPLE, rules), rules)
    req = report.role("pcplus-tier3").requirement("tier3-adt-oru")
    gaps = [line for line in req.evidence if line.needed_for is not None]
    assert gaps and {line.needed_for for line in gaps} == {"PCPlus Tier III"}
    assert all(line == f"{line.text} — needed for PCPlus Tier III" for line in gaps)
    assert all(fix.needed_for == "PCPlus Tier III" for fix in req.fixes)
    again = Report.model_validate_json(report.model_dump_json())
    read_back = again.role("pcplus-tier3").requirement("tier3-adt-oru").evidence
    pairs = [(x.text, x.needed_for) for x in req.evidence]
    assert [(x.text, x.needed_for) for x in read_back] == pairs
