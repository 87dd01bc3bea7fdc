"""Field-level checks from the version's reference data: required, repetitions, length, format,
components and sub-components the datatype does not define, control characters.

The checks of each segment come compiled (:class:`hiecheck.hl7.compiled.CompiledVersion`): in
FAST mode one expression accepts a segment with no field finding and the walk is skipped; a
segment it rejects is walked only at the fields that fail. In REFERENCE mode (and for messages
with other delimiters or with control characters) every field is walked in Python. Patient values
never enter a finding's ``message``; they go to ``value`` only (shown with ``--show-values``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hiecheck.hl7 import datatypes, rules
from hiecheck.hl7.compiled import (
    FAULTY_FIELDS_KEPT,
    FAULTY_VALUE_KEPT_CHARS,
    CompiledVersion,
    FieldOutcome,
    VersionRegistry,
    Walker,
    shared_versions,
)
from hiecheck.hl7.findings import Finding, Severity, segment_finding
from hiecheck.hl7.location import Location
from hiecheck.hl7.message import (
    CONTROL_CHARACTERS,
    DEFAULT_DELIMITERS,
    HL7_NULL,
    Message,
    Segment,
)
from hiecheck.hl7.reference import GAP, FieldCheck, Parts, SegmentSpec
from hiecheck.hl7.tables import LENIENT, TableKind, TablePolicy, is_pattern_code

_VALIDATORS: dict[str, Callable[[str], bool]] = {
    name: datatypes.validator(name) for name in datatypes.PATTERNS
}
_DEFAULT_EMPTY = "^~& "  # what a field of only separators and spaces strips to nothing
_CONTROL = re.compile(f"[{re.escape(CONTROL_CHARACTERS)}]")


def check_fields(message: Message, versions: VersionRegistry | None = None) -> list[Finding]:
    """Field findings for every segment hl7apy defines in the message's version (MSH-12).

    Unsupported versions give no field findings (the header check reports them); Z-segments and
    unknown segments are skipped. ``versions``: the compiled checks to use (default: those
    shared by one-off calls).
    """
    compiled = (versions or shared_versions()).get(message.version)
    out: list[Finding] = []
    if compiled is not None:
        segment_fields(message, compiled, out)
    return out


def segment_fields(message: Message, compiled: CompiledVersion, out: list[Finding]) -> None:
    """Append the field findings of every segment of ``message`` (of ``compiled``'s version)."""
    segments = compiled.segments
    fast = (
        not compiled.reference and message.delimiters is DEFAULT_DELIMITERS
        and not message.has_controls
    )
    faulty = compiled.faulty_fields
    policy = compiled.tables
    for seg in message.segments:
        try:
            found = segments[seg.id]
        except KeyError:
            found = compiled.segment(seg.id)
        if found is None:
            continue
        if fast:
            text = seg.text
            if text:
                if found.accepts(text, 3):
                    continue  # no field finding possible: skip the walk
                _check_segment(message, seg, found.spec, out, found.walker, faulty, policy)
                continue
        _check_segment(message, seg, found.spec, out, policy=policy)


def control_findings(message: Message) -> list[Finding]:
    """``field.control-character``: one finding per field holding a control character (NUL, ESC
    …; TAB aside), in every segment, Z-segments and unknown ones included."""
    out: list[Finding] = []
    if not message.has_controls:
        return out
    for seg in message.segments:
        if _CONTROL.search(seg.text) is None:
            continue
        first = 3 if seg.id == "MSH" else 1
        for n, value in enumerate(seg.fields[first:], start=first):
            found = _CONTROL.search(value)
            if found is not None:
                out.append(segment_finding(
                    message, seg, rules.FIELD_CONTROL_CHARACTER,
                    f"{seg.location(n)} holds control character {_named(found.group())}; it is "
                    "not read as a value",
                    seg.at(n), _visible(value),
                ))
    return out


def _named(char: str) -> str:
    return "NUL" if char == "\x00" else f"0x{ord(char):02X}"


def _visible(value: str) -> str:
    """``value`` with each control character written as ``\\xNN`` (safe to print)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def _check_segment(
    message: Message,
    seg: Segment,
    spec: SegmentSpec,
    out: list[Finding],
    walker: Walker | None = None,
    faulty: dict[tuple[str, int, int, str], tuple[FieldOutcome, ...]] | None = None,
    policy: TablePolicy = LENIENT,
) -> None:
    """Every field finding of one segment, in field order (required fields first).

    With ``walker`` (default delimiters only) compiled expressions find the fields that fail
    and only those are checked in Python; without, every field is (the reference walk).
    A field holding only separators, spaces and control characters is empty.
    """
    fields = seg.fields
    count = len(fields)
    d = seg.delimiters
    if d is DEFAULT_DELIMITERS:
        empty_chars = _DEFAULT_EMPTY
    else:
        empty_chars = d.component + d.repetition + d.subcomponent + " "
    if message.has_controls:
        empty_chars += CONTROL_CHARACTERS
    for f in spec.required:
        n = f.number
        value = fields[n] if n < count else ""
        if not value or not value.strip(empty_chars):
            out.append(
                segment_finding(
                    message,
                    seg,
                    rules.FIELD_REQUIRED,
                    f"{seg.id}-{n} ({_label(f.name)}) is required in HL7 {message.version} "
                    "but empty",
                    seg.at(n),
                )
            )
    if walker is not None:
        _check_failing_fields(message, seg, spec, walker, empty_chars, out, faulty, policy)
        return
    defined = spec.field_count
    if count - 1 > defined:
        for n in range(defined + 1, count):
            if fields[n].strip(empty_chars):
                _undefined(message, seg, n, spec, out)
    for n, check in spec.active:
        if n >= count:
            break
        value = fields[n]
        if value:
            _check_field(message, seg, n, check, value, spec, empty_chars, out, policy)


def _check_failing_fields(
    message: Message,
    seg: Segment,
    spec: SegmentSpec,
    walker: Walker,
    empty_chars: str,
    out: list[Finding],
    faulty: dict[tuple[str, int, int, str], tuple[FieldOutcome, ...]] | None,
    policy: TablePolicy = LENIENT,
) -> None:
    """The non-required findings of a segment the whole expression rejected, checking in Python
    only the fields that fail: the expression of all fields (each optional) matches as far as
    they pass, the field where it stops is checked, and each valued field after it is checked
    when its own expression rejects it. Findings come in the reference walk's order (fields
    past the defined ones first)."""
    text = seg.text
    msh = seg.id == "MSH"
    pos = text.find("|", 4) if msh else 3  # the '|' that starts the first checked field
    if pos < 0 or pos >= len(text):
        return
    matched = walker.first()(text, pos)  # every field optional: it always matches
    stop = len(text) if matched is None else matched.end()
    if stop == len(text):
        return
    fields = seg.fields
    defined = spec.field_count
    checks = spec.checks
    beyond: list[Finding] = []
    mark = len(out)
    n = (3 if msh else 1) + text.count("|", pos + 1, stop + 1)  # the field it stopped in
    accepts = walker.accepts
    for m, value in enumerate(fields[n:], n):
        if not value:
            continue
        if m > defined:
            if value.strip(empty_chars):
                _undefined(message, seg, m, spec, beyond)
            continue
        check = checks[m]
        if check is None:
            continue
        if m > n and check is not GAP:
            accept = accepts.get(m) or walker.field(m)
            if accept(value):
                continue
        if faulty is None or len(value) > FAULTY_VALUE_KEPT_CHARS:
            _check_field(message, seg, m, check, value, spec, empty_chars, out, policy)
            continue
        key = (seg.id, m, seg.occurrence, value)
        found = faulty.get(key)
        if found is None:
            fresh: list[Finding] = []
            _check_field(message, seg, m, check, value, spec, empty_chars, fresh, policy)
            found = tuple([(f.rule, f.severity, f.message, f.where, f.value) for f in fresh])
            if len(faulty) >= FAULTY_FIELDS_KEPT:
                faulty.clear()
            faulty[key] = found
        for rule, severity, text, where, shown in found:
            out.append(Finding(rule, severity, text, message.source, seg.line, message.number,
                               where, shown))
    if beyond:
        out[mark:mark] = beyond


def _check_field(
    message: Message,
    seg: Segment,
    n: int,
    check: FieldCheck | str,
    value: str,
    spec: SegmentSpec,
    empty_chars: str,
    out: list[Finding],
    policy: TablePolicy = LENIENT,
) -> None:
    """The findings of one valued field (a GAP: valued at all)."""
    if check is GAP or not isinstance(check, FieldCheck):
        if value.strip(empty_chars):
            _undefined(message, seg, n, spec, out)
        return
    d = seg.delimiters
    rep = d.repetition
    comp_sep = d.component
    has_rep = rep in value
    if has_rep and check.single:
        out.append(
            segment_finding(
                message,
                seg,
                rules.FIELD_REPETITIONS,
                f"{seg.id}-{n} ({_label(check.spec.name)}) may not repeat in HL7 "
                f"{message.version} but has {value.count(rep) + 1} repetitions",
                seg.at(n),
                value,
            )
        )
    if check.max_length and len(value) > check.max_length:
        _too_long(message, seg, check, value, rep, out)
    if check.whole is not None:
        valid = _VALIDATORS[check.whole]
        for r, part in enumerate(value.split(rep) if has_rep else (value,), start=1):
            if part and not valid(part):
                _bad_format(message, seg, n, None, r, check.whole, part, out)
    elif check.components:
        if comp_sep not in value and not has_rep:
            # One component: only a check on component 1 applies (TS/DTM fields mostly).
            comp, dt = check.components[0]
            if comp == 1:
                text = value.split(d.subcomponent, 1)[0]
                if text and not _VALIDATORS[dt](text):
                    _bad_format(message, seg, n, 1, 1, dt, text, out)
        elif value.count(comp_sep) >= check.min_separators:
            _check_components(message, seg, check, value, has_rep, out)
    parts = check.parts
    if parts is not None and (not parts.primitive or comp_sep in value or d.subcomponent in value):
        _check_parts(message, seg, n, parts, value, has_rep, out)
    if check.codes is not None or check.component_tables:
        _check_codes(message, seg, check, value, has_rep, policy, out)


def _check_codes(
    message: Message,
    seg: Segment,
    check: FieldCheck,
    value: str,
    has_rep: bool,
    policy: TablePolicy,
    out: list[Finding],
) -> None:
    """Codes of an ID/IS field, and of its primitive ID/IS components, against their tables
    (see :mod:`hiecheck.hl7.tables`), per repetition. The HL7 null ``""`` is no code."""
    d = seg.delimiters
    comp_sep, sub_sep = d.component, d.subcomponent
    n = check.spec.number
    parts = value.split(d.repetition) if has_rep else (value,)
    codes, kind, table = check.codes, check.table_kind, check.spec.table
    if codes is not None and kind is not None and table is not None:
        for r, part in enumerate(parts, start=1):
            code = part.split(comp_sep, 1)[0] if comp_sep in part else part
            if code and code != HL7_NULL and code not in codes and not is_pattern_code(
                    table, code):
                _not_in_table(message, seg, f"{seg.id}-{n}", kind, table, policy,
                              seg.at(n, repetition=r), code, out)
    for t in check.component_tables:
        c = t.component
        for r, part in enumerate(parts, start=1):
            comps = part.split(comp_sep) if comp_sep in part else (part,)
            if c > len(comps):
                continue
            code = comps[c - 1]
            if sub_sep in code:
                code = code.split(sub_sep, 1)[0]
            if code and code != HL7_NULL and code not in t.codes and not is_pattern_code(
                    t.table, code):
                _not_in_table(message, seg, f"{seg.id}-{n}.{c}", t.kind, t.table, policy,
                              seg.at(n, c, r), code, out)


def _not_in_table(
    message: Message,
    seg: Segment,
    where: str,
    kind: TableKind,
    table: str,
    policy: TablePolicy,
    at: Location,
    code: str,
    out: list[Finding],
) -> None:
    if kind is TableKind.HL7:
        out.append(segment_finding(
            message, seg, rules.FIELD_NOT_IN_TABLE,
            f"{where} code is not in HL7 table {table} of version {message.version}", at, code,
        ))
        return
    severity = Severity.ERROR if policy.strict(kind, table) else Severity.WARNING
    text = (f"{where} code is not among HL7's suggested values of user-defined table {table} "
            f"(version {message.version})")
    if severity is Severity.ERROR:
        text += "; the requirement set makes the table strict"
    out.append(rules.FIELD_NOT_IN_USER_TABLE.finding(
        text, message.source, seg.line, message.number, at, code, severity=severity,
    ))


def _undefined(
    message: Message, seg: Segment, n: int, spec: SegmentSpec, out: list[Finding]
) -> None:
    if n > spec.field_count:
        text = (
            f"{seg.id} has {spec.field_count} fields in HL7 {message.version}; "
            f"field {n} is not defined"
        )
    else:
        text = f"{seg.id}-{n} is not defined in HL7 {message.version} (withdrawn or reserved)"
    out.append(
        segment_finding(
            message, seg, rules.FIELD_NOT_IN_VERSION, text, seg.at(n)
        )
    )


def _too_long(
    message: Message, seg: Segment, check: FieldCheck, value: str, rep: str, out: list[Finding]
) -> None:
    f = check.spec
    for r, part in enumerate(value.split(rep), start=1):
        if len(part) > check.max_length:
            out.append(
                segment_finding(
                    message,
                    seg,
                    rules.FIELD_TOO_LONG,
                    f"{seg.id}-{f.number} ({f.datatype}) is {len(part)} characters, longer than "
                    f"the {check.max_length} hl7apy allows for {f.datatype}",
                    seg.at(f.number, repetition=r),
                    part,
                )
            )


def _bad_format(
    message: Message,
    seg: Segment,
    n: int,
    comp: int | None,
    r: int,
    dt: str,
    part: str,
    out: list[Finding],
    sub: int | None = None,
) -> None:
    where = f"{seg.id}-{n}" if comp is None else f"{seg.id}-{n}.{comp}"
    if sub is not None:
        where += f".{sub}"
    out.append(
        segment_finding(
            message,
            seg,
            rules.FIELD_FORMAT,
            f"{where} is not a valid {dt} (expected {datatypes.EXPECTED[dt]})",
            seg.at(n, comp, r, sub),
            part,
        )
    )


def _check_components(
    message: Message, seg: Segment, check: FieldCheck, value: str, has_rep: bool, out: list[Finding]
) -> None:
    d = seg.delimiters
    n = check.spec.number
    for r, part in enumerate(value.split(d.repetition) if has_rep else (value,), start=1):
        comps = part.split(d.component)
        ncomps = len(comps)
        for comp, dt in check.components:
            if comp > ncomps:
                break
            text = comps[comp - 1]
            if d.subcomponent in text:
                text = text.split(d.subcomponent, 1)[0]
            if text and not _VALIDATORS[dt](text):
                _bad_format(message, seg, n, comp, r, dt, text, out)


def _check_parts(
    message: Message,
    seg: Segment,
    n: int,
    parts: Parts,
    value: str,
    has_rep: bool,
    out: list[Finding],
) -> None:
    """Components and sub-components beyond what the datatype defines, per repetition.

    A part counts when it holds anything but spaces (and, for a component, sub-component
    separators): ``ST^`` or ``A&`` carry nothing past the definition. One finding per repetition
    for its components (the first undefined one valued) and one per component for its
    sub-components. Escape sequences (``\\S\\``) are text, never separators.
    """
    d = seg.delimiters
    comp_sep, sub_sep = d.component, d.subcomponent
    blank = sub_sep + " "
    count = parts.count
    version = message.version
    for r, part in enumerate(value.split(d.repetition) if has_rep else (value,), start=1):
        comps = part.split(comp_sep)
        ncomps = len(comps)
        for c in range(count, ncomps):
            if comps[c].strip(blank):
                plural = "s" if count > 1 else ""
                text = (
                    f"{seg.id}-{n}.{c + 1} is not defined in HL7 {version} "
                    f"({parts.datatype} has {count} component{plural})"
                )
                out.append(
                    segment_finding(
                        message,
                        seg,
                        rules.FIELD_COMPONENT_NOT_IN_VERSION,
                        text,
                        seg.at(n, c + 1, r),
                        comps[c],
                    )
                )
                break
        for g in parts.gaps:
            if g <= ncomps and comps[g - 1].strip(blank):
                text = (
                    f"{seg.id}-{n}.{g} is not defined in HL7 {version} "
                    f"(withdrawn from {parts.datatype})"
                )
                out.append(
                    segment_finding(
                        message,
                        seg,
                        rules.FIELD_COMPONENT_NOT_IN_VERSION,
                        text,
                        seg.at(n, g, r),
                        comps[g - 1],
                    )
                )
        if parts.limits:
            _check_inner(message, seg, n, parts, comps, r, out)
        if sub_sep not in part:
            continue
        for c in range(min(count, ncomps)):
            limit = parts.subcomponents[c]
            if not limit or sub_sep not in comps[c]:
                continue
            subs = comps[c].split(sub_sep)
            for i in range(limit, len(subs)):
                if subs[i].strip(" "):
                    plural = "s" if limit > 1 else ""
                    text = (
                        f"{seg.id}-{n}.{c + 1}.{i + 1} is not defined in HL7 {version} "
                        f"({parts.component_types[c]} has {limit} sub-component{plural})"
                    )
                    out.append(
                        segment_finding(
                            message,
                            seg,
                            rules.FIELD_SUBCOMPONENT_NOT_IN_VERSION,
                            text,
                            seg.at(n, c + 1, r, i + 1),
                            subs[i],
                        )
                    )
                    break


def _check_inner(
    message: Message,
    seg: Segment,
    n: int,
    parts: Parts,
    comps: list[str],
    r: int,
    out: list[Finding],
) -> None:
    """Lengths of a composite's primitive parts and formats of its sub-components (one
    repetition, split into ``comps``), as hl7apy STRICT checks them on every primitive part."""
    sub_sep = seg.delimiters.subcomponent
    formats = parts.sub_formats
    for c in range(min(parts.count, len(comps))):
        text = comps[c]
        limits = parts.limits[c]
        if not text or not limits:
            continue
        if len(limits) == 1:  # a primitive component: its text up to any '&'
            dt, limit = limits[0]
            if limit and len(text) > limit:
                first = text.split(sub_sep, 1)[0] if sub_sep in text else text
                if len(first) > limit:
                    _part_too_long(message, seg, n, c + 1, None, r, dt, limit, first, out)
            continue
        subs = text.split(sub_sep) if sub_sep in text else (text,)
        for i in range(min(len(limits), len(subs))):
            dt, limit = limits[i]
            if limit and len(subs[i]) > limit:
                _part_too_long(message, seg, n, c + 1, i + 1, r, dt, limit, subs[i], out)
        if formats:
            for comp, i, dt in formats:
                if comp == c + 1 and i <= len(subs):
                    value = subs[i - 1]
                    if value and not _VALIDATORS[dt](value):
                        _bad_format(message, seg, n, comp, r, dt, value, out, i)


def _part_too_long(
    message: Message,
    seg: Segment,
    n: int,
    comp: int,
    sub: int | None,
    r: int,
    datatype: str,
    limit: int,
    value: str,
    out: list[Finding],
) -> None:
    where = f"{seg.id}-{n}.{comp}" if sub is None else f"{seg.id}-{n}.{comp}.{sub}"
    out.append(
        segment_finding(
            message,
            seg,
            rules.FIELD_TOO_LONG,
            f"{where} ({datatype}) is {len(value)} characters, longer than the {limit} hl7apy "
            f"allows for {datatype}",
            seg.at(n, comp, r, sub),
            value,
        )
    )


def _label(name: str) -> str:
    return name.replace("_", " ").lower()
