"""Observations, diagnoses and visits from HL7 v2 messages, into the measure tables.

Messages are read and split by hiecheck's own reader and tokenizer; :mod:`hl7_rows` picks the
fields; :class:`HL7Tables` writes the rows, one per message, DG1 and OBX, to temporary CSV files
in a private folder (removed when closed) and loads them into DuckDB. `hiecheck measure` fills
it by reading the messages itself (:func:`extract_hl7`); `check --messages` fills it from its one
validation pass (it is a ``MessageTap``: :attr:`HL7Tables.extract` runs where each message is
checked, :meth:`HL7Tables.receive` gets the rows here).
"""

from __future__ import annotations

import csv
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import cast

import duckdb

from hiecheck.errors import InputError
from hiecheck.hl7.message import tokenize
from hiecheck.hl7.reader import STDIN_NAME, SourceSummary, expand_paths, read_stream
from hiecheck.hl7.validate import Extract
from hiecheck.measures.hl7_rows import NO_FACILITY, MessageRows, message_rows

__all__ = ["NO_FACILITY", "ExtractCounts", "HL7Tables", "extract_hl7", "hl7_labs"]

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


class HL7Tables:
    """The hl7_* tables being filled, message by message, in temporary CSV files of a private
    folder; :meth:`load` puts them into a DuckDB session. Use it as a context manager (the
    folder, which holds patient identifiers, is removed on leaving)."""

    def __init__(self, id_type: str | None = None) -> None:
        self.extract: Extract = partial(message_rows, id_type=id_type)
        self.counts = ExtractCounts()
        self._folder = tempfile.TemporaryDirectory(prefix="hiecheck-measure-")
        self.paths = {name: Path(self._folder.name) / f"{name}.csv" for name in TABLES}
        self._handles = {n: p.open("w", encoding="utf-8", newline="")
                         for n, p in self.paths.items()}
        self._rows = [csv.writer(self._handles[n]) for n in TABLES]

    def add(self, rows: MessageRows | None) -> None:
        """One message's rows (None: a message without PID, counted only)."""
        counts = self.counts
        counts.messages += 1
        if rows is None:
            counts.without_pid += 1
            return
        msg_id = counts.messages
        message, dxs, obxs = rows
        messages, dx_rows, obs_rows = self._rows
        messages.writerow((msg_id, *message))
        dx_rows.writerows((msg_id, *dx) for dx in dxs)
        obs_rows.writerows((msg_id, *obs) for obs in obxs)
        counts.diagnoses += len(dxs)
        counts.observations += len(obxs)

    def receive(self, extracted: object) -> None:
        """What :attr:`extract` returned for the next message (the one validation pass)."""
        self.add(cast(MessageRows | None, extracted))  # extract is message_rows: see __init__

    def load(self, con: duckdb.DuckDBPyConnection) -> ExtractCounts:
        """Insert every row written so far into the session's hl7_* tables."""
        for handle in self._handles.values():
            handle.flush()
        for table, path in self.paths.items():
            con.execute(
                f"INSERT INTO {table} SELECT * FROM read_csv(?, header = false, "
                "auto_detect = false, columns = " + _columns(con, table) + ", quote = '\"', "
                "escape = '\"', delim = ',')",
                [str(path)],
            )
        return self.counts

    def close(self) -> None:
        """Close the files and remove the folder."""
        for handle in self._handles.values():
            handle.close()
        self._folder.cleanup()

    def __enter__(self) -> HL7Tables:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def _extract_source(source: str, tables: HL7Tables, id_type: str | None) -> None:
    name = "<stdin>" if source == STDIN_NAME else source
    summary = SourceSummary(name)
    try:
        handle = open(source, "rb") if source != STDIN_NAME else None  # noqa: SIM115
    except OSError as exc:
        raise InputError(source, f"cannot read file: {exc.strerror or exc}") from None
    stream = handle if handle is not None else sys.stdin.buffer
    try:
        for raw in read_stream(stream, summary):
            tables.add(message_rows(tokenize(raw), id_type))
    except OSError as exc:
        raise InputError(source, f"read failed: {exc.strerror or exc}") from None
    finally:
        if handle is not None:
            handle.close()


def extract_hl7(con: duckdb.DuckDBPyConnection, paths: Iterable[str],
                id_type: str | None = None) -> ExtractCounts:
    """Read every message of ``paths`` (files, folders, globs, ``-``) into the hl7_* tables."""
    sources = expand_paths(paths)
    with HL7Tables(id_type) as tables:
        for source in sources:
            tables.counts.sources += 1
            tables.counts.files.append(source)
            _extract_source(source, tables, id_type)
        return tables.load(con)


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
