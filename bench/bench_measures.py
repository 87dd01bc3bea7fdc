"""Benchmark: `hiecheck measure bhh` and `measure ohh` at a state's Medicaid scale; not a test.

Run: ``.venv/bin/python bench/bench_measures.py [--data DIR] [--members N] [--fills N]
[--labs N] [--messages N] [--runs N] [--seed S]``. Generates seeded member data
(bench/gen_member_data.py; 100,000 members, 1,000,000 fills, 1,000,000 lab results by default)
unless ``--data`` points at files made before, and a synthetic HL7 feed for `measure cbp`
(hiecheck.hl7.synth.feed_batch, 50,000 messages by default), then runs each command ``--runs``
times in a child process, exactly as a user would (provider CSV to a file, member and gap files
written), alternating the measures, and prints wall time and the child's peak RSS per run, with
the range. The target is under 10 s and
under 1 GB per run on 2 cores; other engineers' work on the same cores makes single runs noisy.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hiecheck.hl7.synth import feed_batch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_member_data import generate

HIECHECK = [sys.executable, "-m", "hiecheck"]


def _run(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit code of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(HIECHECK + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if proc.stderr is not None:
        err = proc.stderr.read().decode(errors="replace").strip()
        if err and os.waitstatus_to_exitcode(status) != 0:
            print("  stderr:", err[:300])
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder with members/fills/labs/otp.csv")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--fills", type=int, default=1_000_000)
    parser.add_argument("--labs", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=50_000, help="HL7 messages for cbp")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hiecheck-bench-") as tmp:
        data = args.data or Path(tmp) / "data"
        if args.data is None:
            start = time.perf_counter()
            written = generate(data, members=args.members, fills=args.fills, labs=args.labs,
                               seed=args.seed)
            print(f"generated {written} in {time.perf_counter() - start:.1f} s")
        out = Path(tmp) / "out"
        out.mkdir()
        feed = Path(tmp) / "feed.hl7"
        with feed.open("w", encoding="utf-8", newline="") as handle:
            for lines in feed_batch(args.messages, seed=args.seed):
                handle.write("\r".join(lines) + "\r")
        common = ["--year", "2025", "--members", str(data / "members.csv"),
                  "--fills", str(data / "fills.csv")]
        commands = {
            "bhh": ["measure", "bhh", *common, "--labs", str(data / "labs.csv"),
                    "--output", str(out / "bhh.csv"), "--members-out", str(out / "bhh-m.csv"),
                    "--gaps-out", str(out / "bhh-g.csv")],
            "ohh": ["measure", "ohh", *common, "--otp", str(data / "otp.csv"),
                    "--output", str(out / "ohh.csv"), "--members-out", str(out / "ohh-m.csv"),
                    "--gaps-out", str(out / "ohh-g.csv")],
            "cbp": ["measure", "cbp", str(feed), "--format", "json", "--output",
                    str(out / "cbp.json"), "--members-out", str(out / "cbp-m.csv")],
        }
        sizes = {p.name: p.stat().st_size / 1e6 for p in [*data.glob("*.csv"), feed]}
        print("inputs: " + ", ".join(f"{k} {v:.0f} MB" for k, v in sorted(sizes.items())))
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for run in range(1, args.runs + 1):
            for name, command in commands.items():  # alternate: both see the same machine load
                elapsed, rss, code = _run(command)
                results[name].append((elapsed, rss))
                print(f"run {run} {name}: {elapsed:.2f} s, peak RSS {rss:.0f} MB, exit {code}")
        for name, runs in results.items():
            times = sorted(t for t, _ in runs)
            peaks = sorted(r for _, r in runs)
            print(f"{name}: {times[0]:.2f}–{times[-1]:.2f} s, peak RSS "
                  f"{peaks[0]:.0f}–{peaks[-1]:.0f} MB over {len(runs)} runs")
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
