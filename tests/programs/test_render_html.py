"""`hiecheck check --format html`: one self-contained HTML letter with the statuses of the JSON."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

Cli = Callable[..., subprocess.CompletedProcess[str]]
EXAMPLE = "sample_messages/example-family-practice.toml"
AS_OF = "2026-06-01"


class _Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def _report(cli: Cli, tmp_path: Path) -> tuple[str, dict]:
    out = tmp_path / "report.html"
    result = cli("check", EXAMPLE, "--format", "html", "-o", str(out), "--as-of", AS_OF)
    assert result.returncode == 1, result.stderr  # same exit code as every format
    data = json.loads(cli("check", EXAMPLE, "--format", "json", "--as-of", AS_OF).stdout)
    return out.read_text(encoding="utf-8"), data


def test_html_report_is_self_contained(cli: Cli, tmp_path: Path) -> None:
    """Inline CSS, no script, nothing fetched: it opens offline from a file or an e-mail."""
    html, _ = _report(cli, tmp_path)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert "<style>" in html and "@media print" in html
    tags = _Tags(html).tags
    assert not [t for t, _ in tags if t in ("script", "link", "img", "iframe", "object")]
    assert not [a for _, a in tags if "src" in a]
    for _, attrs in tags:
        href = attrs.get("href", "")
        assert not href or href.startswith(("#", "mailto:", "https://")), href
    assert "url(" not in html and "@import" not in html


def test_html_report_shows_the_statuses_of_the_json(cli: Cli, tmp_path: Path) -> None:
    html, data = _report(cli, tmp_path)
    tags = _Tags(html).tags
    roles = {
        a["data-role"]: a["data-status"] for t, a in tags if t == "section" and "data-role" in a
    }
    assert roles == {r["id"]: r["status"] for r in data["roles"]}
    reqs = [(a["data-requirement"], a["data-status"]) for _, a in tags if "data-requirement" in a]
    assert reqs == [(q["id"], q["status"]) for r in data["roles"] for q in r["requirements"]]
    overall = next(a for _, a in tags if a.get("id") == "overall-result")
    assert overall["data-status"] == data["result"]


def test_html_report_reads_as_the_letter(cli: Cli, tmp_path: Path) -> None:
    """Overall result, per program the requirements with evidence lines, the PCPlus tier and the
    checklist to the next one, incentives and fee discounts, numbered next steps, contacts."""
    html, _ = _report(cli, tmp_path)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    for words in (
        "Overall result: ✘ not met",
        "Summary",
        "Checklist: next steps",
        "What your HL7 messages show",
        "PR1-3 never valued in 9 ADT messages: procedure coding missing",
        "You seek Tier 3 and reach Tier 1 (proven by your messages)",
        "To reach Tier 2 (+$4.20 per member per month)",
        "Incentives and fee discounts",
        "Discounts on HIE participation fees",
        "Next steps",
        "Contacts",
        "clientengagement@hinfonet.org",
        "Terms used",
    ):
        assert words in text, words
    assert "TESTPATIENT" not in html  # no PHI: field names and message numbers only


def test_status_is_never_colour_alone(cli: Cli, tmp_path: Path) -> None:
    """Every status badge carries its mark and its word, not only a coloured class."""
    html, _ = _report(cli, tmp_path)
    badges = re.findall(
        r'<span class="status status-(\w+)"><span class="mark"[^>]*>(.)</span> ([^<]+)</span>', html
    )
    assert badges
    for status, mark, word in badges:
        assert mark.strip() and word.strip(), status


def test_headings_are_in_order(cli: Cli, tmp_path: Path) -> None:
    html, _ = _report(cli, tmp_path)
    levels = [int(t[1]) for t, _ in _Tags(html).tags if re.fullmatch(r"h[1-6]", t)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))
