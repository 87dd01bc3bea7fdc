"""Benchmark: score 1,000 providers on each P4P program (OHH, BHH, CT PCMH); not a timed test.

Run: ``.venv/bin/python bench/bench_p4p.py [--providers N] [--seed S]``. Generates CSV inputs with
a seeded RNG in a temporary folder, reads and scores them through the same functions the CLI uses,
and prints providers/s, elapsed time and peak traced memory per program.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

from hiecheck.p4p.bhh import score_bhh
from hiecheck.p4p.csv_input import read_bhh, read_ohh, read_pcmh
from hiecheck.p4p.ohh import score_ohh
from hiecheck.p4p.pcmh import score_pcmh
from hiecheck.p4p.profile import BhhProfile, OhhProfile, PcmhProfile, select_profile

PROFILES = Path(__file__).resolve().parents[1] / "src" / "hiecheck" / "profiles"
PCMH_MEASURES = [f"measure_{i:02d}" for i in range(8)]


def _write_ohh(path: Path, rng: random.Random, count: int, measures: list[str]) -> None:
    lines = ["provider_id,measure,numerator,denominator,ohh_payments"]
    for i in range(count):
        for j, measure in enumerate(measures):
            den = rng.randint(0, 400)
            num = rng.randint(0, den) if den else 0
            pay = f"{rng.randint(50_000, 2_000_000)}.{rng.randint(0, 99):02d}" if j == 0 else ""
            lines.append(f"OHH-{i:05d},{measure},{num},{den},{pay}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_bhh(path: Path, rng: random.Random, count: int) -> None:
    lines = ["provider_id,numerator,denominator,bhh_payments"]
    for i in range(count):
        den = rng.randint(0, 900)
        num = rng.randint(den // 2, den) if den else 0
        lines.append(f"BHH-{i:05d},{num},{den},{rng.randint(100_000, 5_000_000)}.00")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_pcmh(path: Path, rng: random.Random, count: int, previous: bool) -> None:
    head = "practice_id,measure,numerator,denominator,ncqa_recognized,full_year,annualized_members"
    lines = [head]
    for i in range(count):
        for j, measure in enumerate(PCMH_MEASURES):
            den = rng.randint(10, 600)
            num = rng.randint(0, den)
            first = j == 0
            ncqa = ("yes" if rng.random() < 0.9 else "no") if first else ""
            full = ("yes" if rng.random() < 0.95 else "no") if first else ""
            members = str(rng.randint(100, 20_000)) if first else ""
            lines.append(f"PCMH-{i:05d},{measure},{num},{den},{ncqa},{full},{members}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _measure(label: str, count: int, job: Callable[[], object]) -> None:
    """Time ``job`` (read + score) untraced, then run it again under tracemalloc for peak memory."""
    start = time.perf_counter()
    job()
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    job()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<5} {count:>6} providers  {elapsed:8.3f} s  {count / elapsed:10.0f} providers/s"
        f"  peak {peak / 1_048_576:7.1f} MiB traced"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20220801)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    ohh_profile = select_profile(PROFILES, "ohh", date(2023, 1, 1))
    bhh_profile = select_profile(PROFILES, "bhh", date(2023, 1, 1))
    pcmh_profile = select_profile(PROFILES, "pcmh", date(2020, 1, 1))
    assert isinstance(ohh_profile, OhhProfile)
    assert isinstance(bhh_profile, BhhProfile)
    assert isinstance(pcmh_profile, PcmhProfile)
    measures = [m.id for m in ohh_profile.measures]
    n = args.providers
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write_ohh(folder / "ohh.csv", rng, n, measures)
        _write_bhh(folder / "bhh.csv", rng, n)
        _write_pcmh(folder / "pcmh.csv", rng, n, previous=False)
        _write_pcmh(folder / "pcmh-prev.csv", rng, n, previous=True)
        started = time.perf_counter()
        print(f"hiecheck P4P benchmark: {n} providers per program, seed {args.seed}")
        _measure(
            "ohh",
            n,
            lambda: score_ohh(
                read_ohh(folder / "ohh.csv", measures),
                ohh_profile,
                method="pooled",
                bonus_split="proportional",
                as_of=date(2023, 1, 1),
            ),
        )
        _measure(
            "bhh",
            n,
            lambda: score_bhh(
                read_bhh(folder / "bhh.csv", bhh_profile.measure.id),
                bhh_profile,
                as_of=date(2023, 1, 1),
            ),
        )
        _measure(
            "pcmh",
            n,
            lambda: score_pcmh(
                read_pcmh(folder / "pcmh.csv", pcmh_profile.measures),
                read_pcmh(folder / "pcmh-prev.csv", pcmh_profile.measures, previous=True),
                pcmh_profile,
                method="midrank",
                improvement_total="all-valid",
                as_of=date(2020, 1, 1),
            ),
        )
        print(
            f"whole run incl. traced reruns {time.perf_counter() - started:.3f} s; "
            f"process peak RSS {_max_rss_mib():.1f} MiB"
        )


def _max_rss_mib() -> float:
    """The process's peak resident set size in MiB (Linux reports KiB, macOS bytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1_048_576 if sys.platform == "darwin" else rss / 1024


if __name__ == "__main__":
    main()
