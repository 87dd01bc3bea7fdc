"""A/B timing of `hiecheck check` between two source trees, alternated in one run.

    .venv/bin/python bench/bench_check.py --old OLD_SRC [--new src] [--rounds 7] [--feed N]

``OLD_SRC`` is the ``src`` folder of another checkout or of ``git archive REV | tar -x``. Each
round runs every case once with the old and once with the new tree (order alternating), each as
a fresh ``python -m hiecheck`` process (what a user waits for: import, profiles, messages,
report), so both see the same machine load. Prints per case and tree the min, median and max
wall and CPU time (user + system: less sensitive to a busy machine), and the new/old ratio of
the medians. ``--feed N`` adds `check --messages` on a generated N-message feed
(hiecheck.hl7.synth.feed_batch, seeded) and, for scale, `measure cbp` on the same feed: what
reading the messages a second time for the CBP eCQM block would cost. Not a test: it asserts
nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "sample_messages/example-family-practice.toml"
CASES = {
    "check example": ["check", EXAMPLE, "--as-of", "2025-06-01"],
    "check --messages tier3-complete": [
        "check", EXAMPLE, "--as-of", "2025-06-01", "--messages",
        "sample_messages/sets/tier3-complete",
    ],
    "check example --format json": ["check", EXAMPLE, "--as-of", "2025-06-01", "--format", "json"],
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(src: Path, args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run."""
    env = {k: v for k, v in os.environ.items() if k != "HIECHECK_PROFILES"}
    env["PYTHONPATH"] = str(src)
    start, cpu = time.perf_counter(), _cpu()
    result = subprocess.run(
        [sys.executable, "-m", "hiecheck", *args], cwd=ROOT, env=env, capture_output=True
    )
    elapsed = time.perf_counter() - start, _cpu() - cpu
    if result.returncode not in (0, 1):
        raise SystemExit(f"{src}: {' '.join(args)} exited {result.returncode}: {result.stderr!r}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="src folder of the old tree")
    parser.add_argument("--new", type=Path, default=ROOT / "src", help="src folder of the new")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--feed", type=int, default=0, metavar="N",
                        help="also check a generated N-message feed (0: not)")
    opts = parser.parse_args()
    trees = {"old": opts.old.resolve(), "new": opts.new.resolve()}
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        cases = dict(CASES)
        if opts.feed:
            feed = _write_feed(Path(tmp) / "feed.hl7", opts.feed)
            cases[f"check --messages feed ({opts.feed} messages)"] = [
                "check", EXAMPLE, "--as-of", "2025-06-01", "--messages", feed, "--quiet",
                "--format", "json",
            ]
            cases[f"measure cbp feed ({opts.feed} messages): a second pass"] = [
                "measure", "cbp", feed, "--format", "json",
            ]
        times = _measure(cases, trees, opts.rounds)
    print(f"{opts.rounds} rounds, alternating; load average {os.getloadavg()[0]:.1f}")
    _print(cases, trees, times)
    return 0


def _write_feed(path: Path, count: int) -> str:
    from hiecheck.hl7.synth import feed_batch

    with path.open("w", encoding="utf-8", newline="") as handle:
        for lines in feed_batch(count, seed=11):
            handle.write("\r".join(lines) + "\r")
    return str(path)


Times = dict[tuple[str, str], list[tuple[float, float]]]


def _measure(cases: dict[str, list[str]], trees: dict[str, Path], rounds: int) -> Times:
    times: Times = {(c, t): [] for c in cases for t in trees}
    for args in cases.values():  # warm the file cache and compiled bytecode once
        for src in trees.values():
            _run(src, args)
    for n in range(rounds):
        order = list(trees) if n % 2 == 0 else list(reversed(trees))
        for case, args in cases.items():
            for tree in order:
                times[(case, tree)].append(_run(trees[tree], args))
    return times


def _print(cases: dict[str, list[str]], trees: dict[str, Path], times: Times) -> None:
    for case in cases:
        print(case)
        for what, index in (("wall", 0), ("cpu", 1)):
            medians = {}
            for tree in trees:
                found = [t[index] for t in times[(case, tree)]]
                medians[tree] = statistics.median(found)
                print(f"  {what:4} {tree}: min {min(found):.3f} s  median {medians[tree]:.3f} s"
                      f"  max {max(found):.3f} s")
            print(f"  {what:4} new/old median: {medians['new'] / medians['old']:.3f}")


if __name__ == "__main__":
    sys.exit(main())
