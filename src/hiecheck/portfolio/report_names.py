"""File names of the organizations' reports in ``--reports-dir``: named after the organization,
safe on every file system, the same from run to run.

``Example Family Practice`` → ``example-family-practice.md``: letters without accents, digits
and single hyphens, at most 60 characters (``organization`` when nothing is left). Two
organizations whose names give the same file name both get their key added
(``example-family-practice--north-clinic.md``); should those still collide, ``-2``, ``-3`` … in
key order.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

MAX_STEM = 60
_NOT_SAFE = re.compile(r"[^a-z0-9]+")
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}
)  # names Windows refuses whatever the suffix
FALLBACK = "organization"


def slug(text: str, limit: int = MAX_STEM) -> str:
    """``Lakeside Pédiatrics, P.A.`` → ``lakeside-pediatrics-p-a``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = _NOT_SAFE.sub("-", ascii_text.lower()).strip("-")
    words = words[:limit].rstrip("-")
    if not words:
        return FALLBACK
    return f"{words}-org" if words in _RESERVED else words


def _key_stem(key: str) -> str:
    return slug(key.removesuffix(".toml").replace("/", "-"))


def report_names(organizations: Iterable[tuple[str, str]], suffix: str) -> dict[str, str]:
    """``(key, organization name)`` pairs → key → report file name ending in ``suffix``."""
    pairs = sorted(organizations)
    stems = {key: slug(name) for key, name in pairs}
    counts = Counter(stems.values())
    for key, _ in pairs:
        if counts[stems[key]] > 1:
            stems[key] = f"{stems[key]}--{_key_stem(key)}"
    by_stem: dict[str, list[str]] = defaultdict(list)
    for key, _ in pairs:
        by_stem[stems[key]].append(key)
    names: dict[str, str] = {}
    taken = set(by_stem)
    for stem, keys in by_stem.items():
        names[keys[0]] = stem + suffix
        n = 2
        for key in keys[1:]:
            while f"{stem}-{n}" in taken:
                n += 1
            taken.add(f"{stem}-{n}")
            names[key] = f"{stem}-{n}{suffix}"
    return names
