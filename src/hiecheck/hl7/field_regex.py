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
from hiecheck.hl7.reference import GAP, FieldCheck, SegmentSpec

_END = r"(?![^|])"  # at the end of the field
_EMPTY_ONLY = r"[\^~& ]*"  # what FIELD.strip("^~& ") reduces to nothing
_REQUIRED = r"(?=[^|]*[^|\^~& ])"  # some character that is not a separator or a space
_REP_CHAR = r"[^|~]"
_COMP_CHAR = r"[^|\^~]"
_COMP_END = r"(?![^|\^~])"  # at the end of a component


def _primitive(dt: str) -> str:
    """A primitive's pattern, its optional parts possessive (they are fixed-width or start with a
    distinct character, so giving back never helps: possessive only saves the engine's work)."""
    return f'(?:{datatypes.PATTERNS[dt].pattern.replace(")?", ")?+")}|"")'


def _reps(rep: str, single: bool) -> str:
    """``rep`` for every repetition of the field (only one when it may not repeat)."""
    return rep if single else f"{rep}(?:~{rep})*+"


def _components(components: tuple[tuple[int, str], ...]) -> str:
    """One repetition whose listed components are valid (text before any '&').

    Runs of unchecked components are matched possessively (``(?:\\^X){0,k}+``): they take every
    component they can, so a check can never slide onto another component by backtracking.
    """
    checked = dict(components)
    plain = f"{_COMP_CHAR}*+"
    inner = f"(?:\\^{_REP_CHAR}*+)?+"  # components after the last checked one
    comp = max(checked)
    while comp >= 1:
        dt = checked.get(comp)
        if dt is not None:
            text = f"{_primitive(dt)}?+(?:&{_COMP_CHAR}*+)?+{_COMP_END}"
            inner = f"{text}{inner}" if comp == 1 else f"(?:\\^{text}{inner})?+"
            comp -= 1
            continue
        low = comp
        while low > 1 and (low - 1) not in checked:
            low -= 1
        if low == 1:
            inner = f"{plain}(?:\\^{plain}){{0,{comp - 1}}}+{inner}"
        else:
            inner = f"(?:\\^{plain}){{0,{comp - low + 1}}}+{inner}"
        comp = low - 1
    return inner


def _codes(codes: frozenset[str]) -> str:
    usable = sorted((c for c in codes if not set(c) & set("|^~")), key=lambda c: (-len(c), c))
    alternation = "|".join(re.escape(c) for c in usable)
    first = f'(?:{alternation}|"")?' if usable else '(?:"")?'
    return f"{first}{_COMP_END}(?:\\^{_REP_CHAR}*+)?+"


def _field(check: FieldCheck | str | None, required: bool) -> str:
    """Consumes one field's text when it passes every check (lookaheads for the extra ones)."""
    head = _REQUIRED if required else ""
    if check is GAP:
        return head + _EMPTY_ONLY
    if not isinstance(check, FieldCheck):
        return head + "[^|]*"
    single = check.single
    shapes: list[str] = []  # whole-field shapes, each exactly the field when it passes
    if check.whole is not None:
        shapes.append(_reps(f"{_primitive(check.whole)}?+(?![^|~])", single))
    elif check.components:
        shapes.append(_reps(_components(check.components), single))
    if check.codes is not None:
        shapes.append(_reps(_codes(check.codes), single))
    char = _REP_CHAR if single else "[^|]"
    limit = f"{{0,{check.max_length}}}" if check.max_length else "*"
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
