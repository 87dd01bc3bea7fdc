"""Whole-process throughput on 20,000 messages: hiecheck's command line beside two Node peers.

Two captures, written to a temporary folder (CR line ends, one message after another):

- ``corpus``: the public samples of ``$HIECHECK_CORPUS`` (many HL7 versions, some broken on
  purpose), each message as hiecheck's reader reads it, repeated in order up to the count;
- ``uniform``: the generator's feed (``hiecheck.hl7.synth.feed_batch``, as bench_hl7.py uses:
  ADT and ORU, 2.3 to 2.6, mostly conforming).

Tools, each a fresh process timed from start to exit (so start-up, reading and the report are
in), alternating within each round:

- ``hiecheck validate CAPTURE --format json --output /dev/null --jobs 1`` (and ``--format
  table``; ``--jobs 2`` too: what ``validate`` uses unasked on inputs this large when another
  core is idle), default requirement set, expression cache warm (one unmeasured run first;
  ``$HIECHECK_CACHE_DIR`` if set, else a temporary folder), byte code written to a temporary
  ``PYTHONPYCACHEPREFIX`` as an installed package has its ``.pyc`` files;
- npm ``hl7v2`` 1.8 (panates): ``HL7Message.parse(text, {strict: true})`` per message: every
  value decoded by its datatype, stopping at the first that does not fit (no other check);
- npm ``simple-hl7`` 3.3: ``Parser.parse`` per message, parse only.

The Node drivers are ``bench/peers/*.{mjs,cjs}`` with ``bench/peers/package.json``; the script
copies them to ``bench/out/peers`` (ignored by git) and runs ``npm install`` there once (the npm
registry must be reachable). Without node/npm, or when the install fails, it says so and runs
hiecheck alone. Prints messages/s per tool and capture (best and range over ``--runs``), peak
RSS, CPU seconds (user + system, range: steadier than wall time on a shared machine), the ratios
to hiecheck's best, and each tool's rejected count (what it stopped on).
``--compare SRC`` adds another checkout's sources as ``hiecheck old`` (each hiecheck run, just
before the same run of this checkout). Not a test: run
``.venv/bin/python bench/bench_peers.py [--messages 20000] [--runs 3] [--compare SRC]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from hiecheck.hl7 import synth
from hiecheck.hl7.reader import read_source

HERE = Path(__file__).resolve().parent
PEERS_SRC = HERE / "peers"
PEERS_DIR = HERE / "out" / "peers"
DRIVERS = ("package.json", "messages.cjs", "hl7v2-strict.mjs", "simple-hl7-parse.cjs")


@dataclass
class Tool:
    """A command run on a capture (``{capture}`` replaced), and its timings per capture."""

    name: str
    kind: str  # "validating" or "parse only"
    argv: list[str]
    cwd: Path | None = None
    env: dict[str, str] | None = None
    times: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)  # user + system, children too
    rss_kb: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)


def corpus_capture(path: Path, corpus: Path, count: int) -> int:
    """Write ``count`` messages of the corpus, repeated in order; returns the bytes written."""
    texts = []
    for file in sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix != ".tsv"):
        try:
            for raw in read_source(str(file)):
                texts.append("\r".join(text for _, text in raw.lines) + "\r")
        except Exception as exc:  # a file hiecheck refuses whole is no message for anyone
            print(f"  (skipped {file.name}: {type(exc).__name__})", file=sys.stderr)
    if not texts:
        raise SystemExit(f"no message in {corpus}")
    with path.open("w", encoding="utf-8", newline="") as out:
        for i in range(count):
            out.write(texts[i % len(texts)])
    print(f"corpus capture: {len(texts)} distinct messages from {corpus.name}/, "
          f"repeated to {count}")
    return path.stat().st_size


def uniform_capture(path: Path, count: int, seed: int) -> int:
    with path.open("w", encoding="utf-8", newline="") as out:
        for lines in synth.feed_batch(count, seed=seed):
            out.write("\r".join(lines) + "\r")
    return path.stat().st_size


def install_peers(folder: Path) -> str | None:
    """Copy the drivers to ``folder`` and npm-install them once; None when ready, else why not."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return "node and npm not found"
    folder.mkdir(parents=True, exist_ok=True)
    for name in DRIVERS:
        shutil.copyfile(PEERS_SRC / name, folder / name)
    ready = all((folder / "node_modules" / pkg / "package.json").is_file()
                for pkg in ("hl7v2", "simple-hl7"))
    if not ready:
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent"],
                              cwd=folder, capture_output=True, text=True)
        if done.returncode != 0:
            return f"npm install failed: {done.stderr.strip().splitlines()[-1:]}"
    return None


def run_timed(
    argv: list[str], cwd: Path | None, env: dict[str, str] | None = None
) -> tuple[float, int, str, float]:
    """(wall seconds, peak RSS KB, stdout, CPU seconds) of one child run (rusage from ``wait4``;
    the CPU of the child's own workers, which it waits for, is included)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=err)
        assert child.stdout is not None
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.stdout.close()
        code = os.waitstatus_to_exitcode(status)
        child.returncode = code
        if code not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{argv[:4]} exit {code}: {err.read().decode()[-500:]}")
    return wall, usage.ru_maxrss, out.decode(), usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--corpus", type=Path, default=os.environ.get("HIECHECK_CORPUS"))
    ap.add_argument("--no-peers", action="store_true", help="hiecheck alone")
    ap.add_argument("--jobs", type=int, default=2, help="also hiecheck --jobs N (0: skip)")
    ap.add_argument("--compare", type=Path,
                    help="also another checkout's src folder as 'hiecheck old'")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp_name:
        tmp = Path(tmp_name)
        # hiecheck's children: byte code as an installed package has it (in a temporary
        # prefix, nothing written into the checkout), the expression cache in this run's folder
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        os.environ.setdefault("HIECHECK_CACHE_DIR", str(tmp / "cache"))
        captures: dict[str, Path] = {}
        if args.corpus and Path(args.corpus).is_dir():
            captures["corpus"] = tmp / "corpus.hl7"
            corpus_capture(captures["corpus"], Path(args.corpus), args.messages)
        else:
            print("no corpus ($HIECHECK_CORPUS or --corpus): corpus capture skipped")
        captures["uniform"] = tmp / "uniform.hl7"
        uniform_capture(captures["uniform"], args.messages, args.seed)
        for name, path in captures.items():
            print(f"  {name}: {path.stat().st_size / 1e6:.1f} MB")

        env_py = [sys.executable, "-m", "hiecheck", "validate", "{capture}", "--quiet"]
        tools = [
            # One process, said explicitly: without --jobs these captures (over 16 MiB) get
            # two processes whenever a core is idle.
            Tool("hiecheck json", "validating",
                 [*env_py, "--format", "json", "--output", os.devnull, "--jobs", "1"]),
            Tool("hiecheck table", "validating",
                 [*env_py, "--format", "table", "--output", os.devnull, "--jobs", "1"]),
        ]
        if args.jobs > 1:
            tools.append(Tool(f"hiecheck json -j{args.jobs}", "validating",
                              [*env_py, "--format", "json", "--output", os.devnull,
                               "--jobs", str(args.jobs)]))
        if args.compare is not None:  # the same runs of the other checkout, each beside its own
            old_env = dict(os.environ, PYTHONPATH=str(args.compare.resolve()))
            for new in list(tools):
                tools.insert(tools.index(new), Tool(
                    new.name.replace("hiecheck", "hiecheck old"), new.kind, new.argv, env=old_env))
        why_not = "not asked (--no-peers)" if args.no_peers else install_peers(PEERS_DIR)
        if why_not is None:
            node = shutil.which("node") or "node"
            tools.append(Tool("hl7v2 strict", "validating",
                              [node, "hl7v2-strict.mjs", "{capture}"], PEERS_DIR))
            tools.append(Tool("simple-hl7 parse", "parse only",
                              [node, "simple-hl7-parse.cjs", "{capture}"], PEERS_DIR))
        else:
            print(f"peers not run: {why_not}; hiecheck alone")

        for tool in tools:  # warm: byte code, expression cache, page cache; not measured
            for cap, path in captures.items():
                _, _, out, _ = run_timed([a.replace("{capture}", str(path)) for a in tool.argv],
                                      tool.cwd, tool.env)
                if out.startswith("{") and "rejected" in out:
                    tool.rejected[cap] = str(json.loads(out)["rejected"])
        for _ in range(args.runs):
            for cap, path in captures.items():
                for tool in tools:
                    argv = [a.replace("{capture}", str(path)) for a in tool.argv]
                    wall, rss, _, cpu = run_timed(argv, tool.cwd, tool.env)
                    tool.times.setdefault(cap, []).append(wall)
                    tool.cpu.setdefault(cap, []).append(cpu)
                    tool.rss_kb[cap] = max(rss, tool.rss_kb.get(cap, 0))

    load = os.getloadavg()
    print(f"\n{args.messages} messages per capture, whole process, best of {args.runs} "
          f"(range in msgs/s); load average {load[0]:.2f}, {os.cpu_count()} CPUs")
    for cap in captures:
        best_hiecheck = max(args.messages / min(t.times[cap]) for t in tools
                            if t.name.startswith("hiecheck") and "old" not in t.name)
        print(f"\n[{cap}]")
        print(f"  {'tool':22} {'kind':11} {'msgs/s best':>11} {'range':>17} "
              f"{'vs hiecheck best':>16} {'CPU s':>11} {'peak RSS':>9} rejected")
        for t in tools:
            rates = [args.messages / s for s in t.times[cap]]
            best = max(rates)
            print(f"  {t.name:22} {t.kind:11} {best:11,.0f} "
                  f"{min(rates):8,.0f}-{max(rates):<8,.0f} {best / best_hiecheck:15.2f}x "
                  f"{min(t.cpu[cap]):5.2f}-{max(t.cpu[cap]):<5.2f} "
                  f"{t.rss_kb[cap] / 1024:7.0f}MB {t.rejected.get(cap, '')}")


if __name__ == "__main__":
    main()
