"""The portfolio as HTML: one self-contained page (inline CSS, a small inline script that makes
the table sortable, nothing fetched, opens offline), or the fragment a web page embeds.

The page reads fine without JavaScript: the table is in key order and every status is a mark
and a word. Its Content-Security-Policy allows only its own inline style and script (by hash).
Everything from the portfolio is escaped by Jinja2.

For the web app (``hiecheck serve --portfolio``): :func:`render_fragment` gives the
``<article>``, with ``link`` pointing each organization at the app's report route;
:func:`portfolio_css` and :func:`sort_script` are the stylesheet and script to serve with it.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from hiecheck.portfolio.model import Change, Portfolio
from hiecheck.portfolio.render_words import (
    CHANGE_MARK_WORDS,
    CHANGE_STATUS,
    ReportLink,
    change_counts,
    change_text,
    display_name,
    first_problem,
    grouped_changes,
    incentive_text,
    mark_status,
    no_link,
    note_text,
    plural,
    requirement_text,
    result_status,
    result_text,
    role_text,
    status_of,
    status_text,
    tier_lines,
    tier_text,
    totals_text,
    unmet_text,
)
from hiecheck.programs.render_html import theme_css
from hiecheck.programs.text_layout import Marks

MARKS = Marks(unicode=True)
_RANK = {"bad_input": 0, "internal_error": 0, "unmet": 1, "attested": 2, "met": 3,
         "not_applicable": 4}
"""Sort order of the status column: worst first."""

PAGE_STYLE = "body { margin: 0; padding: 1.5rem 1rem 3rem; background: #fff; }\n"


def _template_text(name: str) -> str:
    return (resources.files("hiecheck.portfolio") / "templates" / name).read_text("utf-8")


def portfolio_css() -> str:
    """The portfolio's stylesheet (screen and print), the check report's theme included."""
    return theme_css() + "\n" + _template_text("portfolio.css")


def sort_script() -> str:
    """The script that makes the table sortable."""
    return _template_text("sort.js")


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _change_status(change: Change) -> str:
    return CHANGE_STATUS[change.kind]


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("hiecheck.portfolio", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        mark=MARKS.mark,
        mark_status=mark_status,
        status_text=status_text,
        status_of=status_of,
        rank=lambda status: _RANK.get(str(status), 5),
        plural=plural,
        display_name=display_name,
        first_problem=first_problem,
        tier_text=tier_text,
        unmet_text=unmet_text,
        tier_lines=tier_lines,
        totals_text=totals_text,
        result_status=result_status,
        result_text=result_text,
        role_text=role_text,
        requirement_text=requirement_text,
        incentive_text=incentive_text,
        note_text=note_text,
        change_text=change_text,
        change_counts=change_counts,
        grouped_changes=grouped_changes,
        change_status=_change_status,
        change_word=CHANGE_MARK_WORDS.__getitem__,
    )
    return env


def render_fragment(portfolio: Portfolio, link: ReportLink = no_link) -> Markup:
    """The portfolio as an ``<article class="portfolio">`` for a page that brings
    :func:`portfolio_css` (and, for sorting, :func:`sort_script`)."""
    template = _environment().get_template("portfolio_body.html.j2")
    return Markup(template.render(p=portfolio, link=link))


def render_html(portfolio: Portfolio, link: ReportLink = no_link) -> str:
    """The portfolio as one self-contained HTML page; ``link`` gives each organization's report
    (relative to the page), if written."""
    style = PAGE_STYLE + portfolio_css()
    script = sort_script()
    return _environment().get_template("portfolio_page.html.j2").render(
        p=portfolio,
        body=render_fragment(portfolio, link),
        style=Markup(style),
        script=Markup(script),
        style_hash=_csp_hash(style),
        script_hash=_csp_hash(script),
    )
