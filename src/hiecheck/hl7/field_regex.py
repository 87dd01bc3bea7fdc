"""One regular expression per (version, segment) that accepts a segment with no field finding.

The field checks of :mod:`hiecheck.hl7.fields` (required, repetitions, lengths, datatype formats,
HL7 tables, undefined fields) walk a segment field by field in Python. Most segments of a real feed
pass all of them, so :func:`clean_segment_pattern` compiles the same checks into one regular
expression over the segment line (default delimiters ``|^~\\&`` only): when it ``fullmatch``es,
the segment has no field finding and the Python walk is skipped; when it does not, the walk runs and
names every problem. The expression is never more lenient than the walk (it may be stricter: a
field longer than its limit in total but not per repetition, or a component check the walk skips
for lack of separators, sends the segment to the walk, which then finds nothing).

Each field is ``(?=check)…shape``: a shape that consumes exactly a valid field, lookaheads for
the other checks. Fields nest ``(?:\\|F1(?:\\|F2…)?+)?+`` so a field number is reached only through
the previous ones; the nesting is mandatory up to the last required field. Every
component and field ends at a delimiter and repeated parts are possessive, so no check can slide
onto another part by backtracking.
"""

from __future__ import annotations

import re

from hiecheck.hl7 import datatypes
from hiecheck.hl7.reference import GAP, FieldCheck, Parts, SegmentSpec

_END = r"(?![^|])"  # at the end of the field
_EMPTY_ONLY = r"[\^~& ]*"  # what FIELD.strip("^~& ") reduces to nothing
_REQUIRED = r"(?=[^|]*[^|\^~& ])"  # some character that is not a separator or a space
_REP_END = r"(?![^|~])"  # at the end of a repetition
_COMP_CHAR = r"[^|\^~]"
_SUB_CHAR = r"[^|\^~&]"
_COMP_END = r"(?![^|\^~])"  # at the end of a component
_BLANK_PART = r"[ &]*+"  # a component the walk reads as not valued (spaces, '&')


def _primitive(dt: str) -> str:
    """A primitive's pattern, its optional parts possessive (they are fixed-width or start with a
    distinct character, so giving back never helps: possessive only saves the engine's work)."""
    return f'(?:{datatypes.PATTERNS[dt].pattern.replace(")?", ")?+")}|"")'


def _reps(rep: str, single: bool) -> str:
    """``rep`` for every repetition of the field (only one when it may not repeat)."""
    return rep if single else f"{rep}(?:~{rep})*+"


def _subs(limit: int) -> str:
    """Sub-components after the first: at most ``limit - 1`` of them (any number for 0)."""
    if limit == 0:
        return f"(?:&{_COMP_CHAR}*+)?+"
    if limit == 1:
        return ""
    return f"(?:&{_SUB_CHAR}*+){{0,{limit - 1}}}+"


def _component(limit: int, dt: str | None) -> str:
    """One component with at most ``limit`` sub-components (0: any), the first one of format
    ``dt`` when given. A pattern that stops early (a sub-component too many) stops before an
    '&' that no other part of the expression can consume, so the segment is not accepted."""
    if dt is None:
        first = f"{_COMP_CHAR}*+" if limit == 0 else f"{_SUB_CHAR}*+"
        return first + _subs(limit)
    return f"{_primitive(dt)}?+{_subs(limit)}{_COMP_END}"


def _components(parts: Parts | None, components: tuple[tuple[int, str], ...]) -> str:
    """One repetition: at most the components ``parts`` defines (any when None), each with at
    most its sub-components, the listed components valid (text before any '&').

    Components nest, ``C1(?:\\^C2(?:\\^C3…)?+)?+``: a component is reached only through the
    previous ones, so a check never applies to another component, and matching stops at the
    first component that is absent (the cost is the components written, not the ones defined).
    After the last defined component nothing may follow: an extra '^' ends the match before the
    end of the field, and the segment goes to the walk.
    """
    checked = dict(components)
    if parts is None:
        count = max(checked, default=1)
        inner = f"(?:\\^{_COMP_CHAR}*+)*+"  # components after the last checked one: any
        limits: tuple[int, ...] = (0,) * count
        gaps: tuple[int, ...] = ()
    else:
        count = parts.count
        inner = ""
        limits = parts.subcomponents
        gaps = parts.gaps
    for comp in range(count, 0, -1):
        text = _BLANK_PART if comp in gaps else _component(limits[comp - 1], checked.get(comp))
        inner = f"{text}{inner}" if comp == 1 else f"(?:\\^{text}{inner})?+"
    return inner


def _codes(codes: frozenset[str]) -> str:
    """An ID field's value: one of the codes or empty, nothing after it (an ID is primitive)."""
    usable = sorted((c for c in codes if not set(c) & set("|^~&")), key=lambda c: (-len(c), c))
    alternation = "|".join(re.escape(c) for c in usable)
    first = f'(?:{alternation}|"")?' if usable else '(?:"")?'
    return f"{first}{_REP_END}"


def _field(check: FieldCheck | str | None, required: bool) -> str:
    """Consumes one field's text when it passes every check (lookaheads for the extra ones)."""
    head = _REQUIRED if required else ""
    if check is GAP:
        return head + _EMPTY_ONLY
    if not isinstance(check, FieldCheck):
        return head + "[^|]*"
    single = check.single
    parts = check.parts
    shapes: list[str] = []  # whole-field shapes, each exactly the field when it passes
    if check.whole is not None:  # a primitive format never matches '^' or '&'
        shapes.append(_reps(f"{_primitive(check.whole)}?+{_REP_END}", single))
    elif check.components or (parts is not None and not parts.primitive):
        shapes.append(_reps(_components(parts, check.components), single))
    if check.codes is not None:
        shapes.append(_reps(_codes(check.codes), single))
    char = "[^|~]" if single else "[^|]"
    limit = f"{{0,{check.max_length}}}" if check.max_length else "*"
    if not shapes and parts is not None:  # primitive: no '^', no '&'; the limit in one class
        return f"{head}{_SUB_CHAR if single else '[^|^&]'}{limit}+"
    if not shapes:
        return f"{head}{char}{limit}"
    lookaheads = [f"(?={shape}{_END})" for shape in shapes[1:]]
    if check.max_length:
        lookaheads.append(f"(?={char}{limit}{_END})")
    checked = "".join(lookaheads) + shapes[0]
    return head + checked


def clean_segment_pattern(spec: SegmentSpec) -> re.Pattern[str]:
    """The expression for ``spec``: match it from position 3 of the segment line.

    For MSH, position 3 holds MSH-1 (the separator) and MSH-2 follows; neither is checked here.
    """
    msh = spec.id == "MSH"
    required = {f.number for f in spec.required}
    last_required = max(required, default=0)
    inner = f"(?:\\|{_EMPTY_ONLY})*+"  # fields past the last defined one must be empty
    for n in range(spec.field_count, 2 if msh else 0, -1):
        body = f"\\|{_field(spec.checks[n], n in required)}{inner}"
        inner = f"(?:{body})" if n <= last_required else f"(?:{body})?+"
    return re.compile(f"\\|[^|]*{inner}" if msh else inner)


def suffix_pattern(spec: SegmentSpec, first: int) -> re.Pattern[str]:
    """Fields ``first``, ``first + 1`` … of ``spec``, each optional and without the required
    check: ``match`` from the '|' that starts field ``first`` goes as far as the fields pass
    their own checks (fields past the defined ones must be empty), so where it stops is the
    field to check in Python."""
    inner = f"(?:\\|{_EMPTY_ONLY})*+"
    for n in range(spec.field_count, first - 1, -1):
        inner = f"(?:\\|{_field(spec.checks[n], False)}{inner})?+"
    return re.compile(inner)
