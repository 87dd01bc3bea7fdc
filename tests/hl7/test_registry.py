"""The HL7 rule registry (issue 11): every emitted id is registered with its severity, the README's
rule table is generated from it, and ``hiecheck rules`` prints it."""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace

import pytest

from hiecheck.hl7 import reader, synth
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import FILE
from hiecheck.hl7.read_notes import _NOTE_RULES
from hiecheck.hl7.render_rules import markdown_table, readme_block, rule_text, rules_list
from hiecheck.hl7.rules import RULES, rule
from hiecheck.hl7.validate import MessageResult, SourceEnd, validate_paths

SETS = ("pcplus-tier3", "hie-adt", "none")


def _mutations(lines: list[str], rng: random.Random) -> str:
    """A message edited as the hypothesis mutation tests edit it: truncated, a separator dropped,
    segments shuffled or duplicated, bytes inserted, the version or type changed."""
    text = "\r".join(lines) + "\r"
    kind = rng.randrange(7)
    if kind == 0:
        return text[: rng.randint(0, len(text))]
    if kind == 1:
        return text.replace(rng.choice("|^~&"), "")
    if kind == 2:
        body = lines[1:]
        rng.shuffle(body)
        return "\r".join([lines[0], *body]) + "\r"
    if kind == 3:
        return text + "\r".join(lines[1:]) + "\r"
    if kind == 4:
        at = rng.randint(0, len(text))
        return text[:at] + rng.choice(["\x00", "\x0b", "|", "^^^", "~", "ZZZ|1\r", " ", "é"]) + (
            text[at:])
    if kind == 5:
        return text.replace("|2.5.1|", "|2.9|").replace("|2.3|", "|9|")
    return text.replace("ADT^", rng.choice(["adt^", "XYZ^", "^", "ADT^A99^"]), 1)


def _emitted(paths: list[str], set_id: str, h: SimpleNamespace) -> list[Finding]:
    out: list[Finding] = []
    for event in validate_paths(paths, h.checks_for(set_id)):
        if isinstance(event, MessageResult | SourceEnd):
            out.extend(event.findings)
    return out


def test_every_emitted_rule_is_registered_with_its_severity(
    corpus_dir: Path, tmp_path: Path, h: SimpleNamespace
) -> None:
    """Corpus, the generators of hiecheck.hl7.synth and mutated messages, under every bundled
    requirement set: each finding's id is in the registry, its severity the registered one
    (or, for content checks, one the requirement set chose)."""
    rng = random.Random(41)
    feed = tmp_path / "feed.hl7"
    mutated = tmp_path / "mutated.hl7"
    generated = [*synth.feed_batch(150, seed=4), *synth.batch(60, seed=6)]
    feed.write_text("".join("\r".join(lines) + "\r" for lines in generated), newline="")
    mutated.write_bytes(b"junk line\r" + "".join(
        _mutations(lines, rng) for lines in generated
    ).encode("utf-8") + b"BTS|x\rFTS|2\r")
    paths = [str(corpus_dir), str(feed), str(mutated), str(Path(__file__).parents[2] /
                                                         "sample_messages")]
    seen: set[str] = set()
    for set_id in SETS:
        for f in _emitted(paths, set_id, h):
            assert f.rule in RULES, f.rule
            registered = RULES[f.rule]
            assert f.severity is registered.severity or registered.set_by_profile, f
            seen.add(f.rule)
    assert len(seen) > 35  # the inputs reach most of the rules


def test_every_reader_note_kind_has_a_rule() -> None:
    kinds = {getattr(reader, name) for name in dir(reader) if name.startswith("NOTE_")}
    assert kinds <= set(_NOTE_RULES)


def test_a_rule_keeps_its_severity_unless_the_set_chooses() -> None:
    fixed = rule("field.too-long")
    with pytest.raises(ValueError):
        fixed.finding("x", "f.hl7", 1, 1, FILE, severity=Severity.ERROR)
    chosen = rule("content.value-set").finding("x", "f.hl7", 1, 1, FILE,
                                                severity=Severity.WARNING)
    assert chosen.severity is Severity.WARNING


def test_every_rule_is_documented() -> None:
    for r in RULES.values():
        assert r.id.split(".")[0] in {"read", "msh", "structure", "segment", "field", "content",
                                      "timing", "crosscheck"}
        assert r.summary and r.explanation and r.source, r.id


def test_readme_rule_table_is_generated_from_the_registry(project_root: Path) -> None:
    """Regenerate with `hiecheck rules --format markdown` and put it between the markers."""
    readme = (project_root / "README.md").read_text(encoding="utf-8")
    assert readme_block(readme) == markdown_table()


def test_rules_command(cli, h: SimpleNamespace) -> None:  # type: ignore[no-untyped-def]
    one = cli("rules", "field.control-character")
    assert one.exit_code == 0
    assert one.output.startswith("field.control-character (error)\n")
    assert "Source: HL7 v2.x chapter 2" in one.output
    family = cli("rules", "timing")
    assert [line.split()[0] for line in family.output.splitlines()] == [
        "timing.negative", "timing.imprecise", "timing.unparseable", "timing.no-event-time"]
    every = cli("rules")
    assert len(every.output.splitlines()) == len(RULES)
    assert cli("rules", "-f", "markdown").output == markdown_table()
    listed = json.loads(cli("rules", "content", "-f", "json").output)
    assert {r["id"] for r in listed} == {r for r in RULES if r.startswith("content.")}
    unknown = h.run_process("rules", "field.nope")
    assert unknown.returncode == 2
    assert unknown.stderr.decode().startswith("hiecheck: error: field.nope: no such rule")


@pytest.mark.parametrize("width", [80, 60, 40])
def test_rules_on_a_terminal_wrap_at_words(width: int) -> None:
    """At 80 columns a summary hangs under its column; narrower, it goes below the id; never a
    word cut at the edge, never a line past the width, every word kept."""
    rules = list(RULES.values())
    text = rules_list(rules, width)
    assert max(len(line) for line in text.splitlines()) <= width
    assert [w.rstrip(":") for w in text.split()] == [
        w.rstrip(":") for w in rules_list(rules).split()]
    first = text.splitlines()[0]
    assert first.startswith(rules[0].id) and (rules[0].summary in first) == (width == 80)
    one = rule_text(RULES["field.not-in-table"], width)
    assert max(len(line) for line in one.splitlines()) <= width
    assert one.split() == rule_text(RULES["field.not-in-table"]).split()
    assert rule_text(RULES["field.not-in-table"]).count("\n") == 7  # piped: a line a paragraph
