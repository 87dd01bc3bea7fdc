"""A portfolio run: every organization through the one check pipeline, the same rows as the
check reports, roll-ups, exit codes, and a bad or crashing organization only its own row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hiecheck.check import Report, Rules, load_organization, load_rules, run_check
from hiecheck.portfolio import run as portfolio_run
from hiecheck.portfolio.model import OrganizationEntry, Portfolio, ProblemKind
from hiecheck.portfolio.rollup import catalog
from hiecheck.portfolio.run import portfolio_of
from hiecheck.portfolio.summarize import entry_of_report
from hiecheck.programs.statuses import Status
from tests.portfolio.conftest import AS_OF, BAD, PORTFOLIO


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(None, date.fromisoformat(AS_OF))


def _portfolio(rules: Rules, *paths: Path, jobs: int = 1) -> Portfolio:
    return portfolio_of(list(paths), rules, jobs=jobs)


@pytest.fixture(scope="module")
def sample(rules: Rules) -> Portfolio:
    return _portfolio(rules, PORTFOLIO)


def test_sample_covers_every_role_of_every_program(rules: Rules, sample: Portfolio) -> None:
    """sample_messages/portfolio (README example) enrolls in all twelve roles in force."""
    every_role = {r.id for p in catalog(rules.programs) for r in p.roles}
    assert len(every_role) == 12
    assert {row.role for _, row in sample.rows() if row} == every_role
    assert sample.totals.with_messages == 4 and sample.totals.bad_input == 0


def test_rows_are_the_check_reports(rules: Rules, sample: Portfolio) -> None:
    """Each entry is what `check FILE` reports for that file alone (same pipeline)."""
    for entry in sample.organizations:
        path = PORTFOLIO / entry.key
        report = run_check(load_organization(path, rules), rules)
        assert entry == entry_of_report(entry.key, str(path), report)
        assert entry.exit_code == report.exit_code


def test_parallel_run_gives_the_same_portfolio(rules: Rules, sample: Portfolio) -> None:
    assert _portfolio(rules, PORTFOLIO, jobs=2) == sample


def test_exit_code_is_the_worst_organizations(rules: Rules, sample: Portfolio) -> None:
    """0 all met or attested; 1 some unmet; 2 some file bad (wins over 1)."""
    assert sample.exit_code == 1
    fine = _portfolio(rules, PORTFOLIO / "lakeside-pediatrics.toml",
                      PORTFOLIO / "recovery-center-of-maine.toml")
    assert fine.exit_code == 0 and fine.totals.attested == 1 and fine.totals.met == 1
    with_bad = _portfolio(rules, PORTFOLIO, BAD)
    assert with_bad.exit_code == 2


def test_a_bad_file_is_its_row_and_the_others_are_checked(rules: Rules, sample: Portfolio
                                                         ) -> None:
    """One broken organization file does not stop the run: its row names the file, its key and
    the one-line problem `check FILE` prints."""
    both = _portfolio(rules, PORTFOLIO, BAD)
    assert both.totals.organizations == 15 and both.totals.bad_input == 3
    good = [e for e in both.organizations if e.problem is None]
    assert good == sample.organizations
    bad = {e.key: e for e in both.organizations if e.problem is not None}
    assert set(bad) == {"malformed.toml", "missing-messages.toml", "unknown-program.toml"}
    unknown = bad["unknown-program.toml"]
    assert unknown.file == str(BAD / "unknown-program.toml")
    assert unknown.exit_code == 2 and unknown.result is None and unknown.roles == []
    assert unknown.problem is not None and unknown.problem.kind is ProblemKind.BAD_INPUT
    assert unknown.problem.lines == [
        f"{BAD / 'unknown-program.toml'}:enrollment[1].program: unknown program 'gold' "
        "(expected ac | bhh | cct | dsnp | ohh | pcplus)"
    ]
    malformed = bad["malformed.toml"].problem
    assert malformed is not None and "malformed TOML" in malformed.lines[0]
    assert "line 2" in malformed.lines[0]


def test_a_file_that_does_not_exist_is_a_bad_row(rules: Rules, tmp_path: Path) -> None:
    p = _portfolio(rules, PORTFOLIO / "coastal-recovery.toml", tmp_path / "gone.toml")
    gone = p.entry("gone.toml")
    assert gone.problem is not None and gone.exit_code == 2
    assert str(tmp_path / "gone.toml") in gone.problem.lines[0]
    assert p.entry("coastal-recovery.toml").roles


def test_a_bug_checking_one_organization_is_its_row_and_exit_3(
    rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = portfolio_run.run_check

    def flaky(org: object, *args: object, **kwargs: object) -> Report:
        if "coastal" in str(getattr(org, "path", "")):
            raise ZeroDivisionError("boom")
        return real(org, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(portfolio_run, "run_check", flaky)
    monkeypatch.delenv("HIECHECK_DEBUG", raising=False)
    p = _portfolio(rules, PORTFOLIO)
    crashed = p.entry("coastal-recovery.toml")
    assert crashed.problem is not None and crashed.problem.kind is ProblemKind.INTERNAL_ERROR
    assert "internal error: ZeroDivisionError: boom" in crashed.problem.lines[0]
    assert p.exit_code == 3 and p.totals.internal_error == 1
    assert sum(1 for e in p.organizations if e.problem is None) == 11


def _row(p: Portfolio, key: str, role: str) -> tuple[OrganizationEntry, Status]:
    entry = p.entry(key)
    return entry, next(r.status for r in entry.roles if r.role == role)


def test_rows_say_status_tier_unmet_and_first_step(sample: Portfolio) -> None:
    northern = sample.entry("northern-family-practice.toml")
    tier3 = next(r for r in northern.roles if r.role == "pcplus-tier3")
    assert tier3.tier is not None and (tier3.tier.sought, tier3.tier.proven) == (3, 3)
    assert northern.messages is not None and northern.messages > 0
    river = next(r for r in sample.entry("river-valley-health.toml").roles
                 if r.role == "pcplus-tier2")
    assert river.status == Status.UNMET and river.unmet > 0
    assert river.tier is not None and (river.tier.sought, river.tier.proven) == (2, 1)
    assert river.next_step is not None and "procedure codes" in river.next_step
    tribal = sample.entry("riverbend-tribal-health.toml").roles[0]
    assert tribal.tier is not None and tribal.tier.reached == 2 and tribal.tier.proven is None
    payer = sample.entry("d-snp/maine-advantage-plan.toml").roles[0]
    assert payer.conflicts == 1 and payer.status == Status.UNMET


def test_rollups_answer_the_teams_questions(sample: Portfolio) -> None:
    """How many non-HOME CCT teams lack a proven real-time ADT feed; how many PCPlus practices
    prove Tier II or III; which incentives are within reach for how many."""
    programs = {p.program: p for p in sample.programs}
    cct = next(r for r in programs["cct"].roles if r.role == "cct")
    adt = next(r for r in cct.requirements if r.id == "adt-realtime")
    assert cct.organizations == 2 and adt.status.not_proven == 1 and adt.status.met == 1
    pcplus = programs["pcplus"]
    assert pcplus.organizations == 4
    proven = {t.level: t.proven for t in pcplus.tiers}
    assert proven == {1: 2, 2: 0, 3: 1}
    assert sum(n for level, n in proven.items() if level >= 2) == 1
    reimbursement = next(i for i in pcplus.incentives if i.id == "higher-reimbursement")
    assert reimbursement.within_reach == 1
    assert reimbursement.applies_proven + reimbursement.applies_attested == 2
    assert programs["dsnp"].organizations == 3 and len(programs["dsnp"].roles) == 3
    assert [p.program for p in sample.programs] == sorted(programs)


def test_portfolio_json_round_trips(sample: Portfolio) -> None:
    assert Portfolio.model_validate_json(sample.model_dump_json()) == sample
