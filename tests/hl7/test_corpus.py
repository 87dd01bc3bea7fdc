"""Every file of the shared public corpus is read and validated, and each MANIFEST quirk is seen.

The corpus is reached through ``$HIECHECK_CORPUS`` (set by .ci/run) via the corpus fixtures; it is
never copied into the project.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from hiecheck.hl7.message import tokenize
from hiecheck.hl7.reader import SourceSummary, read_source

pytestmark = pytest.mark.usefixtures("corpus_dir")


def _rows(corpus_manifest: list[dict[str, str]], needle: str) -> list[dict[str, str]]:
    rows = [r for r in corpus_manifest if needle in r["notes"]]
    assert rows, f"MANIFEST has no file noted {needle!r}"
    return rows


def _rules(h: SimpleNamespace, corpus_dir: Path, file: str, set_id: str = "hie-adt") -> set[str]:
    return {f.rule for f in h.all_findings(h.run_events([str(corpus_dir / file)], set_id))}


def test_every_corpus_file_validates_through_the_api(
    h: SimpleNamespace, corpus_dir: Path, corpus_manifest: list[dict[str, str]]
) -> None:
    for row in corpus_manifest:
        events = h.run_events([str(corpus_dir / row["file"])], "pcplus-tier3")
        types = [m.message_type.split("^")[:2] for m in h.messages(events)]
        expected = [t.split("^")[:2] for t in row["message_type"].split(";")]
        assert types, row["file"]
        if "!" not in row["message_type"]:
            # every message type listed in the MANIFEST is among those read
            assert all(t in types for t in expected), (row["file"], types)
        assert all(m.version == row["version"] for m in h.messages(events)[:1]), row["file"]


@pytest.mark.parametrize("fmt", ["table", "json", "junit"])
def test_whole_corpus_through_the_cli_without_traceback(
    h: SimpleNamespace, corpus_dir: Path, fmt: str
) -> None:
    result = h.run_process("validate", str(corpus_dir), "--format", fmt, "-r", "pcplus-tier3")
    assert result.returncode in (0, 1), result.stderr
    assert b"Traceback" not in result.stderr and b"internal error" not in result.stderr


def test_lf_separators_are_reported(
    h: SimpleNamespace, corpus_dir: Path, corpus_manifest: list[dict[str, str]]
) -> None:
    for row in _rows(corpus_manifest, "LF separators"):
        if "CRLF separators" in row["notes"]:
            continue
        assert "read.lf-separators" in _rules(h, corpus_dir, row["file"]), row["file"]


def test_crlf_separators_are_reported(
    h: SimpleNamespace, corpus_dir: Path, corpus_manifest: list[dict[str, str]]
) -> None:
    for row in _rows(corpus_manifest, "CRLF separators"):
        assert "read.crlf-separators" in _rules(h, corpus_dir, row["file"]), row["file"]


def test_cr_separators_are_not_reported(
    h: SimpleNamespace, corpus_dir: Path, corpus_manifest: list[dict[str, str]]
) -> None:
    for row in _rows(corpus_manifest, "CR separators"):
        if "CRLF" in row["notes"]:
            continue
        rules = _rules(h, corpus_dir, row["file"])
        assert not rules & {"read.lf-separators", "read.crlf-separators"}, row["file"]


def test_utf8_bom_is_reported(
    h: SimpleNamespace, corpus_dir: Path, corpus_manifest: list[dict[str, str]]
) -> None:
    for row in _rows(corpus_manifest, "UTF-8 BOM"):
        assert "read.utf8-bom" in _rules(h, corpus_dir, row["file"]), row["file"]


def test_leading_blank_line_is_reported(
    h: SimpleNamespace, corpus_dir: Path, corpus_manifest: list[dict[str, str]]
) -> None:
    for row in _rows(corpus_manifest, "leading blank line/whitespace"):
        findings = h.all_findings(h.run_events([str(corpus_dir / row["file"])]))
        lead = [f for f in findings if f.rule == "read.leading-whitespace"]
        assert lead and lead[0].line == 1 and lead[0].message_number == 0, row["file"]


@pytest.mark.parametrize("count", [2, 124])
def test_message_counts(
    h: SimpleNamespace, corpus_dir: Path, corpus_manifest: list[dict[str, str]], count: int
) -> None:
    for row in _rows(corpus_manifest, f"{count} messages in file"):
        found = h.messages(h.run_events([str(corpus_dir / row["file"])]))
        assert [m.number for m in found] == list(range(1, count + 1))
        types = {m.message_type.split("^")[1] for m in found}
        assert types == {t.split("^")[1] for t in row["message_type"].split(";")}


def test_non_default_delimiters_parse_pid_fields(
    h: SimpleNamespace, corpus_dir: Path, corpus_manifest: list[dict[str, str]]
) -> None:
    for row in _rows(corpus_manifest, "non-default"):
        raw = next(read_source(str(corpus_dir / row["file"]), SourceSummary(row["file"])))
        msg = tokenize(raw)
        pid = msg.first("PID")
        assert pid is not None, row["file"]
        assert pid.component(5, 1) and pid.component(5, 2), row["file"]  # family^given split
        assert msg.message_code == "ADT", row["file"]


def test_custom_field_separator_file_is_read_with_its_own_delimiters(
    h: SimpleNamespace, corpus_dir: Path
) -> None:
    """The MANIFEST notes 'missing PID-3; missing PID-7' for this file, but with its declared
    separators (field '#', component '!') PID-3 and PID-7 are valued: a reader splitting on '|'
    would miss them. hiecheck reads them and does not flag them."""
    path = corpus_dir / "rethink/edge-custom-delimiters.hl7"
    msg = tokenize(next(read_source(str(path))))
    assert (msg.delimiters.field, msg.delimiters.component) == ("#", "!")
    pid = msg.first("PID")
    assert pid is not None
    assert pid.component(3, 1) == "12345" and pid.component(3, 4) == "MRN"
    assert pid.field(7) == "19800101"
    findings = h.all_findings(h.run_events([str(path)]))
    assert not [f for f in findings if f.location in ("PID[1]-3", "PID[1]-7")]


def test_doubled_backslash_in_msh2_is_a_header_problem(
    corpus_dir: Path, corpus_manifest: list[dict[str, str]]
) -> None:
    for row in _rows(corpus_manifest, "doubled backslash"):
        msg = tokenize(next(read_source(str(corpus_dir / row["file"]))))
        assert "MSH-2.duplicate" in {p.rule for p in msg.header_problems}, row["file"]
        assert msg.delimiters.escape == "\\" and msg.delimiters.subcomponent == "&"
        pid = msg.first("PID")
        assert pid is not None and pid.component(3, 1) == "PID1234"


def test_doubled_backslash_in_msh2_is_reported_as_a_finding(
    h: SimpleNamespace, corpus_dir: Path, corpus_manifest: list[dict[str, str]]
) -> None:
    for row in _rows(corpus_manifest, "doubled backslash"):
        findings = h.all_findings(h.run_events([str(corpus_dir / row["file"])]))
        assert any(f.rule.startswith("msh.") and f.location.startswith("MSH[1]-2")
                   for f in findings), row["file"]


def test_missing_pid_fields_are_flagged(
    h: SimpleNamespace, corpus_dir: Path, corpus_manifest: list[dict[str, str]]
) -> None:
    """FACTS.md, HL7 v2 facts that bite: "Typical HIE ADT feed requirements: ... PID-3 (with
    assigning authority), PID-5, PID-7, PID-8" """
    for row in _rows(corpus_manifest, "missing PID-"):
        if "non-default field separator" in row["notes"]:
            continue  # see test_custom_field_separator_file_is_read_with_its_own_delimiters
        findings = h.all_findings(h.run_events([str(corpus_dir / row["file"])]))
        missing = {f.location for f in findings if f.rule == "content.required-missing"}
        for fld in ("3", "7"):
            if f"missing PID-{fld}" in row["notes"]:
                assert f"PID[1]-{fld}" in missing, (row["file"], missing)


def test_z_segments_are_kept(h: SimpleNamespace, corpus_dir: Path) -> None:
    (msg,) = h.messages(h.run_events([str(corpus_dir / "rethink/edge-z-segments.hl7")]))
    assert msg.segment_ids == ("MSH", "PID", "ZVN", "ZPD")


def test_z_segments_are_reported(h: SimpleNamespace, corpus_dir: Path) -> None:
    findings = h.all_findings(h.run_events([str(corpus_dir / "rethink/edge-z-segments.hl7")]))
    where = {f.location.split("-")[0] for f in findings if f.rule.startswith("segment.")}
    assert {"ZVN[1]", "ZPD[1]"} <= where


def test_nonstandard_segment_ids_are_kept_and_miss_their_standard_segments(
    h: SimpleNamespace, corpus_dir: Path
) -> None:
    path = corpus_dir / "rethink/invalid-segment-header-length.hl7"
    events = h.run_events([str(path)])
    (msg,) = h.messages(events)
    # Issue 10: a line that starts with no valid segment id is listed without its text.
    assert msg.segment_ids == ("MSH", "(invalid id)", "(invalid id)")
    missing = {f.location for f in msg.findings if f.rule == "content.required-missing"}
    assert {"PID[1]", "PV1[1]"} <= missing


def test_nonstandard_segment_ids_are_reported(h: SimpleNamespace, corpus_dir: Path) -> None:
    path = corpus_dir / "rethink/invalid-segment-header-length.hl7"
    findings = h.all_findings(h.run_events([str(path)]))
    invalid = [f for f in findings if f.rule == "segment.invalid-id"]
    assert [f.value for f in invalid] == ["PIDX", "PV"]  # shown only with --show-values
    assert [f.location for f in invalid] == [f"line {f.line}" for f in invalid]


def test_wrong_version_is_read(h: SimpleNamespace, corpus_dir: Path) -> None:
    (msg,) = h.messages(h.run_events([str(corpus_dir / "rethink/invalid-wrong-version.hl7")]))
    assert msg.version == "1.0"


def test_wrong_version_is_reported(h: SimpleNamespace, corpus_dir: Path) -> None:
    events = h.run_events([str(corpus_dir / "rethink/invalid-wrong-version.hl7")])
    assert any(f.rule.startswith("msh.") and f.location.startswith("MSH[1]-12")
               for f in h.all_findings(events))


def test_files_labelled_invalid_get_error_findings(
    h: SimpleNamespace, corpus_dir: Path, corpus_manifest: list[dict[str, str]]
) -> None:
    for row in _rows(corpus_manifest, "source labels it invalid"):
        result = h.run_process("validate", str(corpus_dir / row["file"]), "-q")
        assert result.returncode == 1, row["file"]


def test_non_ascii_bytes_are_decoded(
    h: SimpleNamespace, corpus_dir: Path, corpus_manifest: list[dict[str, str]]
) -> None:
    for row in _rows(corpus_manifest, "non-ASCII bytes"):
        events = h.run_events([str(corpus_dir / row["file"])])
        assert h.messages(events), row["file"]
        assert "read.non-utf8" not in {f.rule for f in h.all_findings(events)}  # valid UTF-8
    msg = tokenize(next(read_source(str(corpus_dir / "rethink/edge-non-ascii.hl7"))))
    pid = msg.first("PID")
    assert pid is not None and pid.component(5, 1) == "MÜLLER"


def test_corpus_folder_in_parallel_equals_sequential(h: SimpleNamespace, corpus_dir: Path) -> None:
    one = h.run_events([str(corpus_dir)], "pcplus-tier3")
    three = h.run_events([str(corpus_dir)], "pcplus-tier3", jobs=3)
    assert one == three
