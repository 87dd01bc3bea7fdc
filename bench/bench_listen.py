"""Load test of ``hiecheck listen`` on loopback: messages/s with ACKs, peak RSS, capture check.

Generates a seeded, realistic feed (``hiecheck.hl7.synth.feed_batch``, ~1.2 KB messages, versions
2.3 to 2.6), starts ``hiecheck listen --port 0 --capture TMP --original-acks`` as a separate
process, and sends the messages over ``--connections`` concurrent MLLP connections (asyncio, in
this process; ``--warmup`` messages first, untimed), each waiting for the ACK of a message before
sending the next (``--window`` > 1: that many in flight per connection). Then SIGTERM stops the
listener and the capture is read back with hiecheck's reader: every message must be there exactly
once, byte for byte, and every ACK's MSA-2 must name a message of its connection. Runs ``--runs``
times and prints the range. Not a test:
``.venv/bin/python bench/bench_listen.py [--messages 20000] [--connections 8] [--window 1]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hiecheck.hl7 import synth
from hiecheck.hl7.reader import read_source

VT, FS = b"\x0b", b"\x1c\r"


def feed(count: int) -> list[bytes]:
    """The messages to send, each as its bytes (segments ended by CR)."""
    return [("\r".join(lines) + "\r").encode() for lines in synth.feed_batch(count, seed=7)]


def start(capture: Path | None, requirements: str) -> tuple[subprocess.Popen[bytes], int]:
    captured = ["--capture", str(capture)] if capture is not None else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "hiecheck", "listen", "--port", "0", *captured,
         "--quiet", "--original-acks", "--requirements", requirements],
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    port = int(line.split(" on ", 1)[1].split(" ", 1)[0].rsplit(":", 1)[1])
    return proc, port


async def client(port: int, messages: list[bytes], window: int) -> list[bytes]:
    """Send ``messages`` on one connection; return the MSA-2 of every ACK, in order."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    acked: list[bytes] = []
    buffer = b""
    sent = 0
    while len(acked) < len(messages):
        while sent < len(messages) and sent - len(acked) < window:
            writer.write(VT + messages[sent] + FS)
            sent += 1
        await writer.drain()
        data = await reader.read(1 << 16)
        if not data:
            raise RuntimeError("listener closed the connection")
        buffer += data
        while (end := buffer.find(FS)) >= 0:
            ack, buffer = buffer[1:end], buffer[end + 2 :]
            msa = next(s for s in ack.split(b"\r") if s.startswith(b"MSA"))
            acked.append(msa.split(b"|")[2])
    writer.close()
    return acked


async def load(port: int, messages: list[bytes], connections: int, window: int) -> float:
    shares = [messages[i::connections] for i in range(connections)]
    t0 = time.perf_counter()
    results = await asyncio.gather(*(client(port, s, window) for s in shares))
    elapsed = time.perf_counter() - t0
    for share, acked in zip(shares, results, strict=True):
        ids = [m.split(b"\r", 1)[0].split(b"|")[9] for m in share]
        assert acked == ids, "an ACK names another message"
    return elapsed


def peak_rss_mb(pid: int) -> float:
    """The listener's peak resident memory (VmHWM; the children's ru_maxrss would count this
    process's memory copied at fork)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def verify(capture: Path, messages: list[bytes]) -> None:
    data = capture.read_bytes()
    assert len(data) == sum(map(len, messages)), "capture size differs from what was sent"
    read = list(read_source(str(capture)))
    assert len(read) == len(messages), f"{len(read)} messages read back, {len(messages)} sent"
    back = Counter(("\r".join(t for _, t in r.lines) + "\r").encode() for r in read)
    assert back == Counter(messages), "a message was lost, duplicated or changed in the capture"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--window", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requirements", default="hie-adt")
    parser.add_argument("--no-capture", action="store_true",
                        help="without --capture (no fsync): what durability costs")
    parser.add_argument("--warmup", type=int, default=1000,
                        help="messages sent first, not timed (the checks compile on first use)")
    args = parser.parse_args()
    everything = feed(args.warmup + args.messages)
    warmup, messages = everything[: args.warmup], everything[args.warmup :]
    rates: list[float] = []
    peaks: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            capture = Path(tmp) / f"capture-{run}.hl7"
            proc, port = start(None if args.no_capture else capture, args.requirements)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            try:
                if warmup:
                    asyncio.run(load(port, warmup, args.connections, args.window))
                elapsed = asyncio.run(load(port, messages, args.connections, args.window))
            finally:
                peaks.append(peak_rss_mb(proc.pid))
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if not args.no_capture:
                verify(capture, everything)
            rate = len(messages) / elapsed
            rates.append(rate)
            cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            print(f"run {run + 1}: {len(messages):,} messages over {args.connections} "
                  f"connections (window {args.window}) in {elapsed:.2f} s: {rate:,.0f} msgs/s "
                  f"with ACKs; listener CPU {cpu * 1e6 / len(everything):,.0f} us/message "
                  "(start-up included)" + ("" if args.no_capture else "; capture verified"),
                  flush=True)
    print(f"range {min(rates):,.0f}-{max(rates):,.0f} msgs/s; listener peak RSS "
          f"{min(peaks):.0f}-{max(peaks):.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f} (target >= 2,000 msgs/s on 2 cores)")


if __name__ == "__main__":
    main()
