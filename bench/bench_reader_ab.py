"""A/B of the reader's hot loop: "read + tokenize" of this checkout against another revision.

The other revision's ``src`` is exported with ``git archive`` into a temporary folder; both are
timed on the same generated capture (``hiecheck.hl7.synth.feed_batch``, CR-separated, and the same
with LF separators), alternating A and B in fresh interpreters, ``--rounds`` times, so that the
machine's noise falls on both alike. Prints each side's best and range (messages/s) and the ratio.
Not a test: ``.venv/bin/python bench/bench_reader_ab.py [--against main] [--messages N]
[--rounds N]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_TIMER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from hiecheck.hl7.message import tokenize
from hiecheck.hl7.reader import read_source
best = None
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    n = 0
    for raw in read_source(sys.argv[2]):
        tokenize(raw)
        n += 1
    took = time.perf_counter() - start
    best = took if best is None else min(best, took)
print(json.dumps({"messages": n, "seconds": best}))
"""


def _write(path: Path, count: int, separator: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from hiecheck.hl7 import synth

    with path.open("w", encoding="utf-8", newline="") as fh:
        for lines in synth.feed_batch(count, seed=7):
            fh.write(separator.join(lines) + separator)


def _time(src: Path, capture: Path, repeat: int) -> tuple[int, float]:
    out = subprocess.run(
        [sys.executable, "-c", _TIMER, str(src), str(capture), str(repeat)],
        capture_output=True, text=True, check=True,
    )
    data = json.loads(out.stdout)
    return data["messages"], data["seconds"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="main", help="git revision to compare with")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="runs per interpreter (best)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        other = folder / "other"
        other.mkdir()
        archive = subprocess.run(["git", "archive", args.against, "src"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(other)], input=archive, check=True)
        sides = {f"B {args.against}": other / "src", "A this checkout": ROOT / "src"}
        for label, separator in (("CR", "\r"), ("LF", "\n")):
            capture = folder / f"feed-{label}.hl7"
            _write(capture, args.messages, separator)
            rates: dict[str, list[float]] = {side: [] for side in sides}
            for _ in range(args.rounds):
                for side, src in sides.items():
                    n, seconds = _time(src, capture, args.repeat)
                    rates[side].append(n / seconds)
            print(f"read + tokenize, {args.messages} messages, {label} separators "
                  f"({args.rounds} rounds alternating, best of {args.repeat} each):")
            for side, values in rates.items():
                print(f"  {side:<24} best {max(values):>9,.0f} msg/s   range "
                      f"{min(values):,.0f}..{max(values):,.0f}")
            b_best, a_best = (max(v) for v in rates.values())
            print(f"  A/B ratio of bests {a_best / b_best:.3f} (above 1: this checkout faster)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
