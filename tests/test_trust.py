"""Issue 10's input/output classes through real processes, for every command and format: no
output replaces an input, reports are replaced whole or not at all, every user mistake and write
error is exit 2 with one line, unbounded inputs end, any console encoding works, and user text is
never read as markup."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_messages"
MSH = "MSH|^~\\&|APP|FAC|HIE|HIN|20260101120000||ADT^A01^ADT_A01|{control}|P|2.5.1"
ADT = "\r".join([
    MSH, "EVN|A01|20260101115955", "PID|1||123^^^HOSP^MR||DOE^JANE||19800101|F",
    "PV1|1|I|||||||||||||||||V123",
]) + "\r"
USER = "Zoë [red]Clinic[/red] [/foo] ✔ — “x”"  # markup-like, non-ASCII, non-Latin-1


def hiecheck(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: bytes | None = None,
    stdout: int | None = None,
) -> subprocess.CompletedProcess[bytes]:
    full = {k: v for k, v in os.environ.items() if k != "HIECHECK_PROFILES"}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "hiecheck", *args], cwd=cwd, env=full, input=stdin,
        stdout=stdout if stdout is not None else subprocess.PIPE, stderr=subprocess.PIPE,
    )


def one_error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    """The run's stderr, asserted to be exactly one ``hiecheck: error:`` line (documented
    ``hiecheck: warning:`` lines, such as P4P's cautions in json and csv, may come before it)."""
    full = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, (result.returncode, full)
    lines = full.splitlines(keepends=True)
    err = "".join(line for line in lines if not line.startswith("hiecheck: warning: "))
    assert err.count("\n") == 1 and err.startswith("hiecheck: error: "), full
    assert "Traceback" not in full
    return err


@pytest.fixture
def org(tmp_path: Path) -> Path:
    """An organization folder: org.toml naming msgs/ (one capture), plus P4P CSVs."""
    (tmp_path / "msgs").mkdir()
    (tmp_path / "msgs" / "adt.hl7").write_bytes(
        "".join(ADT.format(control=f"C{i}") for i in range(3)).encode())
    (tmp_path / "org.toml").write_text(
        'name = "Example Family Practice"\nmessages = "msgs"\n\n'
        '[[enrollment]]\nprogram = "cct"\n', encoding="utf-8")
    for name in ("bhh.csv", "ohh.csv"):
        shutil.copy(SAMPLES / "p4p" / name, tmp_path / name)
    return tmp_path


# --- no output replaces an input ------------------------------------------------------------------

_WAYS: dict[str, Callable[[Path, Path], str]] = {
    "same path": lambda d, f: str(f.relative_to(d)),
    "./ variant": lambda d, f: f"./{f.relative_to(d)}",
    "absolute path": lambda d, f: str(f),
    "symlink": lambda d, f: (os.symlink(f, d / "link.out"), "link.out")[1],
    "hard link": lambda d, f: (os.link(f, d / "hard.out"), "hard.out")[1],
}
_COMMANDS: dict[str, tuple[list[str], str]] = {  # arguments, the input to aim --output at
    "validate": (["validate", "msgs/adt.hl7"], "msgs/adt.hl7"),
    "validate folder": (["validate", "msgs"], "msgs/adt.hl7"),
    "check org file": (["check", "org.toml"], "org.toml"),
    "check messages folder": (["check", "org.toml"], "msgs/adt.hl7"),
    "check --messages": (["check", "org.toml", "--messages", "msgs/adt.hl7"], "msgs/adt.hl7"),
    "p4p bhh": (["p4p", "bhh", "bhh.csv"], "bhh.csv"),
    "p4p ohh": (["p4p", "ohh", "ohh.csv"], "ohh.csv"),
}


_EVERY_WAY = ("validate", "check org file", "p4p bhh")
_CASES = [(c, w) for c in _COMMANDS for w in _WAYS
          if c in _EVERY_WAY or w in ("same path", "symlink")]


@pytest.mark.parametrize(("command", "way"), _CASES)
def test_no_output_can_replace_an_input(org: Path, command: str, way: str) -> None:
    args, target = _COMMANDS[command]
    before = {p: p.read_bytes() for p in org.rglob("*") if p.is_file()}
    output = _WAYS[way](org, org / target)
    result = hiecheck(*args, "-o", output, cwd=org)
    err = one_error_line(result)
    assert "is the input file" in err and "--output" in err
    assert {p: p.read_bytes() for p in before} == before
    assert not list(org.rglob(".*.tmp"))


@pytest.mark.parametrize("args", [["validate", "msgs"], ["check", "org.toml"]])
def test_no_report_may_land_in_the_messages_folder_under_a_message_name(
    org: Path, args: list[str]
) -> None:
    err = one_error_line(hiecheck(*args, "-o", "msgs/report.txt", cwd=org))
    assert "is inside the folder 'msgs'" in err
    assert not (org / "msgs" / "report.txt").exists()
    ok = hiecheck(*args, "-o", "msgs/report.json", "-f", "json", cwd=org)
    assert ok.returncode in (0, 1), ok.stderr
    assert json.loads((org / "msgs" / "report.json").read_text())


def test_stdin_redirected_from_the_output_file_is_refused(org: Path) -> None:
    capture = org / "msgs" / "adt.hl7"
    before = capture.read_bytes()
    with capture.open("rb") as fh:
        result = subprocess.run(
            [sys.executable, "-m", "hiecheck", "validate", "-", "-o", "msgs/adt.hl7"],
            cwd=org, stdin=fh, capture_output=True,
        )
    assert "is the input file '/dev/stdin'" in one_error_line(result)
    assert capture.read_bytes() == before


def test_stdout_redirected_onto_an_input_is_refused(org: Path) -> None:
    capture = org / "msgs" / "adt.hl7"
    before = capture.read_bytes()
    with capture.open("ab") as appended:
        result = hiecheck("validate", "msgs/adt.hl7", cwd=org, stdout=appended.fileno())
    assert "standard output: is redirected onto the input file" in one_error_line(result)
    assert capture.read_bytes() == before


def test_a_failed_run_leaves_the_previous_report(org: Path) -> None:
    (org / "report.xml").write_text("<previous/>")
    one_error_line(hiecheck("validate", "msgs", "-r", "no-such-set", "-f", "junit",
                            "-o", "report.xml", cwd=org))
    assert (org / "report.xml").read_text() == "<previous/>"
    assert sorted(p.name for p in org.iterdir() if p.name.startswith(".")) == []


def test_an_interrupted_run_leaves_the_previous_report(org: Path) -> None:
    """SIGINT while the capture still streams in: exit 130, the old report intact, no leftovers."""
    fifo = org / "live"
    os.mkfifo(fifo)
    (org / "report.json").write_text('{"previous": true}')
    proc = subprocess.Popen(
        [sys.executable, "-m", "hiecheck", "validate", "live", "-f", "json", "-o",
         "report.json"], cwd=org, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    with fifo.open("wb") as feed:
        feed.write(ADT.format(control="C1").encode() * 2000)
        feed.flush()
        time.sleep(0.5)  # the run is reading; the writer keeps the FIFO open
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.decode() == "hiecheck: interrupted\n"
    assert (org / "report.json").read_text() == '{"previous": true}'
    assert sorted(p.name for p in org.iterdir() if p.name.startswith(".")) == []


# --- write errors ---------------------------------------------------------------------------------

_REPORTS = [
    ["validate", "msgs", "-f", "table"], ["validate", "msgs", "-f", "json"],
    ["validate", "msgs", "-f", "junit"], ["check", "org.toml", "-f", "table"],
    ["check", "org.toml", "-f", "json"], ["check", "org.toml", "-f", "markdown"],
    ["p4p", "bhh", "bhh.csv", "-f", "table"], ["p4p", "bhh", "bhh.csv", "-f", "csv"],
    ["p4p", "ohh", "ohh.csv", "-f", "json"],
]


@pytest.mark.parametrize("args", _REPORTS, ids=" ".join)
def test_write_errors_are_one_line_exit_two(org: Path, args: list[str]) -> None:
    err = one_error_line(hiecheck(*args, "-o", "/dev/full", cwd=org))
    assert err == "hiecheck: error: /dev/full:--output: cannot write the report: No space left " \
                  "on device\n"
    with open("/dev/full", "wb") as full:
        err = one_error_line(hiecheck(*args, cwd=org, stdout=full.fileno()))
    assert err == "hiecheck: error: standard output: cannot write the report: No space left " \
                  "on device\n"


def test_programs_to_a_full_stdout_is_one_line(org: Path) -> None:
    for args in (["programs"], ["programs", "--format", "json"], ["programs", "pcplus"]):
        with open("/dev/full", "wb") as full:
            one_error_line(hiecheck(*args, cwd=org, stdout=full.fileno()))


# --- unbounded inputs end -------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "limit"), [
    (["check", "/dev/zero"], "/dev/zero: larger than the 4 MiB limit for a TOML file"),
    # P4P streams its CSV: a row longer than any CSV row stops it first.
    (["p4p", "bhh", "/dev/zero"], "/dev/zero:row 1: line longer than 65,536 characters"),
    (["p4p", "pcmh", "/dev/zero", "--payment-year", "2020"],
     "/dev/zero:row 1: line longer than 65,536 characters"),
])
def test_endless_devices_end_with_one_line(org: Path, args: list[str], limit: str) -> None:
    assert limit in one_error_line(hiecheck(*args, cwd=org))


def test_an_endless_pipe_as_the_organization_file_ends(org: Path) -> None:
    yes = subprocess.Popen(["yes", "name = 'x'"], stdout=subprocess.PIPE)
    assert yes.stdout is not None
    result = subprocess.run(
        [sys.executable, "-m", "hiecheck", "check", f"/dev/fd/{yes.stdout.fileno()}"],
        cwd=org, pass_fds=[yes.stdout.fileno()], capture_output=True,
    )
    yes.kill()
    yes.wait()
    assert "larger than the 4 MiB limit" in one_error_line(result)


# --- user mistakes are one line -------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["validate", "--format", "bogus", "msgs"], ["validate"], ["validate", "msgs", "-j", "0"],
    ["check"], ["check", "org.toml", "--format", "pdf"], ["nosuchcommand"],
    ["p4p", "bhh"], ["p4p", "bhh", "bhh.csv", "--bogus"], ["programs", "--as-of", "never"],
    ["validate", "no-such-file.hl7"], ["check", "missing.toml"], ["check", "msgs"],
    ["p4p", "ohh", "msgs"],
], ids=" ".join)
def test_every_user_mistake_is_one_line_exit_two(org: Path, args: list[str]) -> None:
    one_error_line(hiecheck(*args, cwd=org))


# --- any console, no markup -----------------------------------------------------------------------

_ENCODINGS = {
    "cp1252": {"PYTHONIOENCODING": "cp1252"},
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "LANG=C": {"LANG": "C", "LC_ALL": "C"},
    "C without UTF-8 mode": {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0",
                             "PYTHONCOERCECLOCALE": "0"},
}


@pytest.fixture
def tricky(org: Path) -> Path:
    """The organization with user text that is markup-like and outside Latin-1 everywhere: its
    name, a capture's file name and a segment."""
    toml = (org / "org.toml").read_text(encoding="utf-8")
    (org / "org.toml").write_text(toml.replace("Example Family Practice", USER),
                                  encoding="utf-8")
    body = ADT.format(control="[red]C1✔").replace("PV1|", "[red]AB|x\rPV1|")
    (org / "msgs" / "[red]é ✔.hl7").write_bytes(body.encode())
    return org


_FORMATS = [
    (["validate", "msgs"], "table"), (["validate", "msgs"], "json"),
    (["validate", "msgs"], "junit"), (["check", "org.toml"], "table"),
    (["check", "org.toml"], "json"), (["check", "org.toml"], "markdown"),
    (["programs"], "table"), (["programs", "pcplus-tier2"], "json"),
    (["p4p", "bhh", "bhh.csv"], "table"), (["p4p", "bhh", "bhh.csv"], "csv"),
    (["p4p", "ohh", "ohh.csv"], "json"), (["p4p", "bhh", "bhh.csv"], "markdown"),
    (["check", "org.toml"], "html"), (["rules"], "text"), (["rules"], "markdown"),
    (["rules"], "json"),
]


@pytest.mark.parametrize("encoding", list(_ENCODINGS))
@pytest.mark.parametrize(("args", "fmt"), _FORMATS, ids=lambda v: v if isinstance(v, str)
                         else " ".join(v))
def test_every_format_works_on_any_console(
    tricky: Path, encoding: str, args: list[str], fmt: str
) -> None:
    env = {**_ENCODINGS[encoding], "COLUMNS": "250"}
    result = hiecheck(*args, "--format", fmt, cwd=tricky, env=env)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode in (0, 1), err
    assert "Traceback" not in err and "internal error" not in err
    if fmt == "json":
        json.loads(result.stdout)  # exact, whatever the console
    elif fmt == "junit":
        ET.fromstring(result.stdout)


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_json_and_junit_keep_user_text_exact_on_a_narrow_console(
    tricky: Path, encoding: str
) -> None:
    env = {"PYTHONIOENCODING": encoding}
    report = json.loads(hiecheck("check", "org.toml", "-f", "json", cwd=tricky, env=env).stdout)
    assert report["organization"] == USER
    junit = hiecheck("validate", "msgs", "-f", "junit", cwd=tricky, env=env).stdout
    assert junit.isascii()
    names = {s.get("name") for s in ET.fromstring(junit).iter("testsuite")}
    assert "msgs/[red]é ✔.hl7" in names


def test_user_text_is_never_read_as_markup(tricky: Path) -> None:
    table = hiecheck("validate", "msgs", "-f", "table", cwd=tricky,
                     env={"COLUMNS": "250"}).stdout.decode()
    report = json.loads(hiecheck("validate", "msgs", "-f", "json", cwd=tricky).stdout)
    assert "msgs/[red]é ✔.hl7" in table
    locations = {f["location"] for file in report["files"] for r in file["results"]
                 for f in r["findings"]}
    # The "[red]AB|x" line has no valid segment id: named by its line, its text never a location
    # (issue 10); the text itself is the finding's value, shown exactly with --show-values.
    assert "line 4" in locations, locations
    for location in locations:  # shown exactly as the JSON has it
        assert location in table
    shown = hiecheck("validate", "msgs", "-f", "table", "--show-values", cwd=tricky,
                     env={"COLUMNS": "250"}).stdout.decode()
    assert "[red]AB" in shown  # never read as markup (it would print "AB")
    check = hiecheck("check", "org.toml", cwd=tricky, env={"COLUMNS": "250"}).stdout.decode()
    assert USER in check
    letter = hiecheck("check", "org.toml", "-f", "markdown", cwd=tricky).stdout.decode()
    assert "Zoë \\[red\\]Clinic\\[/red\\] \\[/foo\\] ✔ — “x”" in letter


def test_a_console_without_unicode_gets_plain_characters(tricky: Path) -> None:
    out = hiecheck("check", "org.toml", cwd=tricky, env={"PYTHONIOENCODING": "ascii"}).stdout
    text = out.decode("ascii")  # nothing but ASCII reached the console
    assert 'Zoe [red]Clinic[/red] [/foo] + -- "x"' in text


# --- files that are not HL7 in a messages folder --------------------------------------------------


def test_a_notes_file_in_the_messages_folder_is_skipped_and_listed(org: Path) -> None:
    (org / "msgs" / "NOTES.txt").write_text("Ask Jane about PV1-2.\n")
    (org / "msgs" / "scan.dat").write_bytes(b"\x00\x01PDF" * 50)
    result = hiecheck("check", "org.toml", "-f", "json", cwd=org)
    assert result.returncode in (0, 1) and result.stderr == b"", result.stderr
    messages = json.loads(result.stdout)["messages"]
    assert messages["files"] == ["adt.hl7"] and messages["messages"] == 3
    assert messages["skipped"] == [
        {"file": "NOTES.txt", "reason": "no MSH segment"},
        {"file": "scan.dat",
         "reason": "binary content (NUL bytes near the start: binary or UTF-16 text)"},
    ]
    table = hiecheck("check", "org.toml", cwd=org, env={"COLUMNS": "200"}).stdout.decode()
    assert "2 file(s) skipped, not HL7: NOTES.txt (no MSH segment), scan.dat" in table
    letter = hiecheck("check", "org.toml", "-f", "markdown", cwd=org).stdout.decode()
    assert "2 files in the folder are not HL7 messages and were skipped: NOTES.txt" in letter
    named = hiecheck("check", "org.toml", "--messages", "msgs/NOTES.txt", cwd=org)
    assert "msgs/NOTES.txt: no HL7 message in this file: no MSH segment" in one_error_line(named)
