"""The fields the measures take from one tokenized HL7 v2 message, as plain rows.

One function, :func:`message_rows`, with no DuckDB and no file: `hiecheck measure` calls it on
each message it reads, and `check --messages` runs it inside its one validation pass (in worker
processes too, so it pickles and returns only tuples of text). Which rows count for a measure is
decided by the measure's SQL, not here.
"""

from __future__ import annotations

from hiecheck.hl7.message import Message, Segment, unescape

_LOINC_SYSTEMS = {"LN", "LOINC", ""}
NO_FACILITY = "no-MSH-4"

MessageRow = tuple[str, str, str, str, str, str]
"""facility, patient_key, birth_date, patient_class, msg_date, ref (hl7_messages without msg_id)"""
DxRow = tuple[str, str, str]
"""code, dx_date, ref (hl7_dx without msg_id)"""
ObsRow = tuple[str, str, str, str, str]
"""loinc, value_text, obs_date, status, ref (hl7_obs without msg_id)"""
MessageRows = tuple[MessageRow, list[DxRow], list[ObsRow]]


def _day(value: str) -> str:
    """YYYY-MM-DD from an HL7 DTM/TS (first 8 digits), or '' when it holds no valid day."""
    digits = value[:8]
    if len(digits) == 8 and digits.isdigit():
        month, dom = int(digits[4:6]), int(digits[6:8])
        if 1 <= month <= 12 and 1 <= dom <= 31:
            return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
    return ""


def _patient_key(pid: Segment, id_type: str | None) -> str:
    """PID-3 CX.1 of the first repetition, or of the first whose CX.5 is ``id_type``."""
    for rep in range(1, len(pid.repetitions(3)) + 1):
        ident = pid.component(3, 1, rep).strip()
        if ident and (id_type is None or pid.component(3, 5, rep).strip() == id_type):
            return unescape(ident, pid.delimiters)
    return ""


def _loinc(obx: Segment) -> str:
    """OBX-3's LOINC code: the identifier when its system is LN (or blank), else the alternate."""
    if obx.component(3, 3).strip().upper() in _LOINC_SYSTEMS and obx.component(3, 1).strip():
        return obx.component(3, 1).strip()
    if obx.component(3, 6).strip().upper() in ("LN", "LOINC"):
        return obx.component(3, 4).strip()
    return ""


def _value(obx: Segment) -> str:
    """OBX-5 as text; an SN value (comparator^num1^separator^num2) as 'num1/num2' or 'num1'."""
    if obx.field(2).strip().upper() == "SN":
        parts = [obx.component(5, i) for i in (2, 3, 4)]
        return f"{parts[0]}{parts[1]}{parts[2]}" if parts[1] == "/" else parts[0]
    return unescape(obx.repetitions(5)[0], obx.delimiters)


def message_rows(message: Message, id_type: str | None = None) -> MessageRows | None:
    """The message's hl7_messages row, its DG1 and its LOINC-coded OBX rows (None: no PID).

    The patient is PID-3 (``id_type``: the repetition whose CX.5 it is); the message's day is
    PV1-44, else EVN-2, else MSH-7; refs name the source, line and segment (``feed.hl7:line 40
    OBX[2]``), never a value."""
    pid = message.first("PID")
    if pid is None:
        return None
    name = message.source
    pv1 = message.first("PV1")
    evn = message.first("EVN")
    msh = message.msh
    msg_date = (
        (_day(pv1.component(44, 1)) if pv1 else "")
        or (_day(evn.component(2, 1)) if evn else "")
        or _day(msh.component(7, 1))
    )
    row: MessageRow = (
        unescape(msh.component(4, 1).strip(), msh.delimiters) or NO_FACILITY,
        _patient_key(pid, id_type), _day(pid.component(7, 1)),
        pv1.component(2, 1).strip().upper() if pv1 else "", msg_date,
        f"{name}:line {message.line} MSH[1]",
    )
    dxs: list[DxRow] = []
    for dg1 in message.index.get("DG1", ()):
        code = dg1.component(3, 1).strip().upper().replace(".", "")
        if code:
            where = f"{name}:line {dg1.line} {dg1.location()}"
            dxs.append((code, _day(dg1.component(5, 1)), where))
    obxs: list[ObsRow] = []
    obr_date = ""
    for seg in message.segments:
        if seg.id == "OBR":
            obr_date = _day(seg.component(7, 1))
        elif seg.id == "OBX":
            loinc = _loinc(seg)
            if loinc:
                obxs.append((
                    loinc, _value(seg), _day(seg.component(14, 1)) or obr_date,
                    seg.component(11, 1).strip().upper(),
                    f"{name}:line {seg.line} {seg.location()}",
                ))
    return row, dxs, obxs
