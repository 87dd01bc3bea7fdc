"""`validate --cross-check hl7apy` (issue 16, "hl7apy as a second opinion"): hl7apy STRICT's
verdict per message beside hiecheck's, and which known, named difference explains a
disagreement (the knowledge of tests/hl7/test_differential*.py and FACTS.md's hl7apy pitfalls)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from hiecheck.hl7 import rules
from hiecheck.hl7.crosscheck import KNOWN_DIFFERENCES, Hl7apyVerdict, compare, hl7apy_verdict
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import at_segment

SECRET = "ZQXWILHELMINA"


def _finding(rule: rules.Rule, severity: Severity | None = None) -> Finding:
    return rule.finding("x", "f.hl7", 1, 1, at_segment("PID", 1, 3), severity=severity)


def test_hl7apy_verdict_never_raises(h: SimpleNamespace) -> None:
    good = hl7apy_verdict(h.parse(h.clean_adt()))
    assert good == Hl7apyVerdict(True)
    broken = hl7apy_verdict(h.parse(h.clean_adt().replace("|2.5.1", "|2.9", 1)))
    assert not broken.valid and broken.raised == "UnsupportedVersion"
    assert broken.hint == "version-without-reference-data"
    garbage = hl7apy_verdict(h.parse("MSH|^~\\&|||||||\rPID|1\r"))
    assert not garbage.valid and garbage.raised


def test_compare_agreement_and_named_differences() -> None:
    valid, invalid = Hl7apyVerdict(True), Hl7apyVerdict(False, "ValidationError")
    assert not compare([], valid, "2.5.1").differs
    # hiecheck rejects only for what hl7apy does not check: explained.
    table = compare([_finding(rules.FIELD_NOT_IN_TABLE)], valid, "2.5.1")
    assert table.differs and table.explained_by == ("tables-not-checked",)
    order = compare([_finding(rules.STRUCTURE_UNEXPECTED), _finding(rules.SEGMENT_UNKNOWN)],
                    valid, "2.5.1")
    assert set(order.explained_by) == {"order-not-checked", "unknown-segment-dropped"}
    # One error hl7apy would check too: unexplained.
    mixed = compare([_finding(rules.FIELD_NOT_IN_TABLE), _finding(rules.FIELD_FORMAT)], valid,
                    "2.5.1")
    assert mixed.differs and mixed.explained_by == ()
    # Content and timing errors are not hl7apy's business: not part of the verdict.
    content = compare([_finding(rules.CONTENT_REQUIRED)], valid, "2.5.1")
    assert not content.differs
    # hl7apy rejects what hiecheck only warns about.
    long = compare([_finding(rules.FIELD_TOO_LONG)], Hl7apyVerdict(False, "MaxLengthReached"),
                   "2.5.1")
    assert long.explained_by == ("length-is-a-warning",)
    assert compare([], invalid, "2.5.1").explained_by == ()
    conditional = compare([], Hl7apyVerdict(False, "ValidationError", "conditional-field"),
                          "2.5.1")
    assert conditional.explained_by == ("conditional-field",)
    for c in (table, order, long, conditional):
        assert set(c.explained_by) <= set(KNOWN_DIFFERENCES)


def test_cli_reports_the_difference_without_values(h: SimpleNamespace, write, cli) -> None:  # type: ignore[no-untyped-def]
    """PV1-2 99 under hie-adt (table 0004 strict): hiecheck rejects, hl7apy accepts (it does not
    check tables): crosscheck.explained, in the table and the JSON report."""
    text = h.clean_adt(name=f"{SECRET}^JANE").replace("PV1|1|I|", "PV1|1|99|")
    path = write(text)
    table = cli("validate", path, "-q", "--cross-check", "hl7apy")
    assert table.exit_code == 1
    assert "crosscheck.explained" in table.output and "tables-not-checked" in table.output
    report = json.loads(cli("validate", path, "-q", "--cross-check", "hl7apy", "-f", "json"
                            ).stdout)
    found = [f for f in report["files"][0]["results"][0]["findings"]
             if f["rule"].startswith("crosscheck.")]
    assert [(f["rule"], f["severity"], f["location"]) for f in found] == [
        ("crosscheck.explained", "info", "MSH[1]")]
    assert "hl7apy STRICT accepts the message, hiecheck rejects it" in found[0]["message"]
    assert SECRET not in json.dumps(report)
    assert "crosscheck" not in cli("validate", path, "-q").output  # only when asked


def test_cross_check_with_jobs_gives_the_same_findings(h: SimpleNamespace, write, cli) -> None:  # type: ignore[no-untyped-def]
    text = h.clean_adt().replace("PV1|1|I|", "PV1|1|99|") * 3
    path = write(text)
    one = json.loads(cli("validate", path, "-q", "--cross-check", "hl7apy", "-f", "json").stdout)
    two = json.loads(cli("validate", path, "-q", "--cross-check", "hl7apy", "-f", "json",
                         "-j", "2").stdout)
    assert one["files"] == two["files"]
