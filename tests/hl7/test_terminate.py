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


def test_a_second_sigterm_ends_it_at_once() -> None:
    """The handler gives SIGTERM back its default action: a run stuck in C code (a long
    DuckDB query) that has not yet seen the first is ended by the second."""
    from hiecheck import cli

    with cli._terminated_as_exception():
        assert signal.getsignal(signal.SIGTERM) is cli._terminate
        with pytest.raises(cli.Terminated):
            cli._terminate(signal.SIGTERM, None)
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_callers_own_sigterm_handler_is_kept() -> None:
    from hiecheck import cli

    def mine(signum: int, frame: object) -> None:
        return None

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with cli._terminated_as_exception():
            assert signal.getsignal(signal.SIGTERM) is mine
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)

