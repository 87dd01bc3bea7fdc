"""Whole-process time of a one-file ``hiecheck validate``: cold (no expression cache) and warm
(after a first run), this checkout against another one's sources, alternating.

Each run is a fresh interpreter (``python -m hiecheck validate FILE``, table to /dev/null) timed
from start to exit, with its CPU time and peak RSS from ``wait4``. Variants, run in turn within
each round so that the machine's load hits them alike:

- ``new cold``: this checkout, ``HIECHECK_CACHE_DIR`` an empty folder every run (what the first
  run on a machine pays; the same as ``HIECHECK_NO_CACHE=1`` plus writing the cache: compiled
  expressions, hl7apy's reference data, the compiled profiles);
- ``new warm``: this checkout, the cache filled by a run before the rounds;
- ``new no-cache``: ``HIECHECK_NO_CACHE=1``;
- ``old``: ``--compare SRC`` (another checkout's ``src``), as it is.

Byte code: the children run with ``PYTHONPYCACHEPREFIX`` in a temporary folder and
``PYTHONDONTWRITEBYTECODE`` unset, after one unmeasured run each, as an installed package runs
(pip writes the ``.pyc`` files); nothing is written into either checkout. Prints min / median /
max of wall and CPU seconds and the largest peak RSS per variant. ``--instructions`` also runs
each variant once under valgrind's callgrind and prints the instructions it executed: a figure
the machine's load does not move (a run takes a minute or two). Not a test: run
``.venv/bin/python bench/bench_startup.py [--compare ../main/src] [--runs 10] [--file F]
[--format json] [-r pcplus-tier3] [--instructions]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
DEFAULT_FILE = HERE.parent / "sample_messages" / "example-family-practice" / "adt-2026-10-05.hl7"


@dataclass
class Variant:
    """One way of running the command, and what its runs measured."""

    name: str
    src: Path
    env: dict[str, str]
    fresh_cache: Path | None = None  # a new empty cache folder under this one per run
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss_kb: int = 0
    codes: set[int] = field(default_factory=set)


def run_once(variant: Variant, argv: list[str], index: int) -> tuple[float, float, int, int]:
    """(wall s, CPU s, peak RSS KB, exit code) of one child run."""
    env = dict(variant.env)
    if variant.fresh_cache is not None:
        env["HIECHECK_CACHE_DIR"] = str(variant.fresh_cache / f"run-{index}")
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "hiecheck", *argv], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, child.returncode


def instructions(variant: Variant, argv: list[str]) -> int | None:
    """Instructions one run executes (callgrind's ``Collected``), or None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    env = dict(variant.env)
    if variant.fresh_cache is not None:
        env["HIECHECK_CACHE_DIR"] = str(variant.fresh_cache / "instructions")
    done = subprocess.run(
        [valgrind, "--tool=callgrind", f"--callgrind-out-file={os.devnull}",
         sys.executable, "-m", "hiecheck", *argv],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    return int(found.group(1)) if found else None


def child_env(src: Path, pycache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env.pop("HIECHECK_NO_CACHE", None)
    env["PYTHONPATH"] = str(src)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def summary(values: list[float]) -> str:
    return (f"{min(values):6.3f} {statistics.median(values):6.3f} {max(values):6.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--compare", type=Path, help="another checkout's src folder (the 'old' side)")
    ap.add_argument("--runs", type=int, default=10, help="rounds (each runs every variant once)")
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE, help="the HL7 file to validate")
    ap.add_argument("--format", default="table", help="validate's --format")
    ap.add_argument("--requirements", "-r", default=None, help="validate's --requirements")
    ap.add_argument("--instructions", action="store_true",
                    help="also count instructions of one run per variant (valgrind)")
    args = ap.parse_args()
    argv = ["validate", str(args.file), "--format", args.format, "--quiet"]
    if args.requirements is not None:
        argv += ["--requirements", args.requirements]
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp_name:
        tmp = Path(tmp_name)
        pycache = tmp / "pycache"
        variants = []
        if args.compare is not None:
            old_env = child_env(args.compare.resolve(), pycache)
            old_env["HIECHECK_CACHE_DIR"] = str(tmp / "old-cache")  # ignored by an old tree
            variants.append(Variant("old", args.compare, old_env))
        new_env = child_env(SRC, pycache)
        cold_root = tmp / "cold"
        variants.append(Variant("new cold", SRC, new_env, fresh_cache=cold_root))
        warm_env = dict(new_env, HIECHECK_CACHE_DIR=str(tmp / "warm-cache"))
        variants.append(Variant("new warm", SRC, warm_env))
        variants.append(Variant("new no-cache", SRC, dict(new_env, HIECHECK_NO_CACHE="1")))
        for variant in variants:  # byte code written, warm cache filled: not measured
            run_once(variant, argv, -1)
        for index in range(args.runs):
            for variant in variants:
                wall, cpu, rss, code = run_once(variant, argv, index)
                variant.walls.append(wall)
                variant.cpus.append(cpu)
                variant.rss_kb = max(variant.rss_kb, rss)
                variant.codes.add(code)
        counted = {v.name: instructions(v, argv) for v in variants} if args.instructions else {}
    load = os.getloadavg()
    print(f"one-file validate of {args.file.name} ({args.file.stat().st_size} bytes), "
          f"{args.runs} rounds, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
          f"{os.cpu_count()} CPUs")
    print(f"{'variant':14} {'wall s: min    med    max':26} {'CPU s: min    med    max':24} "
          f"{'peak RSS':>9} exit")
    for v in variants:
        print(f"{v.name:14} {summary(v.walls):26} {summary(v.cpus):24} "
              f"{v.rss_kb / 1024:7.1f}MB {sorted(v.codes)}")
    for name, count in counted.items():
        print(f"instructions, {name}: " + (f"{count / 1e9:.3f} G" if count else "(no valgrind)"))
    by_name = {v.name: v for v in variants}
    if "old" in by_name:
        old = statistics.median(by_name["old"].walls)
        for name in ("new cold", "new warm"):
            new = statistics.median(by_name[name].walls)
            print(f"median wall old / {name}: {old / new:.2f}x")


if __name__ == "__main__":
    main()
