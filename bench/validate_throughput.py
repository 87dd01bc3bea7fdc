"""Throughput and memory of `hiecheck validate` on a synthetic capture (not a timed test).

Usage: python bench/validate_throughput.py [MESSAGES] [JOBS]
Writes bench/out/capture.hl7 (the corpus messages repeated) and prints messages/s and peak RSS.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from hiecheck.hl7.requirements import load_requirements
from hiecheck.hl7.validate import MessageResult, default_checks, validate_paths

OUT = Path(__file__).resolve().parent / "out"

SAMPLE = (
    "MSH|^~\\&|APP|FAC|HIE|HIN|20260101120000||ADT^A01^ADT_A01|C{n}|P|2.5.1\r"
    "EVN|A01|20260101115955\r"
    "PID|1||{n}^^^HOSP^MR||DOE^JANE||19800101|F||2106-3|1 MAIN ST^^PORTLAND^ME^04101||2075550100"
    "|||||||||2186-5\r"
    "PV1|1|I|||||||||||||||||V{n}|||||||||||||||||||||||||20260101110000\r"
    "DG1|1||I10^Essential hypertension^I10|||F\r"
    "OBX|1|NM|8480-6^Systolic^LN||128|mm[Hg]|||||F|||20260101110000\r"
)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    OUT.mkdir(exist_ok=True)
    capture = OUT / "capture.hl7"
    with capture.open("w", newline="") as fh:
        for n in range(count):
            fh.write(SAMPLE.format(n=n))
    checks = default_checks(load_requirements("pcplus-tier3"))
    start = time.perf_counter()
    seen = sum(
        1 for ev in validate_paths([str(capture)], checks, jobs=jobs)
        if isinstance(ev, MessageResult)
    )
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seen} messages, jobs={jobs}: {seen / elapsed:,.0f} msg/s, peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
