"""A fixed-seed slice of the issue-10 fuzz campaign (``bench/fuzz.py``): mutated HL7 captures,
organization files and P4P CSVs through every command and format, in process and as a few real
processes. No run may exit 3 (or outside 0/1/2), print a traceback, change an input, or show a
planted PHI marker without ``--show-values``.

The generators live in ``bench/fuzz.py`` (one copy, run at full size from the command line) and
are imported from there by path: ``bench/`` is not a package and should not become one just for
this test, and a copy under ``tests/`` would drift from the campaign whose figures are reported.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261201


def _load_fuzz() -> ModuleType:
    name = "hiecheck_bench_fuzz"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzz()


@pytest.fixture(scope="module")
def tally(tmp_path_factory: pytest.TempPathFactory) -> object:
    plan = fuzz.Plan(messages=300, per_file=60, orgs=50, per_batch=25, csvs=50, rules=6,
                     processes=3)
    keep = tmp_path_factory.mktemp("fuzz-failures")
    return fuzz.campaign(SEED, plan, verbose=False, keep=keep)


def test_slice_reaches_every_command(tally: object) -> None:
    runs = {label.split()[0] for label in tally.runs}  # type: ignore[attr-defined]
    assert {"validate", "check", "p4p", "rules", "process"} <= runs
    assert tally.messages >= 300 and tally.orgs == 50 and tally.csvs == 50  # type: ignore[attr-defined]


def test_slice_no_internal_error_traceback_change_or_leak(tally: object) -> None:
    t = tally
    assert [f"{f.case} {f.argv} {f.why}" for f in t.failures] == []  # type: ignore[attr-defined]
    assert set(t.exits) <= {0, 1, 2}  # type: ignore[attr-defined]
    assert t.exits[3] == 0 and t.tracebacks == 0  # type: ignore[attr-defined]
    assert t.changed == 0 and t.leaks == 0  # type: ignore[attr-defined]
    assert t.exits[0] and t.exits[1] and t.exits[2]  # type: ignore[attr-defined]


def test_markers_are_shown_with_show_values(tmp_path: Path) -> None:
    """The detector finds planted markers when values are asked for (so 0 leaks means 0)."""
    fuzz.load_bases()
    capture = tmp_path / "capture.hl7"
    rng = random.Random(f"{SEED}:detector")
    capture.write_bytes(fuzz.hl7_file(rng, fuzz.BASES_CACHE["hl7"], 20, fuzz.Markers()))
    _, shown, _ = fuzz.run_inprocess(["validate", str(capture), "-f", "json", "--show-values"])
    _, hidden, _ = fuzz.run_inprocess(["validate", str(capture), "-f", "json"])
    allowed = fuzz._allowed(hidden)
    assert set(fuzz.MARKER_RE.findall(shown)) - allowed
    assert not set(fuzz.MARKER_RE.findall(hidden)) - allowed


def test_judge_counts_a_leak_and_a_changed_input(tmp_path: Path) -> None:
    """The campaign's judge itself: a marker in an output, an input changed, exit 3."""
    source = tmp_path / "in.hl7"
    source.write_bytes(b"x")
    c = fuzz.Campaign(SEED, tmp_path, tmp_path / "keep", verbose=False)
    before = fuzz.digest([source])
    source.write_bytes(b"y")
    c.judge("case-1", "validate json", ["validate"], [source], 3, "ZZPHI000001ZZ", "", set(),
            False, before)
    assert c.tally.leaks == 1 and c.tally.changed == 1 and c.tally.exits[3] == 1
    assert len(c.tally.failures) == 1 and (tmp_path / "keep" / "case-1" / "in.hl7").is_file()
