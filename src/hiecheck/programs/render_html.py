"""Render a `check` report as HTML: one self-contained page (inline CSS, opens offline) or the
fragment ``hiecheck serve`` embeds in its result page.

The letter follows the markdown report (summary, one checklist, what the messages show, each
program, readings, contacts, terms) and shares its digest helpers, so both say the same things.
Statuses are always a mark and a word; colour only repeats them. Everything is escaped by Jinja2.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from hiecheck import __version__
from hiecheck.duration import duration
from hiecheck.programs.render_cbp import (
    CBP_READINGS_TITLE,
    CBP_TITLE,
    LACKING_HEADING,
    LEFT_OUT_HEADING,
    LETTER_NOTE,
    cbp_facts,
    cbp_readings,
)
from hiecheck.programs.render_markdown import GLOSSARY, STATUS_WORDS
from hiecheck.programs.render_summary import role_note
from hiecheck.programs.report import Report
from hiecheck.programs.report_digest import (
    PARTICIPATION_WORDS,
    evidence_detail,
    fix_checklist,
    general_notes,
    grouped_readings,
    is_problem,
    report_contacts,
    role_documents,
    role_steps,
    short_title,
)
from hiecheck.programs.text_layout import Marks, collapse_refs

MARKS = Marks(unicode=True)
"""The marks shown before each status word (the word is always written too)."""


def template_environment(package: str) -> Environment:
    """A Jinja2 environment over ``package``'s ``templates`` folder: everything escaped, unknown
    names an error (the report templates and the web app's pages)."""
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _environment() -> Environment:
    env = template_environment("hiecheck.programs")
    env.globals.update(
        mark=MARKS.mark,
        words=lambda status: STATUS_WORDS.get(status, status.replace("_", " ")),
        refs=collapse_refs,
        short_title=short_title,
        evidence_detail=evidence_detail,
        is_problem=is_problem,
        role_steps=role_steps,
        role_note=lambda role: role_note(role) or "",
        role_documents=role_documents,
        duration=duration,
        money=_money,
        plural=_plural,
        participation_words=PARTICIPATION_WORDS,
        glossary=GLOSSARY,
        cbp_words={
            "title": CBP_TITLE, "readings_title": CBP_READINGS_TITLE,
            "left_out": LEFT_OUT_HEADING, "lacking": LACKING_HEADING, "note": LETTER_NOTE,
        },
    )
    return env


def _css(name: str) -> str:
    return (resources.files("hiecheck.programs") / "templates" / name).read_text("utf-8")


def theme_css() -> str:
    """The theme every hiecheck page starts with: colours, type, headings and status badges."""
    return _css("theme.css")


def report_css() -> str:
    """The report's stylesheet (screen and print), theme included, inlined or served as a file."""
    return theme_css() + "\n" + _css("report.css")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")




def _basis(report: Report) -> str:
    basis = f"your organization file ({report.source})"
    if report.messages is not None:
        basis += f" and {_plural(report.messages.messages, 'HL7 message')} from your system"
    return basis


def _conclusion(report: Report) -> str:
    if report.result == "unmet":
        return "You do not yet meet every condition: the checklist below says what to change."
    if report.result == "attested":
        return "You meet every condition on the basis of what you declared."
    return "You meet every condition, proven by your messages."


def render_html_fragment(report: Report) -> Markup:
    """The report as an ``<article>`` (for a page that brings ``report_css()``)."""
    messages = report.messages
    context = {
        "report": report,
        "basis": _basis(report),
        "conclusion": _conclusion(report),
        "checklist": fix_checklist(report),
        "notes": general_notes(report),
        "messages": messages,
        "messages_by_type": (
            ", ".join(f"{n} {t}" for t, n in messages.by_type.items()) if messages else ""
        ),
        "limit_minutes": (
            f"{next(iter(messages.latency.values())).limit_minutes:g}"
            if messages and messages.latency
            else ""
        ),
        "findings_text": (
            ", ".join(f"{f.count} × {f.rule} ({f.severity})" for f in messages.findings)
            if messages
            else ""
        ),
        "readings": grouped_readings(report),
        "contacts": report_contacts(report),
        "cbp": cbp_facts(report.cbp) if report.cbp is not None else None,
        "cbp_readings": cbp_readings(report),
    }
    return Markup(_environment().get_template("report_body.html.j2").render(context))


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page: inline CSS, no scripts, nothing fetched."""
    return _environment().get_template("report_page.html.j2").render(
        report=report,
        css=Markup(report_css()),
        body=render_html_fragment(report),
        version=__version__,
    )
