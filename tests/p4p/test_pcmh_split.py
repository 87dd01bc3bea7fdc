"""Practices written by forked children (``p4p.split``) give the very bytes of one process, in
every format, however the practices are cut into ranges; a failing child fails the report."""

from __future__ import annotations

import errno
import io
import os
import random
import signal
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from hiecheck.console import SafeStream
from hiecheck.outputs import OutputError, Reads
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


def _joined(path: Path, count: int, item: Callable[[int], int], split: Split) -> str:
    """Items written as a renderer with a separator that depends on the item before would."""
    with path.open("w", encoding="utf-8") as handle:
        out = Out(SafeStream(handle))  # type: ignore[arg-type]
        first = True
        for k in split_items(out, count, item, split):
            out.write(("" if first else ",") + str(k))
            first = False
        out.flush()
    return path.read_text(encoding="utf-8")


WANT = ",".join(map(str, range(12)))


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
@pytest.mark.parametrize("failing", [1, 2, 4])
def test_when_no_process_can_be_forked_the_rest_is_made_here(
    failing: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fork refused (a process limit, no memory: EAGAIN, ENOMEM) is no error: the ranges
    from there on are made in this process, after those children wrote."""
    forks = [0]
    fork = os.fork

    def refusing() -> int:
        forks[0] += 1
        if forks[0] >= failing:
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        return fork()

    monkeypatch.setattr(os, "fork", refusing)
    assert _joined(tmp_path / "out.txt", 12, int, Split(2, minimum=0, chunk=3)) == WANT
    assert forks[0] == failing  # no fork tried after the one refused


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_child_killed_by_a_signal_has_its_range_made_here(tmp_path: Path) -> None:
    """The out-of-memory killer's SIGKILL is not a bug of the report: its range and the later
    ones are made in this process, the same bytes."""
    parent = os.getpid()

    def item(index: int) -> int:
        if index == 7 and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return index

    assert _joined(tmp_path / "out.txt", 12, item, Split(2, minimum=0, chunk=3)) == WANT


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_child_whose_temporary_file_cannot_be_written_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object, **kwargs: object) -> object:
        return open("/dev/full", "w+b")

    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    with pytest.raises(OutputError, match=r"cannot write the report: a temporary file in .*: "
                                          "No space left on device"):
        _joined(tmp_path / "out.txt", 12, int, Split(2, minimum=0, chunk=3))
