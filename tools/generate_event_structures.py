"""Generate src/hiecheck/hl7/event_structures.py: trigger event → message structure per version.

A developer tool (kept out of the wheel): it needs the checkout and writes into ``src/``.

hl7apy 1.3.5 names its message structures (ADT_A01, ADT_A05 …) and, from 2.3.1 on, lists the
events (HL7 Table 0003) and structures (Table 0354), but not which events share a structure: it
builds ``ADT_A04`` from ``ADT^A04`` when MSH-9.3 is missing and fails. The sharing below is the
HL7 v2 standard's Table 0354 ("Message structure", chapter 3 ADT), as version ranges; each event
maps to the first candidate structure that hl7apy defines for the version and whose range applies.
An event's own structure (``ADT_A12`` …) wins when hl7apy defines it, as the standard's tables do.

Events per version: Table 0003 codes that hl7apy lists (A19 is a QRY/ADR query, excluded); 2.2
and 2.3 have no hl7apy tables, so 2.2 uses hl7apy's ADT structures (one per event) and 2.3 uses the
2.3.1 event list (the project's reading; 2.3.1 only added field-level changes for ADT).

Run: ``.venv/bin/python tools/generate_event_structures.py`` (rewrites the module; a test fails
when the committed module and this generator disagree).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "src" / "hiecheck" / "hl7" / "event_structures.py"
VERSIONS = ("2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.8", "2.8.1", "2.8.2")
NON_ADT_EVENTS = frozenset({"A19"})  # QRY^A19 / ADR^A19

Candidate = tuple[str, str | None, str | None]  # structure, first version, last version


def _family(*names: str) -> list[Candidate]:
    return [(name, None, None) for name in names]


# HL7 Table 0354 groupings for ADT (events sharing one structure), with the version ranges in
# which the standard moved an event to another structure.
ADT_FAMILIES: dict[str, list[Candidate]] = {
    **{e: _family("ADT_A01") for e in ("A01", "A04", "A08", "A13")},
    **{e: _family("ADT_A05", "ADT_A01") for e in ("A05", "A14", "A28", "A31")},
    **{e: _family("ADT_A06") for e in ("A06", "A07")},
    **{e: _family("ADT_A09") for e in ("A09", "A10", "A11", "A12")},
    "A15": _family("ADT_A15", "ADT_A09"),
    **{
        e: _family("ADT_A21", "ADT_A02")
        for e in ("A21", "A22", "A23", "A25", "A26", "A27", "A29", "A32", "A33")
    },
    **{e: _family("ADT_A30") for e in ("A30", "A34", "A35", "A36", "A46", "A48")},
    "A47": [("ADT_A44", "2.7", None), ("ADT_A30", None, "2.6")],
    "A49": [("ADT_A43", "2.7", None), ("ADT_A30", None, "2.6")],
    **{e: _family("ADT_A39") for e in ("A39", "A40", "A41", "A42")},
    "A37": _family("ADT_A37", "ADT_A24"),
    "A44": _family("ADT_A44", "ADT_A43"),
    **{e: _family("ADT_A50") for e in ("A50", "A51")},
    **{e: _family("ADT_A52") for e in ("A52", "A53")},
    "A55": [("ADT_A54", "2.6", None), ("ADT_A52", None, "2.5.1")],
    **{e: _family("ADT_A61") for e in ("A61", "A62")},
}
OTHER_EVENTS: dict[str, str] = {"ORU^R01": "ORU_R01"}


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def _in_range(version: str, first: str | None, last: str | None) -> bool:
    v = _key(version)
    return (first is None or v >= _key(first)) and (last is None or v <= _key(last))


def adt_events(version: str) -> list[str]:
    """ADT trigger events hl7apy knows for a version."""
    mod = "hl7apy.v" + version.replace(".", "_")
    lookup = "2.3.1" if version == "2.3" else version
    try:
        tables = importlib.import_module("hl7apy.v" + lookup.replace(".", "_") + ".tables").TABLES
    except ImportError:
        messages = importlib.import_module(mod).MESSAGES
        return sorted(k[4:] for k in messages if k.startswith("ADT_A"))
    return [e for e in tables["HL70003"][1] if e.startswith("A") and e not in NON_ADT_EVENTS]


def resolve(version: str, event: str) -> str | None:
    """The structure for ADT^event in a version, or None when hl7apy has none that applies."""
    messages = importlib.import_module("hl7apy.v" + version.replace(".", "_")).MESSAGES
    own = f"ADT_{event}"
    if own in messages:
        return own
    for name, first, last in ADT_FAMILIES.get(event, []):
        if name in messages and _in_range(version, first, last):
            return name
    return None


def build() -> dict[str, dict[str, str | None]]:
    """The whole map: version → {"ADT^A04": "ADT_A01", ...}; None marks an unmapped event."""
    out: dict[str, dict[str, str | None]] = {}
    for version in VERSIONS:
        messages = importlib.import_module("hl7apy.v" + version.replace(".", "_")).MESSAGES
        entry: dict[str, str | None] = {
            f"ADT^{e}": resolve(version, e) for e in adt_events(version)
        }
        for key, name in OTHER_EVENTS.items():
            if name in messages:
                entry[key] = name
        out[version] = entry
    return out


def render(data: dict[str, dict[str, str | None]]) -> str:
    """Python source of the generated module."""
    lines = [
        '"""Trigger event → message structure per HL7 version (GENERATED, do not edit).',
        "",
        "Made by tools/generate_event_structures.py from hl7apy's reference data and HL7 Table",
        "0354. ``None`` marks an event the version defines but hl7apy has no structure for",
        '(withdrawn events such as ADT^A18 from 2.7 on)."""',
        "",
        "EVENT_STRUCTURES: dict[str, dict[str, str | None]] = {",
    ]
    for version, entry in data.items():
        lines.append(f'    "{version}": {{')
        for key, value in entry.items():
            shown = "None" if value is None else f'"{value}"'
            lines.append(f'        "{key}": {shown},')
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    TARGET.write_text(render(build()), encoding="utf-8")
    print(f"wrote {TARGET.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
