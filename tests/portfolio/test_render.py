"""Portfolio renderers keep user text as text (markdown, HTML, CSV), the HTML page allows only its
own style and script, and the exported JSON Schema is the model's."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from datetime import date
from pathlib import Path

import pytest

from hiecheck.check import Rules, load_rules
from hiecheck.console import make_console
from hiecheck.portfolio.model import Portfolio
from hiecheck.portfolio.render_csv import cell
from hiecheck.portfolio.render_html import render_fragment, render_html
from hiecheck.portfolio.render_markdown import md, render_markdown
from hiecheck.portfolio.render_table import render_table
from hiecheck.portfolio.run import portfolio_of
from hiecheck.portfolio.schema import schema_text
from tests.portfolio.conftest import AS_OF, BAD, PORTFOLIO, ROOT

NASTY = 'Dr. <script>alert(1)</script> | *Star* [x](http://evil) & Co.'


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(None, date.fromisoformat(AS_OF))


@pytest.fixture
def nasty(rules: Rules, tmp_path: Path) -> Portfolio:
    """A portfolio with an organization whose name is markup in every format, and bad files."""
    org = tmp_path / "nasty.toml"
    org.write_text(f'name = "{NASTY}"\n[[enrollment]]\nprogram = "bhh"\n', encoding="utf-8")
    return portfolio_of([org, BAD], rules)


def test_markdown_keeps_names_as_text(nasty: Portfolio) -> None:
    text = render_markdown(nasty)
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    header_cells = rows[0].count(" | ")
    assert all(re.sub(r"\\\|", "", r).count(" | ") == header_cells for r in rows), rows
    assert "<script>" not in text and "*Star*" not in text
    assert not re.search(r"(?<!\\)\]\(http", text)  # no link: the bracket is escaped
    assert md(NASTY) == (
        r"Dr. \<script\>alert(1)\</script\> \| \*Star\* \[x\](http://evil) \& Co."
    )
    assert "## Files that could not be checked" in text


def test_html_escapes_names(nasty: Portfolio) -> None:
    page = render_html(nasty)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # the sort script only


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_html_csp_allows_only_its_own_style_and_script(nasty: Portfolio) -> None:
    page = render_html(nasty)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert style is not None and script is not None
    assert policy[1] == (
        f"default-src 'none'; style-src '{_hash(style[1])}'; script-src '{_hash(script[1])}'"
    )


def test_html_reads_without_script(rules: Rules) -> None:
    """Without JavaScript the table is complete, in key order, statuses as mark and word."""
    p = portfolio_of([PORTFOLIO], rules)
    fragment = str(render_fragment(p))
    keys = re.findall(r'<td class="key">([^<]+)</td>', fragment)
    assert keys == [e.key for e, _ in p.rows()]
    assert '<span aria-hidden="true">✘</span> unmet</span>' in fragment
    assert "<script" not in fragment


def test_table_shows_bad_rows_whole(nasty: Portfolio) -> None:
    out = io.StringIO()
    render_table(nasty, make_console(out, width=80))
    text = out.getvalue()
    assert "x bad input" in text and NASTY.split(" |")[0] in text
    assert "\x1b" not in text  # no colour codes when not a terminal


@pytest.mark.parametrize(
    ("value", "shown"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"),
     ("a=b", "a=b"), (None, ""), (3, "3")],
)
def test_csv_cells(value: object, shown: str) -> None:
    assert cell(value) == shown


def test_exported_schema_is_current() -> None:
    """schemas/portfolio.schema.json is the Portfolio model's schema (regenerate it with
    `python -m hiecheck.portfolio.schema > schemas/portfolio.schema.json`)."""
    exported = (ROOT / "schemas" / "portfolio.schema.json").read_text(encoding="utf-8")
    assert exported == schema_text()
