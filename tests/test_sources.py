"""Every cited document has a title and publisher in ``profiles/sources.toml`` (reports name
sources by title, never by the file name the quotes are checked against)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from hiecheck.citation import Citation
from hiecheck.paths import bundled_profiles
from hiecheck.sources import Source, Sources, load_sources


def _sources_used(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = (
            {node["source"]} if isinstance(node.get("source"), str) and "quote" in node else set()
        )
        return found.union(*(_sources_used(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_sources_used(v) for v in node))
    return set()


def test_every_cited_source_has_a_title() -> None:
    root = bundled_profiles()
    used: set[str] = set()
    for path in root.rglob("*.toml"):
        used |= _sources_used(tomllib.loads(path.read_text(encoding="utf-8")))
    table = load_sources(root)
    assert used and used <= set(table.sources), sorted(used - set(table.sources))


def test_the_hie_page_is_cited_by_publisher_and_title() -> None:
    """Seed 003 is HealthInfoNet's page "Coordinating HIE Participation Within OMS Programs"."""
    table = load_sources(bundled_profiles())
    cite = Citation(source="003_954d39c802c8d7be.txt", section="Overview", quote="…")
    assert table.of(cite).cite() == (
        "HealthInfoNet, “Coordinating HIE Participation Within OMS Programs”"
    )


def test_a_profiles_folder_without_a_table_still_names_something(tmp_path: Path) -> None:
    table = load_sources(tmp_path)
    assert table == Sources()
    assert table.of(Citation(source="x.txt", section="s", quote="q")) == Source(
        title="x.txt", publisher="source"
    )
