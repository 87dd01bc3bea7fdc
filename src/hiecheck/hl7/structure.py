"""Structural conformance of a tokenized message: header, segment ids, order, groups, fields.

The fast path joins the ids of the message's segments (``"MSH,EVN,PID,"``) and ``fullmatch``es
them against the structure compiled from hl7apy's reference data (:mod:`hiecheck.hl7.reference`).
Only when that fails does a slower walker run, which names every problem (not just the first):
unexpected or out-of-order segments, too many repetitions, missing required segments and groups.
Z-segments may appear anywhere (HL7 convention): they are reported (info) and kept out of the order
match; they are never dropped. What is compiled per version and message type comes from
:class:`hiecheck.hl7.compiled.CompiledVersion`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hiecheck.hl7 import reference, rules
from hiecheck.hl7.compiled import (
    CompiledVersion,
    Diagnosis,
    VersionRegistry,
    shared_versions,
    type_text,
)
from hiecheck.hl7.fields import control_findings, segment_fields
from hiecheck.hl7.findings import Finding, segment_finding
from hiecheck.hl7.location import Location, is_segment_id
from hiecheck.hl7.message import Message, Segment
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


def check_structure(message: Message, versions: VersionRegistry | None = None) -> list[Finding]:
    """All structural findings of one message (header, segments, order, cardinality, fields).

    Version-dependent checks run only when hl7apy has MSH-12's version; otherwise one
    ``msh.version-missing`` / ``msh.version-unsupported`` error or ``msh.version-not-checked``
    warning says so and the header fields every version requires are still checked. Never
    raises on malformed input. ``versions``: the compiled checks to use (default: those shared
    by one-off calls).
    """
    return structure_findings(message, (versions or shared_versions()).get(message.version))


def structure_findings(
    message: Message, compiled: CompiledVersion | None,
    ids: tuple[str, ...] | None = None, all_plain: bool | None = None,
) -> list[Finding]:
    """:func:`check_structure` with the message's version already looked up (None: not
    supported). ``ids``: the message's segment ids; ``all_plain``: whether every one is in
    ``compiled.plain`` (both worked out when None)."""
    out: list[Finding] = []
    msh = message.msh
    for problem in message.header_problems:
        number = 1 if problem.rule.startswith("MSH-1") else 2
        value = msh.field(2) if number == 2 else None
        out.append(segment_finding(message, msh, HEADER_RULES[problem.rule], problem.detail,
                                   msh.at(number), value))
    if message.delimiters.truncation is not None and _before_27(message.version):
        out.append(segment_finding(
            message, msh, rules.MSH_TRUNCATION_BEFORE_27,
            f"MSH-2 has a truncation character (5 encoding characters), which exists only from "
            f"HL7 2.7; MSH-12 says {message.version}",
            msh.at(2), msh.field(2),
        ))
    if message.type_case_differs:
        out.append(segment_finding(
            message, msh, rules.MSH_TYPE_CASE,
            "MSH-9 is not written in upper case; read as "
            f"{type_text(message.message_code, message.trigger_event)}",
            msh.at(9), msh.field(9),
        ))
    if message.has_controls:
        out.extend(control_findings(message))

    if compiled is not None:
        if ids is None:
            ids = tuple([s.id for s in message.segments])
        if all_plain is None:
            all_plain = compiled.plain.issuperset(ids)
        if all_plain:
            # The common case: every id is a standard segment of the version (no Z, none unknown).
            structure = _resolve(message, compiled, out)
            if structure is not None and not structure.matches(",".join(ids) + ","):
                out.extend(diagnose(message, structure, message.segments, compiled.diagnoses))
            segment_fields(message, compiled, out)
            return out

    matchable: list[Segment] = []
    for seg in message.segments:
        sid = seg.id
        if not is_segment_id(sid):
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

    version = message.version
    if compiled is None:
        out.append(_version_finding(message))
        _version_free_header(message, out)
        return out

    known = compiled.known
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

    structure = _resolve(message, compiled, out)
    if structure is not None:
        ids_text = ",".join([s.id for s in ordered]) + ","
        if not structure.matches(ids_text):
            out.extend(diagnose(message, structure, ordered, compiled.diagnoses))
    segment_fields(message, compiled, out)
    return out


def _before_27(version: str) -> bool:
    """Whether ``version`` is a known HL7 v2 version before 2.7 (False when it is not one)."""
    parsed = reference.version_tuple(version)
    return bool(parsed) and parsed < (2, 7)


def _version_finding(message: Message) -> Finding:
    """Why the version-dependent checks do not run: MSH-12 empty, an HL7 v2 version without
    reference data (a warning: not checked), or not a v2 version id at all."""
    msh = message.msh
    version = message.version
    if not version:
        return segment_finding(
            message, msh, rules.MSH_VERSION_MISSING,
            "MSH-12 (version id) is empty: structure, segment and field checks skipped; "
            "the header fields HL7 requires are still checked",
            msh.at(12),
        )
    if reference.is_v2_version(version):
        return segment_finding(
            message, msh, rules.MSH_VERSION_NOT_CHECKED,
            "MSH-12 names an HL7 v2 version hl7apy has no reference data for "
            f"({reference.SUPPORTED_VERSIONS[0]} to {reference.SUPPORTED_VERSIONS[-1]}): "
            "structure, segment and field checks not run",
            msh.at(12), version,
        )
    return segment_finding(
        message, msh, rules.MSH_VERSION_UNSUPPORTED,
        "MSH-12 is not an HL7 v2 version id "
        f"({', '.join(reference.SUPPORTED_VERSIONS)} are checked); version-dependent checks "
        "skipped",
        msh.at(12), version,
    )


def _version_free_header(message: Message, out: list[Finding]) -> None:
    """``field.required-missing`` for the MSH fields the newest known version requires (MSH-12
    aside: its own finding says so), when the message's version gives no reference data."""
    msh = message.msh
    d = msh.delimiters
    blank = d.component + d.repetition + d.subcomponent + " "  # as the field walk reads empty
    for number, name in reference.header_required_fields():
        if not msh.field(number).strip(blank):
            out.append(segment_finding(
                message, msh, rules.FIELD_REQUIRED,
                f"MSH-{number} ({name}) is required in HL7 {reference.SUPPORTED_VERSIONS[-1]} "
                "(the newest version with reference data) but empty",
                msh.at(number),
            ))


def _resolve(
    message: Message, compiled: CompiledVersion, out: list[Finding]
) -> CompiledStructure | None:
    """The structure of the message's type, with the msh.* findings on how it was found."""
    found = compiled.resolve(message.message_code, message.trigger_event, message.structure_id)
    if found.findings:
        source, line, number = message.source, message.msh.line, message.number
        for t in found.findings:
            out.append(t.rule.finding(t.text, source, line, number, t.where, t.value))
    return found.structure


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


DIAGNOSES_KEPT = 4096  # segment-id sequences whose diagnosis a compiled version keeps
DIAGNOSIS_KEY_SEGMENTS = 200  # longer messages are diagnosed every time, never kept


def diagnose(
    message: Message, compiled: CompiledStructure, segs: list[Segment],
    memo: dict[tuple[str, tuple[str, ...], int], tuple[Diagnosis, ...]] | None = None,
) -> list[Finding]:
    """Name every order/cardinality problem of ``segs`` against ``compiled`` (slow path).

    ``memo``: diagnoses kept per (structure, segment ids of the message, segments given): a feed
    repeats its few layouts, and what is wrong with one depends on its ids alone."""
    key = None
    # Not kept: a layout too long to keep 4,096 of (memory stays flat whatever the messages),
    # or a line with no segment id (its text is no key to keep).
    if memo is not None and len(message.segments) <= DIAGNOSIS_KEY_SEGMENTS:
        ids = tuple([s.id for s in message.segments])
        if max(map(len, ids)) <= 3:
            key = (compiled.name, ids, len(segs))
    found = None if memo is None or key is None else memo.get(key)
    if found is None:
        found = _diagnoses(message, compiled, segs)
        if memo is not None and key is not None:
            if len(memo) >= DIAGNOSES_KEPT:
                memo.clear()
            memo[key] = found
    source, number, msh_line = message.source, message.number, message.msh.line
    return [
        rule.finding(text, source, msh_line if i is None else segs[i].line, number, where)
        for rule, text, i, where in found
    ]


def _diagnoses(
    message: Message, compiled: CompiledStructure, segs: list[Segment]
) -> tuple[Diagnosis, ...]:
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

    position = {id(seg): i for i, seg in enumerate(segs)}
    out: list[Diagnosis] = []

    def note(seg: Segment, rule: Rule, text: str, where: Location) -> None:
        out.append((rule, text, position.get(id(seg)), where))

    out_of_order = {seg.id for seg, reason, _, _ in removed if reason == "out-of-order"}
    for seg, reason, before, cap in removed:
        after = f" after {before.location()}" if before is not None else ""
        if reason == "too-many" and cap is not None:
            node, path = cap
            limit = node.max
            note(
                seg,
                rules.STRUCTURE_TOO_MANY,
                f"{_describe(node)} may occur at most {limit} time(s) in {path}; "
                f"{seg.location()} is one too many",
                seg.at(),
            )
        elif reason == "out-of-order":
            note(
                seg,
                rules.STRUCTURE_UNEXPECTED,
                f"{seg.location()} is out of order for {compiled.name}: not allowed{after}",
                seg.at(),
            )
        else:
            note(
                seg,
                rules.STRUCTURE_UNEXPECTED,
                f"segment {seg.id} is not part of {compiled.name} (HL7 {compiled.version})",
                seg.at(),
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
        note(
            anchor,
            rules.STRUCTURE_MISSING,
            f"required {_describe(node)} of {miss.path} is missing {where}",
            anchor.at(),
        )
    if not out:
        # The greedy walker accepted what the exact matcher refused: still say it is invalid.
        note(
            message.msh,
            rules.STRUCTURE_UNEXPECTED,
            f"segment order does not match {compiled.name} (HL7 {compiled.version})",
            message.msh.at(),
        )
    return tuple(out)
