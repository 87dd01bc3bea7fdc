"""Observations, diagnoses and visits pulled from HL7 v2 messages into the measure tables.

Messages are read and split by hiecheck's own reader and tokenizer; this module only picks the
fields the measures need (PID-3/7, PV1-2/44, EVN-2, MSH-4/7, DG1-3/5, OBR-7, OBX-3/5/11/14) and
writes them, one row per message, DG1 and OBX, to temporary CSV files that DuckDB loads. Which rows
count for a measure is decided by the measure's SQL, not here.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from hiecheck.errors import InputError
from hiecheck.hl7.message import Segment, tokenize, unescape
from hiecheck.hl7.reader import STDIN_NAME, SourceSummary, expand_paths, read_stream

_LOINC_SYSTEMS = {"LN", "LOINC", ""}
NO_FACILITY = "no-MSH-4"
TABLES = ("hl7_messages", "hl7_dx", "hl7_obs")


@dataclass(slots=True)
class ExtractCounts:
    """How much was read: messages, and the segments that feed the tables."""

    sources: int = 0
    messages: int = 0
    without_pid: int = 0
    diagnoses: int = 0
    observations: int = 0
    files: list[str] = field(default_factory=list)


def _day(value: str) -> str:
    """YYYY-MM-DD from an HL7 DTM/TS (first 8 digits), or '' when it holds no valid day."""
    digits = value[:8]
    if len(digits) == 8 and digits.isdigit():
        month, day = int(digits[4:6]), int(digits[6:8])
        if 1 <= month <= 12 and 1 <= day <= 31:
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


class _Writers:
    """The three temporary CSV files, one per table."""

    def __init__(self, folder: Path) -> None:
        self.paths = {name: folder / f"{name}.csv" for name in TABLES}
        self.handles = {n: p.open("w", encoding="utf-8", newline="") for n, p in self.paths.items()}
        self.rows = {n: csv.writer(h) for n, h in self.handles.items()}

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def _extract_source(source: str, writers: _Writers, counts: ExtractCounts,
                    id_type: str | None) -> None:
    name = "<stdin>" if source == STDIN_NAME else source
    summary = SourceSummary(name)
    messages, dxs, obxs = (writers.rows[t] for t in TABLES)
    try:
        handle = open(source, "rb") if source != STDIN_NAME else None  # noqa: SIM115
    except OSError as exc:
        raise InputError(source, f"cannot read file: {exc.strerror or exc}") from None
    stream = handle if handle is not None else sys.stdin.buffer
    try:
        for raw in read_stream(stream, summary):
            message = tokenize(raw)
            counts.messages += 1
            msg_id = counts.messages
            pid = message.first("PID")
            if pid is None:
                counts.without_pid += 1
                continue
            pv1 = message.first("PV1")
            evn = message.first("EVN")
            msh = message.msh
            msg_date = (
                (_day(pv1.component(44, 1)) if pv1 else "")
                or (_day(evn.component(2, 1)) if evn else "")
                or _day(msh.component(7, 1))
            )
            patient_class = pv1.component(2, 1).strip().upper() if pv1 else ""
            messages.writerow([
                msg_id, unescape(msh.component(4, 1).strip(), msh.delimiters) or NO_FACILITY,
                _patient_key(pid, id_type), _day(pid.component(7, 1)), patient_class, msg_date,
                f"{name}:line {raw.line} MSH[1]",
            ])
            for dg1 in message.index.get("DG1", ()):
                code = dg1.component(3, 1).strip().upper().replace(".", "")
                if code:
                    counts.diagnoses += 1
                    dxs.writerow([msg_id, code, _day(dg1.component(5, 1)),
                                  f"{name}:line {dg1.line} {dg1.location()}"])
            obr_date = ""
            for seg in message.segments:
                if seg.id == "OBR":
                    obr_date = _day(seg.component(7, 1))
                elif seg.id == "OBX":
                    loinc = _loinc(seg)
                    if loinc:
                        counts.observations += 1
                        obxs.writerow([
                            msg_id, loinc, _value(seg),
                            _day(seg.component(14, 1)) or obr_date,
                            seg.component(11, 1).strip().upper(),
                            f"{name}:line {seg.line} {seg.location()}",
                        ])
    except OSError as exc:
        raise InputError(source, f"read failed: {exc.strerror or exc}") from None
    finally:
        if handle is not None:
            handle.close()


def extract_hl7(con: duckdb.DuckDBPyConnection, paths: Iterable[str],
                id_type: str | None = None) -> ExtractCounts:
    """Read every message of ``paths`` (files, folders, globs, ``-``) into the hl7_* tables."""
    counts = ExtractCounts()
    sources = expand_paths(paths)
    with tempfile.TemporaryDirectory(prefix="hiecheck-measure-") as tmp:
        writers = _Writers(Path(tmp))
        try:
            for source in sources:
                counts.sources += 1
                counts.files.append(source)
                _extract_source(source, writers, counts, id_type)
        finally:
            writers.close()
        for table, path in writers.paths.items():
            con.execute(
                f"INSERT INTO {table} SELECT * FROM read_csv(?, header = false, "
                "auto_detect = false, columns = " + _columns(con, table) + ", quote = '\"', "
                "escape = '\"', delim = ',')",
                [str(path)],
            )
    return counts


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> str:
    described = con.execute(f"DESCRIBE {table}").fetchall()
    return "{" + ", ".join(f"'{row[0]}': '{row[1]}'" for row in described) + "}"


def hl7_labs(con: duckdb.DuckDBPyConnection) -> int:
    """Add every extracted OBX with a LOINC code to ``labs`` (BHH tests from ORU files)."""
    before = con.execute("SELECT count(*) FROM labs").fetchone()
    con.execute(
        "INSERT INTO labs_rows "
        "(member_id, service_date, loinc, cpt, file, row_no, source, ref_text) "
        "SELECT m.patient_key, coalesce(o.obs_date, m.msg_date), o.loinc, NULL, "
        "split_part(o.ref, ':line ', 1), o.msg_id, 'hl7', o.ref "
        "FROM hl7_obs AS o JOIN hl7_messages AS m USING (msg_id) "
        "WHERE m.patient_key <> '' AND coalesce(o.obs_date, m.msg_date) IS NOT NULL"
    )
    after = con.execute("SELECT count(*) FROM labs").fetchone()
    return int(after[0] if after else 0) - int(before[0] if before else 0)
