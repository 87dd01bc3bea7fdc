"""Practices written by forked children (``p4p.split``) give the very bytes of one process, in
every format, however the practices are cut into ranges; a failing child fails the report."""

from __future__ import annotations

import io
import random
from datetime import date
from pathlib import Path

import pytest

from hiecheck.console import SafeStream
from hiecheck.outputs import Reads
from hiecheck.p4p.csv_input import read_pcmh
from hiecheck.p4p.output import Out
from hiecheck.p4p.pcmh import score_pcmh
from hiecheck.p4p.pcmh_figures import PcmhScoring
from hiecheck.p4p.profile import PcmhProfile
from hiecheck.p4p.render import FORMATS, render
from hiecheck.p4p.split import Split, split_items

from .test_pcmh_fast import Shape, make_files

SERIAL = Split(workers=1)


def _scoring(profile: PcmhProfile, current: Path, previous: Path | None) -> PcmhScoring:
    given = read_pcmh(str(current), profile.measures)
    before = read_pcmh(str(previous), profile.measures, previous=True) if previous else None
    return score_pcmh(
        given, before, profile, method="midrank", peers="others", rounding="nearest",
        improvement_total="like-for-like", as_of=date(2020, 1, 1),
    )


def _bytes(scoring: PcmhScoring, fmt: str, path: Path, split: Split, explain: bool) -> bytes:
    render(scoring, fmt, path, explain=explain, reads=Reads.of(files=[]),  # type: ignore[arg-type]
           split=split)
    return path.read_bytes()


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
@pytest.mark.parametrize("practices", [1, 2, 3, 7, 40])
def test_split_writes_the_same_bytes(
    practices: int, pcmh_profile: PcmhProfile, tmp_path: Path
) -> None:
    rng = random.Random(practices)
    shape = Shape(practices=practices, measures=4, dens="wide", missing=0.1,
                  previous=practices != 3, changed=0.2)
    scoring = _scoring(pcmh_profile, *make_files(rng, shape, tmp_path))
    out = tmp_path / "report.out"
    for fmt in FORMATS:
        for explain in (False, True) if fmt == "table" else (False,):
            want = _bytes(scoring, fmt, out, SERIAL, explain)
            for workers, chunk in ((2, 1), (2, 3), (3, 2), (4, 1000)):
                split = Split(workers, minimum=0, chunk=chunk)
                got = _bytes(scoring, fmt, out, split, explain)
                assert got == want, f"{fmt} with {workers} processes, {chunk} a range"


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_failing_child_fails_the_report(tmp_path: Path) -> None:
    def item(index: int) -> int:
        if index == 9:
            raise ValueError("practice 9")
        return index

    with (tmp_path / "out.txt").open("w", encoding="utf-8") as handle:
        out = Out(SafeStream(handle))  # type: ignore[arg-type]
        with pytest.raises(RuntimeError, match="ValueError: practice 9"):
            for k in split_items(out, 10, item, Split(3, minimum=0, chunk=2)):
                out.write(f"{k}\n")


def test_an_in_memory_stream_is_written_in_one_process() -> None:
    stream = io.StringIO()
    out = Out(SafeStream(stream))  # type: ignore[arg-type]
    for k in split_items(out, 5, str, Split(4, minimum=0)):
        out.write(k)
    out.flush()
    assert stream.getvalue() == "01234"
