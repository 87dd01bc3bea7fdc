"""Per content group, one expression per segment id that accepts a segment with nothing to report.

:func:`hiecheck.hl7.content.check_content` walks every element of a group over every segment it
applies to. In a conforming feed every element passes, so :func:`group_acceptors` compiles the
elements of one group (as planned for one message type, event and version) into one expression per
segment id: zero-width lookaheads, one per element, each reaching its field by counting separators
from position 3 of the segment line (default delimiters ``|^~\\&`` only). When every segment the
group touches matches, the group is satisfied with no finding and the walk is skipped; otherwise
the walk runs as before. The expressions are never more lenient than the walk: they demand exact
codes (no surrounding spaces, no case folding), a valued first repetition, the ``when`` condition
true; an element they cannot express (usage X, a cardinality one valued repetition does not meet,
a numeric component) disables the shortcut for the group.
"""

from __future__ import annotations

import re

from hiecheck.hl7.cache import PatternCompiler
from hiecheck.hl7.regex_variants import without_repetition
from hiecheck.hl7.requirements import CodeSet, CompiledElement

_NOT_NULL = r'(?!""(?![^|~\^]))'  # the component is not the HL7 null ""
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_DELIMS = frozenset("|^~&\\")

# (segment id, expression, the same expression for a segment with no "~": faster, see
# hiecheck.hl7.regex_variants)
Acceptors = tuple[tuple[str, "re.Pattern[str]", "re.Pattern[str]"], ...]


def _position(seg_id: str, number: int) -> int | None:
    """Separators before field ``number`` from position 3 (MSH-1 is the separator itself)."""
    if seg_id == "MSH":
        return number - 2 if number >= 3 else None
    return number - 1 if number >= 1 else None


def _codes(code_set: CodeSet) -> str | None:
    # Longest first (an alternation takes the first that matches); ties by text, so that the
    # expression is the same in every run (its on-disk cache entry is found again).
    codes = sorted(
        (c for c in code_set[0] if c and not set(c) & _DELIMS), key=lambda c: (-len(c), c)
    )
    if not codes:
        return None
    return "(?:" + "|".join(re.escape(c) for c in codes) + ")"


def _component(component: int) -> str:
    """From the start of a field to the start of ``component`` of its first repetition."""
    return f"(?:[^|~\\^]*\\^){{{component - 1}}}" if component > 1 else ""


def _each_rep(rep: str) -> str:
    """Every repetition of the field is empty, the null "" or matches ``rep``."""
    one = f'(?:{rep}[^|~]*+|""(?![^|~]))?+(?![^|~])'
    return f"{one}(?:~{one})*+(?![^|])"


def _element(el: CompiledElement) -> list[tuple[int, str]] | None:
    """(field position, lookahead at the field's start) pairs the element needs, or None."""
    at = _position(el.segment, el.field)
    if at is None or el.usage == "X":
        return None
    # Not fast_ok: only a cardinality one valued repetition meets, on a presence element.
    if not el.fast_ok and (
        el.check != "presence" or el.when is not None or el.min_reps > 1
        or (el.max_reps is not None and el.max_reps < 1)
    ):
        return None
    out: list[tuple[int, str]] = []
    if el.when is not None:
        when_at = _position(el.segment, el.when[0])
        codes = _codes(el.when[1])
        if when_at is None or codes is None:
            return None
        out.append((when_at, f"(?={codes}(?![^|\\^]))"))
    # Valued: the first repetition (its component) is neither empty nor "".
    if el.component is None:
        out.append((at, '(?!""(?![^|~]))(?=[^|~]*[^|~\\^& ])'))
    else:
        out.append((at, f"(?={_component(el.component)}{_NOT_NULL}[^|~\\^])"))
    if not el.fast_ok and el.max_reps is not None:
        out.append((at, "(?=[^|~]*+(?![^|]))"))  # one repetition, within any maximum
    if el.check in ("value-set", "units"):
        options = []
        for comp, code_set, _ in el.any_of:
            codes = _codes(code_set)
            if codes is not None:
                options.append(f"{_component(comp)}{codes}(?![^|~\\^])")
        if not options:
            return None
        out.append((at, f"(?={_each_rep('(?:' + '|'.join(options) + ')')})"))
    elif el.check == "numeric":
        if el.component is not None:
            return None
        out.append((at, f"(?={_each_rep(_NUMBER + '(?![^|~])')})"))
    return out


def group_acceptors(
    elements: tuple[CompiledElement, ...], patterns: PatternCompiler = re.compile
) -> Acceptors | None:
    """(segment id, expression) for every segment id the elements use; None if not expressible.

    ``pattern.match(segment.text, 3)`` succeeds when every element on that segment passes. The
    expression walks the fields once, in order, testing each element where its field starts. The
    third item is the same expression for a segment text without ``~``. ``patterns`` compiles
    them.
    """
    by_segment: dict[str, dict[int, list[str]]] = {}
    for el in elements:
        found = _element(el)
        if found is None:
            return None
        at_field = by_segment.setdefault(el.segment, {})
        for at, expr in found:
            at_field.setdefault(at, []).append(expr)
    out: list[tuple[str, re.Pattern[str], re.Pattern[str]]] = []
    for seg_id, at_field in by_segment.items():
        parts: list[str] = []
        done = 0  # separators consumed so far
        for at in sorted(at_field):
            gap = at - done
            parts.append(f"(?:\\|[^|]*+){{{gap}}}\\|" if gap else "\\|")
            parts.append("".join(dict.fromkeys(at_field[at])) + "[^|]*+")  # each test once
            done = at + 1
        pattern = patterns("".join(parts))
        out.append((seg_id, pattern, without_repetition(pattern, patterns)))
    return tuple(out)
