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
from functools import lru_cache
from typing import Any, cast

from hiecheck.hl7 import datatypes
from hiecheck.hl7.cache import KeptResults, PatternCompiler
from hiecheck.hl7.reference import GAP, FieldCheck, Parts, SegmentSpec
from hiecheck.hl7.tables import PATTERN_CODES, ComponentTable

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


_LONG_REPETITION = 1000  # characters of a repetition's expression worth writing only once


def _reps(rep: str, single: bool) -> str:
    """``rep`` for every repetition of the field (only one when it may not repeat).

    ``rep(?:~rep)*+`` is the fastest; a long ``rep`` (composites of 2.7+) is written once,
    each repetition starting after '~' or at the start of the field (right after its '|'), to
    keep the expression small."""
    if single:
        return rep
    if len(rep) > _LONG_REPETITION:
        return f"(?:(?:~|(?<=\\|)){rep})*+"
    return f"{rep}(?:~{rep})*+"


_PLAIN_LIMIT = 199  # bound of a part with no limit of its own (stricter only: longer → the walk)


def _atom(dt: str | None, limit: int) -> str:
    """One primitive part (a component, or a sub-component): valid for its format ``dt``, or at
    most ``limit`` characters. A part that stops early leaves a character that no other part of
    the expression can consume, so the segment is not accepted. Parts without a limit of their
    own get the common ``_PLAIN_LIMIT`` (only stricter), so that runs of them merge."""
    if dt is not None:
        return f"{_primitive(dt)}?+"  # hl7apy sets no length limit on the formatted types
    return f"{_SUB_CHAR}{{0,{min(limit, _PLAIN_LIMIT) if limit else _PLAIN_LIMIT}}}+"


# Sub-components typed DTM (TS.1 inside a component, CWE.16 in 2.7+ …) are rarely valued and the
# DTM expression is long: the expression accepts them empty or null only (stricter: a valued one
# sends the segment to the walk, which checks its format).
_SUB_FORMAT = {"DTM": '(?:"")?+'}


def _sequence(parts: list[str], sep: str) -> str:
    """``parts[0]``, then each next part after ``sep``, nested so that matching stops at the
    first part absent; consecutive equal parts are one possessive run ``(?:SEP P){0,k}+``.

    Every part can match the empty string and none consumes a separator, so a run always
    takes every part it can and a following part is never matched against the wrong text."""
    runs: list[list[Any]] = []
    for part in parts:
        if runs and runs[-1][0] == part:
            runs[-1][1] += 1
        else:
            runs.append([part, 1])
    inner = ""
    for i in range(len(runs) - 1, -1, -1):
        part, count = runs[i]
        more = f"(?:{sep}{part}){{0,{count - 1}}}+" if count > 1 else ""
        inner = f"{part}{more}{inner}" if i == 0 else f"(?:{sep}{part}{more}{inner})?+"
    return inner


def _component(
    parts: Parts | None, comp: int, dt: str | None,
    codes: tuple[frozenset[str], str] | None = None,
) -> str:
    """Component ``comp`` with at most its sub-components, each within its length limit and
    format; ``dt`` is the format of a primitive component (its text before any '&'); ``codes``
    the table of a primitive ID/IS component (one of them, the null or empty)."""
    count = 0 if parts is None else parts.subcomponents[comp - 1]
    if codes is not None and count == 1:
        return _code_atom(*codes)
    if count == 0:  # any sub-components (``varies``)
        if dt is None:
            return f"{_COMP_CHAR}*+"
        return f"{_primitive(dt)}?+(?:&{_COMP_CHAR}*+)?+{_COMP_END}"
    assert parts is not None
    limits = parts.limits[comp - 1] if parts.limits else ()
    if count == 1:
        return _atom(dt, limits[0][1] if limits else 0)
    formats = {sub: fmt for c, sub, fmt in parts.sub_formats if c == comp}
    atoms = [
        _SUB_FORMAT.get(formats[sub], _atom(formats[sub], 0))
        if sub in formats
        else _atom(None, limits[sub - 1][1] if limits else 0)
        for sub in range(1, count + 1)
    ]
    return _sequence(atoms, "&")


def _components(
    parts: Parts | None,
    components: tuple[tuple[int, str], ...],
    tables: tuple[ComponentTable, ...] = (),
) -> str:
    """One repetition: at most the components ``parts`` defines (any when None), each with at
    most its sub-components within their length limits and formats, the listed components valid
    (text before any '&').

    Components nest, ``C1(?:\\^C2(?:\\^C3…)?+)?+`` (see :func:`_sequence`), sub-components
    likewise with '&': a part is reached only through the previous ones, so a check never
    applies to another part, and matching stops at the first component that is absent (the cost
    is the components written, not the ones defined). After the last defined component nothing
    may follow: an extra '^' ends the match before the end of the field, and the segment goes
    to the walk.
    """
    checked = dict(components)
    coded = {t.component: (t.codes, t.table) for t in tables}
    if parts is None:
        count = max(checked, default=1)
        tail = f"(?:\\^{_COMP_CHAR}*+)*+"  # components after the last checked one: any
        gaps: tuple[int, ...] = ()
    else:
        count = parts.count
        tail = ""
        gaps = parts.gaps
    pieces = [
        _BLANK_PART if comp in gaps
        else _component(parts, comp, checked.get(comp), coded.get(comp))
        for comp in range(1, count + 1)
    ]
    return _sequence(pieces, "\\^") + tail


# Text only, a function of its arguments: the same table (with the same codes) comes back in
# many fields, segments and versions, and building its trie was a third of compiling a version.
@lru_cache(maxsize=1024)
def _code_atom(codes: frozenset[str], table: str | None = None) -> str:
    """One of the codes (or of ``table``'s pattern codes), the null or nothing (possessive,
    longest code first: a code that is the start of the text but not all of it leaves a
    character nothing else consumes)."""
    usable = [c for c in codes if c and not set(c) & set("|^~&")]
    alternation = _trie(usable)
    pattern = PATTERN_CODES.get(table or "")
    if pattern is not None:
        alternation = f"{alternation}|{pattern.pattern}" if alternation else pattern.pattern
    return f'(?:{alternation}|"")?+' if usable else '(?:"")?+'


def _trie(words: list[str]) -> str:
    """An expression matching exactly ``words``, written as a trie (``HL7(?:0|1)…``): tables
    hold up to a few hundred codes and a flat alternation would be tried code by code at every
    coded component. Greedy, so the longest code that starts the text is taken."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return emit(tree)


def _codes(codes: frozenset[str], table: str | None) -> str:
    """An ID or IS field's value: one of the codes or empty, nothing after it (primitive)."""
    return f"{_code_atom(codes, table)}{_REP_END}"


@lru_cache(maxsize=4096)  # text only: the clean, suffix and field expressions share fields
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
        shapes.append(_reps(_components(parts, check.components, check.component_tables),
                            single))
    if check.codes is not None:
        shapes.append(_reps(_codes(check.codes, check.spec.table), single))
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


def clean_segment_pattern(
    spec: SegmentSpec, patterns: PatternCompiler = re.compile
) -> re.Pattern[str]:
    """The expression for ``spec``: match it from position 3 of the segment line (compiled by
    ``patterns``, as the other expressions here).

    For MSH, position 3 holds MSH-1 (the separator) and MSH-2 follows; neither is checked here.
    """
    return patterns(_clean_source(spec))


# The expressions' texts are long and slow to build (a trie per coded table): kept on disk per
# HL7 version, as the reference data they come from (see hiecheck.hl7.cache.KeptResults).
_SOURCES = KeptResults(("reference.py", "tables.py", "datatypes.py", "field_regex.py"))


def kept_clean_segment_pattern(
    version: str, spec: SegmentSpec, patterns: PatternCompiler = re.compile
) -> re.Pattern[str]:
    """:func:`clean_segment_pattern` of ``spec``, the segment of that id in ``version``, its
    expression's text kept between runs."""
    source = _SOURCES.get(version, ("clean", spec.id), lambda: _clean_source(spec))
    return patterns(cast(str, source))


def _clean_source(spec: SegmentSpec) -> str:
    """The text of :func:`clean_segment_pattern`'s expression."""
    msh = spec.id == "MSH"
    required = {f.number for f in spec.required}
    last_required = max(required, default=0)
    inner = f"(?:\\|{_EMPTY_ONLY})*+"  # fields past the last defined one must be empty
    for n in range(spec.field_count, 2 if msh else 0, -1):
        body = f"\\|{_field(spec.checks[n], n in required)}{inner}"
        inner = f"(?:{body})" if n <= last_required else f"(?:{body})?+"
    return f"\\|[^|]*{inner}" if msh else inner


def suffix_pattern(
    spec: SegmentSpec, first: int, patterns: PatternCompiler = re.compile
) -> re.Pattern[str]:
    """Fields ``first``, ``first + 1`` … of ``spec``, each optional and without the required
    check: ``match`` from the '|' that starts field ``first`` goes as far as the fields pass
    their own checks (fields past the defined ones must be empty), so where it stops is the
    first field to check in Python."""
    return patterns(_suffix_source(spec, first))


def _suffix_source(spec: SegmentSpec, first: int) -> str:
    inner = f"(?:\\|{_EMPTY_ONLY})*+"
    for n in range(spec.field_count, first - 1, -1):
        inner = f"(?:\\|{_field(spec.checks[n], False)}{inner})?+"
    return inner


def kept_suffix_pattern(
    version: str, spec: SegmentSpec, first: int, patterns: PatternCompiler = re.compile
) -> re.Pattern[str]:
    """:func:`suffix_pattern` of ``spec`` (the segment of that id in ``version``), its text kept
    between runs as the clean expressions' are (a segment rejected once is walked again in
    every run that meets it)."""
    source = _SOURCES.get(version, ("suffix", spec.id, str(first)),
                          lambda: _suffix_source(spec, first))
    return patterns(cast(str, source))


def field_pattern(
    spec: SegmentSpec, number: int, patterns: PatternCompiler = re.compile
) -> re.Pattern[str]:
    """Field ``number`` alone (all its repetitions): ``fullmatch`` when it has no finding of
    its own (the required check aside)."""
    return patterns(_field(spec.checks[number], False))


def kept_field_pattern(
    version: str, spec: SegmentSpec, number: int, patterns: PatternCompiler = re.compile
) -> re.Pattern[str]:
    """:func:`field_pattern` of ``spec`` (the segment of that id in ``version``), its text kept
    between runs: a walked segment asks for the expressions of most of its fields."""
    source = _SOURCES.get(version, ("field", spec.id, str(number)),
                          lambda: _field(spec.checks[number], False))
    return patterns(cast(str, source))
