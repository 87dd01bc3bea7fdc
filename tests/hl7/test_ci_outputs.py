"""`validate --format sarif` and `--format github` (issue 16, "CI-native outputs": SARIF 2.1.0 so
code scanning annotates the HL7 file at the line, and GitHub Actions annotations).

SARIF: OASIS SARIF 2.1.0 (sarifLog, run, tool.driver.rules, result, physicalLocation). The
official schema is not vendored (its licence is the OASIS IPR policy, not a redistribution
licence): set ``HIECHECK_SARIF_SCHEMA`` to a copy of ``sarif-schema-2.1.0.json`` (oasis-tcs/
sarif-spec, sarif-2.1/schema/) to validate against it; the structural assertions always run.
GitHub: workflow commands (``::error file=…,line=…,title=…::message``), escaped as the runner
reads them (``%``, CR, LF; in properties also ``:`` and ``,``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import FILE, at_segment
from hiecheck.hl7.render_github import annotation, escape_data, escape_property
from hiecheck.hl7.render_sarif import sarif_result
from hiecheck.hl7.rules import RULES

SECRET = "ZQXWILHELMINA"


def _bad_message(h: SimpleNamespace) -> str:
    """Line 4 (PV1) has patient class 99 (an error under hie-adt) and admission type 3 (a
    warning: user table 0007); the name is the secret."""
    text = h.clean_adt(name=f"{SECRET}^JANE").replace("PV1|1|I|||", "PV1|1|99||3|")
    assert "PV1|1|99||3|" in text
    return text


def _sarif(cli, path: str, *more: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    result = cli("validate", path, "-q", "-f", "sarif", *more)
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_sarif_structure(h: SimpleNamespace, tmp_path: Path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "a.hl7").write_bytes(_bad_message(h).encode())
    monkeypatch.chdir(tmp_path)
    log = _sarif(cli, "feeds/a.hl7", "--show-values")
    assert log["version"] == "2.1.0" and "sarif-schema-2.1.0" in log["$schema"]
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    for r in rules:
        assert r["fullDescription"]["text"] == RULES[r["id"]].explanation
        assert r["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    results = run["results"]
    hit = next(r for r in results if r["ruleId"] == "field.not-in-user-table")
    assert hit["level"] == "error"
    assert rules[hit["ruleIndex"]]["id"] == hit["ruleId"]
    (location,) = hit["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "feeds/a.hl7"
    assert physical["region"]["startLine"] == 4  # PV1 is the file's fourth line
    assert location["logicalLocations"][0]["name"] == "PV1[1]-2"
    warning = next(r for r in results if r["level"] == "warning")
    assert warning["ruleId"] == "field.not-in-user-table"
    assert run["invocations"][0]["exitCode"] == 1
    text = json.dumps(log)
    assert SECRET not in text and '"99"' not in text  # never values, even with --show-values


def test_sarif_matches_the_official_schema(h: SimpleNamespace, write, cli) -> None:  # type: ignore[no-untyped-def]
    schema_path = os.environ.get("HIECHECK_SARIF_SCHEMA")
    if not schema_path:
        pytest.skip("HIECHECK_SARIF_SCHEMA not set (the OASIS schema is not vendored)")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    checker = jsonschema.validators.validator_for(schema)
    checker.check_schema(schema)
    log = _sarif(cli, write(_bad_message(h)))
    errors = list(checker(schema).iter_errors(log))
    assert errors == []


def test_sarif_unreadable_input_and_file_level_findings(write, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("validate", write(b""), "-q", "-f", "sarif")
    assert result.exit_code == 2
    (run,) = json.loads(result.stdout)["runs"]
    (found,) = run["results"]
    assert found["ruleId"] == "read.no-message"
    # A file outside the working directory is named by its file: URI.
    assert found["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
        "file:///")
    assert run["invocations"][0] == {"executionSuccessful": False, "exitCode": 2}
    no_line = Finding("read.other", Severity.INFO, "x", "a.hl7", 0, 0, FILE)
    assert "region" not in sarif_result(no_line)["locations"][0]["physicalLocation"]


@pytest.mark.parametrize("line", [0, 7])
def test_kept_result_texts_are_the_results_encoded_whole(line: int) -> None:
    """The writer keeps a result's text without its line and message number; what it writes is
    json.dumps of the result, for findings with and without a line, repeated with other
    numbers, and for a message holding the very digits the writer cuts out."""
    from hiecheck.hl7 import render_sarif

    texts = render_sarif._ResultTexts()
    where = at_segment("PV1", 1, 2)
    plain = Finding("field.not-in-table", Severity.ERROR, "PV1-2 is not in HL70004", "a.hl7",
                    line, 3, where)
    odd = Finding("field.not-in-table", Severity.WARNING,
                  f"holds {render_sarif._NUMBER} and {render_sarif._LINE}", "a.hl7", line, 9,
                  where)
    uri = ("a.hl7", True)
    for finding in [plain, odd, plain, odd]:
        for number, at in [(finding.message_number, finding.line), (41, line and line + 5)]:
            again = Finding(finding.rule, finding.severity, finding.message, finding.source,
                            at, number, finding.where)
            assert texts(again, uri) == json.dumps(sarif_result(again, uri), ensure_ascii=False)
    assert texts.kept[(odd.rule, odd.severity, odd.message, where, uri, line > 0)] is None


def test_github_annotations(h: SimpleNamespace, tmp_path: Path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.hl7").write_bytes(_bad_message(h).encode())
    monkeypatch.chdir(tmp_path)
    result = cli("validate", "a.hl7", "-q", "-f", "github", "--show-values")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    assert any(line.startswith("::error file=a.hl7,line=4,title=field.not-in-user-table at "
                               "PV1[1]-2::PV1[1]-2: ") for line in errors), errors
    assert any(line.startswith("::warning file=a.hl7,line=4,") for line in lines)
    assert lines[-1].startswith("hiecheck validate: requirements hie-adt")
    assert SECRET not in result.stdout


def test_github_escaping() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    finding = Finding("read.other", Severity.INFO, "odd: 100%\nmore", "dir,x/f:1.hl7", 7, 2,
                      at_segment("PID", 1, 3))
    assert annotation(finding) == (
        "::notice file=dir%2Cx/f%3A1.hl7,line=7,title=read.other at PID[1]-3::"
        "PID[1]-3: odd: 100%25%0Amore (message 2)")
