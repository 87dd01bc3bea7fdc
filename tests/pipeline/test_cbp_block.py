"""`check --messages` shows PCPlus Tier II/III organizations what the HIE's Controlling High Blood
Pressure eCQM would see in their messages (Report.cbp), taken in the one pass over the messages.

Seed 003_954d39c802c8d7be.txt, PCPlus: organizations meeting the Tier II or Tier III HIE
requirements "Support the HIE’s generation of the Controlling High Blood Pressure electronic
clinical quality measure (eCQM) that is available within the Health Analytics Reporting Platform".
FACTS.md, CMS165: "population age 18–85 at the end of the period, essential hypertension (...)
overlapping the first 6 months, a qualifying outpatient encounter; numerator: on the most recent
day with both readings, the lowest systolic (8480-6) < 140 and the lowest diastolic (8462-4) < 90;
readings taken in ED or inpatient encounters are excluded (in HL7 v2: PV1-2 patient class E or I)".
The expected counts below are computed from those sentences by :func:`cms165`, not written down.
"""

from __future__ import annotations

import html
import io
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

import hiecheck.check as check_module
from hiecheck.check import (
    Report,
    Rules,
    load_organization,
    load_rules,
    organization_from_data,
    run_check,
)
from hiecheck.measures.cbp import cbp_summary
from hiecheck.measures.models import Period
from hiecheck.programs.render_cbp import CBP_READINGS_TITLE, CBP_TITLE
from hiecheck.programs.render_html import render_html
from hiecheck.programs.render_markdown import render_markdown
from hiecheck.programs.render_table import render_table
from tests.measures.test_cbp import adt, vitals

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "sample_messages" / "example-family-practice.toml"
SETS = ROOT / "sample_messages" / "sets"
AS_OF = date(2025, 6, 1)
YEAR = 2025
Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(None, AS_OF)


# -- a reference reading of the CMS165 sentences above, over patients described as data ------


@dataclass
class Patient:
    """A made-up patient: what their messages will say."""

    id: str
    born: str = "19600101"
    dx: str = "I10"
    dx_day: str = "20250115"  # the day of the ADT message carrying the DG1 (no DG1-5)
    visit_class: str = "O"  # PV1-2 of that message
    readings: list[tuple[str, str, int, int]] = field(default_factory=list)  # day, PV1-2, sys, dia


def _age(born: str, on: date) -> int:
    birth = date(int(born[:4]), int(born[4:6]), int(born[6:]))
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@dataclass
class Expected:
    patients: int
    with_hypertension: int
    denominator: int
    with_reading: int
    controlled: int


def cms165(patients: list[Patient], year: int) -> Expected:
    """The counts the FACTS.md sentences give (in HL7 v2: PV1-2 O or R is an outpatient visit)."""
    end, first_months_end = date(year, 12, 31), f"{year}0630"
    htn = [p for p in patients if p.dx == "I10"]
    population = [
        p for p in htn
        if 18 <= _age(p.born, end) <= 85 and p.dx_day <= first_months_end
        and p.visit_class in ("O", "R")
    ]
    with_reading = controlled = 0
    for p in population:
        usable = [r for r in p.readings if r[1] not in ("E", "I")]
        if not usable:
            continue
        with_reading += 1
        last = max(r[0] for r in usable)
        day = [r for r in usable if r[0] == last]
        if min(r[2] for r in day) < 140 and min(r[3] for r in day) < 90:
            controlled += 1
    return Expected(len(patients), len(htn), len(population), with_reading, controlled)


def messages_of(patients: list[Patient]) -> str:
    out = []
    for p in patients:
        out.append(adt(p.id, p.dx_day, born=p.born, klass=p.visit_class, dx=(p.dx,)))
        out += [vitals(p.id, day, str(s), str(d), klass=k) for day, k, s, d in p.readings]
    return "".join(out)


PATIENTS = [
    Patient("PXA1", readings=[("20250301", "O", 120, 70)]),  # controlled
    Patient("PXA2", readings=[("20250301", "O", 120, 70), ("20250501", "O", 150, 80)]),  # latest
    Patient("PXA3", readings=[("20250401", "E", 120, 70)]),  # only an ED reading
    Patient("PXA4", readings=[("20250401", "O", 145, 85), ("20250401", "O", 135, 92)]),  # lowest
    Patient("PXA5", readings=[("20250402", "I", 110, 60), ("20250301", "O", 150, 95)]),
    Patient("PXA6", dx_day="20250801", readings=[("20250901", "O", 120, 70)]),  # after 6 months
    Patient("PXA7", born="20100101", readings=[("20250301", "O", 120, 70)]),  # 15 years old
    Patient("PXA8", born="19300101"),  # 95 years old
    Patient("PXA9", visit_class="I"),  # no outpatient visit
    Patient("PXB1", dx="E11.9", readings=[("20250301", "O", 120, 70)]),  # no hypertension
    Patient("PXB2"),  # hypertension, no reading at all
]


def _feed(tmp_path: Path, messages: str) -> Path:
    """A folder holding ``messages`` as one file."""
    folder = tmp_path / "messages"
    folder.mkdir(exist_ok=True)
    (folder / "feed.hl7").write_text(messages, encoding="utf-8", newline="")
    return folder


def _pcplus(rules: Rules, tier: int, folder: Path | None = None) -> check_module.LoadedOrganization:
    data: dict[str, object] = {
        "name": "Test Practice",
        "enrollment": [{"program": "pcplus", "tier_sought": tier}, {"program": "cct"}],
        "hie": {"participant": True, "interfaces": [{"kind": "adt", "realtime": True}]},
    }
    if folder is not None:
        data["messages"] = folder.name
    return organization_from_data(data, "test.toml", folder.parent if folder else None, rules)


def _table(report: Report, explain: bool = False) -> str:
    buffer = io.StringIO()
    render_table(report, Console(file=buffer, width=80, highlight=False, markup=False),
                 explain=explain)
    return buffer.getvalue()


# -- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("tier", [2, 3])
def test_counts_are_cms165s(tmp_path: Path, rules: Rules, tier: int) -> None:
    folder = _feed(tmp_path, messages_of(PATIENTS))
    cbp = run_check(_pcplus(rules, tier, folder), rules).cbp
    assert cbp is not None
    expected = cms165(PATIENTS, YEAR)
    got = Expected(cbp.patients, cbp.with_hypertension, cbp.denominator, cbp.with_reading,
                   cbp.controlled)
    assert got == expected
    assert cbp.period == Period.year(YEAR) and cbp.period_from_data
    assert cbp.messages == len(PATIENTS) + sum(len(p.readings) for p in PATIENTS)
    left_out = sum(s.members for s in cbp.left_out())
    assert left_out == expected.with_hypertension - expected.denominator == 4


def test_what_the_feed_lacks_is_said(tmp_path: Path, rules: Rules) -> None:
    """Seed 003, Tier III: "vital signs" — a feed without blood-pressure OBX cannot be measured."""
    folder = _feed(tmp_path, messages_of([Patient("PXC1"), Patient("PXC2")]))
    report = run_check(_pcplus(rules, 3, folder), rules)
    assert report.cbp is not None
    assert {m.id for m in report.cbp.missing} >= {"vitals-never-sent"}
    table, letter = _table(report), render_markdown(report)
    page = html.unescape(render_html(report))
    for text in (table, letter, page):
        assert CBP_TITLE in text and "no OBX with a blood-pressure LOINC" in text
    assert "(2 DG1 segments)" in letter  # the diagnosis-date check counts DG1 segments


def test_the_example_organization_gets_the_block(rules: Rules) -> None:
    """The bundled example seeks Tier III: the same counts as `hiecheck measure cbp` on its
    folder, shown in every format (table, markdown, HTML), and the readings once each."""
    org = load_organization(EXAMPLE, rules)
    report = run_check(org, rules)
    assert report.cbp is not None
    assert org.messages_dir is not None
    assert report.cbp == cbp_summary([str(org.messages_dir)])
    assert report.cbp.patients == 4 and report.cbp.with_hypertension == 2
    table = _table(report, explain=True)
    assert CBP_TITLE in table and max(len(line) for line in table.splitlines()) <= 80
    letter, page = render_markdown(report), html.unescape(render_html(report))
    assert f"## {CBP_TITLE}" in letter and f">{CBP_TITLE}</h2>" in page
    flat = " ".join(table.split())
    for reading in report.cbp.readings:
        assert [text.count(reading.text) for text in (flat, letter, page)] == [1, 1, 1]
    assert [text.count(CBP_READINGS_TITLE) for text in (table, letter, page)] == [1, 1, 1]
    assert Report.model_validate_json(report.model_dump_json()) == report


@pytest.mark.parametrize("tier", [1, None])
def test_no_block_without_pcplus_tier_2_or_3(tmp_path: Path, rules: Rules,
                                             tier: int | None) -> None:
    """Tier I carries no eCQM incentive (seed 003 ties it to Tier II and III); nor does CCT."""
    folder = _feed(tmp_path, messages_of(PATIENTS))
    if tier is None:
        data = {"name": "CCT only", "messages": folder.name, "enrollment": [{"program": "cct"}]}
        org = organization_from_data(data, "test.toml", folder.parent, rules)
    else:
        org = _pcplus(rules, tier, folder)
    report = run_check(org, rules)
    assert report.messages is not None and report.cbp is None
    assert not [text for text in (_table(report), render_markdown(report), render_html(report))
                if CBP_TITLE in text]
    assert json.loads(report.model_dump_json())["cbp"] is None


def test_no_block_without_messages(rules: Rules) -> None:
    assert run_check(_pcplus(rules, 3), rules).cbp is None


def test_only_tier_2_and_3_roles_carry_the_ecqm_incentive(rules: Rules) -> None:
    """The block follows the data: roles with the cbp-ecqm incentive, which quotes seed 003."""
    roles = {role.id: role for lp in rules.programs.in_force.values() for role in lp.profile.roles}
    carrying = {
        rid for rid, role in roles.items()
        if any(i.id == check_module.CBP_INCENTIVE for i in role.incentives)
    }
    assert carrying == {"pcplus-tier2", "pcplus-tier3"}
    incentive = next(i for i in roles["pcplus-tier3"].incentives
                     if i.id == check_module.CBP_INCENTIVE)
    assert "Controlling High Blood Pressure" in incentive.citation.quote


@pytest.mark.parametrize("messages", ["tier3-complete", "tier2-missing-procedures",
                                      "adt-not-realtime", "tier3-vitals-no-labs"])
def test_everything_else_in_the_report_is_unchanged(rules: Rules, messages: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The block adds to the report and changes nothing else: statuses, tier, exit code."""
    org = load_organization(EXAMPLE, rules)
    paths = [str(SETS / messages)]
    with_block = run_check(org, rules, messages=paths)
    monkeypatch.setattr(check_module, "shows_cbp", lambda enrollments: False)
    without = run_check(org, rules, messages=paths)
    assert with_block.cbp is not None and without.cbp is None
    assert with_block.model_copy(update={"cbp": None}) == without


def test_the_command_shows_it_with_its_exit_code(cli: Cli) -> None:
    """The example still exits 1 (its unmet requirements), now with the block."""
    result = cli("check", str(EXAMPLE), "--as-of", str(AS_OF))
    assert result.returncode == 1, result.stderr
    assert CBP_TITLE in result.stdout


def test_workers_and_standard_input_give_the_same_block(rules: Rules, tmp_path: Path) -> None:
    """One pass: the fields come from the validation workers (-j 2) and from standard input,
    which could not be read a second time."""
    folder = _feed(tmp_path, messages_of(PATIENTS))
    org = _pcplus(rules, 3, folder)
    one = run_check(org, rules).cbp
    assert one is not None and one.denominator > 0
    assert run_check(org, rules, jobs=2).cbp == one
    source = tmp_path / "org.toml"
    source.write_text('name = "Test Practice"\n[[enrollment]]\nprogram = "pcplus"\n'
                      'tier_sought = 3\n[hie]\nparticipant = true\n', encoding="utf-8")
    piped = subprocess.run(
        [sys.executable, "-m", "hiecheck", "check", str(source), "--messages", "-",
         "--as-of", str(AS_OF), "--format", "json"],
        input=(folder / "feed.hl7").read_text(encoding="utf-8"), capture_output=True,
        text=True, cwd=ROOT,
    )
    assert piped.returncode in (0, 1), piped.stderr
    got = Report.model_validate_json(piped.stdout).cbp
    assert got is not None
    assert got.model_dump(exclude={"readings"}) == one.model_dump(exclude={"readings"})


def test_no_patient_is_named_in_any_format(tmp_path: Path, rules: Rules) -> None:
    folder = _feed(tmp_path, messages_of(PATIENTS))
    report = run_check(_pcplus(rules, 3, folder), rules)
    outputs = [report.model_dump_json(), render_markdown(report), _table(report, explain=True),
               render_html(report)]
    for text in outputs:
        assert not [p.id for p in PATIENTS if p.id in text]
        assert "19600101" not in text and "1960-01-01" not in text and "DOE" not in text


def test_old_or_undated_messages_take_the_year_of_the_check(tmp_path: Path,
                                                            rules: Rules) -> None:
    """No CBP profile version covers 2015 (CMS165's profile starts in 2018): the block is still
    there, for the check date's year, and nothing turns into bad input."""
    folder = _feed(tmp_path, messages_of([Patient("PXD1", dx_day="20150115")]))
    report = run_check(_pcplus(rules, 3, folder), rules)
    assert report.cbp is not None
    assert report.cbp.period == Period.year(AS_OF.year) and not report.cbp.period_from_data
    assert "the calendar year of this check's date" in " ".join(_table(report).split())


def test_the_report_schema_describes_the_block() -> None:
    schema = Report.model_json_schema()
    assert "Controlling High Blood Pressure" in schema["properties"]["cbp"]["description"]


def test_a_check_without_the_block_loads_no_duckdb() -> None:
    """DuckDB is imported only for a report that shows the eCQM (startup of every other check)."""
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from hiecheck.check import load_rules, organization_from_data, run_check\n"
        "from hiecheck.programs import render_markdown, render_table\n"
        f"rules = load_rules(None, date({AS_OF.year}, {AS_OF.month}, {AS_OF.day}))\n"
        "data = {'name': 'CCT', 'messages': 'example-family-practice',\n"
        "        'enrollment': [{'program': 'cct'}]}\n"
        f"org = organization_from_data(data, 'cct.toml', __import__('pathlib').Path({str(EXAMPLE.parent)!r}), rules)\n"  # noqa: E501
        "report = run_check(org, rules)\n"
        "assert report.messages is not None and report.cbp is None\n"
        "print('duckdb' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.stdout.strip() == "False", result.stderr
