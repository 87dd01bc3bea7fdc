"""Which organization files a portfolio run reads, their stable keys, and report file names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hiecheck.errors import InputError
from hiecheck.portfolio.inputs import organization_files, wants_portfolio
from hiecheck.portfolio.report_names import report_names, slug
from tests.portfolio.conftest import PORTFOLIO


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('name = "x"\n', encoding="utf-8")
    return path


def test_folder_keys_are_paths_relative_to_the_folder() -> None:
    files = organization_files([PORTFOLIO])
    keys = [f.key for f in files]
    assert keys == sorted(keys) and len(keys) == 12
    assert "d-snp/evergreen-ltc.toml" in keys  # sub-folders, forward slashes
    assert all(not k.startswith("/") for k in keys)
    evergreen = next(f for f in files if f.key == "d-snp/evergreen-ltc.toml")
    assert evergreen.path == PORTFOLIO / "d-snp" / "evergreen-ltc.toml"


def test_key_does_not_depend_on_where_the_folder_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    _touch(tmp_path / "orgs" / "north" / "clinic.toml")
    monkeypatch.chdir(tmp_path)
    relative = organization_files([Path("orgs")])
    absolute = organization_files([tmp_path / "orgs"])
    assert [f.key for f in relative] == [f.key for f in absolute] == ["north/clinic.toml"]


def test_a_file_given_alone_is_keyed_by_its_name() -> None:
    (one,) = organization_files([PORTFOLIO / "coastal-recovery.toml"])
    assert one.key == "coastal-recovery.toml"  # the key it has when its folder is given


def test_hidden_files_folders_and_other_suffixes_are_skipped(tmp_path: Path) -> None:
    _touch(tmp_path / "a.toml")
    _touch(tmp_path / ".hidden.toml")
    _touch(tmp_path / ".git" / "b.toml")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert [f.key for f in organization_files([tmp_path])] == ["a.toml"]


def test_a_file_given_twice_by_any_name_is_read_once(tmp_path: Path) -> None:
    org = _touch(tmp_path / "orgs" / "a.toml")
    os.link(org, tmp_path / "same.toml")
    files = organization_files([tmp_path / "orgs", org, tmp_path / "same.toml"])
    assert [f.key for f in files] == ["a.toml"]


def test_two_files_with_one_key_are_keyed_by_their_paths(tmp_path: Path) -> None:
    a = _touch(tmp_path / "a" / "x.toml")
    b = _touch(tmp_path / "b" / "x.toml")
    files = organization_files([tmp_path / "a", b])
    assert sorted(f.key for f in files) == sorted([a.as_posix(), b.as_posix()])


def test_a_folder_without_organization_files_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "readme.md").write_text("x", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        organization_files([tmp_path])
    assert caught.value.one_line() == (
        f"{tmp_path}: folder holds no organization files (expected *.toml files, in it or in "
        "its sub-folders)"
    )


def test_a_missing_file_is_kept_for_its_row(tmp_path: Path) -> None:
    (missing,) = organization_files([tmp_path / "gone.toml"])
    assert missing.key == "gone.toml"


def test_portfolio_when_several_paths_a_folder_or_a_portfolio_option() -> None:
    one = [PORTFOLIO / "coastal-recovery.toml"]
    assert not wants_portfolio(one, "table", None, None)
    assert not wants_portfolio(one, "markdown", None, None)
    assert wants_portfolio(one * 2, "table", None, None)
    assert wants_portfolio([PORTFOLIO], "table", None, None)
    assert wants_portfolio(one, "csv", None, None)
    assert wants_portfolio(one, "table", Path("reports"), None)
    assert wants_portfolio(one, "table", None, Path("last.json"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Example Family Practice", "example-family-practice"),
        ("Lakeside Pédiatrics, P.A.", "lakeside-pediatrics-p-a"),
        ("../../etc/passwd", "etc-passwd"),
        ("  ", "organization"),
        ("診療所", "organization"),
        ("CON", "con-org"),
        ("a" * 100, "a" * 60),
    ],
)
def test_report_file_names_are_safe(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_report_name_collisions_are_resolved_by_key() -> None:
    names = report_names(
        [("south/a.toml", "Clinic"), ("north/a.toml", "Clinic"), ("b.toml", "Other")], ".md"
    )
    assert names == {
        "b.toml": "other.md",
        "north/a.toml": "clinic--north-a.md",
        "south/a.toml": "clinic--south-a.md",
    }
    again = report_names([("north/a.toml", "Clinic"), ("south/a.toml", "Clinic"),
                          ("b.toml", "Other")], ".md")
    assert again == names  # the same whatever the order given


def test_report_names_never_repeat() -> None:
    pairs = [("x-y.toml", "A"), ("x/y.toml", "A"), ("z.toml", "a--x-y")]
    names = report_names(pairs, ".json")
    assert len(set(names.values())) == 3, names
