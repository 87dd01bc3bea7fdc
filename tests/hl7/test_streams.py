"""Reading any source as it comes: FIFOs, devices, /dev/fd/N, gzip; caps on what one source can
make the reader hold; the real reason for a source that holds no message; non-HL7 files found in
folders skipped with a note."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiecheck.errors import InputError
from hiecheck.hl7 import reader
from hiecheck.hl7.reader import Source, SourceSummary, expand_sources, read_stream
from hiecheck.hl7.validate import MessageResult, SourceEnd, validate_paths


def _feed(h: SimpleNamespace, n: int = 3) -> bytes:
    return "".join(h.clean_adt(control=f"C{i}") for i in range(n)).encode()


def _writer(path: Path | int, data: bytes) -> threading.Thread:
    """Write ``data`` to a FIFO (by path) or a pipe (by fd) from a thread, then close it."""

    def run() -> None:
        try:
            if isinstance(path, int):
                with os.fdopen(path, "wb") as fh:
                    fh.write(data)
            else:
                with open(path, "wb") as fh:
                    fh.write(data)
        except BrokenPipeError:
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _ends(events: list[object]) -> list[SourceEnd]:
    return [e for e in events if isinstance(e, SourceEnd)]


def _rules(end: SourceEnd) -> list[str]:
    return [f.rule for f in end.findings]


# --- streams -------------------------------------------------------------------------------------


def test_a_fifo_named_explicitly_is_streamed(h: SimpleNamespace, tmp_path: Path) -> None:
    fifo = tmp_path / "feed"
    os.mkfifo(fifo)
    assert expand_sources([str(fifo)]) == [Source(str(fifo), stream=True)]
    thread = _writer(fifo, _feed(h))
    events = h.run_events([str(fifo)])
    thread.join()
    assert len(h.messages(events)) == 3 and not h.all_findings(events)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_process_substitution_is_read_in_this_process(
    h: SimpleNamespace, jobs: str
) -> None:
    """``hiecheck validate <(zcat x.gz)``: the child gets /dev/fd/N, which a --jobs worker could
    not reopen; the stream is read where it was opened."""
    read_end, write_end = os.pipe()
    thread = _writer(write_end, gzip.compress(_feed(h, 5)))
    result = subprocess.run(
        [sys.executable, "-m", "hiecheck", "validate", f"/dev/fd/{read_end}", "-f", "json",
         "-j", jobs], pass_fds=[read_end], capture_output=True,
    )
    os.close(read_end)
    thread.join()
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["totals"]["messages"] == 5


def test_character_devices_are_streams_and_end_with_a_clear_error(h: SimpleNamespace) -> None:
    empty = h.run_process("validate", "/dev/null", "-q")
    assert empty.returncode == 2
    assert empty.stderr.decode() == (
        "hiecheck: error: /dev/null: no HL7 message in this input: it is empty\n")
    zero = h.run_process("validate", "/dev/zero", "-f", "json", "-q")  # one endless line
    assert zero.returncode == 2
    assert zero.stderr.decode() == (
        "hiecheck: error: /dev/zero:line 1: line 1 is longer than 16 MiB, the limit for one "
        "line; the rest of the input was not read\n")
    assert json.loads(zero.stdout)["totals"]["unreadable_files"] == 1


def test_folders_give_regular_files_only(h: SimpleNamespace, tmp_path: Path) -> None:
    (tmp_path / "a.hl7").write_bytes(_feed(h, 1))
    os.mkfifo(tmp_path / "blocked.hl7")  # opening it would wait for a writer forever
    os.symlink("/dev/zero", tmp_path / "zero.hl7")
    assert [s.path for s in expand_sources([str(tmp_path)])] == [str(tmp_path / "a.hl7")]


def test_a_socket_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.hl7"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(InputError, match="not a file, folder, pipe or device"):
            expand_sources([str(path)])


# --- gzip ----------------------------------------------------------------------------------------


def test_gzip_is_read_transparently_from_files_folders_and_pipes(
    h: SimpleNamespace, tmp_path: Path
) -> None:
    data = _feed(h, 4)
    plain = tmp_path / "plain" / "a.hl7"
    plain.parent.mkdir()
    plain.write_bytes(data)
    zipped = tmp_path / "zipped"
    zipped.mkdir()
    (zipped / "a.hl7.gz").write_bytes(gzip.compress(data[:300]) + gzip.compress(data[300:]))
    (zipped / "capture.gz").write_bytes(gzip.compress(data))
    assert [Path(s.path).name for s in expand_sources([str(zipped)])] == [
        "a.hl7.gz", "capture.gz"]

    def results(paths: list[str]) -> list[tuple[object, ...]]:
        return [(m.number, m.control_id, tuple(m.findings))
                for m in h.messages(h.run_events(paths))]

    expected = results([str(plain)])
    assert results([str(zipped / "a.hl7.gz")]) == expected  # two gzip members
    assert results([str(zipped / "capture.gz")]) == expected
    piped = h.run_process("validate", "-", "-f", "json", stdin=gzip.compress(data))
    assert piped.returncode == 0 and json.loads(piped.stdout)["totals"]["messages"] == 4


def test_a_broken_gzip_stream_is_unreadable_after_what_it_gave(
    h: SimpleNamespace, tmp_path: Path
) -> None:
    path = tmp_path / "cut.hl7.gz"
    whole = gzip.compress(_feed(h, 200))
    path.write_bytes(whole[: len(whole) // 2])
    result = h.run_process("validate", str(path), "-f", "json", "-q")
    assert result.returncode == 2
    assert "read failed: broken gzip stream" in result.stderr.decode()
    assert result.stderr.decode().count("\n") == 1


# --- caps ----------------------------------------------------------------------------------------


class _CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.given = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.given += len(data)
        return data


def _read(data: bytes) -> tuple[list[reader.RawMessage], SourceSummary, int]:
    stream = _CountingStream(data)
    summary = SourceSummary("mem")
    return list(read_stream(stream, summary)), summary, stream.given


def test_a_line_past_the_cap_stops_the_source_without_holding_it(
    h: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 4096)
    monkeypatch.setattr(reader, "CHUNK_SIZE", 1024)
    good = h.clean_adt(control="C1").encode()
    long_line = b"OBX|1|ED|PDF||" + b"A" * 1_000_000 + b"\r"
    messages, summary, given = _read(good + h.clean_adt(control="C2").encode() + long_line + good)
    assert [m.number for m in messages] == [1]  # the message holding the long line is dropped
    assert summary.messages == 1
    assert summary.stopped is not None and summary.stopped.line == 9
    assert summary.stopped.detail.startswith("line 9 is longer than 4 KiB, the limit for one line")
    assert "message #2 (line 5) is not checked" in summary.stopped.detail
    assert given <= 4096 + 2 * 1024 + len(good) * 2  # stopped, not read to the end


def test_a_message_past_its_segment_cap_stops_the_source(
    h: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "MAX_MESSAGE_SEGMENTS", 50)
    monkeypatch.setattr(reader, "CHUNK_SIZE", 256)
    big = h.clean_adt(control="C2") + "NTE|1||x\r" * 500
    messages, summary, _ = _read((h.clean_adt() + big + h.clean_adt(control="C3")).encode())
    assert [m.number for m in messages] == [1]
    assert summary.stopped is not None
    assert "message #2 (line 5) is larger than" in summary.stopped.detail


def test_a_message_past_its_byte_cap_stops_the_source(
    h: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "MAX_MESSAGE_BYTES", 10_000)
    monkeypatch.setattr(reader, "CHUNK_SIZE", 1024)
    big = h.clean_adt(control="C1") + ("OBX|1|ST|x||" + "v" * 900 + "\r") * 40
    messages, summary, _ = _read(big.encode())
    assert messages == [] and summary.messages == 0
    assert summary.stopped is not None and "message #1 (line 1)" in summary.stopped.detail


def test_file_level_notes_are_capped_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_FILE_NOTES", 10)
    data = b"".join(b"junk \xff line %d\n\n" % i for i in range(100))
    _, summary, _ = _read(data)
    assert len(summary.notes) == 11 and summary.notes[-1].kind == reader.NOTE_MORE
    assert summary.dropped_notes > 0 and len(summary.stray) <= 10


def test_applied_batch_segments_are_not_kept(h: SimpleNamespace, tmp_path: Path) -> None:
    batch = "BHS|^~\\&\r" + h.clean_adt() + "BTS|1\r"
    path = tmp_path / "batches.hl7"
    path.write_text("FHS|^~\\&\r" + batch * 3000 + "FTS|3000\r", newline="")
    events = h.run_events([str(path)])
    assert len(h.messages(events)) == 3000
    assert not h.all_findings(events)  # every BTS-1 and the FTS-1 count still checked


def test_the_fast_path_skips_no_cap_check(h: SimpleNamespace) -> None:
    """A normal capture reads exactly as before: nothing stopped, nothing dropped."""
    _, summary, _ = _read(_feed(h, 50))
    assert summary.stopped is None and summary.dropped_notes == 0 and summary.messages == 50


# --- sources that hold no message ----------------------------------------------------------------


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "it is empty"),
    (b"hello\nworld\n", "no MSH segment"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content (NUL bytes near the start"),
    ("MSH|^~\\&|x\r".encode("utf-16"), "binary content (NUL bytes near the start"),
])
def test_a_named_file_without_messages_is_one_line_with_the_reason(
    h: SimpleNamespace, write, content: bytes, reason: str
) -> None:
    path = write(content)
    result = h.run_process("validate", path, "-q")
    assert result.returncode == 2
    assert result.stderr.decode().startswith(
        f"hiecheck: error: {path}: no HL7 message in this file: {reason}")
    assert result.stderr.decode().count("\n") == 1 and result.stdout  # the report is written


def test_permission_denied_is_the_reason_given(
    h: SimpleNamespace, write, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(h.clean_adt())

    def denied(source: Source) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("hiecheck.hl7.validate.open_binary", denied)
    events = h.run_events([path])
    (end,) = _ends(events)
    assert _rules(end) == ["read.unreadable"]
    assert end.findings[0].message == "cannot read file: Permission denied"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_permission_denied_on_the_command_line(h: SimpleNamespace, write) -> None:
    path = write(h.clean_adt())
    os.chmod(path, 0)
    result = h.run_process("validate", path, "-q")
    assert result.returncode == 2
    assert result.stderr.decode() == (
        f"hiecheck: error: {path}: cannot read file: Permission denied\n")


def test_non_hl7_files_found_in_a_folder_are_skipped_with_a_note(
    h: SimpleNamespace, tmp_path: Path, cli
) -> None:
    folder = tmp_path / "msgs"
    folder.mkdir()
    (folder / "adt.hl7").write_bytes(_feed(h, 2))
    (folder / "NOTES.txt").write_text("Feed notes: ask Jane about PV1-2.\n")
    (folder / "empty.hl7").write_bytes(b"")
    (folder / "scan").write_bytes(b"%PDF-1.4\n\x00\x00\x00binary" * 100)
    events = h.run_events([str(folder)])
    skipped = {Path(e.source).name: e.findings for e in _ends(events) if e.messages == 0}
    assert sorted(skipped) == ["NOTES.txt", "empty.hl7", "scan"]
    for findings in skipped.values():
        assert [(f.rule, f.severity.value) for f in findings] == [("read.not-hl7", "warning")]
    assert skipped["scan"][0].message.startswith("not HL7: binary content")
    result = cli("validate", str(folder), "-f", "junit", "-q")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.count("read.not-hl7") == 3
    only_notes = tmp_path / "notes"
    only_notes.mkdir()
    (only_notes / "NOTES.txt").write_text("nothing here\n")
    result = cli("validate", str(only_notes), "-q")
    assert result.exit_code == 2
    assert result.stderr == ("hiecheck: error: validate: no HL7 message found: 1 file(s) "
                             "skipped as not HL7 (see the report)\n")


def test_a_binary_file_found_in_a_folder_is_not_read_past_its_start(
    h: SimpleNamespace, tmp_path: Path
) -> None:
    (tmp_path / "video.dat").write_bytes(b"\x00" * 100 + b"\xff" * (8 << 20))
    read: list[int] = []
    events = list(validate_paths([str(tmp_path)], h.checks_for(), on_bytes=read.append))
    assert sum(read) < 64 << 10
    assert not [e for e in events if isinstance(e, MessageResult)]


# --- the line splitter ---------------------------------------------------------------------------


def _reference_lines(data: bytes) -> list[tuple[bytes, bytes]]:
    """Lines the obvious way: CR LF, CR or LF ends a line; the rest is a last line."""
    out = []
    for m in re.finditer(rb"([^\r\n]*)(\r\n|\r|\n)", data):
        out.append((m.group(1), m.group(2)))
    rest = data[sum(len(m.group(0)) for m in re.finditer(rb"[^\r\n]*(?:\r\n|\r|\n)", data)):]
    if rest:
        out.append((rest, b""))
    return out


@settings(max_examples=300, deadline=None)
@given(data=st.lists(st.sampled_from([b"a", b"MSH|", b"\r", b"\n", b"\r\n", b"xy"]),
                     max_size=60).map(b"".join),
       chunk=st.integers(min_value=1, max_value=16))
def test_lines_are_split_the_same_whatever_the_chunks(data: bytes, chunk: int) -> None:
    original = reader.CHUNK_SIZE
    reader.CHUNK_SIZE = chunk
    try:
        assert list(reader.iter_lines(io.BytesIO(data))) == _reference_lines(data)
    finally:
        reader.CHUNK_SIZE = original


def test_a_slow_pipe_is_checked_as_it_comes(h: SimpleNamespace) -> None:
    """Three messages arrive and the writer keeps the pipe open (a live feed, `tail -f … |
    hiecheck validate -`): the first two are read and checked before any more bytes come (the
    third ends only at the next MSH or the end); before, the reader waited for a whole chunk
    (1 MiB) or the end of the stream."""
    read_end, write_end = os.pipe()
    os.write(write_end, "".join(h.clean_adt(control=f"C{i}") + "\r" for i in range(3)).encode())
    seen: list[int] = []
    arrived = threading.Event()

    def consume() -> None:
        from hiecheck.hl7.validate import _Counted  # as validate reads stdin: counted, sniffed

        with os.fdopen(read_end, "rb") as stream:
            opened = reader.decode_stream(_Counted(stream, lambda n: None))
            for raw in read_stream(opened.stream, SourceSummary("-")):
                seen.append(raw.number)
                if len(seen) == 2:
                    arrived.set()

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    try:
        assert arrived.wait(10), seen
        assert seen == [1, 2]
    finally:
        os.close(write_end)
    thread.join(10)
    assert seen == [1, 2, 3]
