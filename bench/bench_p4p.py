"""Benchmark: `hiecheck p4p` on N generated providers per program, in every format; not a test.

Run: ``.venv/bin/python bench/bench_p4p.py [--providers N] [--seed S] [--formats F ...]
[--programs P ...] [--runs R] [--compare SRC]``. Generates CSV inputs with a seeded RNG in a
temporary folder (OHH: 3 rows per provider; BHH: 1; PCMH: 8 measures per practice, and a
previous year), then runs ``python -m hiecheck p4p PROGRAM ... --format F --output FILE`` in
a child process per program and format (the report is written to a file in that folder and
removed after), and prints its wall time and CPU time (from ``os.wait4``: the child and every
process it waited for, import time included) and its memory, three ways: ``peak MiB`` is the
child's own peak RSS (``wait4``); ``Σ RSS`` adds the peak RSS (VmHWM) of every process of the
run (the child and any process it forks), an upper bound that counts shared copy-on-write
pages once per process, and processes that never ran at the same time; ``at once`` is the
largest sum of the RSS of the processes running at one moment (still counting shared pages
once per process); ``PSS`` is the largest sum, at one moment, of the processes'
proportional set size (``/proc/PID/smaps_rollup``, sampled every 50 ms: shared pages split
between the processes sharing them; a sample during which a process started or ended is
dropped), the real figure, the one issue 13's 200 MB is checked against; ``private`` is a
cross-check that no torn sample can inflate: the child's RSS plus the private pages of the
processes it forked (pages shared only between two of those are missed). Without ``/proc``
``at once``, ``PSS`` and ``private`` show 0 and ``Σ RSS`` the child's own. With ``--compare
SRC`` each run alternates with the same command on another checkout's ``src`` folder (A/B in
one run; a format that checkout does not have shows as its exit code 2).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OHH_MEASURES = ["continuity_pharmacotherapy_oud", "community_engagement",
                "access_preventive_ambulatory_care"]
PCMH_MEASURES = [f"measure_{i:02d}" for i in range(8)]
FORMATS = ["table", "json", "csv", "markdown", "html"]


def _write_ohh(path: Path, rng: random.Random, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("provider_id,measure,numerator,denominator,ohh_payments\n")
        for i in range(count):
            for j, measure in enumerate(OHH_MEASURES):
                den = rng.randint(0, 400)
                num = rng.randint(0, den) if den else 0
                pay = f"{rng.randint(50_000, 2_000_000)}.{rng.randint(0, 99):02d}" if j == 0 else ""
                out.write(f"OHH-{i:06d},{measure},{num},{den},{pay}\n")


def _write_bhh(path: Path, rng: random.Random, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("provider_id,numerator,denominator,bhh_payments\n")
        for i in range(count):
            den = rng.randint(0, 900)
            num = rng.randint(den // 2, den) if den else 0
            out.write(f"BHH-{i:06d},{num},{den},{rng.randint(100_000, 5_000_000)}.00\n")


def _write_pcmh(path: Path, rng: random.Random, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("practice_id,measure,numerator,denominator,ncqa_recognized,full_year,"
                  "annualized_members\n")
        for i in range(count):
            for j, measure in enumerate(PCMH_MEASURES):
                den = rng.randint(10, 600)
                num = rng.randint(0, den)
                first = j == 0
                ncqa = ("yes" if rng.random() < 0.9 else "no") if first else ""
                full = ("yes" if rng.random() < 0.95 else "no") if first else ""
                members = str(rng.randint(100, 20_000)) if first else ""
                out.write(f"PCMH-{i:06d},{measure},{num},{den},{ncqa},{full},{members}\n")


def _commands(folder: Path) -> dict[str, list[str]]:
    return {
        "ohh": ["ohh", str(folder / "ohh.csv"), "--as-of", "2023-01-01"],
        "bhh": ["bhh", str(folder / "bhh.csv"), "--as-of", "2023-01-01"],
        "pcmh": ["pcmh", str(folder / "pcmh.csv"), "--payment-year", "2020", "--previous",
                 str(folder / "pcmh-prev.csv")],
    }


def _output(folder: Path, fmt: str) -> list[str]:
    return ["--format", fmt, "--output", str(folder / f"report.{fmt}")]


def _parent(pid: str) -> int:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _tree(root: int, parents: dict[int, int]) -> list[int]:
    """``root`` and its descendants still running (``/proc/*/stat``; ``parents`` caches each
    process's parent, read once)."""
    running = {int(e.name) for e in os.scandir("/proc") if e.name.isdigit()}
    for pid in running - parents.keys():
        parents[pid] = _parent(str(pid))
    for pid in parents.keys() - running:
        del parents[pid]
    found, todo = [root], [root]
    while todo:
        pid = todo.pop()
        kids = [k for k, p in parents.items() if p == pid]
        found += kids
        todo += kids
    return found


def _kib(path: str, key: str) -> int:
    """The ``key:`` figure (kB) of a /proc file, 0 when gone."""
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _rollup(pid: int) -> dict[str, int]:
    """The kB figures of ``/proc/PID/smaps_rollup`` (empty when gone)."""
    figures = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if rest.strip().endswith("kB"):
                    figures[key] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    return figures


class _Memory:
    """Samples a process tree: peak RSS per process, and the peak of the PSS sum."""

    def __init__(self) -> None:
        self.hwm: dict[int, int] = {}
        self.parents: dict[int, int] = {}
        self.pss = 0
        self.rss = 0  # the largest sum of the processes' RSS at one moment
        self.own = 0  # the largest RSS of the root plus its descendants' private pages
        self.processes = 0

    def sample(self, root: int) -> None:
        """One sample; its PSS sum is kept only if no process of the tree started or ended
        while it was read (a process ending halfway would leave its pages counted twice)."""
        if not os.path.isdir("/proc"):
            return
        pids = _tree(root, self.parents)
        total = rss = own = 0
        for pid in pids:
            rollup = _rollup(pid)
            total += rollup.get("Pss", 0)
            own += rollup.get("Rss", 0) if pid == root else (
                rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
            )
            rss += _kib(f"/proc/{pid}/status", "VmRSS:")
            hwm = _kib(f"/proc/{pid}/status", "VmHWM:")
            if hwm:
                self.hwm[pid] = max(self.hwm.get(pid, 0), hwm)
        self.own = max(self.own, own)
        if sorted(_tree(root, self.parents)) == sorted(pids):
            self.pss = max(self.pss, total)
            self.rss = max(self.rss, rss)
        self.processes = max(self.processes, len(self.hwm))


def _run(
    src: Path, args: list[str]
) -> tuple[float, float, float, float, float, float, float, int, int]:
    """(wall s, CPU s, peak RSS MiB, Σ peak RSS MiB, peak Σ RSS at once MiB, peak Σ PSS MiB,
    peak RSS + children's private MiB, processes, exit code)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("HIECHECK_PROFILES", None)
    memory = _Memory()
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "hiecheck", "p4p", *args],
        env=env, cwd=src.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        memory.sample(child.pid)
        time.sleep(0.05)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    scale = 1_048_576 if sys.platform == "darwin" else 1024
    rss = usage.ru_maxrss / scale
    rss_sum = max(sum(memory.hwm.values()) / 1024, rss)
    return (wall, usage.ru_utime + usage.ru_stime, rss, rss_sum,
            max(memory.rss / 1024, rss if memory.processes <= 1 else 0), memory.pss / 1024,
            memory.own / 1024, memory.processes, child.returncode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20220801)
    parser.add_argument("--formats", nargs="+", default=FORMATS, choices=FORMATS)
    parser.add_argument("--programs", nargs="+", default=["ohh", "bhh", "pcmh"],
                        choices=["ohh", "bhh", "pcmh"])
    parser.add_argument("--runs", type=int, default=1, help="runs per program and format")
    parser.add_argument("--compare", type=Path, help="another checkout's src folder (A/B)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    n = args.providers
    sources = [("new", ROOT / "src")]
    if args.compare is not None:
        sources.append(("old", args.compare.resolve()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write_ohh(folder / "ohh.csv", rng, n)
        _write_bhh(folder / "bhh.csv", rng, n)
        _write_pcmh(folder / "pcmh.csv", rng, n)
        _write_pcmh(folder / "pcmh-prev.csv", rng, n)
        sizes = {p.name: p.stat().st_size / 1_048_576 for p in folder.iterdir()}
        print(f"hiecheck p4p benchmark: {n:,} providers per program, seed {args.seed}; inputs "
              + ", ".join(f"{k} {v:.1f} MiB" for k, v in sorted(sizes.items())))
        print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(f"{'code':<4} {'program':<5} {'format':<9} {'wall s':>8} {'cpu s':>8} "
              f"{'peak MiB':>9} {'Σ RSS':>7} {'at once':>7} {'PSS':>7} {'private':>7} {'procs':>5} "
              f"{'exit':>4}")
        for program in args.programs:
            for fmt in args.formats:
                for _ in range(args.runs):
                    for label, src in sources:
                        wall, cpu, rss, rss_sum, at_once, pss, own, procs, code = _run(
                            src, [*_commands(folder)[program], *_output(folder, fmt)]
                        )
                        (folder / f"report.{fmt}").unlink(missing_ok=True)
                        print(f"{label:<4} {program:<5} {fmt:<9} {wall:8.2f} {cpu:8.2f} "
                              f"{rss:9.1f} {rss_sum:7.1f} {at_once:7.1f} {pss:7.1f} "
                              f"{own:7.1f} {procs:>5} {code:>4}",
                              flush=True)
        print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
