"""Plain-text layout for people at a terminal: status marks, hanging-indent wrapping, file refs.

Wrapping is done here (never inside narrow table columns): a line is a styled prefix followed by
text wrapped to the console width, continuation lines indented under the text. Words, file names
and e-mail addresses are never split. Marks are Unicode on a UTF-8 terminal and plain ASCII when
the output is piped, written to a file or the encoding is not UTF-8.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from rich.console import Console
from rich.text import Text

from hiecheck.console import show_controls

STATUS_STYLE = {
    "met": "bold green",
    "attested": "yellow",
    "unmet": "bold red",
    "not_applicable": "dim",
    "applies": "bold green",
    "within_reach": "yellow",
    "error": "bold red",
    "warning": "yellow",
}
_UNICODE_MARKS = {
    "met": "✔",
    "attested": "~",
    "unmet": "✘",
    "not_applicable": "–",
    "applies": "✔",
    "within_reach": "○",
    "error": "✘",
    "warning": "!",
}
_ASCII_MARKS = {
    "met": "+",
    "attested": "~",
    "unmet": "x",
    "not_applicable": "-",
    "applies": "+",
    "within_reach": "o",
    "error": "x",
    "warning": "!",
}
_ASCII_TEXT = str.maketrans(
    {"—": "--", "–": "-", "…": "...", "’": "'", "‘": "'", "“": '"', "”": '"', "•": "-"}
)
_REFS = re.compile(r"\((?P<refs>[^()#,]+ #\d+(?:, [^()#,]+ #\d+)*)(?:, … (?P<more>\d+) more)?\)")


def status_words(status: str) -> str:
    """``not_applicable`` → ``not applicable``."""
    return status.replace("_", " ")


@dataclass(frozen=True)
class Marks:
    """The marks and punctuation one output can show."""

    unicode: bool

    @classmethod
    def for_console(cls, console: Console) -> Marks:
        """Unicode marks on a UTF-8 terminal; ASCII when piped, redirected or not UTF-8."""
        return cls(console.is_terminal and console.encoding.lower().startswith("utf"))

    def mark(self, status: str) -> str:
        """The one-character mark of a status."""
        return (_UNICODE_MARKS if self.unicode else _ASCII_MARKS).get(status, "-")

    @property
    def dash(self) -> str:
        """The range dash in ``#1–#5``."""
        return "–" if self.unicode else "-"

    @property
    def rule(self) -> str:
        """The character underlining a section heading."""
        return "─" if self.unicode else "="


def collapse_refs(text: str, dash: str = "–") -> str:
    """Shorten message lists: ``(a.hl7 #1, a.hl7 #2, a.hl7 #3, … 8 more)`` → ``(a.hl7 #1–#3
    and 8 more)``; numbers of one file in a run become a range, files keep their order."""

    def shorten(m: re.Match[str]) -> str:
        by_file: dict[str, list[int]] = {}
        for ref in m.group("refs").split(", "):
            name, _, number = ref.rpartition(" #")
            by_file.setdefault(name, []).append(int(number))
        parts = [f"{name} {_ranges(numbers, dash)}" for name, numbers in by_file.items()]
        more = f" and {m.group('more')} more" if m.group("more") else ""
        return f"({', '.join(parts)}{more})"

    return _REFS.sub(shorten, text)


def _ranges(numbers: list[int], dash: str) -> str:
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"#{r[0]}" if len(r) == 1 else f"#{r[0]}{dash}#{r[-1]}" for r in runs)


class Printer:
    """Writes wrapped, optionally styled lines to a rich console (colour only on a terminal)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.marks = Marks.for_console(console)
        self.width = max(40, console.width)
        self._ascii_only = not console.encoding.lower().startswith("utf")

    def _clean(self, text: str) -> str:
        text = collapse_refs(show_controls(text), self.marks.dash)
        return text.translate(_ASCII_TEXT) if self._ascii_only else text

    def blank(self) -> None:
        """An empty line."""
        self.console.print()

    def line(
        self,
        text: str,
        *,
        indent: int = 0,
        prefix: str = "",
        prefix_style: str = "",
        style: str = "",
        hang: int | None = None,
    ) -> None:
        """``prefix`` then ``text``, wrapped; continuation lines start at ``hang`` (default: under
        the text)."""
        text = self._clean(text)
        start = indent + len(prefix)
        hang = start if hang is None else hang
        lines = textwrap.wrap(
            text,
            width=self.width,
            initial_indent="x" * start,
            subsequent_indent=" " * hang,
            break_long_words=False,
            break_on_hyphens=False,
        ) or ["x" * start]
        first = Text(" " * indent)
        first.append(prefix, style=prefix_style)
        first.append(lines[0][start:], style=style)
        self.console.print(first, soft_wrap=True)
        for rest in lines[1:]:
            self.console.print(Text(rest, style=style), soft_wrap=True)

    def status_line(
        self, status: str, text: str, *, indent: int = 2, pad: int = 0, style: str = ""
    ) -> None:
        """``✘ unmet  text``: a coloured status mark and word, padded to ``pad`` characters."""
        label = f"{self.marks.mark(status)} {status_words(status)}"
        self.line(
            text,
            indent=indent,
            prefix=label.ljust(pad) + "  ",
            prefix_style=STATUS_STYLE.get(status, ""),
            style=style,
        )

    def status_width(self, statuses: list[str]) -> int:
        """Width of the widest ``mark status`` label among ``statuses``."""
        return max((len(status_words(s)) + 2 for s in statuses), default=0)

    def heading(self, text: str) -> None:
        """A section heading underlined with a plain rule (readable without colour)."""
        text = self._clean(text)
        self.line(text, style="bold")
        self.console.print(self.marks.rule * min(len(text), self.width), style="dim")
