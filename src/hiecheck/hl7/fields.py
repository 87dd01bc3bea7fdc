"""Field-level checks from the version's reference data: required, repetitions, length, format.

Per segment the checks are precompiled once (:func:`hiecheck.hl7.reference.segment_spec`), so a
message costs a few list walks per segment. Patient values never enter a finding's ``message``;
they go to ``value`` only (shown with ``--show-values``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hiecheck.hl7 import datatypes, reference
from hiecheck.hl7.field_regex import clean_segment_pattern
from hiecheck.hl7.findings import Finding, Severity, segment_finding
from hiecheck.hl7.message import DEFAULT_DELIMITERS, HL7_NULL, Delimiters, Message, Segment
from hiecheck.hl7.reference import GAP, FieldCheck, SegmentSpec

_VALIDATORS: dict[str, Callable[[str], bool]] = {
    name: datatypes.validator(name) for name in datatypes.PATTERNS
}
_SPECS: dict[str, dict[str, SegmentSpec | None]] = {}
# version -> segment id -> (spec, expression accepting a segment with no finding) or None.
_COMPILED: dict[str, dict[str, tuple[SegmentSpec, re.Pattern[str]] | None]] = {}
_EMPTY: dict[Delimiters, str] = {}


def _spec(version: str, seg_id: str) -> SegmentSpec | None:
    per_version = _SPECS.get(version)
    if per_version is None:
        per_version = _SPECS[version] = {}
    try:
        return per_version[seg_id]
    except KeyError:
        spec = per_version[seg_id] = reference.segment_spec(version, seg_id)
        return spec


def check_fields(message: Message, version: str | None = None) -> list[Finding]:
    """Field findings for every segment hl7apy defines in the message's version.

    ``version`` defaults to MSH-12; unsupported versions give no field findings (the header check
    reports them). Z-segments and unknown segments are skipped.
    """
    version = message.version if version is None else version
    if not reference.is_supported(version):
        return []
    out: list[Finding] = []
    compiled = _COMPILED.get(version)
    if compiled is None:
        compiled = _COMPILED[version] = {}
    default = message.delimiters is DEFAULT_DELIMITERS
    for seg in message.segments:
        try:
            found = compiled[seg.id]
        except KeyError:
            found = _compile(version, seg.id)
        if found is None:
            continue
        spec, clean = found
        if default and seg.text and clean.fullmatch(seg.text, 3):
            continue  # no field finding possible: skip the walk
        _check_segment(message, seg, spec, out)
    return out


def _compile(version: str, seg_id: str) -> tuple[SegmentSpec, re.Pattern[str]] | None:
    spec = _spec(version, seg_id)
    found = None if spec is None else (spec, clean_segment_pattern(spec))
    per_version = _COMPILED.setdefault(version, {})
    if len(per_version) < 4096:
        per_version[seg_id] = found
    return found


def _check_segment(message: Message, seg: Segment, spec: SegmentSpec, out: list[Finding]) -> None:
    fields = seg.fields
    count = len(fields)
    d = seg.delimiters
    rep = d.repetition
    empty_chars = _EMPTY.get(d)
    if empty_chars is None:
        empty_chars = _EMPTY[d] = d.component + d.repetition + d.subcomponent + " "
    for f in spec.required:
        n = f.number
        value = fields[n] if n < count else ""
        if not value or not value.strip(empty_chars):
            out.append(
                segment_finding(
                    message,
                    seg,
                    "field.required-missing",
                    Severity.ERROR,
                    f"{seg.id}-{n} ({_label(f.name)}) is required in HL7 {message.version} "
                    "but empty",
                    seg.location(n),
                )
            )
    defined = spec.field_count
    comp_sep = d.component
    if count - 1 > defined:
        for n in range(defined + 1, count):
            if fields[n].strip(empty_chars):
                _undefined(message, seg, n, spec, out)
    for n, check in spec.active:
        if n >= count:
            break
        value = fields[n]
        if not value:
            continue
        if check is GAP:
            if value.strip(empty_chars):
                _undefined(message, seg, n, spec, out)
            continue
        has_rep = rep in value
        if has_rep and check.single:
            out.append(
                segment_finding(
                    message,
                    seg,
                    "field.too-many-repetitions",
                    Severity.ERROR,
                    f"{seg.id}-{n} ({_label(check.spec.name)}) may not repeat in HL7 "
                    f"{message.version} but has {value.count(rep) + 1} repetitions",
                    seg.location(n),
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
        if check.codes is not None:
            for r, part in enumerate(value.split(rep) if has_rep else (value,), start=1):
                code = part.split(comp_sep, 1)[0] if comp_sep in part else part
                if code and code != HL7_NULL and code not in check.codes:
                    out.append(
                        segment_finding(
                            message,
                            seg,
                            "field.not-in-table",
                            Severity.WARNING,
                            f"{seg.id}-{n} code is not in HL7 table {check.spec.table} of version "
                            f"{message.version}",
                            seg.location(n, repetition=r),
                            code,
                        )
                    )


def _undefined(
    message: Message, seg: Segment, n: int, spec: SegmentSpec, out: list[Finding]
) -> None:
    if n > spec.field_count:
        text = (
            f"{seg.id} has {spec.field_count} fields in HL7 {message.version}; "
            f"field {n} is not defined"
        )
    else:
        text = f"{seg.id}-{n} is not defined in HL7 {message.version} (withdrawn)"
    out.append(
        segment_finding(
            message, seg, "field.not-in-version", Severity.WARNING, text, seg.location(n)
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
                    "field.too-long",
                    Severity.WARNING,
                    f"{seg.id}-{f.number} ({f.datatype}) is {len(part)} characters, longer than "
                    f"the {check.max_length} hl7apy allows for {f.datatype}",
                    seg.location(f.number, repetition=r),
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
) -> None:
    where = f"{seg.id}-{n}" if comp is None else f"{seg.id}-{n}.{comp}"
    out.append(
        segment_finding(
            message,
            seg,
            "field.invalid-format",
            Severity.ERROR,
            f"{where} is not a valid {dt} (expected {datatypes.EXPECTED[dt]})",
            seg.location(n, comp, r),
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


def _label(name: str) -> str:
    return name.replace("_", " ").lower()

