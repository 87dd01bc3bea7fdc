"""hl7apy's per-version reference data, compiled once into compact checkers.

hl7apy stays the source of knowledge (message structures, groups, segments, fields, datatypes,
tables for HL7 v2.2 … v2.8.2) but never runs on the hot path: each (version, structure) is compiled
lazily, once, into

- a :class:`CompiledStructure`: the tree of segments and groups with cardinalities, plus a regular
  expression over the sequence of segment ids (``"MSH,EVN,PID,"``) that accepts exactly the valid
  orders, so a conforming message costs one ``fullmatch``;
- per segment a :class:`SegmentSpec`: the fields' datatypes, repetitions, tables and the checks
  to run, precomputed so the per-message work is a tight loop.

Trigger events that share a structure (ADT^A04 uses ADT_A01 …) are resolved through
:mod:`hiecheck.hl7.event_structures`, generated from hl7apy by
``tools/generate_event_structures.py``.

The functions marked ``@cache`` read hl7apy's static data: each (version, name) is read once per
process, like an import, and depends on nothing else. What the checks build from it (expressions,
walkers, resolved message types) lives on :class:`hiecheck.hl7.compiled.CompiledVersion`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from types import ModuleType
from typing import Any, ParamSpec, TypeVar, cast

from hiecheck.hl7.cache import KeptResults
from hiecheck.hl7.event_structures import EVENT_STRUCTURES
from hiecheck.hl7.tables import ComponentTable, Rebuilt, TableKind, table_codes, table_kind

# Versions hl7apy 1.3.5 ships that this project checks (2.1 has too little reference data).
SUPPORTED_VERSIONS: tuple[str, ...] = (
    "2.2",
    "2.3",
    "2.3.1",
    "2.4",
    "2.5",
    "2.5.1",
    "2.6",
    "2.7",
    "2.8",
    "2.8.1",
    "2.8.2",
)
UNBOUNDED = -1
# A node of hl7apy's reference data: nested tuples and lists of names, cardinalities, types.
Ref = tuple[Any, ...] | list[Any]
SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}")


# What the checks read of hl7apy (a segment's field checks, a structure, the segment and
# structure names) is kept on disk between runs (hiecheck.hl7.cache, _KEPT below GAP): a warm
# one-file validate does not import hl7apy's reference modules, the biggest part of its start-up.
_T = TypeVar("_T")
_P = ParamSpec("_P")


def _kept(function: Callable[_P, _T]) -> Callable[_P, _T]:
    """``functools.cache`` for a function of (version, names...) given positionally, with the
    results kept on disk per version (see :class:`hiecheck.hl7.cache.KeptResults`)."""

    @wraps(function)
    def kept(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        given = [str(a) for a in args] + [str(v) for v in kwargs.values()]
        return cast(_T, _KEPT.get(
            given[0], (function.__name__, *given[1:]), lambda: function(*args, **kwargs)))

    return kept


def module_name(version: str) -> str:
    """hl7apy's module for a version: ``2.5.1`` → ``hl7apy.v2_5_1``."""
    return "hl7apy.v" + version.replace(".", "_")


def is_supported(version: str) -> bool:
    """True when hl7apy has reference data for this MSH-12 version."""
    return version in SUPPORTED_VERSIONS


_V2_VERSION = re.compile(r"2\.[0-9]+(?:\.[0-9]+)*")


def is_v2_version(version: str) -> bool:
    """True when MSH-12 has the form of an HL7 v2 version id (2.1, 2.5.1, 2.9 …), known or not."""
    return _V2_VERSION.fullmatch(version) is not None


def version_tuple(version: str) -> tuple[int, ...]:
    """``2.5.1`` → (2, 5, 1); () when ``version`` is not an HL7 v2 version id."""
    if not is_v2_version(version):
        return ()
    return tuple(int(p) for p in version.split("."))


@cache
def header_required_fields() -> tuple[tuple[int, str], ...]:
    """(number, label) of the MSH fields the newest supported version requires, MSH-1/2 and
    MSH-12 aside: what is checked when the message's version has no reference data."""
    spec = segment_spec(SUPPORTED_VERSIONS[-1], "MSH")
    assert spec is not None
    return tuple(
        (f.number, f.name.replace("_", " ").lower()) for f in spec.required if f.number != 12
    )


@cache
def library(version: str) -> ModuleType:
    """hl7apy's reference module for a supported version (imported once)."""
    if not is_supported(version):
        raise KeyError(version)
    return importlib.import_module(module_name(version))


@cache
def tables(version: str) -> dict[str, tuple[str, ...]]:
    """HL7 tables hl7apy has for this version (none before 2.3.1): id → allowed codes."""
    try:
        mod = importlib.import_module(module_name(version) + ".tables")
    except ImportError:
        return {}
    names = frozenset(library(version).DATATYPES_STRUCTS) | base_datatypes(version)
    return {
        tid: table_codes(tid, tuple(codes), names)
        for tid, (_, codes) in mod.TABLES.items() if codes
    }


@cache
def base_datatypes(version: str) -> frozenset[str]:
    """hl7apy's primitive (base) datatypes of a version: ST, ID, NM, DTM …"""
    return frozenset(library(version).get_base_datatypes())


@cache
def base_max_lengths(version: str) -> dict[str, int]:
    """Maximum lengths hl7apy's STRICT level enforces per primitive datatype (e.g. ST 199)."""
    lib = library(version)
    out: dict[str, int] = {}
    for name, cls in lib.get_base_datatypes().items():
        try:
            limit = cls("").max_length
        except (TypeError, ValueError, AttributeError):
            continue
        if isinstance(limit, int) and limit > 0:
            out[name] = limit
    return out


# ---------------------------------------------------------------------------------------------
# Message structures


@dataclass(slots=True, frozen=True)
class SegmentNode(Rebuilt):
    """A segment slot in a structure: id and cardinality (max -1 = unbounded)."""

    id: str
    min: int
    max: int


@dataclass(slots=True, frozen=True)
class GroupNode(Rebuilt):
    """A group (or the message itself): children in order; ``choice`` means exactly one child."""

    name: str
    min: int
    max: int
    children: tuple[SegmentNode | GroupNode, ...]
    choice: bool = False
    first: frozenset[str] = frozenset()  # segment ids that can start one occurrence


Node = SegmentNode | GroupNode


@dataclass(slots=True)
class CompiledStructure:
    """One message structure of one version, ready to match a sequence of segment ids."""

    version: str
    name: str
    root: GroupNode
    pattern: re.Pattern[str]
    segment_ids: frozenset[str]

    def matches(self, ids: str) -> bool:
        """True when ``ids`` (``"MSH,EVN,PID,"``) is a valid order for this structure."""
        return self.pattern.fullmatch(ids) is not None


def _short_name(name: str, structure: str) -> str:
    prefix = structure + "_"
    return name[len(prefix) :] if name.startswith(prefix) else name


def _first_set(children: tuple[Node, ...], choice: bool) -> frozenset[str]:
    first: set[str] = set()
    for child in children:
        first |= {child.id} if isinstance(child, SegmentNode) else child.first
        if not choice and child.min > 0:
            break
    return frozenset(first)


def _build(ref: Ref, name: str, min_: int, max_: int, structure: str) -> GroupNode:
    kind, children_ref = ref[0], ref[1]
    children: list[Node] = []
    for child in children_ref:
        child_name, child_ref, (cmin, cmax), ctype = child[0], child[1], child[2], child[3]
        if ctype == "SEG":
            children.append(SegmentNode(child_name, cmin, cmax))
        else:
            children.append(
                _build(child_ref, _short_name(child_name, structure), cmin, cmax, structure)
            )
    kids = tuple(children)
    choice = kind == "choice"
    return GroupNode(name, min_, max_, kids, choice, _first_set(kids, choice))


def _quantifier(min_: int, max_: int) -> str:
    if (min_, max_) == (1, 1):
        return ""
    if (min_, max_) == (0, 1):
        return "?"
    if (min_, max_) == (0, UNBOUNDED):
        return "*"
    if (min_, max_) == (1, UNBOUNDED):
        return "+"
    return f"{{{min_},}}" if max_ == UNBOUNDED else f"{{{min_},{max_}}}"


def _regex(node: Node) -> str:
    if isinstance(node, SegmentNode):
        quantifier = _quantifier(node.min, node.max)
        return f"(?:{node.id},){quantifier}{'+' if quantifier else ''}"  # possessive: greedy
    sep = "|" if node.choice else ""
    body = sep.join(_regex(child) for child in node.children)
    # An occurrence of a group holds at least one segment (as in hl7apy, where a group element
    # exists only with a child): it must start with one of the group's first segments.
    # Segments repeat possessively and each occurrence is atomic (greedy, no backtracking into
    # it), as hl7apy's parser and the diagnostic walker read a message: NTEs after OBR belong to
    # the OBR, not to a following OBSERVATION. This also keeps a failing match linear where
    # hl7apy's structures are ambiguous (OBSERVATION = [OBX] {NTE} repeated).
    starts = "|".join(sorted(node.first))
    return f"(?:(?=(?:{starts}),)(?>{body})){_quantifier(node.min, node.max)}"


def _segment_ids(node: Node) -> set[str]:
    if isinstance(node, SegmentNode):
        return {node.id}
    out: set[str] = set()
    for child in node.children:
        out |= _segment_ids(child)
    return out


@_kept
def compile_structure(version: str, structure: str) -> CompiledStructure | None:
    """The compiled structure ``structure`` (e.g. ``ADT_A01``) of ``version``, or None."""
    if not is_supported(version):
        return None
    ref = library(version).MESSAGES.get(structure)
    if ref is None:
        return None
    root = _build(ref, structure, 1, 1, structure)
    pattern = re.compile(_regex(root))
    return CompiledStructure(version, structure, root, pattern, frozenset(_segment_ids(root)))


def structure_for(version: str, code: str, event: str, declared: str = "") -> str | None:
    """The message structure to check against.

    ``declared`` (MSH-9.3) wins when hl7apy knows it; otherwise the event map (HL7 Table 0354 as
    generated from hl7apy) resolves ``code^event``; otherwise ``code`` alone (ACK) if it is one.
    """
    if not is_supported(version):
        return None
    messages = message_structures(version)
    if declared:
        return declared if declared in messages else None
    mapped = EVENT_STRUCTURES.get(version, {}).get(f"{code}^{event}")
    if mapped:
        return mapped
    for candidate in (f"{code}_{event}", code):
        if candidate in messages:
            return candidate
    return None


@_kept
def message_structures(version: str) -> frozenset[str]:
    """Message structure names hl7apy defines for a version (ADT_A01 …)."""
    return frozenset(library(version).MESSAGES)


@_kept
def known_segments(version: str) -> frozenset[str]:
    """Segment ids hl7apy defines for a version."""
    return frozenset(library(version).SEGMENTS)


# ---------------------------------------------------------------------------------------------
# Segments and fields

PRIMITIVE_FORMATS = frozenset({"NM", "SI", "DT", "DTM", "TM"})
TIMESTAMP_TYPES = frozenset({"TS", "DTM"})


@dataclass(slots=True, frozen=True)
class Parts(Rebuilt):
    """The components of a field's datatype and the sub-components of each, as hl7apy defines
    them in one version: what a value may hold before a part is "not defined in the version".

    A primitive datatype (ST, IS, NM …) has one component with one sub-component: hl7apy STRICT
    rejects any component or sub-component separator in it. A composite has ``count`` components
    (numbers the version leaves out or withdraws, cardinality (0, 0) in hl7apy, e.g. XTN.1 in
    2.6 and XCN.7 in 2.8, are ``gaps``); each is primitive (one sub-component) or itself
    composite (its own component count). ``0`` means unbounded (``varies``).

    For a composite, ``limits`` holds per component its primitive parts (the component itself,
    or its sub-components) as (datatype, maximum length hl7apy STRICT enforces: IS 20, ST 199 …;
    0 none), and ``sub_formats`` the sub-components with a checked format, as (component,
    sub-component, datatype).
    """

    datatype: str
    count: int  # highest component number defined (1 for a primitive datatype)
    subcomponents: tuple[int, ...]  # per component 1..count: sub-components defined (0: any)
    component_types: tuple[str, ...]  # per component 1..count: its datatype ('' at a gap)
    gaps: tuple[int, ...] = ()  # component numbers below ``count`` not defined, in order
    limits: tuple[tuple[tuple[str, int], ...], ...] = ()  # per component: (datatype, length)
    sub_formats: tuple[tuple[int, int, str], ...] = ()  # (component, sub-component, datatype)

    @property
    def primitive(self) -> bool:
        """One component of one sub-component: no separator may appear in a valued part."""
        return self.count == 1 and self.subcomponents == (1,) and not self.gaps


def _part_number(name: str) -> int:
    return int(name.rsplit("_", 1)[-1])


def _withdrawn(child: Ref) -> bool:
    """hl7apy marks withdrawn and reserved elements with cardinality (0, 0)."""
    return tuple(child[2]) == (0, 0)


def _sub_parts(
    ref: Ref | None, base: frozenset[str], lengths: dict[str, int]
) -> tuple[int, tuple[tuple[str, int], ...], tuple[tuple[int, str], ...]]:
    """A component's sub-components: how many (0: any), their length limits, their formats."""
    if ref is None:
        return 0, (), ()
    struct, datatype = ref[1], ref[2] or ""
    if isinstance(struct, tuple | list) and struct:
        by_number = {_part_number(sub[0]): sub[1] for sub in struct}
        count = max(by_number)
        types = [(by_number[i][2] or "") if i in by_number else "" for i in range(1, count + 1)]
        formats = tuple((i, dt) for i, dt in enumerate(types, start=1) if dt in PRIMITIVE_FORMATS)
        return count, tuple((dt, lengths.get(dt, 0)) for dt in types), formats
    if datatype in base:
        return 1, ((datatype, lengths.get(datatype, 0)),), ()
    return 0, (), ()


def field_parts(
    ref: Ref, base: frozenset[str], lengths: dict[str, int] | None = None
) -> Parts | None:
    """The :class:`Parts` of a field reference of hl7apy (None: ``varies``, no bound)."""
    lengths = lengths or {}
    struct, datatype = ref[1], ref[2] or ""
    if isinstance(struct, tuple | list) and struct:
        by_number = {_part_number(comp[0]): comp for comp in struct}
        count = max(by_number)
        subs: list[int] = []
        types: list[str] = []
        limits: list[tuple[tuple[str, int], ...]] = []
        sub_formats: list[tuple[int, int, str]] = []
        gaps: list[int] = []
        for number in range(1, count + 1):
            comp = by_number.get(number)
            if comp is None or _withdrawn(comp):
                gaps.append(number)
                subs.append(0)
                types.append("")
                limits.append(())
                continue
            n_subs, sub_limits, formats = _sub_parts(comp[1], base, lengths)
            subs.append(n_subs)
            types.append(comp[1][2] or "")
            limits.append(sub_limits)
            if n_subs > 1:
                sub_formats.extend((number, i, dt) for i, dt in formats)
        return Parts(
            datatype,
            count,
            tuple(subs),
            tuple(types),
            tuple(gaps),
            tuple(limits),
            tuple(sub_formats),
        )
    if datatype in base:
        return Parts(datatype, 1, (1,), (datatype,))
    return None


@dataclass(slots=True, frozen=True)
class FieldSpec(Rebuilt):
    """One field of a segment as hl7apy's reference data describes it."""

    number: int
    name: str
    datatype: str
    min: int
    max: int
    table: str | None
    max_length: int | None
    # (component number, primitive datatype) pairs to check; (0, dt) means the whole field.
    formats: tuple[tuple[int, str], ...] = ()
    parts: Parts | None = None  # components and sub-components the datatype defines


@dataclass(slots=True, frozen=True)
class FieldCheck(Rebuilt):
    """What to check on one present field (precomputed; ``None`` entries mean nothing)."""

    spec: FieldSpec
    single: bool  # may not repeat
    max_length: int  # 0 = no limit known
    whole: str | None  # primitive datatype of the whole field
    components: tuple[tuple[int, str], ...]  # (component, primitive datatype)
    min_separators: int  # component separators needed before a component check applies
    codes: frozenset[str] | None  # allowed codes of an ID or IS field's hl7apy table
    parts: Parts | None = None  # components / sub-components defined (None: any, ``varies``)
    table_kind: TableKind | None = None  # who defines ``codes``: HL7 (ID) or the user (IS)
    component_tables: tuple[ComponentTable, ...] = ()  # primitive ID/IS components with codes


@dataclass(slots=True)
class SegmentSpec:
    """A segment's fields plus the lookup table the per-message loop uses.

    ``checks[n]`` is the :class:`FieldCheck` of field ``n`` (``None`` when there is nothing to
    check), ``GAP`` for a number the version leaves out; numbers past ``field_count`` are undefined.
    """

    id: str
    fields: tuple[FieldSpec, ...]
    required: tuple[FieldSpec, ...]
    checks: tuple[FieldCheck | str | None, ...]
    field_count: int  # highest field number defined
    active: tuple[tuple[int, FieldCheck | str], ...] = ()  # (n, check) where there is one, by n


GAP = "gap"

_KEPT = KeptResults(("reference.py", "tables.py"), singletons={"GAP": GAP})


def _component_formats(struct: Ref | None, datatype: str) -> tuple[tuple[int, str], ...]:
    if datatype in PRIMITIVE_FORMATS:
        return ((0, datatype),)
    if not isinstance(struct, tuple | list) or not struct:
        return ()  # a leaf; hl7apy 2.7 writes the string 'varies' here (OBX-5, MFE-4 …)
    out: list[tuple[int, str]] = []
    for index, comp in enumerate(struct, start=1):
        comp_ref = comp[1]
        comp_type = comp_ref[2] if comp_ref is not None else None
        if comp_type in PRIMITIVE_FORMATS:
            out.append((index, comp_type))
    if datatype in TIMESTAMP_TYPES and not out and struct:
        out.append((1, "DTM"))  # older versions type TS.1 as ST; the standard says DTM
    return tuple(out)


# Fields hl7apy marks (1, n) that the standard makes conditional: hl7apy's validate() demands
# them, a conforming sender may leave them empty. Source: HL7 v2.x chapter 7, OBX attributes
# table ("C" in the OPT column). Not reported as missing; listed as a known hl7apy difference.
CONDITIONAL_FIELDS: frozenset[tuple[str, int]] = frozenset({("OBX", 2), ("OBX", 4)})


@_kept
def segment_spec(version: str, seg_id: str) -> SegmentSpec | None:
    """The compiled field checks of one segment of one version, or None if hl7apy lacks it."""
    if not is_supported(version):
        return None
    lib = library(version)
    ref = lib.SEGMENTS.get(seg_id)
    if ref is None or ref[0] != "sequence":
        return None
    children = ref[1] if len(ref) > 1 else ()
    limits = base_max_lengths(version)
    codes = tables(version)
    base = base_datatypes(version)
    specs: list[FieldSpec] = []
    component_tables: dict[int, tuple[ComponentTable, ...]] = {}
    for position, child in enumerate(children, start=1):
        fname, (fmin, fmax) = child[0], child[2]
        # The field's own definition: a few segment entries point at another field's reference
        # (2.6 IN1-40/41, 2.7 DG1-7..14, 2.8 PR1-11/12 …); hl7apy validates with the wrong one.
        fref = lib.FIELDS.get(fname) or child[1]
        number = _field_number(fname, position)
        datatype = fref[2] or ""
        struct = fref[1]
        table = fref[4]
        max_length = fref[5] if fref[5] and fref[5] > 0 else limits.get(datatype)
        if (seg_id, number) in CONDITIONAL_FIELDS:
            fmin = 0
        found_tables = _component_tables(struct, codes)
        if found_tables:
            component_tables[number] = found_tables
        specs.append(
            FieldSpec(
                number,
                fref[3] or fname,
                datatype,
                fmin,
                fmax,
                table,
                max_length,
                _component_formats(struct, datatype),
                field_parts(fref, base, limits),
            )
        )
    fields_ = tuple(specs)
    count = max((f.number for f in fields_), default=0)
    by_number: dict[int, FieldSpec] = {f.number: f for f in fields_}
    checks: list[FieldCheck | str | None] = [None] * (count + 1)
    for n in range(1, count + 1):
        f = by_number.get(n)
        if f is None or f.max == 0:  # left out, or withdrawn / reserved: cardinality (0, 0)
            checks[n] = GAP
            continue
        if seg_id == "MSH" and n <= 2:
            continue
        whole = next((dt for comp, dt in f.formats if comp == 0), None)
        comps = tuple((comp, dt) for comp, dt in f.formats if comp > 0)
        kind = table_kind(f.datatype, f.table or "")
        table = codes.get(f.table or "") if kind is not None else None
        comp_tables = component_tables.get(n, ())
        max_length = f.max_length if f.max_length and f.datatype != "varies" else 0
        if f.max == 1 or max_length or whole or comps or table or f.parts or comp_tables:
            checks[n] = FieldCheck(
                f,
                f.max == 1,
                max_length,
                whole,
                comps,
                min(comp for comp, _ in comps) - 1 if comps else 0,
                frozenset(table) if table else None,
                f.parts,
                kind if table else None,
                comp_tables,
            )
    return SegmentSpec(
        id=seg_id,
        fields=fields_,
        required=tuple(f for f in fields_ if f.min > 0 and not (seg_id == "MSH" and f.number <= 2)),
        checks=tuple(checks),
        field_count=count,
        active=tuple((n, c) for n, c in enumerate(checks) if c is not None),
    )


def _component_tables(
    struct: Ref | None, codes: dict[str, tuple[str, ...]]
) -> tuple[ComponentTable, ...]:
    """The primitive components of a composite datatype typed ID or IS whose table hl7apy
    ships with codes (a component with sub-components of its own is not checked)."""
    if not isinstance(struct, tuple | list) or not struct:
        return ()
    out: list[ComponentTable] = []
    for comp in struct:
        ref = comp[1]
        if ref is None or _withdrawn(comp) or ref[0] != "leaf":
            continue
        kind = table_kind(ref[2] or "", ref[4] or "")
        table = codes.get(ref[4] or "") if kind is not None else None
        if kind is not None and table:
            out.append(ComponentTable(_part_number(comp[0]), ref[4], kind, frozenset(table)))
    return tuple(out)


def _field_number(name: str, position: int) -> int:
    tail = name.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else position
