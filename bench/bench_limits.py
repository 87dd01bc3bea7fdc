"""Peak memory of ``hiecheck validate`` on hostile inputs: the documented memory bound, measured.

Each case runs ``hiecheck validate INPUT --format json --output /dev/null`` in a child process and
reports its exit code, time and peak RSS (``wait4``): a normal capture (``--capture-mb``), one
message whose OBX-5 is just under the 16 MiB line cap, a 50 MB line (refused at the cap), a
message just under the segment cap, one just under the byte cap, 100 long messages whose
segments are out of order in a new layout each (what the fast path's memos must not keep), an
endless ``/dev/zero``, the capture gzipped from a pipe, and ``check`` / ``p4p bhh`` on
``/dev/zero``.
Inputs are generated in a temporary folder in chunks, never held whole. Not a test:
``.venv/bin/python bench/bench_limits.py [--capture-mb N]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hiecheck.hl7 import reader, synth  # noqa: E402

MSH = "MSH|^~\\&|APP|FAC|HIE|HIN|20260101120000||ORU^R01^ORU_R01|C{n}|P|2.5.1\r"
PID = "PID|1||123^^^HOSP^MR||DOE^JANE||19800101|F\r"


def _feed(path: Path, megabytes: int) -> None:
    limit, written, seed = megabytes << 20, 0, 0
    with path.open("wb") as fh:
        while written < limit:
            for lines in synth.feed_batch(5_000, seed=seed):
                data = ("\r".join(lines) + "\r").encode()
                fh.write(data)
                written += len(data)
            seed += 1


def _long_line(path: Path, size: int) -> None:
    with path.open("wb") as fh:
        fh.write((MSH.format(n=1) + PID + "OBX|1|ED|PDF^Report||").encode())
        block = b"QUJD" * (1 << 18)  # 1 MiB of base64-looking text
        left = size
        while left > 0:
            fh.write(block[: min(left, len(block))])
            left -= len(block)
        fh.write(b"\r" + (MSH.format(n=2) + PID).encode())


def _many_segments(path: Path, segments: int, text: str) -> None:
    with path.open("wb") as fh:
        fh.write((MSH.format(n=1) + PID).encode())
        line = f"OBX|1|ST|x||{text}\r".encode()
        for _ in range(segments // 1000):
            fh.write(line * 1000)


def _long_layouts(path: Path, messages: int, segments: int) -> None:
    """Messages out of order (PV1 before EVN), each with a different number of segments: every
    layout is new, so nothing a memo keeps of one helps the next (memory must stay flat)."""
    with path.open("wb") as fh:
        for n in range(messages):
            fh.write((MSH.replace("ORU^R01^ORU_R01", "ADT^A01^ADT_A01").format(n=n)
                      + "PV1|1|I\rEVN|A01|20260101120000\r" + PID).encode())
            fh.write(b"NTE|1\r" * (segments + n))


def run(
    args: list[str], stdin_file: Path | None = None, gz: bool = False
) -> tuple[int, float, float]:
    """(exit code, seconds, peak RSS in MB) of one hiecheck child process."""
    start = time.perf_counter()
    stdin = None
    if stdin_file is not None:
        stdin = subprocess.Popen(
            [sys.executable, "-c", "import gzip,shutil,sys; shutil.copyfileobj("
             "open(sys.argv[1],'rb'), gzip.GzipFile(fileobj=sys.stdout.buffer, mode='wb') "
             "if sys.argv[2] == '1' else sys.stdout.buffer)", str(stdin_file), "1" if gz else "0"],
            stdout=subprocess.PIPE,
        )
    proc = subprocess.Popen(
        [sys.executable, "-m", "hiecheck", *args], cwd=ROOT,
        stdin=stdin.stdout if stdin else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    if stdin is not None and stdin.stdout is not None:
        stdin.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if stdin is not None:
        stdin.wait()
    return proc.returncode, time.perf_counter() - start, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capture-mb", type=int, default=256)
    args = parser.parse_args(argv)
    # One process, as the figures in the README are (unasked, a large input gets two).
    validate = ["validate", "--format", "json", "--output", "/dev/null", "--quiet", "--jobs", "1"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        capture = folder / "capture.hl7"
        _feed(capture, args.capture_mb)
        cases: list[tuple[str, list[str], Path | None, bool]] = [
            (f"capture {args.capture_mb} MB", [*validate, str(capture)], None, False),
            (f"capture {args.capture_mb} MB gzipped, from a pipe", [*validate, "-"], capture,
             True),
        ]
        just_under = folder / "line-16MiB.hl7"
        _long_line(just_under, reader.MAX_LINE_BYTES - 1024)
        cases.append(("one line just under 16 MiB (accepted)", [*validate, str(just_under)],
                      None, False))
        huge = folder / "line-50MB.hl7"
        _long_line(huge, 50_000_000)
        cases.append(("one line of 50 MB (refused at the cap)", [*validate, str(huge)], None,
                      False))
        most = reader.MAX_MESSAGE_SEGMENTS - 1000
        segments = folder / "segments.hl7"
        _many_segments(segments, most, "v")
        cases.append((f"one message of {most:,} short segments", [*validate, str(segments)],
                      None, False))
        big = folder / "message-big.hl7"
        width = (reader.MAX_MESSAGE_BYTES - (2 << 20)) // most
        _many_segments(big, most, "v" * (width - 12))
        cases.append((f"one message of {most * width >> 20} MiB ({most:,} segments)",
                      [*validate, str(big)], None, False))
        two = folder / "two-lines.hl7"
        _long_line(two, reader.MAX_LINE_BYTES - 1024)
        with two.open("ab") as fh:  # a second near-cap OBX in the second message
            fh.write(b"OBX|2|ED|PDF^Report||" + b"QUJD" * ((reader.MAX_LINE_BYTES >> 2) - 512)
                     + b"\r")
        cases.append(("two messages with a line near 16 MiB each", [*validate, str(two)], None,
                      False))
        layouts = folder / "long-layouts.hl7"
        _long_layouts(layouts, 100, 19_000)
        cases.append(("100 messages of 19,000 segments out of order", [*validate, str(layouts)],
                      None, False))
        many = folder / "many-big.hl7"
        with many.open("wb") as fh:
            for n in range(8):
                fh.write((MSH.format(n=n) + PID + "OBX|1|ED|PDF^Report||").encode())
                fh.write(b"QUJD" * (15 << 18) + b"\r")
        for jobs in ("1", "2"):
            cases.append((f"8 messages with a 15 MiB line, --jobs {jobs}",
                          [*validate, "--jobs", jobs, str(many)], None, False))
        cases += [
            ("/dev/zero (one endless line)", [*validate, "/dev/zero"], None, False),
            ("check /dev/zero (organization file)", ["check", "/dev/zero"], None, False),
            ("p4p bhh /dev/zero (CSV)", ["p4p", "bhh", "/dev/zero"], None, False),
        ]
        print(f"{'case':<46} {'exit':>4} {'seconds':>8} {'peak RSS':>10}")
        for label, cmd, stdin_file, gz in cases:
            code, seconds, rss = run(cmd, stdin_file, gz)
            print(f"{label:<46} {code:>4} {seconds:>8.1f} {rss:>7.0f} MB")
        baseline = run(["--version"])
        print(f"{'(interpreter + hiecheck import: --version)':<46} {baseline[0]:>4} "
              f"{baseline[1]:>8.1f} {baseline[2]:>7.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
