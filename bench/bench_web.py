"""Benchmark `hiecheck serve`: the result page after start-up, and big uploads; not a timed test.

Run: ``.venv/bin/python bench/bench_web.py [--runs N] [--upload-mb 25,50,100] [--seed S]``.

1. Start-up: starts ``hiecheck serve`` on the bundled example organization, waits until it
   answers a static file, then times ``GET /report`` (the first one pays for compiling the HL7
   checks), then warm ``GET /report`` and the browser's ``POST /check`` with the example's answers
   and three message files. Every figure is a range over ``--runs`` fresh servers.
2. Uploads: generated HL7 messages (``bench_hl7.write_capture``, the seeded synthetic feed) of
   each size in ``--upload-mb`` are streamed as one file to ``POST /check`` of a fresh server, sizes
   alternating run by run; it prints the time to the result page and the server's peak RSS
   (VmHWM) next to its peak after a small check, so memory that grew with the upload would show.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_hl7 import write_capture  # the same generated feed as the HL7 benchmark

from hiecheck.programs.organization import load_organization
from hiecheck.web.answers import Answers

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "sample_messages" / "example-family-practice.toml"
EXAMPLE_MESSAGES = ROOT / "sample_messages" / "example-family-practice"
BOUNDARY = "hiecheckbench7f3a"
CHUNK = 1 << 20
BIG_ANSWERS = [
    ("name", "Bench Clinic"),
    ("enroll", "pcplus"),
    ("program.pcplus.tier_sought", "3"),
    ("hie.participant", "yes"),
    ("interface-0.kind", "adt"),
    ("interface-0.realtime", "yes"),
    ("action", "check"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``hiecheck serve`` in a child process."""

    def __init__(self, *args: str) -> None:
        self.port = _free_port()
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hiecheck", "serve", "--port", str(self.port), *args],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        while True:
            try:
                with urllib.request.urlopen(self.url("/static/favicon.svg"), timeout=5):
                    break
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit("hiecheck serve did not start") from None
                time.sleep(0.02)
        self.ready = time.perf_counter() - self.started

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def peak_rss_mb(self) -> float:
        """The server process's peak resident memory so far (VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _get(server: Server, path: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(server.url(path), timeout=600) as response:
        response.read()
        assert response.status == 200, response.status
    return time.perf_counter() - start


def _post(server: Server, fields: list[tuple[str, str]], files: list[Path]) -> tuple[float, int]:
    """POST a multipart form, the files streamed from disk in 1 MB chunks (never in memory)."""
    head = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields
    )
    parts = [
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="messages"; '
            f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        for path in files
    ]
    tail = f"--{BOUNDARY}--\r\n".encode()
    pairs = list(zip(parts, files, strict=True))
    length = len(head) + len(tail) + sum(len(p) + f.stat().st_size + 2 for p, f in pairs)
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3600)
    conn.putrequest("POST", "/check")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    conn.send(head)
    for part, path in pairs:
        conn.send(part)
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                conn.send(chunk)
        conn.send(b"\r\n")
    conn.send(tail)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise SystemExit(f"POST /check answered {response.status}: {body[:300]!r}")
    return elapsed, len(body)


def _range(values: list[float], unit: str, digits: int = 2) -> str:
    lo, hi = min(values), max(values)
    if round(lo, digits) == round(hi, digits):
        return f"{lo:.{digits}f} {unit}"
    return f"{lo:.{digits}f}–{hi:.{digits}f} {unit}"


def startup(runs: int) -> None:
    example = Answers.from_organization(load_organization(EXAMPLE).org).as_fields()
    files = sorted(EXAMPLE_MESSAGES.iterdir())
    ready, first, warm, posted = [], [], [], []
    for _ in range(runs):
        server = Server(str(EXAMPLE))
        try:
            ready.append(server.ready)
            first.append(_get(server, "/report"))
            warm += [_get(server, "/report") for _ in range(5)]
            posted.append(_post(server, example, files)[0])
        finally:
            server.stop()
    print(f"start-up (process start to first answer): {_range(ready, 's')}")
    print(f"GET /report, first after start-up:        {_range(first, 's', 3)}")
    print(f"GET /report, warm (5 per server):          {_range(warm, 's', 3)}")
    print(f"POST /check, example answers + 3 files:    {_range(posted, 's', 3)}")


def uploads(sizes: list[int], runs: int, seed: int) -> None:
    small = sorted(EXAMPLE_MESSAGES.iterdir())
    with tempfile.TemporaryDirectory(prefix="hiecheck-bench-") as tmp:
        captures = {}
        for mb in sizes:
            path = Path(tmp) / f"capture-{mb}mb.hl7"
            count = write_capture(path, mb, seed)
            captures[mb] = path
            print(f"generated {mb} MB: {count:,} messages")
        baseline: list[float] = []
        figures: dict[int, tuple[list[float], list[float]]] = {mb: ([], []) for mb in sizes}
        for run in range(runs):
            order = sizes if run % 2 == 0 else list(reversed(sizes))
            for mb in order:
                server = Server("--max-upload-mb", str(max(sizes) + 16))
                try:
                    _post(server, BIG_ANSWERS, small)
                    baseline.append(server.peak_rss_mb())
                    elapsed, _ = _post(server, BIG_ANSWERS, [captures[mb]])
                    figures[mb][0].append(elapsed)
                    figures[mb][1].append(server.peak_rss_mb())
                finally:
                    server.stop()
        print(f"server peak RSS after a small check: {_range(baseline, 'MB', 0)}")
        for mb in sizes:
            seconds, rss = figures[mb]
            rate = [mb / s for s in seconds]
            print(
                f"upload {mb:>4} MB: result page in {_range(seconds, 's', 1)} "
                f"({_range(rate, 'MB/s', 1)}), server peak RSS {_range(rss, 'MB', 0)}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--upload-mb", default="25,50,100", help="comma-separated sizes in MB")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    startup(args.runs)
    sizes = [int(s) for s in args.upload_mb.split(",") if s]
    if sizes:
        uploads(sizes, args.runs, args.seed)


if __name__ == "__main__":
    main()
