"""`hiecheck check` with several files or folders: formats, reports, options, exit codes, and
one file still giving exactly its own report."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from hiecheck.check import load_organization, load_rules, run_check
from hiecheck.console import make_console
from hiecheck.portfolio.model import Portfolio
from hiecheck.portfolio.render_csv import COLUMNS
from hiecheck.programs.render_markdown import render_markdown
from hiecheck.programs.render_table import render_table
from tests.portfolio.conftest import AS_OF, BAD, PORTFOLIO, ROOT, Hiecheck

EXAMPLE = ROOT / "sample_messages" / "example-family-practice.toml"
STATUS_WORDS = ("met", "attested", "unmet", "not applicable", "bad input")


def _words(text: str) -> str:
    """Text with its line wrapping undone."""
    return " ".join(text.split())


def test_one_file_is_still_the_one_report(hiecheck: Hiecheck) -> None:
    """`check ORG.toml` without portfolio options prints exactly the check report, as the
    pipeline and the report renderers make it (no portfolio), with the report's exit code."""
    rules = load_rules(None, date.fromisoformat(AS_OF))
    report = run_check(load_organization(EXAMPLE, rules), rules)
    table = io.StringIO()
    render_table(report, make_console(table))
    expected = {
        "json": report.model_dump_json(indent=2) + "\n",
        "markdown": render_markdown(report),
        "table": table.getvalue(),
    }
    for fmt, text in expected.items():
        single = hiecheck("check", EXAMPLE, "--as-of", AS_OF, "--format", fmt)
        assert (single.code, single.err) == (report.exit_code, "")
        assert single.out == text, fmt


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("markdown", ".md"), ("json", ".json"), ("html", ".html")]
)
def test_reports_dir_holds_each_organizations_own_report(
    hiecheck: Hiecheck, tmp_path: Path, fmt: str, suffix: str
) -> None:
    """Each report in --reports-dir is byte for byte what `check FILE --format FMT` prints."""
    reports = tmp_path / "reports"
    run = hiecheck("check", PORTFOLIO, "--as-of", AS_OF, "--format", "json",
                   "--reports-dir", reports, "--reports-format", fmt, "--jobs", "2")
    assert run.code == 1, run.err
    portfolio = Portfolio.model_validate_json(run.out)
    assert portfolio.reports_dir == str(reports) and portfolio.reports_format == fmt
    written = sorted(p.name for p in reports.iterdir())
    assert written == sorted(e.report for e in portfolio.organizations if e.report)
    assert len(written) == 12 and all(n.endswith(suffix) for n in written)
    for entry in portfolio.organizations:
        single = hiecheck("check", PORTFOLIO / entry.key, "--as-of", AS_OF, "--format", fmt)
        assert entry.report is not None
        assert (reports / entry.report).read_text(encoding="utf-8") == single.out, entry.key
        assert single.code == entry.exit_code


def test_report_names_follow_the_organization(hiecheck: Hiecheck, tmp_path: Path) -> None:
    run = hiecheck("check", PORTFOLIO, "--as-of", AS_OF, "-f", "json", "--reports-dir",
                   tmp_path / "r")
    entry = Portfolio.model_validate_json(run.out).entry("d-snp/evergreen-ltc.toml")
    assert entry.report == "evergreen-long-term-care.md"


def test_bad_files_make_exit_2_and_name_file_key_and_problem(hiecheck: Hiecheck) -> None:
    run = hiecheck("check", PORTFOLIO, BAD, "--as-of", AS_OF, "--format", "csv")
    assert run.code == 2 and run.err == ""
    rows = list(csv.DictReader(io.StringIO(run.out)))
    bad = {r["key"]: r for r in rows if r["status"] == "bad_input"}
    assert set(bad) == {"malformed.toml", "missing-messages.toml", "unknown-program.toml"}
    row = bad["missing-messages.toml"]
    assert row["file"] == str(BAD / "missing-messages.toml")
    assert row["problem"] == (
        f"{BAD / 'missing-messages.toml'}:messages: messages folder 'no-such-folder' not found "
        "(expected a folder relative to the organization file)"
    )
    assert len({r["key"] for r in rows}) == 15


def test_a_file_alone_says_the_same_problem(hiecheck: Hiecheck) -> None:
    """The problem in the row is the line `check FILE` prints for that file."""
    alone = hiecheck("check", BAD / "unknown-program.toml", "--as-of", AS_OF)
    assert alone.code == 2
    run = hiecheck("check", BAD, "--as-of", AS_OF, "-f", "json")
    entry = Portfolio.model_validate_json(run.out).entry("unknown-program.toml")
    assert entry.problem is not None
    assert alone.err == "".join(f"hiecheck: error: {line}\n" for line in entry.problem.lines)


def test_table_fits_80_columns_and_never_cuts_a_status(hiecheck: Hiecheck) -> None:
    run = hiecheck("check", PORTFOLIO, "--as-of", AS_OF)
    assert run.code == 1
    lines = run.out.splitlines()
    too_wide = [line for line in lines if len(line) > 80 and " " in line.strip()]
    assert too_wide == []
    marked = [line for line in lines if re.match(r"  [+~x-] ", line)]
    assert marked and all(any(f" {w}" in line for w in STATUS_WORDS) for line in marked)
    for entry_line in ("Northern Family Practice (northern-family-practice.toml)",
                       "pcplus-tier3: Tier 3 sought, Tier 3 proven"):
        assert entry_line in run.out
    assert "prove Tier 2 or higher: 1 of 4 practices" in run.out
    assert "1 of 2 lack proof: HL7 data interface sending real-time ADT messages (1 unmet)" in (
        _words(run.out)
    )


def test_a_conflict_row_says_why_it_is_unmet(hiecheck: Hiecheck) -> None:
    """A D-SNP payer that declares participation is unmet with 0 requirements unmet: the Unmet
    cell names the conflict instead of a bare 0."""
    run = hiecheck("check", PORTFOLIO, "--as-of", AS_OF, "-f", "markdown")
    row = next(line for line in run.out.splitlines() if "maine-advantage-plan" in line
               and line.startswith("| "))
    assert "| 0 + 1 conflict |" in row and "**unmet**" in row.lower()


def test_csv_opens_in_a_spreadsheet(hiecheck: Hiecheck, tmp_path: Path) -> None:
    out = tmp_path / "portfolio.csv"
    run = hiecheck("check", PORTFOLIO, "--as-of", AS_OF, "-f", "csv", "-o", out,
                   "--reports-dir", tmp_path / "reports")
    assert run.code == 1 and run.out == ""
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # BOM for spreadsheets, CRLF
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 16  # one per organization and role
    tier3 = next(r for r in rows if r["role"] == "pcplus-tier3")
    assert (tier3["tier_sought"], tier3["tier_proven"], tier3["tier_basis"]) == ("3", "3",
                                                                                  "proven")
    assert tier3["report"] == "reports/northern-family-practice.md"
    payer = next(r for r in rows if r["key"] == "d-snp/maine-advantage-plan.toml")
    assert (payer["status"], payer["unmet"], payer["conflicts"]) == ("unmet", "0", "1")
    stdout = hiecheck("check", PORTFOLIO, "--as-of", AS_OF, "-f", "csv")
    assert not stdout.out.startswith("\ufeff")  # no BOM for pipes


def test_csv_cells_are_never_formulas(hiecheck: Hiecheck, tmp_path: Path) -> None:
    for n, name in enumerate(["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)"]):
        (tmp_path / f"o{n}.toml").write_text(
            f'name = {json.dumps(name)}\n[[enrollment]]\nprogram = "bhh"\n', encoding="utf-8"
        )
    run = hiecheck("check", tmp_path, "--as-of", AS_OF, "-f", "csv")
    names = [r["organization"] for r in csv.DictReader(io.StringIO(run.out))]
    assert names == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)"]


def test_markdown_and_html_link_each_report(hiecheck: Hiecheck, tmp_path: Path) -> None:
    reports = tmp_path / "out" / "reports"
    for fmt in ("markdown", "html"):
        target = tmp_path / "out" / f"portfolio.{fmt}"
        run = hiecheck("check", PORTFOLIO, "--as-of", AS_OF, "-f", fmt, "-o", target,
                       "--reports-dir", reports)
        assert run.code == 1, run.err
        text = target.read_text(encoding="utf-8")
        assert "reports/northern-family-practice.md" in text  # relative to the portfolio file
        assert str(tmp_path) not in text.replace(str(PORTFOLIO), "")


def test_html_page_is_self_contained(hiecheck: Hiecheck) -> None:
    run = hiecheck("check", PORTFOLIO, "--as-of", AS_OF, "-f", "html")
    page = run.out
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "<script>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert page.count("<tr>") == 17  # header + one per organization and role


def test_what_changed_since_the_previous_run(hiecheck: Hiecheck, portfolio_copy: Path,
                                             tmp_path: Path) -> None:
    previous = tmp_path / "last-week.json"
    first = hiecheck("check", portfolio_copy, "--as-of", AS_OF, "-f", "json", "-o", previous)
    assert first.code == 1
    coastal = portfolio_copy / "coastal-recovery.toml"
    coastal.write_text(coastal.read_text(encoding="utf-8").replace(
        "participant = true", "participant = true\nclinical_portal_access = true"),
        encoding="utf-8")
    (portfolio_copy / "lakeside-pediatrics.toml").unlink()
    run = hiecheck("check", portfolio_copy, "--as-of", AS_OF, "--compare", previous)
    assert run.code == 1, run.err
    text = _words(run.out)
    assert f"What changed since {previous} (rules as of {AS_OF})" in text
    assert (
        "Coastal Recovery Services (coastal-recovery.toml) + better ohh-uninsured: newly met "
        "(unmet → attested) + better ohh-uninsured: requirement clinical-portal-access-only "
        "unmet → attested"
    ) in text
    removed = "Lakeside Pediatrics (lakeside-pediatrics.toml) - changed no longer in the portfolio"
    assert removed in text
    assert (
        "3 changes: 1 removed, 1 newly met, 1 requirement improved; 10 organizations unchanged"
    ) in text


def test_compare_with_a_file_that_is_not_a_portfolio(hiecheck: Hiecheck, tmp_path: Path) -> None:
    bad = tmp_path / "report.json"
    single = hiecheck("check", EXAMPLE, "--as-of", AS_OF, "-f", "json")
    bad.write_text(single.out, encoding="utf-8")
    run = hiecheck("check", PORTFOLIO, "--compare", bad)
    assert run.code == 2 and run.out == ""
    assert run.err == (
        f"hiecheck: error: {bad}:kind: is not a portfolio written by `hiecheck check FOLDER "
        '--format json` (expected "kind": "hiecheck-portfolio")\n'
    )
    (tmp_path / "x.json").write_text("{", encoding="utf-8")
    run = hiecheck("check", PORTFOLIO, "--compare", tmp_path / "x.json")
    assert run.code == 2 and "not JSON" in run.err and run.err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--messages", "sample_messages/sets/tier2-complete"], "--messages: applies to one"),
        (["--explain"], "--explain: applies to one organization's table"),
        (["--reports-format", "json"], "--reports-format: needs --reports-dir"),
    ],
)
def test_options_of_one_organization_are_refused(
    hiecheck: Hiecheck, args: list[str], message: str
) -> None:
    run = hiecheck("check", PORTFOLIO, *args)
    assert run.code == 2 and run.out == "" and run.err.startswith(f"hiecheck: error: {message}")


def test_html_of_one_file_is_its_report_and_csv_a_portfolio(hiecheck: Hiecheck) -> None:
    one = hiecheck("check", EXAMPLE, "--as-of", AS_OF, "-f", "html")
    assert one.code == 1 and "HIE conditions for Example Family Practice" in one.out
    assert "HIE portfolio" not in one.out
    row = hiecheck("check", EXAMPLE, "--as-of", AS_OF, "-f", "csv")
    assert row.code == 1 and row.out.startswith("key,file,organization")


def test_an_empty_folder_is_bad_input(hiecheck: Hiecheck, tmp_path: Path) -> None:
    run = hiecheck("check", tmp_path)
    assert run.code == 2 and "folder holds no organization files" in run.err


def test_no_output_replaces_an_input(hiecheck: Hiecheck, portfolio_copy: Path,
                                     tmp_path: Path) -> None:
    org = portfolio_copy / "coastal-recovery.toml"
    before = org.read_bytes()
    refused = [
        ["-o", org],  # an organization file
        ["-o", portfolio_copy / "new.toml"],  # the next run would read it as an organization
        ["-o", portfolio_copy / "northern-family-practice" / "p.txt"],  # ... as a message
    ]
    for args in refused:
        run = hiecheck("check", portfolio_copy, "--as-of", AS_OF, *args)
        assert run.code == 2 and run.out == "", args
        assert run.err.count("\n") == 1 and "hiecheck: error:" in run.err
    assert org.read_bytes() == before and not (portfolio_copy / "new.toml").exists()
    # a report whose name is a hard link to an organization file is not replaced
    reports = tmp_path / "reports"
    reports.mkdir()
    os.link(org, reports / "coastal-recovery-services.md")
    run = hiecheck("check", portfolio_copy, "--as-of", AS_OF, "--reports-dir", reports)
    assert run.code == 2 and "is an input file of this run" in run.err
    assert org.read_bytes() == before
    previous = tmp_path / "p.json"
    hiecheck("check", portfolio_copy, "--as-of", AS_OF, "-f", "json", "-o", previous)
    saved = previous.read_bytes()
    run = hiecheck("check", portfolio_copy, "--compare", previous, "-f", "json", "-o", previous)
    assert run.code == 2 and previous.read_bytes() == saved


def test_reports_dir_that_is_a_file(hiecheck: Hiecheck, tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("x", encoding="utf-8")
    run = hiecheck("check", PORTFOLIO, "--reports-dir", blocker)
    assert run.code == 2 and "is a file" in run.err and blocker.read_text() == "x"


def test_no_progress_bar_when_stderr_is_not_a_terminal(hiecheck: Hiecheck) -> None:
    run = hiecheck("check", PORTFOLIO, "--as-of", AS_OF, "--jobs", "2")
    assert run.code == 1 and run.err == ""


def test_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             hiecheck: Hiecheck) -> None:
    """The README's portfolio commands, run in a copy of the sample portfolio."""
    shutil.copytree(PORTFOLIO, tmp_path / "sample_messages" / "portfolio")
    monkeypatch.chdir(tmp_path)
    orgs = "sample_messages/portfolio/"
    run = hiecheck("check", orgs, "--jobs", "2", "--format", "html", "--output",
                   "portfolio.html", "--reports-dir", "reports")
    assert run.code == 1, run.err
    assert len(list((tmp_path / "reports").iterdir())) == 12
    assert 'href="reports/northern-family-practice.md"' in (tmp_path / "portfolio.html").read_text()
    run = hiecheck("check", orgs, "--format", "json", "--output", "last-week.json")
    assert run.code == 1, run.err
    run = hiecheck("check", orgs, "--compare", "last-week.json")
    assert run.code == 1 and "0 changes: none; 12 organizations unchanged" in run.out


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bar counts organizations on stderr when it is a terminal, unless --quiet."""
    import sys
    from contextlib import ExitStack

    from hiecheck.cli_support import count_progress

    with ExitStack() as stack:
        assert count_progress(3, False, stack, "x") is None  # stderr captured: not a terminal
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        assert count_progress(3, True, stack, "x") is None
        advance = count_progress(3, False, stack, "x")
        assert advance is not None
        advance(1)


def test_undecodable_file_names_are_shown_not_fatal(hiecheck: Hiecheck, tmp_path: Path) -> None:
    """A file name that is not UTF-8 is a key with its bytes as \\xff, in every format."""
    folder = tmp_path / "orgs"
    folder.mkdir()
    good = folder / os.fsdecode(b"caf\xe9.toml")
    shutil.copyfile(PORTFOLIO / "coastal-recovery.toml", good)
    (folder / os.fsdecode(b"bad\xff.toml")).write_text('name = "x"\n', encoding="utf-8")
    run = hiecheck("check", folder, "--as-of", AS_OF, "-f", "json")
    assert run.code == 2, run.err
    portfolio = Portfolio.model_validate_json(run.out)
    assert [e.key for e in portfolio.organizations] == ["bad\\xff.toml", "caf\\xe9.toml"]
    problem = portfolio.organizations[0].problem
    assert problem is not None and problem.lines[0].startswith(f"{folder}/bad\\xff.toml:")
    for fmt in ("table", "csv", "markdown", "html"):
        assert hiecheck("check", folder, "--as-of", AS_OF, "-f", fmt).code == 2, fmt
