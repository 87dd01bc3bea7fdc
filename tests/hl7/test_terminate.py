"""SIGTERM (a CI job's timeout, ``timeout``, a service manager) ends a run as Ctrl-C does: what
it held is let go (the report's temporary file beside ``--output``, the workers, their spool
folder) and it exits 143 with one line, no traceback from any process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX process groups")


def _started(args: list[str], tmp_path: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return subprocess.Popen(
        [sys.executable, "-m", "hiecheck", *args], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True,
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_lets_go_of_the_report_file_and_the_workers(
    h: SimpleNamespace, tmp_path: Path, jobs: str
) -> None:
    """Messages keep coming on stdin (4,000 of them, over 2 MB, the pipe left open: with
    ``-j2`` a worker has been forked and given batches); SIGTERM to the whole group, as a CI
    runner sends it."""
    out = tmp_path / "report" / "out.json"
    out.parent.mkdir()
    child = _started(["validate", "-", "-q", "-f", "json", "-o", str(out), "-j", jobs], tmp_path)
    assert child.stdin is not None
    feed = "".join(h.clean_adt(control=f"C{i}") + "\r" for i in range(4000)).encode()
    child.stdin.write(feed)
    child.stdin.flush()
    time.sleep(1.5)  # read, the first batch checked, the worker forked
    children = Path(f"/proc/{child.pid}/task/{child.pid}/children")
    if jobs == "2" and children.exists():
        assert children.read_text().split()  # the worker is there
    os.killpg(child.pid, signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 143
    assert err.decode().strip() == "hiecheck: terminated"
    assert list(out.parent.iterdir()) == []  # no hidden temporary report left behind
    assert list((tmp_path / "tmp").iterdir()) == []  # no spool folder either


def test_sigterm_to_the_reading_process_alone_lets_go_too(
    h: SimpleNamespace, tmp_path: Path
) -> None:
    """`kill PID` (not the group): the workers, still running, are let go by this process."""
    out = tmp_path / "report" / "out.json"
    out.parent.mkdir()
    child = _started(["validate", "-", "-q", "-f", "json", "-o", str(out), "-j", "2"], tmp_path)
    assert child.stdin is not None
    child.stdin.write("".join(h.clean_adt(control=f"C{i}") + "\r" for i in range(4000)).encode())
    child.stdin.flush()
    time.sleep(1.5)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert (child.returncode, err.decode().strip()) == (143, "hiecheck: terminated")
    assert list(out.parent.iterdir()) == [] and list((tmp_path / "tmp").iterdir()) == []


def test_a_second_sigterm_ends_it_at_once() -> None:
    """The handler gives SIGTERM back its default action: a run stuck in C code (a long
    DuckDB query) that has not yet seen the first is ended by the second."""
    from hiecheck import cli

    with cli._watched(["validate"]) as arrived:
        with pytest.raises(cli.Terminated):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
        assert arrived.signal == signal.SIGTERM
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_signal_a_library_turned_into_its_own_error_still_ends_the_run_as_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """DuckDB catches the exception a signal handler raises during a query and raises
    RuntimeError("Query interrupted") instead: the run still ends as terminated (or
    interrupted), not as a bug (exit 3)."""
    from hiecheck import cli

    for sig, code, line in ((signal.SIGTERM, 143, "terminated"),
                            (signal.SIGINT, 130, "interrupted")):
        with cli._watched(["measures"]) as arrived:
            try:
                try:
                    os.kill(os.getpid(), sig)
                    time.sleep(5)
                except (cli.Terminated, KeyboardInterrupt):
                    raise RuntimeError("Query interrupted") from None
            except RuntimeError:
                assert cli._signalled(arrived) == code
        assert capsys.readouterr().err.strip() == f"hiecheck: {line}"
    assert cli._signalled(cli._Arrived()) is None


def test_in_process_callers_and_servers_keep_pythons_defaults() -> None:
    """A program calling run() (a fuzzer, the tests) keeps Python's defaults: SIGTERM still
    ends it. `serve` and `listen` stop on SIGTERM as their normal end and handle it
    themselves. A handler someone else set is kept."""
    from hiecheck import cli

    seen: list[object] = []

    def app(*args: object, **kwargs: object) -> int:
        seen.append(signal.getsignal(signal.SIGTERM))
        return 0

    original = cli.make_app
    cli.make_app = lambda argv: app  # type: ignore[assignment,return-value]
    try:
        assert cli.run(["validate", "x.hl7"]) == 0
        assert cli.run(["serve"], signals=True) == 0
        assert cli.run(["validate", "x.hl7"], signals=True) == 0
    finally:
        cli.make_app = original
    assert seen[:2] == [signal.SIG_DFL, signal.SIG_DFL]
    assert callable(seen[2]) and seen[2] is not signal.SIG_DFL
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

    def mine(signum: int, frame: object) -> None:
        return None

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with cli._watched(["validate"]):
            assert signal.getsignal(signal.SIGTERM) is mine
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)
