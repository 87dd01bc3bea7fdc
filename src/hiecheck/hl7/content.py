"""Run a compiled requirement set over one message: content findings and content-group verdicts.

Rule ids (severity):

- ``content.required-missing`` (error): an R element, or the anchor segment of an R group, is absent
- ``content.re-missing`` (warning): an RE element of a present group is absent
- ``content.not-allowed`` (error): an X element is valued
- ``content.cardinality`` (error): too few or too many repetitions
- ``content.value-set`` (element's severity, default error): no listed component is in its value set
- ``content.units`` (element's severity): units are neither UCUM-coded nor a known UCUM code
- ``content.not-numeric`` (element's severity): a numeric value (NM / SN) is not a number
- ``content.not-covered`` (info): the requirement set does not cover this message type

An RE or O group whose anchor segment is not in the message is no finding: its verdict ``absent``
says so (an ADT message carries no lab results; only the run as a whole can show that a group
never comes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from hiecheck.hl7 import rules
from hiecheck.hl7.cache import PatternCompiler
from hiecheck.hl7.compiled import CheckMode
from hiecheck.hl7.content_regex import Acceptors, group_acceptors
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import Location, at_segment
from hiecheck.hl7.message import (
    DEFAULT_DELIMITERS,
    HL7_NULL,
    Message,
    Segment,
    _has_content,
    is_value,
    type_label,
)
from hiecheck.hl7.requirements import (
    CodeSet,
    CompiledElement,
    CompiledGroup,
    CompiledRequirements,
    in_code_set,
    parse_version,
)


class GroupStatus(StrEnum):
    """A content group's verdict for one message."""

    SATISFIED = "satisfied"  # anchor present, no error in the group
    INCOMPLETE = "incomplete"  # anchor present, some R element missing or invalid
    ABSENT = "absent"  # no anchor segment
    NOT_APPLICABLE = "not-applicable"  # the group does not apply to this message type / event


SATISFIED = GroupStatus.SATISFIED
INCOMPLETE = GroupStatus.INCOMPLETE
ABSENT = GroupStatus.ABSENT
NOT_APPLICABLE = GroupStatus.NOT_APPLICABLE

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_SN_COMPARATORS = frozenset({"", ">", "<", ">=", "<=", "=", "<>"})
_SN_SEPARATORS = frozenset({"", "-", "+", "/", ".", ":"})
_RULE_FOR_CHECK = {
    "value-set": rules.CONTENT_VALUE_SET,
    "units": rules.CONTENT_UNITS,
    "numeric": rules.CONTENT_NOT_NUMERIC,
}
_ERROR = Severity.ERROR


@dataclass(slots=True)
class GroupResult:
    """Whether one message carries a content group, and what is missing or invalid.

    ``status``: see :class:`GroupStatus`. ``missing`` and ``invalid`` hold the locations of
    missing and invalid elements (``PID[1]-7``); ``re_missing`` those of absent RE elements (not
    counted against the group).
    """

    status: GroupStatus
    missing: list[Location] = field(default_factory=list)
    invalid: list[Location] = field(default_factory=list)
    re_missing: list[Location] = field(default_factory=list)

    @property
    def satisfied(self) -> bool:
        return self.status == SATISFIED


# The verdicts with nothing listed, shared by every message (nothing mutates a returned result:
# only _run_group fills the lists, of results it creates itself).
_SATISFIED_RESULT = GroupResult(SATISFIED)
_NOT_APPLICABLE_RESULT = GroupResult(NOT_APPLICABLE)
_ABSENT_RESULT = GroupResult(ABSENT)
# Status -> the shared verdict with nothing listed (for results rebuilt from worker processes).
SHARED_RESULTS: dict[GroupStatus, GroupResult] = {
    r.status: r for r in (_SATISFIED_RESULT, _NOT_APPLICABLE_RESULT, _ABSENT_RESULT)
}


def is_numeric(value: str, component_sep: str) -> bool:
    """NM (a decimal) or SN (comparator^number^separator^number)."""
    value = value.strip()
    if _NUMBER.match(value):
        return True
    parts = value.split(component_sep)
    if len(parts) < 2 or len(parts) > 4:
        return False
    parts += [""] * (4 - len(parts))
    comp, num1, sep, num2 = parts
    return (
        comp in _SN_COMPARATORS and bool(_NUMBER.match(num1)) and sep in _SN_SEPARATORS
        and (not num2 or bool(_NUMBER.match(num2)))
        and (not sep or bool(num2))
    )


AnyOf = tuple[tuple[int, CodeSet, str], ...]


def _rep_matches(rep_text: str, comp_sep: str, any_of: AnyOf) -> bool:
    comps = rep_text.split(comp_sep)
    n = len(comps)
    for c, (codes, folded), _ in any_of:
        if c <= n:
            value = comps[c - 1].strip()
            if (value.upper() if folded else value) in codes:
                return True
    return False


def _matches(seg: Segment, number: int, any_of: AnyOf, rep: int) -> bool:
    reps = seg.repetitions(number)
    return rep <= len(reps) and _rep_matches(reps[rep - 1], seg.delimiters.component, any_of)


class Selector:
    """A group's ``select`` (or ``select_not``): which anchor segments belong to it, by the codes
    of one field. Equal selections of different groups share one selector (vital signs and lab
    results both choose OBX by OBX-3), so each segment is judged once per message; in FAST mode
    the outcome per field text is kept (feeds repeat the same OBX-3 codes), bounded."""

    __slots__ = ("any_of", "memo", "number")

    def __init__(self, number: int, any_of: AnyOf, remember: bool) -> None:
        self.number = number
        self.any_of = any_of
        self.memo: dict[tuple[str, str, str], bool] | None = {} if remember else None

    def selects(self, seg: Segment) -> bool:
        """Whether ``seg`` belongs to the group (any repetition of the field matches)."""
        value = seg.field(self.number)
        if not value:
            return False
        d = seg.delimiters
        memo = self.memo
        if memo is None:
            return any(_rep_matches(r, d.component, self.any_of) for r in value.split(d.repetition))
        key = (d.component, d.repetition, value)
        found = memo.get(key)
        if found is None:
            found = any(_rep_matches(r, d.component, self.any_of)
                        for r in value.split(d.repetition))
            if len(memo) >= SELECTIONS_KEPT:
                memo.clear()
            memo[key] = found
        return found


SELECTIONS_KEPT = 1 << 16  # field texts whose selection outcome a selector keeps


class _Run:
    """Collects findings and group results for one message."""

    __slots__ = ("findings", "message")

    def __init__(self, message: Message) -> None:
        self.message = message
        self.findings: list[Finding] = []

    def add(
        self, rule: rules.Rule, text: str, line: int, where: Location,
        value: str | None = None, group: str | None = None, severity: Severity | None = None,
    ) -> None:
        m = self.message
        self.findings.append(
            rule.finding(text, m.source, line, m.number, where, value, group, severity)
        )


def _valued(seg: Segment, number: int, component: int | None) -> bool:
    """Fast presence test on the raw field text (same meaning as Segment.is_valued)."""
    fields = seg.fields
    value = fields[number] if number < len(fields) else ""
    if not value or value == HL7_NULL:
        return False
    if seg.id == "MSH" and number <= 2:
        return seg.is_valued(number, component)
    d = seg.delimiters
    if component is None:
        return _has_content(value, d)
    comp_sep = d.component
    reps = value.split(d.repetition) if d.repetition in value else (value,)
    for rep in reps:
        if comp_sep in rep:
            comps = rep.split(comp_sep)
            if component <= len(comps) and is_value(comps[component - 1]):
                return True
        elif component == 1 and is_value(rep):
            return True
    return False


def _check_element(
    run: _Run, el: CompiledElement, seg: Segment, result: GroupResult, group: CompiledGroup
) -> None:
    if el.when is not None and not in_code_set(seg.component(el.when[0], 1), el.when[1]):
        return
    number = el.field
    if _valued(seg, number, el.component):
        if el.fast_ok and el.check == "presence":
            return  # valued, nothing more to check
    else:
        if el.field_required and not _valued(seg, number, None):
            return  # the whole field is reported missing by its own element
        where = seg.at(number, el.component)
        if el.usage == "R":
            run.add(rules.CONTENT_REQUIRED,
                    f"{el.label} is required ({group.id}) but not valued", seg.line, where,
                    group=group.id)
            result.missing.append(where)
        elif el.usage == "RE":
            run.add(rules.CONTENT_RE_MISSING,
                    f"{el.label} is required if available ({group.id}) but not valued",
                    seg.line, where, group=group.id)
            result.re_missing.append(where)
        return
    if el.usage == "X":
        where = seg.at(number, el.component)
        run.add(rules.CONTENT_NOT_ALLOWED, f"{el.label} must not be valued ({group.id})",
                seg.line, where, seg.field(number), group.id)
        result.invalid.append(where)
        return
    reps = seg.repetitions(number)
    if el.min_reps or el.max_reps is not None:
        count = sum(1 for r in reps if is_value(r))
        if count < el.min_reps or (el.max_reps is not None and count > el.max_reps):
            hi = "*" if el.max_reps is None else el.max_reps
            run.add(rules.CONTENT_CARDINALITY,
                    f"{el.label} has {count} repetition(s), expected {el.min_reps}..{hi}",
                    seg.line, seg.at(number), group=group.id)
            result.invalid.append(seg.at(number))
    check = el.check
    if check == "presence":
        return
    sep = seg.delimiters.component
    for rep in range(1, len(reps) + 1):
        if not is_value(reps[rep - 1]):
            continue
        if check == "numeric":
            value = reps[rep - 1] if el.component is None else seg.component(
                number, el.component, rep)
            if is_numeric(value, sep):
                continue
            text = f"{el.label} is not a number"
        else:
            if _matches(seg, number, el.any_of, rep):
                continue
            value = reps[rep - 1]
            wanted = " or ".join(f"{el.segment}-{number}.{c} in {name}" for c, _, name in el.any_of)
            text = (
                f"{el.label} units are not UCUM (expected {wanted})" if check == "units"
                else f"{el.label} is not in its value set (expected {wanted})"
            )
        loc = seg.at(number, el.component, rep)
        run.add(_RULE_FOR_CHECK[check], f"{text} ({group.id})", seg.line, loc, value, group.id,
                el.severity)
        if el.severity is _ERROR:
            result.invalid.append(loc)


def _absent_segment(
    run: _Run, el: CompiledElement, result: GroupResult, group: CompiledGroup
) -> None:
    where = at_segment(el.segment, 1)
    line = run.message.line
    if el.usage == "R":
        run.add(rules.CONTENT_REQUIRED,
                f"{el.segment} segment absent; {el.label} is required ({group.id})", line, where,
                group=group.id)
        result.missing.append(where)
    elif el.usage == "RE":
        run.add(rules.CONTENT_RE_MISSING,
                f"{el.segment} segment absent; {el.label} is required if available ({group.id})",
                line, where, group=group.id)
        result.re_missing.append(where)


# What an absent anchor means for a group: (rule, text, group id) of its finding (None for usage RE
# and O), the location, and the verdict to share (None: usage R, whose ``missing`` is built anew).
AbsentOutcome = tuple[tuple[rules.Rule, str, str] | None, Location, "GroupResult | None"]


def _absent_outcome(group: CompiledGroup) -> AbsentOutcome:
    where = at_segment(group.anchor, 1)
    if group.usage == "R":
        return ((rules.CONTENT_REQUIRED,
                 f"no {group.anchor} segment: {group.title} ({group.id}) is required", group.id),
                where, None)
    return None, where, _ABSENT_RESULT


def _absent(run: _Run, outcome: AbsentOutcome) -> GroupResult:
    """The group's anchor segment is not in the message."""
    finding, where, shared = outcome
    if finding is not None:
        run.add(finding[0], finding[1], run.message.line, where, group=finding[2])
    return shared if shared is not None else GroupResult(ABSENT, missing=[where])


def _run_group(
    run: _Run, group: CompiledGroup, elements: tuple[CompiledElement, ...],
    index: dict[str, list[Segment]], anchors: list[Segment], fast: bool,
) -> GroupResult:
    """Every element of a group whose anchor segments are ``anchors`` (not empty). ``fast``: the
    common case (one repetition, no control character) is decided inline."""
    result = GroupResult(SATISFIED)
    d = anchors[0].delimiters
    rep_sep, comp_sep = d.repetition, d.component
    empty_chars = comp_sep + rep_sep + d.subcomponent + " "
    anchor = group.anchor
    for el in elements:
        segs = anchors if el.segment == anchor else index.get(el.segment)
        if not segs:
            _absent_segment(run, el, result, group)
            continue
        number, comp, inline, when, check = (
            el.field, el.component, fast and el.fast_ok, el.when, el.check
        )
        for seg in segs:
            if inline:
                # Inline checks for the common case (one repetition); the rest takes the full path.
                fields = seg.fields
                if when is not None:
                    w = fields[when[0]] if when[0] < len(fields) else ""
                    # first component of the first repetition, as Segment.component reads it
                    if not in_code_set(w.split(rep_sep, 1)[0].split(comp_sep, 1)[0], when[1]):
                        continue  # the element does not apply to this segment
                value = fields[number] if number < len(fields) else ""
                if value and value != HL7_NULL and rep_sep not in value:
                    if comp is None:
                        valued = bool(value.strip(empty_chars))
                    else:
                        parts = value.split(comp_sep)
                        valued = comp <= len(parts) and is_value(parts[comp - 1])
                    if valued and (
                        check == "presence"
                        or (check != "numeric" and _rep_matches(value, comp_sep, el.any_of))
                        or (check == "numeric" and comp is None and is_numeric(value, comp_sep))
                    ):
                        continue
            _check_element(run, el, seg, result, group)
    if result.missing or result.invalid:
        result.status = INCOMPLETE
    return result


class Step(NamedTuple):
    """One content group as planned for a message type, event and version."""

    group: CompiledGroup
    applies: bool
    elements: tuple[CompiledElement, ...]  # those that apply
    acceptors: Acceptors | None  # FAST mode: the expressions that accept a clean group
    absent: AbsentOutcome  # what an absent anchor means
    select: Selector | None
    select_not: Selector | None


STEPS_KEPT = 1024  # (type, event, version) plans kept per compiled set (a feed uses a handful)


class CompiledContent:
    """A requirement set compiled for checking, built once per set and passed in.

    Per (MSH-9.1, MSH-9.2, MSH-12) it plans the groups to run (:class:`Step`): the elements that
    apply and, in FAST mode, the expressions of :mod:`hiecheck.hl7.content_regex` that accept a
    group with nothing to report. REFERENCE mode walks every element of every group.
    ``patterns`` compiles those expressions (see :class:`hiecheck.hl7.cache.PatternCache`).
    """

    def __init__(
        self,
        requirements: CompiledRequirements,
        mode: CheckMode = CheckMode.FAST,
        patterns: PatternCompiler = re.compile,
    ) -> None:
        self.requirements = requirements
        self.mode = mode
        self.patterns = patterns
        self.fast = mode is CheckMode.FAST
        self._steps: dict[tuple[str, str, str], tuple[Step, ...]] = {}
        self._acceptors: dict[tuple[CompiledElement, ...], Acceptors | None] = {}
        self._selectors: dict[tuple[int, AnyOf], Selector] = {}

    def steps(self, code: str, event: str, version: str) -> tuple[Step, ...]:
        """The plan for a message of this type, event and MSH-12 (text as written)."""
        key = (code, event, version)
        found = self._steps.get(key)
        if found is None:
            found = self._plan(code, event, parse_version(version))
            if len(self._steps) < STEPS_KEPT:
                self._steps[key] = found
        return found

    def _plan(self, code: str, event: str, version: tuple[int, ...]) -> tuple[Step, ...]:
        out = []
        for group in self.requirements.groups:
            applies = group.applies(code, event)
            elements = tuple(e for e in group.elements if e.applies(code, event, version))
            out.append(Step(
                group, applies, elements,
                self._acceptors_of(elements) if applies and self.fast else None,
                _absent_outcome(group), self._selector(group.select),
                self._selector(group.select_not),
            ))
        return tuple(out)

    def _acceptors_of(self, elements: tuple[CompiledElement, ...]) -> Acceptors | None:
        try:
            return self._acceptors[elements]
        except KeyError:
            found = self._acceptors[elements] = group_acceptors(elements, self.patterns)
            return found

    def _selector(self, select: tuple[int, AnyOf] | None) -> Selector | None:
        if select is None:
            return None
        found = self._selectors.get(select)
        if found is None:
            found = self._selectors[select] = Selector(*select, remember=self.fast)
        return found

    def __getstate__(self) -> tuple[CompiledRequirements, CheckMode, PatternCompiler]:
        return self.requirements, self.mode, self.patterns  # plans are rebuilt where used

    def __setstate__(self, state: tuple[CompiledRequirements, CheckMode, PatternCompiler]) -> None:
        self.__init__(*state)  # type: ignore[misc]


_MSH_9 = at_segment("MSH", 1, 9)


def check_content(
    message: Message, requirements: CompiledContent | CompiledRequirements
) -> tuple[list[Finding], dict[str, GroupResult]]:
    """Findings of a requirement set on ``message`` and a verdict per content group.

    ``requirements``: the compiled set (a bare :class:`CompiledRequirements` is compiled for
    this one call)."""
    content = (
        requirements if isinstance(requirements, CompiledContent)
        else CompiledContent(requirements)
    )
    return content_findings(message, content)


def content_findings(
    message: Message, content: CompiledContent
) -> tuple[list[Finding], dict[str, GroupResult]]:
    """:func:`check_content` with the set compiled."""
    run = _Run(message)
    return run.findings, _groups(message, content, run)


def _groups(message: Message, content: CompiledContent, run: _Run) -> dict[str, GroupResult]:
    """The group verdicts of ``message``; its findings go to ``run``."""
    requirements = content.requirements
    code = message.message_code
    if code not in requirements.message_types:
        run.add(rules.CONTENT_NOT_COVERED,
                f"requirement set {requirements.id} does not cover {type_label(code)} messages",
                message.line, _MSH_9)
        return {g.id: _NOT_APPLICABLE_RESULT for g in requirements.groups}
    index = message.index
    groups: dict[str, GroupResult] = {}
    steps = content.steps(code, message.trigger_event, message.version)
    # Fast paths only for what the compiled expressions read as the walk does: default
    # delimiters and no control character (which is never a value).
    fast = content.fast and not message.has_controls
    plain = DEFAULT_DELIMITERS
    # Selections of this message: (selector, anchor id) -> the anchors chosen, the others.
    picked: dict[tuple[Selector, str], tuple[list[Segment], list[Segment]]] = {}
    for group, applies, elements, acceptors, absent, select, select_not in steps:
        gid = group.id
        if not applies:
            groups[gid] = _NOT_APPLICABLE_RESULT
            continue
        anchor = group.anchor
        anchors = index.get(anchor)
        if anchors and (select is not None or select_not is not None):
            anchors = _pick(anchor, anchors, select, select_not, picked)
        if not anchors:
            groups[gid] = _absent(run, absent)
            continue
        if fast and acceptors is not None:
            # Every segment the group touches passes its expression: nothing to report.
            ok = True
            for seg_id, pattern, no_tilde in acceptors:
                segs = anchors if seg_id == anchor else index.get(seg_id)
                if not segs:
                    ok = False
                    break
                for seg in segs:
                    text = seg.text
                    if (
                        not text or seg.delimiters is not plain
                        or (no_tilde if "~" not in text else pattern).match(text, 3) is None
                    ):
                        ok = False
                        break
                if not ok:
                    break
            if ok:
                groups[gid] = _SATISFIED_RESULT
                continue
        groups[gid] = _run_group(run, group, elements, index, anchors, fast)
    return groups


def _pick(
    anchor: str, anchors: list[Segment], select: Selector | None, select_not: Selector | None,
    picked: dict[tuple[Selector, str], tuple[list[Segment], list[Segment]]],
) -> list[Segment]:
    """The anchors a group's selections keep; each selector judges each anchor once per message
    (groups that select the same segments, or exclude them, share the outcome)."""
    out = anchors
    for sel, keep in ((select, True), (select_not, False)):
        if sel is None:
            continue
        key = (sel, anchor)
        split = picked.get(key)
        if split is None:
            chosen: list[Segment] = []
            other: list[Segment] = []
            for seg in anchors:
                (chosen if sel.selects(seg) else other).append(seg)
            split = picked[key] = (chosen, other)
        part = split[0] if keep else split[1]
        out = part if out is anchors else [seg for seg in out if seg in part]
    return out


def content_groups(
    message: Message, requirements: CompiledContent | CompiledRequirements
) -> dict[str, GroupResult]:
    """Content-group verdicts of one message (group id → :class:`GroupResult`)."""
    return check_content(message, requirements)[1]
