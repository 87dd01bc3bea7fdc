"""Structural conformance of a tokenized message: header, segment ids, order, groups, fields.

The fast path joins the ids of the message's segments (``"MSH,EVN,PID,"``) and ``fullmatch``es
them against the structure compiled from hl7apy's reference data (:mod:`hiecheck.hl7.reference`).
Only when that fails does a slower walker run, which names every problem (not just the first):
unexpected or out-of-order segments, too many repetitions, missing required segments and groups.
Z-segments may appear anywhere (HL7 convention): they are reported (info) and kept out of the order
match; they are never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hiecheck.hl7 import reference
from hiecheck.hl7.fields import check_fields
from hiecheck.hl7.findings import Finding, Severity, segment_finding
from hiecheck.hl7.message import Message, Segment
from hiecheck.hl7.reference import CompiledStructure, GroupNode, Node, SegmentNode

# MSH-1/MSH-2 problems found by the tokenizer → (rule id, severity).
HEADER_RULES: dict[str, tuple[str, Severity]] = {
    "MSH-1.missing": ("msh.field-separator-missing", Severity.ERROR),
    "MSH-1.invalid": ("msh.field-separator-invalid", Severity.ERROR),
    "MSH-2.duplicate": ("msh.encoding-characters-duplicate", Severity.ERROR),
    "MSH-2.short": ("msh.encoding-characters-short", Severity.ERROR),
    "MSH-2.long": ("msh.encoding-characters-long", Severity.WARNING),
    "MSH-2.invalid": ("msh.encoding-characters-invalid", Severity.ERROR),
}

_ID_OK: dict[str, bool] = {}


def _valid_id(seg_id: str) -> bool:
    ok = _ID_OK.get(seg_id)
    if ok is None:
        ok = reference.SEGMENT_ID.fullmatch(seg_id) is not None
        if len(_ID_OK) < 4096:
            _ID_OK[seg_id] = ok
    return ok


_PLAIN: dict[str, frozenset[str]] = {}


def _plain_ids(version: str) -> frozenset[str] | None:
    """Segment ids of a supported version that need no segment finding (valid, known, not Z)."""
    found = _PLAIN.get(version)
    if found is None:
        if not reference.is_supported(version):
            return None
        found = _PLAIN[version] = frozenset(
            sid for sid in reference.known_segments(version) if _valid_id(sid) and sid[0] != "Z"
        )
    return found


def check_structure(message: Message) -> list[Finding]:
    """All structural findings of one message (header, segments, order, cardinality, fields).

    Version-dependent checks run only when hl7apy has MSH-12's version; otherwise one
    ``msh.version-unsupported`` error says so. Never raises on malformed input.
    """
    out: list[Finding] = []
    msh = message.msh
    for problem in message.header_problems:
        rule, severity = HEADER_RULES.get(
            problem.rule, ("msh." + problem.rule.lower().replace(".", "-"), Severity.ERROR)
        )
        number = 1 if problem.rule.startswith("MSH-1") else 2
        where = msh.location(number)
        out.append(segment_finding(message, msh, rule, severity, problem.detail, where))

    version = message.version
    plain = _plain_ids(version)
    if plain is not None:
        ids = [s.id for s in message.segments]
        if plain.issuperset(ids):
            # The common case: every id is a standard segment of the version (no Z, none unknown).
            compiled = _resolve_cached(message, version, out)
            if compiled is not None and not compiled.matches(",".join(ids) + ","):
                out.extend(diagnose(message, compiled, message.segments))
            out.extend(check_fields(message, version))
            return out

    matchable: list[Segment] = []
    valid_ids = _ID_OK
    for seg in message.segments:
        sid = seg.id
        ok = valid_ids.get(sid)
        if ok is None:
            ok = _valid_id(sid)
        if not ok:
            out.append(
                segment_finding(
                    message,
                    seg,
                    "segment.invalid-id",
                    Severity.ERROR,
                    f"segment id {sid[:8]!r} is not 3 characters [A-Z][A-Z0-9]{{2}}",
                    seg.location(),
                    sid[:40],
                )
            )
        elif sid[0] == "Z":
            out.append(
                segment_finding(
                    message,
                    seg,
                    "segment.z-segment",
                    Severity.INFO,
                    f"Z-segment {sid} (site-defined; kept, not checked against the standard)",
                    seg.location(),
                )
            )
        else:
            matchable.append(seg)

    if not reference.is_supported(version):
        out.append(
            segment_finding(
                message,
                msh,
                "msh.version-unsupported",
                Severity.ERROR,
                "MSH-12 version is not one hl7apy has reference data for "
                f"({', '.join(reference.SUPPORTED_VERSIONS)}); version-dependent checks skipped",
                msh.location(12),
                version,
            )
        )
        return out

    known = reference.known_segments(version)
    ordered: list[Segment] = []
    for seg in matchable:
        if seg.id in known:
            ordered.append(seg)
        else:
            out.append(
                segment_finding(
                    message,
                    seg,
                    "segment.unknown",
                    Severity.ERROR,
                    f"segment {seg.id} is not defined in HL7 {version}",
                    seg.location(),
                )
            )

    compiled = _resolve_cached(message, version, out)
    if compiled is not None:
        ids = ",".join([s.id for s in ordered]) + ","
        if not compiled.matches(ids):
            out.extend(diagnose(message, compiled, ordered))
    out.extend(check_fields(message, version))
    return out


_RESOLVED: dict[tuple[str, str], tuple[CompiledStructure | None, list[Finding]]] = {}


def _resolve_cached(message: Message, version: str, out: list[Finding]) -> CompiledStructure | None:
    """:func:`_resolve_structure` memoised on (version, MSH-9 as written)."""
    key = (version, message.msh.field(9))
    hit = _RESOLVED.get(key)
    if hit is None:
        found: list[Finding] = []
        hit = (_resolve_structure(message, found), found)
        if len(_RESOLVED) < 4096:
            _RESOLVED[key] = hit
    compiled, templates = hit
    msh = message.msh
    for t in templates:
        out.append(Finding(t.rule, t.severity, t.message, message.source, msh.line,
                           message.number, t.location, t.value))
    return compiled


def _resolve_structure(message: Message, out: list[Finding]) -> CompiledStructure | None:
    """The structure to check against, with msh.* findings about how it was found."""
    msh = message.msh
    version = message.version
    code, event, declared = message.message_code, message.trigger_event, message.structure_id
    type_text = f"{code}^{event}" if event else code
    events = reference.EVENT_STRUCTURES.get(version, {})
    key = f"{code}^{event}"
    mapped = reference.structure_for(version, code, event)
    if declared:
        name = reference.structure_for(version, code, event, declared)
        if name is None:
            if mapped is None:
                out.append(
                    segment_finding(
                        message,
                        msh,
                        "msh.unknown-message-type",
                        Severity.ERROR,
                        f"message structure {declared} (MSH-9.3) is not defined in HL7 {version}",
                        msh.location(9, 3),
                    )
                )
                return None
            out.append(
                segment_finding(
                    message,
                    msh,
                    "msh.unknown-structure",
                    Severity.WARNING,
                    f"MSH-9.3 {declared} is not a message structure of HL7 {version}; "
                    f"checked as {mapped}, the structure of {type_text}",
                    msh.location(9, 3),
                )
            )
            name = mapped
        elif mapped is not None and mapped != name and key in events:
            out.append(
                segment_finding(
                    message,
                    msh,
                    "msh.structure-mismatch",
                    Severity.WARNING,
                    f"MSH-9.3 {declared} differs from {mapped}, the structure HL7 {version} "
                    f"gives {type_text}; checked as {declared}",
                    msh.location(9, 3),
                )
            )
    else:
        if not code or (not event and mapped is None):
            out.append(
                segment_finding(
                    message,
                    msh,
                    "msh.unknown-message-type",
                    Severity.ERROR,
                    "MSH-9 has no message code and trigger event",
                    msh.location(9),
                )
            )
            return None
        if key in events and events[key] is None:
            out.append(
                segment_finding(
                    message,
                    msh,
                    "structure.not-checked",
                    Severity.WARNING,
                    f"{type_text} has no message structure in hl7apy's HL7 {version} data "
                    "(withdrawn event); segment order not checked",
                    msh.location(9),
                )
            )
            return None
        if mapped is None:
            out.append(
                segment_finding(
                    message,
                    msh,
                    "msh.unknown-message-type",
                    Severity.ERROR,
                    f"{type_text} is not a message type of HL7 {version}",
                    msh.location(9),
                )
            )
            return None
        out.append(
            segment_finding(
                message,
                msh,
                "msh.structure-inferred",
                Severity.INFO,
                f"MSH-9.3 (message structure) is empty; inferred {mapped} from {type_text}",
                msh.location(9, 3),
                mapped,
            )
        )
        name = mapped
    return reference.compile_structure(version, name)


# ---------------------------------------------------------------------------------------------
# Diagnostic walker (runs only when the fast match fails)


@dataclass(slots=True)
class _Missing:
    node: Node
    path: str
    index: int


@dataclass(slots=True)
class _Walk:
    segs: list[Segment]
    i: int = 0
    missing: list[_Missing] = field(default_factory=list)
    capped: dict[int, tuple[Node, str]] = field(default_factory=dict)

    def occurrence(self, group: GroupNode, path: str) -> None:
        """Consume one occurrence of ``group`` greedily, noting missing required children."""
        if group.choice:
            sid = self.segs[self.i].id if self.i < len(self.segs) else ""
            for child in group.children:
                starts = {child.id} if isinstance(child, SegmentNode) else child.first
                if sid in starts:
                    self.child(child, path)
                    return
            self.missing.append(_Missing(group, path, self.i))
            return
        for child in group.children:
            self.child(child, path)

    def child(self, node: Node, path: str) -> None:
        segs, n = self.segs, len(self.segs)
        count = 0
        if isinstance(node, SegmentNode):
            while self.i < n and segs[self.i].id == node.id:
                if node.max != -1 and count >= node.max:
                    self.capped[self.i] = (node, path)
                    break
                count += 1
                self.i += 1
        else:
            inner = f"{path}.{node.name}"
            while self.i < n and segs[self.i].id in node.first:
                if node.max != -1 and count >= node.max:
                    self.capped[self.i] = (node, path)
                    break
                start = self.i
                self.occurrence(node, inner)
                if self.i == start:
                    break  # an occurrence holds at least one segment
                count += 1
        if count < node.min:
            self.missing.append(_Missing(node, path, self.i))


def _describe(node: Node) -> str:
    if isinstance(node, SegmentNode):
        return f"segment {node.id}"
    return f"group {node.name} (starts with {'/'.join(sorted(node.first))})"


def diagnose(message: Message, compiled: CompiledStructure, segs: list[Segment]) -> list[Finding]:
    """Name every order/cardinality problem of ``segs`` against ``compiled`` (slow path)."""
    remaining = list(segs)
    removed: list[tuple[Segment, str, Segment | None, tuple[Node, str] | None]] = []
    walk = _Walk(remaining)
    for _ in range(len(segs) + 1):
        walk = _Walk(remaining)
        walk.occurrence(compiled.root, compiled.name)
        if walk.i >= len(remaining):
            break
        bad = remaining[walk.i]
        before = remaining[walk.i - 1] if walk.i > 0 else None
        if walk.i in walk.capped:
            reason = "too-many"
        elif bad.id in compiled.segment_ids:
            reason = "out-of-order"
        else:
            reason = "not-in-structure"
        removed.append((bad, reason, before, walk.capped.get(walk.i)))
        remaining.pop(walk.i)

    out: list[Finding] = []
    out_of_order = {seg.id for seg, reason, _, _ in removed if reason == "out-of-order"}
    for seg, reason, before, cap in removed:
        after = f" after {before.location()}" if before is not None else ""
        if reason == "too-many" and cap is not None:
            node, path = cap
            limit = node.max
            out.append(
                segment_finding(
                    message,
                    seg,
                    "structure.too-many",
                    Severity.ERROR,
                    f"{_describe(node)} may occur at most {limit} time(s) in {path}; "
                    f"{seg.location()} is one too many",
                    seg.location(),
                )
            )
        elif reason == "out-of-order":
            out.append(
                segment_finding(
                    message,
                    seg,
                    "structure.unexpected-segment",
                    Severity.ERROR,
                    f"{seg.location()} is out of order for {compiled.name}: not allowed{after}",
                    seg.location(),
                )
            )
        else:
            out.append(
                segment_finding(
                    message,
                    seg,
                    "structure.unexpected-segment",
                    Severity.ERROR,
                    f"segment {seg.id} is not part of {compiled.name} (HL7 {compiled.version})",
                    seg.location(),
                )
            )
    for miss in walk.missing:
        node = miss.node
        if isinstance(node, SegmentNode) and node.id in out_of_order:
            continue  # reported where it stands, as out of order
        if miss.index < len(remaining):
            anchor = remaining[miss.index]
            where = f"before {anchor.location()}"
        else:
            anchor = remaining[-1] if remaining else message.msh
            where = f"after {anchor.location()}"
        out.append(
            segment_finding(
                message,
                anchor,
                "structure.missing-required-segment",
                Severity.ERROR,
                f"required {_describe(node)} of {miss.path} is missing {where}",
                anchor.location(),
            )
        )
    if not out:
        # The greedy walker accepted what the exact matcher refused: still say it is invalid.
        out.append(
            segment_finding(
                message,
                message.msh,
                "structure.unexpected-segment",
                Severity.ERROR,
                f"segment order does not match {compiled.name} (HL7 {compiled.version})",
                message.msh.location(),
            )
        )
    return out
