"""Layout of the `check` report for people: 80-column table, summary first, readings once."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from hiecheck.programs.render_table import render_table
from hiecheck.programs.report import Report
from hiecheck.programs.report_digest import merge_needed_for, short_title
from hiecheck.programs.text_layout import collapse_refs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "sample_messages/example-family-practice.toml"
AS_OF = ("--as-of", "2025-06-01")
UNDATED = "The source page is undated"


def _run(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HIECHECK_PROFILES", "FORCE_COLOR")}
    env["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "hiecheck", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )


@pytest.fixture(scope="module")
def table80() -> str:
    result = _run("check", EXAMPLE, *AS_OF)
    assert result.returncode == 1, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def report() -> Report:
    result = _run("check", EXAMPLE, *AS_OF, "--format", "json")
    return Report.model_validate_json(result.stdout)


@pytest.fixture(scope="module")
def markdown() -> str:
    result = _run("check", EXAMPLE, *AS_OF, "--format", "markdown")
    assert result.returncode == 1
    return result.stdout


def _flat(text: str) -> str:
    """Wrapped text as one line: whitespace runs become one space."""
    return re.sub(r"\s+", " ", text)


def _readings(report: Report) -> set[str]:
    return {r.text for role in report.roles for r in role.readings}


def test_table_fits_80_columns_without_lone_title_fragments(table80: str, report: Report) -> None:
    titles = [r.label for role in report.roles for r in role.requirements]
    titles += [role.name for role in report.roles]
    for line in table80.splitlines():
        assert len(line) <= 80, line
        words = line.strip(" │|").split()
        if len(words) == 1:
            assert not any(words[0] in title.split() for title in titles), line
    assert "┃" not in table80 and "│" not in table80  # no squeezed table columns


def test_table_is_much_shorter_than_a_squeezed_table(table80: str) -> None:
    assert len(table80.splitlines()) < 200


def test_summary_comes_first(table80: str, report: Report) -> None:
    lines = table80.splitlines()
    first_role = next(n for n, line in enumerate(lines) if line.startswith(report.roles[0].name))
    summary = "\n".join(lines[:first_role])
    assert lines[0] == "HIE conditions for Example Family Practice"
    assert "as of 2025-06-01" in summary
    assert "Result: x unmet: something required is unmet (exit 1)" in summary
    assert "Messages read: 11 (9 ADT, 2 ORU) in 3 file(s)" in summary
    assert "+ ADT: real-time shown (9/9 within 60 min" in summary
    for role in report.roles:
        marked = f"{'x' if role.status == 'unmet' else '~' if role.status == 'attested' else '-'}"
        assert re.search(rf"^  {re.escape(marked)} .*{re.escape(role.name)}$", summary, re.M), (
            role.name
        )
    assert "Tier 3 sought, Tier 1 reached (proven)" in summary


def test_requirements_are_status_lines_with_bullets(table80: str) -> None:
    assert "  ~ attested  Participate in the statewide HIE (HealthInfoNet)" in table80
    assert "  x unmet     HL7 data interface sending real-time ADT and/or ORU messages" in table80
    assert "    x PR1-3 never valued in 9 ADT messages: procedure coding missing" in table80
    assert "(adt-2026-10-05.hl7 #1-#3 and 8 more)" in table80
    assert "    [ ] Add PR1 segments" in table80
    # one checklist without repeats: the exact fixes, not the general "send real-time ADT" steps
    assert re.search(r"^  1\. Add PR1 segments with PR1-3 procedure codes", table80, re.M)
    assert not re.search(r"^  \d\. Send HealthInfoNet real-time ADT", table80, re.M)


def test_readings_hidden_behind_explain_with_a_pointer(table80: str, report: Report) -> None:
    assert UNDATED not in table80
    assert "readings where the sources are silent are not shown; add --explain" in table80
    explained = _run("check", EXAMPLE, *AS_OF, "--explain")
    assert explained.returncode == 1
    assert explained.stdout.count(UNDATED) == 1
    flat = _flat(explained.stdout)
    for text in _readings(report):
        assert _flat(text) in flat, text
    assert "Every program in this report:" in explained.stdout


def test_general_note_once_in_table(table80: str) -> None:
    assert table80.count("Items marked 'attested'") == 1
    assert table80.count("clientengagement@hinfonet.org>") == 1  # shared contact at the end


def test_explain_changes_neither_json_nor_exit_code() -> None:
    plain = _run("check", EXAMPLE, *AS_OF, "--format", "json")
    explained = _run("check", EXAMPLE, *AS_OF, "--format", "json", "--explain")
    assert plain.stdout == explained.stdout and plain.returncode == explained.returncode == 1


def test_piped_output_is_ascii_marked_and_uncoloured(table80: str) -> None:
    assert "\x1b[" not in table80
    assert not any(mark in table80 for mark in "✔✘○─")


def test_unicode_marks_on_a_utf8_terminal(report: Report) -> None:
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=True, color_system=None, width=80, highlight=False
    )
    render_table(report, console)
    out = buffer.getvalue()
    assert "✔ met" in out and "✘ unmet" in out and "~ attested" in out
    assert "– not applicable" in out
    assert "(adt-2026-10-05.hl7 #1–#3 and 8 more)" in out
    assert all(len(line) <= 80 for line in out.splitlines())


def test_table_at_160_columns_uses_the_width(report: Report) -> None:
    wide = _run("check", EXAMPLE, *AS_OF, columns=160).stdout
    assert max(len(line) for line in wide.splitlines()) > 100
    assert len(wide.splitlines()) < len(_run("check", EXAMPLE, *AS_OF).stdout.splitlines())


def test_markdown_reads_as_a_letter(markdown: str) -> None:
    order = [
        "## Summary",
        "## Checklist: next steps",
        "## What your HL7 messages show",
        "## PCPlus practice, Tier III",
        "## Where the published rules are silent",
        "## Contacts",
        "## Terms used",
    ]
    positions = [markdown.index(heading) for heading in order]
    assert positions == sorted(positions)


def test_markdown_readings_each_once(markdown: str, report: Report) -> None:
    for text in _readings(report):
        assert markdown.count(text) == 1, text


def test_markdown_checklist_merges_and_keeps_notes_apart(markdown: str) -> None:
    checklist = markdown.split("## Checklist: next steps", 1)[1].split("\n## ", 1)[0]
    items = [line for line in checklist.splitlines() if line.startswith("- [ ] ")]
    assert len(items) == len(set(items))
    assert any(i.endswith("— needed for PCPlus Tier II and Tier III") for i in items)
    assert not any("Items marked 'attested'" in i for i in items)
    assert markdown.count("Items marked 'attested'") == 1
    assert "(adt-2026-10-05.hl7 #1–#3 and 8 more)" in markdown


def test_markdown_contacts_merge_roles_sharing_an_address(markdown: str) -> None:
    contacts = markdown.split("## Contacts", 1)[1].split("\n## ", 1)[0]
    line = next(x for x in contacts.splitlines() if "HH-BHH-Services.DHHS@maine.gov" in x)
    assert "Opioid Health Homes" in line and "Community Care Teams" in line
    assert markdown.count("HH-BHH-Services.DHHS@maine.gov") == 1


def test_json_keeps_every_reading_per_role(report: Report) -> None:
    undated = [r for role in report.roles for r in role.readings if r.text.startswith(UNDATED)]
    assert len(undated) == len(report.roles)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x (a.hl7 #1, a.hl7 #2, a.hl7 #3, … 8 more)", "x (a.hl7 #1–#3 and 8 more)"),
        ("x (a.hl7 #1, a.hl7 #3, b.hl7 #2)", "x (a.hl7 #1, #3, b.hl7 #2)"),
        ("x (oru.hl7 #1, oru.hl7 #2)", "x (oru.hl7 #1–#2)"),
        ("PID-3 (with PID-3.4), PID-5", "PID-3 (with PID-3.4), PID-5"),
    ],
)
def test_collapse_refs(text: str, expected: str) -> None:
    assert collapse_refs(text) == expected


def test_short_title_keeps_short_labels_and_splits_long_ones() -> None:
    label = "Participate in the statewide HIE (HealthInfoNet)"
    assert short_title(label) == (label, "")
    title, rest = short_title(
        "Letter of Direction (LOD) to HealthInfoNet authorizing (a) your access to your "
        "attributed members and (b) OMS's access to them in HARP"
    )
    assert title == "Letter of Direction to HealthInfoNet"
    assert rest.startswith("authorizing (a) your access")
    title, rest = short_title(
        "Access-only connection to the HIE's Clinical Portal (viewing patient records; "
        "no data interface needed)"
    )
    assert (title, rest) == (
        "Access-only connection to the HIE's Clinical Portal",
        "viewing patient records; no data interface needed",
    )


def test_merge_needed_for() -> None:
    items = ["Fix A — needed for PCPlus Tier III", "Fix B", "Fix A — needed for PCPlus Tier II"]
    assert merge_needed_for(items) == ["Fix A — needed for PCPlus Tier II and Tier III", "Fix B"]


def test_markdown_summary_uses_short_titles(markdown: str) -> None:
    summary = markdown.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert "Not yet met: HL7 data interface sending real-time ADT and/or ORU messages." in summary


class _Latin1(io.StringIO):
    encoding = "latin-1"


def test_non_utf8_output_is_plain_ascii(report: Report) -> None:
    buffer = _Latin1()
    render_table(report, Console(file=buffer, width=80, highlight=False), explain=True)
    out = buffer.getvalue()
    assert out.isascii()
    assert "x unmet" in out and "needed for PCPlus Tier II and Tier III" in out


def test_programs_listing_and_role_fit_80_columns() -> None:
    for args in (("programs",), ("programs", "pcplus-tier2")):
        result = _run(*args, *AS_OF)
        assert result.returncode == 0, result.stderr
        assert all(len(line) <= 80 for line in result.stdout.splitlines()), args
        assert "┃" not in result.stdout and "│" not in result.stdout
    listing = _run("programs", *AS_OF).stdout
    assert re.search(r"^  pcplus-tier2 +HIE participation required$", listing, re.M)
    assert "   or: HIE participation + tribal health facility + access-only" in listing
