"""Field-level checks from the version's reference data: required, repetitions, length, format.

Per segment the checks are precompiled once (:func:`hiecheck.hl7.reference.segment_spec`), so a
message costs a few list walks per segment. Patient values never enter a finding's ``message``;
they go to ``value`` only (shown with ``--show-values``).
"""

from __future__ import annotations

from collections.abc import Callable

from hiecheck.hl7 import datatypes, reference
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.message import HL7_NULL, Message, Segment
from hiecheck.hl7.reference import SegmentSpec

_VALIDATORS: dict[str, Callable[[str], bool]] = {
    name: datatypes.validator(name) for name in datatypes.PATTERNS
}
_SPECS: dict[str, dict[str, SegmentSpec | None]] = {}


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
    for seg in message.segments:
        spec = _spec(version, seg.id)
        if spec is not None:
            _check_segment(message, seg, spec, out)
    return out


def _finding(
    message: Message, seg: Segment, rule: str, severity: Severity, text: str, location: str,
    value: str | None = None,
) -> Finding:
    return Finding(rule, severity, text, message.source, seg.line, message.number, location, value)


def _check_segment(message: Message, seg: Segment, spec: SegmentSpec, out: list[Finding]) -> None:
    fields = seg.fields
    count = len(fields)
    d = seg.delimiters
    rep = d.repetition
    empty_chars = d.component + d.repetition + d.subcomponent + " "
    for f in spec.required:
        n = f.number
        value = fields[n] if n < count else ""
        if not value or not value.strip(empty_chars):
            out.append(_finding(
                message, seg, "field.required-missing", Severity.ERROR,
                f"{seg.id}-{n} ({_label(f.name)}) is required in HL7 {message.version} but empty",
                seg.location(n)))
    for f in spec.single:
        n = f.number
        if n < count and rep in fields[n]:
            out.append(_finding(
                message, seg, "field.too-many-repetitions", Severity.ERROR,
                f"{seg.id}-{n} ({_label(f.name)}) may not repeat in HL7 {message.version} "
                f"but has {fields[n].count(rep) + 1} repetitions",
                seg.location(n), fields[n]))
    for f in spec.formatted:
        n = f.number
        if n >= count or not fields[n]:
            continue
        _check_formats(message, seg, f, fields[n], out)
    for f in spec.limited:
        n = f.number
        if n < count and len(fields[n]) > f.max_length:  # type: ignore[operator]
            for r, value in enumerate(fields[n].split(rep), start=1):
                if len(value) > f.max_length:  # type: ignore[operator]
                    out.append(_finding(
                        message, seg, "field.too-long", Severity.WARNING,
                        f"{seg.id}-{n} ({f.datatype}) is {len(value)} characters, longer than "
                        f"the {f.max_length} hl7apy allows for {f.datatype}",
                        seg.location(n, repetition=r), value))
    for f, codes in spec.coded:
        n = f.number
        if n >= count or not fields[n]:
            continue
        for r, value in enumerate(fields[n].split(rep), start=1):
            code = value.split(d.component, 1)[0]
            if code and code != HL7_NULL and code not in codes:
                out.append(_finding(
                    message, seg, "field.not-in-table", Severity.WARNING,
                    f"{seg.id}-{n} code is not in HL7 table {f.table} of version "
                    f"{message.version}", seg.location(n, repetition=r), code))
    if count - 1 > spec.field_count:
        for n in range(spec.field_count + 1, count):
            if fields[n].strip(empty_chars):
                out.append(_finding(
                    message, seg, "field.not-in-version", Severity.WARNING,
                    f"{seg.id} has {spec.field_count} fields in HL7 {message.version}; "
                    f"field {n} is not defined", seg.location(n)))
                break


def _check_formats(
    message: Message, seg: Segment, f: reference.FieldSpec, text: str, out: list[Finding]
) -> None:
    d = seg.delimiters
    reps = text.split(d.repetition) if d.repetition in text else (text,)
    for r, value in enumerate(reps, start=1):
        if not value:
            continue
        comps: list[str] | None = None
        for comp, dt in f.formats:
            if comp == 0:
                part = value
            else:
                if comps is None:
                    comps = value.split(d.component)
                if comp > len(comps):
                    break
                part = comps[comp - 1]
                if d.subcomponent in part:
                    part = part.split(d.subcomponent, 1)[0]
            if part and not _VALIDATORS[dt](part):
                out.append(_finding(
                    message, seg, "field.invalid-format", Severity.ERROR,
                    f"{seg.id}-{f.number}{'' if comp == 0 else f'.{comp}'} is not a valid {dt} "
                    f"(expected {datatypes.EXPECTED[dt]})",
                    seg.location(f.number, None if comp == 0 else comp, r), part))


def _label(name: str) -> str:
    return name.replace("_", " ").lower()
