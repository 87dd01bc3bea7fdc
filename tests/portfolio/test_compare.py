"""What changed since a previous portfolio: organizations matched by key (or moved, by name),
roles by id, requirements by id; a previous run under other rules is compared with notes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from hiecheck.check import Rules, load_rules
from hiecheck.errors import InputError
from hiecheck.portfolio.compare import compare, load_previous, role_change
from hiecheck.portfolio.model import ChangeKind, NoteKind, Portfolio
from hiecheck.portfolio.render_words import change_text, note_text
from hiecheck.portfolio.run import portfolio_of
from hiecheck.programs.statuses import Status
from tests.portfolio.conftest import AS_OF, PORTFOLIO


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(None, date.fromisoformat(AS_OF))


def _run(rules: Rules, folder: Path) -> Portfolio:
    return portfolio_of([folder], rules)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def weekly(rules: Rules, portfolio_copy: Path) -> tuple[Portfolio, Portfolio]:
    """Last week's portfolio and this week's, after the changes a week brings."""
    before = _run(rules, portfolio_copy)
    orgs = portfolio_copy
    _edit(orgs / "coastal-recovery.toml", "participant = true",
          "participant = true\nclinical_portal_access = true")
    _edit(orgs / "northern-family-practice.toml", 'messages = "northern-family-practice"\n', "")
    (orgs / "river-valley-health.toml").rename(orgs / "river-valley-health-center.toml")
    _edit(orgs / "harbor-community-care-team.toml", 'program = "cct"', 'program = "gold"')
    _edit(orgs / "lakeside-pediatrics.toml", "tier_sought = 1",
          'tier_sought = 1\n\n[[enrollment]]\nprogram = "bhh"')
    _edit(orgs / "home-care-partners.toml", '[[enrollment]]\nprogram = "bhh"\n', "")
    (orgs / "pine-ridge-behavioral.toml").unlink()
    (orgs / "new-clinic.toml").write_text(
        'name = "New Clinic"\n[[enrollment]]\nprogram = "bhh"\n', encoding="utf-8"
    )
    return before, _run(rules, orgs)


def test_the_weekly_view(weekly: tuple[Portfolio, Portfolio]) -> None:
    before, after = weekly
    changes = compare(before, after, "last-week.json")
    assert changes.notes == []
    found = {(c.key, c.role, c.requirement): c for c in changes.changes}
    K = ChangeKind
    expected = {
        ("coastal-recovery.toml", "ohh-uninsured", None): (K.NEWLY_MET, "unmet", "attested"),
        ("coastal-recovery.toml", "ohh-uninsured", "clinical-portal-access-only"):
            (K.REQUIREMENT_IMPROVED, "unmet", "attested"),
        ("northern-family-practice.toml", "pcplus-tier3", None): (K.TIER_DOWN, "3", "0"),
        ("northern-family-practice.toml", "pcplus-tier3", "tier3-adt-oru"):
            (K.REQUIREMENT_REGRESSED, "met", "attested"),
        ("northern-family-practice.toml", "ac", "adt-realtime"):
            (K.REQUIREMENT_REGRESSED, "met", "attested"),
        ("river-valley-health-center.toml", None, None):
            (K.MOVED, "river-valley-health.toml", "river-valley-health-center.toml"),
        ("harbor-community-care-team.toml", None, None): (K.INPUT_BROKEN, None, None),
        ("lakeside-pediatrics.toml", "bhh", None): (K.ROLE_ADDED, None, "not_applicable"),
        ("home-care-partners.toml", "bhh", None): (K.ROLE_REMOVED, "not_applicable", None),
        ("pine-ridge-behavioral.toml", None, None): (K.REMOVED, None, None),
        ("new-clinic.toml", None, None): (K.ADDED, None, None),
    }
    assert set(found) == set(expected)
    for where, (kind, old, new) in expected.items():
        change = found[where]
        assert change.kind is kind, where
        if kind is not K.INPUT_BROKEN:
            assert (change.before, change.after) == (old, new), where
    broken = found[("harbor-community-care-team.toml", None, None)]
    assert broken.after is not None and "unknown program 'gold'" in broken.after
    # 12 before: 7 changed or gone (the moved one is a change), the rest unchanged
    assert changes.unchanged == 5
    keys = [c.key for c in changes.changes]
    assert keys == sorted(keys)


def test_the_way_back(weekly: tuple[Portfolio, Portfolio]) -> None:
    before, after = weekly
    back = {(c.key, c.kind) for c in compare(after, before, "x").changes}
    assert ("harbor-community-care-team.toml", ChangeKind.INPUT_FIXED) in back
    assert ("northern-family-practice.toml", ChangeKind.TIER_UP) in back
    assert ("river-valley-health.toml", ChangeKind.MOVED) in back
    assert ("pine-ridge-behavioral.toml", ChangeKind.ADDED) in back


def test_no_change_against_itself(rules: Rules) -> None:
    sample = _run(rules, PORTFOLIO)
    same = compare(sample, sample, "same.json")
    assert same.changes == [] and same.unchanged == 12 and same.notes == []


def test_other_rules_are_compared_with_notes(rules: Rules) -> None:
    current = _run(rules, PORTFOLIO)
    previous = current.model_copy(update={
        "as_of": date(2026, 1, 5), "hiecheck_version": "0.0.9", "strict": True,
        "rules": {**current.rules, "pcplus": "2021.1", "retired": "1.0"},
    })
    changes = compare(previous, current, "old.json")
    notes = {(n.kind, n.subject) for n in changes.notes}
    assert notes == {
        (NoteKind.AS_OF, None), (NoteKind.PROGRAM_VERSION, "pcplus"),
        (NoteKind.PROGRAM_VERSION, "retired"), (NoteKind.HIECHECK_VERSION, None),
        (NoteKind.STRICT, None),
    }
    assert changes.unchanged == 12  # still compared, organization by organization
    words = [note_text(n) for n in changes.notes]
    assert any("rules in force on 2026-01-05" in w and AS_OF in w for w in words)


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        (Status.UNMET, Status.MET, ChangeKind.NEWLY_MET),
        (Status.UNMET, Status.NOT_APPLICABLE, ChangeKind.NEWLY_MET),
        (Status.ATTESTED, Status.MET, ChangeKind.NOW_PROVEN),
        (Status.MET, Status.ATTESTED, ChangeKind.REGRESSED),
        (Status.NOT_APPLICABLE, Status.UNMET, ChangeKind.REGRESSED),
        (Status.MET, Status.NOT_APPLICABLE, ChangeKind.STATUS_CHANGED),
        (Status.MET, Status.MET, None),
    ],
)
def test_role_status_moves(before: Status, after: Status, kind: ChangeKind | None) -> None:
    assert role_change(before, after) is kind


def test_every_change_has_words(weekly: tuple[Portfolio, Portfolio]) -> None:
    before, after = weekly
    for change in [*compare(before, after, "a").changes, *compare(after, before, "b").changes]:
        assert change_text(change)


def test_previous_file_problems_are_one_line(rules: Rules, tmp_path: Path) -> None:
    good = json.loads(_run(rules, PORTFOLIO).model_dump_json())
    cases = {
        "v2.json": ({**good, "format_version": 2}, "format_version: portfolio format version 2"),
        "bad.json": ({**good, "organizations": [{"key": 1}]}, "organizations[1].key"),
        "list.json": ([], "kind: is not a portfolio"),
    }
    for name, (data, expected) in cases.items():
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(InputError) as caught:
            load_previous(path)
        assert expected in caught.value.one_line(), caught.value.one_line()
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(good), encoding="utf-8")
    assert load_previous(path).totals.organizations == 12
