"""``p4p.forked.Later``: a value made in a forked child, or here when the child cannot; and the
PCMH scoring, its measures sorted in a child, scores exactly as in one process."""

from __future__ import annotations

import errno
import os
import random
from pathlib import Path

import pytest

from hiecheck.p4p import forked, split
from hiecheck.p4p.forked import Later
from hiecheck.p4p.profile import PcmhProfile
from hiecheck.p4p.split import Split

from .test_pcmh_fast import SETTINGS, Shape, assert_same, make_files, random_shape
from .test_pcmh_split import _bytes, _scoring

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


@needs_fork
def test_the_value_comes_from_a_child() -> None:
    later = Later(lambda: (os.getpid(), [1, 2, 3]), fork=True)
    pid, value = later.get()
    assert pid != os.getpid()
    assert value == [1, 2, 3]


def test_without_fork_the_value_is_made_here() -> None:
    assert Later(os.getpid, fork=False).get() == os.getpid()


@needs_fork
def test_a_fork_refused_makes_the_value_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """EAGAIN or ENOMEM from fork (a process limit, no memory) is no error, and leaks no pipe."""
    def refused() -> int:
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    monkeypatch.setattr(os, "fork", refused)
    later = Later(os.getpid, fork=True)
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before
    assert later.get() == os.getpid()


@needs_fork
def test_a_failure_in_the_child_is_raised_here() -> None:
    calls: list[int] = []

    def make() -> int:
        calls.append(os.getpid())  # only the parent's call is seen here
        raise ValueError("row 7: not a number")

    later = Later(make, fork=True)
    with pytest.raises(ValueError, match="row 7: not a number"):
        later.get()
    assert calls == [os.getpid()]


@needs_fork
def test_ctrl_c_ends_a_child_outright_and_this_process_keeps_its_handler() -> None:
    """The terminal sends Ctrl-C to the whole process group (a CI runner SIGTERM): a child dies
    of it quietly (the default actions) instead of raising KeyboardInterrupt in its work or in
    Python's after-fork hooks, which printed "Exception ignored in _after_fork" beside
    "interrupted"."""
    import signal

    handler = signal.getsignal(signal.SIGINT)

    both = {signal.SIGINT, signal.SIGTERM}

    def quiet() -> tuple[bool, bool, bool]:
        return (signal.getsignal(signal.SIGINT) is signal.SIG_DFL,
                signal.getsignal(signal.SIGTERM) is signal.SIG_DFL,
                not both & signal.pthread_sigmask(signal.SIG_BLOCK, set()))

    assert Later(quiet, fork=True).get() == (True, True, True)  # and neither blocked
    assert signal.getsignal(signal.SIGINT) is handler
    assert not both & signal.pthread_sigmask(signal.SIG_BLOCK, set())
    sleeper = Later(lambda: sum(range(10**10)), fork=True)
    os.kill(sleeper.pid, signal.SIGINT)
    _, status = os.waitpid(sleeper.pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT
    sleeper.pid = 0
    os.close(sleeper.pipe)


@needs_fork
def test_cancel_stops_the_child() -> None:
    later = Later(lambda: sum(range(10**9)), fork=True)
    pid = later.pid
    later.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)


@needs_fork
@pytest.mark.parametrize("seed", range(4))
def test_scoring_with_a_child_is_the_same(
    seed: int, pcmh_profile: PcmhProfile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    shape = Shape(practices=rng.randint(2, 60), measures=rng.randint(1, 8), dens="wide",
                  missing=0.1, previous=True, changed=0.2)
    files = make_files(rng, shape, tmp_path)
    out = tmp_path / "report.json"
    want = _bytes(_scoring(pcmh_profile, *files), "json", out, Split(1), False)
    monkeypatch.setattr(forked, "MINIMUM", 0)
    monkeypatch.setattr(forked, "cores", lambda: 2)
    monkeypatch.setattr(forked, "idle_cores", lambda: 2)
    forks: list[int] = []
    fork = os.fork

    def counted() -> int:
        forks.append(1)
        return fork()

    monkeypatch.setattr(os, "fork", counted)
    assert _bytes(_scoring(pcmh_profile, *files), "json", out, Split(1), False) == want
    assert forks == ([1] if shape.measures > 1 else [])  # the later measures


HEAD = "practice_id,measure,numerator,denominator,ncqa_recognized,full_year,annualized_members\n"
GOOD = HEAD + "P1,m,5,40,yes,yes,100\nP2,m,7,40,yes,yes,200\n"
BAD = HEAD + "P1,m,5,40,yes,yes,100\nP2,m,x,40,yes,yes,200\nP3,m,50,40,yes,yes,1\n"


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from hiecheck.cli import run

    code = run(argv)
    out, err = capsys.readouterr()
    return code, out, err


@needs_fork
@pytest.mark.parametrize(("current", "previous"), [(GOOD, BAD), (BAD, BAD), (BAD, GOOD),
                                                   (GOOD, GOOD)])
def test_the_previous_year_read_in_a_child_reports_as_before(
    current: str, previous: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Problems of either file, in the same order (the current file's first), same lines."""
    (tmp_path / "now.csv").write_text(current, encoding="utf-8")
    (tmp_path / "before.csv").write_text(previous, encoding="utf-8")
    argv = ["p4p", "pcmh", str(tmp_path / "now.csv"), "--previous", str(tmp_path / "before.csv"),
            "--payment-year", "2020", "--format", "json"]
    want = _cli(argv, capsys)
    monkeypatch.setattr(forked, "MINIMUM", 0)
    monkeypatch.setattr(forked, "cores", lambda: 2)
    monkeypatch.setattr(forked, "idle_cores", lambda: 2)
    assert _cli(argv, capsys) == want
    assert want[0] == (0 if BAD not in (current, previous) else 2)


@needs_fork
@pytest.mark.parametrize("seed", range(6))
def test_every_part_forked_agrees_with_the_reference(
    seed: int, pcmh_profile: PcmhProfile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranking, improvement and writing all forked, on small files: the reference's bytes."""
    monkeypatch.setattr(forked, "MINIMUM", 0)
    monkeypatch.setattr(forked, "cores", lambda: 2)
    monkeypatch.setattr(forked, "idle_cores", lambda: 2)
    monkeypatch.setattr(split, "MINIMUM", 0)
    monkeypatch.setattr(split, "idle_cores", lambda: 2)
    rng = random.Random(100 + seed)
    current, previous = make_files(rng, random_shape(rng), tmp_path)
    for setting in rng.sample(SETTINGS, 2):
        assert_same(pcmh_profile, current, previous, setting)


def test_a_busy_machine_is_not_worth_a_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "cores", lambda: 2)
    monkeypatch.setattr(forked, "idle_cores", lambda: 1)
    monkeypatch.setattr(split, "idle_cores", lambda: 1)
    assert not forked.worth_forking(10**6)
    assert split.default_split().workers == 1  # written in this process


def test_idle_cores_counts_this_process() -> None:
    assert 1 <= forked.idle_cores() <= forked.cores()
