"""Throughput of the HL7 checking path against a bare split and hl7apy, in one run.

Generates a seeded batch (70 % ADT of several events, 30 % ORU^R01, ~1.3 KB each, versions 2.3 to
2.6), writes it to a temporary file and measures, per core:

1. a bare split: decode, segments on ``\\r``, fields on ``|`` — the floor;
2. read + tokenize (hiecheck.hl7.reader / message);
3. read + tokenize + check_structure (structure, fields);
4. hl7apy ``parse_message`` (STRICT, find_groups) + ``validate()`` on a sample, extrapolated.

Prints messages/s, the ratios and peak RSS. Not a test: run
``.venv/bin/python bench/bench_hl7.py [--messages N] [--hl7apy-sample N]``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hiecheck.hl7 import synth
from hiecheck.hl7.message import tokenize
from hiecheck.hl7.reader import read_source
from hiecheck.hl7.structure import check_structure


def bare_split(path: str) -> int:
    """Decode, split segments on CR and fields on '|', count MSH: the cheapest possible parse."""
    data = Path(path).read_bytes().decode("utf-8")
    count = 0
    for line in data.split("\r"):
        if line.split("|")[0] == "MSH":
            count += 1
    return count


def read_tokenize(path: str) -> int:
    count = 0
    for raw in read_source(path):
        tokenize(raw)
        count += 1
    return count


def full_check(path: str) -> tuple[int, int]:
    count = findings = 0
    for raw in read_source(path):
        findings += len(check_structure(tokenize(raw)))
        count += 1
    return count, findings


def hl7apy_sample(texts: list[str]) -> tuple[float, int]:
    from hl7apy.consts import VALIDATION_LEVEL
    from hl7apy.parser import parse_message

    failures = 0
    start = time.perf_counter()
    for text in texts:
        try:
            msg = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
            msg.validate()
        except Exception:  # hl7apy raises many kinds; the count is what matters here
            failures += 1
    return time.perf_counter() - start, failures


STARTUP = """
import time
t = time.perf_counter()
from hiecheck.hl7 import reference
for v in ("2.3", "2.4", "2.5.1", "2.6"):
    reference.warm_up(v, ("ADT_A01", "ADT_A02", "ADT_A03", "ADT_A05", "ORU_R01"))
print((time.perf_counter() - t) * 1000)
"""


def startup_ms() -> float:
    """Import + compile cost in a fresh interpreter (what a CLI run pays once)."""
    out = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip())


def timed(func, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--hl7apy-sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    batch = synth.batch(args.messages, seed=args.seed)
    texts = ["\r".join(lines) for lines in batch]
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "batch.hl7")
        Path(path).write_bytes(("\r".join(texts) + "\r").encode("utf-8"))
        size = Path(path).stat().st_size
        n = len(texts)
        print(f"{n} messages, {size / n:.0f} bytes each on average, {size / 1e6:.1f} MB")

        print(f"start-up (fresh interpreter: hl7apy import + compile of 4 versions x 5 "
              f"structures and their segments): {startup_ms():.0f} ms")
        full_check(path)  # warm caches (every structure and segment compiled once)
        t_split, _ = timed(bare_split, path)
        t_tok, _ = timed(read_tokenize, path)
        t_full, (_, findings) = timed(full_check, path)
        sample = texts[: args.hl7apy_sample]
        t_apy, failures = hl7apy_sample(sample)

    rate = {
        "bare split": n / t_split,
        "read + tokenize": n / t_tok,
        "read + tokenize + check_structure": n / t_full,
        "hl7apy STRICT parse + validate": len(sample) / t_apy,
    }
    for name, value in rate.items():
        print(f"{name:36s} {value:12,.0f} msgs/s")
    print(
        f"findings in the batch: {findings}; hl7apy failures in its sample: {failures}/"
        f"{len(sample)}"
    )
    fast = rate["read + tokenize + check_structure"]
    print(
        f"full check is {rate['bare split'] / fast:.1f}x slower than a bare split "
        f"(target <= 16x), {fast / rate['hl7apy STRICT parse + validate']:.0f}x faster than "
        f"hl7apy; {1e6 / fast:.1f} us per message, check_structure alone "
        f"{1e6 / fast - 1e6 / rate['read + tokenize']:.1f} us"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS {peak / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
