"""The P4P report as letters: one per provider (earned or lost, why, what would change it) and
a program summary, in markdown or HTML. The readings and their seed sentences are always given.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from hiecheck.p4p.letters import Letter, Overview
from hiecheck.p4p.models import ProfileUsed
from hiecheck.p4p.output import Out

SECTIONS = (
    ("earned", "What it earned or lost"),
    ("why", "Why"),
    ("change", "What would change it"),
    ("notes", "Note"),
)


def render_markdown(
    out: Out, overview: Overview, profile: ProfileUsed, letters: Iterable[Letter]
) -> None:
    out.write(f"# {overview.title}\n\n")
    for line in overview.settings:
        out.write(f"{line}\n\n")
    out.write("## Program summary\n\n")
    for line in overview.summary:
        out.write(f"- {line}\n")
    for line in overview.cautions:
        out.write(f"\n> **Warning:** {line}\n")
    out.write("\n## Letters\n")
    for letter in letters:
        out.write(f"\n### `{letter.provider_id}`: {letter.status}\n")
        for field, title in SECTIONS:
            texts = getattr(letter, field)
            if texts:
                out.write(f"\n**{title}.** {' '.join(texts)}\n")
    out.write("\n## Where the sources are silent, hiecheck reads them this way\n\n")
    for r in profile.readings:
        out.write(f"- **{r.id}**: {r.text}\n  Reads: \u201c{r.quote}\u201d ({r.source}, "
                  f"{r.section})\n")
    out.write("\n## Sources\n\n")
    for c in profile.citations:
        out.write(f"- {c.source}, {c.section}: \u201c{c.quote}\u201d\n")


_STYLE = (
    "body{font-family:sans-serif;max-width:52em;margin:2em auto;padding:0 1em;line-height:1.4}"
    "section.letter{border-top:1px solid #ccc;padding:.5em 0}"
    ".good{color:#1a7f37}.bad{color:#b42318}.neutral{color:#555}"
    ".warning{background:#fff4e5;padding:.5em}blockquote{color:#444}"
)


def render_html(
    out: Out, overview: Overview, profile: ProfileUsed, letters: Iterable[Letter]
) -> None:
    e = html.escape
    out.write(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{e(overview.title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{e(overview.title)}</h1>\n"
    )
    for line in overview.settings:
        out.write(f"<p>{e(line)}</p>\n")
    out.write("<h2>Program summary</h2>\n<ul>\n")
    for line in overview.summary:
        out.write(f"<li>{e(line)}</li>\n")
    out.write("</ul>\n")
    for line in overview.cautions:
        out.write(f"<p class=\"warning\"><strong>Warning:</strong> {e(line)}</p>\n")
    out.write("<h2>Letters</h2>\n")
    for letter in letters:
        pid = e(letter.provider_id)
        out.write(
            f"<section class=\"letter\" id=\"{pid}\">\n<h3><code>{pid}</code>: "
            f"<span class=\"{letter.tone}\">{e(letter.status)}</span></h3>\n"
        )
        for field, title in SECTIONS:
            texts = getattr(letter, field)
            if texts:
                out.write(f"<p><strong>{title}.</strong> {e(' '.join(texts))}</p>\n")
        out.write("</section>\n")
    out.write("<h2>Where the sources are silent, hiecheck reads them this way</h2>\n<dl>\n")
    for r in profile.readings:
        out.write(
            f"<dt>{e(r.id)}</dt>\n<dd>{e(r.text)}<blockquote>\u201c{e(r.quote)}\u201d "
            f"({e(r.source)}, {e(r.section)})</blockquote></dd>\n"
        )
    out.write("</dl>\n<h2>Sources</h2>\n<ul>\n")
    for c in profile.citations:
        out.write(f"<li>{e(c.source)}, {e(c.section)}: \u201c{e(c.quote)}\u201d</li>\n")
    out.write("</ul>\n</body>\n</html>\n")
