"""The fast paths give the same answers as the reference mode (the plain path).

Every check has a public reference mode (``CheckMode.REFERENCE``: every field, content element and
time checked in Python, nothing compiled to skip work); the fast mode must give exactly its
findings. The compiled per-segment expressions never hide a field or content finding; the DTM
parser's shortcut for whole units reads times as the regular expression does.

:mod:`hiecheck.hl7.field_regex` lets :func:`hiecheck.hl7.fields.check_fields` skip the Python walk
of a segment when one expression accepts it. That is only sound if an accepted segment has no
field finding: checked here on every segment of the corpus, of the realistic synthetic feed and of
thousands of random mutations of them (delimiters, digits, letters, quotes and signs inserted,
fields cut, repeated and emptied), for every version the corpus and the feed use.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hiecheck.hl7 import reference, synth, timing
from hiecheck.hl7.compiled import CheckMode, CompiledVersion, VersionRegistry
from hiecheck.hl7.content import CompiledContent, check_content
from hiecheck.hl7.fields import check_fields
from hiecheck.hl7.findings import Finding
from hiecheck.hl7.message import DEFAULT_DELIMITERS, Message, tokenize
from hiecheck.hl7.reader import BatchContext, RawMessage, ReadNote, read_source
from hiecheck.hl7.report import JsonStreamWriter, build_report, message_json, message_out
from hiecheck.hl7.requirements import load_requirements
from hiecheck.hl7.timing import CompiledTiming, HL7Time, event_time, parse_dtm, plain_latency
from hiecheck.hl7.validate import (
    MessageResult,
    default_checks,
    pack_raw,
    pack_result,
    unpack_raw,
    unpack_result,
    validate_message,
    validate_paths,
)

VERSIONS = ("2.3", "2.5.1", "2.8")
ALPHABET = "|^~&\\ 0123456789.+-\"AZaz"
FAST = VersionRegistry(CheckMode.FAST)
REFERENCE = VersionRegistry(CheckMode.REFERENCE)


def _segment_findings(message: Message, line: int) -> list[Finding]:
    """The reference walk's field findings of the segment on ``line``."""
    return [f for f in check_fields(message, REFERENCE) if f.line == line]


def _host(version: str) -> str:
    return f"MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|{version}"


def _mutate(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        at = rng.randint(4, max(4, len(chars)))
        if kind < 0.5:
            chars[at:at] = rng.choice(ALPHABET) * rng.choice((1, 1, 2))
        elif kind < 0.7 and at < len(chars):
            del chars[at : at + rng.randint(1, 8)]
        elif kind < 0.85:
            chars.extend("|" * rng.randint(1, 60))
        else:
            chars[at:at] = "~" + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))
    return "".join(chars)


def _segments(corpus_dir: Path) -> list[tuple[str, str]]:
    """(segment line, version) pairs: the corpus with default delimiters and the feed."""
    out: list[tuple[str, str]] = []
    for path in sorted(corpus_dir.rglob("*")):
        if not path.is_file() or path.suffix not in (".hl7", ".txt", ""):
            continue
        for raw in read_source(str(path)):
            message = tokenize(raw)
            if message.delimiters is DEFAULT_DELIMITERS:
                out.extend((s.text, v) for s in message.segments for v in VERSIONS)
    for lines in synth.feed_batch(300, seed=11):
        out.extend((line, v) for line in lines for v in VERSIONS)
    return out


def test_an_accepted_segment_has_no_field_finding(
    corpus_dir: Path, make_message: Callable[[list[str]], Message]
) -> None:
    rng = random.Random(5)
    accepted = walked = 0
    for text, version in _segments(corpus_dir):
        compiled = FAST.get(version)
        assert compiled is not None
        for candidate in (text, *(_mutate(text, rng) for _ in range(2))):
            seg_id = candidate[:3]
            found = compiled.segment(seg_id)
            if found is None or candidate[3:4] not in ("", "|") or "\r" in candidate:
                continue
            if seg_id == "MSH":  # MSH-1 and MSH-2 are split by the tokenizer
                message = make_message([candidate])
                if message.delimiters is not DEFAULT_DELIMITERS or message.version != version:
                    continue
                line = 1
            else:
                message = make_message([_host(version), candidate])
                if len(message.segments) != 2:
                    continue
                line = 2
            walked += 1
            assert found.clean is not None
            if found.clean.fullmatch(candidate, 3) is not None:
                accepted += 1
                assert _segment_findings(message, line) == [], (version, candidate)
    assert walked > 10_000
    assert accepted > walked // 5  # the fast path is really taken


def test_check_fields_same_with_and_without_the_expression(
    make_message: Callable[[list[str]], Message]
) -> None:
    """Whole messages: findings are identical whether or not the expression may skip the walk."""
    rng = random.Random(9)
    for lines in synth.feed_batch(200, seed=3):
        message = make_message(
            [_mutate(line, rng) if rng.random() < 0.3 else line for line in lines]
        )
        if not reference.is_supported(message.version):
            continue
        assert check_fields(message, FAST) == check_fields(message, REFERENCE)


def _mutate_parts(text: str, rng: random.Random) -> str:
    """Edits at component level: extra components and sub-components (valued, empty, blank),
    escapes, long parts, HL7 nulls, any field valued (withdrawn ones too), fields past the end."""
    parts = text.split("|")
    first = 3 if parts[0] == "MSH" else 1
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(9)
        if kind == 8:
            parts.extend([""] * rng.randint(0, 5) + ["V" * rng.randint(1, 3)])
            continue
        if len(parts) <= first:
            parts.append("")
        j = rng.randrange(first, len(parts))
        if parts[0] == "MSH" and j in (11, 12):
            continue  # the version stays readable
        value = parts[j]
        if kind == 0:
            value += "^" * rng.randint(1, 24) + "X"
        elif kind == 1:
            comps = value.split("^")
            i = rng.randrange(len(comps))
            comps[i] += "&" * rng.randint(1, 9) + rng.choice(("S", "", " ", "1.5", "20240101"))
            value = "^".join(comps)
        elif kind == 2:
            value += rng.choice(("^", "&", "^ ", "& ", "^&", "^^^", '^""'))
        elif kind == 3:
            value += rng.choice(("\\S\\", "\\T\\", "\\R\\", "\\E\\"))
        elif kind == 4:
            comps = value.split("^")
            comps[rng.randrange(len(comps))] = "R" * rng.choice((19, 20, 21, 199, 200))
            value = "^".join(comps)
        elif kind == 5:
            value = rng.choice(("X", "1", "", "X^Y", "20240101", "A&B"))
        elif kind == 6:
            value = value + "~" + value + "^" * rng.randint(0, 12) + rng.choice(("", "Z"))
        else:
            comps = value.split("^")
            i = rng.randrange(len(comps))
            comps[i] = rng.choice(("20141006092900+0700", "1.5", "abc", "2024", "&2024&x"))
            value = "^".join(comps)
        parts[j] = value
    return "|".join(parts)


def test_component_bounds_are_exact_in_every_version(
    make_message: Callable[[list[str]], Message]
) -> None:
    """Every supported version, feed segments edited at component level: a segment the
    expression accepts has no field finding, and check_fields (expression, then the guided walk
    of the fields that fail) gives exactly the reference walk's findings, in its order."""
    rng = random.Random(31)
    batch = list(synth.feed_batch(30, seed=17))
    accepted = rejected = 0
    for version in reference.SUPPORTED_VERSIONS:
        for lines in batch:
            parts = lines[0].split("|")
            parts[11] = version
            edited = ["|".join(parts)] + [
                _mutate_parts(line, rng) if rng.random() < 0.6 else line for line in lines[1:]
            ]
            if rng.random() < 0.5:
                edited[0] = _mutate_parts(edited[0], rng)
            message = make_message(edited)
            if message.version != version:
                continue
            walked = check_fields(message, REFERENCE)
            compiled = FAST.get(version)
            assert compiled is not None
            for seg in message.segments:
                found = compiled.segment(seg.id)
                if found is None:
                    continue
                assert found.clean is not None
                if found.clean.fullmatch(seg.text, 3) is not None:
                    accepted += 1
                    assert [f for f in walked if f.line == seg.line] == [], (version, seg.text)
                else:
                    rejected += 1
            assert check_fields(message, FAST) == walked, version
    assert accepted > 1000 and rejected > 1000


def test_content_same_with_and_without_the_group_shortcut(
    make_message: Callable[[list[str]], Message], corpus_dir: Path,
) -> None:
    """Content findings and group verdicts are identical when the compiled group expressions may
    skip the element walk and when they may not, on the feed, its mutations and the corpus."""
    rng = random.Random(13)
    messages: list[Message] = []
    for lines in synth.feed_batch(400, seed=21):
        messages.append(make_message(
            [_mutate(line, rng) if rng.random() < 0.3 else line for line in lines]
        ))
    for path in sorted(corpus_dir.rglob("*")):
        if path.is_file() and path.suffix in (".hl7", ".txt", ""):
            messages.extend(tokenize(raw) for raw in read_source(str(path)))
    for set_id in ("pcplus-tier3", "hie-adt"):
        requirements = load_requirements(set_id)
        assert requirements is not None
        fast_content = CompiledContent(requirements, CheckMode.FAST)
        plain_content = CompiledContent(requirements, CheckMode.REFERENCE)
        fast = [check_content(m, fast_content) for m in messages]
        slow = [check_content(m, plain_content) for m in messages]
        assert fast == slow


def _parse_dtm_reference(text: str) -> HL7Time | None:
    """parse_dtm as a regular expression alone reads it (the fast path must agree)."""
    m = re.match(
        r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.?(\d{1,4}))?([+-]\d{4})?$",
        text.strip(),
    )
    if not m:
        return None
    year, month, day, hour, minute, second, frac, offset = m.groups()
    digits = 4 + sum(2 for g in (month, day, hour, minute, second) if g)
    try:
        value = datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
            int(second or 0), int((frac or "0").ljust(6, "0")[:6]),
        )
        if offset:
            sign = -1 if offset[0] == "-" else 1
            hours, minutes = int(offset[1:3]), int(offset[3:5])
            if hours > 14 or minutes > 59:
                return None
            value = value.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    except ValueError:
        return None
    return HL7Time(value, digits, bool(offset))


def test_parse_dtm_fast_path_agrees_with_the_expression() -> None:
    rng = random.Random(3)
    cases = ["20261013170603", "20261313", "20260230", "20261013170603+0560", "2026", " 2026 ",
             "20261013170603.1234+0100", "+0500", "1234+0500", "\u0662\u0660\u0662\u0666",
             "20261013170603-1500", "2026101317060"]
    for _ in range(20_000):
        cases.append("".join(rng.choice("0123456789+-. \u0663") for _ in range(rng.randint(0, 22))))
        digits = "".join(rng.choice("0123456789") for _ in range(rng.choice((4, 6, 8, 10, 12, 14))))
        cases.append(digits + rng.choice(("", "+0100", "-0530", "+1500", "-0099")))
    for text in cases:
        assert parse_dtm(text) == _parse_dtm_reference(text), text


def test_latency_shortcut_agrees_with_the_general_path(h) -> None:  # type: ignore[no-untyped-def]
    """Plain 12/14-digit times take a shortcut to the latency; it must give exactly what the
    general path (parse_dtm, offsets, findings) gives, or leave the message to it."""
    rules = timing.load_timing_rules()
    fast_timing = CompiledTiming(rules, CheckMode.FAST)
    plain_timing = CompiledTiming(rules, CheckMode.REFERENCE)
    rng = random.Random(11)

    def stamp() -> str:
        kind = rng.random()
        if kind < 0.6:  # a plausible time, sometimes invalid (day 30 in February, hour 24 ...)
            text = (f"{rng.choice((2024, 2025, 2026))}{rng.randint(1, 12):02d}"
                    f"{rng.randint(1, 31):02d}{rng.randint(0, 24):02d}{rng.randint(0, 60):02d}")
            return text + (f"{rng.randint(0, 60):02d}" if rng.random() < 0.7 else "")
        if kind < 0.8:
            return "".join(rng.choice("0123456789") for _ in range(rng.choice((8, 10, 12, 14))))
        return rng.choice(("20260101120000-0500", "202601011200+0000", "20260101120000.5",
                           "2026010112", " 20260101120000", "2026010112000\u0663", ""))

    base = h.clean_adt()
    shortcut = 0
    for _ in range(3000):
        event, message_time = stamp(), stamp()
        text = base.replace("|20260101115955", f"|{event}").replace(
            "|20260101120000|", f"|{message_time}|", 1)
        message = h.parse(text)
        found = event_time(message, fast_timing)
        fast = timing.check_timing(message, fast_timing)
        slow = timing.check_timing(message, plain_timing)
        assert fast == slow, (event, message_time)
        shortcut += found is not None and plain_latency(
            found[3], message.msh.component(7, 1), rules.min_precision_digits) is not None
    assert shortcut > 300  # the shortcut was taken often enough to mean something


def test_results_travel_from_workers_unchanged() -> None:
    """--jobs sends results back as tuples; rebuilt, they equal what was checked."""
    checks = default_checks(load_requirements("pcplus-tier3"))
    rng = random.Random(17)
    for n, lines in enumerate(synth.feed_batch(300, seed=5)):
        text = "\r".join(_mutate(line, rng) if rng.random() < 0.2 else line for line in lines)
        raw = RawMessage("feed.hl7", n + 1, [(i + 1, t) for i, t in enumerate(text.split("\r"))])
        result = validate_message(raw, checks)
        assert unpack_result(pack_result(result)) == result


def test_streamed_json_is_what_pydantic_writes(corpus_dir: Path, tmp_path: Path) -> None:
    """The JSON writer builds each message's text itself; it equals the pydantic model's dump,
    with and without values, on the corpus and on mutated messages with quotes, backslashes,
    control characters and non-ASCII text in them."""
    rng = random.Random(23)
    capture = tmp_path / "feed.hl7"
    with capture.open("w", encoding="utf-8", newline="") as fh:
        for lines in synth.feed_batch(300, seed=8):
            for line in lines:
                if rng.random() < 0.2:
                    at = rng.randint(4, len(line))
                    line = line[:at] + rng.choice(('"', "\\\\", "\t", "\x01", "é", "日本", "\x7f",
                                                   "\u2028", "9" * 30)) + line[at:]
                fh.write(line + "\r")
    paths = [str(capture), str(corpus_dir)]
    checks = default_checks(load_requirements("pcplus-tier3"))
    events = list(validate_paths(paths, checks))
    for show_values in (False, True):
        out = io.StringIO()
        writer = JsonStreamWriter(out, "pcplus-tier3", show_values)
        writer.start()
        for event in events:
            writer.observe(event)
        writer.finish()
        expected = build_report(events, "pcplus-tier3", show_values).model_dump_json(indent=2)
        assert out.getvalue() == expected + "\n"
    latencies = [0.0, 1e-4, 0.5, 120.0, -3600.0, 1e15, 1e16, 2.5e-5, 123456789.123]
    result = next(e for e in events if isinstance(e, MessageResult))
    for latency in latencies:
        result.latency = latency
        expected = message_out(result, True).model_dump_json(indent=2)
        assert message_json(result, True) == expected


def test_raw_messages_travel_to_workers_unchanged() -> None:
    """--jobs sends raw messages as one string each; rebuilt, they equal what was read."""
    lines = [(1, "MSH|^~\\&|A"), (2, "PID|1"), (5, "PV1|1"), (6, "")]
    for raw in (
        RawMessage("a.hl7", 1, lines[:2]),
        RawMessage("a.hl7", 2, lines, [ReadNote("blank-lines", 3, "x")],
                   BatchContext([(0, "BHS")])),
        RawMessage("a.hl7", 3, [(7, "MSH|^~\\&|A")]),
    ):
        assert unpack_raw(pack_raw(raw)) == raw


def _feed_and_corpus(corpus_dir: Path, seed: int) -> list[RawMessage]:
    """The corpus, the feed and mutations of it (separators, digits, quotes, NUL, fields cut)."""
    rng = random.Random(seed)
    raws: list[RawMessage] = []
    for path in sorted(corpus_dir.rglob("*")):
        if path.is_file() and path.suffix in (".hl7", ".txt", ""):
            raws.extend(read_source(str(path)))
    for number, lines in enumerate(synth.feed_batch(400, seed=seed), 1):
        edited = [_mutate(line, rng) if i and rng.random() < 0.2 else line
                  for i, line in enumerate(lines)]
        if rng.random() < 0.05:
            edited[-1] += "\x00"
        raws.append(RawMessage("feed.hl7", number, list(enumerate(edited, number * 40))))
    return raws


def test_every_check_gives_the_reference_findings(corpus_dir: Path) -> None:
    """The whole per-message check in FAST mode equals REFERENCE mode: findings (in order),
    group verdicts, latency and everything else on the result."""
    raws = _feed_and_corpus(corpus_dir, seed=29)
    for set_id in ("pcplus-tier3", "hie-adt", "none"):
        requirements = load_requirements(set_id)
        fast = default_checks(requirements)
        plain = default_checks(requirements, mode=CheckMode.REFERENCE)
        for raw in raws:
            assert validate_message(raw, fast) == validate_message(raw, plain), (
                set_id, raw.source, raw.number)


def test_a_repeated_value_type_applies_as_the_reference_reads_it() -> None:
    """OBX-2 `NM~x` (a repetition where none is allowed): the fast path read the condition
    field whole and skipped the numeric check the reference path makes on its first repetition
    (found by the mutated feed of the test above, message 104 with seed 29)."""
    lines = [
        "MSH|^~\\&|EPIC|FAC|HIN|HIE|20261028160530||ORU^R01^ORU_R01|C1|P|2.5.1",
        "PID|1||1^^^FAC^MR||DOE^JANE||19800101|F",
        "OBR|1|O1|F1|4548-4^Hemoglobin A1c^LN|||20261028160119",
        "OBX|1|NM~6|4548-4^Hemoglobin A1c^LN||high|%^%^UCUM|||||F",
    ]
    raw = RawMessage("m.hl7", 1, list(enumerate(lines, 1)))
    requirements = load_requirements("pcplus-tier3")
    fast = validate_message(raw, default_checks(requirements))
    reference_result = validate_message(raw, default_checks(requirements,
                                                             mode=CheckMode.REFERENCE))
    assert fast == reference_result
    assert "content.not-numeric" in {f.rule for f in fast.findings}


def _checked_251(text: str, mode: CheckMode) -> tuple[MessageResult, CompiledVersion]:
    """One 2.5.1 message (``text``) checked in ``mode``, and the compiled version that checked it
    (whose FAST-mode memos the tests below look into)."""
    from hiecheck.hl7.reader import SourceSummary, read_stream
    from hiecheck.hl7.validate import validate_message

    checks = default_checks(None, mode=mode)
    result = validate_message(next(read_stream(io.BytesIO(text.encode()), SourceSummary("t"))),
                              checks)
    version = checks.versions.get("2.5.1")
    assert version is not None
    return result, version


def test_kept_structure_diagnoses_stay_small_and_match_the_reference() -> None:
    """FAST mode keeps what is wrong with a segment layout (a feed repeats its few layouts), the
    same findings as REFERENCE mode; a message longer than DIAGNOSIS_KEY_SEGMENTS is diagnosed
    every time and never kept, so a capture of huge out-of-order messages holds no layouts."""
    from hiecheck.hl7.structure import DIAGNOSIS_KEY_SEGMENTS

    head = "MSH|^~\\&|A|B|C|D|20261001120000||ADT^A01^ADT_A01|1|P|2.5.1\r"
    short = head + "PV1|1|I\rEVN|A01|20261001120000\rPID|1||42\r"  # EVN and PV1 out of order
    long = head + "PV1|1|I\rEVN|A01|20261001120000\rPID|1||42\r" + "NTE|1\r" * (
        DIAGNOSIS_KEY_SEGMENTS + 1)
    for text, kept in ((short, 1), (long, 0)):
        fast, version = _checked_251(text, CheckMode.FAST)
        reference_result, reference_version = _checked_251(text, CheckMode.REFERENCE)
        found = [(f.rule, f.line) for f in fast.findings]
        assert found == [(f.rule, f.line) for f in reference_result.findings]
        assert any(r.startswith("structure.") for r, _ in found)
        assert reference_version.diagnoses is None
        assert version.diagnoses is not None and len(version.diagnoses) == kept


def test_kept_faulty_values_are_short_ones() -> None:
    """FAST mode keeps the findings of a faulty field value it saw (a sender repeats it); a value
    longer than FAULTY_VALUE_KEPT_CHARS is checked every time and never kept (16,384 kept values
    of megabytes each would not be flat memory); findings as in REFERENCE mode either way."""
    from hiecheck.hl7.compiled import FAULTY_VALUE_KEPT_CHARS

    head = "MSH|^~\\&|A|B|C|D|20261001120000||ADT^A01^ADT_A01|1|P|2.5.1\rEVN|A01|20261001120000\r"
    for birth, kept in (("1990-01-01", 1), ("1" * (FAULTY_VALUE_KEPT_CHARS + 1), 0)):
        text = head + f"PID|1||42||DOE^JANE||{birth}\rPV1|1|I\r"
        fast, version = _checked_251(text, CheckMode.FAST)
        reference_result, _ = _checked_251(text, CheckMode.REFERENCE)
        found = [(f.rule, f.where) for f in fast.findings]
        assert found == [(f.rule, f.where) for f in reference_result.findings]
        assert any(r.startswith("field.") for r, _ in found)
        assert version.faulty_fields is not None and len(version.faulty_fields) == kept
