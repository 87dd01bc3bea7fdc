"""``TextWriter.para`` (the table format's wrapping) writes exactly what the plain
line-by-line algorithm it replaced wrote (kept here as the oracle), on random paragraphs:
words longer than the line, runs of spaces, spaces at the cut, every width from 40 up."""

from __future__ import annotations

import io
import random

import pytest

from hiecheck.p4p.output import Out
from hiecheck.p4p.render_text import TextWriter


def _reference(text: str, width: int, first: str = "", rest: str | None = None) -> str:
    rest = " " * len(first) if rest is None else rest
    if len(first) + len(text) <= width:
        return first + text + "\n"
    lines = []
    line, start = first + text, len(first)
    while len(line) > width:
        cut = line.rfind(" ", start, width + 1)
        if cut <= start:
            cut = line.find(" ", width)
            if cut == -1:
                break
        lines.append(line[:cut])
        line, start = rest + line[cut + 1 :], len(rest)
    lines.append(line)
    return "\n".join(lines) + "\n"


_WORDS = ["a", "band", "12.34", "$1,234.56", "measure_03;", "", " ", "x" * 45, "y" * 90,
          "among", "(+3.21", "99,999"]


@pytest.mark.parametrize("seed", range(30))
def test_para_wraps_as_before(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        width = rng.choice([40, 41, 60, 79, 80, 81, 133])
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 60)))
        first, rest = rng.choice([("", None), ("  ", None), ("- ", "  "),
                                  ("  change: ", " " * 10), ("  ! warning: ", "    ")])
        stream = io.StringIO()
        writer = TextWriter(Out(stream))
        writer.width = width
        writer.para(text, first, rest)
        writer.out.flush()
        assert stream.getvalue() == _reference(text, width, first, rest), (text, width, first)
