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

from hiecheck.hl7 import reference, rules
from hiecheck.hl7.fields import check_fields
from hiecheck.hl7.findings import Finding, segment_finding
from hiecheck.hl7.message import Message, Segment, is_code, is_structure_id
from hiecheck.hl7.reference import CompiledStructure, GroupNode, Node, SegmentNode
from hiecheck.hl7.rules import Rule

# MSH-1/MSH-2 problems found by the tokenizer → their rule.
HEADER_RULES: dict[str, Rule] = {
    "MSH-1.missing": rules.MSH_SEPARATOR_MISSING,
    "MSH-1.invalid": rules.MSH_SEPARATOR_INVALID,
    "MSH-2.duplicate": rules.MSH_ENCODING_DUPLICATE,
    "MSH-2.short": rules.MSH_ENCODING_SHORT,
    "MSH-2.long": rules.MSH_ENCODING_LONG,
    "MSH-2.invalid": rules.MSH_ENCODING_INVALID,
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


def plain_ids(version: str) -> frozenset[str] | None:
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
        number = 1 if problem.rule.startswith("MSH-1") else 2
        value = msh.field(2) if number == 2 else None
        out.append(segment_finding(message, msh, HEADER_RULES[problem.rule], problem.detail,
                                   msh.at(number), value))

    if message.type_case_differs:
        out.append(segment_finding(
            message, msh, rules.MSH_TYPE_CASE,
            f"MSH-9 is not written in upper case; read as "
            f"{_type_text(message.message_code, message.trigger_event)}",
            msh.at(9), msh.field(9),
        ))

    version = message.version
    plain = plain_ids(version)
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
                    rules.SEGMENT_INVALID_ID,
                    "the line does not start with a segment id (3 characters "
                    "[A-Z][A-Z0-9]{2} before the field separator)",
                    seg.at(),
                    sid[:40],
                )
            )
        elif sid[0] == "Z":
            out.append(
                segment_finding(
                    message,
                    seg,
                    rules.SEGMENT_Z,
                    f"Z-segment {sid} (site-defined; kept, not checked against the standard)",
                    seg.at(),
                )
            )
        else:
            matchable.append(seg)

    if not reference.is_supported(version):
        out.append(
            segment_finding(
                message,
                msh,
                rules.MSH_VERSION_UNSUPPORTED,
                "MSH-12 version is not one hl7apy has reference data for "
                f"({', '.join(reference.SUPPORTED_VERSIONS)}); version-dependent checks skipped",
                msh.at(12),
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
                    rules.SEGMENT_UNKNOWN,
                    f"segment {seg.id} is not defined in HL7 {version}",
                    seg.at(),
                )
            )

    compiled = _resolve_cached(message, version, out)
    if compiled is not None:
        ids = ",".join([s.id for s in ordered]) + ","
        if not compiled.matches(ids):
            out.extend(diagnose(message, compiled, ordered))
    out.extend(check_fields(message, version))
    return out


_RESOLVED: dict[tuple[str, str, str, str], tuple[CompiledStructure | None, list[Finding]]] = {}


def _resolve_cached(message: Message, version: str, out: list[Finding]) -> CompiledStructure | None:
    """:func:`_resolve_structure` memoised on what it reads: version, MSH-9.1, 9.2 and 9.3."""
    key = (version, message.message_code, message.trigger_event, message.structure_id)
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
                           message.number, t.where, t.value))
    return compiled


def _type_text(code: str, event: str) -> str:
    """``ADT^A04`` for findings when both have the form of codes, else what MSH-9 holds in words
    (the text itself could be anything the sender put there)."""
    if is_code(code) and (not event or is_code(event)):
        return f"{code}^{event}" if event else code
    return "the message type in MSH-9"


def _resolve_structure(message: Message, out: list[Finding]) -> CompiledStructure | None:
    """The structure to check against, with msh.* findings about how it was found."""
    msh = message.msh
    version = message.version
    code, event, declared = message.message_code, message.trigger_event, message.structure_id
    type_text = _type_text(code, event)
    events = reference.EVENT_STRUCTURES.get(version, {})
    key = f"{code}^{event}"
    mapped = reference.structure_for(version, code, event)
    if declared:
        name = reference.structure_for(version, code, event, declared)
        if name is None:
            shown = declared if is_structure_id(declared) else "(MSH-9.3)"
            if mapped is None:
                out.append(
                    segment_finding(
                        message,
                        msh,
                        rules.MSH_UNKNOWN_TYPE,
                        f"message structure {shown} (MSH-9.3) is not defined in HL7 {version}",
                        msh.at(9, 3),
                    )
                )
                return None
            out.append(
                segment_finding(
                    message,
                    msh,
                    rules.MSH_UNKNOWN_STRUCTURE,
                    f"MSH-9.3 {shown} is not a message structure of HL7 {version}; "
                    f"checked as {mapped}, the structure of {type_text}",
                    msh.at(9, 3),
                )
            )
            name = mapped
        elif mapped is not None and mapped != name and key in events:
            out.append(
                segment_finding(
                    message,
                    msh,
                    rules.MSH_STRUCTURE_MISMATCH,
                    f"MSH-9.3 {declared} differs from {mapped}, the structure HL7 {version} "
                    f"gives {type_text}; checked as {declared}",
                    msh.at(9, 3),
                )
            )
    else:
        if not code or (not event and mapped is None):
            out.append(
                segment_finding(
                    message,
                    msh,
                    rules.MSH_UNKNOWN_TYPE,
                    "MSH-9 has no message code and trigger event",
                    msh.at(9),
                )
            )
            return None
        if key in events and events[key] is None:
            out.append(
                segment_finding(
                    message,
                    msh,
                    rules.STRUCTURE_NOT_CHECKED,
                    f"{type_text} has no message structure in hl7apy's HL7 {version} data "
                    "(withdrawn event); segment order not checked",
                    msh.at(9),
                )
            )
            return None
        if mapped is None:
            out.append(
                segment_finding(
                    message,
                    msh,
                    rules.MSH_UNKNOWN_TYPE,
                    f"{type_text} is not a message type of HL7 {version}",
                    msh.at(9),
                )
            )
            return None
        out.append(
            segment_finding(
                message,
                msh,
                rules.MSH_STRUCTURE_INFERRED,
                f"MSH-9.3 (message structure) is empty; inferred {mapped} from {type_text}",
                msh.at(9, 3),
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
                    rules.STRUCTURE_TOO_MANY,
                    f"{_describe(node)} may occur at most {limit} time(s) in {path}; "
                    f"{seg.location()} is one too many",
                    seg.at(),
                )
            )
        elif reason == "out-of-order":
            out.append(
                segment_finding(
                    message,
                    seg,
                    rules.STRUCTURE_UNEXPECTED,
                    f"{seg.location()} is out of order for {compiled.name}: not allowed{after}",
                    seg.at(),
                )
            )
        else:
            out.append(
                segment_finding(
                    message,
                    seg,
                    rules.STRUCTURE_UNEXPECTED,
                    f"segment {seg.id} is not part of {compiled.name} (HL7 {compiled.version})",
                    seg.at(),
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
                rules.STRUCTURE_MISSING,
                f"required {_describe(node)} of {miss.path} is missing {where}",
                anchor.at(),
            )
        )
    if not out:
        # The greedy walker accepted what the exact matcher refused: still say it is invalid.
        out.append(
            segment_finding(
                message,
                message.msh,
                rules.STRUCTURE_UNEXPECTED,
                f"segment order does not match {compiled.name} (HL7 {compiled.version})",
                message.msh.at(),
            )
        )
    return out
