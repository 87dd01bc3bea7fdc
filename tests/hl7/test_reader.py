"""Reading captures as they come: separators, BOM, MLLP framing, batches, blank lines, chunking."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hiecheck.errors import InputError
from hiecheck.hl7 import reader
from hiecheck.hl7.message import tokenize, unescape
from hiecheck.hl7.reader import SourceSummary, expand_paths, read_source, read_stream

MSH = "MSH|^~\\&|APP|FAC|HIE|HIN|20260101120000||ADT^A01^ADT_A01|C{n}|P|2.5.1"
PID = "PID|1||123^^^HOSP^MR||DOE^JANE||19800101|F"


def _messages(data: bytes) -> tuple[list[reader.RawMessage], SourceSummary]:
    summary = SourceSummary("mem")
    return list(read_stream(io.BytesIO(data), summary)), summary


@pytest.mark.parametrize("sep", [b"\r", b"\n", b"\r\n"])
def test_every_separator_gives_the_same_segments(sep: bytes) -> None:
    data = sep.join(line.encode() for line in (MSH.format(n=1), PID)) + sep
    msgs, _ = _messages(data)
    assert [[t for _, t in m.lines] for m in msgs] == [[MSH.format(n=1), PID]]
    assert [ln for ln, _ in msgs[0].lines] == [1, 2]


def test_lf_and_crlf_are_noted_cr_is_not() -> None:
    assert {n.kind for n in _messages(f"{MSH}\r{PID}\r".encode())[0][0].notes} == set()
    assert reader.NOTE_LF in {n.kind for n in _messages(f"{MSH}\n{PID}\n".encode())[0][0].notes}
    crlf = _messages(f"{MSH}\r\n{PID}\r\n".encode())[0][0]
    assert reader.NOTE_CRLF in {n.kind for n in crlf.notes}


def test_crlf_split_across_chunks_is_one_break(monkeypatch: pytest.MonkeyPatch) -> None:
    data = f"{MSH}\r\n{PID}\r\n".encode()
    monkeypatch.setattr(reader, "CHUNK_SIZE", len(MSH) + 1)  # chunk ends between CR and LF
    msgs, _ = _messages(data)
    assert [t for _, t in msgs[0].lines] == [MSH, PID]


def test_tiny_chunks_give_identical_result(monkeypatch: pytest.MonkeyPatch) -> None:
    data = ("\r\n".join([MSH.format(n=1), PID, MSH.format(n=2), PID]) + "\n").encode()
    whole, _ = _messages(data)
    monkeypatch.setattr(reader, "CHUNK_SIZE", 3)
    tiny, _ = _messages(data)
    assert [m.lines for m in tiny] == [m.lines for m in whole]


def test_bom_mllp_and_blank_lines_are_removed_and_noted() -> None:
    data = b"\xef\xbb\xbf\x0b" + f"{MSH}\r\r{PID}\r".encode() + b"\x1c\r"
    msgs, _ = _messages(data)
    assert [t for _, t in msgs[0].lines] == [MSH, PID]
    kinds = {n.kind for n in msgs[0].notes}
    assert {reader.NOTE_BOM, reader.NOTE_MLLP, reader.NOTE_BLANK} <= kinds


def test_leading_whitespace_before_first_segment() -> None:
    msgs, summary = _messages(f"\r\n  \r\n{MSH}\r\n{PID}\r\n".encode())
    assert len(msgs) == 1 and msgs[0].line == 3
    assert not summary.stray
    assert [(n.kind, n.line) for n in summary.notes if n.kind != reader.NOTE_CRLF] == [
        (reader.NOTE_WHITESPACE, 1)
    ]


def test_batch_envelope_is_kept_apart_and_messages_numbered() -> None:
    lines = ["FHS|^~\\&|APP", "BHS|^~\\&|APP", MSH.format(n=1), PID, MSH.format(n=2), PID,
             "BTS|2", "FTS|1"]
    msgs, summary = _messages("\r".join(lines).encode())
    assert [m.number for m in msgs] == [1, 2]
    assert [m.lines[-1][1] for m in msgs] == [PID, PID]
    assert [t[:3] for _, t in summary.batch_segments] == ["FHS", "BHS", "BTS", "FTS"]
    assert msgs[0].batch is not None


def test_content_before_first_msh_is_stray_not_lost() -> None:
    msgs, summary = _messages(f"garbage\rPID|x\r{MSH}\r{PID}\r".encode())
    assert len(msgs) == 1
    assert [(s.line, s.count) for s in summary.stray] == [(1, 2)]


def test_non_utf8_bytes_are_read_as_latin1_and_noted() -> None:
    msgs, _ = _messages(MSH.encode() + b"\rPID|1||1||M\xfcller^Hans\r")
    assert msgs[0].lines[1][1] == "PID|1||1||Müller^Hans"
    assert reader.NOTE_LATIN1 in {n.kind for n in msgs[0].notes}


def test_tokenize_uses_the_messages_own_delimiters() -> None:
    raw = _messages(b"MSH#!@%*#SND#FAC#RCV#FAC#20260101##ADT!A01#1#P#2.5\rPID#1##12!!!MRN\r")[0][0]
    msg = tokenize(raw)
    assert (msg.message_code, msg.trigger_event, msg.version) == ("ADT", "A01", "2.5")
    pid = msg.first("PID")
    assert pid is not None and pid.component(3, 4) == "MRN"
    assert pid.location(3, 4) == "PID[1]-3.4"


def test_msh_field_numbers_match_the_standard() -> None:
    msg = tokenize(_messages(f"{MSH.format(n=7)}\r".encode())[0][0])
    assert msg.msh.field(1) == "|" and msg.msh.field(2) == "^~\\&"
    assert msg.msh.field(10) == "C7" and msg.structure_id == "ADT_A01"


def test_doubled_escape_character_in_msh2_is_reported_and_read_sensibly() -> None:
    msg = tokenize(_messages(b"MSH|^~\\\\&|A|B|C|D|2026||ADT^A01|1|P|2.6\rPID|1||x&y\r")[0][0])
    assert [p.rule for p in msg.header_problems] == ["MSH-2.duplicate"]
    assert msg.delimiters.subcomponent == "&"
    assert msg.msh.field(9) == "ADT^A01"


def test_repetitions_components_and_locations() -> None:
    data = b"MSH|^~\\&|A|B|C|D|2026||ADT^A01|1|P|2.5\rPID|1||a^^^H~b^^^S\r"
    msg = tokenize(_messages(data)[0][0])
    pid = msg.first("PID")
    assert pid is not None
    assert pid.repetitions(3) == ["a^^^H", "b^^^S"]
    assert pid.component(3, 4, repetition=2) == "S"
    assert pid.location(3, 4, repetition=2) == "PID[1]-3(2).4"
    assert pid.is_valued(3) and not pid.is_valued(5)


def test_unescape() -> None:
    d = tokenize(_messages(f"{MSH}\r".encode())[0][0]).delimiters
    assert unescape("a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f", d) == "a|b^c&d~e\\f"


def test_expand_paths_folder_glob_and_missing(tmp_path: Path) -> None:
    (tmp_path / "b.hl7").write_bytes(b"MSH|^~\\&|\r")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_bytes(b"MSH|^~\\&|\r")
    assert expand_paths([str(tmp_path)]) == [str(tmp_path / "b.hl7"), str(tmp_path / "sub/a.txt")]
    assert expand_paths([str(tmp_path / "*.hl7")]) == [str(tmp_path / "b.hl7")]
    with pytest.raises(InputError, match="no such file"):
        expand_paths([str(tmp_path / "nope.hl7")])


def test_files_are_never_modified(tmp_path: Path) -> None:
    path = tmp_path / "m.hl7"
    original = b"\xef\xbb\xbf" + f"{MSH}\n{PID}\n".encode()
    path.write_bytes(original)
    assert len(list(read_source(str(path)))) == 1
    assert path.read_bytes() == original
