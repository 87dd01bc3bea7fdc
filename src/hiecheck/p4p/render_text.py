"""The P4P report for a terminal: program summary, then one block per provider, in 80 columns.

Nothing is a wide table: each provider is a heading line and labelled sentences wrapped with a
hanging indent, so numbers and statuses are never cut whatever the width (words are never
split). Colour (ANSI) only on a terminal without ``NO_COLOR``; text from files is never
interpreted.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from hiecheck.console import terminal_columns
from hiecheck.p4p.letters import Letter, Overview
from hiecheck.p4p.models import ProfileUsed
from hiecheck.p4p.output import Out
from hiecheck.p4p.words import readings_line

_LABEL = 9  # "  change: " hangs its lines under the text
_LABELS = {name: f"  {name + ':':<{_LABEL - 2}} " for name in ("earned", "why", "change", "note")}
_HANG = " " * (_LABEL + 1)
_TONE = {"good": "\x1b[32m", "bad": "\x1b[31m", "neutral": "\x1b[2m"}
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"


def width_for(out: Out) -> int:
    """The terminal's width; ``$COLUMNS`` or 80 when the output is not a terminal."""
    columns = terminal_columns(out.stream)
    if columns is not None:
        return columns
    try:
        return max(40, int(os.environ.get("COLUMNS", "80")))
    except ValueError:
        return 80


class TextWriter:
    """Wrapped lines on an ``Out``."""

    def __init__(self, out: Out) -> None:
        self.out = out
        self.width = width_for(out)
        self.colour = out.is_terminal and not os.environ.get("NO_COLOR") and (
            os.environ.get("TERM") != "dumb"
        )

    def style(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.colour else text

    def para(self, text: str, first: str = "", rest: str | None = None) -> None:
        """``first`` then ``text``, wrapped at spaces; continuation lines start with ``rest``.
        A word longer than the line stays whole on its own line."""
        rest = " " * len(first) if rest is None else rest
        if len(first) + len(text) <= self.width:
            self.out.write(first + text + "\n")
            return
        # Cut by offsets into one string: each line is one slice (the remainder is never
        # copied again). A line after the first holds width − len(rest) characters of text.
        width = self.width
        line = first + text
        lines = []
        pos, low, room, lead = 0, len(first), width, ""
        while len(line) - pos > room:
            cut = line.rfind(" ", low, pos + room + 1)
            if cut <= low:  # one word longer than the line: keep it whole
                cut = line.find(" ", pos + room)
                if cut == -1:
                    break
            lines.append(lead + line[pos:cut])
            pos = low = cut + 1
            lead, room = rest, width - len(rest)
        lines.append(lead + line[pos:])
        self.out.write("\n".join(lines) + "\n")

    def heading(self, text: str) -> None:
        self.out.write("\n" + self.style(text, _BOLD) + "\n" + "=" * min(len(text), self.width)
                       + "\n")

    def items(self, label: str, texts: Iterable[str]) -> None:
        first = _LABELS.get(label) or f"  {label + ':':<{_LABEL - 2}} "
        hang = _HANG
        for text in texts:
            self.para(text, first, hang)
            first = hang


def render_text(
    out: Out,
    overview: Overview,
    profile: ProfileUsed,
    letters: Iterable[Letter],
    *,
    explain: bool,
    heading: str = "Providers",
) -> None:
    """Summary first, then every provider, then the readings (one line without ``explain``)."""
    w = TextWriter(out)
    w.para(w.style(overview.title, _BOLD) if w.colour else overview.title)
    for line in overview.settings:
        w.para(line)
    w.heading("Program summary")
    for line in overview.summary:
        w.para(line, "  ")
    for line in overview.cautions:
        w.para(line, "  ! warning: ", "    ")
    w.heading(heading)
    tone = _TONE if w.colour else {}
    for letter in letters:
        status = letter.status
        if tone:
            status = w.style(status, tone.get(letter.tone, ""))
        out.write(f"\n{letter.provider_id}: {status}\n")
        w.items("earned", letter.earned)
        w.items("why", letter.why)
        w.items("change", letter.change)
        w.items("note", letter.notes)
    out.write("\n")
    if explain:
        readings(w, profile)
    else:
        w.para(readings_line(profile))


def readings(w: TextWriter, profile: ProfileUsed) -> None:
    w.heading("Where the sources are silent, hiecheck reads them this way")
    for r in profile.readings:
        w.para(f"{r.id}: {r.text}", "- ", "  ")
        w.para(f"reads: \u201c{r.quote}\u201d ({r.source}, {r.section})", "  ", "    ")
    w.heading("Sources")
    for c in profile.citations:
        w.para(f"{c.source}, {c.section}: \u201c{c.quote}\u201d", "- ", "  ")

