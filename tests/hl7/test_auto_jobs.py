"""`validate` without `--jobs`: two processes check when the files add up to over 16 MiB and
another core is idle (Linux), one otherwise; `--jobs N` always wins. The report is the same."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from hiecheck.hl7 import validate
from hiecheck.hl7.reader import Source
from hiecheck.hl7.validate import AUTO_JOBS_BYTES, auto_jobs


@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "big.hl7"
    with path.open("wb") as f:
        f.truncate(AUTO_JOBS_BYTES + 1)  # sparse: only its size is looked at
    return path


def _idle(monkeypatch: pytest.MonkeyPatch, idle: int, platform: str = "linux") -> None:
    monkeypatch.setattr(validate, "cores", lambda: 2)
    monkeypatch.setattr(validate, "idle_cores", lambda: idle)
    monkeypatch.setattr(validate.sys, "platform", platform)


def test_two_processes_for_a_large_input_on_an_idle_core(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _idle(monkeypatch, 2)
    assert auto_jobs([Source(str(big))]) == 2


@pytest.mark.parametrize("why", ["small", "busy", "stdin", "not linux", "missing"])
def test_one_process_otherwise(
    big: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, why: str
) -> None:
    small = tmp_path / "small.hl7"
    small.write_bytes(b"MSH|^~\\&|\r")
    _idle(monkeypatch, 1 if why == "busy" else 2, "darwin" if why == "not linux" else "linux")
    sources = {
        "small": [Source(str(small))], "busy": [Source(str(big))],
        "stdin": [Source("-", stream=True)], "not linux": [Source(str(big))],
        "missing": [Source(str(tmp_path / "gone.hl7"))],
    }[why]
    assert auto_jobs(sources) == 1


def test_several_files_count_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _idle(monkeypatch, 2)
    halves = []
    for i in range(2):
        path = tmp_path / f"half{i}.hl7"
        with path.open("wb") as f:
            f.truncate(AUTO_JOBS_BYTES // 2 + 1)
        halves.append(Source(str(path)))
    assert auto_jobs(halves[:1]) == 1
    assert auto_jobs(halves) == 2


@pytest.mark.parametrize(("given", "used"), [([], 2), (["--jobs", "1"], 1), (["-j", "3"], 3)])
def test_the_command_uses_it_unless_told(
    h: SimpleNamespace, write, monkeypatch: pytest.MonkeyPatch, given: list[str], used: int,
) -> None:
    """The same document whatever number of processes checked it."""
    from hiecheck.cli import run
    from hiecheck.hl7 import cli as hl7_cli

    path = write("".join(h.clean_adt(control=f"C{i}") for i in range(40)))
    seen: list[int] = []
    real = hl7_cli.validate_rendered

    def spy(*args: object, jobs: int = 1, **kwargs: object):  # type: ignore[no-untyped-def]
        seen.append(jobs)
        return real(*args, jobs=jobs, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hl7_cli, "auto_jobs", lambda sources: 2)
    monkeypatch.setattr(hl7_cli, "validate_rendered", spy)
    out = Path(path).with_suffix(".json")
    assert run(["validate", path, "-q", "-f", "json", "-o", str(out), *given]) == 0
    if used > 1:
        assert seen == [used]
    else:
        assert seen == []  # one process: the plain path
    one = Path(path).with_suffix(".one.json")
    assert run(["validate", path, "-q", "-f", "json", "-o", str(one), "-j", "1"]) == 0
    assert out.read_text() == one.read_text()
