"""Every citation in every profile quotes its source word for word.

Rules are data: each program, threshold and payment table in ``profiles/`` carries the sentence it
comes from. This test reads every profile file, finds every ``{source, quote}`` pair and checks the
quote against the named seed document (or the domain facts file), so a rule can never drift from
its source unnoticed.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_NAME = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
# Requirements the project's tracker set where no public source speaks (e.g. OBX-6 UCUM units):
# cited as "issue N"; they are decisions, not quotations, so there is nothing to match.
ISSUE = re.compile(r"^issue \d+$")


def _citations(node: Any, where: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(node, dict):
        source = node.get("source", node.get("seed"))
        if isinstance(source, str) and isinstance(node.get("quote"), str):
            yield source, node["quote"], where
        for key, value in node.items():
            yield from _citations(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node, start=1):
            yield from _citations(value, f"{where}[{i}]")


def _norm(text: str) -> str:
    """Compare text as read: no markdown emphasis or escapes, straight quotes, single spaces."""
    text = re.sub(r"(?m)^\s*[-•]\s+", "", text)  # list bullets: a quote may span an item
    text = text.replace("\\$", "$").replace("*", "")
    text = re.sub(r"\[([^\]]*)\]\(#\)", r"\1", text)  # markdown links without targets
    text = text.translate(str.maketrans({"“": '"', "”": '"', "’": "'", "‘": "'", "–": "-"}))
    return " ".join(text.split())


def _all_citations() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted((ROOT / "src" / "hiecheck" / "profiles").rglob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        found += list(_citations(data, str(path.relative_to(ROOT))))
    return found


CITATIONS = _all_citations()


def test_profiles_carry_citations_of_every_seed_with_rules() -> None:
    sources = {source for source, _, _ in CITATIONS}
    for seed in ("000_8121c563a748908a.txt", "001_dd468456fd9ff86a.txt", "002_9cfae78d672a94ec.txt",
                 "003_954d39c802c8d7be.txt", "004_cf336f47c070f5cf.txt"):
        assert seed in sources, f"no profile cites {seed}"


@pytest.mark.parametrize(("source", "quote", "where"), CITATIONS, ids=[c[2] for c in CITATIONS])
def test_quote_appears_verbatim_in_its_source(
    source: str, quote: str, where: str, seeds_dir: Path
) -> None:
    if SEED_NAME.match(source):
        text = (seeds_dir / source).read_text(encoding="utf-8")
    elif ISSUE.match(source):
        assert quote.strip(), f"{where}: empty quote"
        return
    elif source == "FACTS.md":
        text = (seeds_dir.parent / "domain" / "FACTS.md").read_text(encoding="utf-8")
    else:
        pytest.fail(f"{where}: unknown citation source {source!r} (a seed, FACTS.md or issue N)")
    assert _norm(quote) in _norm(text), f"{where}: quote not found in {source}"
