"""Issue 10, wrong verdicts: every check is a function of its message alone; control characters
are reported and never a value; MSH-9 has one case rule; --max-rows and the exit codes do what
the README says."""

from __future__ import annotations

import random
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from hiecheck.hl7.reader import RawMessage, read_source
from hiecheck.hl7.requirements import load_requirements
from hiecheck.hl7.validate import MessageResult, default_checks, validate_message, validate_paths

_LINE = re.compile(r"\bline (\d+)")


def _signature(result: MessageResult) -> tuple[object, ...]:
    """What a message's checks say about it, without where it sits in its file: line numbers
    are counted from its MSH (``read.*`` findings are about how the file was written: its first
    line, its separators)."""

    def relative(text: str) -> str:
        return _LINE.sub(lambda m: f"line MSH+{int(m.group(1)) - result.line}", text)

    findings = tuple(
        (f.rule, f.severity, relative(f.message), relative(f.location), f.value, f.group,
         f.line - result.line)
        for f in result.findings if not f.rule.startswith("read.")
    )
    groups = tuple((gid, g.status, tuple(map(str, g.missing)), tuple(map(str, g.invalid)),
                    tuple(map(str, g.re_missing))) for gid, g in result.groups.items())
    return (result.message_type, result.version, result.segment_ids, result.latency,
            result.latency_from, result.message_code, result.trigger_event, groups, findings)


def _corpus_messages(corpus_dir: Path) -> list[list[str]]:
    out = []
    for path in sorted(corpus_dir.rglob("*")):
        if path.is_file() and path.suffix in (".hl7", ".txt", ""):
            out.extend([text for _, text in raw.lines] for raw in read_source(str(path)))
    return out


def _alone(lines: list[str], set_id: str) -> tuple[object, ...]:
    """The message checked by fresh compiled checks, as the only message of its input."""
    raw = RawMessage("alone.hl7", 1, list(enumerate(lines, 1)))
    return _signature(validate_message(raw, default_checks(load_requirements(set_id))))


@pytest.mark.parametrize("set_id", ["pcplus-tier3", "hie-adt"])
def test_each_corpus_message_alone_and_in_shuffled_batches(
    corpus_dir: Path, tmp_path: Path, set_id: str
) -> None:
    """Each corpus message alone, then all of them in three shuffled orders in one file, checked
    with one process and with --jobs 2: the findings of every message are the same."""
    messages = _corpus_messages(corpus_dir)
    assert len(messages) > 50
    alone = [_alone(lines, set_id) for lines in messages]
    rng = random.Random(7)
    for round_ in range(3):
        order = list(range(len(messages)))
        rng.shuffle(order)
        path = tmp_path / f"batch{round_}.hl7"
        path.write_bytes(b"".join(
            ("\r".join(messages[i]) + "\r").encode("utf-8", "surrogateescape") for i in order
        ))
        for jobs in (1, 2):
            checks = default_checks(load_requirements(set_id))
            results = [e for e in validate_paths([str(path)], checks, jobs=jobs)
                       if isinstance(e, MessageResult)]
            assert len(results) == len(order)
            for position, i in enumerate(order):
                assert _signature(results[position]) == alone[i], (round_, jobs, i)


def test_structure_depends_on_the_message_own_delimiters(h: SimpleNamespace) -> None:
    """The same MSH-9 text means ADT^A01 with '^' as component separator, and one component
    (no trigger event) with '$': checked after the other, each keeps its own verdict."""
    plain = h.clean_adt()
    dollar = plain.replace("MSH|^~\\&|", "MSH|$~\\&|", 1).replace("ADT^A01^ADT_A01", "ADT^A01")
    checks = h.checks_for("hie-adt")

    def run(text: str, number: int) -> tuple[object, ...]:
        lines = text.strip("\r").split("\r")
        raw = RawMessage("m.hl7", number, list(enumerate(lines, 1)))
        return _signature(validate_message(raw, checks))

    first = run(dollar, 1)
    run(plain, 2)
    assert run(dollar, 3) == first == _alone(dollar.strip("\r").split("\r"), "hie-adt")
    assert "msh.unknown-message-type" in {f[0] for f in first[-1]}  # type: ignore[index]


def test_control_characters_are_reported_and_never_a_value(h: SimpleNamespace) -> None:
    """Issue 10: "NUL bytes inside fields pass with no finding, and a PV1-2 holding only NUL
    counts as valued"."""
    text = (h.clean_adt().replace("|DOE^JANE|", "|DOE\x00^JANE|").replace("PV1|1|I|", "PV1|1|\x00|")
            + "ZPV|1|A\x1bB\r" + "NTE|1||text\twith a tab\r")
    (result,) = h.messages(h.validate_bytes(text.encode(), "hie-adt"))
    control = [(f.location, f.severity.value, f.value) for f in result.findings
               if f.rule == "field.control-character"]
    assert control == [("PID[1]-5", "error", "DOE\\x00^JANE"), ("PV1[1]-2", "error", "\\x00"),
                       ("ZPV[1]-2", "error", "A\\x1bB")]  # the tab is left alone
    assert "PV1[1]-2" in {f.location for f in result.findings if f.rule == "field.required-missing"}
    assert result.groups["encounter"].status == "incomplete"
    assert [str(w) for w in result.groups["encounter"].missing] == ["PV1[1]-2"]
    assert result.groups["demographics"].status == "satisfied"  # DOE and JANE are still there


def test_an_event_time_of_only_nul_is_no_event_time(h: SimpleNamespace) -> None:
    text = h.clean_adt().replace("EVN|A01|20260101115955", "EVN|A01|\x00||||20260101115900")
    (result,) = h.messages(h.validate_bytes(text.encode(), "hie-adt"))
    assert (result.latency, str(result.latency_from)) == (60.0, "EVN[1]-6")


@pytest.mark.parametrize("written", ["adt^a04^adt_a01", "Adt^A04^ADT_A01", "adt^A04"])
def test_message_type_has_one_case_rule(h: SimpleNamespace, written: str) -> None:
    """Issue 10: "adt^A04 counts as ADT for evidence but not for content checks". Codes compare
    without regard to case everywhere and are reported upper case."""
    text = h.clean_adt().replace("ADT^A01^ADT_A01", written)
    (result,) = h.messages(h.validate_bytes(text.encode(), "hie-adt"))
    assert (result.message_code, result.trigger_event) == ("ADT", "A04")
    rules = [f.rule for f in result.findings]
    assert "content.not-covered" not in rules and "msh.unknown-message-type" not in rules
    assert rules.count("msh.message-type-case") == 1
    assert result.groups["demographics"].status == "satisfied"


def test_max_rows_caps_rows_per_severity(h: SimpleNamespace, write, cli) -> None:  # type: ignore[no-untyped-def]
    """README: --max-rows N is the findings rows shown per severity in the table."""
    many = "".join(h.clean_adt(control=f"C{i}").replace("DOE^JANE", "").replace("|2106-3|", "||")
                   for i in range(6))
    result = cli("validate", write(many), "--max-rows", "2", "-q")
    rows = [line for line in result.output.splitlines() if line.startswith("│ ")]
    shown = [row.split("│")[1].strip() for row in rows
             if row.split("│")[1].strip() in ("error", "warning", "info")]
    assert shown.count("error") == 2 and shown.count("warning") == 2
    assert "more finding(s) not shown (at most 2 per severity)" in result.output


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("clean", 0),
        ("warnings only", 0),
        ("errors", 1),
        ("no such path", 2),
        ("empty folder", 2),
        ("no MSH", 2),
        ("empty file", 2),
        ("no MSH beside errors", 2),
        ("unknown set", 2),
    ],
)
def test_validate_exit_codes_are_those_the_readme_states(
    h: SimpleNamespace, tmp_path: Path, content: str, code: int
) -> None:
    """README, validate: "0 no error findings (warnings and info do not count); 1 error findings;
    2 unreadable input: a path that matches nothing, a folder with no message files, a file that
    cannot be read or holds no HL7 message at all (one such file makes the run exit 2 even when
    other files have error findings ...), an unknown requirement set"."""
    good = tmp_path / "good.hl7"
    good.write_text(h.clean_adt(), newline="")
    warn = tmp_path / "warn.hl7"
    warn.write_text(h.clean_adt().replace("|2106-3|", "||"), newline="")
    bad = tmp_path / "bad.hl7"
    bad.write_text(h.clean_adt().replace("DOE^JANE", ""), newline="")
    nomsh = tmp_path / "notes.txt"
    nomsh.write_text("just some notes\n")
    empty = tmp_path / "empty.hl7"
    empty.write_bytes(b"")
    (tmp_path / "none").mkdir()
    args = {
        "clean": [str(good)], "warnings only": [str(warn)], "errors": [str(bad)],
        "no such path": [str(tmp_path / "missing.hl7")], "empty folder": [str(tmp_path / "none")],
        "no MSH": [str(nomsh)], "empty file": [str(empty)],
        "no MSH beside errors": [str(bad), str(nomsh)],
        "unknown set": [str(good), "-r", "tier-9"],
    }[content]
    result = h.run_process("validate", *args, "-q", "-f", "json")
    assert result.returncode == code, result.stderr
    assert b"Traceback" not in result.stderr
