"""The listener on a free port, with clients no one here wrote (python-hl7's MLLPClient and its
``mllp_send`` command) and raw sockets for what they cannot send (issue 16, "MLLP endpoint")."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hl7.client import MLLPClient

from hiecheck.cli import run
from tests.listen.conftest import acks, broken, clean, frame, msa

ACK_WAIT = 60.0  # seconds a test waits for an answer before it fails (never a speed check)


def exchange(port: int, data: bytes, count: int) -> list[bytes]:
    """Send ``data`` on a new connection and read ``count`` ACKs."""
    with socket.create_connection(("127.0.0.1", port), timeout=ACK_WAIT) as sock:
        sock.sendall(data)
        return read_acks(sock, count)


def read_acks(sock: socket.socket, count: int) -> list[bytes]:
    got = b""
    while got.count(b"\x1c\r") < count:
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += chunk
    return acks(got)


def test_mllp_client_gets_aa_and_ae(serve: Any) -> None:
    server = serve()
    with MLLPClient("127.0.0.1", server.port) as client:
        good = client.send_message(clean("OK1"))
        bad = client.send_message(broken("BAD1"))
    assert msa(acks(good)[0])[1:3] == ["AA", "OK1"]
    ack = acks(bad)[0].decode().split("\r")
    assert ack[1] == "MSA|AE|BAD1"
    errs = [s for s in ack if s.startswith("ERR") and s.split("|")[4] == "E"]
    assert {e.split("|")[2] for e in errs} == {"PID^1^3^1", "PID^1^5^1"}
    assert all("|101^Required field missing^HL70357|E|" in e for e in errs)
    # PV1-10 "FM" is not among table 0069's suggested values: a warning, sent as ERR-4 W
    warned = [s.split("|")[2] for s in ack if s.startswith("ERR") and s.split("|")[4] == "W"]
    assert warned == ["PV1^1^10^1"]
    assert server.listener.tally.codes == {"AA": 1, "AE": 1, "AR": 0}


def test_partial_frames_and_several_messages_per_read(serve: Any) -> None:
    server = serve()
    data = frame(clean("P1")) + frame(broken("P2")) + frame(clean("P3"))
    with socket.create_connection(("127.0.0.1", server.port), timeout=ACK_WAIT) as sock:
        sock.sendall(data[:7])  # half a header
        sock.sendall(data[7:])  # the rest and two more messages in one write
        got = read_acks(sock, 3)
    assert [msa(a)[1:3] for a in got] == [["AA", "P1"], ["AE", "P2"], ["AA", "P3"]]


def test_garbage_between_frames_is_skipped(serve: Any) -> None:
    server = serve()
    got = exchange(server.port, b"hello\r\n" + frame(clean("G1")) + b"\x00\xff" +
                   frame(clean("G2")), 2)
    assert [msa(a)[1:3] for a in got] == [["AA", "G1"], ["AA", "G2"]]
    server.stop()
    assert server.listener.tally.stray_bytes == len(b"hello\r\n\x00\xff")


def test_not_hl7_and_unreadable_header_are_rejected_not_captured(
    serve: Any, tmp_path: Path
) -> None:
    server = serve()
    got = exchange(server.port, frame(b"hello") + frame(b"MSH") + frame(clean("C1")), 3)
    assert [msa(a)[1] for a in got] == ["AR", "AR", "AA"]
    assert "|100^Segment sequence error^HL70357|E|listen.not-hl7" in got[0].decode()
    assert "listen.header" in got[1].decode()
    server.stop()
    assert (tmp_path / "capture.hl7").read_bytes() == clean("C1").encode()


def test_oversized_frame_gets_ar_and_the_connection_goes_on(serve: Any) -> None:
    server = serve(max_frame=4096)
    big = clean("BIG1").replace("DG1|1", "NTE|1||" + "x" * 10_000 + "\rDG1|1")
    got = exchange(server.port, frame(big) + frame(clean("AFTER")), 2)
    assert msa(got[0])[1:3] == ["AR", "BIG1"]  # the header was read from the frame's start
    assert "listen.oversized" in got[0].decode()
    assert msa(got[1])[1:3] == ["AA", "AFTER"]
    assert server.listener.tally.oversized == 1


def test_several_messages_in_one_frame_are_rejected(serve: Any) -> None:
    server = serve()
    got = exchange(server.port, frame(clean("A") + clean("B")), 1)
    assert msa(got[0])[1:3] == ["AR", "A"]
    assert "listen.several" in got[0].decode()


def test_enhanced_mode_ne_ne_sends_nothing_al_al_sends_commit_then_application(
    serve: Any, tmp_path: Path
) -> None:
    server = serve()
    data = frame(clean("E1", "|||NE|NE")) + frame(broken("E2") .replace(
        "|P|2.5.1", "|P|2.5.1|||AL|AL", 1)) + frame(clean("E3"))
    got = exchange(server.port, data, 3)
    assert [msa(a)[1:3] for a in got] == [["CA", "E2"], ["AE", "E2"], ["AA", "E3"]]
    assert "ERR" not in got[0].decode()  # a commit ACK says nothing of the content
    server.stop()
    assert (tmp_path / "capture.hl7").read_bytes().count(b"MSH|") == 3  # E1 captured too


def test_original_acks_option_ignores_msh_15_16(serve: Any) -> None:
    server = serve(original_acks=True)
    got = exchange(server.port, frame(clean("O1", "|||NE|NE")), 1)
    assert msa(got[0])[1:3] == ["AA", "O1"]


def test_concurrent_clients_all_answered_and_captured_once(serve: Any, tmp_path: Path) -> None:
    server = serve()
    errors: list[BaseException] = []

    def client(n: int) -> None:
        try:
            with MLLPClient("127.0.0.1", server.port) as c:
                for i in range(25):
                    ack = acks(c.send_message(clean(f"C{n}-{i}")))[0]
                    assert msa(ack)[1:3] == ["AA", f"C{n}-{i}"]
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(ACK_WAIT)
    assert not errors
    server.stop()
    assert server.listener.tally.connections == 6
    data = (tmp_path / "capture.hl7").read_bytes()
    captured = Counter(m for m in data.split(b"\rMSH|"))
    assert len(captured) == 150 and set(captured.values()) == {1}


def test_capture_is_byte_for_byte_and_validate_reads_it_back(
    serve: Any, tmp_path: Path
) -> None:
    server = serve()
    sent = [clean("V1").encode(), broken("V2").encode(),
            clean("V3").replace("\r", "\n").encode(),  # LF segments: kept as sent
            clean("V4").encode()[:-1]]  # no final CR: one is added between messages
    exchange(server.port, b"".join(frame(m) for m in sent), 4)
    server.stop()
    capture = tmp_path / "capture.hl7"
    assert capture.read_bytes() == b"".join(sent) + b"\r"
    report = tmp_path / "report.json"
    assert run(["validate", str(capture), "-f", "json", "-o", str(report), "-q"]) == 1
    doc = json.loads(report.read_text())
    messages = [m for f in doc["files"] for m in f["results"]]
    assert [m["control_id"] for m in messages] == ["V1", "V2", "V3", "V4"]
    assert [m["errors"] > 0 for m in messages] == [False, True, False, False]


def test_capture_appends_to_an_existing_file(serve: Any, tmp_path: Path) -> None:
    capture = tmp_path / "capture.hl7"
    capture.write_bytes(clean("OLD").encode())
    server = serve()
    exchange(server.port, frame(clean("NEW")), 1)
    server.stop()
    assert capture.read_bytes() == (clean("OLD") + clean("NEW")).encode()


def test_mllp_send_command(serve: Any, tmp_path: Path) -> None:
    mllp_send = shutil.which("mllp_send", path=os.path.dirname(sys.executable))
    assert mllp_send is not None, "python-hl7's mllp_send (the test extra) is not installed"
    server = serve()
    messages = tmp_path / "to-send.hl7"
    messages.write_bytes(b"".join(frame(m) for m in (clean("S1"), broken("S2"), clean("S3"))))
    done = subprocess.run([mllp_send, "--port", str(server.port), "--file", str(messages),
                           "127.0.0.1"], capture_output=True, timeout=ACK_WAIT, check=True)
    out = done.stdout.decode()
    assert "MSA|AA|S1" in out and "MSA|AE|S2" in out and "MSA|AA|S3" in out
    server.stop()
    # mllp_send strips each message's last CR: the capture puts one back, so it reads the same.
    assert (tmp_path / "capture.hl7").read_bytes() == (
        clean("S1") + broken("S2") + clean("S3")).encode()


def test_idle_connection_is_closed(serve: Any) -> None:
    server = serve(idle_timeout=0.2)
    with socket.create_connection(("127.0.0.1", server.port), timeout=ACK_WAIT) as sock:
        assert sock.recv(10) == b""  # closed by the listener
    assert server.listener.tally.timeouts == 1


def test_a_connection_over_the_limit_is_closed_and_counted(serve: Any) -> None:
    server = serve(max_connections=1)
    with socket.create_connection(("127.0.0.1", server.port), timeout=ACK_WAIT) as first:
        first.sendall(frame(clean("C1")))
        assert msa(read_acks(first, 1)[0])[1:3] == ["AA", "C1"]  # the first one is open
        with socket.create_connection(("127.0.0.1", server.port), timeout=ACK_WAIT) as extra:
            extra.sendall(frame(clean("C2")))
            # closed, nothing read, nothing answered (a reset: it had sent unread bytes)
            with contextlib.suppress(ConnectionResetError):
                assert extra.recv(10) == b""
        first.sendall(frame(clean("C3")))
        assert msa(read_acks(first, 1)[0])[1:3] == ["AA", "C3"]  # the first one goes on
    assert server.listener.tally.refused == 1
    assert "1 connections refused (limit)" in server.listener.tally.line()
    # once the first has closed, a new connection is served
    deadline = ACK_WAIT
    while server.listener.tally.open_connections and deadline > 0:
        threading.Event().wait(0.05)
        deadline -= 0.05
    assert msa(exchange(server.port, frame(clean("C4")), 1)[0])[1:3] == ["AA", "C4"]
    assert (server.listener.capture.path.read_bytes()
            == (clean("C1") + clean("C3") + clean("C4")).encode())


def listen_process(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hiecheck", "listen", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    assert "MLLP on 127.0.0.1:" in line, line + proc.stderr.read().decode()  # type: ignore[union-attr]
    return proc, int(line.split("127.0.0.1:", 1)[1].split()[0])


def test_sigterm_with_messages_in_flight_loses_no_acknowledged_message(tmp_path: Path) -> None:
    capture = tmp_path / "capture.hl7"
    proc, port = listen_process(tmp_path, "--capture", str(capture), "--quiet")
    ids = [f"T{n}" for n in range(2000)]
    with socket.create_connection(("127.0.0.1", port), timeout=ACK_WAIT) as sock:
        sock.sendall(b"".join(frame(clean(i)) for i in ids[:1000]))
        got = b""
        while b"\x1c\r" not in got:
            got += sock.recv(65536)
        proc.send_signal(signal.SIGTERM)  # while messages are still being answered
        with contextlib.suppress(OSError):  # the listener may have closed the connection
            sock.sendall(b"".join(frame(clean(i)) for i in ids[1000:]))
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
    out, err = proc.communicate(timeout=ACK_WAIT)
    assert proc.returncode == 0, err
    assert b"stopped after" in out
    assert b"TESTPATIENT" not in out + err and b"T1|" not in out  # counts, never values
    acked = [msa(a)[2] for a in acks(got)]
    assert acked == ids[: len(acked)]  # in order, none twice
    text = "\r" + capture.read_bytes().decode()
    captured = [m.split("|")[9] for m in text.split("\rMSH")[1:]]
    assert len(captured) == len(set(captured))
    assert set(acked) <= set(captured)


def test_port_in_use_is_exit_2_with_one_line(tmp_path: Path, capfd: Any) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert run(["listen", "--port", str(port), "-r", "none"]) == 2
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"127.0.0.1:{port}" in err[0] and "cannot listen" in err[0]


def test_bad_host_is_exit_2(capfd: Any) -> None:
    assert run(["listen", "--host", "no-such-host.invalid", "--port", "0", "-r", "none"]) == 2
    assert "cannot listen" in capfd.readouterr().err


@pytest.mark.parametrize("kind", ["folder", "device"])
def test_capture_that_is_not_a_file_is_refused(tmp_path: Path, capfd: Any, kind: str) -> None:
    target = str(tmp_path) if kind == "folder" else os.devnull
    assert run(["listen", "--port", "0", "--capture", target, "-r", "none"]) == 2
    err = capfd.readouterr().err
    assert "--capture" in err and ("folder" in err or "not a regular file" in err)


def test_a_check_that_fails_is_answered_ar_and_the_listener_goes_on(
    serve: Any, monkeypatch: pytest.MonkeyPatch, capfd: Any
) -> None:
    from hiecheck.listen import server as server_module

    real = server_module.validate_message

    def boom(raw: Any, checks: Any) -> Any:
        if "|BOOM|" in raw.lines[0][1]:
            raise ValueError("SECRET-VALUE")
        return real(raw, checks)

    monkeypatch.setattr(server_module, "validate_message", boom)
    server = serve()
    got = exchange(server.port, frame(clean("BOOM")) + frame(clean("FINE")), 2)
    assert msa(got[0])[1] == "AR" and "listen.internal" in got[0].decode()
    assert msa(got[1])[1:3] == ["AA", "FINE"]
    err = capfd.readouterr().err
    assert "internal error" in err and "SECRET-VALUE" not in err


def test_a_failed_capture_write_is_answered_ar_and_not_kept(serve: Any, tmp_path: Path) -> None:
    server = serve()
    sink = server.listener.capture

    def full(data: bytes) -> None:
        raise OSError(28, "No space left on device")

    sink.write_now = full
    got = exchange(server.port, frame(clean("LOST")), 1)
    assert msa(got[0])[1:3] == ["AR", "LOST"] and "listen.capture" in got[0].decode()
    assert server.listener.tally.capture_errors == 1
    assert (tmp_path / "capture.hl7").read_bytes() == b""


def test_capture_write_error_cuts_back_what_it_wrote(tmp_path: Path, monkeypatch: Any) -> None:
    from hiecheck.listen import capture as capture_module

    path = tmp_path / "c.hl7"
    sink = capture_module.Capture(path)
    sink.write_now(b"MSH|1\r")

    def failing_sync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(capture_module, "_sync", failing_sync)
    with pytest.raises(OSError):
        sink.write_now(b"MSH|2\r")
    sink.close()
    assert path.read_bytes() == b"MSH|1\r"
