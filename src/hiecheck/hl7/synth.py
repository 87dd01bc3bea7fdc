"""Seeded synthetic HL7 v2 messages for benchmarks and differential tests (no real patient data).

Messages are built by walking a structure compiled from hl7apy's reference data, so they are
valid for any version and structure: optional segments appear with a probability, repeating ones
one to three times, and fields are filled with values of the right datatype (names, addresses,
codes and timestamps from small made-up pools).
"""

from __future__ import annotations

import random

from hiecheck.hl7 import reference
from hiecheck.hl7.reference import FieldSpec, GroupNode, Node, SegmentNode

_VALUES: dict[str, tuple[str, ...]] = {
    "XPN": ("DOE^JANE^Q^^^^L", "SMITH^JOHN^A^JR^^^L", "NGUYEN^LINH^^^^^L", "MARTIN^CLAIRE^^^^^L"),
    "XAD": ("12 MAIN ST^APT 4^PORTLAND^ME^04101^USA^H", "9 ELM RD^^BANGOR^ME^04401^USA^H"),
    "CX": ("100234^^^HOSP^MR", "55512^^^MAINECARE^MA", "A998877^^^CLINIC^PI"),
    "XTN": ("^PRN^PH^^1^207^5551234", "^WPN^PH^^1^207^5559876"),
    "XCN": ("1234^WELBY^MARCUS^^^DR^MD", "5678^HOUSE^GREG^^^DR^MD"),
    "CE": ("I10^Essential hypertension^I10", "E11.9^Type 2 diabetes^I10", "F^Female^HL70001"),
    "CWE": ("I10^Essential hypertension^I10", "4548-4^Hemoglobin A1c^LN", "8480-6^Systolic BP^LN"),
    "CNE": ("0DTJ4ZZ^Resection^I10P", "99213^Office visit^C4"),
    "PL": ("MED^101^A^HOSP", "ICU^7^B^HOSP"),
    "HD": ("HOSP", "CLINIC"),
    "EI": ("ORD12345^HOSP", "FIL98765^LAB"),
    "XON": ("GOOD HEALTH HOSPITAL^L^1234", "COASTAL CLINIC^L^88"),
    "ST": ("TEXT", "NOTE", "VALUE"),
    "TX": ("Patient stable.", "Follow up in 2 weeks."),
    "FT": ("Result reviewed.",),
    "IS": ("A", "B", "01"),
    "NM": ("1", "12.5", "140"),
    "SI": ("1", "2"),
    "DT": ("19800101", "20240105"),
    "TM": ("1230", "083015"),
    "DTM": ("20240105123000", "20240106081500-0500"),
    "TS": ("20240105123000", "20240106081500-0500"),
}


# Optional segments real feeds rarely send; left out so the mix looks like an HIE feed.
_RARE = frozenset(
    {
        "SFT",
        "UB1",
        "UB2",
        "DSC",
        "DB1",
        "DRG",
        "ACC",
        "PDA",
        "ROL",
        "CTD",
        "CTI",
        "TQ1",
        "TQ2",
        "FT1",
        "IN3",
        "PRT",
        "ARV",
        "TCD",
        "SPM",
        "OH1",
        "OH2",
        "OH3",
        "OH4",
        "GSP",
        "GSR",
        "GSC",
        "PRA",
        "DEV",
        "REL",
        "NPU",
        "AUT",
        "RF1",
        "MRG",
    }
)


def _value(f: FieldSpec, version: str, rng: random.Random) -> str:
    pool = _VALUES.get(f.datatype)
    if f.datatype == "ID":
        codes = reference.tables(version).get(f.table or "")
        return rng.choice(codes) if codes else "Y"
    if pool is None:
        first = f.formats[0] if f.formats else None
        if first is not None and first[0] == 1:
            return _VALUES[first[1]][0]
        return "X" if not f.formats else ""
    return rng.choice(pool)


def segment_text(seg_id: str, version: str, rng: random.Random, fill: float = 0.5) -> str:
    """One segment with required fields valued and optional ones with probability ``fill``."""
    spec = reference.segment_spec(version, seg_id)
    if spec is None:
        return seg_id
    values = [""] * spec.field_count
    for f in spec.fields:
        if f.datatype in ("WD", "varies") or (f.datatype.startswith("CM") and f.min == 0):
            continue
        if f.min > 0 or rng.random() < fill:
            values[f.number - 1] = _value(f, version, rng)
    while values and not values[-1]:
        values.pop()
    return "|".join([seg_id, *values])


def _walk(node: Node, rng: random.Random, out: list[str], optional: float) -> None:
    if isinstance(node, SegmentNode):
        if node.min == 0 and node.id in _RARE:
            return
        times = _times(node.min, node.max, rng, optional)
        out.extend([node.id] * times)
        return
    for _ in range(_times(node.min, node.max, rng, optional)):
        before = len(out)
        if node.choice:
            _walk(rng.choice(node.children), rng, out, optional)
        else:
            for child in node.children:
                _walk(child, rng, out, optional)
        if len(out) == before:  # an occurrence holds at least one segment
            _force(node, out)


def _force(node: Node, out: list[str]) -> None:
    """The smallest non-empty content of a group whose children all came out empty."""
    first = node.children[0] if isinstance(node, GroupNode) else node
    if isinstance(first, SegmentNode):
        out.append(first.id)
    else:
        _force(first, out)
        if not first.choice:
            for child in first.children[1:]:
                if child.min > 0:
                    _walk(child, random.Random(0), out, 0.0)


def _times(min_: int, max_: int, rng: random.Random, optional: float) -> int:
    if min_ == 0 and rng.random() >= optional:
        return 0
    top = 3 if max_ == -1 else max_
    return rng.randint(max(min_, 1), max(top, min_, 1))


def segment_ids(
    version: str, structure: str, rng: random.Random, optional: float = 0.4
) -> list[str]:
    """A valid sequence of segment ids for a structure (MSH first)."""
    compiled = reference.compile_structure(version, structure)
    if compiled is None:
        raise KeyError(f"{version} {structure}")
    out: list[str] = []
    for _ in range(50):
        out = []
        _walk(compiled.root, rng, out, optional)
        # Structures are read greedily (NTEs after OBR belong to it, as in hl7apy); a random
        # walk may give an order only a non-greedy reading accepts, so draw again.
        if compiled.matches(",".join(out) + ","):
            return out
    out = []
    _walk(compiled.root, rng, out, 0.0)
    return out


def message_lines(
    version: str,
    code: str,
    event: str,
    rng: random.Random,
    *,
    structure: str | None = None,
    declare_structure: bool = True,
    optional: float = 0.4,
    fill: float = 0.5,
    control: str = "1",
) -> list[str]:
    """Segment lines of one valid message of ``code^event`` in ``version``."""
    name = structure or reference.structure_for(version, code, event)
    if name is None:
        raise KeyError(f"{version} {code}^{event}")
    msg_type = (
        f"{code}^{event}^{name}" if declare_structure and version != "2.2" else (f"{code}^{event}")
    )
    lines = [f"MSH|^~\\&|SENDAPP|SENDFAC|HIN|HIE|20240105123000||{msg_type}|{control}|P|{version}"]
    for seg_id in segment_ids(version, name, rng, optional)[1:]:
        lines.append(segment_text(seg_id, version, rng, fill))
    return lines


def batch(
    count: int,
    seed: int = 1,
    versions: tuple[str, ...] = ("2.3", "2.4", "2.5.1", "2.6"),
    fill: float = 0.2,
) -> list[list[str]]:
    """A realistic mix: 70 % ADT (A01, A04, A08, A03, A02, A31), 30 % ORU^R01."""
    rng = random.Random(seed)
    events = ("A01", "A04", "A08", "A03", "A02", "A31")
    out: list[list[str]] = []
    for n in range(count):
        version = rng.choice(versions)
        if rng.random() < 0.7:
            lines = message_lines(
                version, "ADT", rng.choice(events), rng, control=f"C{n}", fill=fill
            )
        else:
            lines = message_lines(version, "ORU", "R01", rng, control=f"C{n}", fill=fill)
        out.append(lines)
    return out
