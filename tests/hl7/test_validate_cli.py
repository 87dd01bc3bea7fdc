"""`hiecheck validate`: formats, exit codes, PHI, stdin, batches, jobs."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest

from hiecheck.hl7.report import JsonStreamWriter, ValidationReport, build_report

SECRET = "ZQXWILHELMINA"


def _phi_message(h: SimpleNamespace) -> str:
    """A message whose findings carry the patient's name as an offending value."""
    return (h.clean_adt(name=f"{SECRET}^JANE").replace("|F||2106-3|", f"|{SECRET}||2106-3|")
            + f"DG1|1||{SECRET}^x^I9|||F\r")


def test_clean_message_exits_zero(h: SimpleNamespace, write, cli) -> None:
    result = cli("validate", write(h.clean_adt()), "-q")
    assert result.exit_code == 0, result.output
    assert "clean: no error findings" in result.output


def test_error_findings_exit_one(h: SimpleNamespace, write, cli) -> None:
    result = cli("validate", write(h.clean_adt().replace("DOE^JANE", "")), "-q")
    assert result.exit_code == 1
    assert "PID[1]-5" in result.output and "content.required-missing" in result.output


@pytest.mark.parametrize(
    "content", [None, b"", b"hello\nworld\n", b"PID|1||x\r"], ids=["missing", "empty",
                                                                    "text", "no-msh"])
def test_unreadable_input_exits_two(
    h: SimpleNamespace, write, content: bytes | None, tmp_path: Path
) -> None:
    path = str(tmp_path / "nope.hl7") if content is None else write(content)
    result = h.run_process("validate", path, "-q")
    assert result.returncode == 2, result
    assert b"Traceback" not in result.stderr
    if content is None:
        assert result.stderr.decode().startswith("hiecheck: error: ")
        assert "no such file" in result.stderr.decode()


def test_empty_folder_exits_two(h: SimpleNamespace, tmp_path: Path) -> None:
    result = h.run_process("validate", str(tmp_path))
    assert result.returncode == 2 and b"no message files" in result.stderr


def test_unknown_requirement_set_exits_two(h: SimpleNamespace, write) -> None:
    result = h.run_process("validate", write(h.clean_adt()), "-r", "tier-9")
    assert result.returncode == 2 and b"unknown requirement set" in result.stderr


def test_json_is_the_pydantic_model_and_streams_identically(
    h: SimpleNamespace, write, cli
) -> None:
    paths = [write(h.clean_adt() + h.clean_adt("A03", control="C2")),
             write(h.clean_adt().replace("DOE^JANE", "")), write(b"garbage\n")]
    result = cli("validate", *paths, "--format", "json", "-q")
    assert result.exit_code == 2  # the third file holds no message
    report = ValidationReport.model_validate_json(result.stdout)
    assert [f.messages for f in report.files] == [2, 1, 0]
    assert report.totals.unreadable_files == 1 and report.exit_code == 2
    events = h.run_events(paths)
    assert result.stdout == build_report(events, "hie-adt").model_dump_json(indent=2) + "\n"
    assert report.files[0].results[1].message_type == "ADT^A03^ADT_A03"
    assert report.files[0].results[0].groups["demographics"].status == "satisfied"


def test_json_stream_writer_with_no_files() -> None:
    out = io.StringIO()
    writer = JsonStreamWriter(out, None, False)
    writer.start()
    writer.finish()
    assert out.getvalue() == build_report([], None).model_dump_json(indent=2) + "\n"


def test_junit_one_testcase_per_message(h: SimpleNamespace, write, cli, tmp_path) -> None:
    good = write(h.clean_adt() + h.clean_adt(control="C2"), "good.hl7")
    bad = write(h.clean_adt().replace("19800101", ""), "bad.hl7")
    report = tmp_path / "report.xml"
    result = cli("validate", good, bad, "--format", "junit", "--output", str(report), "-q")
    assert result.exit_code == 1 and result.stdout == ""
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "1"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [good, bad]
    assert [c.get("name") for c in suites[0].findall("testcase")] == [
        f"{good}#1 ADT^A01^ADT_A01 C1", f"{good}#2 ADT^A01^ADT_A01 C2"]
    assert all(c.find("failure") is None for c in suites[0].findall("testcase"))
    failure = suites[1].find("testcase/failure")
    assert failure is not None and failure.get("type") == "content.required-missing"
    assert f"{bad}:3 msg#1 PID[1]-7" in (failure.text or "")


def test_junit_file_level_findings_get_a_testcase(h: SimpleNamespace, write, cli) -> None:
    path = write(b"junk line\r" + h.clean_adt().encode())
    result = cli("validate", path, "--format", "junit", "-q")
    root = ET.fromstring(result.stdout)
    names = [c.get("name") for c in root.iter("testcase")]
    assert names[-1] == f"{path}#file"
    assert "read.stray-content" in (root.findall(".//failure")[-1].text or "")


@pytest.mark.parametrize("fmt", ["table", "json", "junit"])
def test_values_are_hidden_unless_show_values(
    h: SimpleNamespace, write, cli, fmt: str
) -> None:
    """CONVENTIONS, PHI: reports show field locations and presence, never patient values, unless
    --show-values."""
    path = write(_phi_message(h))
    hidden = cli("validate", path, "--format", fmt, "-q", "-r", "pcplus-tier3")
    assert hidden.exit_code == 1
    assert SECRET not in hidden.output
    shown = cli("validate", path, "--format", fmt, "-q", "--show-values", "-r", "pcplus-tier3")
    assert SECRET in shown.output


def test_stdin(h: SimpleNamespace) -> None:
    result = h.run_process("validate", "-", "--format", "json", stdin=h.clean_adt().encode())
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["files"][0]["file"] == "<stdin>" and report["files"][0]["messages"] == 1


def test_folder_and_glob(h: SimpleNamespace, write, cli, tmp_path: Path) -> None:
    write(h.clean_adt(), "a.hl7")
    write(h.clean_adt(), "b.txt")
    folder = ValidationReport.model_validate_json(
        cli("validate", str(tmp_path), "-f", "json").stdout)
    assert [Path(f.file).name for f in folder.files] == ["a.hl7", "b.txt"]
    pattern = ValidationReport.model_validate_json(
        cli("validate", str(tmp_path / "*.hl7"), "-f", "json").stdout)
    assert [Path(f.file).name for f in pattern.files] == ["a.hl7"]


def test_mllp_and_batch_counts(h: SimpleNamespace, write, cli) -> None:
    body = h.clean_adt() + h.clean_adt(control="C2")
    framed = b"\x0bFHS|^~\\&|APP\rBHS|^~\\&|APP\r" + body.encode() + b"BTS|3\rFTS|1\r\x1c\r"
    report = ValidationReport.model_validate_json(
        cli("validate", write(framed), "-f", "json").stdout)
    (file,) = report.files
    assert file.messages == 2
    file_rules = {(f.rule, f.location, f.message) for f in file.findings}
    assert ("read.batch-count", "BTS-1", "BTS-1 says 3 messages, 2 found") in file_rules
    assert not [f for f in file.findings if f.location == "FTS-1"]
    assert "read.mllp-framing" in {f.rule for r in file.results for f in r.findings} | {
        f.rule for f in file.findings}


def test_jobs_give_the_same_report_in_order(h: SimpleNamespace, write, cli) -> None:
    many = "".join(h.clean_adt(control=f"C{i}") for i in range(700))
    paths = [write(many), write(h.clean_adt().replace("DOE^JANE", "")), write(many)]
    one = cli("validate", *paths, "-f", "json", "-j", "1")
    three = cli("validate", *paths, "-f", "json", "-j", "3")
    assert one.exit_code == three.exit_code == 1
    assert one.stdout == three.stdout
    report = ValidationReport.model_validate_json(three.stdout)
    assert [r.control_id for r in report.files[0].results][:3] == ["C0", "C1", "C2"]


def test_table_caps_rows(h: SimpleNamespace, write, cli) -> None:
    many = "".join(h.clean_adt(control=f"C{i}").replace("DOE^JANE", "") for i in range(30))
    result = cli("validate", write(many), "--max-rows", "5")
    assert "more finding(s) not shown" in result.output


def test_files_are_never_modified(h: SimpleNamespace, write, cli) -> None:
    data = b"\xef\xbb\xbf" + h.clean_adt().replace("\r", "\n").encode()
    path = write(data)
    cli("validate", path, "-f", "junit")
    assert Path(path).read_bytes() == data


def test_big_files_are_checked_in_batches_in_order(
    h: SimpleNamespace, write, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hiecheck.hl7 import validate as pipeline

    many = "".join(h.clean_adt(control=f"C{i}") for i in range(300))
    paths = [write(many), write(b"junk\r" + many.encode())]
    one = h.run_events(paths)
    monkeypatch.setattr(pipeline, "WHOLE_FILE_BYTES", 0)  # every file read here, sent in batches
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 7)
    assert h.run_events(paths, jobs=2) == one


def test_table_summarises_content_groups_and_latency(h: SimpleNamespace, write, cli) -> None:
    """Seed 003, Primary Care Plus: "Tier II: HL7 data interface supporting real-time Admission
    Discharge Transfer (ADT) messages". The latency and the group verdicts of every message are
    summarised once, not repeated as a finding per message."""
    late = h.clean_adt(control="C2").replace("EVN|A01|20260101115955", "EVN|A01|20251230120000")
    result = cli("validate", write(h.clean_adt() + late), "-r", "pcplus-tier3", "-q")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "timing.latency" not in out and "content.group-absent" not in out
    assert "Content groups (pcplus-tier3)" in out
    groups = {line.split("│")[1].strip(): line.split("│")[2:6] for line in out.splitlines()
              if line.startswith("│ ")}
    assert [c.strip() for c in groups["demographics"]] == ["2", "0", "0", "0"]
    assert [c.strip() for c in groups["vital_signs"]] == ["0", "0", "2", "0"]
    adt = next(line for line in out.splitlines() if line.startswith("│ ADT "))
    # Latencies 5 s and 2 days: the median of two is their mean (a day), the max 2 days; written
    # as every output writes a delay (hiecheck.duration).
    assert [c.strip() for c in adt.split("│")[2:7]] == ["2", "2", "EVN[1]-2", "1 d 0 h 0 min",
                                                         "2 d 0 h 0 min"]


def test_json_names_the_field_latency_was_measured_from(h: SimpleNamespace, write, cli) -> None:
    result = cli("validate", write(h.clean_adt()), "-f", "json")
    message = json.loads(result.stdout)["files"][0]["results"][0]
    assert (message["latency_seconds"], message["latency_from"]) == (5.0, "EVN[1]-2")
    assert not [f for f in message["findings"] if f["rule"].startswith("timing.")]


@pytest.mark.parametrize("queued", [0, 10_000])
def test_jobs_same_events_whether_workers_or_this_process_check(
    h: SimpleNamespace, write, monkeypatch: pytest.MonkeyPatch, queued: int
) -> None:
    """--jobs N: N processes check (this one and N-1 workers). Every file and batch checked here
    (queued 0) or every one but the first by the workers (queued 10,000) gives the events of one
    process."""
    from hiecheck.hl7 import validate as pipeline

    many = "".join(h.clean_adt(control=f"C{i}") for i in range(40))
    paths = [write(many), write(b"junk\r" + many.encode()), write(many)]
    one = h.run_events(paths)
    monkeypatch.setattr(pipeline, "QUEUED_PER_WORKER", queued)
    assert h.run_events(paths, jobs=2) == one
    monkeypatch.setattr(pipeline, "WHOLE_FILE_BYTES", 0)
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 7)
    assert h.run_events(paths, jobs=3) == one
