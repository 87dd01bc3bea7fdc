"""Time a portfolio run of many organizations and measure its memory.

    .venv/bin/python bench/bench_portfolio.py [--organizations 1000] [--with-messages 100]
                                              [--messages-per-org 500] [--jobs 1,2] [--runs 3]
                                              [--folder DIR]

Generates a seeded synthetic portfolio (``bench/gen_portfolio.py``; or reuses ``--folder``),
then runs, as a fresh ``python -m hiecheck`` process each time (what a user waits for),
``hiecheck check FOLDER --jobs N --format json --output FILE --reports-dir DIR --quiet`` for
each ``--jobs`` value, alternating them round by round so all see the same machine load.
Prints per run the wall time, the CPU time (user + system of the whole process tree), the
peak RSS of the largest process, and the peak memory of the whole tree (the main process and its
workers: their PSS summed, so pages forked workers share are counted once; sampled every 20 ms
from /proc), then min–max per ``--jobs``. Not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_portfolio import generate  # the generator beside this script

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-12-01"


def _memory_kib(pid: int) -> int:
    """The process's proportional set size (shared pages split among the processes sharing
    them, so a tree's sum counts pages its forked workers share once), else its RSS."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            with open(f"/proc/{pid}/{name}", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as fh:
                parent = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


class TreeSampler(threading.Thread):
    """Samples the summed memory (PSS) of a process tree until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            self.peak_kib = max(self.peak_kib, sum(_memory_kib(p) for p in _tree(self.pid)))


def run_once(folder: Path, jobs: int, work: Path) -> dict[str, float]:
    """One portfolio run in a child process: wall s, cpu s, largest process and tree MB."""
    env = {k: v for k, v in os.environ.items() if k != "HIECHECK_PROFILES"}
    env["PYTHONPATH"] = str(ROOT / "src")
    args = [sys.executable, "-m", "hiecheck", "check", str(folder), "--as-of", AS_OF,
            "--jobs", str(jobs), "--format", "json", "--output", str(work / "portfolio.json"),
            "--reports-dir", str(work / f"reports-{jobs}"), "--quiet"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    sampler = TreeSampler(child.pid)
    sampler.start()
    _, err = child.communicate()
    wall = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode not in (0, 1, 2):
        raise SystemExit(f"exit {child.returncode}: {err.decode(errors='replace')}")
    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "largest_mb": after.ru_maxrss / 1024,  # the largest process waited for so far
        "tree_mb": sampler.peak_kib / 1024,  # PSS
        "exit": child.returncode,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument("--with-messages", type=int, default=100)
    parser.add_argument("--messages-per-org", type=int, default=500)
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--folder", type=Path, help="an existing portfolio folder to run on")
    opts = parser.parse_args()
    jobs = [int(j) for j in opts.jobs.split(",")]
    with tempfile.TemporaryDirectory(prefix="hiecheck-portfolio-bench-") as tmp:
        work = Path(tmp)
        folder = opts.folder
        if folder is None:
            start = time.perf_counter()
            folder = generate(work / "orgs", opts.organizations, opts.with_messages,
                              opts.messages_per_org, opts.seed)
            print(f"generated {opts.organizations} organizations ({opts.with_messages} with "
                  f"{opts.messages_per_org} messages each) in {time.perf_counter() - start:.1f} s")
        results: dict[int, list[dict[str, float]]] = {j: [] for j in jobs}
        run_once(folder, jobs[0], work)  # warm the file cache and the bytecode once
        for n in range(opts.runs):
            for j in jobs if n % 2 == 0 else list(reversed(jobs)):
                found = run_once(folder, j, work)
                results[j].append(found)
                print(f"run {n + 1} --jobs {j}: {found['wall']:.1f} s wall, {found['cpu']:.1f} s "
                      f"cpu, largest process {found['largest_mb']:.0f} MB RSS, tree "
                      f"{found['tree_mb']:.0f} MB PSS, exit {found['exit']:.0f} "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
        for j, found in results.items():
            walls = [f["wall"] for f in found]
            trees = [f["tree_mb"] for f in found]
            cpus = [f["cpu"] for f in found]
            print(f"--jobs {j}: wall {min(walls):.1f}–{max(walls):.1f} s, cpu "
                  f"{min(cpus):.1f}–{max(cpus):.1f} s, tree PSS "
                  f"{min(trees):.0f}–{max(trees):.0f} MB over {len(found)} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
