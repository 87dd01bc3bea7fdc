"""HL7 acknowledgements as values: what the message's header says (:class:`Header`), what the ACK
answers (:class:`Ack`, built by :func:`build_ack`), and its bytes (:func:`serialize`).

Rules (README, "listen"): MSA-1 is the code, MSA-2 the message's MSH-10; MSH-3/4 and MSH-5/6 are
swapped; MSH-11, MSH-12 and MSH-18 are echoed; MSH-9 is ``ACK^<trigger>^ACK`` (no structure before
v2.3.1, which has no MSH-9.3). One ERR segment per error finding, and per warning from v2.5 (ERR-4
says which): ERR-2 the location as an ERL, ERR-3 the table 0357 code, ERR-4 the severity, ERR-5 the
hiecheck rule id, ERR-7/ERR-8 the rule's explanation and summary from the registry. Before v2.5
ERR-1 (ELD: segment^sequence^field^code) carries errors only. Nothing of the message's content is
put in an ACK but the header fields echoed; every text is escaped with the message's own encoding
characters, and the ACK uses its delimiters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum

from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import Location, LocationKind
from hiecheck.hl7.message import DEFAULT_DELIMITERS, Delimiters, is_code, read_delimiters
from hiecheck.hl7.rules import RULES
from hiecheck.listen.codes import DESCRIPTIONS, ErrorCode, error_code

DEFAULT_VERSION = "2.5.1"  # MSH-12 of an ACK to a message whose header cannot be read
MAX_ERR_SEGMENTS = 100  # a message with more findings gets these and one ERR counting the rest
LOCAL_CODES = "99HIECHECK"  # coding system of ERR-5 (HL7 table 0396: 99zzz is a local system)
_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
_UNREADABLE_HEADER = ("MSH-1.missing", "MSH-1.invalid", "MSH-2.invalid")


class AckCode(StrEnum):
    """HL7 table 0008: application (A*) and, in enhanced mode, commit (C*) acknowledgements."""

    AA = "AA"  # accepted: no error finding
    AE = "AE"  # error findings (the message was captured)
    AR = "AR"  # rejected: cannot be processed (not captured)
    CA = "CA"  # commit accept: captured
    CE = "CE"  # commit error: could not be captured
    CR = "CR"  # commit reject: cannot be processed


class Reject(Enum):
    """Why a frame is answered AR without being checked: (table 0357 code, summary)."""

    NOT_HL7 = (ErrorCode.SEGMENT_SEQUENCE, "the frame does not start with an MSH segment")
    HEADER = (ErrorCode.DATA_TYPE, "MSH-1 or MSH-2 cannot be read: the delimiters are unknown")
    OVERSIZED = (ErrorCode.APPLICATION_INTERNAL,
                 "the message is larger than the listener's limit for one message")
    SEVERAL = (ErrorCode.APPLICATION_INTERNAL,
               "the frame holds more than one message or a batch: send one message per frame")
    CAPTURE = (ErrorCode.APPLICATION_INTERNAL,
               "the message could not be written to the capture file: send it again")
    INTERNAL = (ErrorCode.APPLICATION_INTERNAL,
                "hiecheck could not check the message (a bug in hiecheck: please report it)")

    @property
    def rule_id(self) -> str:
        return "listen." + self.name.lower().replace("_", "-")


@dataclass(frozen=True, slots=True)
class Header:
    """What an ACK takes from the message's MSH: fields as written (already escaped in the
    message's encoding, so echoed as they are) and the delimiters."""

    delimiters: Delimiters
    sending_application: str = ""  # MSH-3
    sending_facility: str = ""  # MSH-4
    receiving_application: str = ""  # MSH-5
    receiving_facility: str = ""  # MSH-6
    trigger: str = ""  # MSH-9.2 when it has the form of a trigger event, else ""
    control_id: str = ""  # MSH-10
    processing_id: str = ""  # MSH-11
    version: str = ""  # MSH-12 (the whole field)
    accept_ack: str = ""  # MSH-15, upper case
    application_ack: str = ""  # MSH-16, upper case
    charset: str = ""  # MSH-18
    encoding: str = "utf-8"  # how the MSH line was decoded: the ACK is encoded the same way

    @property
    def enhanced(self) -> bool:
        """Enhanced acknowledgement mode: MSH-15 or MSH-16 valued."""
        return bool(self.accept_ack or self.application_ack)


def read_header(msh_line: str, encoding: str = "utf-8") -> Header | None:
    """The :class:`Header` of an MSH line, or None when its delimiters cannot be read."""
    if not msh_line.startswith("MSH"):
        return None
    d, _written, problems = read_delimiters(msh_line)
    if any(p.rule in _UNREADABLE_HEADER for p in problems):
        return None
    end = msh_line.find(d.field, 4)
    fields = ["MSH", d.field, ""] + (msh_line[end + 1 :].split(d.field) if end >= 0 else [])

    def f(n: int) -> str:
        return fields[n] if n < len(fields) else ""

    nine = f(9).split(d.repetition)[0].split(d.component)
    trigger = nine[1].strip().upper() if len(nine) > 1 else ""
    return Header(
        d, f(3), f(4), f(5), f(6), trigger if is_code(trigger) else "", f(10), f(11), f(12),
        f(15).strip().upper(), f(16).strip().upper(), f(18), encoding,
    )


def version_of(header: Header | None) -> tuple[int, int, int] | None:
    """MSH-12.1 as numbers (``2.5.1`` → (2, 5, 1)); None when it is not a version number."""
    if header is None:
        return None
    m = _VERSION.match(header.version.split(header.delimiters.component)[0].strip())
    if m is None:
        return None
    return int(m[1]), int(m[2]), int(m[3] or 0)


@dataclass(frozen=True, slots=True)
class ErrEntry:
    """One ERR segment: what went wrong where, in words from the rule registry."""

    code: ErrorCode
    severity: Severity
    where: Location | None
    rule_id: str
    summary: str  # ERR-8 user message
    diagnostic: str = ""  # ERR-7 diagnostic information


def finding_entry(finding: Finding) -> ErrEntry:
    """The ERR of a finding: its location and rule (never its message text or value)."""
    rule = RULES.get(finding.rule)
    summary = rule.summary if rule is not None else finding.rule
    explanation = rule.explanation if rule is not None else ""
    return ErrEntry(error_code(finding.rule), finding.severity, finding.where, finding.rule,
                    summary, explanation)


def reject_entry(reason: Reject) -> ErrEntry:
    """The ERR of a frame rejected unchecked."""
    code, summary = reason.value
    return ErrEntry(code, Severity.ERROR, None, reason.rule_id, summary)


@dataclass(frozen=True, slots=True)
class Ack:
    """An acknowledgement, field by field, before serialization."""

    delimiters: Delimiters
    sending_application: str  # the message's MSH-5 …
    sending_facility: str
    receiving_application: str  # … and MSH-3
    receiving_facility: str
    time: str  # MSH-7
    message_type: tuple[str, ...]  # MSH-9 components: ACK, trigger, ACK
    control_id: str  # MSH-10 of the ACK itself
    processing_id: str
    version: str
    charset: str
    code: AckCode  # MSA-1
    acknowledged_id: str  # MSA-2
    errors: tuple[ErrEntry, ...]
    legacy_errors: bool  # before v2.5: ERR-1 (ELD) instead of ERR-2..8
    encoding: str


def build_ack(
    header: Header | None,
    code: AckCode,
    entries: Sequence[ErrEntry],
    control_id: str,
    now: datetime,
) -> Ack:
    """The ACK answering a message with ``header`` (None: unreadable, defaults used)."""
    h = header or Header(DEFAULT_DELIMITERS, version=DEFAULT_VERSION)
    version = version_of(h)
    legacy = version is not None and version < (2, 5)
    if legacy:  # ERR-1 has no severity: errors only
        entries = [e for e in entries if e.severity is Severity.ERROR]
    else:
        entries = [e for e in entries if e.severity is not Severity.INFO]
    if len(entries) > MAX_ERR_SEGMENTS:
        more = len(entries) - MAX_ERR_SEGMENTS + 1
        entries = [*entries[: MAX_ERR_SEGMENTS - 1], ErrEntry(
            ErrorCode.APPLICATION_INTERNAL, Severity.ERROR, None, "listen.more-findings",
            f"{more} more findings not listed: validate the capture for all of them")]
    kind = ("ACK", h.trigger, "ACK") if version is None or version >= (2, 3, 1) \
        else ("ACK", h.trigger)
    return Ack(
        h.delimiters, h.receiving_application, h.receiving_facility, h.sending_application,
        h.sending_facility, now.strftime("%Y%m%d%H%M%S") + now.strftime("%z"), kind,
        control_id, h.processing_id or "P", h.version, h.charset, code, h.control_id,
        tuple(entries), legacy, h.encoding,
    )


def _wanted(condition: str, success: bool) -> bool:
    """Whether MSH-15/16 ``condition`` asks for an acknowledgement (HL7 table 0155)."""
    if condition in ("", "NE"):
        return False
    if condition == "ER":
        return not success
    if condition == "SU":
        return success
    return True  # AL, or a code the table does not have: answer rather than stay silent


def reply_codes(
    header: Header | None, outcome: AckCode, reject: Reject | None, *, original: bool = False
) -> list[AckCode]:
    """The acknowledgements a message gets, in order, for its application ``outcome`` (AA, AE or
    AR, with the ``reject`` reason of an AR).

    Original mode (MSH-15 and MSH-16 empty, an unreadable header, or ``original``): the outcome
    alone.
    Enhanced mode: a commit ACK (CA when captured, CE when the capture failed, CR when rejected)
    if MSH-15 asks for it, then, for a captured message, the application ACK if MSH-16 asks for
    it: AL always, NE (or empty) never, ER only for AE/CE/CR, SU only for AA/CA. Both go back on
    the same connection.
    """
    if original or header is None or not header.enhanced:
        return [outcome]
    if outcome is AckCode.AR:
        commit = AckCode.CE if reject is Reject.CAPTURE else AckCode.CR
    else:
        commit = AckCode.CA
    codes = [commit] if _wanted(header.accept_ack, commit is AckCode.CA) else []
    if commit is AckCode.CA and _wanted(header.application_ack, outcome is AckCode.AA):
        codes.append(outcome)
    return codes


def escape(text: str, d: Delimiters) -> str:
    """``text`` with every delimiter written as its HL7 escape (``\\F\\``, ``\\S\\`` …)."""
    e = d.escape
    table = {
        ord(e): f"{e}E{e}", ord(d.field): f"{e}F{e}", ord(d.component): f"{e}S{e}",
        ord(d.subcomponent): f"{e}T{e}", ord(d.repetition): f"{e}R{e}",
        ord("\r"): f"{e}X0D{e}", ord("\n"): f"{e}X0A{e}",
    }
    if d.truncation:
        table[ord(d.truncation)] = f"{e}P{e}"
    return text.translate(table)


def _join(parts: Sequence[str], sep: str) -> str:
    """Parts joined, trailing empty ones dropped."""
    items = list(parts)
    while items and not items[-1]:
        items.pop()
    return sep.join(items)


def _erl(where: Location | None) -> list[str]:
    """ERL components (segment, sequence, field, repetition, component, sub-component) of a
    segment location; none for a line or the whole input (no segment id names them)."""
    if where is None or where.kind is not LocationKind.SEGMENT:
        return []
    out = [where.segment, str(where.occurrence)]
    if where.field is not None:
        out += [str(where.field), str(where.repetition or 1)]
        if where.component is not None:
            out.append(str(where.component))
            if where.subcomponent is not None:
                out.append(str(where.subcomponent))
    return out


def _err_segment(entry: ErrEntry, ack: Ack) -> str:
    d = ack.delimiters
    code = [str(int(entry.code)), DESCRIPTIONS[entry.code], "HL70357"]
    if ack.legacy_errors:
        place = _erl(entry.where)[:3]
        place += [""] * (3 - len(place))
        eld = _join([*place, d.subcomponent.join(code)], d.component)
        return _join(["ERR", eld], d.field)
    return _join([
        "ERR", "", _join(_erl(entry.where), d.component), d.component.join(code),
        entry.severity.value[0].upper(),
        _join([escape(entry.rule_id, d), "", LOCAL_CODES], d.component), "",
        escape(entry.diagnostic, d), escape(entry.summary, d),
    ], d.field)


def serialize(ack: Ack) -> bytes:
    """The ACK's bytes: segments ended by CR, in the encoding the message's header came in."""
    d = ack.delimiters
    encoding_chars = d.component + d.repetition + d.escape + d.subcomponent + (d.truncation or "")
    msh = _join([
        "MSH" + d.field + encoding_chars, ack.sending_application, ack.sending_facility,
        ack.receiving_application, ack.receiving_facility, ack.time, "",
        _join(ack.message_type, d.component), ack.control_id, ack.processing_id, ack.version,
        "", "", "", "", "", ack.charset,
    ], d.field)
    segments = [msh, d.field.join(["MSA", ack.code.value, ack.acknowledged_id])]
    segments.extend(_err_segment(e, ack) for e in ack.errors)
    return ("\r".join(segments) + "\r").encode(ack.encoding, "replace")
