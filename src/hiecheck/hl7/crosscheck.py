"""``validate --cross-check hl7apy``: hl7apy STRICT's verdict on every message beside hiecheck's,
and which known, named difference explains a disagreement.

hl7apy parses and validates each message (``parse_message(..., validation_level=STRICT,
find_groups=True)`` then ``validate()``), guarded per message: whatever it raises is its verdict
"invalid", named by the exception's class only (its text may quote patient values). That runs
where the message is checked (:data:`hiecheck.hl7.validate.Extract`, worker processes included)
and is slow by design (hl7apy checks about 17 messages/s per core).

hiecheck's side of the comparison is its error findings of the kinds hl7apy checks (``msh.*``,
``structure.*``, ``segment.*``, ``field.*``); content, timing and reading findings are not
hl7apy's business. When the two verdicts differ, one finding on the message's MSH says so:
``crosscheck.explained`` (info) naming the differences of :data:`KNOWN_DIFFERENCES` that account
for it (the differential tests' knowledge: tests/hl7/test_differential*.py), or
``crosscheck.unexplained`` (warning) when none does.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hiecheck.hl7 import reference, rules
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import at_segment
from hiecheck.hl7.message import Message
from hiecheck.hl7.validate import Event, MessageResult

CROSS_CHECKERS = ("hl7apy",)

# Every difference between hl7apy STRICT and hiecheck the differential tests know, named.
KNOWN_DIFFERENCES: dict[str, str] = {
    "tables-not-checked": "hl7apy does not check coded values against its own tables (PV1-2 "
    "99 passes); hiecheck reports field.not-in-table (ID) and strict field.not-in-user-table.",
    "order-not-checked": "hl7apy (find_groups) places segments into groups but never checks their "
    "order, and drops a segment of the version that is not part of the structure; hiecheck "
    "reports structure.unexpected-segment / structure.too-many.",
    "unknown-segment-dropped": "hl7apy silently drops unknown and malformed segment ids (XYZ, "
    "PIDX, PV); hiecheck reports segment.unknown / segment.invalid-id.",
    "truncation-character-not-versioned": "hl7apy accepts a five-character MSH-2 in any version; "
    "the truncation character exists only from 2.7 (msh.truncation-character-before-2.7).",
    "control-characters-not-checked": "hl7apy keeps NUL and other control bytes inside values; "
    "hiecheck reports field.control-character.",
    "version-without-reference-data": "hl7apy raises on a version it has no data for (2.9); "
    "hiecheck says the version is not checked (msh.version-not-checked, a warning).",
    "length-is-a-warning": "hl7apy STRICT rejects a value longer than its datatype's maximum "
    "length; hiecheck reports field.too-long as a warning (receivers may truncate).",
    "extra-components-are-warnings": "hl7apy rejects components and sub-components past the "
    "datatype's definition; HL7 says receivers ignore them, so hiecheck warns "
    "(field.component-not-in-version / field.subcomponent-not-in-version).",
    "unvalued-extra-part": "hl7apy counts empty components of a primitive field and empty "
    "sub-components ('F^', 'A&'); trailing separators carry nothing, hiecheck reports only valued "
    "parts past the definition.",
    "conditional-field": "hl7apy marks OBX-2 and OBX-4 required; HL7 v2.x chapter 7 makes them "
    "conditional.",
    "tn-format-not-checked": "hl7apy checks the TN format of XTN.1 / TN fields, free text in "
    "practice; hiecheck checks the NM, SI, DT, TM, DTM and TS formats.",
    "nested-repeat-not-reopened": "hl7apy's grouping does not start a new occurrence of an "
    "enclosing repeating group (a second PID in ORU_R01) and raises MaxChildLimitReached.",
    "z-segment-breaks-grouping": "hl7apy drops a Z-segment and restarts group matching, so "
    "segments after it land in new, incomplete groups; Z-segments may appear anywhere.",
    "structure-not-inferred": "without MSH-9.3 hl7apy builds an unnamed message and STRICT "
    "raises; hiecheck infers the structure from the event (msh.structure-inferred).",
}

_CHECKED_PREFIXES = ("msh.", "structure.", "segment.", "field.")
# hiecheck error rules hl7apy does not check, and the difference that says so.
_OUR_ERRORS: dict[str, str] = {
    rules.FIELD_NOT_IN_TABLE.id: "tables-not-checked",
    rules.FIELD_NOT_IN_USER_TABLE.id: "tables-not-checked",
    rules.STRUCTURE_UNEXPECTED.id: "order-not-checked",
    rules.STRUCTURE_TOO_MANY.id: "order-not-checked",
    rules.SEGMENT_UNKNOWN.id: "unknown-segment-dropped",
    rules.SEGMENT_INVALID_ID.id: "unknown-segment-dropped",
    rules.MSH_TRUNCATION_BEFORE_27.id: "truncation-character-not-versioned",
    rules.FIELD_CONTROL_CHARACTER.id: "control-characters-not-checked",
}
# hiecheck warnings and infos whose presence explains an hl7apy rejection.
_OUR_LENIENCIES: dict[str, str] = {
    rules.MSH_VERSION_NOT_CHECKED.id: "version-without-reference-data",
    rules.MSH_STRUCTURE_INFERRED.id: "structure-not-inferred",
    rules.FIELD_TOO_LONG.id: "length-is-a-warning",
    rules.FIELD_COMPONENT_NOT_IN_VERSION.id: "extra-components-are-warnings",
    rules.FIELD_SUBCOMPONENT_NOT_IN_VERSION.id: "extra-components-are-warnings",
    rules.SEGMENT_Z.id: "z-segment-breaks-grouping",
}
_CONDITIONAL = re.compile(r"OBX_[24]\b")
_TN = re.compile(r"\bTN\b")
_GROUP_LIMIT = re.compile(r"Cannot add <Group")
_EXTRA_PART = frozenset({"MaxChildLimitReached", "ChildNotValid"})


@dataclass(frozen=True, slots=True)
class Hl7apyVerdict:
    """hl7apy STRICT on one message: valid, or the class of what it raised and the known
    difference its text points to (hl7apy's text itself is never kept: it may quote values)."""

    valid: bool
    raised: str = ""
    hint: str = ""


def hl7apy_verdict(message: Message) -> Hl7apyVerdict:
    """Parse and validate ``message`` with hl7apy STRICT (an :data:`Extract`: module level and
    picklable). Never raises."""
    text = "\r".join([t for _, t in message.raw.lines])
    try:
        # Imported here: only --cross-check pays for hl7apy's parser.
        from hl7apy.consts import VALIDATION_LEVEL  # type: ignore[import-untyped]
        from hl7apy.parser import parse_message  # type: ignore[import-untyped]

        # hl7apy prints some warnings itself; they are not this report's.
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            parsed = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT,
                                   find_groups=True)
            parsed.validate()
    except Exception as exc:
        return Hl7apyVerdict(False, type(exc).__name__, _hint(exc))
    return Hl7apyVerdict(True)


def _hint(exc: Exception) -> str:
    """The known difference hl7apy's own error text points to ('' when none)."""
    detail = str(exc)
    name = type(exc).__name__
    if name == "UnsupportedVersion":
        return "version-without-reference-data"
    if _GROUP_LIMIT.search(detail):
        return "nested-repeat-not-reopened"
    if _CONDITIONAL.search(detail):
        return "conditional-field"
    if _TN.search(detail):
        return "tn-format-not-checked"
    return ""


@dataclass(frozen=True, slots=True)
class Comparison:
    """hiecheck's and hl7apy's verdicts on one message and what explains a difference."""

    ours_valid: bool
    theirs: Hl7apyVerdict
    explained_by: tuple[str, ...]  # names of KNOWN_DIFFERENCES; () = unexplained

    @property
    def differs(self) -> bool:
        return self.ours_valid != self.theirs.valid


def compare(findings: list[Finding], theirs: Hl7apyVerdict, version: str) -> Comparison:
    """Compare hl7apy's verdict with hiecheck's findings (of the kinds hl7apy checks)."""
    errors = {f.rule for f in findings
              if f.severity is Severity.ERROR and f.rule.startswith(_CHECKED_PREFIXES)}
    ours_valid = not errors
    if ours_valid == theirs.valid:
        return Comparison(ours_valid, theirs, ())
    if not ours_valid:  # we reject, hl7apy accepts: each of our errors must be one it skips
        found_names = [_OUR_ERRORS.get(r) for r in sorted(errors)]
        known = [n for n in found_names if n is not None]
        explained = tuple(dict.fromkeys(known)) if len(known) == len(found_names) else ()
        return Comparison(ours_valid, theirs, explained)
    found = {f.rule for f in findings}
    names = [theirs.hint] if theirs.hint else []
    names += [n for r, n in _OUR_LENIENCIES.items() if r in found]
    if not names and not reference.is_supported(version):
        names.append("version-without-reference-data")
    if not names and theirs.raised in _EXTRA_PART:
        names.append("unvalued-extra-part")
    return Comparison(ours_valid, theirs, tuple(dict.fromkeys(names)))


def comparison_finding(result: MessageResult, comparison: Comparison) -> Finding:
    """The ``crosscheck.*`` finding of a message whose two verdicts differ (on its MSH)."""
    theirs = comparison.theirs
    hl7apy = "accepts" if theirs.valid else f"rejects ({theirs.raised})"
    ours = "accepts" if comparison.ours_valid else "rejects"
    head = f"hl7apy STRICT {hl7apy} the message, hiecheck {ours} it"
    where = at_segment("MSH", 1)
    if comparison.explained_by:
        return rules.CROSSCHECK_EXPLAINED.finding(
            f"{head}: known difference {', '.join(comparison.explained_by)} "
            "(`hiecheck rules crosscheck.explained` lists them)",
            result.source, result.line, result.number, where)
    return rules.CROSSCHECK_UNEXPLAINED.finding(
        f"{head}: no known difference explains it", result.source, result.line, result.number,
        where)


def cross_checked(events: Iterable[Event]) -> Iterator[Event]:
    """The events with a ``crosscheck.*`` finding added to each message whose verdicts differ
    (the messages were checked with :func:`hl7apy_verdict` as their extract)."""
    for event in events:
        if isinstance(event, MessageResult) and isinstance(event.extracted, Hl7apyVerdict):
            comparison = compare(event.findings, event.extracted, event.version)
            if comparison.differs:
                event.findings.append(comparison_finding(event, comparison))
            event.extracted = None
        yield event


def differences_text() -> str:
    """The named differences, one per line (for the rule's explanation and the README)."""
    return "\n".join(f"- {name}: {text}" for name, text in KNOWN_DIFFERENCES.items())
