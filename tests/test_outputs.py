"""Reports never replace an input, never leave a truncated file, and fail as one line."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hiecheck.errors import InputError
from hiecheck.outputs import OutputError, Reads, report_output


def _hl7_name(name: str) -> bool:
    return name.endswith(".hl7")


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "msgs"
    folder.mkdir()
    capture = folder / "a.hl7"
    capture.write_bytes(b"MSH|^~\\&|capture\r")
    return folder, capture


def test_the_report_goes_to_stdout_without_a_path(capsys: pytest.CaptureFixture[str]) -> None:
    with report_output(None) as out:
        out.write("report ✔\n")
    assert capsys.readouterr().out == "report ✔\n"


def test_a_finished_report_replaces_the_target_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old")
    target.chmod(0o640)
    with report_output(target) as out:
        out.write("new report\n")
    assert target.read_text() == "new report\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_a_failed_run_leaves_the_good_report_untouched(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("good report")
    with pytest.raises(InputError, match="bad row"), report_output(target) as out:
        out.write("half a rep")
        raise InputError("x.csv", "bad row")
    assert target.read_text() == "good report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_an_interrupted_run_leaves_no_report_behind(tmp_path: Path) -> None:
    target = tmp_path / "new.json"
    with pytest.raises(KeyboardInterrupt), report_output(target) as out:
        out.write("{")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("how", ["same path", "dot path", "symlink", "hard link"])
def test_an_output_that_is_an_input_is_refused_before_anything_is_written(
    tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, capture = _tree(tmp_path)
    monkeypatch.chdir(folder)
    output = {
        "same path": str(capture),
        "dot path": "./a.hl7",
        "symlink": str(tmp_path / "link.hl7"),
        "hard link": str(tmp_path / "hard.hl7"),
    }[how]
    if how == "symlink":
        os.symlink(capture, output)
    if how == "hard link":
        os.link(capture, output)
    reads = Reads.of(files=["a.hl7"])
    with pytest.raises(OutputError) as err, report_output(output, reads) as out:
        out.write("report")
    assert "is the input file" in err.value.one_line() and "--output" in err.value.one_line()
    assert capture.read_bytes() == b"MSH|^~\\&|capture\r"


def test_an_output_inside_a_folder_being_read_is_refused_when_it_would_be_read(
    tmp_path: Path
) -> None:
    folder, _ = _tree(tmp_path)
    reads = Reads.of(folders=[folder], reads_name=_hl7_name)
    for name in ("new.hl7", "sub/deeper.hl7"):
        (folder / "sub").mkdir(exist_ok=True)
        with pytest.raises(OutputError, match="inside the folder"):
            reads.refuse(folder / name)
    reads.refuse(folder / "report.json")  # a name the folder's reading skips is fine
    reads.refuse(tmp_path / "outside.hl7")
    with pytest.raises(OutputError, match="inside the folder"):
        Reads.of(folders=[folder]).refuse(folder / "report.json")  # any name by default


def test_stdout_redirected_onto_an_input_is_refused(tmp_path: Path) -> None:
    capture = tmp_path / "a.hl7"
    capture.write_text("MSH|")
    with capture.open("a") as appended:  # as `hiecheck validate a.hl7 >> a.hl7` gets it
        with pytest.raises(OutputError, match="standard output: is redirected onto"):
            Reads.of(files=[capture]).refuse_stdout(appended)
        Reads.of(files=[tmp_path / "other.hl7"]).refuse_stdout(appended)
    assert capture.read_text() == "MSH|"


def test_write_errors_are_one_line_output_errors(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as err, report_output("/dev/full") as out:
        out.write("x" * 100_000)
    assert err.value.one_line() == (
        "/dev/full:--output: cannot write the report: No space left on device")
    missing = tmp_path / "missing" / "r.txt"
    for target, problem in ((missing, "cannot write the report: No such file"),
                            (tmp_path, "is a folder")):
        with pytest.raises(OutputError, match=problem), report_output(target) as out:
            out.write("x")


def test_devices_are_written_directly(tmp_path: Path) -> None:
    with report_output("/dev/null") as out:
        out.write("discarded\n")
    assert list(tmp_path.iterdir()) == []
